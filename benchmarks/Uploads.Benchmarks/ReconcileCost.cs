using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs.Models;
using Uploads.Benchmarks.Support;
using Uploads.Core.Verification;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--reconcile-cost</c>: the storage cost of one reconciliation pass (<see cref="UploadReconciler.RunAsync"/>, the
/// timer's work) over an uploads container of N blobs, of which P have no verdict (their event never came) and the
/// rest are verified: List Blobs calls (with tags) per 10,000 blobs, all requests per pass and per pending blob, and
/// the pass's time. Azurite in <see cref="AzuriteMode.OAuthHttps"/>, the app's identity-based client.
/// Options: <c>--blobs 10000</c>, <c>--pending 100</c>.
/// </summary>
internal static class ReconcileCost
{
    public static async Task<int> RunAsync(Args args)
    {
        var blobs = args.Int("--blobs", 10_000);
        var pending = Math.Min(args.Int("--pending", 100), blobs);
        var png = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png")).ConfigureAwait(false);

        await using var azurite = await AzuriteInstance.StartAsync(AzuriteMode.OAuthHttps).ConfigureAwait(false);
        await using var services = await UploadsServices.StartAsync(azurite, new Dictionary<string, string?> { ["Verification:ReconcileGracePeriod"] = "00:00:00" }).ConfigureAwait(false);
        // Blobs are written with another client (not counted); verified ones get the verdict tags the app would write.
        var uploads = azurite.CreateServiceClient().GetBlobContainerClient("uploads");
        var fill = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, blobs), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var blob = uploads.GetBlobClient($"bench/{i:x8}/photo-{i}.png");
            var info = (await blob.UploadAsync(new BinaryData(png), new BlobUploadOptions { HttpHeaders = VerdictStore.VerifiedHeaders(blob.Name, "image/png", null) }, ct).ConfigureAwait(false)).Value;
            if (i >= pending)
            {
                await blob.SetTagsAsync(VerdictTags.ForVerified(info.ETag, "image/png", DateTimeOffset.UtcNow), cancellationToken: ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        Console.WriteLine($"container filled: {blobs} blobs ({pending} without a verdict) in {fill.Elapsed.TotalSeconds:0.0} s");

        var reconciler = services.Get<UploadReconciler>();
        foreach (var run in new[] { "first pass (verifies the pending ones)", "second pass (steady state)" })
        {
            var before = services.Requests.Snapshot();
            var watch = Stopwatch.StartNew();
            var pass = await reconciler.RunAsync(CancellationToken.None).ConfigureAwait(false);
            watch.Stop();
            var after = services.Requests.Snapshot();
            var used = after.ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key));
            var total = used.Values.Sum();
            var lists = used.GetValueOrDefault("GET list");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run}: {pass.Scanned} listed, {pass.Verified} verified, {pass.Rejected} rejected, {pass.Failed} failed; {lists} List Blobs calls ({lists * 10_000.0 / Math.Max(1, pass.Scanned):0.00} per 10,000 blobs), {total} requests in all ({(pass.Verified + pass.Rejected) switch { 0 => "-", var n => ((total - lists) / (double)n).ToString("0.0", CultureInfo.InvariantCulture) }} per blob verified), {watch.Elapsed.TotalSeconds:0.00} s"));
            Console.WriteLine("  requests: " + string.Join(", ", used.Where(p => p.Value > 0).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
        }

        return 0;
    }
}
