using System.Diagnostics;
using Uploads.Benchmarks.Support;

namespace Uploads.Benchmarks;

/// <summary>
/// The soak's measurements of the worker: every <c>sampleSeconds</c> a <see cref="SoakSample"/> (VmRSS, open
/// descriptors, TCP sockets, CPU so far of the worker, Azurite and this process), and every <c>gcSeconds</c> (0: never)
/// a full GC in the worker over its diagnostics port and what survived it (<see cref="WorkerGc"/>): RSS alone cannot
/// tell a leak from a heap the GC has not shrunk yet. Its clock starts when it is made.
/// </summary>
internal sealed class SoakSampler(WorkerUnderTest worker, int azuritePid, int sampleSeconds, int gcSeconds)
{
    private readonly Stopwatch _started = Stopwatch.StartNew();
    private TimeSpan _nextGc = TimeSpan.FromSeconds(gcSeconds);

    public List<SoakSample> Samples { get; } = [];

    public List<(TimeSpan At, GcHeap Heap)> Heaps { get; } = [];

    public TimeSpan Elapsed => _started.Elapsed;

    /// <summary>Samples (and collects, when due) until <paramref name="stop"/> fires or the worker is gone.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !worker.WorkerGone)
        {
            Samples.Add(SoakSample.Of(worker.WorkerProcessId, azuritePid, _started.Elapsed));
            worker.DrainWorkerLogs();
            if (gcSeconds > 0 && _started.Elapsed >= _nextGc)
            {
                _nextGc += TimeSpan.FromSeconds(gcSeconds);
                await ReadHeapAsync(_started.Elapsed).ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(sampleSeconds), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>The last sample (and heap, when collecting) at <paramref name="at"/>, the end of the run, if the worker is still there.</summary>
    public async Task FinishAsync(TimeSpan at)
    {
        if (worker.WorkerGone)
        {
            return;
        }

        Samples.Add(SoakSample.Of(worker.WorkerProcessId, azuritePid, at));
        if (gcSeconds > 0)
        {
            await ReadHeapAsync(at).ConfigureAwait(false);
        }
    }

    private async Task ReadHeapAsync(TimeSpan at)
    {
        if (await WorkerGc.CollectAsync(worker.WorkerProcessId, TimeSpan.FromSeconds(30)).ConfigureAwait(false) is { } heap)
        {
            Heaps.Add((at, heap));
        }
    }
}

/// <summary>One reading of the worker process; the CPU times (worker, Azurite, this process) are totals so far.</summary>
internal sealed record SoakSample(TimeSpan At, double RssMb, int Fds, int Tcp, int Established, double WorkerCpu, double AzuriteCpu, double OwnCpu)
{
    public static SoakSample Of(int pid, int azuritePid, TimeSpan at)
    {
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        var fds = 0;
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            fds++;
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    sockets.Add(target[8..^1]);
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }

        // /proc/PID/net/tcp lists the sockets of the process's network namespace; the worker's are those whose inode
        // is one of its descriptors. Columns: sl local rem st ... inode (10th).
        int tcp = 0, established = 0;
        foreach (var table in new[] { $"/proc/{pid}/net/tcp", $"/proc/{pid}/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length > 9 && sockets.Contains(columns[9]))
                {
                    tcp++;
                    established += columns[3] == "01" ? 1 : 0;
                }
            }
        }

        return new SoakSample(at, ProcFs.Memory(pid).RssMb, fds, tcp, established, ProcFs.CpuSeconds(pid), ProcFs.CpuSeconds(azuritePid), ProcFs.OwnCpuSeconds());
    }
}
