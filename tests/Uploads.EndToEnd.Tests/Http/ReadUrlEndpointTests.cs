using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// <c>POST /api/integrations/uploads/read-url</c> through the real worker: a read-only URL for the pinned verified
/// bytes, which the uploader's still-valid upload URL cannot change; on both storage modes (the derived classes).
/// </summary>
public abstract class ReadUrlEndpointTestsBase(ApiHost host)
{
    internal const string Route = "/api/integrations/uploads/read-url";

    /// <summary>The app under test (for the derived classes).</summary>
    protected ApiHost Host => host;

    private static byte[] Png() => File.ReadAllBytes(TestFixtures.CorpusFile("image.png"));

    private static byte[] Exe() => File.ReadAllBytes(TestFixtures.CorpusFile("binary-pe.exe"));

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static async Task<(HttpStatusCode Status, JsonElement Body, TimeSpan? RetryAfter)> ReadUrlAsync(ApiHost host, string blobPath, string? apiKey = null)
    {
        using var api = host.CreateClient(apiKey);
        using var response = await api.PostAsJsonAsync(Route, new { blobPath });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), response.Headers.RetryAfter?.Delta);
    }

    /// <summary>A presigned upload of <paramref name="content"/>, its BlobCreated event run: the upload URL and path.</summary>
    internal static async Task<(Uri UploadUrl, string BlobPath)> UploadVerifiedAsync(ApiHost host, byte[] content, string filename = "logo.png", string contentType = "image/png")
    {
        using var api = host.CreateClient();
        using var issued = await api.PostAsJsonAsync("/api/integrations/uploads/url", new { filename, contentType });
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        var url = new Uri(body.GetProperty("uploadUrl").GetString()!);
        Assert.Equal(HttpStatusCode.Created, await PutAsync(host, url, content));
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, url));
        return (url, body.GetProperty("blobPath").GetString()!);
    }

    internal static async Task<HttpStatusCode> PutAsync(ApiHost host, Uri uploadUrl, byte[] content)
    {
        using var storage = host.Azurite.CreateHttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = new ByteArrayContent(content) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var response = await storage.SendAsync(put);
        return response.StatusCode;
    }

    /// <summary>What a reader gets from a read URL: the status, the bytes, and the answer's type and disposition.</summary>
    protected virtual async Task<(HttpStatusCode Status, byte[] Bytes, string? ContentType, string? Disposition)> DownloadAsync(Uri readUrl)
    {
        using var storage = host.Azurite.CreateHttpClient();
        using var response = await storage.GetAsync(readUrl);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentType?.ToString(), response.Content.Headers.ContentDisposition?.ToString());
    }

    [Fact]
    public async Task Post_VerifiedPresignedUpload_ReadOnlySnapshotUrlServingTheCheckedBytesAsADownload()
    {
        var png = Png();
        var (_, blobPath) = await UploadVerifiedAsync(host, png);

        var (status, body, _) = await ReadUrlAsync(host, blobPath);

        Assert.Equal(HttpStatusCode.OK, status);
        var readUrl = new Uri(body.GetProperty("readUrl").GetString()!);
        Assert.Equal("image/png", body.GetProperty("contentType").GetString());
        Assert.Equal(png.Length, body.GetProperty("sizeBytes").GetInt64());
        var query = System.Web.HttpUtility.ParseQueryString(readUrl.Query);
        Assert.Equal("r", query["sp"]);
        Assert.Equal("bs", query["sr"]);
        Assert.False(string.IsNullOrEmpty(query["snapshot"]), readUrl.Query);
        Assert.Equal("image/png", query["rsct"]);
        Assert.Equal("attachment; filename*=UTF-8''logo.png", query["rscd"]);
        var expiresAt = DateTimeOffset.Parse(body.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(13), TimeSpan.FromMinutes(16));
        var (got, bytes, type, disposition) = await DownloadAsync(readUrl);
        Assert.Equal(HttpStatusCode.OK, got);
        Assert.Equal(Sha256(png), Sha256(bytes));
        Assert.Equal("image/png", type);
        Assert.Equal("attachment; filename*=UTF-8''logo.png", disposition);
    }

    [Fact]
    public async Task Post_DirectUpload_ServesTheStoredBytes()
    {
        var png = Png();
        using var api = host.CreateClient();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(png), "file", "logo.png" } };
        using var created = await api.PostAsync("/api/integrations/uploads/direct", form);
        var blobPath = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("blobPath").GetString()!;

        var (status, body, _) = await ReadUrlAsync(host, blobPath);

        Assert.Equal(HttpStatusCode.OK, status);
        var (got, bytes, _, _) = await DownloadAsync(new Uri(body.GetProperty("readUrl").GetString()!));
        Assert.Equal(HttpStatusCode.OK, got);
        Assert.Equal(Sha256(png), Sha256(bytes));
    }

    /// <summary>The "done when": the uploader overwrites its verified file with an EXE through its still-valid URL.</summary>
    [Fact]
    public async Task Post_VerifiedThenOverwrittenWithExe_UrlsBeforeAndAfterServeTheVerifiedBytesUntilTheExeHasItsVerdict()
    {
        var png = Png();
        var exe = Exe();
        var (uploadUrl, blobPath) = await UploadVerifiedAsync(host, png);
        var (_, before, _) = await ReadUrlAsync(host, blobPath);

        Assert.Equal(HttpStatusCode.Created, await PutAsync(host, uploadUrl, exe));
        var stored = (await host.Uploads.GetBlobClient(blobPath).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(Sha256(exe), Sha256(stored));
        var (afterStatus, after, _) = await ReadUrlAsync(host, blobPath);

        Assert.Equal(HttpStatusCode.OK, afterStatus);
        foreach (var readUrl in new[] { before, after }.Select(b => new Uri(b.GetProperty("readUrl").GetString()!)))
        {
            var (got, bytes, type, _) = await DownloadAsync(readUrl);
            Assert.Equal(HttpStatusCode.OK, got);
            Assert.Equal(Sha256(png), Sha256(bytes));
            Assert.NotEqual(Sha256(exe), Sha256(bytes));
            Assert.Equal("image/png", type);
        }

        // The EXE gets its verdict: rejected. Its rejection removes the pin; nothing is served any more.
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, uploadUrl));
        var (rejected, problem, _) = await ReadUrlAsync(host, blobPath);
        Assert.Equal(HttpStatusCode.Conflict, rejected);
        Assert.Equal("upload_rejected", problem.GetProperty("code").GetString());
        foreach (var readUrl in new[] { before, after }.Select(b => new Uri(b.GetProperty("readUrl").GetString()!)))
        {
            var (got, bytes, _, _) = await DownloadAsync(readUrl);
            Assert.NotEqual(HttpStatusCode.OK, got);
            Assert.NotEqual(Sha256(exe), Sha256(bytes));
        }
    }

    [Fact]
    public async Task Post_OverwrittenWithAnotherVerifiedFile_OldPinRemovedNewOneServed()
    {
        var first = Png();
        var second = File.ReadAllBytes(TestFixtures.CorpusFile("document.pdf"));
        var (uploadUrl, blobPath) = await UploadVerifiedAsync(host, first, "file.pdf", "application/pdf");
        var (_, rejectedFirst, _) = await ReadUrlAsync(host, blobPath);

        // The PNG under a .pdf name was rejected; upload the real PDF through the same URL.
        Assert.Equal(HttpStatusCode.Conflict, (HttpStatusCode)rejectedFirst.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.Created, await PutAsync(host, uploadUrl, second));
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, uploadUrl));
        var (_, pdf, _) = await ReadUrlAsync(host, blobPath);
        Assert.Equal("application/pdf", pdf.GetProperty("contentType").GetString());

        var third = File.ReadAllBytes(TestFixtures.CorpusFile("document.pdf")).Concat("\n"u8.ToArray()).ToArray();
        Assert.Equal(HttpStatusCode.Created, await PutAsync(host, uploadUrl, third));
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, uploadUrl));
        var (status, latest, _) = await ReadUrlAsync(host, blobPath);

        Assert.Equal(HttpStatusCode.OK, status);
        var (got, bytes, _, _) = await DownloadAsync(new Uri(latest.GetProperty("readUrl").GetString()!));
        Assert.Equal(HttpStatusCode.OK, got);
        Assert.Equal(Sha256(third), Sha256(bytes));
        var (old, _, _, _) = await DownloadAsync(new Uri(pdf.GetProperty("readUrl").GetString()!));
        Assert.Equal(HttpStatusCode.NotFound, old);
        Assert.Single(await host.StoredAsync(blobPath));
    }

    [Fact]
    public async Task Post_AnotherClientsPath_404LikeAMissingOne()
    {
        var (_, blobPath) = await UploadVerifiedAsync(host, Png());

        var (status, body, _) = await ReadUrlAsync(host, blobPath, host.OtherApiKey);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("not_found", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Post_RejectedUpload_409UploadRejected()
    {
        var blobPath = await host.PresignedUploadAsync("document.pdf", "holiday.jpg", "image/jpeg");

        var (status, body, _) = await ReadUrlAsync(host, blobPath);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("upload_rejected", body.GetProperty("code").GetString());
        Assert.Contains("image/jpeg", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NothingUploaded_404()
    {
        using var api = host.CreateClient();
        using var issued = await api.PostAsJsonAsync("/api/integrations/uploads/url", new { filename = "logo.png", contentType = "image/png" });
        var blobPath = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("blobPath").GetString()!;

        var (status, body, _) = await ReadUrlAsync(host, blobPath);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("not_found", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Post_NoBlobPathOrNotJson_400Or415()
    {
        using var api = host.CreateClient();
        using var empty = await api.PostAsJsonAsync(Route, new { });
        using var text = await api.PostAsync(Route, new StringContent("blobPath=x"));

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("missing_field", (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
    }

    [Fact]
    public async Task Post_WithoutKey_401()
    {
        using var api = host.CreateClient("upk_not-a-key");

        using var response = await api.PostAsJsonAsync(Route, new { blobPath = "acme/00/x.png" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

/// <summary>
/// Read URLs in the production mode: identity-based connection, user-delegation SAS. Azurite leaves the snapshot time
/// out of the string it checks a user-delegation <c>sr=bs</c> signature against (Azure/Azurite#1857; Azure includes
/// it, as the SDK signs it), so Azurite refuses every such URL: here the URL's shape is checked and the snapshot it
/// names is read with the test's own credential; the shared-key mode downloads through the URL itself.
/// </summary>
public sealed class ReadUrlEndpointTests(ApiHost host) : ReadUrlEndpointTestsBase(host), IClassFixture<ApiHost>
{
    protected override async Task<(HttpStatusCode Status, byte[] Bytes, string? ContentType, string? Disposition)> DownloadAsync(Uri readUrl)
    {
        var query = System.Web.HttpUtility.ParseQueryString(readUrl.Query);
        Assert.Equal(("bs", "r"), (query["sr"], query["sp"]));
        Assert.False(string.IsNullOrEmpty(query["skoid"]), "Not a user-delegation SAS: " + readUrl.Query);
        var blob = new Azure.Storage.Blobs.BlobUriBuilder(readUrl);
        try
        {
            var content = await Host.Uploads.GetBlobClient(blob.BlobName).WithSnapshot(blob.Snapshot).DownloadContentAsync();
            return (HttpStatusCode.OK, content.Value.Content.ToArray(), query["rsct"], query["rscd"]);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return (HttpStatusCode.NotFound, [], null, null);
        }
    }

    [Fact]
    public async Task Azurite_UserDelegationSnapshotSas_StillRefused()
    {
        // Pins Azurite#1857: when this fails, Azurite checks such URLs, and DownloadAsync above can download through them.
        var (_, blobPath) = await UploadVerifiedAsync(Host, File.ReadAllBytes(TestFixtures.CorpusFile("image.png")));
        var (_, body, _) = await ReadUrlAsync(Host, blobPath);
        using var storage = Host.Azurite.CreateHttpClient();

        using var response = await storage.GetAsync(new Uri(body.GetProperty("readUrl").GetString()!));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

/// <summary>Read URLs with Azurite's account key: shared-key SAS through the same signer interface.</summary>
public sealed class ReadUrlSharedKeyEndpointTests(SharedKeyApiHost host) : ReadUrlEndpointTestsBase(host), IClassFixture<SharedKeyApiHost>
{
    [Fact]
    public async Task Post_SharedKeyMode_AccountKeySasWithoutDelegationFields()
    {
        var (_, blobPath) = await UploadVerifiedAsync(Host, File.ReadAllBytes(TestFixtures.CorpusFile("image.png")));

        var (status, body, _) = await ReadUrlAsync(Host, blobPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("skoid=", body.GetProperty("readUrl").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>A host whose requests never wait for a check (<c>Verification__RequestWait</c> = 0): a fresh upload is pending.</summary>
public sealed class ImpatientApiHost : ApiHost
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["Verification__RequestWait"] = "00:00:00",
    };
}

/// <summary>A read URL for an upload still being checked: 409 upload_pending with Retry-After, then the URL once verified.</summary>
public sealed class ReadUrlPendingTests(ImpatientApiHost host) : IClassFixture<ImpatientApiHost>
{
    [Fact]
    public async Task Post_UploadStillBeingChecked_409PendingWithRetryAfterThenUrl()
    {
        var blobPath = await host.PresignedUploadAsync("document.pdf", "report.pdf", "application/pdf");

        var (status, body, retryAfter) = await ReadUrlEndpointTestsBase.ReadUrlAsync(host, blobPath);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("upload_pending", body.GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(5), retryAfter);
        Assert.True(
            await Eventually.WithinAsync(async () => (await ReadUrlEndpointTestsBase.ReadUrlAsync(host, blobPath)).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30)),
            "The background check never verified the PDF.");
    }
}
