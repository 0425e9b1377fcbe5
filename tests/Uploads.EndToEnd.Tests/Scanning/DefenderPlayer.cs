using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Uploads.Core.Configuration;
using Uploads.Core.Scanning;
using Uploads.Testing;

namespace Uploads.EndToEnd.Tests.Scanning;

/// <summary>
/// Plays Microsoft Defender for Storage's part, exactly as Microsoft Learn documents it (Defender cannot run here):
/// after scanning the content committed at a path, it writes its two blob index tags ("Malware Scanning scan result",
/// "Malware Scanning scan time UTC", added to the blob's tags) and publishes a <c>Microsoft.Security.MalwareScanningResult</c>
/// event in the Event Grid schema, which the template's subscription delivers to the storage queue
/// <see cref="MalwareScanOptions.ResultsQueueName"/> as one Base64-encoded message per event (what Event Grid writes,
/// MicrosoftDocs/azure-docs#102923; the trigger's host.json <c>messageEncoding</c> is base64).
/// </summary>
internal sealed class DefenderPlayer(AzuriteInstance azurite)
{
    public const string ResultTag = "Malware Scanning scan result";
    public const string TimeTag = "Malware Scanning scan time UTC";

    public QueueClient Queue { get; } = azurite.CreateQueueServiceClient().GetQueueClient(MalwareScanOptions.ResultsQueueName);

    /// <summary>The poison queue, its messages read as stored (the host copies a message there unchanged).</summary>
    public QueueClient PoisonQueue { get; } = new QueueServiceClient(
            azurite.QueueServiceUri!,
            new Azure.Storage.StorageSharedKeyCredential(azurite.AccountName, azurite.AccountKey),
            new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None, Transport = new Azure.Core.Pipeline.HttpClientTransport(azurite.CreateHttpClient()) })
        .GetQueueClient(MalwareScanOptions.ResultsQueueName + "-poison");

    /// <summary>What Defender saw when the blob was committed: its ETag (quotes trimmed, as the event writes it) and the SHA-256 of its bytes.</summary>
    public static async Task<(string ETag, string Sha256)> ScannedContentAsync(BlobClient blob)
    {
        var content = await blob.DownloadContentAsync();
        return (content.Value.Details.ETag.ToString().Trim('"'), Convert.ToHexString(SHA256.HashData(content.Value.Content.ToArray())));
    }

    /// <summary>The documented event body for a result.</summary>
    public static string EventBody(BlobClient blob, string etag, string sha256, string resultType, IReadOnlyList<string>? malwareNames = null)
    {
        var scannedAt = DateTimeOffset.UtcNow;
        var body = new Dictionary<string, object?>
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["subject"] = $"storageAccounts/{blob.AccountName}/containers/{blob.BlobContainerName}/blobs/{blob.Name}",
            ["data"] = new Dictionary<string, object?>
            {
                ["correlationId"] = Guid.NewGuid().ToString(),
                ["blobUri"] = blob.Uri.GetLeftPart(UriPartial.Path),
                ["eTag"] = etag,
                ["scanFinishedTimeUtc"] = scannedAt.UtcDateTime.ToString("O"),
                ["scanResultType"] = resultType,
                ["scanResultDetails"] = new Dictionary<string, object?>
                {
                    ["malwareNamesFound"] = malwareNames,
                    ["sha256"] = sha256,
                },
            },
            ["eventType"] = MalwareScanResult.EventType,
            ["dataVersion"] = "1.0",
            ["metadataVersion"] = "1",
            ["eventTime"] = scannedAt.UtcDateTime.ToString("O"),
            ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.EventGrid/topics/evgt-scans-test",
        };
        return JsonSerializer.Serialize(body);
    }

    /// <summary>Defender's result for the content with <paramref name="etag"/>: its tags on the blob, then its event on the queue.</summary>
    public async Task PublishAsync(BlobClient blob, string etag, string sha256, string resultType, IReadOnlyList<string>? malwareNames = null)
    {
        await TagAsync(blob, resultType);
        await SendAsync(EventBody(blob, etag, sha256, resultType, malwareNames));
    }

    /// <summary>Adds Defender's two tags to the blob's (a blob that is gone, or changed meanwhile, keeps what it has).</summary>
    public static async Task TagAsync(BlobClient blob, string resultType)
    {
        try
        {
            var tags = (await blob.GetTagsAsync()).Value.Tags;
            tags[ResultTag] = resultType;
            tags[TimeTag] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            await blob.SetTagsAsync(tags);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // Quarantined already.
        }
    }

    /// <summary>One message on the results queue (Base64 by this client, as Event Grid writes it).</summary>
    public async Task SendAsync(string text)
    {
        await Queue.CreateIfNotExistsAsync();
        await Queue.SendMessageAsync(text);
    }
}
