using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Uploads.Core.Hosting;

namespace Uploads.Core.Signing;

/// <summary>
/// Signs with the account key carried by the connection string. Used only when the configured connection has one
/// (Azurite's default for local runs); production disables shared-key access and uses <see cref="UserDelegationUploadUrlSigner"/>.
/// </summary>
public sealed class SharedKeyUploadUrlSigner(IOptions<UploadOptions> options) : IUploadUrlSigner
{
    private readonly bool _allowHttp = options.Value.AllowHttpUploadUrls;

    public ValueTask<Uri> SignAsync(BlobClient blob, DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var builder = UploadSas.CreateBuilder(blob.BlobContainerName, blob.Name, startsOn, expiresOn, _allowHttp);
        return ValueTask.FromResult(blob.GenerateSasUri(builder));
    }
}
