using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Azure.Storage.Blobs;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// What the host's Blobs extension (5.x) puts on its blob-trigger queue for one Event Grid event: the message
/// <c>{"Type":"BlobTrigger","FunctionId":…,"BlobType":"BlockBlob","ContainerName":…,"BlobName":…,"ETag":"\"…\""}</c>
/// (<c>BlobTriggerMessage</c>), built from the event's <c>data</c> exactly as <c>BlobsExtensionConfigProvider</c> does:
/// whatever the event type, from <c>data.url</c>, <c>data.blobType</c> and <c>data.eTag</c>; <c>FunctionId</c> is the
/// webhook's <c>functionName</c> as given.
/// </summary>
internal sealed record BlobTriggerMessage(
    [property: JsonPropertyOrder(1)] string FunctionId,
    [property: JsonPropertyOrder(2)] string BlobType,
    [property: JsonPropertyOrder(3)] string ContainerName,
    [property: JsonPropertyOrder(4)] string BlobName,
    [property: JsonPropertyOrder(5)] string ETag)
{
    [JsonPropertyOrder(0)]
    public string Type { get; init; } = "BlobTrigger";

    /// <summary>The message for one event of a Notification delivery.</summary>
    /// <exception cref="MalformedEventException">No <c>data</c>, no absolute <c>data.url</c>, or no known <c>data.blobType</c>: the host fails the whole request (500).</exception>
    public static BlobTriggerMessage FromEvent(JsonNode? gridEvent, string functionId)
    {
        if (gridEvent is not JsonObject { } item || item["data"] is not JsonObject data)
        {
            throw new MalformedEventException("An event has no data object.");
        }

        if (Text(data["url"]) is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new MalformedEventException("An event's data.url is not an absolute URL.");
        }

        // The host: Enum.Parse(typeof(BlobType), blobType.Replace("Blob", "")), then written back as "<Type>Blob".
        var blobType = Text(data["blobType"])?.Replace("Blob", string.Empty, StringComparison.Ordinal) switch
        {
            "Block" => "BlockBlob",
            "Page" => "PageBlob",
            "Append" => "AppendBlob",
            _ => throw new MalformedEventException("An event's data.blobType is not BlockBlob, PageBlob or AppendBlob."),
        };
        var blob = new BlobUriBuilder(uri);
        return new BlobTriggerMessage(functionId, blobType, blob.BlobContainerName, blob.BlobName, $"\"{Text(data["eTag"])}\"");
    }

    public string ToJson() => JsonSerializer.Serialize(this);

    /// <exception cref="MalformedEventException">Not a blob-trigger message.</exception>
    public static BlobTriggerMessage Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<BlobTriggerMessage>(json) is { FunctionId: not null, ContainerName: not null, BlobName: not null } message
                ? message
                : throw new MalformedEventException("Invalid blob trigger message.");
        }
        catch (JsonException ex)
        {
            throw new MalformedEventException("Invalid blob trigger message.", ex);
        }
    }

    /// <summary>A JSON value as Newtonsoft's <c>JToken.ToString()</c> gives it for a scalar; null when absent.</summary>
    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };
}

/// <summary>An Event Grid delivery or queue message the host cannot read.</summary>
public sealed class MalformedEventException : Exception
{
    public MalformedEventException() { }

    public MalformedEventException(string message) : base(message) { }

    public MalformedEventException(string message, Exception innerException) : base(message, innerException) { }
}
