using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Uploads.Client;
using Uploads.EndToEnd.Tests.Support;
using Uploads.Policy;

namespace Uploads.EndToEnd.Tests.Client;

/// <summary>
/// The library's consumer side (read URL, download, list, delete) against the real worker. The account-key mode: Azurite
/// refuses every user-delegation read URL (Azure/Azurite#1857, see ReadUrlEndpointTests), and a download goes through one.
/// </summary>
public sealed class ReadingClientTests(SharedKeyApiHost host) : IClassFixture<SharedKeyApiHost>, IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private UploadsClient CreateClient(HttpMessageHandler? handler = null) => new(
        new UploadsClientOptions { ApiBase = host.BaseAddress, ApiKey = host.ApiKey, RetryDelay = TimeSpan.FromMilliseconds(20), StatusPollInterval = TimeSpan.FromMilliseconds(100) },
        handler ?? host.Azurite.CreateHttpMessageHandler());

    private async Task<(string Path, string BlobPath)> UploadVerifiedAsync(UploadsClient client, UploadMode mode = UploadMode.Auto)
    {
        var path = _files.CreateText("notes.txt", 300_000);
        var result = await client.UploadAsync(path, mode);
        Assert.Equal(UploadState.Verified, (await client.WaitForVerdictAsync(result.BlobPath)).Status);
        return (path, result.BlobPath);
    }

    [Theory]
    [InlineData(UploadMode.Direct)]
    [InlineData(UploadMode.Presigned)]
    public async Task DownloadAsync_VerifiedUpload_IdenticalFileAndNoPartLeft(UploadMode mode)
    {
        using var client = CreateClient();
        var (path, blobPath) = await UploadVerifiedAsync(client, mode);
        var destination = path + ".downloaded";

        var result = await client.DownloadAsync(blobPath, destination);

        Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(destination));
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(await File.ReadAllBytesAsync(path))), result.Sha256);
        Assert.Equal("text/plain", result.ContentType);
        Assert.False(File.Exists(destination + ".part"));
    }

    [Fact]
    public async Task DownloadAsync_ApiGivesTheRightSha256_CheckedAndKept()
    {
        using var plain = CreateClient();
        var (path, blobPath) = await UploadVerifiedAsync(plain);
        var sha256 = Convert.ToBase64String(SHA256.HashData(await File.ReadAllBytesAsync(path)));
        using var client = CreateClient(new ReadUrlSha256(sha256, host.Azurite.CreateHttpMessageHandler()));

        var result = await client.DownloadAsync(blobPath, path + ".copy");

        Assert.True(result.Sha256Checked);
        Assert.True(File.Exists(path + ".copy"));
    }

    [Fact]
    public async Task DownloadAsync_BytesDoNotMatchTheApisSha256_RefusedAndNothingKept()
    {
        using var plain = CreateClient();
        var (path, blobPath) = await UploadVerifiedAsync(plain);
        using var client = CreateClient(new ReadUrlSha256(Convert.ToBase64String(new byte[32]), host.Azurite.CreateHttpMessageHandler()));
        var destination = path + ".tampered";

        var failure = await Assert.ThrowsAsync<DownloadIntegrityException>(() => client.DownloadAsync(blobPath, destination));

        Assert.Contains("SHA-256", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(destination));
        Assert.False(File.Exists(destination + ".part"));
    }

    [Fact]
    public async Task GetReadUrlAsync_RejectedUpload_ApiExceptionUploadRejected()
    {
        using var client = CreateClient();
        var blobPath = await host.PresignedUploadAsync("document.pdf", "holiday.jpg", "image/jpeg");

        var failure = await Assert.ThrowsAsync<UploadApiException>(() => client.GetReadUrlAsync(blobPath));

        Assert.Equal((409, "upload_rejected"), (failure.Status, failure.Code));
    }

    [Fact]
    public async Task ListAsync_AndDeleteAsync_ListedThenGone()
    {
        using var client = CreateClient();
        var (_, blobPath) = await UploadVerifiedAsync(client);

        var listed = await client.ListAsync("verified").FirstOrDefaultAsync(u => u.BlobPath == blobPath);
        await client.DeleteAsync(blobPath);
        await client.DeleteAsync(blobPath);
        var after = await client.ListAsync().AnyAsync(u => u.BlobPath == blobPath);

        Assert.NotNull(listed);
        Assert.Equal((UploadState.Verified, "text/plain"), (listed.Status, listed.DetectedType));
        Assert.False(after);
        Assert.Equal(404, (await Assert.ThrowsAsync<UploadApiException>(() => client.GetReadUrlAsync(blobPath))).Status);
    }

    [Fact]
    public async Task ListPageAsync_PageSizeOne_FollowsTheContinuation()
    {
        using var client = CreateClient();
        await UploadVerifiedAsync(client);
        await UploadVerifiedAsync(client);

        var first = await client.ListPageAsync(pageSize: 1);
        var second = await client.ListPageAsync(pageSize: 1, continuation: first.Continuation);

        Assert.Single(first.Uploads);
        Assert.NotNull(first.Continuation);
        Assert.Single(second.Uploads);
        Assert.NotEqual(first.Uploads[0].BlobPath, second.Uploads[0].BlobPath);
    }

    /// <summary>Adds <c>sha256</c> to the read-url answer, as the API does once the verdict records one.</summary>
    private sealed class ReadUrlSha256(string sha256, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/read-url", StringComparison.Ordinal) && response.StatusCode == HttpStatusCode.OK)
            {
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
                body["sha256"] = sha256;
                response.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }

            return response;
        }
    }
}
