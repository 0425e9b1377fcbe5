using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;

namespace Uploads.Core.Signing;

/// <summary>
/// Signs user-delegation SAS with a cached key from <see cref="UserDelegationKeyCache"/>: no account key is involved,
/// and issuing a URL costs no call to storage or Entra ID once the key is cached.
/// </summary>
internal sealed class UserDelegationSasSigner(UserDelegationKeyCache keys, IOptions<UploadOptions> options) : IBlobSasSigner
{
    private readonly bool _allowHttp = options.Value.AllowHttpUploadUrls;

    public async ValueTask<Uri> SignAsync(BlobClient blob, BlobSasPermissions permissions, DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var key = await keys.GetAsync(expiresOn, cancellationToken).ConfigureAwait(false);
        var builder = UploadSas.CreateBuilder(blob.BlobContainerName, blob.Name, permissions, startsOn, expiresOn, _allowHttp);
        var sas = builder.ToSasQueryParameters(key, blob.AccountName);
        return new BlobUriBuilder(blob.Uri) { Sas = sas }.ToUri();
    }

    public async ValueTask<Uri> SignReadAsync(BlobClient snapshot, string contentType, string contentDisposition, DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var key = await keys.GetAsync(expiresOn, cancellationToken).ConfigureAwait(false);
        var builder = ReadSas.CreateBuilder(snapshot, contentType, contentDisposition, startsOn, expiresOn, _allowHttp);
        var sas = builder.ToSasQueryParameters(key, snapshot.AccountName);
        return new BlobUriBuilder(snapshot.Uri) { Sas = sas }.ToUri();
    }
}
