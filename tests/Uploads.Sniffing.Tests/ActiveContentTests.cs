using Uploads.Sniffing;
using Uploads.Testing;

namespace Uploads.Sniffing.Tests;

/// <summary>Every file of the active-content corpus gets its manifest verdict, by random access and by streaming, and the policy lets allowed categories through.</summary>
public sealed class ActiveContentTests
{
    public static TheoryData<string> Files => ActiveCorpus.Names();

    [Fact]
    public void Manifest_ListsEveryActiveCorpusFile()
    {
        var files = Directory.GetFiles(ActiveCorpus.Directory).Select(f => Path.GetFileName(f)!).Where(n => n != CorpusManifest.FileName).Order().ToList();
        Assert.Equal(files, ActiveCorpus.Entries.Select(e => e.File).Order().ToList());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task SniffAsync_ActiveCorpusFile_MatchesManifest(string file)
    {
        var entry = ActiveCorpus.Get(file);

        var detected = await Corpus.SniffAsync(ActiveCorpus.Read(file));

        AssertVerdict(entry, detected);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Stream_ActiveCorpusFileIn4KiBChunks_SameVerdictAsRandomAccess(string file)
    {
        var entry = ActiveCorpus.Get(file);
        var bytes = ActiveCorpus.Read(file);

        var detected = Streamed(bytes, 4096, ActiveContentKinds.None);

        AssertVerdict(entry, detected);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task SniffAsync_CategoryAllowed_OnlyThatCategoryPasses(string file)
    {
        var entry = ActiveCorpus.Get(file);
        if (entry.Kind is not { } kind)
        {
            return;
        }

        var bytes = ActiveCorpus.Read(file);
        var allowed = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, kind);
        var allButIt = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ~kind & AllKinds);

        Assert.Contains(allowed.ActiveContent, f => f.Kind == kind);
        Assert.True(allowed.Refusal is null || !allowed.Refusal.Contains(entry.Reason!, StringComparison.Ordinal), $"{file}: still refused for '{allowed.Refusal}' with {kind} allowed");
        Assert.NotNull(allButIt.Refusal);
    }

    [Fact]
    public async Task SniffAsync_FormScriptsAllowed_DocumentScriptStillRefused()
    {
        var bytes = ActiveCorpus.Read("pdf-js-openaction.pdf");

        var detected = await ContentSniffer.SniffAsync(Source(bytes), bytes.Length, ActiveContentKinds.PdfFormScripts);

        Assert.Contains("(/OpenAction)", detected.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniffAsync_LargePdf_ReadsEachByteOnceInScanChunks()
    {
        var bytes = ActiveCorpus.Read("pdf-js-far-from-ends.pdf");
        var reads = new List<ByteRange>();

        var detected = await Corpus.SniffAsync(bytes, reads);

        Assert.NotNull(detected.Refusal);
        Assert.Equal(bytes.Length, reads.Sum(r => (long)r.Length));
        Assert.All(reads, r => Assert.True(r.Length <= ActiveContentScanner.ChunkBytes));
    }

    private static ActiveContentKinds AllKinds => Enum.GetValues<ActiveContentKinds>().Aggregate((a, b) => a | b);

    private static Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> Source(byte[] bytes) =>
        (range, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length));

    /// <summary>A streaming caller: Evaluate over the head (and the end, for ZIP), then the scanner fed in chunks.</summary>
    internal static SniffOutcome.Detected Streamed(byte[] bytes, int chunk, ActiveContentKinds allowed)
    {
        var input = new SniffInput(bytes.Length) { AllowedActiveContent = allowed };
        SniffOutcome outcome;
        while ((outcome = ContentSniffer.Evaluate(input)) is SniffOutcome.NeedBytes need)
        {
            input.Add(need.Range.Offset, bytes.AsMemory((int)need.Range.Offset, need.Range.Length));
        }

        var detected = (SniffOutcome.Detected)outcome;
        if (ActiveContentScanner.For(detected, allowed, input.Budget) is not { } scanner)
        {
            return detected;
        }

        for (var at = 0; at < bytes.Length; at += chunk)
        {
            scanner.Write(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)));
        }

        return scanner.Complete();
    }

    private static void AssertVerdict(CorpusManifest.ActiveEntry entry, SniffOutcome.Detected detected)
    {
        Assert.Equal(entry.ExpectedType, detected.MediaType);
        Assert.True(entry.Refused == (detected.Refusal is not null), $"{entry.File}: refusal '{detected.Refusal}', expected refused={entry.Refused}");
        if (entry.Reason is { } reason)
        {
            Assert.Contains(reason, detected.Refusal, StringComparison.Ordinal);
        }

        if (entry.Kind is { } kind)
        {
            Assert.Contains(detected.ActiveContent, f => f.Kind == kind);
        }
    }
}

/// <summary>Inputs the fuzzer once broke the scanner with, kept so that they stay fixed (tests/fixtures/active-content/regressions).</summary>
public sealed class ActiveContentRegressionTests
{
    public static TheoryData<string> Files() =>
        [.. Directory.GetFiles(Path.Combine(ActiveCorpus.Directory, "..", "regressions")).Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Files))]
    public void ScanCore_FuzzRegression_DecidesWithoutThrowing(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(ActiveCorpus.Directory, "..", "regressions", file));
        var input = new SniffInput(bytes.Length);
        input.Add(0, bytes);

        var detected = Assert.IsType<SniffOutcome.Detected>(ContentSniffer.EvaluateCore(input));
        var scanner = ActiveContentScanner.For(detected, ActiveContentKinds.None, input.Budget);
        Assert.NotNull(scanner);
        scanner.WriteCore(bytes);

        Assert.NotNull(scanner.CompleteCore().Refusal);
    }
}
