using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Azure.Storage.Blobs.Models;
using Uploads.Benchmarks.Support;
using Uploads.Core.Consumer;
using Uploads.Core.Naming;
using Uploads.Core.Security;
using Uploads.Core.Verification;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--consumer-cost</c> (issue 21): what the consumer side costs, against Azurite (OAuthHttps, the production
/// identity-based connection):
/// <list type="bullet">
/// <item>storage requests of one verification with its pin, by operation (the pin's share: Snapshot Blob and the pin's
/// Set Blob Tags), counted on the app's own client;</item>
/// <item>storage requests per call of read-url (pinned, verified without a pin, rejected, missing), of a list walk over
/// <c>--uploads</c> uploads in pages of 1,000, and of delete;</item>
/// <item>sequential latency over HTTP through the host emulator and the real worker: <c>--count</c> read-url calls, list
/// pages of 1,000 (<c>--count</c> / 10 walks), and one delete per upload for <c>--deletes</c> uploads.</item>
/// </list>
/// The uploads are made in storage and verified by the app's own verifier (so each has its pin).
/// Options: <c>--uploads 1000</c>, <c>--count 1000</c>, <c>--deletes 200</c>, <c>--warmup-seconds 5</c>.
/// </summary>
internal static class ConsumerCost
{
    private static readonly TimeSpan WindowLimit = TimeSpan.FromSeconds(180);

    public static async Task<int> RunAsync(Args args)
    {
        var uploadCount = args.Int("--uploads", 1000);
        var count = args.Int("--count", 1000);
        var deletes = Math.Min(args.Int("--deletes", 200), uploadCount);
        var warmUp = TimeSpan.FromSeconds(args.Int("--warmup-seconds", 5));
        var png = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png")).ConfigureAwait(false);
        var exe = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("binary-pe.exe")).ConfigureAwait(false);

        // With the queue service: the host's blob-trigger queue is polled for as long as the run lasts.
        await using var azurite = await AzuriteInstance.StartAsync(AzuriteMode.OAuthHttps, withQueueService: true).ConfigureAwait(false);
        await WorkerUnderTest.CreateContainersAsync(azurite).ConfigureAwait(false);
        await using var app = await WorkerUnderTest.StartAsync(azurite).ConfigureAwait(false);
        using var http = app.CreateClient(TimeSpan.FromSeconds(60));
        var uploads = azurite.CreateServiceClient().GetBlobContainerClient("uploads");
        var client = new ApiClient(WorkerUnderTest.ClientId);

        Console.WriteLine($"Consumer side (read-url, list, delete) against Azurite (OAuthHttps), {uploadCount:N0} verified uploads of {png.Length:N0} bytes; {Environment.ProcessorCount} cores.");
        Console.WriteLine();
        await using var services = await UploadsServices.StartAsync(azurite, new Dictionary<string, string?> { ["Uploads:CreateContainers"] = "false" }).ConfigureAwait(false);
        var verifier = services.Get<UploadVerifier>();

        async Task<string> StoreAsync(byte[] content)
        {
            var path = BlobPath.Create(WorkerUnderTest.ClientId, "logo.png", DateTimeOffset.UtcNow);
            await uploads.GetBlobClient(path).UploadAsync(new BinaryData(content)).ConfigureAwait(false);
            return path;
        }

        // One verification, counted by operation: what pinning adds.
        var measured = await StoreAsync(png).ConfigureAwait(false);
        services.Requests.Reset();
        await verifier.VerifyAsync(measured, CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine("Storage requests of one verification (presigned PNG, accepted), by operation:");
        Console.WriteLine();
        Console.WriteLine($"| requests | by operation | of which the pin |");
        Console.WriteLine("|---:|---|---|");
        Console.WriteLine($"| {services.Requests.Total} | {Describe(services.Requests.Snapshot())} | PUT snapshot {services.Requests.Count("PUT", "snapshot")}, PUT tags on the snapshot 1 |");
        Console.WriteLine();

        var watch = Stopwatch.StartNew();
        var paths = new List<string>(uploadCount) { measured };
        for (var i = 1; i < uploadCount; i++)
        {
            paths.Add(await StoreAsync(png).ConfigureAwait(false));
        }

        await Parallel.ForEachAsync(paths.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (path, ct) => await verifier.VerifyAsync(path, ct).ConfigureAwait(false)).ConfigureAwait(false);
        Console.WriteLine($"({uploadCount:N0} uploads stored and verified in {watch.Elapsed.TotalSeconds:0.0} s.)");
        Console.WriteLine();

        var rejected = await StoreAsync(exe).ConfigureAwait(false);
        await verifier.VerifyAsync(rejected, CancellationToken.None).ConfigureAwait(false);
        var unpinned = await StoreAsync(png).ConfigureAwait(false);
        await verifier.VerifyAsync(unpinned, CancellationToken.None).ConfigureAwait(false);
        await uploads.GetBlobClient(unpinned).DeleteAsync(DeleteSnapshotsOption.OnlySnapshots).ConfigureAwait(false);
        var missing = $"{WorkerUnderTest.ClientId}/{new string('0', 32)}/missing.png";

        Console.WriteLine("Storage requests per call (the app's client, counted in-process on the same services the functions call):");
        Console.WriteLine();
        Console.WriteLine("| call | answer | storage requests | by operation |");
        Console.WriteLine("|---|---|---:|---|");
        var readUrls = services.Get<ReadUrlService>();
        foreach (var (what, path) in new[] { ("read-url, verified (pinned)", measured), ("read-url, verified before pins (pinned on this call)", unpinned), ("the same again", unpinned), ("read-url, rejected", rejected), ("read-url, missing", missing) })
        {
            services.Requests.Reset();
            var outcome = await readUrls.IssueAsync(client, new ReadUrlRequest(path), CancellationToken.None).ConfigureAwait(false);
            Row(what, outcome.Problem is { } p ? $"{p.Status} {p.Code}" : "200", services.Requests);
        }

        var catalog = services.Get<UploadCatalog>();
        services.Requests.Reset();
        string? continuation = null;
        var listed = 0;
        var pages = 0;
        do
        {
            var page = await catalog.ListAsync(client, null, "1000", continuation, CancellationToken.None).ConfigureAwait(false);
            listed += page.Value!.Uploads.Count;
            continuation = page.Value.Continuation;
            pages++;
        }
        while (continuation is not null);

        Row($"list, all {listed:N0} uploads in pages of 1,000 ({pages} pages)", "200", services.Requests);
        services.Requests.Reset();
        await catalog.DeleteAsync(client, unpinned, CancellationToken.None).ConfigureAwait(false);
        Row("delete (blob, its pin and snapshots)", "204", services.Requests);
        Console.WriteLine();

        Console.WriteLine("Sequential latency over HTTP through the host emulator and the real worker:");
        Console.WriteLine();
        Console.WriteLine("| call | calls | errors | mean ms | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        HttpRequestMessage ReadUrlRequest() => new(HttpMethod.Post, new Uri("api/integrations/uploads/read-url", UriKind.Relative)) { Content = JsonContent.Create(new { blobPath = measured }) };
        await HttpLoad.RunAsync(http, ReadUrlRequest, HttpStatusCode.OK, 1, warmUp, 1_000_000, () => app.WorkerGone).ConfigureAwait(false);
        var readLoad = await HttpLoad.RunAsync(http, ReadUrlRequest, HttpStatusCode.OK, 1, WindowLimit, count, () => app.WorkerGone).ConfigureAwait(false);
        Print("read-url (pinned)", readLoad.LatenciesMs, readLoad.Errors);

        HttpRequestMessage ListRequest() => new(HttpMethod.Get, new Uri("api/integrations/uploads?pageSize=1000", UriKind.Relative));
        var listLoad = await HttpLoad.RunAsync(http, ListRequest, HttpStatusCode.OK, 1, WindowLimit, Math.Max(10, count / 10), () => app.WorkerGone).ConfigureAwait(false);
        Print("list, first page of 1,000", listLoad.LatenciesMs, listLoad.Errors);

        var deleteLatencies = new List<double>(deletes);
        var deleteErrors = 0;
        foreach (var path in paths.Skip(1).Take(deletes))
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.DeleteAsync(new Uri("api/integrations/uploads?blobPath=" + Uri.EscapeDataString(path), UriKind.Relative)).ConfigureAwait(false);
            deleteLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            deleteErrors += response.StatusCode == HttpStatusCode.NoContent ? 0 : 1;
        }

        deleteLatencies.Sort();
        Print("delete (one upload each)", deleteLatencies, deleteErrors);
        return readLoad.Errors + listLoad.Errors + deleteErrors == 0 ? 0 : 1;
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) => string.Join(", ", counts.Select(p => $"{p.Key} {p.Value}"));

    private static void Row(string what, string answer, RequestCounter requests) =>
        Console.WriteLine($"| {what} | {answer} | {requests.Total} | {Describe(requests.Snapshot())} |");

    private static void Print(string what, List<double> sortedMs, int errors) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {what} | {sortedMs.Count:N0} | {errors} | {sortedMs.Average():0.00} | {Latencies.Percentile(sortedMs, 0.50):0.00} | {Latencies.Percentile(sortedMs, 0.99):0.00} | {sortedMs[^1]:0.00} |"));
}
