using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace Uploads.Core.Signing;

/// <summary>
/// Signs SAS URLs for single blobs: upload URLs (<see cref="UploadSas.Permissions"/>) for clients, and short-lived
/// read URLs that let storage copy a blob into quarantine whatever the service's own authentication is.
/// </summary>
public interface IBlobSasSigner
{
    ValueTask<Uri> SignAsync(BlobClient blob, BlobSasPermissions permissions, DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken);

    /// <summary>
    /// A read-only URL for one snapshot (<paramref name="snapshot"/> names it: <see cref="BlobClient.WithSnapshot"/>),
    /// whose answers carry <paramref name="contentType"/> and <paramref name="contentDisposition"/> (<see cref="ReadSas"/>).
    /// </summary>
    ValueTask<Uri> SignReadAsync(BlobClient snapshot, string contentType, string contentDisposition, DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken);
}
