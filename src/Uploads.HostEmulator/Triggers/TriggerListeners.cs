using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Storage;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// The host's listeners for the functions that are not HTTP-triggered, over the host's own storage
/// (<c>AzureWebJobsStorage</c>, see <see cref="HostStorage"/>): the Blob trigger's queue for Blob triggers with an
/// Event Grid source (the webhook writes to it), the queue triggers, and the timers. Queues start before the HTTP front
/// (its webhook needs the Blob trigger's queue), timers after it. A disabled function has no listener: with every
/// Event Grid Blob trigger disabled, the webhook still writes to the queue but nothing reads it, as in the host.
/// </summary>
internal sealed partial class TriggerListeners(FunctionInvoker invoker, AppSettingResolver settings, string appDirectory, EmulatorOptions options, ILoggerFactory loggerFactory)
    : IDisposable
{
    private HostStorage? _hostStorage;
    private BlobTriggerQueue? _blobQueue;
    private BlobTriggerExecutor? _blobExecutor;
    private QueueTriggers? _queueTriggers;
    private TimerTriggers? _timers;

    /// <summary>See <see cref="FunctionsHostEmulator.HostId"/>.</summary>
    public string? HostId => _hostStorage?.HostId;

    public string? BlobTriggerQueueName => _blobQueue?.Name;

    /// <summary>Writes a Blob-trigger message to the host's queue; null when there is no such queue.</summary>
    public Func<BlobTriggerMessage, CancellationToken, Task>? EnqueueBlobEvent => _blobQueue is { } queue ? queue.EnqueueAsync : null;

    public int BlobTriggerInvocations => _blobExecutor?.Invocations ?? 0;

    public int QueueTriggerInvocations => _queueTriggers?.Invocations ?? 0;

    public IReadOnlyList<string> QueueTriggerQueueNames => _queueTriggers?.QueueNames ?? [];

    public int TimerInvocations => _timers?.Invocations ?? 0;

    public IReadOnlyList<string> TimerFunctionNames => _timers?.FunctionNames ?? [];

    /// <summary>Opens the host's storage and starts the Blob trigger's queue and the queue triggers.</summary>
    public void StartQueues()
    {
        _hostStorage = HostStorage.TryCreate(settings, appDirectory, options.TrustedCertificatePemFiles);
        if (invoker.Functions.Any(BlobTriggerExecutor.IsEventGridBlobTrigger))
        {
            var blobLogger = loggerFactory.CreateLogger("Host.Triggers.Blob");
            if (_hostStorage is null)
            {
                Log.NoHostStorage(loggerFactory.CreateLogger("Host.Emulator"));
            }
            else if (_hostStorage.NoQueueService is { } why)
            {
                Log.NoHostQueues(loggerFactory.CreateLogger("Host.Emulator"), why);
            }
            else
            {
                _blobExecutor = new BlobTriggerExecutor(invoker, settings, blobLogger);
                _blobQueue = BlobTriggerQueue.Start(
                    _hostStorage,
                    _blobExecutor,
                    options.Queues,
                    loggerFactory.CreateLogger("Host.Queues"),
                    options.OnQueueMessage,
                    options.BeforeQueueMessage,
                    listen: invoker.Functions.Any(f => BlobTriggerExecutor.IsEventGridBlobTrigger(f) && !f.IsDisabled));
            }
        }

        _queueTriggers = QueueTriggers.Start(invoker, settings, HostJson.Queues(appDirectory, options.Queues), options, loggerFactory.CreateLogger("Host.Triggers.Queue"));
    }

    /// <summary>Schedules the timers (their status kept in the host's storage when there is one).</summary>
    public void StartTimers()
    {
        var timerLogger = loggerFactory.CreateLogger("Host.Triggers.Timer");
        _timers = TimerTriggers.Start(
            invoker,
            settings,
            TimeProvider.System,
            timerLogger,
            _hostStorage is null ? null : new TimerStatusStore(_hostStorage.Blobs, _hostStorage.HostId, timerLogger));
    }

    /// <summary>Stops every listener; the storage stays usable (the front may still write to the queue) until <see cref="Dispose"/>.</summary>
    public async Task StopAsync()
    {
        if (_timers is not null)
        {
            await _timers.DisposeAsync().ConfigureAwait(false);
        }

        if (_blobQueue is not null)
        {
            await _blobQueue.DisposeAsync().ConfigureAwait(false);
        }

        if (_queueTriggers is not null)
        {
            await _queueTriggers.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the host's storage (call <see cref="StopAsync"/> first).</summary>
    public void Dispose() => _hostStorage?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 7007, EventName = "NoHostStorage", Level = LogLevel.Error, Message = "AzureWebJobsStorage is not set (a storage connection string): the Blob trigger's queue cannot be used, and its webhook answers 500")]
        public static partial void NoHostStorage(ILogger logger);

        [LoggerMessage(EventId = 7008, EventName = "NoHostQueues", Level = LogLevel.Error, Message = "AzureWebJobsStorage has no queue service ({Reason}): the Blob trigger's queue cannot be used, and its webhook answers 500")]
        public static partial void NoHostQueues(ILogger logger, string reason);
    }
}
