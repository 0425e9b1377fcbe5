using Uploads.Sniffing;
using Uploads.Testing;

namespace Uploads.Sniffing.Tests;

/// <summary>The committed fixture corpus (tests/fixtures/corpus) and its manifest.</summary>
internal static class Corpus
{
    public static string Directory { get; } = TestFixtures.CorpusDirectory;

    public static IReadOnlyList<CorpusManifest.Entry> Entries => CorpusManifest.Corpus;

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static TheoryData<string> Names() => [.. CorpusManifest.CorpusFiles];

    public static CorpusManifest.Entry Get(string name) => Entries.Single(e => e.File == name);

    /// <summary>Random-access sniffing of a byte array through the public loop.</summary>
    public static ValueTask<SniffOutcome.Detected> SniffAsync(byte[] bytes, List<ByteRange>? reads = null) =>
        ContentSniffer.SniffAsync(
            (range, _) =>
            {
                reads?.Add(range);
                return ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length));
            },
            bytes.Length);
}
