using Azure.Core;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Uploads.Core.Security;
using Uploads.DevHost;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>
/// The app's HTTP functions served over real HTTP on a loopback port by the dev host (the app's own service
/// registration), against a real Azurite in OAuth + HTTPS mode, so upload URLs are user-delegation SAS.
/// </summary>
public sealed class ApiHost : IAsyncLifetime
{
    public const string ClientId = "acme";
    public const string OtherClientId = "globex";

    private WebApplication? _app;
    private AzuriteInstance? _azurite;

    /// <summary>A key minted for <see cref="ClientId"/>; only its hash is configured.</summary>
    public string ApiKey { get; } = ApiKeyMinter.Mint().Key;

    public string OtherApiKey { get; } = ApiKeyMinter.Mint().Key;

    public AzuriteInstance Azurite => _azurite ?? throw new InvalidOperationException("Not started.");

    /// <summary>Where the API listens, e.g. http://127.0.0.1:41234 (the guide's API_BASE).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public RequestCounter StorageRequests { get; } = new();

    public BlobContainerClient Uploads => Azurite.CreateServiceClient().GetBlobContainerClient("uploads");

    public BlobContainerClient Quarantine => Azurite.CreateServiceClient().GetBlobContainerClient("quarantine");

    public HttpClient CreateClient(string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-API-Key", apiKey ?? ApiKey);
        return http;
    }

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteInstance.StartAsync(AzuriteMode.OAuthHttps);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["UploadStorage"] = null,
            ["UploadStorage:blobServiceUri"] = _azurite.BlobServiceUri.ToString(),
            ["Uploads:ContainerName"] = "uploads",
            ["Uploads:QuarantineContainerName"] = "quarantine",
            ["Uploads:CreateContainers"] = "true",
            [$"ApiKeys:Clients:{ClientId}"] = ApiKeyMinter.HashOf(ApiKey),
            [$"ApiKeys:Clients:{OtherClientId}"] = ApiKeyMinter.HashOf(OtherApiKey),
        };

        _app = DevHostApp.Build(
            [],
            RepositoryRoot.Find(),
            services =>
            {
                services.Replace(ServiceDescriptor.Singleton<TokenCredential>(_azurite.Credential));
                services.Replace(ServiceDescriptor.Singleton(StorageRequests.AddTo(_azurite.CreateBlobClientOptions())));
            },
            settings);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
