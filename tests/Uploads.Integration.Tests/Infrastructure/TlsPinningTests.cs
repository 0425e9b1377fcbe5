using System.Security.Authentication;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Infrastructure;

/// <summary>The HTTPS instance is reachable only by clients that pin its certificate: the pinning is real.</summary>
public sealed class TlsPinningTests(AzuriteOAuthFixture fixture) : IClassFixture<AzuriteOAuthFixture>
{
    private readonly AzuriteInstance _azurite = fixture.Azurite;

    [Fact]
    public async Task GetProperties_PinnedTransport_Succeeds()
    {
        var response = await _azurite.CreateServiceClient().GetPropertiesAsync();

        Assert.Equal(200, response.GetRawResponse().Status);
    }

    [Fact]
    public async Task GetProperties_DefaultTransport_FailsTls()
    {
        var unpinned = new BlobServiceClient(
            _azurite.BlobServiceUri,
            new StorageSharedKeyCredential(_azurite.AccountName, _azurite.AccountKey),
            new BlobClientOptions { Retry = { MaxRetries = 0 } });

        var exception = await Assert.ThrowsAsync<RequestFailedException>(() => unpinned.GetPropertiesAsync());

        Assert.Equal(0, exception.Status);
        Assert.IsType<AuthenticationException>(FindInner<AuthenticationException>(exception));
    }

    [Fact]
    public async Task HttpGet_DefaultHttpClient_FailsTls()
    {
        using var http = new HttpClient();

        var exception = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(_azurite.BlobServiceUri));

        Assert.IsType<AuthenticationException>(FindInner<AuthenticationException>(exception));
    }

    [Fact]
    public async Task HttpGet_ClientPinnedToAnotherInstance_FailsTls()
    {
        // Another instance's certificate is just as self-signed and valid for 127.0.0.1: pinning must still refuse it.
        await using var other = await AzuriteInstance.StartAsync(AzuriteMode.OAuthHttps);
        Assert.NotEqual(other.Certificate!.Thumbprint, _azurite.Certificate!.Thumbprint);
        using var pinnedToOther = other.CreateHttpClient();

        var exception = await Assert.ThrowsAsync<HttpRequestException>(() => pinnedToOther.GetAsync(_azurite.BlobServiceUri));

        Assert.IsType<AuthenticationException>(FindInner<AuthenticationException>(exception));
    }

    [Fact]
    public void Certificate_IsShortLivedLoopbackServerCertificate()
    {
        var certificate = _azurite.Certificate!;

        Assert.False(certificate.HasPrivateKey);
        Assert.True(certificate.NotAfter - certificate.NotBefore <= TimeSpan.FromDays(2));
        var names = certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains(System.Net.IPAddress.Loopback, names.EnumerateIPAddresses());
        Assert.Contains("localhost", names.EnumerateDnsNames());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(_azurite.CertificatePemPath!), StringComparison.Ordinal);
    }

    private static Exception? FindInner<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T)
            {
                return current;
            }
        }

        return null;
    }
}
