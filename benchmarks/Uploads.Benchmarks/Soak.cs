using Uploads.Benchmarks.Support;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--soak</c>: mixed traffic for a fixed time (<c>--seconds 600</c>) against the real app (host emulator in this
/// process, the built worker in its own, <see cref="WorkerUnderTest"/>, Azurite behind it): <c>--concurrency 4</c>
/// loops, each picking the next request by weight: upload URLs; presigned PUTs of a PDF to the URL just issued, with
/// the status asked straight after; direct uploads (100 KB to 1 MB) and their status; and bad inputs (wrong key,
/// malformed JSON, a path-traversal file name, a file that lies about its type, a status of a path never issued, a
/// body that is not multipart). Each request has the answer it must get; any other answer or a failed request is an
/// error. Every <c>--sample-seconds 5</c> it reads the WORKER's VmRSS, open file descriptors (/proc/PID/fd) and TCP
/// sockets (its socket descriptors found in /proc/PID/net/tcp and tcp6, and how many are ESTABLISHED); every
/// <c>--gc-seconds 60</c> (0: never) it has the worker run a full GC over its diagnostics port and reads what survived
/// it (<see cref="WorkerGc"/>): RSS alone cannot tell a leak from a heap the GC has not shrunk yet. At the end it
/// prints one line a minute, the first vs last minute, a least-squares slope of RSS, live heap, GC handles, descriptors
/// and TCP sockets over the second half, and checks that every upload that was answered 201 (direct) or 201 by storage (presigned) is in the
/// uploads container with its length: uploads lost. Stops by itself; loopback only. The load is
/// <see cref="SoakTraffic"/>, the measurements <see cref="SoakSampler"/>, the report <see cref="SoakReport"/>.
/// </summary>
internal static class Soak
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(Args args)
    {
        var seconds = Math.Clamp(args.Int("--seconds", 600), 10, 3600);
        var concurrency = Math.Clamp(args.Int("--concurrency", 4), 1, 64);
        var sampleSeconds = Math.Clamp(args.Int("--sample-seconds", 5), 1, 60);
        var gcSeconds = Math.Clamp(args.Int("--gc-seconds", 60), 0, 3600);
        var mode = Enum.Parse<AzuriteMode>(args.Get("--mode") ?? nameof(AzuriteMode.OAuthHttps));

        await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
        await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);
        await using var worker = await WorkerUnderTest.StartAsync(azurite).ConfigureAwait(false);
        using var api = worker.CreateClient(RequestTimeout);
        using var wrongKey = WorkerUnderTest.CreateClient(worker.App.BaseAddress, "not-a-key", RequestTimeout);
        using var storage = azurite.CreateHttpClient();
        storage.Timeout = RequestTimeout;
        var traffic = new SoakTraffic(api, wrongKey, storage);

        Console.WriteLine($"Soak: {seconds} s of mixed traffic from {concurrency} loops ({mode}), worker sampled every {sampleSeconds} s; {Environment.ProcessorCount} cores, load average at start {SoakReport.LoadAverage()}.");
        var sampler = new SoakSampler(worker, azurite.ProcessId, sampleSeconds, gcSeconds);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var loops = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => traffic.LoopAsync(new Random(i), stop.Token))).ToArray();
        await sampler.RunAsync(stop.Token).ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        var elapsed = sampler.Elapsed;
        await sampler.FinishAsync(elapsed).ConfigureAwait(false);

        var lost = await traffic.CountLostAsync(azurite.CreateServiceClient().GetBlobContainerClient("uploads")).ConfigureAwait(false);
        SoakReport.Print(sampler, traffic, elapsed, lost, workerAlive: !worker.WorkerGone);
        return worker.WorkerGone || traffic.Errors > 0 || lost > 0 ? 1 : 0;
    }
}
