using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// The host's endpoint for Blob triggers with <c>Source = EventGrid</c>:
/// <c>/runtime/webhooks/blobs?functionName=Host.Functions.&lt;Name&gt;</c>, guarded by the <c>blobs_extension</c>
/// system key (<c>code</c> query parameter or <c>x-functions-key</c> header), answering as the host's Blobs extension
/// 5.x does (<c>HttpRequestProcessor</c> and <c>BlobsExtensionConfigProvider.ConvertAsync</c>), whatever the method:
/// <list type="bullet">
/// <item>no or a wrong key: 401, empty, <c>WWW-Authenticate: Bearer</c> (the host's key check);</item>
/// <item><c>aeg-event-type: SubscriptionValidation</c>: 200 with <c>{"validationResponse":"…"}</c> as
/// <c>text/plain; charset=utf-8</c> (a <c>StringContent</c>);</item>
/// <item><c>aeg-event-type: Notification</c>: each event (an array, or one object) becomes a
/// <see cref="BlobTriggerMessage"/> handed to the queue in order, then 202; an event the host cannot read (no data,
/// no URL, no blob type) or a body that is no JSON array or object fails the request: 500, empty, and the messages of
/// the events before it stay queued;</item>
/// <item><c>aeg-event-type: Unsubscribe</c>: 202; no or another event type (a GET, typically): 400, empty.</item>
/// </list>
/// </summary>
internal sealed partial class BlobEventGridWebhook(Func<BlobTriggerMessage, CancellationToken, Task> enqueue, string systemKey, ILogger logger)
{
    public const string Path = "/runtime/webhooks/blobs";
    private const string EventTypeHeader = "aeg-event-type";

    public async Task HandleAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!HasSystemKey(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return;
        }

        var eventType = http.Request.Headers[EventTypeHeader].FirstOrDefault();
        var functionName = http.Request.Query["functionName"].ToString();
        try
        {
            if (string.Equals(eventType, "SubscriptionValidation", StringComparison.OrdinalIgnoreCase))
            {
                var code = ValidationCode(await ReadJsonAsync(http.Request).ConfigureAwait(false));
                Log.Handshake(logger, functionName);
                http.Response.StatusCode = StatusCodes.Status200OK;
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["validationResponse"] = code }), Encoding.UTF8, http.RequestAborted).ConfigureAwait(false);
                return;
            }

            if (string.Equals(eventType, "Notification", StringComparison.OrdinalIgnoreCase))
            {
                var events = await ReadJsonAsync(http.Request).ConfigureAwait(false) switch
                {
                    JsonArray array => array.ToArray(),
                    JsonObject single => new JsonNode?[] { single },
                    _ => throw new MalformedEventException("The request content should be parseable into a JSON object or array."),
                };
                foreach (var gridEvent in events)
                {
                    await enqueue(BlobTriggerMessage.FromEvent(gridEvent, functionName), http.RequestAborted).ConfigureAwait(false);
                }

                http.Response.StatusCode = StatusCodes.Status202Accepted;
                return;
            }

            http.Response.StatusCode = string.Equals(eventType, "Unsubscribe", StringComparison.OrdinalIgnoreCase)
                ? StatusCodes.Status202Accepted
                : StatusCodes.Status400BadRequest;
        }
        catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // The host lets the extension's exception through: its own bare 500.
            Log.Failed(logger, functionName, ex.Message);
            http.Response.Clear();
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }

    /// <summary>The validation code: <c>[0].data.validationCode</c> of an array, or of a CloudEvent's (possibly JSON-encoded) data.</summary>
    private static string ValidationCode(JsonNode? body)
    {
        var data = body switch
        {
            JsonArray array when array.Count > 0 => array[0]?["data"],
            JsonObject cloudEvent => cloudEvent["data"] is JsonValue encoded && encoded.TryGetValue<string>(out var text) ? JsonNode.Parse(text) : cloudEvent["data"],
            _ => throw new MalformedEventException("The request content should be parseable into a JSON object or array."),
        };
        return data?["validationCode"] switch
        {
            JsonValue value when value.TryGetValue<string>(out var code) => code,
            { } other => other.ToJsonString(),
            null => throw new MalformedEventException("The validation event has no data.validationCode."),
        };
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        return JsonNode.Parse(text);
    }

    private bool HasSystemKey(HttpRequest request)
    {
        var presented = request.Query["code"].FirstOrDefault() ?? request.Headers["x-functions-key"].FirstOrDefault();
        return presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(systemKey));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7305, EventName = "BlobWebhookHandshake", Level = LogLevel.Information, Message = "perform handshake with eventGrid for function: {FunctionName}")]
        public static partial void Handshake(ILogger logger, string functionName);

        [LoggerMessage(EventId = 7306, EventName = "BlobWebhookFailed", Level = LogLevel.Error, Message = "The Blob trigger webhook failed for '{FunctionName}' (answered 500): {Reason}")]
        public static partial void Failed(ILogger logger, string functionName, string reason);
    }
}
