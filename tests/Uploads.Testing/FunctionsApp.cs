using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Queues;
using Uploads.HostEmulator.Worker;
using Uploads.Policy;

namespace Uploads.Testing;

/// <summary>
/// The app as users deploy it: the BUILT <c>Uploads.Functions</c> worker, started and driven over the Functions
/// gRPC protocol by the repository's host emulator, against a real Azurite. In
/// <see cref="AzuriteMode.OAuthHttps"/> the worker uses the production connection (identity-based,
/// <c>credential=managedidentity</c>) and gets its tokens from the emulator's managed-identity endpoint, so upload
/// URLs are user-delegation SAS; in <see cref="AzuriteMode.SharedKey"/> it uses Azurite's connection string.
/// </summary>
public sealed class FunctionsApp : IAsyncDisposable
{
    /// <summary>The user-assigned identity's client id the app is configured with (any id: the emulator answers for it).</summary>
    public const string IdentityClientId = "6e1f3f5c-1d7a-4c55-9b0e-0a7d3b1c2e90";

    /// <summary>The webhook key of the Blob trigger in tests.</summary>
    public const string BlobsExtensionKey = EmulatorOptions.DefaultBlobsExtensionKey;

    private static readonly ConcurrentDictionary<FunctionsApp, byte> Running = new();

    private readonly ILoggerFactory _loggers;
    private readonly MemoryLog _hostLog;
    private readonly ConcurrentQueue<string> _violations;

    private FunctionsApp(FunctionsHostEmulator emulator, ILoggerFactory loggers, MemoryLog hostLog, ConcurrentQueue<WorkerLogEntry> workerLogs, ConcurrentQueue<string> violations, ConcurrentQueue<QueueMessageOutcome> queueOutcomes)
    {
        Emulator = emulator;
        QueueOutcomes = queueOutcomes;
        _loggers = loggers;
        _hostLog = hostLog;
        WorkerLogs = workerLogs;
        _violations = violations;
    }

    public FunctionsHostEmulator Emulator { get; }

    /// <summary>Where the API listens, e.g. http://127.0.0.1:41234 (the guide's API_BASE).</summary>
    public Uri BaseAddress => Emulator.BaseAddress;

    /// <summary>Every try of a message of the host's queues (the Blob trigger's), in order: what ran from the queue and how it ended.</summary>
    public ConcurrentQueue<QueueMessageOutcome> QueueOutcomes { get; }

    /// <summary>Every log the worker sent over the protocol, in order.</summary>
    public ConcurrentQueue<WorkerLogEntry> WorkerLogs { get; }

    /// <summary>
    /// Answers of the app so far that docs/openapi.json (or the contract the app was started with) does not allow.
    /// <see cref="CheckOpenApiContractAttribute"/> fails the test during which one arrived, and disposing the app throws
    /// <see cref="OpenApiContractException"/> when any is left, so every test that talks to the API, through any client
    /// (HttpClient, the library, the CLI, Python, a browser), fails on a breach. With tests running in parallel, a
    /// breach fails the test that finishes first after it; the message names the request.
    /// </summary>
    public IReadOnlyCollection<string> ContractViolations => _violations;

    /// <summary>
    /// Takes the violations of every app still running (<see cref="CheckOpenApiContractAttribute"/> calls it after each
    /// test, so the test during which a breaching answer was sent fails, not only the fixture's clean-up).
    /// </summary>
    public static IReadOnlyList<string> TakeAllContractViolations() => [.. Running.Keys.SelectMany(app => app.TakeContractViolations())];

    /// <summary>Returns and forgets the violations seen so far (a test that provokes one on purpose takes it).</summary>
    public IReadOnlyList<string> TakeContractViolations()
    {
        var taken = new List<string>();
        while (_violations.TryDequeue(out var violation))
        {
            taken.Add(violation);
        }

        return taken;
    }

    /// <summary>The emulator's own recent log lines (worker output included), for failure messages.</summary>
    public string HostLog => _hostLog.ToString();

    /// <summary>The worker's build output next to the tests' configuration (Release in CI).</summary>
    public static string AppDirectory => Path.GetDirectoryName(BuildOutput.Of("Uploads.Functions", "worker.config.json"))!;

    /// <summary>The built host emulator.</summary>
    public static string EmulatorAssembly => BuildOutput.Of("Uploads.HostEmulator", "Uploads.HostEmulator.dll");

    /// <summary>The app settings for <paramref name="azurite"/> in its mode, before <c>extra</c> ones are applied.</summary>
    public static Dictionary<string, string> StorageSettings(AzuriteInstance azurite)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["Uploads__ContainerName"] = "uploads",
            ["Uploads__QuarantineContainerName"] = "quarantine",
            ["Uploads__CreateContainers"] = "true",
            // The reconciliation timer must be scheduled (the function is in error otherwise); tests that exercise
            // it set a schedule of seconds, the others leave it at 1 January so that it never runs during them.
            ["Verification__ReconcileSchedule"] = "0 0 0 1 1 *",
            // The host's own storage: the Blob trigger's queue (Azurite's queue service when started with it) and
            // the timers' schedule status. Account key, as local.settings.json's UseDevelopmentStorage=true.
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            // As the template with malware scanning off: its results function does not listen (ScanningApiHost turns it on).
            ["AzureWebJobs.ReceiveMalwareScanResult.Disabled"] = "true",
        };
        if (azurite.Mode == AzuriteMode.OAuthHttps)
        {
            settings["UploadStorage__blobServiceUri"] = azurite.BlobServiceUri.ToString();
            settings["UploadStorage__credential"] = "managedidentity";
            settings["UploadStorage__clientId"] = IdentityClientId;
        }
        else
        {
            settings["UploadStorage"] = azurite.ConnectionString;
            settings["Uploads__AllowHttpUploadUrls"] = "true";
        }

        return settings;
    }

    /// <summary>Starts the worker through the emulator on a free loopback port.</summary>
    /// <param name="settings">App settings (see <see cref="StorageSettings"/>); a null value removes a setting.</param>
    /// <param name="waitUntilServing">Return only once the API answers other than 503 (see <see cref="WaitUntilServingAsync"/>).</param>
    /// <param name="contract">What every answer is checked against: <see cref="OpenApiContract.Committed"/> when null (then also after each test, see <see cref="TakeAllContractViolations"/>).</param>
    /// <param name="checkContract">False only where answers are timed (benchmarks): then nothing is copied or checked.</param>
    /// <param name="beforeHttpInvocation">See <see cref="EmulatorOptions.BeforeHttpInvocation"/> (fault tests).</param>
    /// <param name="beforeQueueMessage">See <see cref="EmulatorOptions.BeforeQueueMessage"/> (tests that hold the queue).</param>
    public static async Task<FunctionsApp> StartAsync(AzuriteInstance azurite, IEnumerable<KeyValuePair<string, string?>> settings, int port = 0, bool waitUntilServing = true, OpenApiContract? contract = null, bool checkContract = true, Func<string, CancellationToken, Task>? beforeHttpInvocation = null, Func<string, string, CancellationToken, Task>? beforeQueueMessage = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        ArgumentNullException.ThrowIfNull(settings);
        var values = StorageSettings(azurite);
        foreach (var (name, value) in settings)
        {
            if (value is null)
            {
                values.Remove(name);
            }
            else
            {
                values[name] = value;
            }
        }

        var hostLog = new MemoryLog(5000);
        var loggers = LoggerFactory.Create(logging => logging.AddProvider(hostLog).SetMinimumLevel(LogLevel.Information));
        var workerLogs = new ConcurrentQueue<WorkerLogEntry>();
        var violations = new ConcurrentQueue<string>();
        var queueOutcomes = new ConcurrentQueue<QueueMessageOutcome>();
        var checkedAgainst = checkContract ? contract ?? OpenApiContract.Committed : null;
        var options = new EmulatorOptions
        {
            AppDirectory = AppDirectory,
            Settings = values,
            Listen = new IPEndPoint(IPAddress.Loopback, port),
            BlobsExtensionKey = BlobsExtensionKey,
            ManagedIdentity = azurite.Mode == AzuriteMode.OAuthHttps ? new ManagedIdentityOptions() : null,
            TrustedCertificatePemFiles = azurite.CertificatePemPath is { } pem ? [pem] : [],
            OnWorkerLog = workerLogs.Enqueue,
            BeforeHttpInvocation = beforeHttpInvocation,
            BeforeQueueMessage = beforeQueueMessage,
            OnQueueMessage = queueOutcomes.Enqueue,
            OnHttpResponse = checkedAgainst is null ? null : exchange =>
            {
                try
                {
                    foreach (var violation in checkedAgainst.Check(exchange))
                    {
                        violations.Enqueue(violation);
                    }
                }
#pragma warning disable CA1031 // whatever the checker throws is recorded: the test fails, and the emulator's answer is not broken
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    // A document the checker cannot apply is a failure too, never a silent pass.
                    violations.Enqueue($"{exchange.Method} {exchange.Path} -> {exchange.StatusCode}: the document could not be applied: {ex}");
                }
            },
        };
        try
        {
            var emulator = await FunctionsHostEmulator.StartAsync(options, loggers, cancellationToken).ConfigureAwait(false);
            var app = new FunctionsApp(emulator, loggers, hostLog, workerLogs, violations, queueOutcomes);
            if (checkContract && contract is null)
            {
                // Checked after every test; an app given its own contract (a test breaching one on purpose) reports
                // only through its own TakeContractViolations and DisposeAsync, so no other test takes its breaches.
                Running[app] = 0;
            }
            try
            {
                if (waitUntilServing)
                {
                    await app.WaitUntilServingAsync(cancellationToken).ConfigureAwait(false);
                }

                return app;
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            loggers.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits until the worker's start-up reached storage: until then every API request is a 503 (the worker answers
    /// at once, its warm-up runs in the background). Polls an unauthenticated request, which is 401 once serving.
    /// </summary>
    public async Task WaitUntilServingAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.UntilAsync(
            async ct =>
            {
                using var response = await http.GetAsync(new Uri(HttpRoutes.StatusPath, UriKind.Relative), ct).ConfigureAwait(false);
                return response.StatusCode != HttpStatusCode.ServiceUnavailable;
            },
            TimeSpan.FromSeconds(90),
            $"the app on {BaseAddress} to answer other than 503 (its start-up to reach storage). Host log:{Environment.NewLine}{HostLog}",
            TimeSpan.FromMilliseconds(100),
            cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>Set <c>UPLOADS_EMULATOR_LOG_DIR</c> to a folder to keep each emulator's log there.</remarks>
    /// <exception cref="OpenApiContractException">An answer of the app broke the OpenAPI document (after everything is stopped).</exception>
    public async ValueTask DisposeAsync()
    {
        Running.TryRemove(this, out _);
        await Emulator.DisposeAsync().ConfigureAwait(false);
        _loggers.Dispose();
        if (Environment.GetEnvironmentVariable("UPLOADS_EMULATOR_LOG_DIR") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, $"emulator-{Emulator.WorkerProcessId}.log"), HostLog).ConfigureAwait(false);
        }

        if (TakeContractViolations() is { Count: > 0 } violations)
        {
            throw new OpenApiContractException(violations);
        }
    }

    /// <summary>Keeps the last lines logged, for diagnostics.</summary>
    private sealed class MemoryLog(int capacity) : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        public override string ToString() => string.Join(Environment.NewLine, _lines);

        private void Add(string line)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity && _lines.TryDequeue(out _))
            {
            }
        }

        private sealed class Logger(MemoryLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                log.Add($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
        }
    }
}

/// <summary>Answers of the app that docs/openapi.json does not allow (see <see cref="FunctionsApp.ContractViolations"/>).</summary>
public sealed class OpenApiContractException : Exception
{
    public OpenApiContractException() { }

    public OpenApiContractException(string message) : base(message) { }

    public OpenApiContractException(string message, Exception innerException) : base(message, innerException) { }

    public OpenApiContractException(IReadOnlyList<string> violations)
        : base($"{violations?.Count} answer(s) of the app broke docs/openapi.json:{Environment.NewLine}{string.Join(Environment.NewLine, violations ?? [])}")
    {
    }
}
