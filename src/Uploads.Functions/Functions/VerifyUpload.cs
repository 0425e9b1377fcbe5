using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Uploads.Core.Storage;
using Uploads.Core.Verification;

namespace Uploads.Functions.Functions;

/// <summary>
/// Verifies every blob that lands in the uploads container. Event Grid source: the host is told about each
/// BlobCreated event by the uploads account's system topic instead of polling, so large containers cost nothing to
/// watch and verification starts within seconds of the upload.
/// </summary>
internal sealed class VerifyUpload(UploadVerifier verifier)
{
    [Function(nameof(VerifyUpload))]
    public Task Run(
        [BlobTrigger("%Uploads:ContainerName%/{name}", Source = BlobTriggerSource.EventGrid, Connection = UploadStorageConnection.Name)] BlobClient blob,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return verifier.VerifyAsync(blob.Name, cancellationToken);
    }
}
