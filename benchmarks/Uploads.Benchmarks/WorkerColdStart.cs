using System.Diagnostics;
using System.Globalization;
using System.Net;
using Uploads.Benchmarks.Support;
using Uploads.Core.Security;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--worker-cold-start</c>: how long the app takes from "start the host" to its first useful answer. Azurite is
/// started once per storage mode (its start is not counted); then per run a fresh host emulator and worker process
/// (<see cref="WorkerUnderTest"/>) on a port chosen beforehand, while this process polls
/// <c>POST /api/integrations/uploads/url</c> with a valid key every 10 ms from the first instant (connection refused
/// until the emulator's front listens, which it does once the worker has loaded its functions; then 503 until the
/// worker's background start-up has reached storage; then 200). Reported per run: when the worker process was spawned
/// (its start time in /proc, 10 ms resolution), the first answer of any status, the first 200 and that request's own
/// latency (the worker's first invocation, JIT included), the worker's RSS then, and the managed-identity tokens it
/// fetched. The first run is a warm-up of this process (the emulator's own JIT and the file cache) and is not counted.
/// Options: <c>--runs 5</c>, <c>--modes OAuthHttps,SharedKey</c>.
/// </summary>
internal static class WorkerColdStart
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    public static async Task<int> RunAsync(Args args)
    {
        var runs = args.Int("--runs", 5);
        var modes = args.List("--modes", nameof(AzuriteMode.OAuthHttps), nameof(AzuriteMode.SharedKey)).Select(Enum.Parse<AzuriteMode>).ToList();
        Console.WriteLine($"Worker cold start: {runs} runs per storage mode (+1 warm-up run), Azurite already running; {Environment.ProcessorCount} cores; times from the emulator's start.");
        Console.WriteLine();
        Console.WriteLine("| storage | run | worker process spawned ms | first answer (any status) ms | first 200 ms | that request ms | 503s before | worker RSS at first 200 MB | MI tokens |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        var summaries = new List<string>();
        foreach (var mode in modes)
        {
            await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
            await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);
            var firstOk = new List<double>();
            for (var run = 0; run <= runs; run++)
            {
                var result = await MeasureAsync(azurite).ConfigureAwait(false);
                if (run > 0)
                {
                    firstOk.Add(result.FirstOkMs);
                }

                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {mode} | {(run == 0 ? "warm-up (not counted)" : run.ToString(CultureInfo.InvariantCulture))} | {result.SpawnedMs:0} | {result.FirstAnswerMs:0} | {result.FirstOkMs:0} | {result.FirstOkRequestMs:0} | {result.Unavailable} | {result.Memory.RssMb:0} | {result.Tokens} |"));
            }

            summaries.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"| {mode} | {firstOk.Count} | {Latencies.Median(firstOk):0} | {firstOk.Min():0} | {firstOk.Max():0} |"));
        }

        Console.WriteLine();
        Console.WriteLine("Start of the emulator to the first 200 of POST /api/integrations/uploads/url:");
        Console.WriteLine();
        Console.WriteLine("| storage | runs | median ms | min ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var summary in summaries)
        {
            Console.WriteLine(summary);
        }

        return 0;
    }

    private static async Task<Result> MeasureAsync(AzuriteInstance azurite)
    {
        var key = ApiKeyMinter.Mint().Key;
        var port = WorkerUnderTest.FreePort();
        using var http = WorkerUnderTest.CreateClient(new Uri($"http://127.0.0.1:{port}/"), key, TimeSpan.FromSeconds(30));
        var bootClock = ProcFs.Uptime();
        var clock = Stopwatch.StartNew();
        var starting = WorkerUnderTest.StartAsync(azurite, key, gcServer: null, port);
        (double FirstAnswer, double FirstOk, double FirstOkRequest, int Unavailable) poll;
        try
        {
            poll = await PollUntilOkAsync(http, clock, starting).ConfigureAwait(false);
        }
        catch
        {
            // Whatever failed, the emulator and its worker process are stopped before the error is reported.
            if (await Task.WhenAny(starting, Task.Delay(StartLimit)).ConfigureAwait(false) == starting && starting.IsCompletedSuccessfully)
            {
                await starting.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        await using var worker = await starting.ConfigureAwait(false);
        var spawned = (ProcFs.StartedAt(worker.WorkerProcessId) - bootClock) * 1000;
        return new Result(spawned, poll.FirstAnswer, poll.FirstOk, poll.FirstOkRequest, poll.Unavailable, worker.WorkerMemory(), worker.App.Emulator.ManagedIdentityTokensIssued);
    }

    /// <summary>Polls until the first 200; returns when the first answer and the first 200 came (ms since start).</summary>
    private static async Task<(double FirstAnswer, double FirstOk, double FirstOkRequest, int Unavailable)> PollUntilOkAsync(HttpClient http, Stopwatch clock, Task starting)
    {
        double? firstAnswer = null;
        var unavailable = 0;
        while (true)
        {
            if (clock.Elapsed > StartLimit)
            {
                throw new TimeoutException($"No 200 within {StartLimit.TotalSeconds:0} s.");
            }

            if (starting.IsFaulted)
            {
                // Rethrows why the emulator or the worker did not start.
                await starting.ConfigureAwait(false);
            }

            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var content = WorkerUnderTest.UrlRequestBody();
                using var response = await http.PostAsync(ApiRoutes.Url, content).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                firstAnswer ??= clock.Elapsed.TotalMilliseconds;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var firstOk = clock.Elapsed.TotalMilliseconds;
                    var firstOkRequest = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    if (!body.Contains("\"uploadUrl\"", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"200 without an upload URL: {body}");
                    }

                    return (firstAnswer.Value, firstOk, firstOkRequest, unavailable);
                }

                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    throw new InvalidOperationException($"Unexpected {(int)response.StatusCode} while starting: {body}");
                }

                unavailable++;
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
            {
                // Not listening yet.
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    private sealed record Result(double SpawnedMs, double FirstAnswerMs, double FirstOkMs, double FirstOkRequestMs, int Unavailable, ProcessMemory Memory, int Tokens);
}
