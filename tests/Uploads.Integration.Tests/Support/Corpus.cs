using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Support;

/// <summary>The committed fixture corpus (tests/fixtures/corpus, made by tests/fixtures/make-corpus.sh) and its manifest.</summary>
internal static class Corpus
{
    public sealed record Entry(string File, string ExpectedType, bool Refused, string Note)
    {
        public string Path => System.IO.Path.Combine(Directory, File);

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

    public static string Directory { get; } = TestFixtures.CorpusDirectory;

    public static IReadOnlyList<Entry> Entries { get; } = [.. File.ReadAllLines(System.IO.Path.Combine(Directory, "manifest.tsv"))
        .Skip(1)
        .Where(line => line.Length > 0)
        .Select(line => line.Split('\t'))
        .Select(f => new Entry(f[0], f[1], f[2] == "yes", f.Length > 3 ? f[3] : string.Empty))];

    public static Entry Get(string file) => Entries.Single(e => e.File == file);

    public static TheoryData<string> Passing() => [.. Entries.Where(e => e.ShouldPass).Select(e => e.File)];

    public static TheoryData<string> Failing() => [.. Entries.Where(e => !e.ShouldPass && new FileInfo(e.Path).Length > 0).Select(e => e.File)];
}
