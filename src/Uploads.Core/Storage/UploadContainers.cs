using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;

namespace Uploads.Core.Storage;

/// <summary>The two containers the service writes to, built once from the shared <see cref="BlobServiceClient"/>.</summary>
public sealed class UploadContainers(BlobServiceClient service, IOptions<UploadOptions> options)
{
    public BlobContainerClient Uploads { get; } = service.GetBlobContainerClient(options.Value.ContainerName);

    public BlobContainerClient Quarantine { get; } = service.GetBlobContainerClient(options.Value.QuarantineContainerName);
}
