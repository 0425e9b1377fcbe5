using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Uploads.HostEmulator.Configuration;
using Uploads.HostEmulator.Rpc;
using Uploads.HostEmulator.Worker;

namespace Uploads.HostEmulator.Triggers;

/// <summary>
/// The host's endpoint for Blob triggers with <c>Source = EventGrid</c>:
/// <c>POST /runtime/webhooks/blobs?functionName=Host.Functions.&lt;Name&gt;</c>, guarded by the <c>blobs_extension</c>
/// system key (<c>code</c> query parameter or <c>x-functions-key</c> header). It answers Event Grid's subscription
/// validation handshake, and for each <c>Microsoft.Storage.BlobCreated</c> event of the trigger's container invokes
/// the function with the blob as deferred-binding data (<c>model_binding_data</c>, source <c>AzureStorageBlobs</c>),
/// which the worker turns into a <c>BlobClient</c> on the trigger's connection.
/// </summary>
/// <remarks>
/// Differences from the host, on purpose: invocations run before the answer (the host queues them and answers
/// 202 at once), so a failed invocation is a 500 that makes Event Grid retry, where the host retries from its queue;
/// no blob receipts (the Event Grid source writes none either).
/// </remarks>
internal sealed partial class BlobEventGridWebhook(FunctionInvoker invoker, AppSettingResolver settings, string systemKey, ILogger logger)
{
    public const string Path = "/runtime/webhooks/blobs";
    private const string FunctionNamePrefix = "Host.Functions.";
    private const int MaxBodyBytes = 1024 * 1024;

    public async Task HandleAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            await Problem(http, StatusCodes.Status405MethodNotAllowed, "Use POST.").ConfigureAwait(false);
            return;
        }

        if (!HasSystemKey(http.Request))
        {
            await Problem(http, StatusCodes.Status401Unauthorized, "Send the blobs_extension system key as ?code= or in x-functions-key.").ConfigureAwait(false);
            return;
        }

        var name = http.Request.Query["functionName"].ToString();
        var function = name.StartsWith(FunctionNamePrefix, StringComparison.Ordinal) ? invoker.Find(name[FunctionNamePrefix.Length..]) : null;
        if (function is null || !function.Trigger.Type.Equals("blobTrigger", StringComparison.OrdinalIgnoreCase)
            || !string.Equals(function.Trigger.GetString("source"), "EventGrid", StringComparison.OrdinalIgnoreCase))
        {
            await Problem(http, StatusCodes.Status404NotFound, $"No Blob trigger with an Event Grid source is named '{name}'.").ConfigureAwait(false);
            return;
        }

        EventGridEvent[] events;
        try
        {
            var body = await ReadBodyAsync(http.Request).ConfigureAwait(false);
            events = EventGridEvent.ParseMany(body);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or FormatException or InvalidOperationException or NullReferenceException or KeyNotFoundException)
        {
            await Problem(http, StatusCodes.Status400BadRequest, "The body is not an array of Event Grid events (Event Grid schema).").ConfigureAwait(false);
            return;
        }

        var (container, _) = SplitPath(settings.Resolve(function.Trigger.GetString("path") ?? string.Empty));
        var blobs = new List<Uri>();
        foreach (var gridEvent in events)
        {
            if (!gridEvent.TryGetSystemEventData(out var data))
            {
                continue;
            }

            if (data is SubscriptionValidationEventData validation)
            {
                http.Response.StatusCode = StatusCodes.Status200OK;
                await http.Response.WriteAsJsonAsync(new Dictionary<string, string?> { ["validationResponse"] = validation.ValidationCode }).ConfigureAwait(false);
                return;
            }

            if (data is StorageBlobCreatedEventData created)
            {
                if (!Uri.TryCreate(created.Url, UriKind.Absolute, out var url) || new BlobUriBuilder(url) is not { BlobName.Length: > 0 } blob)
                {
                    await Problem(http, StatusCodes.Status400BadRequest, "A BlobCreated event's data.url is not the URL of a blob.").ConfigureAwait(false);
                    return;
                }

                if (string.Equals(blob.BlobContainerName, container, StringComparison.Ordinal))
                {
                    blobs.Add(url);
                }
            }
        }

        foreach (var url in blobs)
        {
            var result = await InvokeAsync(function, url, http.RequestAborted).ConfigureAwait(false);
            if (result.Result.Status != StatusResult.Types.Status.Success)
            {
                Log.InvocationFailed(logger, function.Name, url.AbsolutePath, result.Result.Exception?.Message ?? result.Result.Status.ToString());
                await Problem(http, StatusCodes.Status500InternalServerError, $"The function failed for {url.AbsolutePath}; Event Grid retries.").ConfigureAwait(false);
                return;
            }
        }

        http.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private Task<InvocationResponse> InvokeAsync(WorkerFunction function, Uri url, CancellationToken aborted)
    {
        var blob = new BlobUriBuilder(url);
        var connection = function.Trigger.GetString("connection") ?? "AzureWebJobsStorage";
        var content = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["Connection"] = connection,
            ["ContainerName"] = blob.BlobContainerName,
            ["BlobName"] = blob.BlobName,
        });
        var input = new ParameterBinding
        {
            Name = function.Trigger.Name,
            Data = new TypedData
            {
                ModelBindingData = new ModelBindingData
                {
                    Version = "1.0",
                    Source = "AzureStorageBlobs",
                    ContentType = "application/json",
                    Content = Google.Protobuf.ByteString.CopyFrom(content),
                },
            },
        };
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal)
        {
            ["BlobTrigger"] = new() { String = $"{blob.BlobContainerName}/{blob.BlobName}" },
            ["Uri"] = new() { Json = JsonSerializer.Serialize(url.AbsoluteUri) },
            ["name"] = new() { String = blob.BlobName },
        };
        Log.Invoking(logger, function.Name, blob.BlobContainerName, blob.BlobName);
        return invoker.InvokeAsync(function, Guid.NewGuid().ToString(), [input], metadata, aborted);
    }

    private bool HasSystemKey(HttpRequest request)
    {
        var presented = request.Query["code"].FirstOrDefault() ?? request.Headers["x-functions-key"].FirstOrDefault();
        return presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(systemKey));
    }

    private static async Task<BinaryData> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new InvalidOperationException("Event batch too large.");
            }

            buffer.Write(chunk, 0, read);
        }

        return BinaryData.FromBytes(buffer.ToArray());
    }

    private static (string Container, string Blob) SplitPath(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (path, string.Empty) : (path[..slash], path[(slash + 1)..]);
    }

    private static Task Problem(HttpContext http, int status, string detail)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(
            new Dictionary<string, object> { ["status"] = status, ["title"] = ReasonPhrase(status), ["detail"] = detail },
            options: null,
            contentType: "application/problem+json");
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    private static partial class Log
    {
        [LoggerMessage(EventId = 7301, EventName = "BlobTriggerInvoking", Level = LogLevel.Information, Message = "Blob trigger 'Functions.{FunctionName}' for {Container}/{Blob} (Event Grid)")]
        public static partial void Invoking(ILogger logger, string functionName, string container, string blob);

        [LoggerMessage(EventId = 7302, EventName = "BlobTriggerFailed", Level = LogLevel.Error, Message = "Blob trigger 'Functions.{FunctionName}' failed for {Path}: {Reason}")]
        public static partial void InvocationFailed(ILogger logger, string functionName, string path, string reason);
    }
}
