using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Uploads.Benchmarks.Support;
using Uploads.Core.Security;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--direct-load</c>: rounds of concurrent direct uploads (<c>POST /api/integrations/uploads/direct</c>, multipart)
/// against the dev host running as a separate process, with Azurite behind it; reports MB/s, uploads/s, latency
/// percentiles and the server process's resident memory (VmRSS before load, VmHWM after) from /proc.
/// <list type="bullet">
/// <item><c>SharedKey</c>: the built dev host itself (<c>dotnet src/Uploads.DevHost/bin/&lt;config&gt;/net10.0/Uploads.DevHost.dll</c>),
/// configured through environment variables, Azurite over plain HTTP with the account key (the local-development setup).</item>
/// <item><c>OAuthHttps</c>: the production storage path (bearer tokens over HTTPS): the same <c>DevHostApp.Build</c> in a process
/// started from this assembly (<c>--devhost-child</c>), which adds only the test token credential and Azurite's pinned certificate.</item>
/// </list>
/// A fresh server per mode and file size, so each VmHWM belongs to one load. Options: <c>--modes OAuthHttps,SharedKey</c>,
/// <c>--sizes 10000000,10485760</c>, <c>--concurrency 20</c>, <c>--rounds 5</c> (after one warm-up round).
/// </summary>
internal static class DirectLoad
{
    private const string ClientId = "bench";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(Args args)
    {
        var modes = args.List("--modes", nameof(AzuriteMode.OAuthHttps), nameof(AzuriteMode.SharedKey)).Select(Enum.Parse<AzuriteMode>).ToList();
        var sizes = args.Get("--sizes") is { } s ? s.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray() : [10_000_000, 10 * 1024 * 1024];
        var concurrency = args.Int("--concurrency", 20);
        var rounds = args.Int("--rounds", 5);
        // The child (OAuthHttps) runs with the dev host's GC (server, from its Web SDK runtimeconfig) unless told otherwise:
        // "--child-gc workstation" gives it the GC of the Functions isolated worker, a console app.
        var childGc = args.Get("--child-gc");
        var root = RepositoryRoot.Find();

        Console.WriteLine($"Direct uploads: {concurrency} concurrent, {rounds} measured rounds (+1 warm-up) per size; {Environment.ProcessorCount} cores; client, dev host and Azurite on this machine.");
        Console.WriteLine();
        Console.WriteLine("| storage | server | file bytes | uploads | MB/s (1 MB = 10^6 B) | uploads/s | p50 ms | p95 ms | max ms | RSS before MB | peak RSS (VmHWM) MB | (peak - before) / concurrent MB | CPU s: server / Azurite / client | server GC |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        var notes = new List<string>();
        var failures = 0;
        foreach (var mode in modes)
        {
            await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
            foreach (var size in sizes)
            {
                var payload = PdfLike(size);
                failures += await BaselineAsync(mode, azurite, payload, concurrency, rounds).ConfigureAwait(false);
                var minted = ApiKeyMinter.Mint();
                await using var server = await ServerProcess.StartAsync(mode, azurite, root, minted.Sha256Hex, childGc).ConfigureAwait(false);
                var before = server.Memory();
                using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = RequestTimeout };
                client.DefaultRequestHeaders.Add("X-API-Key", minted.Key);

                await RoundAsync(client, payload, concurrency).ConfigureAwait(false);
                var gcBefore = await server.GcStatsAsync().ConfigureAwait(false);
                var cpuBefore = (Server: CpuSeconds(server.Id), Azurite: CpuSeconds(azurite.ProcessId), Client: Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
                var latencies = new List<double>();
                var wall = TimeSpan.Zero;
                var errors = 0;
                for (var round = 0; round < rounds; round++)
                {
                    var result = await RoundAsync(client, payload, concurrency).ConfigureAwait(false);
                    wall += result.Wall;
                    latencies.AddRange(result.LatenciesMs);
                    errors += result.Errors;
                }

                var after = server.Memory();
                var cpu = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{CpuSeconds(server.Id) - cpuBefore.Server:0.0} / {CpuSeconds(azurite.ProcessId) - cpuBefore.Azurite:0.0} / {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuBefore.Client:0.0}");
                var gc = await server.GcStatsAsync().ConfigureAwait(false);
                var uploads = rounds * concurrency;
                latencies.Sort();
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {mode} | {server.Description} | {size:N0} | {uploads - errors}/{uploads} | {(double)size * uploads / 1e6 / wall.TotalSeconds:0.0} | {uploads / wall.TotalSeconds:0.0} | {Percentile(latencies, 0.50):0} | {Percentile(latencies, 0.95):0} | {latencies[^1]:0} | {before.RssKb / 1024.0:0} | {after.HwmKb / 1024.0:0} | {(after.HwmKb - before.RssKb) / 1024.0 / concurrency:0.0} | {cpu} | {server.ServerGc} |"));
                if (gc is not null)
                {
                    notes.Add($"{mode}, {size:N0} B, after the warm-up round: {gcBefore}; after the {uploads} measured uploads: {gc}");
                }

                failures += errors;
                if (errors > 0)
                {
                    notes.Add($"{mode}, {size:N0} B: {errors} uploads failed; server output: {server.RecentOutput}");
                }
            }
        }

        Console.WriteLine();
        foreach (var note in notes)
        {
            Console.WriteLine($"- GC of the server, {note}");
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// The same files straight to Azurite with the Azure SDK from this process (no API in between), in 4 MiB blocks one
    /// after the other as the API stages them: what the storage emulator alone sustains on this machine.
    /// </summary>
    private static async Task<int> BaselineAsync(AzuriteMode mode, AzuriteInstance azurite, byte[] payload, int concurrency, int rounds)
    {
        var service = mode == AzuriteMode.OAuthHttps ? azurite.CreateOAuthServiceClient() : azurite.CreateServiceClient();
        var container = service.GetBlobContainerClient("baseline");
        await container.CreateIfNotExistsAsync().ConfigureAwait(false);
        var transfer = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 4 * 1024 * 1024, MaximumTransferSize = 4 * 1024 * 1024, MaximumConcurrency = 1 };
        var latencies = new List<double>();
        var wall = TimeSpan.Zero;
        var azuriteCpu = 0.0;
        for (var round = 0; round <= rounds; round++)
        {
            var cpu = CpuSeconds(azurite.ProcessId);
            var watch = Stopwatch.StartNew();
            var times = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                using var content = new MemoryStream(payload, writable: false);
                await container.GetBlobClient($"{Guid.NewGuid():N}.pdf").UploadAsync(content, new Azure.Storage.Blobs.Models.BlobUploadOptions { TransferOptions = transfer }).ConfigureAwait(false);
                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }))).ConfigureAwait(false);
            watch.Stop();
            if (round > 0)
            {
                // Round 0 warms up.
                wall += watch.Elapsed;
                latencies.AddRange(times);
                azuriteCpu += CpuSeconds(azurite.ProcessId) - cpu;
            }
        }

        await container.DeleteAsync().ConfigureAwait(false);
        latencies.Sort();
        var uploads = rounds * concurrency;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {mode} | none: SDK straight to Azurite (baseline) | {payload.Length:N0} | {uploads}/{uploads} | {(double)payload.Length * uploads / 1e6 / wall.TotalSeconds:0.0} | {uploads / wall.TotalSeconds:0.0} | {Percentile(latencies, 0.50):0} | {Percentile(latencies, 0.95):0} | {latencies[^1]:0} | | | | - / {azuriteCpu:0.0} / | |"));
        return 0;
    }

    /// <summary>User + system CPU time of a process so far, from /proc/PID/stat.</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3; utime and stime are fields 14 and 15 (1-based in proc(5)), in clock ticks.
        const double TicksPerSecond = 100;
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>A PDF header, random bytes and an end marker: what the sniffer accepts as application/pdf, incompressible.</summary>
    private static byte[] PdfLike(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        "%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n"u8.CopyTo(bytes);
        "\n%%EOF\n"u8.CopyTo(bytes.AsSpan(size - 7));
        return bytes;
    }

    private static async Task<RoundResult> RoundAsync(HttpClient client, byte[] payload, int concurrency)
    {
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            using var form = new MultipartFormDataContent();
            var part = new ByteArrayContent(payload);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(part, "file", $"report-{i}.pdf");
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync(new Uri("api/integrations/uploads/direct", UriKind.Relative), form).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.Created)
            {
                await Console.Error.WriteLineAsync($"upload answered {(int)response.StatusCode}: {body}").ConfigureAwait(false);
                return (elapsed, false);
            }

            return (elapsed, true);
        }))).ConfigureAwait(false);
        watch.Stop();
        return new RoundResult(watch.Elapsed, [.. results.Select(r => r.elapsed)], results.Count(r => !r.Item2));
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private sealed record RoundResult(TimeSpan Wall, double[] LatenciesMs, int Errors);

    /// <summary>Resident memory of a process from /proc/PID/status, in KiB.</summary>
    internal readonly record struct ProcessMemory(long RssKb, long HwmKb);

    /// <summary>The dev host in a process of its own, on a free loopback port; killed (by its id) on dispose.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
        private readonly Process _process;
        private readonly Queue<string> _output = new();
        private readonly Lock _lock = new();
        private TaskCompletionSource<string>? _stats;

        private ServerProcess(Process process, Uri baseAddress, string description, bool isChild)
        {
            _process = process;
            BaseAddress = baseAddress;
            Description = description;
            IsChild = isChild;
        }

        public Uri BaseAddress { get; }

        public int Id => _process.Id;

        public string Description { get; }

        private bool IsChild { get; }

        public string ServerGc { get; private set; } = "?";

        public string RecentOutput
        {
            get
            {
                lock (_lock)
                {
                    return string.Join(Environment.NewLine, _output);
                }
            }
        }

        public static async Task<ServerProcess> StartAsync(AzuriteMode mode, AzuriteInstance azurite, string root, string keyHash, string? childGc)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            var baseAddress = new Uri($"http://127.0.0.1:{port}/");
            var start = new ProcessStartInfo("dotnet")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = root,
            };
            string description;
            bool isChild;
            if (mode == AzuriteMode.SharedKey)
            {
                var dll = DevHostDll(root);
                start.ArgumentList.Add(dll);
                start.Environment["UploadStorage"] = azurite.ConnectionString;
                start.Environment["Uploads__AllowHttpUploadUrls"] = "true";
                description = "Uploads.DevHost.dll";
                isChild = false;
            }
            else
            {
                start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
                start.ArgumentList.Add("--devhost-child");
                start.Environment["UploadStorage__blobServiceUri"] = azurite.BlobServiceUri.ToString();
                start.Environment[DevHostChild.CertificateVariable] = azurite.CertificatePemPath;
                // The dev host is an ASP.NET (Web SDK) app, whose runtimeconfig turns server GC on; this assembly is a
                // console app: give the child the same GC as the dev host.
                var serverGc = childGc is null ? DevHostUsesServerGc(root) : childGc == "server";
                start.Environment["DOTNET_gcServer"] = serverGc ? "1" : "0";
                description = "DevHostApp (child)";
                isChild = true;
            }

            foreach (var argument in new[] { "--urls", baseAddress.AbsoluteUri.TrimEnd('/'), "--content-root", root })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["Uploads__CreateContainers"] = "true";
            start.Environment[$"ApiKeys__Clients__{ClientId}"] = keyHash;
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

            var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
            var server = new ServerProcess(process, baseAddress, description, isChild);
            process.OutputDataReceived += (_, e) => server.OnOutput(e.Data);
            process.ErrorDataReceived += (_, e) => server.OnOutput(e.Data is null ? null : "stderr: " + e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await server.WaitUntilAnsweringAsync().ConfigureAwait(false);
                server.ServerGc = server.IsChild
                    ? (start.Environment["DOTNET_gcServer"] == "1" ? "server" : "workstation")
                    : (DevHostUsesServerGc(root) ? "server (runtimeconfig)" : "workstation");
                return server;
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public ProcessMemory Memory()
        {
            long rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kb(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kb(line);
                }
            }

            return new ProcessMemory(rss, hwm);

            static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }

        /// <summary>The child's GC counters (null for the dev host dll, which has no such command).</summary>
        public async Task<string?> GcStatsAsync()
        {
            if (!IsChild)
            {
                return null;
            }

            _stats = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            await _process.StandardInput.WriteLineAsync("stats").ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            return await _stats.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _process.Dispose();
        }

        private void OnOutput(string? line)
        {
            if (line is null)
            {
                return;
            }

            if (line.StartsWith("GCSTATS ", StringComparison.Ordinal))
            {
                _stats?.TrySetResult(line["GCSTATS ".Length..]);
                return;
            }

            lock (_lock)
            {
                _output.Enqueue(line);
                while (_output.Count > 40)
                {
                    _output.Dequeue();
                }
            }
        }

        private async Task WaitUntilAnsweringAsync()
        {
            using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < StartTimeout)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The server exited ({_process.ExitCode}) before it answered:{Environment.NewLine}{RecentOutput}");
                }

                try
                {
                    // Without a key: any answer (401) means Kestrel and the routes are up.
                    using var response = await http.GetAsync(new Uri("api/integrations/uploads/status?blobPath=x", UriKind.Relative)).ConfigureAwait(false);
                    return;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                await Task.Delay(200).ConfigureAwait(false);
            }

            throw new InvalidOperationException($"The server did not answer within {StartTimeout.TotalSeconds:0} s:{Environment.NewLine}{RecentOutput}");
        }

        private static string DevHostDll(string root)
        {
            var configuration = Assembly.GetExecutingAssembly().GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var dll = Path.Combine(root, "src", "Uploads.DevHost", "bin", configuration, "net10.0", "Uploads.DevHost.dll");
            return File.Exists(dll)
                ? dll
                : throw new FileNotFoundException($"Build the dev host first (dotnet build -c {configuration} src/Uploads.DevHost); not found: {dll}");
        }

        private static bool DevHostUsesServerGc(string root)
        {
            var dll = DevHostDll(root);
            var config = Path.ChangeExtension(dll, ".runtimeconfig.json");
            return File.Exists(config) && File.ReadAllText(config, Encoding.UTF8).Contains("\"System.GC.Server\": true", StringComparison.Ordinal);
        }
    }
}
