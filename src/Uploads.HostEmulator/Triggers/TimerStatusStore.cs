using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// Where the host's Timer extension keeps each monitored timer's schedule status (<c>StorageScheduleMonitor</c>): the
/// blob <c>timers/&lt;hostid&gt;/&lt;timer&gt;/status</c> in the <c>azure-webjobs-hosts</c> container of
/// <c>AzureWebJobsStorage</c>, <c>{"Last":…,"Next":…,"LastUpdated":…}</c> in local time with its offset. Writing is
/// best effort, as in the host: a failure is logged and the schedule goes on.
/// </summary>
internal sealed partial class TimerStatusStore(BlobServiceClient blobs, string hostId, ILogger logger)
{
    public const string ContainerName = "azure-webjobs-hosts";

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(ContainerName);
    private int _containerReady;

    /// <summary>The blob of <paramref name="timerName"/> (<c>Host.Functions.&lt;Name&gt;</c>).</summary>
    public static string BlobName(string hostId, string timerName) => $"timers/{hostId}/{timerName}/status";

    /// <summary>The recorded status, or null when none was ever recorded.</summary>
    public async Task<TimerStatus?> GetAsync(string timerName, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _container.GetBlobClient(BlobName(hostId, timerName)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize<TimerStatus>(content.Value.Content.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task UpdateAsync(string timerName, TimerStatus status, CancellationToken cancellationToken)
    {
        try
        {
            if (Interlocked.Exchange(ref _containerReady, 1) == 0)
            {
                await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            await _container.GetBlobClient(BlobName(hostId, timerName)).UploadAsync(BinaryData.FromString(JsonSerializer.Serialize(status)), overwrite: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException)
        {
            Volatile.Write(ref _containerReady, 0);
            Log.UpdateFailed(logger, timerName, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7505, EventName = "TimerStatusUpdateFailed", Level = LogLevel.Error, Message = "Function '{TimerName}' failed to update the timer trigger status: {Reason}")]
        public static partial void UpdateFailed(ILogger logger, string timerName, string reason);
    }
}

/// <summary>A timer's schedule status as the host records it; <see cref="DateTimeOffset.MinValue"/> for "never".</summary>
internal sealed record TimerStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);
