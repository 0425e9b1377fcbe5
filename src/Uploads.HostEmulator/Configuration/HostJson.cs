using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;
using Uploads.HostEmulator.Queues;

namespace Uploads.HostEmulator.Configuration;

/// <summary>What the emulator reads from the app's <c>host.json</c>: the HTTP route prefix and the queue triggers' settings.</summary>
public static class HostJson
{
    public const string DefaultRoutePrefix = "api";

    /// <summary><c>extensions.http.routePrefix</c>, "api" when unset (as the host does); may be empty.</summary>
    public static string RoutePrefix(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return DefaultRoutePrefix;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            && prefix.ValueKind == JsonValueKind.String
            ? prefix.GetString()!.Trim('/')
            : DefaultRoutePrefix;
    }

    /// <summary>
    /// <c>extensions.queues</c> over <paramref name="defaults"/>, as the Storage Queues extension 5.x reads it:
    /// <c>batchSize</c> (1–32), <c>newBatchThreshold</c>, <c>maxDequeueCount</c>, <c>visibilityTimeout</c> and
    /// <c>maxPollingInterval</c> (a time span "hh:mm:ss", or milliseconds as a number), <c>messageEncoding</c>
    /// (<c>base64</c> or <c>none</c>). A value of the wrong kind throws, as the host refuses to start.
    /// </summary>
    public static QueueListenerOptions Queues(string appDirectory, QueueListenerOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return defaults;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var queues) || queues.ValueKind != JsonValueKind.Object)
        {
            return defaults;
        }

        var options = defaults;
        foreach (var property in queues.EnumerateObject())
        {
            options = property.Name.ToUpperInvariant() switch
            {
                "BATCHSIZE" => options with { BatchSize = Math.Clamp(property.Value.GetInt32(), 1, 32) },
                "NEWBATCHTHRESHOLD" => options with { NewBatchThreshold = property.Value.GetInt32() },
                "MAXDEQUEUECOUNT" => options with { MaxDequeueCount = property.Value.GetInt32() },
                "VISIBILITYTIMEOUT" => options with { VisibilityTimeout = Span(property.Value) },
                "MAXPOLLINGINTERVAL" => options with { MaxPollingInterval = Span(property.Value) },
                "MESSAGEENCODING" => options with { MessageEncoding = Encoding(property.Value.GetString()) },
                _ => options,
            };
        }

        return options;
    }

    private static TimeSpan Span(JsonElement value) => value.ValueKind == JsonValueKind.Number
        ? TimeSpan.FromMilliseconds(value.GetDouble())
        : TimeSpan.Parse(value.GetString() ?? string.Empty, CultureInfo.InvariantCulture);

    private static QueueMessageEncoding Encoding(string? value) => value?.ToUpperInvariant() switch
    {
        "BASE64" => QueueMessageEncoding.Base64,
        "NONE" => QueueMessageEncoding.None,
        _ => throw new InvalidOperationException($"host.json extensions.queues.messageEncoding is '{value}'; it must be 'base64' or 'none'."),
    };
}
