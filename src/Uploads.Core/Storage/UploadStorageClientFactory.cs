using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Uploads.Core.Configuration;

namespace Uploads.Core.Storage;

/// <summary>
/// Builds the one <see cref="BlobServiceClient"/> of the app from the <c>UploadStorage</c> connection, in the same
/// two forms the Functions host accepts for the Blob trigger: a connection string, or an identity-based connection.
/// </summary>
internal static class UploadStorageClientFactory
{
    public static BlobServiceClient Create(IConfiguration configuration, Func<TokenCredential> credential, BlobClientOptions clientOptions)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(credential);
        var section = configuration.GetSection(UploadStorageConnection.Name);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return new BlobServiceClient(section.Value, clientOptions);
        }

        var serviceUri = section["blobServiceUri"] ?? section["serviceUri"];
        if (string.IsNullOrWhiteSpace(serviceUri) || !Uri.TryCreate(serviceUri, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException(
                $"The '{UploadStorageConnection.Name}' connection is not configured. Set '{UploadStorageConnection.Name}' to a connection string " +
                $"(UseDevelopmentStorage=true locally) or '{UploadStorageConnection.Name}__blobServiceUri' to the account's blob endpoint " +
                $"with '{UploadStorageConnection.Name}__credential=managedidentity' and '{UploadStorageConnection.Name}__clientId'.");
        }

        return new BlobServiceClient(uri, credential(), clientOptions);
    }

    /// <summary>
    /// The storage client's options: the network timeout and retries of <see cref="UploadOptions"/>, so that a stalled
    /// or failing account gives up within <see cref="UploadOptions.StorageWorstCase"/> (the caller answers 503).
    /// </summary>
    public static BlobClientOptions CreateClientOptions(UploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.NetworkTimeout = options.StorageNetworkTimeout;
        clientOptions.Retry.MaxRetries = options.StorageMaxRetries;
        clientOptions.Retry.Delay = options.StorageRetryDelay;
        clientOptions.Retry.MaxDelay = UploadOptions.StorageMaxRetryDelay;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        return clientOptions;
    }

    /// <summary>The credential for an identity-based connection: the user-assigned identity when a client id is set.</summary>
    public static TokenCredential CreateCredential(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(UploadStorageConnection.Name);
        var clientId = section["clientId"];
        if (string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrWhiteSpace(clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        }

        return new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }
}
