using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace Uploads.Core.Signing;

/// <summary>
/// The shape of every read URL handed to a client: Read only, for one blob snapshot (<c>sr=bs</c>: the pinned
/// verified content, never the blob an upload URL can still write), HTTPS only, and the answer's headers fixed by the
/// signature (<c>rsct</c> the detected type, <c>rscd</c> a download under the file's name), so that whoever opens it
/// gets a download of the checked type whatever the blob's own headers say.
/// </summary>
internal static class ReadSas
{
    public static BlobSasBuilder CreateBuilder(BlobClient snapshot, string contentType, string contentDisposition, DateTimeOffset startsOn, DateTimeOffset expiresOn, bool allowHttp)
    {
        var snapshotTime = new BlobUriBuilder(snapshot.Uri).Snapshot;
        if (string.IsNullOrEmpty(snapshotTime))
        {
            throw new ArgumentException("A read URL names a snapshot (the pinned content), never the blob itself.", nameof(snapshot));
        }

        var builder = UploadSas.CreateBuilder(snapshot.BlobContainerName, snapshot.Name, BlobSasPermissions.Read, startsOn, expiresOn, allowHttp);
        builder.Snapshot = snapshotTime;
        builder.Resource = "bs";
        builder.ContentType = contentType;
        builder.ContentDisposition = contentDisposition;
        return builder;
    }
}
