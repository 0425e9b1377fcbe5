using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.HostEmulator;
using Uploads.HostEmulator.Queues;
using Uploads.Policy;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Reliability;

/// <summary>
/// Storage faults between the built worker and Azurite, injected by the relay on the app's storage connection: what
/// a client sees, and what storage holds afterwards (read straight from Azurite). Each test heals the relay.
/// </summary>
public sealed class StorageFaultTests(FaultyStorageApiHost host) : IClassFixture<FaultyStorageApiHost>, IDisposable
{
    private const string DirectRoute = "/" + HttpRoutes.DirectPath;

    public void Dispose() => host.Relay.Heal();

    private static byte[] Pdf(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    private async Task<List<string>> CommittedAsync(string prefix) => [.. (await host.StoredAsync(prefix)).Select(blob => blob.Name)];

    private static async Task AssertRetryableProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After in seconds");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("service_unavailable", problem.GetProperty("code").GetString());
        Assert.DoesNotContain("   at ", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public Task DirectUpload_ConnectionsResetMidUpload_503RetryAfterNoCommittedBlobThenRetrySucceeds() =>
        // The first block (4 MiB) is on its way when every connection to storage starts being reset.
        FaultMidDirectUploadThenRetryAsync(() => host.Relay.ResetAfter(1024 * 1024), RelayFault.Reset);

    [Fact]
    public Task DirectUpload_StorageStallsMidUpload_503RetryAfterWithinTheTimeoutNoCommittedBlobThenRetrySucceeds() =>
        // The first block is on its way when storage stops answering: every connection, open or new, holds what it
        // receives and forwards nothing. The storage client gives up on each try after the network timeout; with the
        // SDK's defaults (four tries of 100 s) the test client's own timeout (2 minutes) would expire first.
        FaultMidDirectUploadThenRetryAsync(() => host.Relay.StallAfter(1024 * 1024), RelayFault.BlackHole);

    /// <summary>A 6 MiB direct upload meets <paramref name="arm"/>'s fault: a retryable 503, nothing committed; healed, the same request stores it whole, once.</summary>
    private async Task FaultMidDirectUploadThenRetryAsync(Action arm, RelayFault fault)
    {
        using var api = host.CreateClient();
        var before = await CommittedAsync(ApiHost.ClientId + "/");
        var file = Pdf(6 * 1024 * 1024);

        arm();
        using (var failed = await api.PostAsync(DirectRoute, new MultipartFormDataContent { { new ByteArrayContent(file), "file", "fault.pdf" } }))
        {
            await AssertRetryableProblemAsync(failed);
        }

        Assert.Equal(fault, host.Relay.Fault);
        Assert.Equal(before, await CommittedAsync(ApiHost.ClientId + "/"));

        host.Relay.Heal();
        using var retried = await api.PostAsync(DirectRoute, new MultipartFormDataContent { { new ByteArrayContent(file), "file", "fault.pdf" } });
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var blobPath = (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("blobPath").GetString()!;
        Assert.Equal([.. before.Append(blobPath).Order(StringComparer.Ordinal)], (await CommittedAsync(ApiHost.ClientId + "/")).Order(StringComparer.Ordinal));
        Assert.Equal(file.Length, (await host.Uploads.GetBlobClient(blobPath).GetPropertiesAsync()).Value.ContentLength);
    }

    [Fact]
    public async Task UploadUrl_StorageStalledAndSlow_UrlsKeepFlowingFromTheCachedKey()
    {
        using var api = host.CreateClient();
        using (var warm = await api.PostAsJsonAsync(HttpRoutes.UploadUrlPath, new { filename = "warm.pdf", contentType = "application/pdf" }))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        host.Relay.Latency = TimeSpan.FromSeconds(5);
        host.Relay.Fault = RelayFault.BlackHole;
        var upstream = host.Relay.UpstreamBytes;
        for (var i = 0; i < 50; i++)
        {
            using var response = await api.PostAsJsonAsync(HttpRoutes.UploadUrlPath, new { filename = $"report-{i}.pdf", contentType = "application/pdf" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Not one byte went to storage: issuing a URL is local work with the cached user-delegation key.
        Assert.Equal(upstream, host.Relay.UpstreamBytes);
    }

    [Fact]
    public async Task Status_StorageResetting_503RetryAfterThenAnswersWhenHealed()
    {
        using var api = host.CreateClient();
        using var direct = await api.PostAsync(DirectRoute, new MultipartFormDataContent { { new ByteArrayContent(Pdf(10_000)), "file", "status.pdf" } });
        Assert.Equal(HttpStatusCode.Created, direct.StatusCode);
        var location = direct.Headers.Location!;

        host.Relay.Fault = RelayFault.Reset;
        using (var failed = await api.GetAsync(location))
        {
            await AssertRetryableProblemAsync(failed);
        }

        host.Relay.Heal();
        using var answered = await api.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("verified", (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task VerifyUpload_StorageResettingForEveryTry_FiveTriesThenThePoisonQueueAndLogged()
    {
        var blobPath = await host.PresignedUploadAsync("image.png", "poisoned.png", "image/png");
        var blobUrl = host.Uploads.GetBlobClient(blobPath).Uri;
        using var webhook = new HttpClient { BaseAddress = host.BaseAddress };

        host.Relay.Fault = RelayFault.Reset;
        using (var response = await webhook.PostAsync(EventGridWebhook.Path, EventGridWebhook.Events(EventGridWebhook.BlobCreated(blobUrl), "Notification")))
        {
            // Taken at once; the failures come later, from the host's queue.
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        List<QueueMessageOutcome> Tries() => [.. host.App.QueueOutcomes.Where(o => EventGridWebhook.QueuedBlobOf(o) == "uploads/" + blobPath)];
        Assert.True(
            await Eventually.WithinAsync(() => Tries().Any(o => o.Result == QueueMessageResult.Poisoned), TimeSpan.FromMinutes(3)),
            $"Not poisoned: {string.Join(", ", Tries())}. Host log:{Environment.NewLine}{host.App.HostLog}");
        host.Relay.Heal();

        // The host's QueueProcessor: tries 1-4 go back to the queue, the fifth failure moves the message to
        // webjobs-blobtrigger-poison; each failure is in the host's log.
        Assert.Equal(
            [(1, QueueMessageResult.Released), (2, QueueMessageResult.Released), (3, QueueMessageResult.Released), (4, QueueMessageResult.Released), (5, QueueMessageResult.Poisoned)],
            Tries().Select(o => ((int)o.DequeueCount, o.Result)));
        var poison = host.Azurite.CreateQueueServiceClient().GetQueueClient(FunctionsHostEmulator.BlobTriggerPoisonQueueName);
        var poisoned = (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToList();
        Assert.Contains(poisoned, text => text.Contains($"\"BlobName\":\"{blobPath}\"", StringComparison.Ordinal) && text.Contains("\"FunctionId\":\"Host.Functions.VerifyUpload\"", StringComparison.Ordinal));
        Assert.Equal(5, host.App.HostLog.Split(Environment.NewLine).Count(line => line.Contains("Executed 'Functions.VerifyUpload' (Failed", StringComparison.Ordinal) && line.Contains(blobPath, StringComparison.Ordinal)));
    }
}
