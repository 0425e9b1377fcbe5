using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Http;
using Uploads.HostEmulator.Triggers;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator;

/// <summary>
/// Plays the Azure Functions host for one built isolated worker: the worker process and its gRPC channel
/// (<see cref="WorkerConnection"/>: StartStream → WorkerInitRequest, RpcLog relayed), worker indexing
/// (<see cref="FunctionIndexer"/>: FunctionsMetadataRequest → FunctionLoadRequest per function), an HTTP front that
/// routes requests to HTTP-triggered functions and serves the Blob trigger's Event Grid webhook (<see cref="HttpFront"/>),
/// and the listeners of the other triggers (<see cref="TriggerListeners"/>: Blob trigger queue, queue triggers,
/// timers). Optionally the platform's managed-identity endpoint. A function disabled by
/// <c>AzureWebJobs.&lt;name&gt;.Disabled</c> is loaded but never triggered (its HTTP route answers 404). If the worker
/// exits or its stream breaks, <see cref="Completion"/> completes with a non-zero code and the front stops answering;
/// disposing stops and kills everything.
/// </summary>
public sealed partial class FunctionsHostEmulator : IAsyncDisposable
{
    public const string HostVersion = "4.1000.0-uploads-emulator";

    private readonly EmulatorOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<int> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerConnection? _worker;
    private HttpFront? _front;
    private TriggerListeners? _triggers;
    private int _stopping;

    private FunctionsHostEmulator(EmulatorOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Host.Emulator");
    }

    /// <summary>The HTTP front, e.g. http://127.0.0.1:7071.</summary>
    public Uri BaseAddress => _front?.BaseAddress!;

    /// <summary>The names of the functions the worker indexed and loaded (disabled ones included).</summary>
    public IReadOnlyList<string> FunctionNames => [.. Functions.Select(f => f.Name)];

    /// <summary>The loaded functions that <c>AzureWebJobs.&lt;name&gt;.Disabled</c> disables: no trigger runs them.</summary>
    public IReadOnlyList<string> DisabledFunctionNames => [.. Functions.Where(f => f.IsDisabled).Select(f => f.Name)];

    internal IReadOnlyList<WorkerFunction> Functions { get; private set; } = [];

    /// <summary>"METHOD /route -> Function" for every HTTP route served (" (disabled)" after a disabled function).</summary>
    public IReadOnlyList<string> HttpRoutes => _front?.Routes ?? [];

    public int WorkerProcessId => _worker?.ProcessId ?? 0;

    /// <summary>The worker's recent stdout/stderr.</summary>
    public string WorkerOutput => _worker?.RecentOutput ?? string.Empty;

    /// <summary>Tokens the managed-identity endpoint has handed out.</summary>
    public int ManagedIdentityTokensIssued => _worker?.ManagedIdentityTokensIssued ?? 0;

    /// <summary>The host id that names the host's queues and status blobs in <c>AzureWebJobsStorage</c>; null without it.</summary>
    public string? HostId => _triggers?.HostId;

    /// <summary>The Blob trigger's queue (<c>azure-webjobs-blobtrigger-&lt;hostid&gt;</c>); null without <c>AzureWebJobsStorage</c> or an Event Grid Blob trigger.</summary>
    public string? BlobTriggerQueueName => _triggers?.BlobTriggerQueueName;

    /// <summary>Where Blob-trigger messages go after their last try.</summary>
    public const string BlobTriggerPoisonQueueName = BlobTriggerQueue.PoisonQueueName;

    /// <summary>Blob-trigger invocations started so far (all from the host's queue).</summary>
    public int BlobTriggerInvocations => _triggers?.BlobTriggerInvocations ?? 0;

    /// <summary>Queue-trigger invocations started so far.</summary>
    public int QueueTriggerInvocations => _triggers?.QueueTriggerInvocations ?? 0;

    /// <summary>The queues the queue triggers listen to.</summary>
    public IReadOnlyList<string> QueueTriggerQueueNames => _triggers?.QueueTriggerQueueNames ?? [];

    /// <summary>Timer-trigger invocations started so far.</summary>
    public int TimerInvocations => _triggers?.TimerInvocations ?? 0;

    /// <summary>The timer functions running on their schedules (not those disabled or whose schedule is in error).</summary>
    public IReadOnlyList<string> TimerFunctionNames => _triggers?.TimerFunctionNames ?? [];

    /// <summary>
    /// HTTP-function invocations ended so far: the worker answered them (completed, failed or cancelled; the logs it
    /// sent for them arrived first), or could not run them. Tests wait on it for "the app is done with that request".
    /// </summary>
    public int HttpInvocationsEnded => _front?.InvocationsEnded ?? 0;

    /// <summary>0 after an orderly stop; non-zero when the worker died or its stream broke.</summary>
    public Task<int> Completion => _completion.Task;

    /// <summary>Starts the worker and serves it; throws, with the worker's output, if it does not come up.</summary>
    public static async Task<FunctionsHostEmulator> StartAsync(EmulatorOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var emulator = new FunctionsHostEmulator(options, loggerFactory);
        try
        {
            await emulator.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var appDirectory = Path.GetFullPath(_options.AppDirectory);
        var settings = new AppSettingResolver(_options.Settings);
        WorkerRegistry.SweepOrphans();

        _worker = new WorkerConnection(_options, _loggerFactory);
        await _worker.LaunchAsync(appDirectory, cancellationToken).ConfigureAwait(false);
        using (var startTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            startTimeout.CancelAfter(_options.StartTimeout);
            await _worker.InitialiseAsync(appDirectory, startTimeout.Token).ConfigureAwait(false);
            Functions = await FunctionIndexer.IndexAsync(_worker, appDirectory, settings, _logger, startTimeout.Token).ConfigureAwait(false);
        }

        var invoker = new FunctionInvoker(_worker.Channel, Functions);
        _triggers = new TriggerListeners(invoker, settings, appDirectory, _options, _loggerFactory);
        _triggers.StartQueues();
        _front = new HttpFront(_options, _loggerFactory);
        await _front.StartAsync(invoker, _worker.HttpUri, appDirectory, _triggers.EnqueueBlobEvent, () => Completion.IsCompleted, cancellationToken).ConfigureAwait(false);
        _triggers.StartTimers();

        Log.Ready(_logger, BaseAddress, Functions.Count, _worker.ProcessId);
        foreach (var route in HttpRoutes)
        {
            Log.Route(_logger, route);
        }

        _ = WatchAsync(_worker);
    }

    private async Task WatchAsync(WorkerConnection worker)
    {
        if (await worker.LostAsync(() => Volatile.Read(ref _stopping) != 0).ConfigureAwait(false) is { } code)
        {
            _completion.TrySetResult(code);
        }
    }

    /// <summary>Stops the listeners, sends WorkerTerminate, waits the grace period, kills the worker, stops the servers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        if (_triggers is not null)
        {
            await _triggers.StopAsync().ConfigureAwait(false);
        }

        if (_worker is not null)
        {
            await _worker.TerminateAsync().ConfigureAwait(false);
        }

        if (_front is not null)
        {
            await _front.DisposeAsync().ConfigureAwait(false);
        }

        if (_worker is not null)
        {
            await _worker.DisposeAsync().ConfigureAwait(false);
        }

        _triggers?.Dispose();
        _completion.TrySetResult(0);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7004, EventName = "EmulatorReady", Level = LogLevel.Information, Message = "Functions host emulator on {BaseAddress}: {Count} functions loaded in worker {ProcessId}")]
        public static partial void Ready(ILogger logger, Uri baseAddress, int count, int processId);

        [LoggerMessage(EventId = 7005, EventName = "EmulatorRoute", Level = LogLevel.Information, Message = "  {Route}")]
        public static partial void Route(ILogger logger, string route);
    }
}
