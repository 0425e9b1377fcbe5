using System.Diagnostics;
using System.Net;

namespace Uploads.Benchmarks.Support;

/// <summary>What one load window measured: latencies of every request sent (sorted, ms), failures, wall time.</summary>
internal sealed record LoadResult(int Requests, int Errors, List<double> LatenciesMs, TimeSpan Wall, string? FirstError)
{
    public double PerSecond => Requests / Wall.TotalSeconds;
}

/// <summary>
/// Closed-loop HTTP load: <c>concurrency</c> loops, each sending its next request when the previous one has been
/// answered and read, over one shared <see cref="HttpClient"/>. Every loop stops by itself: after
/// <c>maxPerLoop</c> requests, at the end of <c>duration</c> (a request in flight then is finished and counted; the wall
/// time runs until the last one), or once <c>stop</c> says so (the worker died).
/// </summary>
internal static class HttpLoad
{
    public static async Task<LoadResult> RunAsync(
        HttpClient http,
        Func<HttpRequestMessage> request,
        HttpStatusCode expected,
        int concurrency,
        TimeSpan duration,
        int maxPerLoop,
        Func<bool> stop)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(stop);
        var watch = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>(Math.Min(maxPerLoop, 100_000));
            var errors = 0;
            string? firstError = null;
            for (var i = 0; i < maxPerLoop && watch.Elapsed < duration && !stop(); i++)
            {
                using var message = request();
                var sent = Stopwatch.GetTimestamp();
                string? error;
                try
                {
                    // The default completion option reads the whole answer before returning.
                    using var response = await http.SendAsync(message).ConfigureAwait(false);
                    error = response.StatusCode == expected ? null : $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    error = ex.Message;
                }

                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                if (error is not null)
                {
                    errors++;
                    firstError ??= error;
                }
            }

            return (latencies, errors, firstError);
        })).ToList();
        var results = await Task.WhenAll(loops).ConfigureAwait(false);
        watch.Stop();
        var all = results.SelectMany(r => r.latencies).ToList();
        all.Sort();
        return new LoadResult(all.Count, results.Sum(r => r.errors), all, watch.Elapsed, results.Select(r => r.firstError).FirstOrDefault(e => e is not null));
    }
}
