using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Uploads.Testing;

/// <summary>
/// A real Azurite blob service (npm package <c>azurite</c>, pinned in <c>tests/tools/package-lock.json</c>) started for
/// one test fixture: its own loopback port, its own temporary workspace, and in <see cref="AzuriteMode.OAuthHttps"/>
/// its own self-signed certificate. Disposing it kills the process tree and deletes the workspace.
/// </summary>
/// <remarks>
/// <para>Azurite listens on port 0 (the OS picks a free port) and prints the port it got; nothing is probed or
/// reserved beforehand, so there is no race between picking a port and binding it.</para>
/// <para>Arguments: <c>--disableTelemetry</c>; <c>--silent</c> (no access log on stdout); <c>--skipApiVersionCheck</c>
/// so that an SDK newer than Azurite (the .NET SDK, or Debian's Python SDK) is not refused with "API version not
/// supported" (it changes nothing about authentication or SAS checks). <c>--loose</c> is NOT passed: strict mode
/// makes Azurite refuse headers and SAS fields it does not implement instead of silently ignoring them, which is
/// what a test of a security boundary needs.</para>
/// <para>Node runs Azurite with <c>tests/tools/exit-with-parent.cjs</c> preloaded: Azurite exits when this process's
/// end of its stdin pipe closes, so even a killed test run leaves no node process behind.</para>
/// <para>Set <c>UPLOADS_AZURITE_DEBUG_DIR</c> to a folder to get Azurite's debug log (it explains every 403) there.</para>
/// </remarks>
public sealed partial class AzuriteInstance : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known (public) development account key.</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Generous: on a busy 2-core machine with several fixtures starting at once node alone takes seconds.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private const string WorkspacePrefix = "uploads-azurite-";
    private const string OwnerFile = "owner.pid";

    private readonly Process _process;
    private readonly string _location;
    private readonly OutputTail _output;
    private readonly HttpClient _sdkHttpClient;
    private readonly byte[]? _pinnedCertificateHash;
    private int _disposed;

    private AzuriteInstance(
        AzuriteMode mode,
        Process process,
        string location,
        OutputTail output,
        Uri blobServiceUri,
        Uri? queueServiceUri,
        X509Certificate2? certificate,
        string? certificatePemPath)
    {
        Mode = mode;
        QueueServiceUri = queueServiceUri;
        _process = process;
        _location = location;
        _output = output;
        BlobServiceUri = blobServiceUri;
        Certificate = certificate;
        CertificatePemPath = certificatePemPath;
        _pinnedCertificateHash = certificate?.GetCertHash(HashAlgorithmName.SHA256);
        _sdkHttpClient = new HttpClient(CreateHttpMessageHandler(), disposeHandler: true);
        ConnectionString = string.Create(
            CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol={blobServiceUri.Scheme};AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={blobServiceUri.AbsoluteUri};")
            + (queueServiceUri is null ? string.Empty : $"QueueEndpoint={queueServiceUri.AbsoluteUri};");
    }

    /// <summary>The mode this instance was started in.</summary>
    public AzuriteMode Mode { get; }

    /// <summary>The blob service endpoint: <c>http(s)://127.0.0.1:PORT/devstoreaccount1</c> (path-style account).</summary>
    public Uri BlobServiceUri { get; }

    /// <summary>
    /// The queue service endpoint (what the Functions host keeps its queues in, as <c>AzureWebJobsStorage</c>), when
    /// started <c>withQueueService</c>; else null.
    /// </summary>
    public Uri? QueueServiceUri { get; }

    /// <summary>The loopback port Azurite listens on.</summary>
    public int Port => BlobServiceUri.Port;

    /// <summary>
    /// A connection string with the development account key and an explicit <c>BlobEndpoint</c> (and <c>QueueEndpoint</c>
    /// with the queue service). Also valid in
    /// <see cref="AzuriteMode.OAuthHttps"/> (Azurite accepts shared key there too); over HTTPS a client still needs
    /// <see cref="CreateBlobClientOptions"/> to trust the certificate.
    /// </summary>
    public string ConnectionString { get; }

    /// <summary><c>devstoreaccount1</c>.</summary>
    public string AccountName { get; } = DevelopmentAccountName;

    /// <summary>The development account key.</summary>
    public string AccountKey { get; } = DevelopmentAccountKey;

    /// <summary>The instance's self-signed certificate (no private key); null in <see cref="AzuriteMode.SharedKey"/>.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>
    /// PEM file of the instance's certificate, for clients that take a CA bundle (Python: <c>REQUESTS_CA_BUNDLE</c>
    /// for requests and the Azure SDK, <c>SSL_CERT_FILE</c> for aiohttp/ssl); null in <see cref="AzuriteMode.SharedKey"/>.
    /// </summary>
    public string? CertificatePemPath { get; }

    /// <summary>
    /// A token credential Azurite accepts in <see cref="AzuriteMode.OAuthHttps"/> (Azurite refuses bearer tokens over HTTP).
    /// One per instance, so <see cref="LocalJwtCredential.TokensIssued"/> counts what was fetched from it.
    /// </summary>
    public LocalJwtCredential Credential { get; } = new();

    /// <summary>The node process id (for tests of the infrastructure itself).</summary>
    public int ProcessId => _process.Id;

    /// <summary>How long the start took, until Azurite answered a real request.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Starts Azurite's blob service and waits until it answers a real, authenticated request.</summary>
    /// <exception cref="InvalidOperationException">
    /// Azurite is not installed (run <c>npm ci --prefix tests/tools</c>), node is missing, or Azurite did not start
    /// (the message includes its output).
    /// </exception>
    public static Task<AzuriteInstance> StartAsync(AzuriteMode mode, CancellationToken ct = default) => StartAsync(mode, withQueueService: false, ct);

    /// <summary>
    /// Starts Azurite's blob service, and with <paramref name="withQueueService"/> its queue (and table) service too, in
    /// one process (what the Functions host needs as <c>AzureWebJobsStorage</c>), each on a free port; waits until the
    /// blob service answers a real, authenticated request.
    /// </summary>
    /// <exception cref="InvalidOperationException">See <see cref="StartAsync(AzuriteMode, CancellationToken)"/>.</exception>
    public static async Task<AzuriteInstance> StartAsync(AzuriteMode mode, bool withQueueService, CancellationToken ct = default)
    {
        var started = Stopwatch.StartNew();
        var tools = Path.Combine(RepositoryRoot.Find(), "tests", "tools");
        var script = FindAzuriteScript(tools, withQueueService ? "azurite" : "azurite-blob", withQueueService ? "azurite.js" : Path.Combine("blob", "main.js"));
        var preload = Path.Combine(tools, "exit-with-parent.cjs");

        SweepAbandonedWorkspaces();
        var location = Directory.CreateTempSubdirectory(WorkspacePrefix).FullName;
        File.WriteAllText(Path.Combine(location, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        X509Certificate2? certificate = null;
        string? certificatePemPath = null;
        Process? process = null;
        var handedOver = false;
        try
        {
            var startInfo = new ProcessStartInfo(NodeExecutable())
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = location,
            };
            // Custom accounts from the environment would replace devstoreaccount1.
            startInfo.Environment.Remove("AZURITE_ACCOUNTS");
            foreach (var argument in new[]
            {
                "--require", preload, script,
                "--blobHost", "127.0.0.1",
                "--blobPort", "0",
                "--location", location,
                "--disableTelemetry",
                "--silent",
                "--skipApiVersionCheck",
            })
            {
                startInfo.ArgumentList.Add(argument);
            }

            if (withQueueService)
            {
                foreach (var argument in new[] { "--queueHost", "127.0.0.1", "--queuePort", "0", "--tableHost", "127.0.0.1", "--tablePort", "0" })
                {
                    startInfo.ArgumentList.Add(argument);
                }
            }

            if (mode == AzuriteMode.OAuthHttps)
            {
                (certificate, certificatePemPath, var keyPemPath) = SelfSignedCertificate.CreatePemFiles(location);
                foreach (var argument in new[] { "--oauth", "basic", "--cert", certificatePemPath, "--key", keyPemPath })
                {
                    startInfo.ArgumentList.Add(argument);
                }

                // Azurite fetches a copy source (Copy Blob from a SAS URL) over HTTPS itself: let its node trust
                // exactly this instance's certificate, as a real account trusts its own endpoint.
                startInfo.Environment["NODE_EXTRA_CA_CERTS"] = certificatePemPath;
            }

            var debugDirectory = Environment.GetEnvironmentVariable("UPLOADS_AZURITE_DEBUG_DIR");
            if (!string.IsNullOrWhiteSpace(debugDirectory))
            {
                Directory.CreateDirectory(debugDirectory);
                startInfo.ArgumentList.Add("--debug");
                startInfo.ArgumentList.Add(Path.Combine(debugDirectory, $"azurite-{mode}-{Path.GetFileName(location)}.log"));
            }

            var output = new OutputTail();
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var queueListening = new TaskCompletionSource<Uri?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!withQueueService)
            {
                queueListening.TrySetResult(null);
            }

            process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                output.Add(e.Data);
                var match = ListeningLine().Match(e.Data);
                if (match.Success)
                {
                    var endpoint = new Uri($"{match.Groups["endpoint"].Value}/{DevelopmentAccountName}");
                    _ = match.Groups["service"].Value == "Queue" ? queueListening.TrySetResult(endpoint) : listening.TrySetResult(endpoint);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    output.Add("stderr: " + e.Data);
                }
            };
            process.Exited += (_, _) =>
            {
                listening.TrySetException(new InvalidOperationException("Azurite exited before it listened."));
                queueListening.TrySetException(new InvalidOperationException("Azurite exited before it listened."));
            };

            try
            {
                process.Start();
            }
            catch (Win32Exception exception)
            {
                throw new InvalidOperationException(
                    $"Could not start node ('{startInfo.FileName}'): install Node.js 20+ and put it on PATH, or set UPLOADS_NODE to its path.",
                    exception);
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(StartTimeout);
            Uri blobServiceUri;
            Uri? queueServiceUri;
            try
            {
                blobServiceUri = await listening.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
                queueServiceUri = await queueListening.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                var what = exception is InvalidOperationException
                    ? "it exited before it listened"
                    : $"it did not report a listening port within {StartTimeout.TotalSeconds:0} s";
                throw StartFailure(mode, process, output, what, exception);
            }

            // From here on the instance owns the process, the certificate and the folder: its DisposeAsync cleans up.
            var instance = new AzuriteInstance(mode, process, location, output, blobServiceUri, queueServiceUri, certificate, certificatePemPath);
            handedOver = true;
            try
            {
                await instance.WaitUntilAnsweringAsync(timeout.Token, ct).ConfigureAwait(false);
                instance.StartupTime = started.Elapsed;
                return instance;
            }
            catch
            {
                await instance.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch when (!handedOver)
        {
            Stop(process);
            process?.Dispose();
            certificate?.Dispose();
            DeleteDirectory(location);
            throw;
        }
    }

    /// <summary>
    /// Options whose transport reaches this instance: over HTTPS it trusts exactly this instance's certificate
    /// (SHA-256 pin) and nothing else. Add policies (e.g. <see cref="RequestCounter.AddTo"/>) as needed.
    /// The transport's <see cref="HttpClient"/> belongs to the instance: do not use clients after disposing it.
    /// </summary>
    public BlobClientOptions CreateBlobClientOptions() => new() { Transport = new HttpClientTransport(_sdkHttpClient) };

    /// <summary>
    /// A queue service client with the development account key over this instance's transport, messages Base64 as the
    /// Functions host writes them.
    /// </summary>
    /// <exception cref="InvalidOperationException">Started without the queue service.</exception>
    public QueueServiceClient CreateQueueServiceClient() => new(
        QueueServiceUri ?? throw new InvalidOperationException("Azurite was started without its queue service (withQueueService: true)."),
        new StorageSharedKeyCredential(AccountName, AccountKey),
        new QueueClientOptions { Transport = new HttpClientTransport(_sdkHttpClient), MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>A service client authenticated with the development account key (works in both modes).</summary>
    public BlobServiceClient CreateServiceClient(BlobClientOptions? options = null) =>
        new(BlobServiceUri, new StorageSharedKeyCredential(AccountName, AccountKey), options ?? CreateBlobClientOptions());

    /// <summary>
    /// A service client authenticated with <see cref="Credential"/> (bearer tokens): the path production uses,
    /// and the only one that may call Get User Delegation Key.
    /// </summary>
    /// <exception cref="InvalidOperationException">The instance is not in <see cref="AzuriteMode.OAuthHttps"/>.</exception>
    public BlobServiceClient CreateOAuthServiceClient(BlobClientOptions? options = null)
    {
        if (Mode != AzuriteMode.OAuthHttps)
        {
            throw new InvalidOperationException("Bearer tokens need AzuriteMode.OAuthHttps: Azurite refuses them over HTTP and without --oauth.");
        }

        return new BlobServiceClient(BlobServiceUri, Credential, options ?? CreateBlobClientOptions());
    }

    /// <summary>Creates a container with a unique name (or <paramref name="name"/>) using the account key.</summary>
    public async Task<BlobContainerClient> CreateContainerAsync(string? name = null, CancellationToken ct = default)
    {
        var container = CreateServiceClient().GetBlobContainerClient(name ?? "c" + Guid.NewGuid().ToString("N"));
        await container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
        return container;
    }

    /// <summary>
    /// A handler for raw HTTP to this instance (e.g. a test playing a browser or curl with a SAS URL): over HTTPS it
    /// trusts exactly this instance's certificate. The caller owns it.
    /// </summary>
    public HttpMessageHandler CreateHttpMessageHandler()
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2) };
        if (_pinnedCertificateHash is { } pinned)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // Pinning: the presented certificate must be this instance's own, byte for byte (SHA-256 of its DER).
                // Chain and name errors are expected (self-signed, not in any store) and irrelevant once pinned.
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                    presented is not null && CryptographicOperations.FixedTimeEquals(presented.GetCertHash(HashAlgorithmName.SHA256), pinned),
            };
        }

        return handler;
    }

    /// <summary>An <see cref="HttpClient"/> over <see cref="CreateHttpMessageHandler"/>. The caller owns it.</summary>
    public HttpClient CreateHttpClient() => new(CreateHttpMessageHandler(), disposeHandler: true);

    /// <summary>Azurite's recent output (stdout and stderr), for diagnostics.</summary>
    public string RecentOutput => _output.ToString();

    /// <summary>Kills Azurite's process tree, waits for it to exit and deletes the workspace (and certificate files).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Stop(_process);
        try
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Kill was sent; the OS finishes it. Nothing more can be done from here.
        }

        _process.Dispose();
        _sdkHttpClient.Dispose();
        Certificate?.Dispose();
        DeleteDirectory(_location);
    }

    private async Task WaitUntilAnsweringAsync(CancellationToken timeout, CancellationToken ct)
    {
        // A real request, authenticated with the account key, over the pinned transport: proves the port, TLS and
        // authentication all work before any test runs. No SDK retries: this loop is the retry.
        var options = CreateBlobClientOptions();
        options.Retry.MaxRetries = 0;
        var client = CreateServiceClient(options);
        Exception? last = null;
        try
        {
            await Eventually.WithinAsync(
                async _ =>
                {
                    try
                    {
                        await client.GetPropertiesAsync(timeout).ConfigureAwait(false);
                        return true;
                    }
                    catch (Exception exception) when (exception is RequestFailedException or HttpRequestException or IOException && !timeout.IsCancellationRequested)
                    {
                        last = exception;
                        return _process.HasExited ? throw StartFailure(Mode, _process, _output, "it exited after it listened", last) : false;
                    }
                },
                Timeout.InfiniteTimeSpan,
                cancellationToken: timeout).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw StartFailure(Mode, _process, _output, $"it listened on {BlobServiceUri} but did not answer within {StartTimeout.TotalSeconds:0} s", last);
        }
    }

    private static string FindAzuriteScript(string tools, string command, string relativeScript)
    {
        // node_modules/.bin/<command> is a symlink to this script (a .cmd shim on Windows): run the script itself
        // under node, so that the exit-with-parent preload can be added.
        var bin = Path.Combine(tools, "node_modules", ".bin", command);
        var script = Path.Combine(tools, "node_modules", "azurite", "dist", "src", relativeScript);
        if (!File.Exists(script) || !(File.Exists(bin) || File.Exists(bin + ".cmd")))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed in {Path.Combine(tools, "node_modules")}: run `npm ci --prefix tests/tools` from the repository root.");
        }

        var expected = ReadVersion(Path.Combine(tools, "package.json"), root => root.GetProperty("devDependencies").GetProperty("azurite"));
        var installed = ReadVersion(Path.Combine(tools, "node_modules", "azurite", "package.json"), root => root.GetProperty("version"));
        if (!string.Equals(expected, installed, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Azurite {installed} is installed but tests/tools/package.json pins {expected}: run `npm ci --prefix tests/tools` from the repository root.");
        }

        return script;
    }

    private static string? ReadVersion(string packageJson, Func<JsonElement, JsonElement> select)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
        return select(document.RootElement).GetString();
    }

    private static string NodeExecutable() =>
        Environment.GetEnvironmentVariable("UPLOADS_NODE") is { Length: > 0 } node ? node : "node";

    private static InvalidOperationException StartFailure(AzuriteMode mode, Process process, OutputTail output, string what, Exception? inner)
    {
        if (process.HasExited)
        {
            // Drains the redirected output, so the message holds Azurite's last words.
            process.WaitForExit();
        }

        var exit = process.HasExited ? $" (exit code {process.ExitCode})" : string.Empty;
        return new InvalidOperationException(
            $"Azurite ({mode}) did not start: {what}{exit}. Its output:{Environment.NewLine}{output}",
            inner);
    }

    private static void Stop(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Not started, or exited in between.
        }
        catch (Win32Exception)
        {
            // Exited in between.
        }
    }

    /// <summary>
    /// Deletes workspaces left by test processes that were killed before they could dispose their instances
    /// (their Azurite exited with them, see exit-with-parent.cjs, but the folder stays). Best effort.
    /// </summary>
    private static void SweepAbandonedWorkspaces()
    {
        try
        {
            foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), WorkspacePrefix + "*"))
            {
                var owner = Path.Combine(directory, OwnerFile);
                if (File.Exists(owner)
                    && int.TryParse(File.ReadAllText(owner), NumberStyles.None, CultureInfo.InvariantCulture, out var ownerId)
                    && !IsProcessRunning(ownerId))
                {
                    DeleteDirectory(directory);
                }
            }
        }
        catch (IOException)
        {
            // Another run is sweeping or using the folder: leave it.
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours to delete.
        }
    }

    private static bool IsProcessRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void DeleteDirectory(string path)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 4)
            {
                Thread.Sleep(200);
            }
            catch (UnauthorizedAccessException) when (attempt < 4)
            {
                Thread.Sleep(200);
            }
        }
    }

    // azurite-blob prints "… successfully listens on <url>", azurite (all services) "… is successfully listening at <url>".
    [GeneratedRegex(@"Azurite (?<service>Blob|Queue) service (?:successfully listens on|is successfully listening at) (?<endpoint>https?://127\.0\.0\.1:\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex ListeningLine();

    /// <summary>The last lines Azurite wrote, bounded.</summary>
    private sealed class OutputTail
    {
        private const int MaxLines = 200;
        private readonly Queue<string> _lines = new();
        private readonly Lock _lock = new();

        public void Add(string line)
        {
            lock (_lock)
            {
                _lines.Enqueue(line);
                while (_lines.Count > MaxLines)
                {
                    _lines.Dequeue();
                }
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return _lines.Count == 0 ? "(no output)" : string.Join(Environment.NewLine, _lines);
            }
        }
    }
}
