namespace Uploads.Core.Hosting;

/// <summary>
/// Every application setting the code reads, in app-settings form (<c>Section__Key</c>).
/// The infrastructure tests hold the Bicep template to this list, so that the two cannot drift apart; a test in
/// Uploads.Core.Tests holds it to the bound options types and to README's settings table.
/// </summary>
internal static class AppSettings
{
    /// <summary>Settings with a fixed name.</summary>
    public static IReadOnlyList<string> Fixed { get; } =
    [
        "Uploads__ContainerName",
        "Uploads__QuarantineContainerName",
        "Uploads__UrlLifetime",
        "Uploads__ReadUrlLifetime",
        "Uploads__RenewalWindow",
        "Uploads__ClockSkew",
        "Uploads__DirectUploadMaxBytes",
        "Uploads__DirectUploadBlockBytes",
        "Uploads__AllowHttpUploadUrls",
        "Uploads__DelegationKeyLifetime",
        "Uploads__CreateContainers",
        "Uploads__AllowedActiveContent",
        "Uploads__MaxImagePixels",
        "Uploads__StorageNetworkTimeout",
        "Uploads__StorageMaxRetries",
        "Uploads__StorageRetryDelay",
        "Verification__EventGridTopicEndpoint",
        "Verification__ReconcileSchedule",
        "Verification__ReconcileGracePeriod",
        "Verification__ReconcileConcurrency",
        "Verification__RequestWait",
        "Verification__MaxConcurrentChecks",
        "Verification__DeadLetterContainerName",
        "Verification__ComputeSha256",
        "MalwareScanning__Enabled",
        "MalwareScanning__Unscanned",
        "MalwareScanning__ResultDeadline",
        "MalwareScanning__MaxScanBytes",
        "MalwareScanning__ResultsContainerName",
        "MalwareScanning__ClaimLease",
        // The uploads storage connection, shared with the Blob trigger (identity-based form in Azure).
        "UploadStorage",
        "UploadStorage__serviceUri",
        "UploadStorage__blobServiceUri",
        "UploadStorage__queueServiceUri",
        "UploadStorage__credential",
        "UploadStorage__clientId",
    ];

    /// <summary>Settings a deployment to Azure must set (identity-based uploads connection and containers).</summary>
    public static IReadOnlyList<string> RequiredInAzure { get; } =
    [
        "Uploads__ContainerName",
        "Uploads__QuarantineContainerName",
        "Verification__ReconcileSchedule",
        "UploadStorage__blobServiceUri",
        "UploadStorage__queueServiceUri",
        "UploadStorage__credential",
        "UploadStorage__clientId",
    ];

    /// <summary>Prefixes of settings whose last segment is data: one API client per setting.</summary>
    public static IReadOnlyList<string> Prefixes { get; } =
    [
        "ApiKeys__Clients__",
    ];
}
