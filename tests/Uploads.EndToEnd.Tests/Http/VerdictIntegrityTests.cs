using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// One owner of verdict state: both upload paths leave a verified blob looking the same, and what an upload URL's
/// Write permission allows beyond a block blob (append and page blobs) is refused and quarantined.
/// </summary>
public sealed class VerdictIntegrityTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static byte[] Png() => File.ReadAllBytes(TestFixtures.CorpusFile("image.png"));

    private async Task<(Uri UploadUrl, string BlobPath)> IssueAsync(string filename, string contentType, string? sha256 = null)
    {
        using var api = host.CreateClient();
        var issued = await PresignedUpload.RequestUrlAsync(api, filename, contentType, sha256);
        return (issued.UploadUrl, issued.BlobPath);
    }

    /// <summary>The Put Blob of <paramref name="content"/> with <paramref name="headers"/> (a block blob unless they name another type).</summary>
    private async Task<HttpStatusCode> PutAsync(Uri uploadUrl, byte[] content, params (string Name, string Value)[] headers)
    {
        using var storage = host.Azurite.CreateHttpClient();
        return await PresignedUpload.PutAsync(storage, uploadUrl, new ByteArrayContent(content), headers);
    }

    private static string Describe(BlobProperties properties, IDictionary<string, string> tags) => string.Join(
        " | ",
        $"type={properties.ContentType}",
        $"disposition={properties.ContentDisposition}",
        $"encoding={properties.ContentEncoding}",
        $"language={properties.ContentLanguage}",
        $"cache={properties.CacheControl}",
        $"metadata={string.Join(',', properties.Metadata.Select(m => m.Key + "=" + m.Value))}",
        $"tags={string.Join(',', tags.Keys.Order(StringComparer.Ordinal))}",
        $"verdict={tags["verdict"]} {tags["type"]}");

    [Fact]
    public async Task Verified_DirectAndPresigned_SameHeadersMetadataAndTags()
    {
        using var api = host.CreateClient();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Png()), "file", "logo.png" } };
        using var direct = await api.PostAsync(HttpRoutes.DirectPath, form);
        Assert.Equal(HttpStatusCode.Created, direct.StatusCode);
        var directBlob = host.Uploads.GetBlobClient((await direct.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("blobPath").GetString()!);

        // The presigned upload sets every header and metadata a client may set through the URL's Write permission. It
        // declares its SHA-256 (as the client library does), so that its verdict carries the one a direct upload always has.
        var (url, path) = await IssueAsync("logo.png", "image/png", Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Png())));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(url, Png(),
            ("x-ms-blob-content-type", "text/html"), ("x-ms-blob-content-language", "fr"),
            ("x-ms-blob-cache-control", "public, max-age=31536000"), ("x-ms-blob-content-disposition", "inline"), ("x-ms-meta-owner", "mallory")));
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, url));
        var presignedBlob = host.Uploads.GetBlobClient(path);

        var directState = Describe((await directBlob.GetPropertiesAsync()).Value, (await directBlob.GetTagsAsync()).Value.Tags);
        var presignedState = Describe((await presignedBlob.GetPropertiesAsync()).Value, (await presignedBlob.GetTagsAsync()).Value.Tags);
        Assert.Equal(directState, presignedState);
        Assert.Contains("disposition=attachment; filename*=UTF-8''logo.png", directState, StringComparison.Ordinal);
        Assert.Contains("verdict=verified image/png", directState, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AppendBlob", "append blob")]
    [InlineData("PageBlob", "page blob")]
    public async Task Presigned_NotABlockBlob_RejectedAndQuarantined(string blobType, string named)
    {
        var (url, path) = await IssueAsync("logo.png", "image/png");
        var headers = blobType == "PageBlob"
            ? new[] { ("x-ms-blob-type", blobType), ("x-ms-blob-content-length", (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)) }
            : new[] { ("x-ms-blob-type", blobType) };
        Assert.Equal(HttpStatusCode.Created, await PutAsync(url, [], headers));

        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, url, blobType));

        using var api = host.CreateClient();
        var status = await api.GetFromJsonAsync<JsonElement>(HttpRoutes.StatusOf(path));
        Assert.Equal("rejected", status.GetProperty("status").GetString());
        Assert.Contains(named, status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // Refused from its properties alone: no type was detected, and the client's label is not shown as one.
        Assert.False(status.TryGetProperty("detectedType", out _), status.ToString());
        Assert.False((await host.Uploads.GetBlobClient(path).ExistsAsync()).Value);
        Assert.True((await host.Quarantine.GetBlobClient(path).ExistsAsync()).Value);
    }

    private async Task<HttpStatusCode> SetTierAsync(Uri uploadUrl, string tier)
    {
        using var storage = host.Azurite.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(uploadUrl + "&comp=tier"));
        request.Headers.Add("x-ms-access-tier", tier);
        using var response = await storage.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Presigned_MovedToArchive_RejectedNever500AndNeverVerified()
    {
        var (url, path) = await IssueAsync("logo.png", "image/png");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(url, File.ReadAllBytes(TestFixtures.CorpusFile("binary-pe.exe"))));
        var tiered = await SetTierAsync(url, "Archive");
        Assert.True(tiered is HttpStatusCode.OK or HttpStatusCode.Accepted, $"Set Blob Tier: {tiered}");

        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, url));
        using var api = host.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var response = await api.GetAsync(HttpRoutes.StatusOf(path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("rejected", status.GetProperty("status").GetString());
            Assert.Contains("archive tier", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Presigned_MovedToCool_RejectedAndQuarantined()
    {
        var (url, path) = await IssueAsync("logo.png", "image/png");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(url, Png()));
        var tiered = await SetTierAsync(url, "Cool");
        Assert.True(tiered is HttpStatusCode.OK or HttpStatusCode.Accepted, $"Set Blob Tier: {tiered}");

        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, url));

        Assert.False((await host.Uploads.GetBlobClient(path).ExistsAsync()).Value);
        Assert.True((await host.Quarantine.GetBlobClient(path).ExistsAsync()).Value);
    }

    [Theory]
    [InlineData("Archive", "rejected")]
    [InlineData("Cool", "rejected")]
    public async Task Presigned_TierSetAfterVerified_NoLongerReportedVerified(string tier, string expected)
    {
        // Set Blob Tier needs only Write, raises no BlobCreated and keeps the ETag: the verdict tags still match.
        var (url, path) = await IssueAsync("logo.png", "image/png");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(url, Png()));
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, url));
        using var api = host.CreateClient();
        var statusUri = HttpRoutes.StatusOf(path);
        Assert.Equal("verified", (await api.GetFromJsonAsync<JsonElement>(statusUri)).GetProperty("status").GetString());
        var etag = (await host.Uploads.GetBlobClient(path).GetPropertiesAsync()).Value.ETag;

        var tiered = await SetTierAsync(url, tier);

        Assert.True(tiered is HttpStatusCode.OK or HttpStatusCode.Accepted, $"Set Blob Tier: {tiered}");
        if (host.Uploads.GetBlobClient(path).Exists().Value)
        {
            Assert.Equal(etag, (await host.Uploads.GetBlobClient(path).GetPropertiesAsync()).Value.ETag);
        }

        var status = await api.GetFromJsonAsync<JsonElement>(statusUri);
        Assert.Equal(expected, status.GetProperty("status").GetString());
        Assert.Contains($"{tier.ToLowerInvariant()} tier", status.GetProperty("reason").GetString()!.ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presigned_ExeSnapshotThenPng_VerifiedWithOnlyItsPinLeft()
    {
        var (url, path) = await IssueAsync("logo.png", "image/png");
        var exe = File.ReadAllBytes(TestFixtures.CorpusFile("binary-pe.exe"));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(url, exe));
        using (var storage = host.Azurite.CreateHttpClient())
        using (var snapshot = await storage.SendAsync(new HttpRequestMessage(HttpMethod.Put, new Uri(url + "&comp=snapshot"))))
        {
            Assert.Equal(HttpStatusCode.Created, snapshot.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, await PutAsync(url, Png()));
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, url));

        using var api = host.CreateClient();
        var status = await api.GetFromJsonAsync<JsonElement>(HttpRoutes.StatusOf(path));
        Assert.Equal("verified", status.GetProperty("status").GetString());
        var snapshots = new List<string>();
        await foreach (var item in host.Uploads.GetBlobsAsync(BlobTraits.None, BlobStates.Snapshots, path, CancellationToken.None))
        {
            if (item.Snapshot is { } snapshot)
            {
                snapshots.Add(snapshot);
            }
        }

        // The uploader's snapshot of the EXE was swept; the one left is the pin of the verified PNG (VerifiedPins).
        var pin = Assert.Single(snapshots);
        var pinned = (await host.Uploads.GetBlobClient(path).WithSnapshot(pin).DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(Png(), pinned);
        Assert.Equal(pin, (await host.Uploads.GetBlobClient(path).WithSnapshot(pin).GetTagsAsync()).Value.Tags["pin"]);
    }
}
