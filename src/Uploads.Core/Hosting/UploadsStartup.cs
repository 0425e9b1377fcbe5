using Azure;
using Azure.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Signing;
using Uploads.Core.Storage;

namespace Uploads.Core.Hosting;

/// <summary>
/// Start-up work: creates the containers where configured (local runs) and fetches the first user-delegation key,
/// so that the first upload URL does not wait for storage. A failed warm-up is logged, not fatal: the key is then
/// fetched on first use.
/// </summary>
public sealed partial class UploadsStartup(
    UploadContainers containers,
    IBlobSasSigner signer,
    UserDelegationKeyCache keys,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<UploadsStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.CreateContainers)
        {
            await containers.Uploads.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await containers.Quarantine.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (signer is UserDelegationSasSigner)
        {
            try
            {
                await keys.RefreshAsync(time.GetUtcNow() + options.Value.UrlLifetime, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RequestFailedException or AuthenticationFailedException or CredentialUnavailableException)
            {
                Log.WarmUpFailed(logger, ex);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Could not obtain a user-delegation key at start-up; it will be requested on first use")]
        public static partial void WarmUpFailed(ILogger logger, Exception exception);
    }
}
