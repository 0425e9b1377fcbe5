using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using Uploads.Core.Naming;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary><c>POST /api/integrations/uploads/url</c> with <c>{"blobPath": …}</c> through the real worker: resuming an unfinished upload.</summary>
public sealed class UploadUrlRenewalEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static string BlockId(int index) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{index:D6}"));

    private BlockBlobClient Blocks(Uri url) => new(url, host.Azurite.CreateBlobClientOptions());

    private static async Task<JsonElement> PostAsync(HttpClient api, object body, HttpStatusCode expected)
    {
        using var response = await api.PostAsJsonAsync(HttpRoutes.UploadUrlPath, body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {json}");
        if ((int)expected >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        return json;
    }

    [Fact]
    public async Task Renew_AfterSomeBlocks_SamePathFinishesAndIsVerifiedThenRefused()
    {
        using var api = host.CreateClient();
        var first = await PostAsync(api, new { filename = "notes.txt", contentType = "text/plain" }, HttpStatusCode.OK);
        var blobPath = first.GetProperty("blobPath").GetString()!;
        await Blocks(new Uri(first.GetProperty("uploadUrl").GetString()!)).StageBlockAsync(BlockId(0), new BinaryData("resumed ").ToStream());

        var renewed = await PostAsync(api, new { blobPath }, HttpStatusCode.OK);
        var blocks = Blocks(new Uri(renewed.GetProperty("uploadUrl").GetString()!));
        await blocks.StageBlockAsync(BlockId(1), new BinaryData("upload").ToStream());
        await blocks.CommitBlockListAsync([BlockId(0), BlockId(1)]);
        using var status = await api.GetAsync(HttpRoutes.StatusOf(blobPath));
        var again = await PostAsync(api, new { blobPath }, HttpStatusCode.Conflict);

        Assert.Equal(blobPath, renewed.GetProperty("blobPath").GetString());
        Assert.Equal("verified", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("upload_verified", again.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Renew_AnotherClientsPath_Forbidden()
    {
        using var api = host.CreateClient();
        var first = await PostAsync(api, new { filename = "notes.txt", contentType = "text/plain" }, HttpStatusCode.OK);
        await Blocks(new Uri(first.GetProperty("uploadUrl").GetString()!)).StageBlockAsync(BlockId(0), new BinaryData("x").ToStream());
        using var other = host.CreateClient(host.OtherApiKey);

        var problem = await PostAsync(other, new { blobPath = first.GetProperty("blobPath").GetString() }, HttpStatusCode.Forbidden);

        Assert.Equal("foreign_blob_path", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Renew_PathIssuedEightDaysAgo_Gone()
    {
        using var api = host.CreateClient();
        var blobPath = BlobPath.Create(ApiHost.ClientId, "old.txt", DateTimeOffset.UtcNow.AddDays(-8));

        var problem = await PostAsync(api, new { blobPath }, HttpStatusCode.Gone);

        Assert.Equal("renewal_window_closed", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Renew_NothingUploaded_NotFound()
    {
        using var api = host.CreateClient();
        var first = await PostAsync(api, new { filename = "notes.txt", contentType = "text/plain" }, HttpStatusCode.OK);

        var problem = await PostAsync(api, new { blobPath = first.GetProperty("blobPath").GetString() }, HttpStatusCode.NotFound);

        Assert.Equal("not_found", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Renew_WithFilenameToo_BadRequest()
    {
        using var api = host.CreateClient();

        var problem = await PostAsync(api, new { blobPath = "acme/0123456789abcdef0123456789abcdef/a.txt", filename = "a.txt" }, HttpStatusCode.BadRequest);

        Assert.Equal("ambiguous_request", problem.GetProperty("code").GetString());
    }
}
