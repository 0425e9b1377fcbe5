using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.OpenApi;

/// <summary>
/// The lints <see cref="OpenApiEndpointTests"/> run on the served document can fail: a document with what the issue
/// found (no operation description, a required property the schema does not define) is reported by each.
/// </summary>
public sealed class OpenApiLintTests
{
    private static byte[] Broken()
    {
        var document = JsonNode.Parse(File.ReadAllText(OpenApiContract.DocumentPath))!;
        var own = document["paths"]!["/api/openapi.json"]!["get"]!.AsObject();
        own.Remove("description");
        own["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["required"]!.AsArray().Add("components");
        return Encoding.UTF8.GetBytes(document.ToJsonString());
    }

    [Fact]
    public async Task Redocly_RequiredPropertyNotDefined_Reported()
    {
        using var lint = new OpenApiLint(Broken());

        var (_, output, _) = await lint.RedoclyAsync();

        using var report = JsonDocument.Parse(output);
        Assert.Contains(report.RootElement.GetProperty("problems").EnumerateArray(), p =>
            p.GetProperty("ruleId").GetString() == "no-required-schema-properties-undefined" && p.GetProperty("message").GetString()!.Contains("components", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spectral_OperationWithoutDescription_ReportedAndExitNonZero()
    {
        using var lint = new OpenApiLint(Broken());

        var (exitCode, output, _) = await lint.SpectralAsync();

        Assert.NotEqual(0, exitCode);
        using var report = JsonDocument.Parse(output);
        Assert.Contains(report.RootElement.EnumerateArray(), f => f.GetProperty("code").GetString() == "operation-description");
    }
}
