using Uploads.Sniffing;

namespace Uploads.Sniffing.Tests;

/// <summary>The committed active-content corpus (tests/fixtures/active-content/files, made by its generate.sh) and its manifest.</summary>
public static class ActiveCorpus
{
    public static string Directory { get; } = Corpus.FindFixture(Path.Combine("tests", "fixtures", "active-content", "files"));

    public static IReadOnlyList<Entry> Entries { get; } = Load();

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static Entry Get(string name) => Entries.Single(e => e.File == name);

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Entries)
        {
            data.Add(entry.File);
        }

        return data;
    }

    private static List<Entry> Load() =>
        File.ReadAllLines(Path.Combine(Directory, "manifest.tsv"))
            .Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .Select(f => new Entry(f[0], f[1], f[2] == "yes", f[3] == "-" ? null : Enum.Parse<ActiveContentKinds>(f[3]), f[4] == "-" ? null : f[4]))
            .ToList();

    /// <param name="Kind">The category of the finding that refuses it (null: accepted, or refused as unverifiable).</param>
    /// <param name="Reason">A fragment the refusal must contain.</param>
    public sealed record Entry(string File, string ExpectedType, bool Refused, ActiveContentKinds? Kind, string? Reason);
}
