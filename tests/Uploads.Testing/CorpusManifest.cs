using Uploads.Policy;
using Uploads.Sniffing;

namespace Uploads.Testing;

/// <summary>
/// The manifests of the two committed corpora, read in this one place for every test project: the type corpus
/// (<see cref="TestFixtures.CorpusDirectory"/>, made by tests/fixtures/make-corpus.sh; columns <c>file</c>,
/// <c>expected_type</c>, <c>refused</c>, <c>note</c>) and the active-content corpus
/// (<see cref="TestFixtures.ActiveContentDirectory"/>, made by its generate.sh; columns <c>file</c>, <c>type</c>,
/// <c>refused</c>, <c>kind</c>, <c>reason contains</c>, <c>-</c> for none). The real-world sets (producers, carriers)
/// are read by <see cref="FixtureSet"/>, through the same <see cref="Rows"/>.
/// </summary>
public static class CorpusManifest
{
    /// <summary>The name of the manifest in a corpus folder (the one file there that is no fixture).</summary>
    public const string FileName = "manifest.tsv";

    /// <summary>One file of the type corpus and the verdict the manifest gives it.</summary>
    public sealed record Entry(string File, string ExpectedType, bool Refused, string Note)
    {
        public string Path => System.IO.Path.Combine(TestFixtures.CorpusDirectory, File);

        /// <summary>Allowed and acceptable: verification must pass it.</summary>
        public bool ShouldPass => !Refused && UploadPolicy.TryGetAllowed(ExpectedType, out _);

        /// <summary>The name and type a client would declare: the file's own extension where it names an allowed type.</summary>
        public (string FileName, string ContentType) Declared()
        {
            if (ShouldPass)
            {
                UploadPolicy.TryGetAllowed(ExpectedType, out var allowed);
                return ("upload" + allowed.Extensions[0], allowed.MediaType);
            }

            var byExtension = UploadPolicy.TypesForExtension(UploadPolicy.ExtensionOf(File));
            return byExtension.Count > 0 ? ("upload" + UploadPolicy.ExtensionOf(File), byExtension[0].MediaType) : ("upload.pdf", "application/pdf");
        }
    }

    /// <summary>One file of the active-content corpus and the verdict the manifest gives it.</summary>
    /// <param name="Kind">The category of the finding that refuses it (null: accepted, or refused as unverifiable).</param>
    /// <param name="Reason">A fragment the refusal must contain (null when accepted).</param>
    public sealed record ActiveEntry(string File, string ExpectedType, bool Refused, ActiveContentKinds? Kind, string? Reason)
    {
        public string Path => System.IO.Path.Combine(TestFixtures.ActiveContentDirectory, File);
    }

    /// <summary>Every entry of the type corpus, in manifest order.</summary>
    public static IReadOnlyList<Entry> Corpus { get; } =
        [.. Rows(System.IO.Path.Combine(TestFixtures.CorpusDirectory, FileName)).Select(f => new Entry(f[0], f[1], f[2] == "yes", f.Length > 3 ? f[3] : string.Empty))];

    /// <summary>Every entry of the active-content corpus, in manifest order.</summary>
    public static IReadOnlyList<ActiveEntry> ActiveContent { get; } =
        [.. Rows(System.IO.Path.Combine(TestFixtures.ActiveContentDirectory, FileName)).Select(f => new ActiveEntry(f[0], f[1], f[2] == "yes", f[3] == "-" ? null : Enum.Parse<ActiveContentKinds>(f[3]), f[4] == "-" ? null : f[4]))];

    /// <summary>The type corpus's file names, for theories.</summary>
    public static IEnumerable<string> CorpusFiles => Corpus.Select(e => e.File);

    /// <summary>The active-content corpus's file names, for theories.</summary>
    public static IEnumerable<string> ActiveContentFiles => ActiveContent.Select(e => e.File);

    /// <summary>The fields of every row of a tab-separated manifest, its header line and empty lines left out.</summary>
    public static IEnumerable<string[]> Rows(string manifest) =>
        System.IO.File.ReadAllLines(manifest).Skip(1).Where(line => line.Length > 0).Select(line => line.Split('\t'));
}
