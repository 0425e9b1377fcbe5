using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary><c>GET /api/integrations/uploads/status</c> over real HTTP: the whole flow a submission service sees.</summary>
public sealed class StatusEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string Route = "/" + HttpRoutes.StatusPath;

    private static string CorpusFile(string name) => TestFixtures.CorpusFile(name);

    private async Task<(HttpStatusCode Status, JsonElement Body)> StatusAsync(string? blobPath, string? apiKey = null)
    {
        using var api = host.CreateClient(apiKey);
        using var response = await api.GetAsync(blobPath is null ? Route : $"{Route}?blobPath={Uri.EscapeDataString(blobPath)}");
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task Get_PresignedUploadOfRealFile_Verified()
    {
        var blobPath = await host.PresignedUploadAsync("video-h264.mp4", "meeting-recording.mp4", "video/mp4");

        var (status, body) = await StatusAsync(blobPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("verified", body.GetProperty("status").GetString());
        Assert.Equal("video/mp4", body.GetProperty("detectedType").GetString());
        Assert.Equal(blobPath, body.GetProperty("blobPath").GetString());
        Assert.True(body.GetProperty("sizeBytes").GetInt64() > 0);
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$", body.GetProperty("checkedAt").GetString());
    }

    [Fact]
    public async Task Get_UploadThatLiesAboutItsType_RejectedWithReasonAndQuarantined()
    {
        var blobPath = await host.PresignedUploadAsync("document.pdf", "holiday.jpg", "image/jpeg");

        var (status, body) = await StatusAsync(blobPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("rejected", body.GetProperty("status").GetString());
        Assert.Equal("application/pdf", body.GetProperty("detectedType").GetString());
        Assert.Contains("image/jpeg", body.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The GET answers the decision at once; the move to quarantine completes in the background.
        await Eventually.WithinAsync(async ct => !(await host.Uploads.GetBlobClient(blobPath).ExistsAsync(ct)).Value, TimeSpan.FromSeconds(30));

        Assert.True((await host.Quarantine.GetBlobClient(blobPath).ExistsAsync()).Value);
        Assert.False((await host.Uploads.GetBlobClient(blobPath).ExistsAsync()).Value);
        var (again, later) = await StatusAsync(blobPath);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal("rejected", later.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Get_DirectUploadLocation_Verified()
    {
        using var api = host.CreateClient();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(CorpusFile("image.png"))), "file", "logo.png" } };
        using var created = await api.PostAsync(HttpRoutes.DirectPath, form);

        using var response = await api.GetAsync(created.Headers.Location);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("verified", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Get_AnotherClientsPath_404LikeAMissingOne()
    {
        var blobPath = await host.PresignedUploadAsync("document.pdf", "report.pdf", "application/pdf");

        var (status, body) = await StatusAsync(blobPath, host.OtherApiKey);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Get_NoBlobPath_400()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await StatusAsync(null)).Status);
    }

    [Fact]
    public async Task Get_NoApiKey_401()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync($"{Route}?blobPath=acme%2Fx%2Fy.pdf");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
