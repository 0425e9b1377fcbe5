using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Uploads.Core.Security;
using Uploads.Testing;

namespace Uploads.Benchmarks.Support;

/// <summary>
/// The app as deployed, for the HTTP modes: the BUILT worker (<c>src/Uploads.Functions/bin/&lt;configuration&gt;/net10.0</c>)
/// in a process of its own, run by the repository's host emulator through <see cref="FunctionsApp"/> (gRPC, HTTP
/// forwarding, and in <see cref="AzuriteMode.OAuthHttps"/> the managed-identity endpoint the worker's identity-based
/// connection gets its tokens from), against a real Azurite. Everything the worker runs with is set here: the storage
/// settings of <see cref="FunctionsApp.StorageSettings"/>, one API key minted per start (only its hash is configured),
/// containers created beforehand as the deployment template does (so the worker's start-up makes no Create Container),
/// production environment, and optionally the GC. No <c>local.settings.json</c> is read: the emulator passes exactly
/// these settings as the worker's environment (on top of this process's environment, which the child inherits).
/// The emulator runs inside this process: <see cref="WorkerProcessId"/> is the server process the modes measure.
/// </summary>
internal sealed class WorkerUnderTest : IAsyncDisposable
{
    public const string ClientId = "bench";

    /// <summary>The upload-URL request every HTTP mode sends (the in-process modes issue the same one).</summary>
    public const string UrlRequestJson = """{"filename":"quarterly report.pdf","contentType":"application/pdf","sizeBytes":123456}""";

    private static readonly byte[] UrlRequestBytes = Encoding.UTF8.GetBytes(UrlRequestJson);

    private WorkerUnderTest(FunctionsApp app, string apiKey, string gc)
    {
        App = app;
        ApiKey = apiKey;
        Gc = gc;
    }

    public FunctionsApp App { get; }

    public string ApiKey { get; }

    /// <summary>The worker's GC, and where that comes from.</summary>
    public string Gc { get; }

    /// <summary>The worker process (<c>dotnet Uploads.Functions.dll</c>): the server whose CPU and memory are reported.</summary>
    public int WorkerProcessId => App.Emulator.WorkerProcessId;

    /// <summary>True once the worker died or its stream broke (the emulator then answers 503 to everything).</summary>
    public bool WorkerGone => App.Emulator.Completion.IsCompleted;

    /// <summary>Creates the app's two containers with the account key, as the deployment template does in Azure.</summary>
    public static async Task CreateContainersAsync(AzuriteInstance azurite)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        await azurite.CreateContainerAsync("uploads").ConfigureAwait(false);
        await azurite.CreateContainerAsync("quarantine").ConfigureAwait(false);
    }

    /// <summary>Starts emulator and worker and waits until the worker's start-up reached storage (no more 503).</summary>
    /// <param name="gcServer">null: the worker's own GC (its runtimeconfig); true/false: <c>DOTNET_gcServer</c> 1/0.</param>
    /// <param name="port">The emulator's HTTP front; 0 picks a free one.</param>
    public static async Task<WorkerUnderTest> StartAsync(AzuriteInstance azurite, string apiKey, bool? gcServer = null, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [$"ApiKeys__Clients__{ClientId}"] = ApiKeyMinter.HashOf(apiKey),
            ["Uploads__CreateContainers"] = "false",
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
        };
        if (gcServer is { } server)
        {
            settings["DOTNET_gcServer"] = server ? "1" : "0";
        }

        var app = await FunctionsApp.StartAsync(azurite, settings, port, checkContract: false).ConfigureAwait(false);
        return new WorkerUnderTest(app, apiKey, DescribeGc(gcServer));
    }

    /// <summary>Starts with a freshly minted key.</summary>
    public static Task<WorkerUnderTest> StartAsync(AzuriteInstance azurite, bool? gcServer = null) =>
        StartAsync(azurite, ApiKeyMinter.Mint().Key, gcServer);

    /// <summary>A free loopback port (probed, then released: another process could take it in between).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A client of the emulator's HTTP front with this run's key. The caller owns it.</summary>
    public HttpClient CreateClient(TimeSpan timeout) => CreateClient(App.BaseAddress, ApiKey, timeout);

    public static HttpClient CreateClient(Uri baseAddress, string apiKey, TimeSpan timeout)
    {
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) }, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            Timeout = timeout,
        };
        http.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        return http;
    }

    /// <summary>A fresh body of the upload-URL request (content objects are not shared between concurrent sends).</summary>
    public static HttpContent UrlRequestBody()
    {
        var content = new ByteArrayContent(UrlRequestBytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public ProcessMemory WorkerMemory() => ProcFs.Memory(WorkerProcessId);

    public double WorkerCpuSeconds() => ProcFs.CpuSeconds(WorkerProcessId);

    /// <summary>Drops the worker logs collected so far (every invocation logs one line); returns how many there were.</summary>
    public int DrainWorkerLogs()
    {
        var count = 0;
        while (App.WorkerLogs.TryDequeue(out _))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// The emulator's last lines about failures (worker output included): a failed invocation, a failed forwarding, the
    /// worker's errors; for a failure note.
    /// </summary>
    public string FailureLog(int lines = 20)
    {
        var failures = App.HostLog.Split(Environment.NewLine)
            .Where(line => line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("Exception", StringComparison.Ordinal))
            .TakeLast(lines)
            .ToList();
        return failures.Count == 0 ? "(no failure logged)" : Environment.NewLine + string.Join(Environment.NewLine, failures.Select(line => "    " + line));
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();

    private static string DescribeGc(bool? gcServer)
    {
        if (gcServer is { } server)
        {
            return server ? "server (DOTNET_gcServer=1)" : "workstation (DOTNET_gcServer=0)";
        }

        if (Environment.GetEnvironmentVariable("DOTNET_gcServer") is { Length: > 0 } inherited)
        {
            return string.Create(CultureInfo.InvariantCulture, $"DOTNET_gcServer={inherited} (inherited)");
        }

        var config = Path.Combine(FunctionsApp.AppDirectory, "Uploads.Functions.runtimeconfig.json");
        return File.Exists(config) && File.ReadAllText(config, Encoding.UTF8).Contains("\"System.GC.Server\": true", StringComparison.Ordinal)
            ? "server (runtimeconfig)"
            : "workstation (runtimeconfig default)";
    }
}
