using Uploads.Sniffing;
using Uploads.Testing;

namespace Uploads.Sniffing.Tests;

/// <summary>
/// The real-world sets (tests/fixtures/producers and tests/fixtures/carriers, see <see cref="FixtureSet"/>): each file gets
/// its manifest verdict from the sniffer, by random access and by an evaluation fed as a stream would be.
/// </summary>
public sealed class FixtureSetTests
{
    private static readonly string[] Sets = [FixtureSet.Producers, FixtureSet.Carriers];

    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (var (set, file) in FixtureSet.Names(Sets))
        {
            data.Add(set, file);
        }

        return data;
    }

    [Theory]
    [InlineData(FixtureSet.Producers)]
    [InlineData(FixtureSet.Carriers)]
    public void Manifests_ListEveryFileOfTheSetOnce(string set)
    {
        var files = Directory.GetFiles(FixtureSet.FilesDirectory(set)).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(files, FixtureSet.Entries(set).Select(e => e.File).Order(StringComparer.Ordinal).ToList());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task SniffAsync_FixtureSetFile_MatchesManifest(string set, string file)
    {
        var entry = FixtureSet.Get(set, file);

        var detected = await Corpus.SniffAsync(entry.Read());

        AssertVerdict(entry, detected);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Evaluate_FixtureSetFileAsStreamed_MatchesManifest(string set, string file)
    {
        var entry = FixtureSet.Get(set, file);

        var detected = ActiveContentTests.Streamed(entry.Read(), 4096, ActiveContentKinds.None);

        AssertVerdict(entry, detected);
    }

    private static void AssertVerdict(FixtureSet.Entry entry, SniffOutcome.Detected detected)
    {
        // A file found to be another type than the one it is declared as is refused by the upload policy
        // ("Declared text/plain, but the file is text/html, …"): a manifest names that with "the file is text/html".
        var refusal = detected.Refusal ?? (detected.MediaType == entry.Type ? null : $"the file is {detected.MediaType}");
        Assert.True(entry.Refused == (refusal is not null), $"{entry}: refusal '{refusal}', expected refused={entry.Refused}");
        if (entry.Reason is { } reason)
        {
            Assert.Contains(reason, refusal, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(entry.Type, detected.MediaType);
        }
    }
}
