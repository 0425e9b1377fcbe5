using Uploads.Sniffing;
using Uploads.Testing;

namespace Uploads.Sniffing.Tests;

public sealed class CorpusTests
{
    public static TheoryData<string> Files => Corpus.Names();

    [Fact]
    public void Manifest_ListsEveryCorpusFile()
    {
        var files = Directory.GetFiles(Corpus.Directory).Select(f => Path.GetFileName(f)!).Where(n => n != CorpusManifest.FileName).Order().ToList();
        Assert.Equal(files, Corpus.Entries.Select(e => e.File).Order().ToList());
        Assert.True(Corpus.Entries.Count >= 100);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task SniffAsync_CorpusFile_MatchesManifest(string file)
    {
        var entry = Corpus.Get(file);

        var detected = await Corpus.SniffAsync(Corpus.Read(file));

        Assert.Equal(entry.ExpectedType, detected.MediaType);
        Assert.True(entry.Refused == (detected.Refusal is not null), $"{file}: refusal '{detected.Refusal}', expected refused={entry.Refused} ({entry.Note})");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Evaluate_StreamedInChunks_SameVerdictAsRandomAccess(string file)
    {
        // A streaming caller: bytes arrive in 8 KiB chunks, the length is known only at the end; it keeps every chunk
        // and answers tail requests once the stream has ended.
        var entry = Corpus.Get(file);
        var bytes = Corpus.Read(file);
        var input = new SniffInput(null);
        SniffOutcome outcome = new SniffOutcome.NeedBytes(new ByteRange(0, 1));
        var position = 0;
        while (true)
        {
            outcome = ContentSniffer.Evaluate(input);
            if (outcome is SniffOutcome.Detected)
            {
                break;
            }

            if (position == bytes.Length)
            {
                Assert.Null(input.TotalLength);
                input.TotalLength = bytes.Length;
                continue;
            }

            var chunk = Math.Min(8192, bytes.Length - position);
            input.Add(position, bytes.AsMemory(position, chunk));
            position += chunk;
        }

        var detected = (SniffOutcome.Detected)outcome;
        Assert.Equal(entry.ExpectedType, detected.MediaType);
        Assert.Equal(entry.Refused, detected.Refusal is not null);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task SniffAsync_CorpusFile_ReadsBoundedRangesInsideTheFile(string file)
    {
        var bytes = Corpus.Read(file);
        var reads = new List<ByteRange>();

        await Corpus.SniffAsync(bytes, reads);

        Assert.All(reads, r => Assert.True(r.Offset >= 0 && r.Length > 0 && r.End <= bytes.Length && r.Length <= ContentSniffer.MaxRangeBytes, r.ToString()));
        Assert.True(reads.Count <= ContentSniffer.MaxRounds);
    }
}
