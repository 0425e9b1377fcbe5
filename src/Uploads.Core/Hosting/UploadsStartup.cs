using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Signing;
using Uploads.Core.Storage;

namespace Uploads.Core.Hosting;

/// <summary>
/// Start-up work, in the background so that the host starts (and its HTTP server listens) at once: creates the
/// containers where configured (local runs) and fetches the first user-delegation key, so that no upload URL waits
/// for storage. Until both have succeeded <see cref="UploadsReadiness"/> answers 503 + Retry-After; a failure is
/// logged and retried with backoff (1 s doubling to 30 s) until it succeeds or the host stops. Storage that is
/// unreachable at start-up therefore never crashes the worker.
/// </summary>
internal sealed partial class UploadsStartup(
    UploadContainers containers,
    IBlobSasSigner signer,
    UserDelegationKeyCache keys,
    UploadsReadiness readiness,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<UploadsStartup> logger) : BackgroundService
{
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await WarmUpAsync(stoppingToken).ConfigureAwait(false);
                readiness.Ready();
                if (attempt > 1)
                {
                    Log.Recovered(logger, attempt);
                }

                return;
            }
            catch (Exception ex) when (StorageFailures.IsUnavailable(ex, stoppingToken))
            {
                readiness.NotReady("storage is not reachable", delay);
                Log.WarmUpFailed(logger, ex, attempt, delay.TotalSeconds);
            }

            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        if (options.Value.CreateContainers)
        {
            await containers.Uploads.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await containers.Quarantine.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (signer is UserDelegationSasSigner)
        {
            await keys.RefreshAsync(time.GetUtcNow() + options.Value.UrlLifetime, cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1011, EventName = "StartupWarmUpFailed", Level = LogLevel.Warning, Message = "Start-up: storage or the user-delegation key is not available yet (attempt {Attempt}); API requests get 503 until it is; retrying in {DelaySeconds} s")]
        public static partial void WarmUpFailed(ILogger logger, Exception exception, int attempt, double delaySeconds);

        [LoggerMessage(EventId = 1012, EventName = "StartupRecovered", Level = LogLevel.Information, Message = "Start-up: storage reachable and signing key obtained after {Attempt} attempts; serving")]
        public static partial void Recovered(ILogger logger, int attempt);
    }
}
