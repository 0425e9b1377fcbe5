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
}
