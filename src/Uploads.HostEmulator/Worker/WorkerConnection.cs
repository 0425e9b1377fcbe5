using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Identity;
using Uploads.HostEmulator.Rpc;

namespace Uploads.HostEmulator.Worker;

/// <summary>
/// The worker process and its gRPC channel, as the host launches and keeps them: an internal server for the worker's
/// <c>EventStream</c> (HTTP/2) and, optionally, the platform's managed-identity endpoint (HTTP/1.1 on its own port);
/// the worker started with the app settings as its environment (plus <c>IDENTITY_ENDPOINT</c>/<c>IDENTITY_HEADER</c>
/// and a trust bundle in <c>SSL_CERT_FILE</c>); StartStream awaited, then WorkerInitRequest, which must declare the
/// <c>HttpUri</c> capability. Every start-up step gives up, with the worker's output, when the worker exits or the
/// start timeout passes. Disposing sends WorkerTerminate, waits the grace period, kills the worker and stops the server.
/// </summary>
internal sealed partial class WorkerConnection : IAsyncDisposable
{
    private readonly EmulatorOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private WebApplication? _server;
    private WorkerProcess? _process;
    private ManagedIdentityEndpoint? _identity;
    private string? _trustBundle;

    public WorkerConnection(EmulatorOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Host.Emulator");
        Channel = new WorkerChannel(Guid.NewGuid().ToString(), loggerFactory.CreateLogger("Worker"), options.OnWorkerLog);
    }

    public WorkerChannel Channel { get; }

    /// <summary>The worker's own HTTP server (its <c>HttpUri</c> capability), known once initialised.</summary>
    public Uri HttpUri { get; private set; } = null!;

    public int ProcessId => _process?.Id ?? 0;

    /// <summary>The worker's recent stdout/stderr.</summary>
    public string RecentOutput => _process?.RecentOutput ?? string.Empty;

    public int ManagedIdentityTokensIssued => _identity?.TokensIssued ?? 0;

    /// <summary>Serves the channel (and the identity endpoint) and starts the worker process.</summary>
    public async Task LaunchAsync(string appDirectory, CancellationToken cancellationToken)
    {
        if (_options.ManagedIdentity is { } identity)
        {
            _identity = new ManagedIdentityEndpoint(identity, TimeProvider.System, _loggerFactory.CreateLogger("Host.ManagedIdentity"));
        }

        var (grpcUri, identityUri) = await StartServerAsync(cancellationToken).ConfigureAwait(false);
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

        _process = WorkerProcess.Start(appDirectory, grpcUri, Channel.WorkerId, environment, _loggerFactory.CreateLogger("Host.Worker"));
    }

    /// <summary>Waits for the worker's stream, then initialises it: it must declare <c>HttpUri</c> (the ASP.NET Core integration).</summary>
    public async Task InitialiseAsync(string appDirectory, CancellationToken timeout)
    {
        await UntilWorkerAsync(Channel.Connected, "connect", timeout).ConfigureAwait(false);
        var init = await RequestAsync(InitRequest(appDirectory), WorkerChannel.InitKey, "initialise", "WorkerInitRequest", timeout).ConfigureAwait(false);
        if (!init.WorkerInitResponse.Capabilities.TryGetValue("HttpUri", out var httpUri) || !Uri.TryCreate(httpUri, UriKind.Absolute, out var workerHttpUri))
        {
            throw new InvalidOperationException("The worker did not declare the HttpUri capability: only workers using the ASP.NET Core integration (ConfigureFunctionsWebApplication) are supported.");
        }

        HttpUri = workerHttpUri;
    }

    /// <summary>
    /// Sends a start-up request and returns the worker's answer, which must report success (its <c>result</c>);
    /// <paramref name="what"/> names the step for "before it could …", <paramref name="step"/> for "failed …".
    /// </summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage request, string key, string what, string step, CancellationToken timeout)
    {
        var answer = await UntilWorkerAsync(Channel.RequestAsync(request, key, timeout), what, timeout).ConfigureAwait(false);
        var result = answer.ContentCase switch
        {
            StreamingMessage.ContentOneofCase.WorkerInitResponse => answer.WorkerInitResponse.Result,
            StreamingMessage.ContentOneofCase.FunctionMetadataResponse => answer.FunctionMetadataResponse.Result,
            StreamingMessage.ContentOneofCase.FunctionLoadResponse => answer.FunctionLoadResponse.Result,
            _ => null,
        };
        if (result is null || result.Status != StatusResult.Types.Status.Success)
        {
            throw new WorkerStartException($"The worker failed {step}: {result?.Exception?.Message ?? result?.Result ?? "no result"}");
        }

        return answer;
    }

    /// <summary>
    /// Completes when the worker exits or its stream breaks, with the exit code to report (1 when the code is none a
    /// process could exit with); null when <paramref name="stopping"/> said the emulator is stopping it.
    /// </summary>
    public async Task<int?> LostAsync(Func<bool> stopping)
    {
        ArgumentNullException.ThrowIfNull(stopping);
        var process = _process!;
        await Task.WhenAny(process.Exited, Channel.Closed).ConfigureAwait(false);
        if (stopping())
        {
            return null;
        }

        // A dying worker's stream usually breaks before its exit is seen: give the exit a moment, for the real reason.
        await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        if (stopping())
        {
            return null;
        }

        var exited = process.Exited.IsCompleted;
        var code = exited ? await process.Exited.ConfigureAwait(false) : -1;
        Log.WorkerDied(_logger, process.Id, exited ? $"exited with code {code}" : "closed its gRPC stream", process.RecentOutput);
        return code is > 0 and < 256 ? code : 1;
    }

    /// <summary>Sends WorkerTerminate, waits the grace period and kills the worker if it is still running.</summary>
    public async Task TerminateAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.Exited.IsCompleted)
        {
            try
            {
                Channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(_options.TerminateGracePeriod) } });
            }
            catch (WorkerUnavailableException)
            {
                // The stream is gone: the worker is killed below.
            }

            await _process.StopAsync(_options.TerminateGracePeriod).ConfigureAwait(false);
        }

        await _process.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the channel's server and removes the trust bundle (call <see cref="TerminateAsync"/> first).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _server.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        if (_trustBundle is not null)
        {
            File.Delete(_trustBundle);
        }
    }

    private static StreamingMessage InitRequest(string appDirectory)
    {
        var request = new WorkerInitRequest { HostVersion = FunctionsHostEmulator.HostVersion, WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        // What the host sends (GrpcWorkerChannel.GetWorkerInitRequest): MultiStream, nothing else outside V2 mode.
        request.Capabilities["MultiStream"] = "10";
        return new StreamingMessage { RequestId = Guid.NewGuid().ToString(), WorkerInitRequest = request };
    }

    private async Task<(Uri Grpc, Uri? Identity)> StartServerAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Channel);
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
        _server = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        return (addresses[0], addresses.Count > 1 ? addresses[1] : null);
    }

    private async Task<T> UntilWorkerAsync<T>(Task<T> step, string what, CancellationToken timeout)
    {
        await UntilWorkerAsync((Task)step, what, timeout).ConfigureAwait(false);
        return await step.ConfigureAwait(false);
    }

    private async Task UntilWorkerAsync(Task step, string what, CancellationToken timeout)
    {
        var process = _process!;
        var finished = await Task.WhenAny(step, process.Exited, Task.Delay(Timeout.Infinite, timeout)).ConfigureAwait(false);
        if (finished == step)
        {
            await step.ConfigureAwait(false);
            return;
        }

        var reason = finished == process.Exited
            ? $"the worker exited with code {await process.Exited.ConfigureAwait(false)} before it could {what}"
            : $"the worker did not {what} within {_options.StartTimeout.TotalSeconds:0} s";
        throw new WorkerStartException($"The Functions worker did not start: {reason}. Its output:{Environment.NewLine}{process.RecentOutput}");
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 7006, EventName = "WorkerDied", Level = LogLevel.Critical, Message = "The worker process {ProcessId} {What}. Its last output:\n{Output}")]
        public static partial void WorkerDied(ILogger logger, int processId, string what, string output);
    }
}
