using Azure.Core;
using Azure.Messaging.EventGrid;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Consumer;
using Uploads.Core.Policy;
using Uploads.Core.Scanning;
using Uploads.Core.Security;
using Uploads.Core.Signing;
using Uploads.Core.Storage;
using Uploads.Core.Uploads;
using Uploads.Core.Verification;

namespace Uploads.Core.Hosting;

/// <summary>The one service registration of the upload service, shared by the Functions app and the dev host.</summary>
public static class UploadsServiceCollectionExtensions
{
    public static IServiceCollection AddUploadsCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<UploadOptions>().Bind(configuration.GetSection(UploadOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ApiKeyOptions>().Bind(configuration.GetSection(ApiKeyOptions.SectionName)).ValidateOnStart();
        services.AddOptions<VerificationOptions>().Bind(configuration.GetSection(VerificationOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MalwareScanOptions>().Bind(configuration.GetSection(MalwareScanOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UploadOptions>, UploadOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MalwareScanOptions>, MalwareScanOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);

        // Azure clients: built once, shared by every function.
        services.TryAddSingleton<TokenCredential>(_ => UploadStorageClientFactory.CreateCredential(configuration));
        services.TryAddSingleton(sp => UploadStorageClientFactory.CreateClientOptions(sp.GetRequiredService<IOptions<UploadOptions>>().Value));
        services.TryAddSingleton(sp => UploadStorageClientFactory.Create(
            configuration, sp.GetRequiredService<TokenCredential>, sp.GetRequiredService<BlobClientOptions>()));
        services.TryAddSingleton<UploadContainers>();

        // Signing: the account key only when the connection carries one (Azurite); user delegation otherwise.
        services.TryAddSingleton<UserDelegationKeyCache>();
        services.TryAddSingleton<IBlobSasSigner>(sp => sp.GetRequiredService<BlobServiceClient>().CanGenerateAccountSasUri
            ? ActivatorUtilities.CreateInstance<SharedKeySasSigner>(sp)
            : ActivatorUtilities.CreateInstance<UserDelegationSasSigner>(sp));

        services.TryAddSingleton<ApiKeyAuthenticator>();
        services.TryAddSingleton<UploadUrlService>();
        services.TryAddSingleton<PublishedPolicy>();
        services.TryAddSingleton<DirectUploadService>();

        // Verification: verdicts on the blobs; published to Event Grid when a topic is configured (identity auth).
        // Malware scanning (off unless MalwareScanning:Enabled): the scan result is a second input to the verdict.
        services.TryAddSingleton<ScanRecords>();
        services.TryAddSingleton<MalwareScanVerdicts>();
        services.TryAddSingleton<IVerdictGate>(sp => sp.GetRequiredService<MalwareScanVerdicts>());
        services.TryAddSingleton<MalwareScanReceiver>();
        services.TryAddSingleton<VerdictStore>();
        services.TryAddSingleton<Sha256Declarations>();
        services.TryAddSingleton<CheckScheduler>();
        services.TryAddSingleton(sp => new UploadVerifier(
            sp.GetRequiredService<VerdictStore>(),
            sp.GetRequiredService<CheckScheduler>(),
            sp.GetRequiredService<IOptions<UploadOptions>>(),
            sp.GetRequiredService<IOptions<VerificationOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<UploadVerifier>>(),
            sp.GetService<IHostApplicationLifetime>(),
            sp.GetRequiredService<Sha256Declarations>()));
        services.TryAddSingleton<UploadStatusService>();
        services.TryAddSingleton<UploadReconciler>();

        // The consumer side: read URLs for pinned verified content, list and delete of a client's uploads.
        services.TryAddSingleton<ReadUrlService>();
        services.TryAddSingleton<UploadCatalog>();
        services.TryAddSingleton(_ => new EventGridPublisherClientOptions());
        services.TryAddSingleton<IVerdictPublisher>(sp =>
            sp.GetRequiredService<IOptions<VerificationOptions>>().Value.EventGridTopicEndpoint is { } endpoint
                ? ActivatorUtilities.CreateInstance<EventGridVerdictPublisher>(sp, new EventGridPublisherClient(
                    endpoint, sp.GetRequiredService<TokenCredential>(), sp.GetRequiredService<EventGridPublisherClientOptions>()))
                : new NoVerdictPublisher());
        services.TryAddSingleton<UploadsReadiness>();
        services.AddHostedService<UploadsStartup>();
        return services;
    }

    /// <summary>
    /// Resolves every option and the storage client, so that bad configuration stops the host at start-up with a
    /// message that names the setting. (ValidateOnStart alone has been reported not to fire in the isolated worker.)
    /// </summary>
    public static void ValidateUploadsConfiguration(this IServiceProvider services)
    {
        _ = services.GetRequiredService<IOptions<UploadOptions>>().Value;
        _ = services.GetRequiredService<IOptions<ApiKeyOptions>>().Value;
        _ = services.GetRequiredService<IOptions<VerificationOptions>>().Value;
        _ = services.GetRequiredService<IOptions<MalwareScanOptions>>().Value;
        _ = services.GetRequiredService<BlobServiceClient>();
    }
}
