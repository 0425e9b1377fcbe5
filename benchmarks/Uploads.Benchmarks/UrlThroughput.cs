using System.Diagnostics;
using System.Globalization;
using System.Net;
using Uploads.Benchmarks.Support;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Testing;

namespace Uploads.Benchmarks;

/// <summary>
/// <c>--url-throughput</c>: issues many upload URLs in-process from N parallel tasks with the app's own services against
/// Azurite in <see cref="AzuriteMode.OAuthHttps"/> (user-delegation signing, the production path) and prints URLs/s and
/// the storage and token requests per 1,000 URLs, with and without the start-up (the one Get User Delegation Key).
/// Options: <c>--count 100000</c>, <c>--parallel 1,2,4</c>, <c>--mode OAuthHttps|SharedKey</c>.
/// </summary>
internal static class UrlThroughput
{
    private static readonly ApiClient Client = new("acme");

    public static async Task<int> RunAsync(Args args)
    {
        var count = args.Int("--count", 100_000);
        var parallel = args.Ints("--parallel", 1, 2, 4);
        var mode = Enum.Parse<AzuriteMode>(args.Get("--mode") ?? nameof(AzuriteMode.OAuthHttps));
        Console.WriteLine($"URL issuance throughput: {count:N0} URLs per run, {mode}, {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}");

        await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
        // The containers exist before the app starts, as the deployment template creates them in Azure: start-up then
        // costs what it costs in production.
        await azurite.CreateContainerAsync("uploads").ConfigureAwait(false);
        await azurite.CreateContainerAsync("quarantine").ConfigureAwait(false);

        // JIT and tiering warm-up on services of its own (not counted).
        await using (var warm = await AppServices.StartAsync(azurite, createContainers: false).ConfigureAwait(false))
        {
            await IssueAsync(warm.Get<UploadUrlService>(), Math.Min(count, 20_000), 2).ConfigureAwait(false);
        }

        Console.WriteLine();
        Console.WriteLine("| tasks | URLs | seconds | URLs/s | storage requests (start-up) | storage requests (issuing) | per 1,000 URLs incl. start-up | per 1,000 excl. start-up | tokens (start-up / issuing) | allocated per URL |");
        Console.WriteLine("|---:|---:|---:|---:|---|---:|---:|---:|---|---:|");
        Uri? lastUrl = null;
        foreach (var tasks in parallel)
        {
            var tokensBefore = azurite.Credential.TokensIssued;
            await using var services = await AppServices.StartAsync(azurite, createContainers: false).ConfigureAwait(false);
            var startupRequests = services.Requests.Total;
            var startupDetail = services.Requests.ToString();
            var startupTokens = azurite.Credential.TokensIssued - tokensBefore;

            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            lastUrl = await IssueAsync(services.Get<UploadUrlService>(), count, tasks).ConfigureAwait(false);
            watch.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

            var issuingRequests = services.Requests.Total - startupRequests;
            var issuingTokens = azurite.Credential.TokensIssued - tokensBefore - startupTokens;
            var perThousandWith = (startupRequests + issuingRequests) * 1000.0 / count;
            var perThousandWithout = issuingRequests * 1000.0 / count;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {tasks} | {count:N0} | {watch.Elapsed.TotalSeconds:0.000} | {count / watch.Elapsed.TotalSeconds:N0} | {startupRequests} ({startupDetail}) | {issuingRequests} | {perThousandWith:0.###} | {perThousandWithout:0.###} | {startupTokens} / {issuingTokens} | {allocated / (double)count:N0} B |"));
        }

        // The URLs are real: the last one accepts a single PUT (not through the app's clients, so not counted above).
        using var http = azurite.CreateHttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, lastUrl) { Content = new ByteArrayContent("%PDF-1.7\n"u8.ToArray()) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var response = await http.SendAsync(put).ConfigureAwait(false);
        Console.WriteLine();
        Console.WriteLine($"Check: a single PUT to the last URL issued answered {(int)response.StatusCode} {response.StatusCode}.");
        return response.StatusCode == HttpStatusCode.Created ? 0 : 1;
    }

    /// <summary>Issues <paramref name="count"/> URLs from <paramref name="tasks"/> parallel loops; returns the last URL.</summary>
    private static async Task<Uri> IssueAsync(UploadUrlService urls, int count, int tasks)
    {
        var loops = new Task<Uri>[tasks];
        for (var t = 0; t < tasks; t++)
        {
            var share = count / tasks + (t < count % tasks ? 1 : 0);
            loops[t] = Task.Run(async () =>
            {
                var request = new UploadUrlRequest("quarterly report.pdf", "application/pdf", 123_456);
                Uri? last = null;
                for (var i = 0; i < share; i++)
                {
                    var outcome = await urls.IssueAsync(Client, request, CancellationToken.None).ConfigureAwait(false);
                    last = outcome.Value?.UploadUrl ?? throw new InvalidOperationException($"IssueAsync refused: {outcome.Problem?.Detail}");
                }

                return last!;
            });
        }

        var results = await Task.WhenAll(loops).ConfigureAwait(false);
        return results[^1];
    }
}
