using System.Net;
using System.Text;
using System.Text.Json;
using Uploads.HostEmulator.Queues;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>What the uploads account's Event Grid subscription sends to the Blob trigger's webhook, as tests need it.</summary>
public static class EventGridWebhook
{
    public const string Path = "/runtime/webhooks/blobs?functionName=Host.Functions.VerifyUpload&code=" + FunctionsApp.BlobsExtensionKey;

    /// <summary>How long a queued event may take to run (the host runs it from its queue, after answering 202).</summary>
    public static readonly TimeSpan QueuedRunBound = TimeSpan.FromSeconds(60);

    public static StringContent Events(string events, string eventType) =>
        new(events, Encoding.UTF8, "application/json") { Headers = { { "aeg-event-type", eventType } } };

    public static string BlobCreated(Uri blobUrl, string blobType = "BlockBlob") => JsonSerializer.Serialize(new[] { BlobCreatedEvent(blobUrl, blobType) });

    /// <summary>One BlobCreated event (Event Grid schema) for <paramref name="blobUrl"/> (a SAS query is dropped).</summary>
    public static object BlobCreatedEvent(Uri blobUrl, string blobType = "BlockBlob") => new
    {
        id = Guid.NewGuid().ToString(),
        topic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
        subject = "/blobServices/default/containers/uploads/blobs/" + BlobPathOf(blobUrl),
        eventType = "Microsoft.Storage.BlobCreated",
        eventTime = DateTimeOffset.UtcNow,
        dataVersion = "",
        metadataVersion = "1",
        data = new { api = "PutBlob", blobType, contentLength = 1, eTag = "0x8DC0000000000000", url = new UriBuilder(blobUrl) { Query = string.Empty }.Uri.ToString() },
    };

    /// <summary>The blob's path in the uploads container.</summary>
    public static string BlobPathOf(Uri blobUrl) => Uri.UnescapeDataString(blobUrl.AbsolutePath.Split("/uploads/", 2)[1]);

    /// <summary>The blob a Blob-trigger queue message names ("container/blob"), or null for another message.</summary>
    public static string? QueuedBlobOf(QueueMessageOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        try
        {
            using var message = JsonDocument.Parse(outcome.MessageText);
            return message.RootElement.TryGetProperty("ContainerName", out var container) && message.RootElement.TryGetProperty("BlobName", out var blob)
                ? $"{container.GetString()}/{blob.GetString()}"
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Queue messages for the uploads blob <paramref name="blobPath"/> that ended (ran, or were poisoned) so far.</summary>
    public static int Settled(FunctionsApp app, string blobPath)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.QueueOutcomes.Count(o => o.Result != QueueMessageResult.Released && QueuedBlobOf(o) == "uploads/" + blobPath);
    }

    /// <summary>
    /// Posts a BlobCreated event for <paramref name="blobUrl"/> (a SAS query is dropped) as Event Grid does and returns
    /// the webhook's status code; when it is 202, also waits until the host has run the event from its queue (the
    /// function runs after the answer, as in Azure).
    /// </summary>
    public static async Task<HttpStatusCode> NotifyAsync(FunctionsApp app, Uri blobUrl, string blobType = "BlockBlob")
    {
        ArgumentNullException.ThrowIfNull(app);
        var blobPath = BlobPathOf(blobUrl);
        var before = Settled(app, blobPath);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using var response = await http.PostAsync(Path, Events(BlobCreated(blobUrl, blobType), "Notification"));
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            Assert.True(await Eventually.WithinAsync(() => Settled(app, blobPath) > before, QueuedRunBound), $"The queued event for {blobPath} did not run within {QueuedRunBound.TotalSeconds:0} s. Host log:{Environment.NewLine}{app.HostLog}");
        }

        return response.StatusCode;
    }
}
