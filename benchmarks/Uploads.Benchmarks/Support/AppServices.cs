using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Uploads.Core.Hosting;
using Uploads.Testing;

namespace Uploads.Benchmarks.Support;

/// <summary>
/// The app's own service registration (<see cref="UploadsServiceCollectionExtensions.AddUploadsCore"/>) pointed at a real
/// Azurite, as the integration tests build it: in <see cref="AzuriteMode.OAuthHttps"/> through an identity-based
/// connection (bearer tokens, user-delegation signing: the production path), in <see cref="AzuriteMode.SharedKey"/>
/// through a connection string with the account key. Every storage request of the app's clients passes
/// <see cref="Requests"/>; the hosted start-up work (container creation, key warm-up) runs in <see cref="StartAsync"/>.
/// </summary>
internal sealed class AppServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private AppServices(ServiceProvider provider, RequestCounter requests)
    {
        _provider = provider;
        Requests = requests;
    }

    /// <summary>Every storage request the app's clients sent (per retry), by operation.</summary>
    public RequestCounter Requests { get; }

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    /// <param name="createContainers">
    /// Let the app create its containers at start-up (local runs). False where the caller created them, as the
    /// deployment template does in Azure, so that start-up costs only what it costs in production.
    /// </param>
    public static async Task<AppServices> StartAsync(AzuriteInstance azurite, bool createContainers)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Uploads:ContainerName"] = "uploads",
            ["Uploads:QuarantineContainerName"] = "quarantine",
            ["Uploads:CreateContainers"] = createContainers ? "true" : "false",
        };
        if (azurite.Mode == AzuriteMode.OAuthHttps)
        {
            values["UploadStorage:blobServiceUri"] = azurite.BlobServiceUri.ToString();
        }
        else
        {
            values["UploadStorage"] = azurite.ConnectionString;
            values["Uploads:AllowHttpUploadUrls"] = "true";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var requests = new RequestCounter();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TokenCredential>(azurite.Credential);
        services.AddSingleton(requests.AddTo(azurite.CreateBlobClientOptions()));
        services.AddUploadsCore(configuration);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.ValidateUploadsConfiguration();
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return new AppServices(provider, requests);
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
