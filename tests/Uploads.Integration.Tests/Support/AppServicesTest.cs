using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Integration.Tests.Support;

/// <summary>
/// The set-up the integration tests share: the app's own services (<see cref="UploadsServices"/>) started on the
/// fixture's Azurite for each test and disposed after it, the test client <c>acme</c>, the containers as an
/// administrator sees them, and the few steps most tests take (an upload URL, a blob count).
/// </summary>
public abstract class AppServicesTest(AzuriteInstance azurite) : IAsyncLifetime
{
    /// <summary>The API client the tests act as.</summary>
    protected static ApiClient Client { get; } = new("acme");

    protected AzuriteInstance Azurite { get; } = azurite;

    /// <summary>The app's services of the running test.</summary>
    protected UploadsServices Services { get; private set; } = null!;

    /// <summary>The uploads container through the administrator's client (not the app's).</summary>
    protected BlobContainerClient Uploads => Azurite.CreateServiceClient().GetBlobContainerClient("uploads");

    /// <summary>The quarantine container through the administrator's client (not the app's).</summary>
    protected BlobContainerClient Quarantine => Azurite.CreateServiceClient().GetBlobContainerClient("quarantine");

    public async Task InitializeAsync() => Services = await StartServicesAsync();

    public virtual async Task DisposeAsync() => await Services.DisposeAsync();

    /// <summary>How the test's services start: the defaults, unless a test class needs settings or a fault.</summary>
    protected virtual Task<UploadsServices> StartServicesAsync() => UploadsServices.StartAsync(Azurite);

    /// <summary>
    /// The app's services with <paramref name="fault"/> on their own storage client (per try, the SDK's retries off, so
    /// a fault is what the caller sees); storage is the fixture's Azurite.
    /// </summary>
    protected Task<UploadsServices> StartServicesWithStorageFaultAsync(HttpPipelinePolicy fault, IDictionary<string, string?>? settings = null)
    {
        var options = Azurite.CreateBlobClientOptions();
        options.Retry.MaxRetries = 0;
        options.AddPolicy(fault, HttpPipelinePosition.PerRetry);
        return UploadsServices.StartAsync(Azurite, settings, services => services.Replace(ServiceDescriptor.Singleton(options)));
    }

    /// <summary>An upload URL for a new upload, as <c>POST /url</c> issues it; fails the test on a refusal.</summary>
    protected async Task<UploadUrlResponse> IssueUrlAsync(string fileName, string contentType, ApiClient? client = null)
    {
        var outcome = await Services.Get<UploadUrlService>().IssueAsync(client ?? Client, new UploadUrlRequest(fileName, contentType, null), CancellationToken.None);
        Assert.Null(outcome.Problem);
        return outcome.Value!;
    }

    /// <summary>A presigned upload as the guide's client makes it: ask for a URL, PUT the bytes (no content type); returns the blob path.</summary>
    protected async Task<string> PresignedUploadAsync(byte[] content, string fileName, string contentType)
    {
        var url = await IssueUrlAsync(fileName, contentType);
        using var http = Azurite.CreateHttpClient();
        Assert.Equal(System.Net.HttpStatusCode.Created, await PresignedUpload.PutAsync(http, url.UploadUrl, content));
        return url.BlobPath;
    }

    /// <summary>The committed blobs under <paramref name="prefix"/> in <paramref name="container"/>.</summary>
    protected static async Task<int> CountBlobsAsync(BlobContainerClient container, string prefix)
    {
        ArgumentNullException.ThrowIfNull(container);
        var count = 0;
        await foreach (var _ in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
        {
            count++;
        }

        return count;
    }
}
