using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Uploads.Testing;
using static Uploads.Integration.Tests.Infrastructure.SasTestHelpers;

namespace Uploads.Integration.Tests.Infrastructure;

/// <summary>Plain-HTTP Azurite with the account key (the local-development default).</summary>
public sealed class SharedKeyModeTests(AzuriteSharedKeyFixture fixture) : IClassFixture<AzuriteSharedKeyFixture>
{
    private readonly AzuriteInstance _azurite = fixture.Azurite;

    [Fact]
    public async Task Upload_AccountKeySasHttpsAndHttpOverHttp_Succeeds()
    {
        var blob = (await _azurite.CreateContainerAsync()).GetBlobClient("local.bin");
        var sas = BlobSas(blob, BlobSasPermissions.Create | BlobSasPermissions.Write, DateTimeOffset.UtcNow.AddHours(1), protocol: SasProtocol.HttpsAndHttp);
        Assert.True(blob.CanGenerateSasUri);

        await new BlobClient(blob.GenerateSasUri(sas), _azurite.CreateBlobClientOptions()).UploadAsync(BinaryData.FromString("ok"));

        Assert.Equal("ok", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task Upload_HttpsOnlySasOverHttp_Returns403ProtocolMismatch()
    {
        // Azurite checks spr: an https-only SAS is refused on its HTTP endpoint.
        var blob = (await _azurite.CreateContainerAsync()).GetBlobClient("https-only.bin");
        var sas = BlobSas(blob, BlobSasPermissions.Create | BlobSasPermissions.Write, DateTimeOffset.UtcNow.AddHours(1), protocol: SasProtocol.Https);

        var exception = await Assert.ThrowsAsync<RequestFailedException>(
            () => new BlobClient(blob.GenerateSasUri(sas), _azurite.CreateBlobClientOptions()).UploadAsync(BinaryData.FromString("x")));

        Assert.Equal(403, exception.Status);
        Assert.Equal("AuthorizationProtocolMismatch", exception.ErrorCode);
    }

    [Fact]
    public void ServiceClient_TokenCredentialOverHttp_SdkRefuses()
    {
        // The SDK refuses bearer tokens on an http:// endpoint before sending anything.
        Assert.Throws<ArgumentException>(() => new BlobServiceClient(_azurite.BlobServiceUri, _azurite.Credential, _azurite.CreateBlobClientOptions()));
    }

    [Fact]
    public async Task GetUserDelegationKey_BearerTokenOverHttp_Returns403()
    {
        // Without --oauth and HTTPS there is no user-delegation path: this mode can only sign with the account key.
        using var http = _azurite.CreateHttpClient();
        var token = _azurite.Credential.GetToken(new Azure.Core.TokenRequestContext(["https://storage.azure.com/.default"]), default).Token;
        var start = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var expiry = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_azurite.BlobServiceUri.AbsoluteUri + "?restype=service&comp=userdelegationkey"))
        {
            Content = new StringContent($"<?xml version=\"1.0\" encoding=\"utf-8\"?><KeyInfo><Start>{start}</Start><Expiry>{expiry}</Expiry></KeyInfo>"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("x-ms-version", "2025-11-05");
        request.Headers.Add("x-ms-date", DateTimeOffset.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

        using var response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
    }
}
