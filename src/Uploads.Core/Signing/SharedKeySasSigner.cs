using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;

namespace Uploads.Core.Signing;

/// <summary>
/// Signs with the account key carried by the connection string. Used only when the configured connection has one
/// (Azurite's default for local runs); production disables shared-key access and uses <see cref="UserDelegationSasSigner"/>.
/// </summary>
internal sealed class SharedKeySasSigner(IOptions<UploadOptions> options) : IBlobSasSigner
{
    private readonly bool _allowHttp = options.Value.AllowHttpUploadUrls;

    public ValueTask<Uri> SignAsync(BlobClient blob, BlobSasPermissions permissions, DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var builder = UploadSas.CreateBuilder(blob.BlobContainerName, blob.Name, permissions, startsOn, expiresOn, _allowHttp);
        return ValueTask.FromResult(blob.GenerateSasUri(builder));
    }

    public ValueTask<Uri> SignReadAsync(BlobClient snapshot, string contentType, string contentDisposition, DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var builder = ReadSas.CreateBuilder(snapshot, contentType, contentDisposition, startsOn, expiresOn, _allowHttp);
        return ValueTask.FromResult(snapshot.GenerateSasUri(builder));
    }
}
