using Azure.Storage.Blobs;

namespace Uploads.Core.Signing;

/// <summary>Turns a blob into a time-limited upload URL (see <see cref="UploadSas"/> for its permissions).</summary>
public interface IUploadUrlSigner
{
    ValueTask<Uri> SignAsync(BlobClient blob, DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken);
}
