using System.Net;
using System.Net.Http.Headers;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Uploads.Testing;
using static Uploads.Integration.Tests.Infrastructure.SasTestHelpers;

namespace Uploads.Integration.Tests.Infrastructure;

/// <summary>
/// What Azurite 3.37 (<c>--oauth basic</c>, HTTPS) enforces for a user-delegation SAS on ONE blob: these pin the
/// semantics the upload API's URLs rely on.
/// </summary>
public sealed class UserDelegationSasTests(AzuriteOAuthFixture fixture) : IClassFixture<AzuriteOAuthFixture>
{
    private static readonly BlobSasPermissions CreateWrite = BlobSasPermissions.Create | BlobSasPermissions.Write;

    private readonly AzuriteInstance _azurite = fixture.Azurite;

    [Fact]
    public async Task GetUserDelegationKey_WithLocalJwtCredential_ReturnsKeyForTokenIdentity()
    {
        var credential = new LocalJwtCredential();
        var counter = new RequestCounter();
        var client = new BlobServiceClient(_azurite.BlobServiceUri, credential, counter.AddTo(_azurite.CreateBlobClientOptions()));

        var first = await GetUserDelegationKeyAsync(client);
        var second = await GetUserDelegationKeyAsync(client);

        Assert.Equal(credential.ObjectId.ToString("D"), first.SignedObjectId);
        Assert.Equal(credential.TenantId.ToString("D"), first.SignedTenantId);
        Assert.Equal("b", first.SignedService);
        Assert.False(string.IsNullOrEmpty(first.Value));
        Assert.Equal(2, counter.Count("POST", "userdelegationkey"));
        Assert.Equal(2, counter.Total);
        // The SDK caches the bearer token: two calls, one token.
        Assert.Equal(1, credential.TokensIssued);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task ToSasQueryParameters_ManyUrlsFromOneKey_CostOneStorageRequestAndOneToken()
    {
        // The pattern the upload API's cache must show: signing is local; only the key costs a round-trip.
        var credential = new LocalJwtCredential();
        var counter = new RequestCounter();
        var client = new BlobServiceClient(_azurite.BlobServiceUri, credential, counter.AddTo(_azurite.CreateBlobClientOptions()));
        var container = client.GetBlobContainerClient("uploads");

        var key = await GetUserDelegationKeyAsync(client);
        var urls = Enumerable.Range(0, 1000)
            .Select(i => UserDelegationSasUri(container.GetBlobClient($"client-a/{i}/f.mp4"), key, _azurite.AccountName, CreateWrite, DateTimeOffset.UtcNow.AddHours(1)))
            .ToList();

        Assert.Equal(1000, urls.Distinct().Count());
        Assert.Equal(1, counter.Total);
        Assert.Equal(1, counter.Count("POST", "userdelegationkey"));
        Assert.Equal(1, credential.TokensIssued);
    }

    [Fact]
    public async Task GetUserDelegationKey_WithSharedKey_IsRefused()
    {
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => GetUserDelegationKeyAsync(_azurite.CreateServiceClient()));

        Assert.Equal(403, exception.Status);
    }

    [Fact]
    public async Task UploadAsync_CreateWriteSas_SinglePutStoresBlob()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite);
        var content = RandomBytes(1024);

        await new BlobClient(sasUri, _azurite.CreateBlobClientOptions()).UploadAsync(BinaryData.FromBytes(content));

        Assert.Equal(content, (await blob.DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task HttpPut_CreateWriteSasWithBlobTypeHeader_Returns201()
    {
        // What requests.put / a browser does with the URL: one Put Blob with x-ms-blob-type, no SDK.
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite);
        using var http = _azurite.CreateHttpClient();
        using var content = new ByteArrayContent(RandomBytes(2048)) { Headers = { ContentType = new MediaTypeHeaderValue("video/mp4") } };

        var status = await PresignedUpload.PutAsync(http, sasUri, content);

        Assert.Equal(HttpStatusCode.Created, status);
        var properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal(2048, properties.ContentLength);
        Assert.Equal("video/mp4", properties.ContentType);
    }

    [Fact]
    public async Task StageAndCommitBlocks_CreateWriteSas_StoresBlob()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite);
        var counter = new RequestCounter();
        var blockClient = new BlockBlobClient(sasUri, counter.AddTo(_azurite.CreateBlobClientOptions()));
        var parts = new[] { RandomBytes(4096), RandomBytes(4096), RandomBytes(100) };

        for (var i = 0; i < parts.Length; i++)
        {
            using var stream = new MemoryStream(parts[i]);
            await blockClient.StageBlockAsync(BlockId(i), stream);
        }

        await blockClient.CommitBlockListAsync(Enumerable.Range(0, parts.Length).Select(BlockId));

        Assert.Equal(parts.SelectMany(part => part).ToArray(), (await blob.DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(3, counter.Count("PUT", "block"));
        Assert.Equal(1, counter.Count("PUT", "blocklist"));
    }

    [Fact]
    public async Task UploadAsync_CreateWriteSasWithSmallTransferSize_SdkUsesBlocksAndSucceeds()
    {
        // The SDK's own chunked upload (what upload_blob does past max_single_put_size), forced with small sizes.
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite);
        var counter = new RequestCounter();
        var client = new BlobClient(sasUri, counter.AddTo(_azurite.CreateBlobClientOptions()));
        var content = RandomBytes(300 * 1024);

        await client.UploadAsync(
            BinaryData.FromBytes(content),
            new BlobUploadOptions { TransferOptions = new() { InitialTransferSize = 64 * 1024, MaximumTransferSize = 64 * 1024, MaximumConcurrency = 2 } });

        Assert.Equal(content, (await blob.DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(5, counter.Count("PUT", "block"));
        Assert.Equal(1, counter.Count("PUT", "blocklist"));
        Assert.Equal(0, counter.Count("PUT"));
    }

    [Fact]
    public async Task UploadAsync_CreateWriteSasTwice_OverwriteIsAllowed()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite);
        var client = new BlobClient(sasUri, _azurite.CreateBlobClientOptions());

        await client.UploadAsync(BinaryData.FromString("first"));
        await client.UploadAsync(BinaryData.FromString("second"), overwrite: true);

        Assert.Equal("second", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task SetMetadata_CreateWriteSas_IsAllowedBecauseWriteCoversIt()
    {
        // Documents what 'w' grants beyond uploading: blob properties and metadata (same on Azure).
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite);
        var client = new BlobClient(sasUri, _azurite.CreateBlobClientOptions());
        await client.UploadAsync(BinaryData.FromString("x"));

        await client.SetMetadataAsync(new Dictionary<string, string> { ["k"] = "v" });

        Assert.Equal("v", (await blob.GetPropertiesAsync()).Value.Metadata["k"]);
    }

    [Fact]
    public async Task Download_CreateWriteSas_Returns403()
    {
        var (_, sasUri) = await NewBlobWithSasAsync(CreateWrite, existingContent: "secret");
        var client = new BlobClient(sasUri, _azurite.CreateBlobClientOptions());

        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => client.DownloadContentAsync());

        Assert.Equal(403, exception.Status);
        Assert.Equal("AuthorizationPermissionMismatch", exception.ErrorCode);
    }

    [Fact]
    public async Task HttpGetAndHead_CreateWriteSas_Return403()
    {
        var (_, sasUri) = await NewBlobWithSasAsync(CreateWrite, existingContent: "secret");
        using var http = _azurite.CreateHttpClient();

        using var get = await http.GetAsync(sasUri);
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, sasUri));

        Assert.Equal(HttpStatusCode.Forbidden, get.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);
        Assert.DoesNotContain("secret", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListBlobs_CreateWriteBlobSasOnContainerUrl_Returns403()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite, existingContent: "x");
        var containerUri = new BlobUriBuilder(sasUri) { BlobName = string.Empty }.ToUri();
        var container = new BlobContainerClient(containerUri, _azurite.CreateBlobClientOptions());

        var exception = await Assert.ThrowsAsync<RequestFailedException>(async () =>
        {
            await foreach (var item in container.GetBlobsAsync())
            {
                Assert.Fail($"Listed {item.Name} with a SAS for {blob.Name}.");
            }
        });

        Assert.Equal(403, exception.Status);
    }

    [Fact]
    public async Task Delete_CreateWriteSas_Returns403AndBlobRemains()
    {
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite, existingContent: "keep");
        var client = new BlobClient(sasUri, _azurite.CreateBlobClientOptions());

        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => client.DeleteAsync());

        Assert.Equal(403, exception.Status);
        Assert.Equal("AuthorizationPermissionMismatch", exception.ErrorCode);
        Assert.True((await blob.ExistsAsync()).Value);
    }

    [Fact]
    public async Task Upload_SasForOneBlobUsedOnAnotherName_Returns403()
    {
        // sr=b: the blob name is part of the signed string, so another name fails the signature check.
        var (blob, sasUri) = await NewBlobWithSasAsync(CreateWrite);
        var otherUri = new BlobUriBuilder(sasUri) { BlobName = blob.Name + ".other" }.ToUri();
        var other = new BlobClient(otherUri, _azurite.CreateBlobClientOptions());

        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => other.UploadAsync(BinaryData.FromString("x")));

        Assert.Equal(403, exception.Status);
        Assert.Equal("AuthorizationFailure", exception.ErrorCode);
        Assert.False((await blob.GetParentBlobContainerClient().GetBlobClient(blob.Name + ".other").ExistsAsync()).Value);
    }

    [Fact]
    public async Task Upload_SasWithPermissionsEditedInUrl_Returns403()
    {
        // Turning sp=cw into sp=rcw by hand breaks the signature.
        var (_, sasUri) = await NewBlobWithSasAsync(CreateWrite, existingContent: "secret");
        var tampered = new Uri(sasUri.AbsoluteUri.Replace("sp=cw", "sp=rcw", StringComparison.Ordinal));
        Assert.NotEqual(sasUri, tampered);

        var exception = await Assert.ThrowsAsync<RequestFailedException>(
            () => new BlobClient(tampered, _azurite.CreateBlobClientOptions()).DownloadContentAsync());

        Assert.Equal(403, exception.Status);
        Assert.Equal("AuthorizationFailure", exception.ErrorCode);
    }

    [Fact]
    public async Task Upload_SasAfterItsExpiry_Returns403()
    {
        var container = await _azurite.CreateContainerAsync();
        var blob = container.GetBlobClient("expiring.bin");
        var key = await GetUserDelegationKeyAsync(_azurite.CreateOAuthServiceClient());
        // SAS times have one-second resolution: round up so the expiry is exactly what the URL says.
        var now = DateTimeOffset.UtcNow;
        var expiresOn = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(3);
        var expiring = UserDelegationSasUri(blob, key, _azurite.AccountName, CreateWrite, expiresOn);
        // Control: the same SAS with a later expiry works, so the only difference that matters is the expiry.
        var control = UserDelegationSasUri(blob, key, _azurite.AccountName, CreateWrite, expiresOn.AddHours(1));
        await new BlobClient(control, _azurite.CreateBlobClientOptions()).UploadAsync(BinaryData.FromString("ok"), overwrite: true);

        // Azurite refuses when its clock is past 'se' (same machine clock): wait until then, plus a margin.
        var wait = expiresOn - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1500);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.True(DateTimeOffset.UtcNow > expiresOn);
        var exception = await Assert.ThrowsAsync<RequestFailedException>(
            () => new BlobClient(expiring, _azurite.CreateBlobClientOptions()).UploadAsync(BinaryData.FromString("late"), overwrite: true));

        Assert.Equal(403, exception.Status);
        Assert.Equal("AuthorizationFailure", exception.ErrorCode);
        Assert.Equal("ok", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task Upload_SasSignedWithExpiredDelegationKey_Returns403()
    {
        // Azurite checks the key's own validity (skt/ske) too, not only the SAS's: a cached key must be refreshed
        // before it expires, or every URL signed with it stops working at once.
        var container = await _azurite.CreateContainerAsync();
        var blob = container.GetBlobClient("old-key.bin");
        var now = DateTimeOffset.UtcNow;
        var keyExpiry = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(6);
        var shortKey = (await _azurite.CreateOAuthServiceClient().GetUserDelegationKeyAsync(
            new BlobGetUserDelegationKeyOptions(keyExpiry) { StartsOn = now - Backdate })).Value;
        Assert.Equal(keyExpiry, shortKey.SignedExpiresOn);
        var sasUri = UserDelegationSasUri(blob, shortKey, _azurite.AccountName, CreateWrite, DateTimeOffset.UtcNow.AddHours(1));
        var client = new BlobClient(sasUri, _azurite.CreateBlobClientOptions());
        await client.UploadAsync(BinaryData.FromString("while the key is valid"));

        var wait = keyExpiry - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1500);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.True(DateTimeOffset.UtcNow > keyExpiry);
        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => client.UploadAsync(BinaryData.FromString("after"), overwrite: true));
        Assert.Equal(403, exception.Status);
        Assert.Equal("AuthorizationFailure", exception.ErrorCode);
    }

    [Fact]
    public async Task Upload_SasWithStartInFuture_Returns403()
    {
        var container = await _azurite.CreateContainerAsync();
        var blob = container.GetBlobClient("not-yet.bin");
        var key = await GetUserDelegationKeyAsync(_azurite.CreateOAuthServiceClient());
        var sasUri = UserDelegationSasUri(blob, key, _azurite.AccountName, CreateWrite, DateTimeOffset.UtcNow.AddHours(1), startsOn: DateTimeOffset.UtcNow.AddMinutes(10));

        var exception = await Assert.ThrowsAsync<RequestFailedException>(
            () => new BlobClient(sasUri, _azurite.CreateBlobClientOptions()).UploadAsync(BinaryData.FromString("early")));

        Assert.Equal(403, exception.Status);
        Assert.Equal("AuthorizationFailure", exception.ErrorCode);
    }

    [Fact]
    public async Task Upload_CreateOnlySas_SinglePutAllowedButPutBlockAndOverwriteRefused()
    {
        // Azurite 3.37 behaviour: a create-only ('c') SAS allows Put Blob of a NEW blob, but Put Block requires 'w'
        // (OperationBlobSASPermission: BlockBlob_StageBlock and CommitBlockList need Write), and Put Blob over an
        // existing blob requires 'w' too. So the SDK's block upload needs 'cw' here.
        var (blob, sasUri) = await NewBlobWithSasAsync(BlobSasPermissions.Create);
        var client = new BlobClient(sasUri, _azurite.CreateBlobClientOptions());
        await client.UploadAsync(BinaryData.FromString("once"));
        Assert.Equal("once", (await blob.DownloadContentAsync()).Value.Content.ToString());

        var overwrite = await Assert.ThrowsAsync<RequestFailedException>(() => client.UploadAsync(BinaryData.FromString("twice"), overwrite: true));
        var blocks = new BlockBlobClient(sasUri, _azurite.CreateBlobClientOptions());
        using var block = new MemoryStream(RandomBytes(16));
        var putBlock = await Assert.ThrowsAsync<RequestFailedException>(() => blocks.StageBlockAsync(BlockId(0), block));

        Assert.Equal(403, overwrite.Status);
        Assert.Equal("AuthorizationPermissionMismatch", overwrite.ErrorCode);
        Assert.Equal(403, putBlock.Status);
        Assert.Equal("AuthorizationPermissionMismatch", putBlock.ErrorCode);
    }

    private async Task<(BlobClient Blob, Uri SasUri)> NewBlobWithSasAsync(BlobSasPermissions permissions, string? existingContent = null)
    {
        var container = await _azurite.CreateContainerAsync();
        var blob = container.GetBlobClient($"client-a/{Guid.NewGuid():N}/movie file.mp4");
        if (existingContent is not null)
        {
            await blob.UploadAsync(BinaryData.FromString(existingContent));
        }

        var key = await GetUserDelegationKeyAsync(_azurite.CreateOAuthServiceClient());
        return (blob, UserDelegationSasUri(blob, key, _azurite.AccountName, permissions, DateTimeOffset.UtcNow.AddHours(1)));
    }
}
