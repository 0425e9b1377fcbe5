using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Http;
using Uploads.HostEmulator.Identity;
using Uploads.HostEmulator.Storage;
using Uploads.HostEmulator.Rpc;
using Uploads.HostEmulator.Triggers;
using Uploads.HostEmulator.Worker;
using Yarp.ReverseProxy.Forwarder;

namespace Uploads.HostEmulator;

/// <summary>
/// Plays the Azure Functions host for one built isolated worker: a gRPC server for the worker's
/// <c>EventStream</c> (StartStream → WorkerInitRequest → FunctionsMetadataRequest → FunctionLoadRequest per
/// function → invocations, RpcLog relayed), the worker process itself, and an HTTP front that routes requests to
/// HTTP-triggered functions and serves the Blob trigger's Event Grid webhook; timer triggers run on their schedules. Optionally the platform's
/// managed-identity endpoint. If the worker exits or its stream breaks, <see cref="Completion"/> completes with a
/// non-zero code and the front stops answering; disposing stops and kills everything.
/// </summary>
public sealed partial class FunctionsHostEmulator : IAsyncDisposable
{
    public const string HostVersion = "4.1000.0-uploads-emulator";

    private readonly EmulatorOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<int> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _internal;
    private WebApplication? _front;
    private WorkerProcess? _worker;
    private WorkerChannel? _channel;
    private HttpFunctionForwarder? _forwarder;
    private ManagedIdentityEndpoint? _identity;
    private TimerTriggers? _timers;
    private HostStorage? _hostStorage;
    private BlobTriggerQueue? _blobQueue;
    private BlobTriggerExecutor? _blobExecutor;
    private QueueTriggers? _queueTriggers;
    private string? _trustBundle;
    private int _stopping;

    private FunctionsHostEmulator(EmulatorOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Host.Emulator");
    }

    /// <summary>The HTTP front, e.g. http://127.0.0.1:7071.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The names of the functions the worker indexed and loaded.</summary>
    public IReadOnlyList<string> FunctionNames => [.. Functions.Select(f => f.Name)];

    internal IReadOnlyList<WorkerFunction> Functions { get; private set; } = [];

    /// <summary>"METHOD /route -> Function" for every HTTP route served.</summary>
    public IReadOnlyList<string> HttpRoutes { get; private set; } = [];

    public int WorkerProcessId => _worker?.Id ?? 0;

    /// <summary>The worker's recent stdout/stderr.</summary>
    public string WorkerOutput => _worker?.RecentOutput ?? string.Empty;

    /// <summary>Tokens the managed-identity endpoint has handed out.</summary>
    public int ManagedIdentityTokensIssued => _identity?.TokensIssued ?? 0;

    /// <summary>The host id that names the host's queues and status blobs in <c>AzureWebJobsStorage</c>; null without it.</summary>
    public string? HostId => _hostStorage?.HostId;

    /// <summary>The Blob trigger's queue (<c>azure-webjobs-blobtrigger-&lt;hostid&gt;</c>); null without <c>AzureWebJobsStorage</c> or an Event Grid Blob trigger.</summary>
    public string? BlobTriggerQueueName => _blobQueue?.Name;

    /// <summary>Where Blob-trigger messages go after their last try.</summary>
    public const string BlobTriggerPoisonQueueName = BlobTriggerQueue.PoisonQueueName;

    /// <summary>Blob-trigger invocations started so far (all from the host's queue).</summary>
    public int BlobTriggerInvocations => _blobExecutor?.Invocations ?? 0;

    /// <summary>Queue-trigger invocations started so far.</summary>
    public int QueueTriggerInvocations => _queueTriggers?.Invocations ?? 0;

    /// <summary>The queues the queue triggers listen to.</summary>
    public IReadOnlyList<string> QueueTriggerQueueNames => _queueTriggers?.QueueNames ?? [];

    /// <summary>Timer-trigger invocations started so far.</summary>
    public int TimerInvocations => _timers?.Invocations ?? 0;

    /// <summary>
    /// HTTP-function invocations ended so far: the worker answered them (completed, failed or cancelled; the logs it
    /// sent for them arrived first), or could not run them. Tests wait on it for "the app is done with that request".
    /// </summary>
    public int HttpInvocationsEnded => _forwarder?.Invocations ?? 0;

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
        WorkerRegistry.SweepOrphans();

        var workerId = Guid.NewGuid().ToString();
        _channel = new WorkerChannel(workerId, _loggerFactory.CreateLogger("Worker"), _options.OnWorkerLog);
        if (_options.ManagedIdentity is { } identity)
        {
            _identity = new ManagedIdentityEndpoint(identity, TimeProvider.System, _loggerFactory.CreateLogger("Host.ManagedIdentity"));
        }

        var (grpcUri, identityUri) = await StartInternalServerAsync(cancellationToken).ConfigureAwait(false);

        var environment = new Dictionary<string, string>(_options.Settings, StringComparer.Ordinal);
        if (_identity is not null)
        {
            environment["IDENTITY_ENDPOINT"] = new Uri(identityUri!, ManagedIdentityEndpoint.Path).AbsoluteUri;
            environment["IDENTITY_HEADER"] = _identity.Secret;
        }

        if (_options.TrustedCertificatePemFiles.Count > 0)
        {
            _trustBundle = WriteTrustBundle(_options.TrustedCertificatePemFiles);
            environment["SSL_CERT_FILE"] = _trustBundle;
        }

        _worker = WorkerProcess.Start(appDirectory, grpcUri, workerId, environment, _loggerFactory.CreateLogger("Host.Worker"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);

        await UntilWorkerAsync(_channel.Connected, "connect", timeout.Token).ConfigureAwait(false);
        var init = await UntilWorkerAsync(_channel.RequestAsync(InitRequest(appDirectory), WorkerChannel.InitKey, timeout.Token), "initialise", timeout.Token).ConfigureAwait(false);
        EnsureSuccess(init.WorkerInitResponse.Result, "WorkerInitRequest");
        if (!init.WorkerInitResponse.Capabilities.TryGetValue("HttpUri", out var httpUri) || !Uri.TryCreate(httpUri, UriKind.Absolute, out var workerHttpUri))
        {
            throw new InvalidOperationException("The worker did not declare the HttpUri capability: only workers using the ASP.NET Core integration (ConfigureFunctionsWebApplication) are supported.");
        }

        var metadata = await UntilWorkerAsync(
            _channel.RequestAsync(new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } }, WorkerChannel.MetadataKey, timeout.Token),
            "index its functions",
            timeout.Token).ConfigureAwait(false);
        EnsureSuccess(metadata.FunctionMetadataResponse.Result, "FunctionsMetadataRequest");
        if (metadata.FunctionMetadataResponse.UseDefaultMetadataIndexing)
        {
            throw new InvalidOperationException("The worker asked for host indexing (function.json files); the emulator supports worker indexing only.");
        }

        Functions = [.. metadata.FunctionMetadataResponse.FunctionMetadataResults.Select(WorkerFunction.From)];
        foreach (var function in Functions)
        {
            function.Metadata.FunctionId = function.Id;
            function.Metadata.Directory = appDirectory;
            var load = await UntilWorkerAsync(
                _channel.RequestAsync(new StreamingMessage { FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.Id, Metadata = function.Metadata } }, WorkerChannel.LoadKey(function.Id), timeout.Token),
                $"load {function.Name}",
                timeout.Token).ConfigureAwait(false);
            EnsureSuccess(load.FunctionLoadResponse.Result, $"FunctionLoadRequest for {function.Name}");
        }

        var invoker = new FunctionInvoker(_channel, Functions);
        var settings = new AppSettingResolver(_options.Settings);
        _hostStorage = HostStorage.TryCreate(settings, appDirectory, _options.TrustedCertificatePemFiles);
        if (Functions.Any(BlobTriggerExecutor.IsEventGridBlobTrigger))
        {
            var blobLogger = _loggerFactory.CreateLogger("Host.Triggers.Blob");
            if (_hostStorage is null)
            {
                Log.NoHostStorage(_logger);
            }
            else
            {
                _blobExecutor = new BlobTriggerExecutor(invoker, settings, blobLogger);
                _blobQueue = BlobTriggerQueue.Start(_hostStorage, _blobExecutor, _options.Queues, _loggerFactory.CreateLogger("Host.Queues"), _options.OnQueueMessage, _options.BeforeQueueMessage);
            }
        }

        _queueTriggers = QueueTriggers.Start(invoker, settings, HostJson.Queues(appDirectory, _options.Queues), _options, _loggerFactory.CreateLogger("Host.Triggers.Queue"));
        await StartFrontAsync(invoker, workerHttpUri, appDirectory, cancellationToken).ConfigureAwait(false);
        var timerLogger = _loggerFactory.CreateLogger("Host.Triggers.Timer");
        _timers = TimerTriggers.Start(
            invoker,
            settings,
            TimeProvider.System,
            timerLogger,
            _hostStorage is null ? null : new TimerStatusStore(_hostStorage.Blobs, _hostStorage.HostId, timerLogger));
        Log.Ready(_logger, BaseAddress, Functions.Count, _worker.Id);
        foreach (var route in HttpRoutes)
        {
            Log.Route(_logger, route);
        }

        _ = WatchAsync();
    }

    private static StreamingMessage InitRequest(string appDirectory)
    {
        var request = new WorkerInitRequest { HostVersion = HostVersion, WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        // What the host sends (GrpcWorkerChannel.GetWorkerInitRequest): MultiStream, nothing else outside V2 mode.
        request.Capabilities["MultiStream"] = "10";
        return new StreamingMessage { RequestId = Guid.NewGuid().ToString(), WorkerInitRequest = request };
    }

    private async Task<(Uri Grpc, Uri? Identity)> StartInternalServerAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_channel!);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            if (_identity is not null)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        var app = builder.Build();
        if (_identity is { } identity)
        {
            // The identity endpoint speaks HTTP/1.1 on its own port; gRPC is HTTP/2 only.
            app.MapGet(ManagedIdentityEndpoint.Path, identity.HandleAsync);
        }

        app.MapGrpcService<FunctionRpcService>();
        _internal = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        return (addresses[0], addresses.Count > 1 ? addresses[1] : null);
    }

    private async Task StartFrontAsync(FunctionInvoker invoker, Uri workerHttpUri, string appDirectory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        var bodyLimit = _options.Settings.TryGetValue("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", out var limit) && long.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : EmulatorOptions.DefaultRequestBodyLimit;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = bodyLimit;
            kestrel.Listen(_options.Listen);
        });
        var app = builder.Build();
        var routes = new HttpTriggerRoutes(invoker.Functions, HostJson.RoutePrefix(appDirectory));
        HttpRoutes = [.. routes.Describe()];
        _forwarder = new HttpFunctionForwarder(app.Services.GetRequiredService<IHttpForwarder>(), invoker, workerHttpUri, _loggerFactory.CreateLogger("Host.Http"), _options.BeforeHttpInvocation);
        var blobQueue = _blobQueue;
        var webhook = new BlobEventGridWebhook(
            blobQueue is null
                ? (_, _) => throw new InvalidOperationException($"The Blob trigger's queue needs the {HostStorage.ConnectionSetting} setting (a storage connection string).")
                : blobQueue.EnqueueAsync,
            _options.BlobsExtensionKey,
            _loggerFactory.CreateLogger("Host.Triggers.Blob"));
        var forwarder = _forwarder;
        app.Run(http =>
        {
            if (Completion.IsCompleted)
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }

            if (http.Request.Path.Equals(BlobEventGridWebhook.Path, StringComparison.OrdinalIgnoreCase))
            {
                return webhook.HandleAsync(http);
            }

            if (http.Request.Path == "/" && HttpMethods.IsGet(http.Request.Method))
            {
                return HomePage.WriteAsync(http);
            }

            if (routes.Match(http.Request) is { } function)
            {
                return _options.OnHttpResponse is { } observer ? InvokeObservedAsync(http, function, forwarder, observer) : forwarder.InvokeAsync(http, function);
            }

            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        _front = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    private static async Task InvokeObservedAsync(HttpContext http, WorkerFunction function, HttpFunctionForwarder forwarder, Action<HttpExchange> observer)
    {
        var body = http.Response.Body;
        using var tee = new ResponseTee(body);
        http.Response.Body = tee;
        bool byHost;
        try
        {
            byHost = await forwarder.InvokeAsync(http, function).ConfigureAwait(false);
        }
        finally
        {
            http.Response.Body = body;
        }

        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var headers = http.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        observer(new HttpExchange(http.Request.Method, http.Request.Path.Value ?? "/", http.Request.QueryString.Value ?? string.Empty, function.Name, http.Response.StatusCode, headers, tee.Copy.ToArray(), tee.Truncated, byHost));
    }

    private async Task WatchAsync()
    {
        var ended = await Task.WhenAny(_worker!.Exited, _channel!.Closed).ConfigureAwait(false);
        if (Volatile.Read(ref _stopping) != 0)
        {
            return;
        }

        // A dying worker's stream usually breaks before its exit is seen: give the exit a moment, for the real reason.
        await Task.WhenAny(_worker.Exited, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        if (Volatile.Read(ref _stopping) != 0)
        {
            return;
        }

        var exited = _worker.Exited.IsCompleted;
        var code = exited ? await _worker.Exited.ConfigureAwait(false) : -1;
        Log.WorkerDied(_logger, _worker.Id, exited ? $"exited with code {code}" : "closed its gRPC stream", _worker.RecentOutput);
        _completion.TrySetResult(code is > 0 and < 256 ? code : 1);
    }

    private async Task<T> UntilWorkerAsync<T>(Task<T> step, string what, CancellationToken timeout)
    {
        await UntilWorkerAsync((Task)step, what, timeout).ConfigureAwait(false);
        return await step.ConfigureAwait(false);
    }

    private async Task UntilWorkerAsync(Task step, string what, CancellationToken timeout)
    {
        var finished = await Task.WhenAny(step, _worker!.Exited, Task.Delay(Timeout.Infinite, timeout)).ConfigureAwait(false);
        if (finished == step)
        {
            await step.ConfigureAwait(false);
            return;
        }

        var reason = finished == _worker.Exited
            ? $"the worker exited with code {await _worker.Exited.ConfigureAwait(false)} before it could {what}"
            : $"the worker did not {what} within {_options.StartTimeout.TotalSeconds:0} s";
        throw new WorkerStartException($"The Functions worker did not start: {reason}. Its output:{Environment.NewLine}{_worker.RecentOutput}");
    }

    private static void EnsureSuccess(StatusResult result, string step)
    {
        if (result is null || result.Status != StatusResult.Types.Status.Success)
        {
            throw new WorkerStartException($"The worker failed {step}: {result?.Exception?.Message ?? result?.Result ?? "no result"}");
        }
    }

    private static string WriteTrustBundle(IReadOnlyList<string> pemFiles)
    {
        // The system's roots plus the extra certificates: SSL_CERT_FILE replaces the default bundle.
        var path = Path.Combine(Path.GetTempPath(), $"uploads-emulator-trust-{Guid.NewGuid():N}.pem");
        using var bundle = File.CreateText(path);
        var system = Environment.GetEnvironmentVariable("SSL_CERT_FILE") is { Length: > 0 } current && File.Exists(current) ? current : "/etc/ssl/certs/ca-certificates.crt";
        if (File.Exists(system))
        {
            bundle.WriteLine(File.ReadAllText(system));
        }

        foreach (var pem in pemFiles)
        {
            bundle.WriteLine(File.ReadAllText(pem));
        }

        return path;
    }

    /// <summary>Sends WorkerTerminate, waits the grace period, kills the worker, stops the servers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

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

        if (_channel is not null && _worker is not null && !_worker.Exited.IsCompleted)
        {
            try
            {
                _channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(_options.TerminateGracePeriod) } });
            }
            catch (WorkerUnavailableException)
            {
                // The stream is gone: the worker is killed below.
            }

            await _worker.StopAsync(_options.TerminateGracePeriod).ConfigureAwait(false);
        }

        if (_worker is not null)
        {
            await _worker.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var app in new[] { _front, _internal })
        {
            if (app is not null)
            {
                using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await app.StopAsync(stopTimeout.Token).ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }

        _forwarder?.Dispose();
        _hostStorage?.Dispose();
        if (_trustBundle is not null)
        {
            File.Delete(_trustBundle);
        }

        _completion.TrySetResult(0);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7004, EventName = "EmulatorReady", Level = LogLevel.Information, Message = "Functions host emulator on {BaseAddress}: {Count} functions loaded in worker {ProcessId}")]
        public static partial void Ready(ILogger logger, Uri baseAddress, int count, int processId);

        [LoggerMessage(EventId = 7005, EventName = "EmulatorRoute", Level = LogLevel.Information, Message = "  {Route}")]
        public static partial void Route(ILogger logger, string route);

        [LoggerMessage(EventId = 7007, EventName = "NoHostStorage", Level = LogLevel.Error, Message = "AzureWebJobsStorage is not set (a storage connection string): the Blob trigger's queue cannot be used, and its webhook answers 500")]
        public static partial void NoHostStorage(ILogger logger);

        [LoggerMessage(EventId = 7006, EventName = "WorkerDied", Level = LogLevel.Critical, Message = "The worker process {ProcessId} {What}. Its last output:\n{Output}")]
        public static partial void WorkerDied(ILogger logger, int processId, string what, string output);
    }
}

/// <summary>The worker did not connect, initialise or load its functions.</summary>
public sealed class WorkerStartException : Exception
{
    public WorkerStartException() { }

    public WorkerStartException(string message) : base(message) { }

    public WorkerStartException(string message, Exception innerException) : base(message, innerException) { }
}
