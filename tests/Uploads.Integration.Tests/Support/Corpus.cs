using Uploads.Testing;

namespace Uploads.Integration.Tests.Support;

/// <summary>The committed fixture corpus (tests/fixtures/corpus, made by tests/fixtures/make-corpus.sh) and its manifest.</summary>
internal static class Corpus
{
    public static string Directory { get; } = TestFixtures.CorpusDirectory;

    public static IReadOnlyList<CorpusManifest.Entry> Entries => CorpusManifest.Corpus;

    public static CorpusManifest.Entry Get(string file) => Entries.Single(e => e.File == file);

    public static TheoryData<string> Passing() => [.. Entries.Where(e => e.ShouldPass).Select(e => e.File)];

    public static TheoryData<string> Failing() => [.. Entries.Where(e => !e.ShouldPass && new FileInfo(e.Path).Length > 0).Select(e => e.File)];
}
