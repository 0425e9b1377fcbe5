using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Uploads.Core.Hosting;

namespace Uploads.Testing;

/// <summary>
/// The app's own service registration (<see cref="UploadsServiceCollectionExtensions.AddUploadsCore"/>) pointed at a
/// real Azurite: in <see cref="AzuriteMode.OAuthHttps"/> through an identity-based connection (user-delegation
/// signing, as in Azure), in <see cref="AzuriteMode.SharedKey"/> through a connection string with the account key.
/// Shared by the integration tests and the benchmarks; the hosted start-up work runs in <see cref="StartAsync"/>.
/// </summary>
public sealed class UploadsServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private UploadsServices(ServiceProvider provider, RequestCounter counter)
    {
        _provider = provider;
        Requests = counter;
    }

    /// <summary>Every storage request the app's clients sent.</summary>
    public RequestCounter Requests { get; }

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    public static async Task<UploadsServices> StartAsync(
        AzuriteInstance azurite,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Uploads:ContainerName"] = "uploads",
            ["Uploads:QuarantineContainerName"] = "quarantine",
            ["Uploads:CreateContainers"] = "true",
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

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var counter = new RequestCounter();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TokenCredential>(azurite.Credential);
        services.AddSingleton(counter.AddTo(azurite.CreateBlobClientOptions()));
        services.AddUploadsCore(configuration);
        configure?.Invoke(services);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.ValidateUploadsConfiguration();
        foreach (var hosted in provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // Start-up (containers, first user-delegation key) runs in the background, as in the worker: wait for it.
        var readiness = provider.GetRequiredService<UploadsReadiness>();
        if (!await Eventually.WithinAsync(() => readiness.IsReady, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50)).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The upload services did not become ready: " + readiness.Problem?.Detail);
        }

        return new UploadsServices(provider, counter);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in _provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await hosted.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _provider.DisposeAsync().ConfigureAwait(false);
    }
}
