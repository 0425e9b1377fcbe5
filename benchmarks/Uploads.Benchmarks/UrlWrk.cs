using System.Diagnostics;
using System.Globalization;
using Uploads.Benchmarks.Support;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--url-wrk</c>: the upload-URL endpoint of the real app (host emulator in this process, the built worker in its
/// own, <see cref="WorkerUnderTest"/>) under Debian's <c>wrk</c> (<c>apt-get install wrk</c>), a load generator outside
/// .NET: <c>--connections</c> keep-alive connections on 2 threads for <c>--seconds</c> (bounded in time; wrk stops by
/// itself), after a warm-up of the same length. Reports requests/s, p50/p99/p99.9, non-200 answers and socket errors,
/// and the worker's RSS before and after. Options: <c>--connections 16</c>, <c>--seconds 10</c>, <c>--mode OAuthHttps|SharedKey</c>.
/// </summary>
internal static class UrlWrk
{
    public static async Task<int> RunAsync(Args args)
    {
        var connections = args.Int("--connections", 16);
        var seconds = Math.Clamp(args.Int("--seconds", 10), 1, 300);
        var mode = Enum.Parse<AzuriteMode>(args.Get("--mode") ?? nameof(AzuriteMode.OAuthHttps));
        await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
        await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);
        await using var worker = await WorkerUnderTest.StartAsync(azurite).ConfigureAwait(false);
        var script = Path.Combine(Path.GetTempPath(), $"uploads-wrk-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Lua(worker.ApiKey)).ConfigureAwait(false);
        try
        {
            var url = new Uri(worker.App.BaseAddress, ApiRoutes.Url).AbsoluteUri;
            Console.WriteLine($"wrk -t2 -c{connections} -d{seconds}s against {url} ({mode}); warm-up run first, same length");
            _ = await WrkAsync(script, url, connections, seconds).ConfigureAwait(false);
            worker.DrainWorkerLogs();
            var before = worker.WorkerMemory();
            var output = await WrkAsync(script, url, connections, seconds).ConfigureAwait(false);
            var after = worker.WorkerMemory();
            worker.DrainWorkerLogs();
            Console.WriteLine(output);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worker RSS before {before.RssMb:0} MB, after {after.RssMb:0} MB (peak {after.HwmMb:0} MB); worker alive: {!worker.WorkerGone}"));
            return worker.WorkerGone ? 1 : 0;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<string> WrkAsync(string script, string url, int connections, int seconds)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--timeout", "10s", "-s", script, url })
        {
            start.ArgumentList.Add(argument);
        }

        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start: apt-get install wrk");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30));
        var stdout = wrk.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = wrk.StandardError.ReadToEndAsync(limit.Token);
        await wrk.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        return await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
    }

    // POSTs the benchmark's URL request; counts non-200 answers; prints p50/p99/p99.9 and errors at the end.
    private static string Lua(string apiKey) => $$"""
        wrk.method = "POST"
        wrk.body = '{{WorkerUnderTest.UrlRequestJson}}'
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["X-API-Key"] = "{{apiKey}}"
        local non200 = 0
        response = function(status, headers, body) if status ~= 200 then non200 = non200 + 1 end end
        done = function(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("requests %d in %.2f s: %.0f requests/s\n", summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
          io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000))
          io.write(string.format("errors: non-2xx/3xx %d, connect %d, read %d, write %d, timeout %d\n", e.status, e.connect, e.read, e.write, e.timeout))
        end
        """;
}
