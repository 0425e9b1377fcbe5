namespace Uploads.Testing;

/// <summary>
/// A committed set of real-world test files (tests/fixtures/&lt;set&gt;/files) with its manifests: every <c>*.tsv</c> in the
/// set's folder, one per script that made the files (tests/fixtures/&lt;set&gt;/make-*.sh, run by the set's generate.sh).
/// Columns: <c>file</c>, <c>type</c> (the media type the sniffer must detect and the client declares), <c>refused</c>
/// (<c>yes</c>/<c>no</c>), <c>reason contains</c> (a fragment the refusal must contain, <c>-</c> when accepted) and
/// <c>how made</c> (the producer and what was done to the file).
/// </summary>
public static class FixtureSet
{
    /// <summary>Producers' files: documents, media and images written by real tools, clean and with active content added.</summary>
    public const string Producers = "producers";

    /// <summary>Files inside files: valid files of an allowed type that carry another file, polyglots, decoded-size bombs.</summary>
    public const string Carriers = "carriers";

    /// <summary>One file of a set and the verdict its manifest gives it.</summary>
    public sealed record Entry(string Set, string File, string Type, bool Refused, string? Reason, string HowMade)
    {
        public string Path => System.IO.Path.Combine(FilesDirectory(Set), File);

        public byte[] Read() => System.IO.File.ReadAllBytes(Path);

        public override string ToString() => $"{Set}/{File}";
    }

    /// <summary>The folder holding a set's files.</summary>
    public static string FilesDirectory(string set) => System.IO.Path.Combine(RepositoryRoot.Find(), "tests", "fixtures", set, "files");

    /// <summary>Every entry of every manifest of <paramref name="set"/>.</summary>
    public static IReadOnlyList<Entry> Entries(string set) =>
        [.. Directory.GetFiles(System.IO.Path.Combine(RepositoryRoot.Find(), "tests", "fixtures", set), "*.tsv")
            .Order(StringComparer.Ordinal)
            .SelectMany(CorpusManifest.Rows)
            .Select(f => new Entry(set, f[0], f[1], f[2] == "yes", f[3] == "-" ? null : f[3], f.Length > 4 ? f[4] : string.Empty))];

    /// <summary>One entry, by set and file name.</summary>
    public static Entry Get(string set, string file) => Entries(set).Single(e => e.File == file);

    /// <summary>(set, file) pairs of the sets, for theories.</summary>
    public static IEnumerable<(string Set, string File)> Names(params string[] sets) =>
        sets.SelectMany(set => Entries(set).Select(e => (set, e.File)));
}
