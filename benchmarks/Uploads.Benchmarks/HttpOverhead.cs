using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Uploads.Benchmarks.Support;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--http-overhead</c>: the latency of one upload URL, one request at a time, three ways, per storage mode:
/// <list type="number">
/// <item>in-process: <see cref="UploadUrlService.IssueAsync"/> on the app's own services (<see cref="UploadsServices"/>),
/// what the function calls;</item>
/// <item>HTTP to the host emulator's front for a route no function serves (404 from the emulator itself): client,
/// loopback TCP and the emulator's Kestrel, no worker;</item>
/// <item>the same POST with a wrong key: the worker's 401 (the whole Functions path and the key check, but no body
/// read, no signing, no log line relayed);</item>
/// <item>HTTP <c>POST /api/integrations/uploads/url</c> through the emulator and the worker process (the emulator's
/// Kestrel, gRPC InvocationRequest, YARP forwarding to the worker's Kestrel, middleware, key check, JSON, the same
/// IssueAsync, the InvocationResponse).</item>
/// </list>
/// (4) − (1) is what emulator and worker add over the service call. Each after a warm-up of its own (10 s by default:
/// after 3 s the first worker row was still 1.5 times slower at p50 than after 10 s, tiered JIT); the worker's CPU
/// per request is from /proc, this process's (client + emulator, or the in-process call) from the runtime. The mode
/// ends with a single PUT to the last URL the worker issued, so the URLs are real. Options: <c>--count 5000</c>,
/// <c>--warmup-seconds 10</c>, <c>--modes OAuthHttps,SharedKey</c>.
/// </summary>
internal static class HttpOverhead
{
    /// <summary>The containers exist beforehand, as for the worker (<see cref="WorkerUnderTest.CreateContainersAsync"/>).</summary>
    private static readonly Dictionary<string, string?> NoContainerCreation = new(StringComparer.Ordinal) { ["Uploads:CreateContainers"] = "false" };

    private static readonly ApiClient Client = new(WorkerUnderTest.ClientId);

    /// <summary>No window takes longer than this, whatever the count.</summary>
    private static readonly TimeSpan WindowLimit = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(Args args)
    {
        var count = args.Int("--count", 5000);
        var warmUp = TimeSpan.FromSeconds(args.Int("--warmup-seconds", 10));
        var modes = args.List("--modes", nameof(AzuriteMode.OAuthHttps), nameof(AzuriteMode.SharedKey)).Select(Enum.Parse<AzuriteMode>).ToList();
        Console.WriteLine($"Upload-URL latency, sequential: {count:N0} measured requests per row after {warmUp.TotalSeconds:0} s of warm-up; {Environment.ProcessorCount} cores; client and host emulator in this process, worker in its own.");
        Console.WriteLine();
        Console.WriteLine("| storage | path | requests | errors | mean µs | p50 µs | p95 µs | p99 µs | max µs | CPU per request µs: worker / this process |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        var differences = new List<string>();
        var failures = 0;
        foreach (var mode in modes)
        {
            await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
            await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);

            var inProcess = await InProcessAsync(azurite, count, warmUp).ConfigureAwait(false);
            Print(mode, "in-process: UploadUrlService.IssueAsync", inProcess.Latencies, 0, "– / " + Micro(inProcess.CpuSeconds / count));

            Measured front, refused, worker;
            Uri lastUrl;
            await using (var app = await WorkerUnderTest.StartAsync(azurite).ConfigureAwait(false))
            {
                using var http = app.CreateClient(TimeSpan.FromSeconds(30));
                using var wrongKey = WorkerUnderTest.CreateClient(app.App.BaseAddress, ApiKeyMinter.Mint().Key, TimeSpan.FromSeconds(30));
                front = await OverHttpAsync(app, http, () => new HttpRequestMessage(HttpMethod.Post, ApiRoutes.NoSuchFunction) { Content = WorkerUnderTest.UrlRequestBody() }, HttpStatusCode.NotFound, count, warmUp).ConfigureAwait(false);
                refused = await OverHttpAsync(app, wrongKey, () => new HttpRequestMessage(HttpMethod.Post, ApiRoutes.Url) { Content = WorkerUnderTest.UrlRequestBody() }, HttpStatusCode.Unauthorized, count, warmUp).ConfigureAwait(false);
                worker = await OverHttpAsync(app, http, () => new HttpRequestMessage(HttpMethod.Post, ApiRoutes.Url) { Content = WorkerUnderTest.UrlRequestBody() }, HttpStatusCode.OK, count, warmUp).ConfigureAwait(false);
                lastUrl = await IssueOneAsync(http).ConfigureAwait(false);
            }

            Print(mode, "HTTP, emulator only (404: no function, no worker)", front.Load.LatenciesMs, front.Load.Errors, front.Cpu);
            Print(mode, "HTTP POST /url, wrong key (401 from the worker)", refused.Load.LatenciesMs, refused.Load.Errors, refused.Cpu);
            Print(mode, "HTTP POST /url through emulator + worker", worker.Load.LatenciesMs, worker.Load.Errors, worker.Cpu);
            failures += front.Load.Errors + refused.Load.Errors + worker.Load.Errors;
            foreach (var (what, load) in new[] { ("emulator only", front.Load), ("401", refused.Load), ("worker", worker.Load) })
            {
                if (load.FirstError is { } error)
                {
                    differences.Add($"- {mode}, {what}: {load.Errors} errors, the first: {error}");
                }
            }

            differences.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"- {mode}: emulator + worker HTTP overhead over the service call = p50 {Micro(Latencies.Percentile(worker.Load.LatenciesMs, 0.5) / 1000 - Latencies.Percentile(inProcess.Latencies, 0.5) / 1000)} µs, mean {Micro(worker.Load.LatenciesMs.Average() / 1000 - inProcess.Latencies.Average() / 1000)} µs, p99 {Micro(Latencies.Percentile(worker.Load.LatenciesMs, 0.99) / 1000 - Latencies.Percentile(inProcess.Latencies, 0.99) / 1000)} µs; of which client + loopback + emulator front alone (the 404 row) p50 {Micro(Latencies.Percentile(front.Load.LatenciesMs, 0.5) / 1000)} µs; {worker.LogsPerRequest:0.##} worker log entries relayed per request."));

            using var put = new HttpRequestMessage(HttpMethod.Put, lastUrl) { Content = new ByteArrayContent("%PDF-1.7\n"u8.ToArray()) };
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var storage = azurite.CreateHttpClient();
            using var response = await storage.SendAsync(put).ConfigureAwait(false);
            differences.Add($"- {mode}: check, a single PUT to the last URL the worker issued answered {(int)response.StatusCode} {response.StatusCode}.");
            failures += response.StatusCode == HttpStatusCode.Created ? 0 : 1;
        }

        Console.WriteLine();
        foreach (var line in differences)
        {
            Console.WriteLine(line);
        }

        return failures == 0 ? 0 : 1;
    }

    private static void Print(AzuriteMode mode, string path, List<double> sortedMs, int errors, string cpu) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {mode} | {path} | {sortedMs.Count:N0} | {errors} | {sortedMs.Average() * 1000:0} | {Latencies.Percentile(sortedMs, 0.50) * 1000:0} | {Latencies.Percentile(sortedMs, 0.95) * 1000:0} | {Latencies.Percentile(sortedMs, 0.99) * 1000:0} | {sortedMs[^1] * 1000:0} | {cpu} |"));

    private static string Micro(double seconds) => (seconds * 1e6).ToString("0", CultureInfo.InvariantCulture);

    /// <summary>The service call the function makes, timed one by one (ms), and this process's CPU over the measured calls.</summary>
    private static async Task<(List<double> Latencies, double CpuSeconds)> InProcessAsync(AzuriteInstance azurite, int count, TimeSpan warmUp)
    {
        await using var services = await UploadsServices.StartAsync(azurite, NoContainerCreation).ConfigureAwait(false);
        var urls = services.Get<UploadUrlService>();
        var request = new UploadUrlRequest("quarterly report.pdf", "application/pdf", 123_456);
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 10_000_000 && warm.Elapsed < warmUp; i++)
        {
            await urls.IssueAsync(Client, request, CancellationToken.None).ConfigureAwait(false);
        }

        var latencies = new List<double>(count);
        var cpu = ProcFs.OwnCpuSeconds();
        var window = Stopwatch.StartNew();
        for (var i = 0; i < count && window.Elapsed < WindowLimit; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var outcome = await urls.IssueAsync(Client, request, CancellationToken.None).ConfigureAwait(false);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (outcome.Problem is { } problem)
            {
                throw new InvalidOperationException($"IssueAsync refused: {problem.Detail}");
            }
        }

        cpu = ProcFs.OwnCpuSeconds() - cpu;
        latencies.Sort();
        return (latencies, cpu);
    }

    private static async Task<Measured> OverHttpAsync(WorkerUnderTest app, HttpClient http, Func<HttpRequestMessage> request, HttpStatusCode expected, int count, TimeSpan warmUp)
    {
        await HttpLoad.RunAsync(http, request, expected, 1, warmUp, 10_000_000, () => app.WorkerGone).ConfigureAwait(false);
        app.DrainWorkerLogs();
        var (worker, own) = (app.WorkerCpuSeconds(), ProcFs.OwnCpuSeconds());
        var load = await HttpLoad.RunAsync(http, request, expected, 1, WindowLimit, count, () => app.WorkerGone).ConfigureAwait(false);
        var cpu = $"{Micro((app.WorkerCpuSeconds() - worker) / load.Requests)} / {Micro((ProcFs.OwnCpuSeconds() - own) / load.Requests)}";
        return new Measured(load, cpu, app.DrainWorkerLogs() / (double)load.Requests);
    }

    private static async Task<Uri> IssueOneAsync(HttpClient http)
    {
        using var content = WorkerUnderTest.UrlRequestBody();
        using var response = await http.PostAsync(ApiRoutes.Url, content).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync().ConfigureAwait(false)).ConfigureAwait(false);
        return new Uri(json.RootElement.GetProperty("uploadUrl").GetString()!);
    }

    private sealed record Measured(LoadResult Load, string Cpu, double LogsPerRequest);
}
