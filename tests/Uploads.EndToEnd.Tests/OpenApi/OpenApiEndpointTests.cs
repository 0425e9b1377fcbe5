using System.Net;
using System.Net.Http.Json;
using Uploads.Core.Security;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.OpenApi;

/// <summary>
/// <c>GET /api/openapi.json</c> through the real worker serves the committed document, without a key; and the
/// contract check of <see cref="FunctionsApp"/> fails a run whose answers break the document it was given.
/// </summary>
public sealed class OpenApiEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Get_WithoutKey_TheCommittedDocumentAsJson()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync(new Uri("/api/openapi.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(OpenApiContract.DocumentPath), await response.Content.ReadAsByteArrayAsync());
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
            using var status = await api.GetAsync(new Uri($"/api/integrations/uploads/status?blobPath={Uri.EscapeDataString(blobPath)}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Equal("verified", (await status.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString());
        }

        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() => app.DisposeAsync().AsTask());

        Assert.Contains("GET /api/integrations/uploads/status?blobPath=", failure.Message, StringComparison.Ordinal);
        Assert.Contains("verdictId", failure.Message, StringComparison.Ordinal);
    }
}
