using System.Globalization;
using System.Net;
using Uploads.Benchmarks.Support;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--url-http-throughput</c>: upload URLs per second over HTTP through the real app (host emulator in this process,
/// the built worker in its own, <see cref="WorkerUnderTest"/>): C closed loops over one <see cref="HttpClient"/>, each
/// sending <c>POST /api/integrations/uploads/url</c> as soon as the previous answer is read, for a fixed window after a
/// warm-up window of the same concurrency. One worker per storage mode for all concurrency levels. Reports requests/s,
/// latency percentiles, errors (anything but 200, and transport failures), and the CPU the worker process and this
/// process (load generator + emulator) used, in cores (CPU seconds / wall seconds). Before the first level, the fresh
/// worker is warmed up for <c>--jit-warmup-seconds</c> at 4 loops (tiered JIT: a worker 3 s old is still measurably
/// slower). Options: <c>--concurrency 1,4,16</c>, <c>--seconds 10</c>, <c>--warmup-seconds 3</c>,
/// <c>--jit-warmup-seconds 10</c>, <c>--modes OAuthHttps,SharedKey</c>.
/// </summary>
internal static class UrlHttpThroughput
{
    /// <summary>A bound on every loop besides its time window.</summary>
    private const int MaxRequestsPerLoop = 1_000_000;

    public static async Task<int> RunAsync(Args args)
    {
        var levels = args.Ints("--concurrency", 1, 4, 16);
        var window = TimeSpan.FromSeconds(args.Int("--seconds", 10));
        var warmUp = TimeSpan.FromSeconds(args.Int("--warmup-seconds", 3));
        var jitWarmUp = TimeSpan.FromSeconds(args.Int("--jit-warmup-seconds", 10));
        var modes = args.List("--modes", nameof(AzuriteMode.OAuthHttps), nameof(AzuriteMode.SharedKey)).Select(Enum.Parse<AzuriteMode>).ToList();
        Console.WriteLine($"Upload URLs over HTTP through host emulator + worker: {window.TotalSeconds:0} s per row after {warmUp.TotalSeconds:0} s of warm-up at its concurrency (and {jitWarmUp.TotalSeconds:0} s at 4 loops on each fresh worker); {Environment.ProcessorCount} cores, shared by client, emulator, worker (Azurite idle: no storage call per URL).");
        Console.WriteLine();
        Console.WriteLine("| storage | concurrent loops | seconds | requests | errors | requests/s | p50 ms | p99 ms | max ms | worker CPU (cores) | this process CPU (cores: client + emulator) | worker RSS after MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var notes = new List<string>();
        var failures = 0;
        foreach (var mode in modes)
        {
            await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
            await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);
            await using var worker = await WorkerUnderTest.StartAsync(azurite).ConfigureAwait(false);
            using var http = worker.CreateClient(TimeSpan.FromSeconds(30));
            await LoadAsync(worker, http, 4, jitWarmUp).ConfigureAwait(false);
            foreach (var concurrency in levels)
            {
                await LoadAsync(worker, http, concurrency, warmUp).ConfigureAwait(false);
                worker.DrainWorkerLogs();
                var (workerCpu, ownCpu) = (worker.WorkerCpuSeconds(), ProcFs.OwnCpuSeconds());
                var load = await LoadAsync(worker, http, concurrency, window).ConfigureAwait(false);
                var seconds = load.Wall.TotalSeconds;
                var rss = worker.WorkerMemory();
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {mode} | {concurrency} | {seconds:0.00} | {load.Requests:N0} | {load.Errors} | {(load.Requests - load.Errors) / seconds:N0} | {Latencies.Percentile(load.LatenciesMs, 0.50):0.00} | {Latencies.Percentile(load.LatenciesMs, 0.99):0.00} | {load.LatenciesMs[^1]:0.0} | {(worker.WorkerCpuSeconds() - workerCpu) / seconds:0.00} | {(ProcFs.OwnCpuSeconds() - ownCpu) / seconds:0.00} | {rss.RssMb:0} |"));
                worker.DrainWorkerLogs();
                failures += load.Errors;
                if (load.FirstError is { } error)
                {
                    notes.Add($"- {mode}, {concurrency} loops: {load.Errors} errors, the first: {error}");
                }
            }

            notes.Add(string.Create(CultureInfo.InvariantCulture, $"- {mode}: worker peak RSS (VmHWM) over all rows {worker.WorkerMemory().HwmMb:0} MB; worker GC {worker.Gc}."));
        }

        Console.WriteLine();
        foreach (var note in notes)
        {
            Console.WriteLine(note);
        }

        return failures == 0 ? 0 : 1;
    }

    private static Task<LoadResult> LoadAsync(WorkerUnderTest worker, HttpClient http, int concurrency, TimeSpan duration) =>
        HttpLoad.RunAsync(
            http,
            () => new HttpRequestMessage(HttpMethod.Post, ApiRoutes.Url) { Content = WorkerUnderTest.UrlRequestBody() },
            HttpStatusCode.OK,
            concurrency,
            duration,
            MaxRequestsPerLoop,
            () => worker.WorkerGone);
}
