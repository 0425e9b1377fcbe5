using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;

namespace Uploads.Core.Signing;

/// <summary>
/// Holds one user-delegation key and replaces it well before it expires.
/// A key is requested for <see cref="UploadOptions.DelegationKeyLifetime"/> (one day by default); once less than
/// half of that remains, the next caller starts a background refresh and keeps signing with the current key, which
/// still outlives any URL it signs. Callers wait on storage only when no key covers the expiry they need (the first
/// call, if the warm-up has not finished), and concurrent callers then share a single request.
/// </summary>
internal sealed partial class UserDelegationKeyCache(
    BlobServiceClient service,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<UserDelegationKeyCache> logger) : IDisposable
{
    private readonly TimeSpan _lifetime = options.Value.DelegationKeyLifetime;
    private readonly TimeSpan _skew = options.Value.ClockSkew;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile CachedKey? _current;
    private int _refreshing;
    private long _backgroundRetryAfterTicks;

    /// <summary>A key valid at least until <paramref name="neededUntil"/>.</summary>
    public async ValueTask<UserDelegationKey> GetAsync(DateTimeOffset neededUntil, CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && current.ExpiresOn >= neededUntil)
        {
            if (current.ExpiresOn - time.GetUtcNow() < _lifetime / 2)
            {
                StartBackgroundRefresh();
            }

            return current.Key;
        }

        return (await RefreshAsync(neededUntil, cancellationToken).ConfigureAwait(false)).Key;
    }

    /// <summary>Fetches a key now unless one that covers <paramref name="neededUntil"/> arrived meanwhile.</summary>
    public async Task<CachedKey> RefreshAsync(DateTimeOffset neededUntil, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _current;
            var now = time.GetUtcNow();
            if (current is not null && current.ExpiresOn >= neededUntil && current.ExpiresOn - now >= _lifetime / 2)
            {
                return current;
            }

            var startsOn = now - _skew;
            var expiresOn = now + _lifetime;
            var response = await service.GetUserDelegationKeyAsync(startsOn, expiresOn, cancellationToken).ConfigureAwait(false);
            var fresh = new CachedKey(response.Value, response.Value.SignedExpiresOn);
            if (fresh.ExpiresOn < neededUntil)
            {
                throw new InvalidOperationException($"Storage issued a user-delegation key valid until {fresh.ExpiresOn:o}, before {neededUntil:o}, when a URL signed now would expire.");
            }

            _current = fresh;
            Log.KeyRefreshed(logger, fresh.ExpiresOn);
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void StartBackgroundRefresh()
    {
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _backgroundRetryAfterTicks) || Interlocked.CompareExchange(ref _refreshing, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync(time.GetUtcNow() + _lifetime / 2, CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A failed background refresh is retried by the next caller; the current key is still valid.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                // Back off: the current key stays valid for hours; try again in a minute, not on every request.
                Interlocked.Exchange(ref _backgroundRetryAfterTicks, (time.GetUtcNow() + TimeSpan.FromMinutes(1)).UtcTicks);
                Log.BackgroundRefreshFailed(logger, ex);
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>A key and when it stops being valid.</summary>
    public sealed record CachedKey(UserDelegationKey Key, DateTimeOffset ExpiresOn);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Obtained a user-delegation key valid until {ExpiresOn:o}")]
        public static partial void KeyRefreshed(ILogger logger, DateTimeOffset expiresOn);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Background refresh of the user-delegation key failed; the current key stays in use")]
        public static partial void BackgroundRefreshFailed(ILogger logger, Exception exception);
    }
}
