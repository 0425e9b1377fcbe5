using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.Benchmarks.Support;
using Uploads.Core.Security;
using Uploads.Core.Verification;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--status-latency</c>: what one <c>GET /api/integrations/uploads/status</c> costs, per state of the path, against
/// Azurite (OAuthHttps, the production identity-based connection):
/// <list type="bullet">
/// <item>storage requests per call, counted on the app's own client (<see cref="UploadsServices"/>, the same
/// <see cref="UploadStatusService"/> the function calls) for a verified, a rejected (quarantined) and a missing path,
/// and for a pending blob (verified on read);</item>
/// <item>latency over HTTP through the host emulator and the real worker, sequential: <c>--count</c> calls per state
/// after <c>--warmup-seconds</c> of the same call; a pending blob is a fresh upload per call (<c>--pending 200</c>),
/// since the first call verifies it.</item>
/// </list>
/// Options: <c>--count 2000</c>, <c>--warmup-seconds 5</c>, <c>--pending 200</c>.
/// </summary>
internal static class StatusLatency
{
    private static readonly TimeSpan WindowLimit = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(Args args)
    {
        var count = args.Int("--count", 2000);
        var warmUp = TimeSpan.FromSeconds(args.Int("--warmup-seconds", 5));
        var pending = args.Int("--pending", 200);
        var png = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png")).ConfigureAwait(false);
        var exe = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("binary-pe.exe")).ConfigureAwait(false);

        await using var azurite = await AzuriteInstance.StartAsync(AzuriteMode.OAuthHttps).ConfigureAwait(false);
        await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);
        await using var app = await WorkerUnderTest.StartAsync(azurite).ConfigureAwait(false);
        using var http = app.CreateClient(TimeSpan.FromSeconds(30));
        using var storage = azurite.CreateHttpClient();

        async Task<string> PresignedAsync(byte[] content)
        {
            using var issued = await http.PostAsJsonAsync(ApiRoutes.Url, new { filename = "logo.png", contentType = "image/png" }).ConfigureAwait(false);
            issued.EnsureSuccessStatusCode();
            var body = await issued.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
            using var put = new HttpRequestMessage(HttpMethod.Put, body.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(content) };
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var stored = await storage.SendAsync(put).ConfigureAwait(false);
            stored.EnsureSuccessStatusCode();
            return body.GetProperty("blobPath").GetString()!;
        }

        async Task<string> StatusAsync(string path)
        {
            using var response = await http.GetAsync(ApiRoutes.Status(path)).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.NotFound ? "missing" : (await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("status").GetString()!;
        }

        // One path per state. The rejected one is answered at once; wait until its move to quarantine is done.
        var verified = await PresignedAsync(png).ConfigureAwait(false);
        var rejected = await PresignedAsync(exe).ConfigureAwait(false);
        var missing = $"{WorkerUnderTest.ClientId}/{new string('0', 32)}/missing.png";
        if (await StatusAsync(verified).ConfigureAwait(false) != "verified" || await StatusAsync(rejected).ConfigureAwait(false) != "rejected")
        {
            throw new InvalidOperationException("The prepared paths did not reach their states.");
        }

        var uploads = azurite.CreateServiceClient().GetBlobContainerClient("uploads");
        for (var i = 0; i < 100 && (await uploads.GetBlobClient(rejected).ExistsAsync().ConfigureAwait(false)).Value; i++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        Console.WriteLine($"Status latency and storage requests per call, against Azurite (OAuthHttps) through the host emulator and the real worker; sequential; {Environment.ProcessorCount} cores.");
        Console.WriteLine();
        Console.WriteLine("Storage requests per status call (the app's client, counted in-process on the same service):");
        Console.WriteLine();
        Console.WriteLine("| path state | answer | storage requests | by operation |");
        Console.WriteLine("|---|---|---:|---|");
        var client = new ApiClient(WorkerUnderTest.ClientId);
        await using (var services = await UploadsServices.StartAsync(azurite, new Dictionary<string, string?> { ["Uploads:CreateContainers"] = "false" }).ConfigureAwait(false))
        {
            var statuses = services.Get<UploadStatusService>();
            var fresh = await PresignedAsync(png).ConfigureAwait(false);
            foreach (var (state, path) in new[] { ("verified", verified), ("rejected (in quarantine)", rejected), ("missing", missing), ("pending (verified on read)", fresh), ("the same, now verified", fresh) })
            {
                services.Requests.Reset();
                var outcome = await statuses.GetAsync(client, path, CancellationToken.None).ConfigureAwait(false);
                var answer = outcome.Problem is { } problem ? problem.Status.ToString(CultureInfo.InvariantCulture) : UploadStates.NameOf(outcome.Value!.Status);
                Console.WriteLine($"| {state} | {answer} | {services.Requests.Total} | {string.Join(", ", services.Requests.Snapshot().Select(p => $"{p.Key} {p.Value}"))} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine("| path state | calls | errors | mean ms | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var errors = 0;
        foreach (var (state, path, expected) in new[] { ("verified", verified, HttpStatusCode.OK), ("rejected", rejected, HttpStatusCode.OK), ("missing", missing, HttpStatusCode.NotFound) })
        {
            await HttpLoad.RunAsync(http, () => new HttpRequestMessage(HttpMethod.Get, ApiRoutes.Status(path)), expected, 1, warmUp, 1_000_000, () => app.WorkerGone).ConfigureAwait(false);
            var load = await HttpLoad.RunAsync(http, () => new HttpRequestMessage(HttpMethod.Get, ApiRoutes.Status(path)), expected, 1, WindowLimit, count, () => app.WorkerGone).ConfigureAwait(false);
            Print(state, load.LatenciesMs, load.Errors);
            errors += load.Errors;
        }

        // A pending blob: each call is the first for a fresh upload (verified on read: properties, head range read, headers, tags).
        var pendingLatencies = new List<double>(pending);
        var pendingErrors = 0;
        for (var i = 0; i < pending; i++)
        {
            var path = await PresignedAsync(png).ConfigureAwait(false);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var state = await StatusAsync(path).ConfigureAwait(false);
            pendingLatencies.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            pendingErrors += state == "verified" ? 0 : 1;
        }

        pendingLatencies.Sort();
        Print("pending (first call verifies it)", pendingLatencies, pendingErrors);
        return errors + pendingErrors == 0 ? 0 : 1;
    }

    private static void Print(string state, List<double> sortedMs, int errors) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {state} | {sortedMs.Count:N0} | {errors} | {sortedMs.Average():0.00} | {Latencies.Percentile(sortedMs, 0.50):0.00} | {Latencies.Percentile(sortedMs, 0.99):0.00} | {sortedMs[^1]:0.00} |"));
}
