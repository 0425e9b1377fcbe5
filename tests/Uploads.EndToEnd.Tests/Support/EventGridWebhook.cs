using System.Text;
using System.Text.Json;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Support;

/// <summary>What the uploads account's Event Grid subscription sends to the Blob trigger's webhook, as tests need it.</summary>
public static class EventGridWebhook
{
    public const string Path = "/runtime/webhooks/blobs?functionName=Host.Functions.VerifyUpload&code=" + FunctionsApp.BlobsExtensionKey;

    public static StringContent Events(string events, string eventType) =>
        new(events, Encoding.UTF8, "application/json") { Headers = { { "aeg-event-type", eventType } } };

    public static string BlobCreated(Uri blobUrl, string blobType = "BlockBlob") => JsonSerializer.Serialize(new[]
    {
        new
        {
            id = Guid.NewGuid().ToString(),
            topic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
            subject = "/blobServices/default/containers/uploads/blobs/" + blobUrl.AbsolutePath.Split("/uploads/", 2)[1],
            eventType = "Microsoft.Storage.BlobCreated",
            eventTime = DateTimeOffset.UtcNow,
            dataVersion = "",
            metadataVersion = "1",
            data = new { api = "PutBlob", blobType, contentLength = 1, url = new UriBuilder(blobUrl) { Query = string.Empty }.Uri.ToString() },
        },
    });

    /// <summary>Posts a BlobCreated event for <paramref name="blobUrl"/> (a SAS query is dropped) and returns the status code.</summary>
    public static async Task<System.Net.HttpStatusCode> NotifyAsync(Uri baseAddress, Uri blobUrl, string blobType = "BlockBlob")
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var response = await http.PostAsync(Path, Events(BlobCreated(blobUrl, blobType), "Notification"));
        return response.StatusCode;
    }
}
