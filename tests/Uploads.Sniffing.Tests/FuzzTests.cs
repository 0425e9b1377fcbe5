using Uploads.Adversarial;
using Uploads.Sniffing;
using Uploads.Testing;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// Bounded, seeded mutation fuzzing over the corpus (<see cref="CostFuzzer.Mutate"/>: bit flips, interesting bytes,
/// length-field corruption, truncation, insertion, deletion and splices). Every mutant is sniffed to a verdict with the
/// safety net off (<see cref="ContentSniffer.EvaluateCore"/>): no exception, every requested range inside the file and bounded,
/// and a verdict within a bounded number of rounds (so no hang).
/// </summary>
public sealed class FuzzTests
{
    // 20,000 mutants in CI (a few seconds); SNIFF_FUZZ_ITERATIONS raises the budget for a longer local run.
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("SNIFF_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : 20_000;
    private const int MaxSeedBytes = 160 * 1024;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EvaluateCore_MutatedCorpus_NeverThrowsAndAlwaysDecides(int seed)
    {
        var random = new Random(seed);
        var seeds = Corpus.Entries.Select(e => Corpus.Read(e.File)).Where(b => b.Length > 0)
            .Select(b => b.Length > MaxSeedBytes ? b[..MaxSeedBytes] : b).ToArray();

        for (var i = 0; i < Iterations / 4; i++)
        {
            var original = seeds[random.Next(seeds.Length)];
            var mutant = CostFuzzer.Mutate(original, seeds, random);
            try
            {
                Drive(mutant);
            }
            catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
            {
                var path = Path.Combine(Path.GetTempPath(), $"sniff-crash-{seed}-{i}.bin");
                File.WriteAllBytes(path, mutant);
                Assert.Fail($"iteration {i}: {exception.GetType().Name}: {exception.Message} (input saved to {path})\n{exception.StackTrace}");
            }
        }
    }

    /// <summary>
    /// The active-content parsers (PDF tokenizer and object streams, DOCX parts and fields, OLE2 directories, SVG
    /// references) under the same mutations, seeded from the active-content corpus: no exception, a verdict, and
    /// bounded memory (allocations per mutant stay under a fixed budget, whatever a mutated length or a bomb says).
    /// The scanner is fed in random chunk sizes, as a stream would.
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void ScanCore_MutatedActiveContentCorpus_NeverThrowsStaysBounded(int seed)
    {
        FuzzScanner(ActiveCorpus.Entries.Select(e => ActiveCorpus.Read(e.File)), seed, Iterations / 8);
    }

    /// <summary>
    /// The decryption path under the same mutations, seeded from the encrypted PDFs of the producers set (RC4, AES-128,
    /// AES-256 R5 and R6, object streams, a linearized file, user passwords, encrypted links): a mutated encryption
    /// dictionary, key, string or stream never throws out of the scanner and stays bounded.
    /// </summary>
    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void ScanCore_MutatedEncryptedPdfs_NeverThrowsStaysBounded(int seed)
    {
        var encrypted = FixtureSet.Entries(FixtureSet.Producers).Where(e => e.File.StartsWith("pdf-encryption-", StringComparison.Ordinal)).Select(e => e.Read());

        FuzzScanner(encrypted, seed, Iterations / 8);
    }

    private static void FuzzScanner(IEnumerable<byte[]> corpus, int seed, int iterations)
    {
        const long AllocationBudget = 512L * 1024 * 1024;
        var random = new Random(seed);
        var seeds = corpus.Select(b => b.Length > MaxSeedBytes ? b[..MaxSeedBytes] : b).ToArray();
        for (var i = 0; i < iterations; i++)
        {
            var mutant = CostFuzzer.Mutate(seeds[random.Next(seeds.Length)], seeds, random);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Drive(mutant, 1 + random.Next(64 * 1024));
            }
            catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
            {
                var path = Path.Combine(Path.GetTempPath(), $"scan-crash-{seed}-{i}.bin");
                File.WriteAllBytes(path, mutant);
                Assert.Fail($"iteration {i}: {exception.GetType().Name}: {exception.Message} (input saved to {path})\n{exception.StackTrace}");
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < AllocationBudget, $"iteration {i}: {allocated} bytes allocated for a {mutant.Length}-byte input");
        }
    }

    /// <summary>The random-access loop of SniffAsync, without the safety net, asserting every request; then the scanner the verdict needs.</summary>
    private static void Drive(byte[] bytes, int scanChunk = ActiveContentScanner.ChunkBytes)
    {
        var input = new SniffInput(bytes.Length);
        for (var round = 0; round <= ContentSniffer.MaxRounds * 4; round++)
        {
            var outcome = ContentSniffer.EvaluateCore(input);
            if (outcome is SniffOutcome.Detected detected)
            {
                Assert.False(string.IsNullOrEmpty(detected.MediaType));
                if (ActiveContentScanner.For(detected, ActiveContentKinds.None, input.Budget) is { } scanner)
                {
                    for (var at = 0; at < bytes.Length; at += scanChunk)
                    {
                        scanner.WriteCore(bytes.AsSpan(at, Math.Min(scanChunk, bytes.Length - at)));
                    }

                    Assert.False(string.IsNullOrEmpty(scanner.CompleteCore().MediaType));
                }

                return;
            }

            var range = ((SniffOutcome.NeedBytes)outcome).Range;
            Assert.True(range.Offset >= 0 && range.Length > 0 && range.End <= bytes.Length && range.Length <= ContentSniffer.MaxRangeBytes, $"bad range {range} of {bytes.Length}");
            Assert.True(input.ContiguousLength(range.Offset, range.Length) < range.Length, $"asked again for held bytes {range}");
            input.Add(range.Offset, bytes.AsMemory((int)range.Offset, range.Length));
        }

        Assert.Fail("no verdict within the round bound");
    }
}
