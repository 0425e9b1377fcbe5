using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Uploads.Benchmarks.Support;

/// <summary>
/// The managed heap of a process after a full, blocking GC, as the runtime reports it in its GCHeapStats event.
/// <see cref="LiveMb"/> is what survived that collection: the part of RSS that a leak would grow.
/// </summary>
internal sealed record GcHeap(double LiveMb, double Gen2Mb, double LohMb, long GcHandles);

/// <summary>
/// Asks another .NET process for a full GC over its diagnostics port (EventPipe, keyword GCHeapCollect: what
/// <c>dotnet-gcdump</c> does, without walking the heap) and reads the heap it leaves. The process under test needs no
/// change; it must run with diagnostics enabled (the default).
/// </summary>
internal static class WorkerGc
{
    private const long GcKeyword = (long)ClrTraceEventParser.Keywords.GC;
    private const long GcHeapCollectKeyword = (long)ClrTraceEventParser.Keywords.GCHeapCollect;

    /// <summary>Induces one blocking gen-2 GC in <paramref name="pid"/>; null when no answer came within <paramref name="timeout"/>.</summary>
    public static async Task<GcHeap?> CollectAsync(int pid, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(pid);
        var provider = new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword);
        using var session = await client.StartEventPipeSessionAsync([provider], requestRundown: false, circularBufferMB: 16, CancellationToken.None).ConfigureAwait(false);
        using var source = new EventPipeEventSource(session.EventStream);
        var result = new TaskCompletionSource<GcHeap>(TaskCreationOptions.RunContinuationsAsynchronously);
        var induced = -1;
        source.Clr.GCStart += data =>
        {
            // The induced GC is the first blocking gen-2 one after the session started (a background GC in progress
            // then is not it).
            if (data.ProcessID == pid && induced < 0 && data.Depth == 2 && data.Type != GCType.BackgroundGC)
            {
                induced = data.Count;
            }
        };
        source.Clr.GCHeapStats += data =>
        {
            // One GCHeapStats per GC, at its end; nothing interleaves with a blocking collection.
            if (data.ProcessID == pid && induced >= 0)
            {
                const double Mb = 1024 * 1024;
                var live = data.GenerationSize0 + data.GenerationSize1 + data.GenerationSize2 + data.GenerationSize3 + data.GenerationSize4;
                result.TrySetResult(new GcHeap(live / Mb, data.GenerationSize2 / Mb, data.GenerationSize3 / Mb, data.GCHandleCount));
            }
        };
        var reading = Task.Run(source.Process);
        GcHeap? heap;
        try
        {
            heap = await result.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            heap = null;
        }

        await session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await reading.ConfigureAwait(false);
        return heap;
    }
}
