using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
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
/// uploads container with its length: uploads lost. Stops by itself; loopback only.
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
        var traffic = new Traffic(api, wrongKey, storage);

        Console.WriteLine($"Soak: {seconds} s of mixed traffic from {concurrency} loops ({mode}), worker sampled every {sampleSeconds} s; {Environment.ProcessorCount} cores, load average at start {LoadAverage()}.");
        var samples = new List<Sample>();
        var heaps = new List<(TimeSpan At, GcHeap Heap)>();
        var started = Stopwatch.StartNew();
        var nextGc = TimeSpan.FromSeconds(gcSeconds);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var loops = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => traffic.LoopAsync(new Random(i), stop.Token))).ToArray();
        while (!stop.IsCancellationRequested && !worker.WorkerGone)
        {
            samples.Add(Sample.Of(worker.WorkerProcessId, azurite.ProcessId, started.Elapsed));
            worker.DrainWorkerLogs();
            if (gcSeconds > 0 && started.Elapsed >= nextGc)
            {
                nextGc += TimeSpan.FromSeconds(gcSeconds);
                await ReadHeapAsync(started.Elapsed).ConfigureAwait(false);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(sampleSeconds), stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        var elapsed = started.Elapsed;
        if (!worker.WorkerGone)
        {
            samples.Add(Sample.Of(worker.WorkerProcessId, azurite.ProcessId, elapsed));
            if (gcSeconds > 0)
            {
                await ReadHeapAsync(elapsed).ConfigureAwait(false);
            }
        }

        async Task ReadHeapAsync(TimeSpan at)
        {
            if (await WorkerGc.CollectAsync(worker.WorkerProcessId, TimeSpan.FromSeconds(30)).ConfigureAwait(false) is { } heap)
            {
                heaps.Add((at, heap));
            }
        }

        var lost = await traffic.CountLostAsync(azurite.CreateServiceClient().GetBlobContainerClient("uploads")).ConfigureAwait(false);
        Report(samples, heaps, traffic, elapsed, lost, worker);
        return worker.WorkerGone || traffic.Errors > 0 || lost > 0 ? 1 : 0;
    }

    private static void Report(List<Sample> samples, List<(TimeSpan At, GcHeap Heap)> heaps, Traffic traffic, TimeSpan elapsed, int lost, WorkerUnderTest worker)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| minute | requests | p50 ms: URL / direct upload | CPU s: worker / Azurite / this process | worker RSS MB | live heap MB after a full GC (gen 2, LOH) | GC handles | open fds | TCP sockets (established) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Sample? previous = null;
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
        Console.WriteLine(string.Create(inv, $"requests {total} in {elapsed.TotalSeconds:0} s ({total / elapsed.TotalSeconds:0.0}/s), errors {traffic.Errors}, bad inputs sent {traffic.BadInputs}, uploads stored {traffic.Stored}, uploads lost {lost}; worker alive: {!worker.WorkerGone}"));
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

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>One reading of the worker process.</summary>
    /// <summary>One reading of the worker process; the CPU times (worker, Azurite, this process) are totals so far.</summary>
    private sealed record Sample(TimeSpan At, double RssMb, int Fds, int Tcp, int Established, double WorkerCpu, double AzuriteCpu, double OwnCpu)
    {
        public static Sample Of(int pid, int azuritePid, TimeSpan at)
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

            return new Sample(at, ProcFs.Memory(pid).RssMb, fds, tcp, established, ProcFs.CpuSeconds(pid), ProcFs.CpuSeconds(azuritePid), ProcFs.OwnCpuSeconds());
        }
    }

    private sealed class Counts
    {
        public int Sent;
        public int Expected;
    }

    /// <summary>The traffic of the loops and its bookkeeping.</summary>
    private sealed class Traffic(HttpClient api, HttpClient wrongKey, HttpClient storage)
    {
        private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89];

        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly UploadLedger _stored = new();
        private readonly ConcurrentQueue<(TimeSpan At, string Kind, double Ms)> _answered = new();
        private int _errors;
        private int _badInputs;

        public ConcurrentDictionary<string, Counts> Counts { get; } = new(StringComparer.Ordinal);

        public ConcurrentQueue<string> Notes { get; } = new();

        public int Errors => Volatile.Read(ref _errors);

        public int BadInputs => Volatile.Read(ref _badInputs);

        public int Stored => _stored.Count;

        /// <summary>Requests answered in [<paramref name="from"/>, <paramref name="to"/>).</summary>
        public int RequestsIn(TimeSpan from, TimeSpan to) => _answered.Count(r => r.At >= from && r.At < to);

        /// <summary>Median latency of the <paramref name="kind"/> requests answered in [<paramref name="from"/>, <paramref name="to"/>).</summary>
        public double MedianMs(string kind, TimeSpan from, TimeSpan to)
        {
            var times = _answered.Where(r => r.Kind == kind && r.At >= from && r.At < to).Select(r => r.Ms).Order().ToList();
            return times.Count == 0 ? double.NaN : Latencies.Percentile(times, 0.50);
        }

        public async Task LoopAsync(Random random, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var pick = random.Next(100);
                try
                {
                    if (pick < 35)
                    {
                        await UrlAsync(random, presign: false).ConfigureAwait(false);
                    }
                    else if (pick < 55)
                    {
                        await UrlAsync(random, presign: true).ConfigureAwait(false);
                    }
                    else if (pick < 80)
                    {
                        await DirectAsync(random).ConfigureAwait(false);
                    }
                    else
                    {
                        Interlocked.Increment(ref _badInputs);
                        await BadInputAsync(random).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    Error($"request failed: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }

        private async Task UrlAsync(Random random, bool presign)
        {
            var size = random.Next(10_000, 200_000);
            using var response = await SendAsync("url", HttpStatusCode.OK, () => api.PostAsJsonAsync(ApiRoutes.Url, new { filename = $"report {random.Next()}.pdf", contentType = "application/pdf", sizeBytes = size })).ConfigureAwait(false);
            if (!presign || response.StatusCode != HttpStatusCode.OK)
            {
                return;
            }

            var url = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
            var blobPath = url.GetProperty("blobPath").GetString()!;
            var bytes = DirectLoad.PdfLike(size);
            using var put = new HttpRequestMessage(HttpMethod.Put, url.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(bytes) };
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var stored = await SendAsync("presigned PUT (storage)", HttpStatusCode.Created, () => storage.SendAsync(put)).ConfigureAwait(false);
            if (stored.StatusCode == HttpStatusCode.Created)
            {
                _stored.Acknowledged(blobPath, bytes.Length);
                await StatusAsync("status (presigned)", blobPath, HttpStatusCode.OK).ConfigureAwait(false);
            }
        }

        private async Task DirectAsync(Random random)
        {
            var bytes = DirectLoad.PdfLike(random.Next(100_000, 1_000_000));
            using var response = await SendAsync("direct upload", HttpStatusCode.Created, () => api.PostAsync(ApiRoutes.Direct, Form(bytes, "scan.pdf", "application/pdf"))).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                var blobPath = (await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("blobPath").GetString()!;
                _stored.Acknowledged(blobPath, bytes.Length);
                await StatusAsync("status (direct)", blobPath, HttpStatusCode.OK).ConfigureAwait(false);
            }
        }

        private async Task BadInputAsync(Random random)
        {
            switch (random.Next(6))
            {
                case 0:
                    using (await SendAsync("bad: wrong API key", HttpStatusCode.Unauthorized, () => wrongKey.PostAsync(ApiRoutes.Url, Json("""{"filename":"a.pdf","contentType":"application/pdf"}"""))).ConfigureAwait(false))
                    {
                    }

                    break;
                case 1:
                    using (await SendAsync("bad: malformed JSON", HttpStatusCode.BadRequest, () => api.PostAsync(ApiRoutes.Url, Json("""{"filename":"a.pdf","contentType":"""))).ConfigureAwait(false))
                    {
                    }

                    break;
                case 2:
                    using (await SendAsync("bad: path traversal name", HttpStatusCode.Forbidden, () => api.PostAsync(ApiRoutes.Url, Json("""{"filename":"../../etc/passwd.pdf","contentType":"application/pdf"}"""))).ConfigureAwait(false))
                    {
                    }

                    break;
                case 3:
                    using (await SendAsync("bad: PNG sent as PDF (direct)", HttpStatusCode.UnsupportedMediaType, () => api.PostAsync(ApiRoutes.Direct, Form(Png, "invoice.pdf", "application/pdf"))).ConfigureAwait(false))
                    {
                    }

                    break;
                case 4:
                    await StatusAsync("bad: status of a path never issued", $"{WorkerUnderTest.ClientId}/{Guid.NewGuid():N}/never.pdf", HttpStatusCode.NotFound).ConfigureAwait(false);
                    break;
                default:
                    using (await SendAsync("bad: direct body not multipart", HttpStatusCode.BadRequest, () => api.PostAsync(ApiRoutes.Direct, new ByteArrayContent(DirectLoad.PdfLike(1000)))).ConfigureAwait(false))
                    {
                    }

                    break;
            }
        }

        private async Task StatusAsync(string kind, string blobPath, HttpStatusCode expected)
        {
            using var response = await SendAsync(kind, expected, () => api.GetAsync(ApiRoutes.Status(blobPath))).ConfigureAwait(false);
        }

        private async Task<HttpResponseMessage> SendAsync(string kind, HttpStatusCode expected, Func<Task<HttpResponseMessage>> send)
        {
            var counts = Counts.GetOrAdd(kind, _ => new Counts());
            Interlocked.Increment(ref counts.Sent);
            var started = Stopwatch.GetTimestamp();
            var response = await send().ConfigureAwait(false);
            _answered.Enqueue((_clock.Elapsed, kind, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            if (response.StatusCode == expected)
            {
                Interlocked.Increment(ref counts.Expected);
            }
            else
            {
                var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                Error($"{kind}: {(int)response.StatusCode} where {(int)expected} was expected: {body[..Math.Min(body.Length, 300)]}");
            }

            return response;
        }

        /// <summary>Every upload storage or the API accepted must be in the uploads container, whole.</summary>
        public async Task<int> CountLostAsync(Azure.Storage.Blobs.BlobContainerClient uploads)
        {
            var count = await _stored.CountAsync(uploads).ConfigureAwait(false);
            foreach (var note in count.Notes)
            {
                Notes.Enqueue(note);
            }

            return count.Lost;
        }

        private void Error(string note)
        {
            Interlocked.Increment(ref _errors);
            if (Notes.Count < 50)
            {
                Notes.Enqueue(note);
            }
        }

        private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

        private static MultipartFormDataContent Form(byte[] bytes, string fileName, string contentType)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            return new MultipartFormDataContent { { part, "file", fileName } };
        }
    }
}
