using System.Diagnostics;
using System.Globalization;
using System.Net;
using Uploads.Benchmarks.Support;
using Uploads.Core.Security;
using Uploads.Core.Uploads;
using Uploads.Policy;
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
    /// <summary>The containers exist beforehand, as in Azure (the template creates them): start-up costs what it costs there.</summary>
    private static readonly Dictionary<string, string?> NoContainerCreation = new(StringComparer.Ordinal) { ["Uploads:CreateContainers"] = "false" };

    private static readonly ApiClient Client = new("acme");

    public static async Task<int> RunAsync(Args args)
    {
        var count = args.Int("--count", 100_000);
        var parallel = args.Ints("--parallel", 1, 2, 4);
        var repeat = args.Int("--repeat", 3);
        var mode = Enum.Parse<AzuriteMode>(args.Get("--mode") ?? nameof(AzuriteMode.OAuthHttps));
        Console.WriteLine($"URL issuance throughput: {count:N0} URLs per run, {mode}, {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}");

        await using var azurite = await AzuriteInstance.StartAsync(mode).ConfigureAwait(false);
        // The containers exist before the app starts, as the deployment template creates them in Azure: start-up then
        // costs what it costs in production.
        await azurite.CreateContainerAsync("uploads").ConfigureAwait(false);
        await azurite.CreateContainerAsync("quarantine").ConfigureAwait(false);

        // JIT and tiering warm-up on services of its own (not counted): tiered compilation needs a few seconds of calls
        // before the hot path is fully optimized (a 20,000-URL warm-up left the first run 2-3 times slower).
        await using (var warm = await UploadsServices.StartAsync(azurite, NoContainerCreation).ConfigureAwait(false))
        {
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed < TimeSpan.FromSeconds(5))
            {
                await IssueAsync(warm.Get<UploadUrlService>(), 20_000, 1 + (int)(warmUp.ElapsedMilliseconds / 1000 % 2)).ConfigureAwait(false);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Each row: {repeat} runs on fresh services (start-up included in each); URLs/s is the median run (min-max); counts are per run.");
        Console.WriteLine();
        Console.WriteLine("| tasks | URLs | seconds (median) | URLs/s median (min-max) | storage requests (start-up) | storage requests (issuing) | per 1,000 URLs incl. start-up | per 1,000 excl. start-up | tokens (start-up / issuing) | allocated per URL |");
        Console.WriteLine("|---:|---:|---:|---:|---|---:|---:|---:|---|---:|");
        Uri? lastUrl = null;
        foreach (var tasks in parallel)
        {
            var runs = new List<Run>();
            for (var r = 0; r < repeat; r++)
            {
                var tokensBefore = azurite.Credential.TokensIssued;
                await using var services = await UploadsServices.StartAsync(azurite, NoContainerCreation).ConfigureAwait(false);
                var startupRequests = services.Requests.Total;
                var startupDetail = services.Requests.ToString();
                var startupTokens = azurite.Credential.TokensIssued - tokensBefore;

                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                lastUrl = await IssueAsync(services.Get<UploadUrlService>(), count, tasks).ConfigureAwait(false);
                watch.Stop();
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                runs.Add(new Run(watch.Elapsed, startupRequests, startupDetail, services.Requests.Total - startupRequests,
                    startupTokens, azurite.Credential.TokensIssued - tokensBefore - startupTokens, allocated));
            }

            runs.Sort((a, b) => a.Elapsed.CompareTo(b.Elapsed));
            var median = runs[runs.Count / 2];
            var perThousandWith = (median.StartupRequests + median.IssuingRequests) * 1000.0 / count;
            var perThousandWithout = median.IssuingRequests * 1000.0 / count;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {tasks} | {count:N0} | {median.Elapsed.TotalSeconds:0.000} | {count / median.Elapsed.TotalSeconds:N0} ({count / runs[^1].Elapsed.TotalSeconds:N0}-{count / runs[0].Elapsed.TotalSeconds:N0}) | {median.StartupRequests} ({median.StartupDetail}) | {runs.Max(x => x.IssuingRequests)} | {perThousandWith:0.###} | {perThousandWithout:0.###} | {median.StartupTokens} / {runs.Max(x => x.IssuingTokens)} | {median.Allocated / (double)count:N0} B |"));
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

    private sealed record Run(TimeSpan Elapsed, int StartupRequests, string StartupDetail, int IssuingRequests, int StartupTokens, int IssuingTokens, long Allocated);

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
