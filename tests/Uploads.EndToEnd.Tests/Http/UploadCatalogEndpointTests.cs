using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// <c>GET /api/integrations/uploads</c> and <c>DELETE /api/integrations/uploads?blobPath=…</c> through the real worker,
/// on both storage modes (the derived classes).
/// </summary>
public abstract class UploadCatalogEndpointTestsBase(ApiHost host)
{
    private const string Route = "/api/integrations/uploads";

    /// <summary>Every upload the list answers, page by page with <paramref name="pageSize"/>, and the number of pages.</summary>
    private async Task<(List<JsonElement> Uploads, int Pages)> ListAllAsync(string query, int pageSize, string? apiKey = null)
    {
        using var api = host.CreateClient(apiKey);
        var uploads = new List<JsonElement>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var uri = $"{Route}?pageSize={pageSize}{query}" + (continuation is null ? string.Empty : "&continuation=" + Uri.EscapeDataString(continuation));
            using var response = await api.GetAsync(uri);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            var items = page.GetProperty("uploads").EnumerateArray().ToList();
            Assert.InRange(items.Count, 0, pageSize);
            uploads.AddRange(items);
            continuation = page.TryGetProperty("continuation", out var next) ? next.GetString() : null;
            pages++;
        }
        while (continuation is not null && pages < 1000);

        return (uploads, pages);
    }

    private async Task<string> DirectUploadAsync(string apiKey)
    {
        using var api = host.CreateClient(apiKey);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png"))), "file", "logo.png" } };
        using var created = await api.PostAsync("/api/integrations/uploads/direct", form);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("blobPath").GetString()!;
    }

    private static JsonElement Find(List<JsonElement> uploads, string blobPath) =>
        Assert.Single(uploads, u => u.GetProperty("blobPath").GetString() == blobPath);

    [Fact]
    public async Task Get_VerifiedPendingAndRejected_EachWithItsStateOnPagesOfOne()
    {
        var verified = await DirectUploadAsync(host.ApiKey);
        var rejected = await host.PresignedUploadAsync("document.pdf", "holiday.jpg", "image/jpeg");
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, host.Uploads.GetBlobClient(rejected).Uri));

        var pending = await host.PresignedUploadAsync("image.png", "later.png", "image/png");

        var (all, pages) = await ListAllAsync(string.Empty, pageSize: 1);

        Assert.True(pages >= 3, $"{pages} pages");
        var v = Find(all, verified);
        Assert.Equal(("verified", "image/png"), (v.GetProperty("status").GetString(), v.GetProperty("detectedType").GetString()));
        Assert.True(v.TryGetProperty("checkedAt", out _));
        Assert.True(v.GetProperty("sizeBytes").GetInt64() > 0);
        var r = Find(all, rejected);
        Assert.Equal("rejected", r.GetProperty("status").GetString());
        Assert.Contains("image/jpeg", r.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("pending", Find(all, pending).GetProperty("status").GetString());
        Assert.All(all, u => Assert.StartsWith(ApiHost.ClientId + "/", u.GetProperty("blobPath").GetString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("verified")]
    [InlineData("rejected")]
    [InlineData("pending")]
    public async Task Get_StateFilter_OnlyThatState(string state)
    {
        await DirectUploadAsync(host.ApiKey);

        var (uploads, _) = await ListAllAsync("&state=" + state, pageSize: 1000);

        Assert.All(uploads, u => Assert.Equal(state, u.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Get_AnotherClientsUploads_NeverListed()
    {
        var theirs = await DirectUploadAsync(host.OtherApiKey);

        var (mine, _) = await ListAllAsync(string.Empty, pageSize: 1000);

        Assert.DoesNotContain(mine, u => u.GetProperty("blobPath").GetString() == theirs);
    }

    [Theory]
    [InlineData("pageSize=0")]
    [InlineData("pageSize=1001")]
    [InlineData("pageSize=ten")]
    [InlineData("state=quarantined")]
    [InlineData("continuation=not-a-token!")]
    public async Task Get_UnknownParameterValue_400InvalidField(string query)
    {
        using var api = host.CreateClient();

        using var response = await api.GetAsync($"{Route}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_field", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Delete_VerifiedUpload_204ThenGoneAndIdempotent()
    {
        var blobPath = await DirectUploadAsync(host.ApiKey);
        var (_, before, _) = await ReadUrlEndpointTestsBase.ReadUrlAsync(host, blobPath);
        using var api = host.CreateClient();
        var uri = $"{Route}?blobPath={Uri.EscapeDataString(blobPath)}";

        using var first = await api.DeleteAsync(uri);
        using var again = await api.DeleteAsync(uri);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (first.StatusCode, again.StatusCode));
        Assert.Empty(await host.StoredAsync(blobPath));
        using var status = await api.GetAsync("/api/integrations/uploads/status?blobPath=" + Uri.EscapeDataString(blobPath));
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        var (readUrl, _, _) = await ReadUrlEndpointTestsBase.ReadUrlAsync(host, blobPath);
        Assert.Equal(HttpStatusCode.NotFound, readUrl);
        var pin = new Azure.Storage.Blobs.BlobUriBuilder(new Uri(before.GetProperty("readUrl").GetString()!));
        Assert.False((await host.Uploads.GetBlobClient(blobPath).WithSnapshot(pin.Snapshot).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Delete_RejectedUpload_204AndTheQuarantinedCopyStays()
    {
        var blobPath = await host.PresignedUploadAsync("document.pdf", "holiday.jpg", "image/jpeg");
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, host.Uploads.GetBlobClient(blobPath).Uri));
        using var api = host.CreateClient();

        using var response = await api.DeleteAsync($"{Route}?blobPath={Uri.EscapeDataString(blobPath)}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True((await host.Quarantine.GetBlobClient(blobPath).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Delete_AnotherClientsPath_404AndKept()
    {
        var theirs = await DirectUploadAsync(host.OtherApiKey);
        using var api = host.CreateClient();

        using var response = await api.DeleteAsync($"{Route}?blobPath={Uri.EscapeDataString(theirs)}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Single(await host.StoredAsync(theirs));
    }

    [Fact]
    public async Task Delete_NoBlobPath_400()
    {
        using var api = host.CreateClient();

        using var response = await api.DeleteAsync(Route);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("missing_field", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}

public sealed class UploadCatalogEndpointTests(ApiHost host) : UploadCatalogEndpointTestsBase(host), IClassFixture<ApiHost>;

public sealed class UploadCatalogSharedKeyEndpointTests(SharedKeyApiHost host) : UploadCatalogEndpointTestsBase(host), IClassFixture<SharedKeyApiHost>;
