using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Uploads.Benchmarks.Support;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--direct-load</c>: rounds of concurrent direct uploads (<c>POST /api/integrations/uploads/direct</c>, multipart)
/// through the real app: the BUILT Functions worker in its own process, run by the host emulator
/// (<see cref="WorkerUnderTest"/>), with Azurite behind it, in both storage modes (<c>OAuthHttps</c>: identity-based
/// connection with managed-identity tokens over HTTPS, as in Azure; <c>SharedKey</c>: the account key over HTTP, as
/// locally). Reports MB/s, uploads/s, latency percentiles and the WORKER process's resident memory (VmRSS before load,
/// VmHWM after) and CPU from /proc; the emulator forwards every request from inside this process, so its CPU is in
/// this process's column (with the load generator's), not in the worker's. A baseline row per mode and size sends
/// the same files straight to Azurite with the SDK. A fresh worker per mode and file size, so each VmHWM belongs to
/// one load. Options: <c>--modes OAuthHttps,SharedKey</c>, <c>--sizes 10000000,10485760</c>, <c>--concurrency 20</c>,
/// <c>--rounds 5</c> (after one warm-up round), <c>--worker-gc server|workstation</c> (default: the worker's own).
/// After each mode the uploads container is LISTED (<see cref="UploadLedger"/>): every 201 must be there with its
/// length, and a blob stored without a 201 is counted. A failed upload is noted with the emulator's log lines that
/// say why (a failed invocation, a failed forwarding, the worker's error).
/// </summary>
internal static class DirectLoad
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(Args args)
    {
        var modes = args.List("--modes", nameof(AzuriteMode.OAuthHttps), nameof(AzuriteMode.SharedKey)).Select(Enum.Parse<AzuriteMode>).ToList();
        var sizes = args.Ints("--sizes", 10_000_000, 10 * 1024 * 1024);
        var concurrency = args.Int("--concurrency", 20);
        var rounds = args.Int("--rounds", 5);
        bool? gcServer = args.Get("--worker-gc") is { } gc ? gc == "server" : null;

        Console.WriteLine($"Direct uploads: {concurrency} concurrent, {rounds} measured rounds (+1 warm-up) per size; {Environment.ProcessorCount} cores; client, host emulator (in this process), worker process and Azurite on this machine.");
        Console.WriteLine();
        Console.WriteLine("| storage | server | file bytes | uploads | MB/s (1 MB = 10^6 B) | uploads/s | p50 ms | p95 ms | max ms | worker RSS before MB | worker peak RSS (VmHWM) MB | (peak - before) / concurrent MB | CPU s: worker / Azurite / this process (client + emulator) | worker GC |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        var notes = new List<string>();
        var listed = new List<string>();
        var failures = 0;
        foreach (var mode in modes)
        {
            await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
            await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);
            var ledger = new UploadLedger();
            foreach (var size in sizes)
            {
                var payload = PdfLike(size);
                failures += await BaselineAsync(mode, azurite, payload, concurrency, rounds).ConfigureAwait(false);
                await using var worker = await WorkerUnderTest.StartAsync(azurite, gcServer).ConfigureAwait(false);
                var before = worker.WorkerMemory();
                using var client = worker.CreateClient(RequestTimeout);

                var warmUp = await RoundAsync(client, payload, concurrency, ledger).ConfigureAwait(false);
                if (warmUp.Failures.Count > 0)
                {
                    notes.Add($"{mode}, {size:N0} B, warm-up round: {warmUp.Failures.Count} of {concurrency} uploads failed ({string.Join(", ", warmUp.Failures)}); emulator log: {worker.FailureLog()}");
                }

                var cpuBefore = (Worker: worker.WorkerCpuSeconds(), Azurite: ProcFs.CpuSeconds(azurite.ProcessId), Own: ProcFs.OwnCpuSeconds());
                var latencies = new List<double>();
                var wall = TimeSpan.Zero;
                for (var round = 0; round < rounds && !worker.WorkerGone; round++)
                {
                    var result = await RoundAsync(client, payload, concurrency, ledger).ConfigureAwait(false);
                    wall += result.Wall;
                    latencies.AddRange(result.LatenciesMs);
                    worker.DrainWorkerLogs();
                }

                if (latencies.Count == 0)
                {
                    throw new InvalidOperationException($"No upload of the measured rounds succeeded (worker gone: {worker.WorkerGone}): {worker.FailureLog()}");
                }

                var after = worker.WorkerMemory();
                var cpu = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{worker.WorkerCpuSeconds() - cpuBefore.Worker:0.0} / {ProcFs.CpuSeconds(azurite.ProcessId) - cpuBefore.Azurite:0.0} / {ProcFs.OwnCpuSeconds() - cpuBefore.Own:0.0}");
                var uploads = rounds * concurrency;
                var errors = uploads - latencies.Count;
                latencies.Sort();
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {mode} | API: Functions worker via host emulator | {size:N0} | {uploads - errors}/{uploads} | {(double)size * (uploads - errors) / 1e6 / wall.TotalSeconds:0.0} | {(uploads - errors) / wall.TotalSeconds:0.0} | {Latencies.Percentile(latencies, 0.50):0} | {Latencies.Percentile(latencies, 0.95):0} | {latencies[^1]:0} | {before.RssMb:0} | {after.HwmMb:0} | {(after.HwmKb - before.RssKb) / 1024.0 / concurrency:0.0} | {cpu} | {worker.Gc} |"));
                failures += errors;
                if (errors > 0)
                {
                    notes.Add($"{mode}, {size:N0} B: {errors} uploads failed; emulator log: {worker.FailureLog()}");
                }
            }

            var count = await ledger.CountAsync(azurite.CreateServiceClient().GetBlobContainerClient("uploads")).ConfigureAwait(false);
            listed.Add(string.Create(CultureInfo.InvariantCulture, $"{mode}: {count.Acknowledged} uploads answered 201 (warm-up included), {count.Lost} of them lost, {count.StoredUnacknowledged} blobs stored without a 201 (uploads container listed)"));
            failures += count.Lost;
            notes.AddRange(count.Notes.Take(10));
        }

        Console.WriteLine();
        Console.WriteLine("Worker = the dotnet process running Uploads.Functions.dll (its CPU and memory alone); the host emulator (Kestrel front + YARP forwarding + gRPC) runs in this benchmark process.");
        foreach (var line in listed)
        {
            Console.WriteLine(line);
        }

        foreach (var note in notes)
        {
            Console.WriteLine($"- {note}");
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// The same files straight to Azurite with the Azure SDK from this process (no API in between), in 4 MiB blocks one
    /// after the other as the API stages them: what the storage emulator alone sustains on this machine.
    /// </summary>
    private static async Task<int> BaselineAsync(AzuriteMode mode, AzuriteInstance azurite, byte[] payload, int concurrency, int rounds)
    {
        var service = mode == AzuriteMode.OAuthHttps ? azurite.CreateOAuthServiceClient() : azurite.CreateServiceClient();
        var container = service.GetBlobContainerClient("baseline");
        await container.CreateIfNotExistsAsync().ConfigureAwait(false);
        var transfer = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 4 * 1024 * 1024, MaximumTransferSize = 4 * 1024 * 1024, MaximumConcurrency = 1 };
        var latencies = new List<double>();
        var wall = TimeSpan.Zero;
        var azuriteCpu = 0.0;
        for (var round = 0; round <= rounds; round++)
        {
            var cpu = ProcFs.CpuSeconds(azurite.ProcessId);
            var watch = Stopwatch.StartNew();
            var times = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                using var content = new MemoryStream(payload, writable: false);
                await container.GetBlobClient($"{Guid.NewGuid():N}.pdf").UploadAsync(content, new Azure.Storage.Blobs.Models.BlobUploadOptions { TransferOptions = transfer }).ConfigureAwait(false);
                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }))).ConfigureAwait(false);
            watch.Stop();
            if (round > 0)
            {
                // Round 0 warms up.
                wall += watch.Elapsed;
                latencies.AddRange(times);
                azuriteCpu += ProcFs.CpuSeconds(azurite.ProcessId) - cpu;
            }
        }

        await container.DeleteAsync().ConfigureAwait(false);
        latencies.Sort();
        var uploads = rounds * concurrency;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {mode} | none: SDK straight to Azurite (baseline) | {payload.Length:N0} | {uploads}/{uploads} | {(double)payload.Length * uploads / 1e6 / wall.TotalSeconds:0.0} | {uploads / wall.TotalSeconds:0.0} | {Latencies.Percentile(latencies, 0.50):0} | {Latencies.Percentile(latencies, 0.95):0} | {latencies[^1]:0} | | | | - / {azuriteCpu:0.0} / | |"));
        return 0;
    }

    /// <summary>A PDF header, random bytes and an end marker: what the sniffer accepts as application/pdf, incompressible.</summary>
    internal static byte[] PdfLike(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        "%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n"u8.CopyTo(bytes);
        "\n%%EOF\n"u8.CopyTo(bytes.AsSpan(size - 7));
        return bytes;
    }

    private static async Task<RoundResult> RoundAsync(HttpClient client, byte[] payload, int concurrency, UploadLedger ledger)
    {
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            using var form = new MultipartFormDataContent();
            var part = new ByteArrayContent(payload);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(part, "file", $"report-{i}.pdf");
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.PostAsync(ApiRoutes.Direct, form).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    await Console.Error.WriteLineAsync($"upload answered {(int)response.StatusCode}: {body}").ConfigureAwait(false);
                    return (Elapsed: elapsed, Failure: $"{(int)response.StatusCode}{(body.Length == 0 ? " (empty body)" : string.Empty)}");
                }

                using var answer = JsonDocument.Parse(body);
                ledger.Acknowledged(answer.RootElement.GetProperty("blobPath").GetString()!, payload.Length);
                return (Elapsed: elapsed, Failure: (string?)null);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"upload failed: {ex.Message}").ConfigureAwait(false);
                return (Elapsed: Stopwatch.GetElapsedTime(started).TotalMilliseconds, Failure: (string?)ex.GetType().Name);
            }
        }))).ConfigureAwait(false);
        watch.Stop();
        var failures = results.Where(r => r.Failure is not null).Select(r => r.Failure!).ToList();
        return new RoundResult(watch.Elapsed, [.. results.Where(r => r.Failure is null).Select(r => r.Elapsed)], failures);
    }

    private sealed record RoundResult(TimeSpan Wall, double[] LatenciesMs, IReadOnlyList<string> Failures);
}
