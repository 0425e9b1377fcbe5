using Uploads.Sniffing;

namespace Uploads.Sniffing.Tests;

/// <summary>The committed fixture corpus (tests/fixtures/corpus) and its manifest.</summary>
internal static class Corpus
{
    public static string Directory { get; } = FindFixture(Path.Combine("tests", "fixtures", "corpus"));

    public static IReadOnlyList<Entry> Entries { get; } = Load();

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Entries)
        {
            data.Add(entry.File);
        }

        return data;
    }

    public static Entry Get(string name) => Entries.Single(e => e.File == name);

    /// <summary>Random-access sniffing of a byte array through the public loop.</summary>
    public static ValueTask<SniffOutcome.Detected> SniffAsync(byte[] bytes, List<ByteRange>? reads = null) =>
        ContentSniffer.SniffAsync(
            (range, _) =>
            {
                reads?.Add(range);
                return ValueTask.FromResult<ReadOnlyMemory<byte>>(bytes.AsMemory((int)range.Offset, range.Length));
            },
            bytes.Length);

    /// <summary>The fixture directory <paramref name="relative"/> (holding a manifest.tsv) above the test's output directory.</summary>
    internal static string FindFixture(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(Path.Combine(candidate, "manifest.tsv")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"{relative} not found");
    }

    private static List<Entry> Load() =>
        File.ReadAllLines(Path.Combine(Directory, "manifest.tsv"))
            .Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .Select(f => new Entry(f[0], f[1], f[2] == "yes", f[3]))
            .ToList();

    internal sealed record Entry(string File, string ExpectedType, bool Refused, string Note);
}
