using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.Core.Security;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.OpenApi;

/// <summary>
/// <c>GET /api/openapi.json</c> through the real worker serves the committed document, without a key, and that
/// document passes Redocly's and Spectral's lints; and the contract check of <see cref="FunctionsApp"/> fails a run
/// whose answers break the document it was given.
/// </summary>
public sealed class OpenApiEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Get_WithoutKey_TheCommittedDocumentAsJson()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync(new Uri(HttpRoutes.OpenApiPath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(OpenApiContract.DocumentPath), await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<byte[]> ServedDocumentAsync()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        return await http.GetByteArrayAsync(new Uri(HttpRoutes.OpenApiPath, UriKind.Relative));
    }

    [Fact]
    public async Task Get_ServedDocument_RedoclyRecommendedRulesFindNothing()
    {
        using var lint = new OpenApiLint(await ServedDocumentAsync());

        var (exitCode, output, errors) = await lint.RedoclyAsync();

        Assert.True(exitCode == 0, $"redocly lint exited {exitCode}: {output}{errors}");
        using var report = JsonDocument.Parse(output);
        var findings = report.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("ruleId").GetString()} at {p.GetProperty("location")[0].GetProperty("pointer").GetString()}: {p.GetProperty("message").GetString()}")
            .ToList();
        Assert.True(findings.Count == 0, "redocly lint (tests/Uploads.EndToEnd.Tests/OpenApi/redocly.yaml):\n" + string.Join("\n", findings));
        // The one finding redocly.lint-ignore.yaml justifies is still there (the ignore file is neither stale nor wider).
        Assert.Equal(1, report.RootElement.GetProperty("totals").GetProperty("ignored").GetInt32());
    }

    [Fact]
    public async Task Get_ServedDocument_SpectralOasRulesFindNothing()
    {
        using var lint = new OpenApiLint(await ServedDocumentAsync());

        var (exitCode, output, errors) = await lint.SpectralAsync();

        Assert.True(output.Length > 0, $"spectral lint wrote no report (exit code {exitCode}): {errors}");
        using var report = JsonDocument.Parse(output);
        var findings = report.RootElement.EnumerateArray()
            .Select(f => $"{f.GetProperty("code").GetString()} at {string.Join('.', f.GetProperty("path").EnumerateArray().Select(p => p.ToString()))}: {f.GetProperty("message").GetString()}")
            .ToList();
        Assert.True(findings.Count == 0, "spectral lint (tests/Uploads.EndToEnd.Tests/OpenApi/spectral.yaml):\n" + string.Join("\n", findings));
        Assert.True(exitCode == 0, $"spectral lint exited {exitCode}: {output}{errors}");
    }

    [Fact]
    public async Task Dispose_AnswersBrokeADeliberatelyWrongDocument_ThrowsNamingTheAnswer()
    {
        var wrong = OpenApiContractTests.StatusRequiringVerdictId();
        var key = ApiKeyMinter.Mint().Key;
        var app = await FunctionsApp.StartAsync(host.Azurite, new Dictionary<string, string?> { ["ApiKeys__Clients__acme"] = ApiKeyMinter.HashOf(key) }, contract: wrong);
        var blobPath = await host.PresignedUploadAsync("document.pdf", "report.pdf", "application/pdf");
        using (var api = new HttpClient { BaseAddress = app.BaseAddress })
        {
            api.DefaultRequestHeaders.Add("X-API-Key", key);
            // Asked until verified: the new worker's first check (verdict and pin) may outlast the request's wait on a loaded machine.
            Assert.True(await Eventually.WithinAsync(
                async () =>
                {
                    using var status = await api.GetAsync(new Uri(HttpRoutes.StatusOf(blobPath), UriKind.Relative));
                    Assert.Equal(HttpStatusCode.OK, status.StatusCode);
                    return (await status.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString() == "verified";
                },
                TimeSpan.FromSeconds(60)));
        }

        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() => app.DisposeAsync().AsTask());

        Assert.Contains($"GET /{HttpRoutes.StatusPath}?blobPath=", failure.Message, StringComparison.Ordinal);
        Assert.Contains("verdictId", failure.Message, StringComparison.Ordinal);
    }
}
