using System.Net;
using System.Web;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Integration.Tests.Support;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Uploads;

/// <summary>
/// Upload URLs issued by the app's own services, used against real Azurite the way clients use them.
/// Runs twice: with user-delegation signing over HTTPS + OAuth (the production path) and with the account key.
/// </summary>
public abstract class UploadUrlTests(AzuriteInstance azurite) : AppServicesTest(azurite)
{
    private static async Task<UploadUrlResponse> IssueAsync(UploadsServices services, string fileName = "meeting-recording.mp4", string contentType = "video/mp4")
    {
        var outcome = await services.Get<UploadUrlService>().IssueAsync(Client, new UploadUrlRequest(fileName, contentType, null), CancellationToken.None);
        Assert.Null(outcome.Problem);
        return outcome.Value!;
    }

    private BlobClient AdminBlob(string blobPath) => Azurite.CreateServiceClient().GetBlobContainerClient("uploads").GetBlobClient(blobPath);

    private static Task<HttpStatusCode> PutAsync(HttpClient http, Uri url, byte[] content) => PresignedUpload.PutAsync(http, url, content);

    [Fact]
    public async Task IssueAsync_ValidRequest_UrlScopedToOneBlobWithCreateWriteForOneHour()
    {
        var before = DateTimeOffset.UtcNow;
        var response = await IssueAsync(Services);

        var query = HttpUtility.ParseQueryString(response.UploadUrl.Query);
        Assert.Equal("b", query["sr"]);
        Assert.Equal("cw", query["sp"]);
        Assert.EndsWith("/uploads/" + response.BlobPath, Uri.UnescapeDataString(response.UploadUrl.AbsolutePath), StringComparison.Ordinal);
        Assert.StartsWith("acme/", response.BlobPath, StringComparison.Ordinal);
        Assert.EndsWith("/meeting-recording.mp4", response.BlobPath, StringComparison.Ordinal);
        Assert.Equal(DateTimeKind.Utc, response.ExpiresAt.Kind);
        Assert.Equal(response.ExpiresAt, DateTimeOffset.Parse(query["se"]!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime);
        Assert.InRange(response.ExpiresAt, before.UtcDateTime.AddHours(1).AddSeconds(-1), DateTime.UtcNow.AddHours(1));
        var start = DateTimeOffset.Parse(query["st"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(start, before.AddMinutes(-5).AddSeconds(-1), before.AddMinutes(-4));
        if (Azurite.Mode == AzuriteMode.OAuthHttps)
        {
            Assert.Equal("https", query["spr"]);
            Assert.Equal(Azurite.Credential.ObjectId.ToString(), query["skoid"]);
            Assert.Equal(Azurite.Credential.TenantId.ToString(), query["sktid"]);
        }
    }

    [Fact]
    public async Task SinglePut_UrlFromApi_StoresTheFile()
    {
        var response = await IssueAsync(Services);
        var content = SasBytes(100_000);
        using var http = Azurite.CreateHttpClient();

        Assert.Equal(HttpStatusCode.Created, await PutAsync(http, response.UploadUrl, content));

        Assert.Equal(content, (await AdminBlob(response.BlobPath).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task SdkBlockUpload_UrlFromApi_StagesBlocksAndCommits()
    {
        var response = await IssueAsync(Services);
        var content = SasBytes(3 * 1024 * 1024 + 17);
        var counter = new RequestCounter();
        var client = new BlobClient(response.UploadUrl, counter.AddTo(Azurite.CreateBlobClientOptions()));

        await client.UploadAsync(new BinaryData(content), new BlobUploadOptions { TransferOptions = new() { InitialTransferSize = 1024 * 1024, MaximumTransferSize = 1024 * 1024 } });

        Assert.Equal(4, counter.Count("PUT", "block"));
        Assert.Equal(1, counter.Count("PUT", "blocklist"));
        Assert.Equal(content, (await AdminBlob(response.BlobPath).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Read_UrlFromApi_Refused()
    {
        var response = await IssueAsync(Services);
        await AdminBlob(response.BlobPath).UploadAsync(new BinaryData(SasBytes(10)));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(response.UploadUrl, Azurite.CreateBlobClientOptions()).DownloadContentAsync());

        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task List_UrlFromApiOnItsContainer_Refused()
    {
        var response = await IssueAsync(Services);
        var containerUrl = new UriBuilder(response.UploadUrl) { Path = response.UploadUrl.AbsolutePath[..response.UploadUrl.AbsolutePath.IndexOf("/uploads/", StringComparison.Ordinal)] + "/uploads" };
        var container = new BlobContainerClient(containerUrl.Uri, Azurite.CreateBlobClientOptions());

        var error = await Assert.ThrowsAsync<RequestFailedException>(async () => await container.GetBlobsAsync().AsPages().FirstAsync());

        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task Delete_UrlFromApi_RefusedAndBlobRemains()
    {
        var response = await IssueAsync(Services);
        await AdminBlob(response.BlobPath).UploadAsync(new BinaryData(SasBytes(10)));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(response.UploadUrl, Azurite.CreateBlobClientOptions()).DeleteAsync());

        Assert.Equal(403, error.Status);
        Assert.True((await AdminBlob(response.BlobPath).ExistsAsync()).Value);
    }

    [Theory]
    [InlineData("acme/00000000000000000000000000000000/other.mp4")]
    [InlineData("other-client/00000000000000000000000000000000/meeting-recording.mp4")]
    public async Task Put_UrlFromApiOnAnotherBlobName_Refused(string otherPath)
    {
        var response = await IssueAsync(Services);
        var other = new UriBuilder(response.UploadUrl) { Path = response.UploadUrl.AbsolutePath.Replace(response.BlobPath, otherPath, StringComparison.Ordinal) }.Uri;
        using var http = Azurite.CreateHttpClient();

        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(http, other, SasBytes(10)));
        Assert.False((await AdminBlob(otherPath).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Put_UrlFromApiAfterExpiry_Refused()
    {
        await using var shortLived = await UploadsServices.StartAsync(Azurite, new Dictionary<string, string?> { ["Uploads:UrlLifetime"] = "00:00:02" });
        var response = await IssueAsync(shortLived);
        using var http = Azurite.CreateHttpClient();

        // Wait until the expiry the API announced has passed (the SAS carries whole seconds).
        var wait = response.ExpiresAt - DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(http, response.UploadUrl, SasBytes(10)));
        Assert.False((await AdminBlob(response.BlobPath).ExistsAsync()).Value);
    }

    [Fact]
    public async Task IssueAsync_ThousandUrls_NoStorageOrTokenRequests()
    {
        await IssueAsync(Services);
        Services.Requests.Reset();
        var tokens = Azurite.Credential.TokensIssued;

        for (var i = 0; i < 1000; i++)
        {
            await IssueAsync(Services, $"file-{i}.pdf", "application/pdf");
        }

        Assert.Equal(0, Services.Requests.Total);
        Assert.Equal(tokens, Azurite.Credential.TokensIssued);
    }

    private static byte[] SasBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}

public sealed class UploadUrlUserDelegationTests(AzuriteOAuthFixture fixture) : UploadUrlTests(fixture.Azurite), IClassFixture<AzuriteOAuthFixture>
{
    [Fact]
    public async Task StartAsync_UserDelegationSigner_OneKeyRequestForTheWholeRun()
    {
        await using var services = await UploadsServices.StartAsync(Azurite);
        for (var i = 0; i < 100; i++)
        {
            await services.Get<UploadUrlService>().IssueAsync(new ApiClient("acme"), new UploadUrlRequest($"f{i}.png", "image/png", null), CancellationToken.None);
        }

        Assert.Equal(1, services.Requests.Count("POST", "userdelegationkey"));
        Assert.IsType<global::Uploads.Core.Signing.UserDelegationSasSigner>(services.Get<global::Uploads.Core.Signing.IBlobSasSigner>());
    }
}

public sealed class UploadUrlSharedKeyTests(AzuriteSharedKeyFixture fixture) : UploadUrlTests(fixture.Azurite), IClassFixture<AzuriteSharedKeyFixture>
{
    [Fact]
    public async Task Signer_ConnectionStringWithKey_SignsWithAccountKeyWithoutDelegationKey()
    {
        await using var services = await UploadsServices.StartAsync(Azurite);
        await services.Get<UploadUrlService>().IssueAsync(new ApiClient("acme"), new UploadUrlRequest("a.png", "image/png", null), CancellationToken.None);

        Assert.IsType<global::Uploads.Core.Signing.SharedKeySasSigner>(services.Get<global::Uploads.Core.Signing.IBlobSasSigner>());
        Assert.Equal(0, services.Requests.Count("POST", "userdelegationkey"));
    }
}
