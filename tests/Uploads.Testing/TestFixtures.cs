namespace Uploads.Testing;

/// <summary>Where the committed test files are: one place for the paths every test project reads them from.</summary>
public static class TestFixtures
{
    /// <summary>The type corpus (tests/fixtures/corpus, made by tests/fixtures/make-corpus.sh) with its manifest.tsv.</summary>
    public static string CorpusDirectory { get; } = Path.Combine(RepositoryRoot.Find(), "tests", "fixtures", "corpus");

    /// <summary>The active-content corpus (tests/fixtures/active-content/files, made by its generate.sh) with its manifest.tsv.</summary>
    public static string ActiveContentDirectory { get; } = Path.Combine(RepositoryRoot.Find(), "tests", "fixtures", "active-content", "files");

    /// <summary>The path of one file of the type corpus.</summary>
    public static string CorpusFile(string name) => Path.Combine(CorpusDirectory, name);
}
