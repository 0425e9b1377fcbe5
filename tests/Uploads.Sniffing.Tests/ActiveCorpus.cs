using Uploads.Testing;

namespace Uploads.Sniffing.Tests;

/// <summary>The committed active-content corpus (tests/fixtures/active-content/files, made by its generate.sh) and its manifest.</summary>
public static class ActiveCorpus
{
    public static string Directory { get; } = TestFixtures.ActiveContentDirectory;

    public static IReadOnlyList<CorpusManifest.ActiveEntry> Entries => CorpusManifest.ActiveContent;

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static CorpusManifest.ActiveEntry Get(string name) => Entries.Single(e => e.File == name);

    public static TheoryData<string> Names() => [.. CorpusManifest.ActiveContentFiles];
}
