using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Uploads.EndToEnd.Tests.Support;
using Uploads.HostEmulator.Queues;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Http;

/// <summary>
/// The Event Grid path of the Blob trigger, as the postdeploy hook's subscription drives it in Azure: the handshake,
/// then BlobCreated events posted to the trigger's webhook, served by the host emulator as the host's Blobs extension
/// serves them: each event is put on the host's queue in AzureWebJobsStorage (Azurite's queue service) and answered
/// 202, and the queue later runs the worker's VerifyUpload with the blob as deferred-binding data (a BlobClient on the
/// UploadStorage connection). Every answer here is the host's, pinned against the real host run side by side.
/// </summary>
public sealed class BlobTriggerWebhookTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string Webhook = EventGridWebhook.Path;

    private static StringContent Events(string events, string eventType) => EventGridWebhook.Events(events, eventType);

    private static string BlobCreated(Uri blobUrl) => EventGridWebhook.BlobCreated(blobUrl);

    [Fact]
    public async Task Post_SubscriptionValidation_EchoesTheCodeAsTextPlainAsTheHost()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var validation = new[]
        {
            new
            {
                id = Guid.NewGuid().ToString(),
                topic = "/subscriptions/x",
                subject = "",
                eventType = "Microsoft.EventGrid.SubscriptionValidationEvent",
                eventTime = DateTimeOffset.UtcNow,
                dataVersion = "1",
                data = new { validationCode = "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", validationUrl = "https://example.invalid" },
            },
        };

        using var response = await http.PostAsync(Webhook, Events(JsonSerializer.Serialize(validation), "SubscriptionValidation"));

        // The host's Blobs extension answers with a StringContent holding the JSON: text/plain; charset=utf-8.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("validationResponse").GetString());
    }

    [Theory]
    [InlineData("image.png", "logo.png", "image/png", "verified")]
    [InlineData("document.pdf", "logo.png", "image/png", null)]
    public async Task Post_BlobCreated_202ThenVerifyUploadRunsFromTheHostQueue(string corpusFile, string name, string type, string? verdictTag)
    {
        var blobPath = await host.PresignedUploadAsync(corpusFile, name, type);
        var blob = host.Uploads.GetBlobClient(blobPath);

        // NotifyAsync waits for the host's queue to run the event after the 202, as the host does.
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, blob.Uri));

        var outcome = Assert.Single(host.App.QueueOutcomes, o => EventGridWebhook.QueuedBlobOf(o) == "uploads/" + blobPath);
        Assert.Equal(host.App.Emulator.BlobTriggerQueueName, outcome.QueueName);
        Assert.Equal(QueueMessageResult.Completed, outcome.Result);
        if (verdictTag is null)
        {
            Assert.False((await blob.ExistsAsync()).Value);
            Assert.True((await host.Quarantine.GetBlobClient(blobPath).ExistsAsync()).Value);
        }
        else
        {
            Assert.Equal(verdictTag, (await blob.GetTagsAsync()).Value.Tags["verdict"]);
        }
    }

    [Fact]
    public async Task Post_SameBlobCreatedTwice_HostRunsTheFunctionAgainAndTheVerdictStands()
    {
        var blobPath = await host.PresignedUploadAsync("image.png", "again.png", "image/png");
        var blob = host.Uploads.GetBlobClient(blobPath);

        // The host keeps no receipt for Event Grid deliveries: a duplicate event is queued and run again.
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, blob.Uri));
        Assert.Equal(HttpStatusCode.Accepted, await EventGridWebhook.NotifyAsync(host.App, blob.Uri));

        var runs = host.App.QueueOutcomes.Where(o => EventGridWebhook.QueuedBlobOf(o) == "uploads/" + blobPath).ToList();
        Assert.Equal(2, runs.Select(o => o.MessageId).Distinct().Count());
        Assert.All(runs, o => Assert.Equal(QueueMessageResult.Completed, o.Result));
        Assert.Equal("verified", (await blob.GetTagsAsync()).Value.Tags["verdict"]);
        Assert.Single(host.WorkerLogs, l => l.EventId == "Verified" && l.Message.Contains(blobPath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_BurstOf1000BlobCreatedWithDuplicates_Each202BeforeItRunsAndEveryBlobGetsOneVerdict()
    {
        const int Blobs = 250;
        const int Copies = 4;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;

        // An app of its own on the fixture's storage (its own host id: its own queue), whose queue holds every message
        // at the gate until every event has been answered: an event run inline could not be held there.
        var app = await FunctionsApp.StartAsync(
            host.Azurite,
            new Dictionary<string, string?>
            {
                [$"ApiKeys__Clients__{ApiHost.ClientId}"] = Uploads.Core.Security.ApiKeyMinter.HashOf(host.ApiKey),
                ["AzureFunctionsWebHost__hostid"] = "burst-" + Guid.NewGuid().ToString("N")[..12],
            },
            beforeQueueMessage: async (_, _, cancellationToken) =>
            {
                Interlocked.Increment(ref held);
                await gate.Task.WaitAsync(cancellationToken);
            });
        try
        {
            var png = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("image.png"));
            var pdf = await File.ReadAllBytesAsync(TestFixtures.CorpusFile("document.pdf"));
            var uploads = new (Uri Url, string Path, bool Valid)[Blobs];
            using var api = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            api.DefaultRequestHeaders.Add("X-API-Key", host.ApiKey);
            using var storage = host.Azurite.CreateHttpClient();
            await Parallel.ForAsync(0, Blobs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                var url = await PresignedUpload.UploadAsync(api, storage, i % 2 == 0 ? png : pdf, $"burst-{i}.png", "image/png", ct);
                uploads[i] = (url.UploadUrl, url.BlobPath, i % 2 == 0);
            });

            // 1,000 deliveries of one event each (Event Grid's default batch), every blob four times, shuffled.
            var deliveries = Enumerable.Range(0, Blobs * Copies).Select(n => uploads[n % Blobs]).ToArray();
            Random.Shared.Shuffle(deliveries);
            using var webhook = new HttpClient { BaseAddress = app.BaseAddress };
            var statuses = new HttpStatusCode[deliveries.Length];
            await Parallel.ForAsync(0, deliveries.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, ct) =>
            {
                using var body = Events(JsonSerializer.Serialize(new[] { EventGridWebhook.BlobCreatedEvent(deliveries[n].Url) }), "Notification");
                using var response = await webhook.PostAsync(EventGridWebhook.Path, body, ct);
                statuses[n] = response.StatusCode;
            });

            // Every event was answered 202 while no function had run: none was invoked inline, all wait in the queue.
            Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Accepted, status));
            Assert.Equal(0, app.Emulator.BlobTriggerInvocations);
            Assert.True(await Eventually.WithinAsync(() => Volatile.Read(ref held) > 0, EventGridWebhook.QueuedRunBound), "The host's queue never took a message.");

            gate.SetResult();
            var bound = TimeSpan.FromMinutes(4);
            Assert.True(
                await Eventually.WithinAsync(() => app.QueueOutcomes.Count(o => o.Result != QueueMessageResult.Released) >= deliveries.Length, bound),
                $"{app.QueueOutcomes.Count} of {deliveries.Length} queued events ran within {bound.TotalMinutes:0} minutes. Host log:{Environment.NewLine}{app.HostLog}");

            Assert.All(app.QueueOutcomes, o => Assert.Equal(QueueMessageResult.Completed, o.Result));
            Assert.Equal(deliveries.Length, app.Emulator.BlobTriggerInvocations);
            foreach (var (_, path, valid) in uploads)
            {
                Assert.Equal(Copies, app.QueueOutcomes.Count(o => EventGridWebhook.QueuedBlobOf(o) == "uploads/" + path));
                Assert.Single(app.WorkerLogs, l => l.EventId == (valid ? "Verified" : "Rejected") && l.Message.Contains(path, StringComparison.Ordinal));
                Assert.DoesNotContain(app.WorkerLogs, l => l.EventId == (valid ? "Rejected" : "Verified") && l.Message.Contains(path, StringComparison.Ordinal));
                Assert.Equal(valid, (await host.Uploads.GetBlobClient(path).ExistsAsync()).Value);
                Assert.Equal(!valid, (await host.Quarantine.GetBlobClient(path).ExistsAsync()).Value);
            }
        }
        finally
        {
            gate.TrySetResult();
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("&code=wrong-key")]
    public async Task Post_WithoutTheSystemKey_HostsBare401WithBearerChallenge(string code)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.PostAsync("/runtime/webhooks/blobs?functionName=Host.Functions.VerifyUpload" + code, Events("[]", "Notification"));

        // The host's key check: 401, nothing in the body, WWW-Authenticate: Bearer.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task Get_WithTheKey_HostsBare400()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync(Webhook);

        // HttpRequestProcessor: neither a SubscriptionValidation, Notification nor Unsubscribe event type: 400, empty.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Post_BlobCreatedWithoutEventTypeHeader_HostsBare400AndNothingRuns()
    {
        var blobPath = await host.PresignedUploadAsync("image.png", "logo.png", "image/png");
        var blob = host.Uploads.GetBlobClient(blobPath);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var events = new StringContent(BlobCreated(blob.Uri), System.Text.Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(Webhook, events);

        // HttpRequestProcessor: no aeg-event-type header is no notification: 400, and nothing is queued (the host
        // queues an event before it answers, so the queue shows it at once).
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var queue = host.Azurite.CreateQueueServiceClient().GetQueueClient(host.App.Emulator.BlobTriggerQueueName);
        Assert.DoesNotContain(
            (await queue.ExistsAsync()).Value ? (await queue.PeekMessagesAsync(32)).Value : [],
            m => m.Body.ToString().Contains(blobPath, StringComparison.Ordinal));
    }

    public static TheoryData<string> MalformedBodies() =>
    [
        "",
        "not json",
        "{}",
        "[{}]",
        "[{\"id\":\"1\",\"subject\":\"s\",\"eventType\":\"Microsoft.Storage.BlobCreated\",\"eventTime\":\"2026-12-01T00:00:00Z\",\"dataVersion\":\"\",\"data\":{\"url\":\"not a url\"}}]",
        "[{\"id\":\"1\",\"subject\":\"s\",\"eventType\":\"Microsoft.Storage.BlobCreated\",\"eventTime\":\"2026-12-01T00:00:00Z\",\"dataVersion\":\"\",\"data\":{\"url\":\"https://127.0.0.1:10000/devstoreaccount1/uploads\"}}]",
        "[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"Microsoft.Storage.BlobCreated\",\"data\":{\"url\":\"https://127.0.0.1:10000/devstoreaccount1/uploads/a/b.pdf\"}}]",
    ];

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Post_MalformedEvents_HostsBare500(string body)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.PostAsync(Webhook, Events(body, "Notification"));

        // The Blobs extension reads data.url and data.blobType of every event (and the body as a JSON array or
        // object) without checking: what it cannot read throws, and the host answers its own empty 500.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
