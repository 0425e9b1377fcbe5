using System.Text.Json.Nodes;
using Json.Pointer;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.OpenApi;

/// <summary>
/// README's table of allowed types and docs/openapi.json's <c>ContentType</c> enum, size limits and policy example are
/// the allowlist of <c>src/Uploads.Policy</c>: each failure prints the text to paste. With
/// <c>UPLOADS_UPDATE_POLICY_DOCS=1</c> the tests write the renderings into the two files instead (then review the diff).
/// </summary>
public sealed class PolicyPresentationTests
{
    private const string UpdateVariable = "UPLOADS_UPDATE_POLICY_DOCS";

    private static string ReadmePath => Path.Combine(RepositoryRoot.Find(), "README.md");

    private static bool Update => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    [Fact]
    public void Readme_AllowedTypesTable_RenderedFromUploadPolicy()
    {
        var readme = File.ReadAllText(ReadmePath).ReplaceLineEndings("\n");
        var start = readme.IndexOf(PolicyPresentation.ReadmeStart, StringComparison.Ordinal);
        var end = readme.IndexOf(PolicyPresentation.ReadmeEnd, StringComparison.Ordinal);
        var expected = PolicyPresentation.ReadmeTable().ReplaceLineEndings("\n");
        Assert.True(start >= 0 && end > start, $"README.md has no allowed-types section; add it:\n{PolicyPresentation.ReadmeStart}\n{expected}{PolicyPresentation.ReadmeEnd}");

        var from = start + PolicyPresentation.ReadmeStart.Length + 1;
        var actual = readme[from..end];
        if (Update && actual != expected)
        {
            File.WriteAllText(ReadmePath, readme[..from] + expected + readme[end..]);
            var written = File.ReadAllText(ReadmePath).ReplaceLineEndings("\n");
            actual = written[from..written.IndexOf(PolicyPresentation.ReadmeEnd, StringComparison.Ordinal)];
        }

        Assert.True(actual == expected, $"README.md's allowed-types table is not src/Uploads.Policy's ({UpdateVariable}=1 writes it); replace the lines between the markers with:\n{expected}");
    }

    [Fact]
    public void OpenApiDocument_PolicyParts_RenderedFromUploadPolicy()
    {
        var document = JsonNode.Parse(File.ReadAllText(OpenApiContract.DocumentPath))!;
        var stale = new List<string>();
        foreach (var (pointer, expected) in PolicyPresentation.OpenApiNodes())
        {
            var actual = JsonPointer.Parse(pointer).TryEvaluate(document, out var found) ? found : null;
            if (!JsonNode.DeepEquals(actual, expected) && Update)
            {
                var parent = JsonPointer.Parse(pointer[..pointer.LastIndexOf('/')]).TryEvaluate(document, out var node) ? node!.AsObject() : throw new InvalidOperationException($"docs/openapi.json has nothing at the parent of {pointer}.");
                parent[pointer[(pointer.LastIndexOf('/') + 1)..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)] = expected.DeepClone();
                File.WriteAllText(OpenApiContract.DocumentPath, PolicyPresentation.Write(document) + "\n");
            }
            else if (!JsonNode.DeepEquals(actual, expected))
            {
                stale.Add($"docs/openapi.json at {pointer} is not src/Uploads.Policy's ({UpdateVariable}=1 writes it); it should be:\n{PolicyPresentation.Write(expected)}");
            }
        }

        Assert.True(stale.Count == 0, string.Join("\n\n", stale));
    }

    [Fact]
    public void ReadmeTable_EveryAllowedTypeAndLimit_Named()
    {
        // The renderer itself can fail: a type, extension or limit it dropped would pass the comparison above.
        var table = PolicyPresentation.ReadmeTable();

        Assert.All(Uploads.Policy.UploadPolicy.AllowedTypes, t =>
        {
            Assert.Contains($"| `{t.MediaType}` |", table, StringComparison.Ordinal);
            Assert.All(t.Extensions, e => Assert.Contains($"`{e}`", table, StringComparison.Ordinal));
        });
        Assert.Contains("| `video/mp4` | `.mp4` `.m4v` | video | 5368709120 bytes (5 GiB) |", table, StringComparison.Ordinal);
        Assert.Contains("| `application/pdf` | `.pdf` | document | 104857600 bytes (100 MiB) |", table, StringComparison.Ordinal);
        Assert.Contains("`image/jpg`, `image/pjpeg` → `image/jpeg`", table, StringComparison.Ordinal);
        Assert.Contains("10485760 bytes (10 MiB)", table, StringComparison.Ordinal);
    }
}
