using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace Uploads.Client;

/// <summary>
/// The presigned URL every storage call of one upload uses, renewed when it has expired: a call storage refuses with
/// a 403 renews it and tries again (twice at most). One renewal serves every call in flight: the first to find the
/// URL expired renews it, the others take the new one (the renewal and the wait for it end with the
/// calling block's token, so one failed block does not hold the others). Transient failures are retried (<see cref="TransientRetry"/>).
/// </summary>
internal sealed class RenewingUrl(Uri url, Func<CancellationToken, Task<Uri>> renew, TransientRetry retry, BlobClientOptions storageOptions) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Uri _current = url;

    public void Dispose() => _gate.Dispose();

    public async Task RunAsync(Func<BlockBlobClient, Task> call, CancellationToken cancellationToken)
    {
        for (var renewals = 0; ; renewals++)
        {
            var current = Volatile.Read(ref _current);
            try
            {
                await retry.RunAsync(
                    async _ =>
                    {
                        await call(new BlockBlobClient(current, storageOptions)).ConfigureAwait(false);
                        return true;
                    },
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 403 && renewals < 2)
            {
                await RenewAsync(current, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RenewAsync(Uri expired, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (ReferenceEquals(_current, expired))
            {
                Volatile.Write(ref _current, await renew(cancellationToken).ConfigureAwait(false));
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
