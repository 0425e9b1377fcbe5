using System.Globalization;

namespace Uploads.Benchmarks;

/// <summary>
/// The soak's report: one line a minute (requests, p50 latencies, CPU, worker RSS, live heap after a full GC, GC
/// handles, descriptors, TCP sockets), the requests by kind, the totals with errors and uploads lost, then the first vs
/// last minute, peak and least-squares slope over the second half of RSS, live heap, descriptors and TCP sockets.
/// </summary>
internal static class SoakReport
{
    public static void Print(SoakSampler measured, SoakTraffic traffic, TimeSpan elapsed, int lost, bool workerAlive)
    {
        var samples = measured.Samples;
        var heaps = measured.Heaps;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| minute | requests | p50 ms: URL / direct upload | CPU s: worker / Azurite / this process | worker RSS MB | live heap MB after a full GC (gen 2, LOH) | GC handles | open fds | TCP sockets (established) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        SoakSample? previous = null;
        foreach (var minute in samples.GroupBy(s => (int)s.At.TotalMinutes))
        {
            var last = minute.Last();
            var cpu = previous is null ? "–" : string.Create(inv, $"{last.WorkerCpu - previous.WorkerCpu:0} / {last.AzuriteCpu - previous.AzuriteCpu:0} / {last.OwnCpu - previous.OwnCpu:0}");
            previous = last;
            var from = TimeSpan.FromMinutes(minute.Key);
            var to = from + TimeSpan.FromMinutes(1);
            var p50 = string.Create(inv, $"{traffic.MedianMs("url", from, to):0} / {traffic.MedianMs("direct upload", from, to):0}");
            var heap = heaps.LastOrDefault(h => (int)h.At.TotalMinutes == minute.Key).Heap;
            var live = heap is null ? "–" : string.Create(inv, $"{heap.LiveMb:0.0} ({heap.Gen2Mb:0.0}, {heap.LohMb:0.0})");
            var handles = heap is null ? "–" : heap.GcHandles.ToString(inv);
            Console.WriteLine(string.Create(inv, $"| {minute.Key} | {traffic.RequestsIn(from, to)} | {p50} | {cpu} | {minute.Average(s => s.RssMb):0.0} | {live} | {handles} | {minute.Average(s => s.Fds):0} | {minute.Average(s => s.Tcp):0} ({minute.Average(s => s.Established):0}) |"));
        }

        Console.WriteLine();
        Console.WriteLine("| request | sent | answered as expected | unexpected |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (kind, counts) in traffic.Counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(inv, $"| {kind} | {counts.Sent} | {counts.Expected} | {counts.Sent - counts.Expected} |"));
        }

        var total = traffic.Counts.Values.Sum(c => c.Sent);
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"requests {total} in {elapsed.TotalSeconds:0} s ({total / elapsed.TotalSeconds:0.0}/s), errors {traffic.Errors}, bad inputs sent {traffic.BadInputs}, uploads stored {traffic.Stored}, uploads lost {lost}; worker alive: {workerAlive}"));
        if (samples.Count >= 4)
        {
            var firstMinute = samples.Where(s => s.At < TimeSpan.FromMinutes(1)).ToList();
            var lastMinute = samples.Where(s => s.At > elapsed - TimeSpan.FromMinutes(1)).ToList();
            var half = samples.Where(s => s.At >= elapsed / 2).ToList();
            Console.WriteLine(string.Create(inv, $"worker RSS: first minute {firstMinute.Average(s => s.RssMb):0.0} MB, last minute {lastMinute.Average(s => s.RssMb):0.0} MB, peak {samples.Max(s => s.RssMb):0.0} MB; slope over the second half {Slope(half.Select(s => (s.At, s.RssMb))):+0.00;-0.00} MB/min"));
            var laterHeaps = heaps.Where(h => h.At >= elapsed / 2).Select(h => (h.At, h.Heap.LiveMb)).ToList();
            if (heaps.Count >= 2 && laterHeaps.Count >= 2)
            {
                Console.WriteLine(string.Create(inv, $"worker live heap after a full GC: first {heaps[0].Heap.LiveMb:0.0} MB, last {heaps[^1].Heap.LiveMb:0.0} MB, max {heaps.Max(h => h.Heap.LiveMb):0.0} MB, {heaps.Count} readings; slope over the second half {Slope(laterHeaps):+0.000;-0.000} MB/min; GC handles first {heaps[0].Heap.GcHandles}, last {heaps[^1].Heap.GcHandles}"));
            }

            Console.WriteLine(string.Create(inv, $"open fds: first minute {firstMinute.Average(s => s.Fds):0.0}, last minute {lastMinute.Average(s => s.Fds):0.0}, max {samples.Max(s => s.Fds)}; slope over the second half {Slope(half.Select(s => (s.At, (double)s.Fds))):+0.00;-0.00}/min"));
            Console.WriteLine(string.Create(inv, $"TCP sockets: first minute {firstMinute.Average(s => s.Tcp):0.0}, last minute {lastMinute.Average(s => s.Tcp):0.0}, max {samples.Max(s => s.Tcp)}; slope over the second half {Slope(half.Select(s => (s.At, (double)s.Tcp))):+0.00;-0.00}/min"));
        }

        foreach (var note in traffic.Notes.Take(10))
        {
            Console.WriteLine($"- {note}");
        }

        Console.WriteLine($"load average at the end {LoadAverage()}");
    }

    /// <summary>Least-squares slope of the values against time, per minute.</summary>
    private static double Slope(IEnumerable<(TimeSpan At, double Value)> points)
    {
        var list = points.ToList();
        if (list.Count < 2)
        {
            return 0;
        }

        var meanX = list.Average(p => p.At.TotalMinutes);
        var meanY = list.Average(p => p.Value);
        var sxx = list.Sum(p => Math.Pow(p.At.TotalMinutes - meanX, 2));
        return sxx == 0 ? 0 : list.Sum(p => (p.At.TotalMinutes - meanX) * (p.Value - meanY)) / sxx;
    }

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
