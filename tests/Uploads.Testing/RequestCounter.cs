using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;

namespace Uploads.Testing;

/// <summary>
/// An Azure SDK pipeline policy that counts the storage requests a client sends, by operation: the HTTP method
/// plus the <c>comp</c> query parameter (<c>"POST userdelegationkey"</c>, <c>"PUT block"</c>, <c>"PUT blocklist"</c>,
/// <c>"PUT"</c> for Put Blob, <c>"GET"</c> for Get Blob, <c>"GET list"</c>...). Lets a test assert, for example,
/// that issuing N upload URLs cost one Get User Delegation Key and no other request.
/// </summary>
/// <remarks>
/// <see cref="AddTo"/> registers it per retry, so every request that reaches the wire is counted, retries
/// included; register it yourself at <see cref="HttpPipelinePosition.PerCall"/> to count logical calls instead.
/// Thread-safe.
/// </remarks>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>All requests counted so far.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>Adds this counter to <paramref name="options"/> (per retry) and returns the options.</summary>
    public BlobClientOptions AddTo(BlobClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>Requests counted for one operation.</summary>
    /// <param name="method">The HTTP method, e.g. <c>POST</c>.</param>
    /// <param name="comp">The <c>comp</c> query value, e.g. <c>userdelegationkey</c>; null for none.</param>
    public int Count(string method, string? comp = null) =>
        _counts.TryGetValue(Key(method, comp), out var count) ? count : 0;

    /// <summary>A copy of the counts so far, keyed <c>"METHOD comp"</c> (or <c>"METHOD"</c> without <c>comp</c>).</summary>
    public IReadOnlyDictionary<string, int> Snapshot() =>
        new SortedDictionary<string, int>(_counts.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Forgets every count.</summary>
    public void Reset()
    {
        _counts.Clear();
        Interlocked.Exchange(ref _total, 0);
    }

    /// <inheritdoc />
    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string? comp = null;
        var query = message.Request.Uri.Query;
        if (!string.IsNullOrEmpty(query))
        {
            foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var separator = part.IndexOf('=', StringComparison.Ordinal);
                var name = separator < 0 ? part : part[..separator];
                if (string.Equals(name, "comp", StringComparison.OrdinalIgnoreCase))
                {
                    comp = separator < 0 ? string.Empty : Uri.UnescapeDataString(part[(separator + 1)..]);
                    break;
                }
            }
        }

        _counts.AddOrUpdate(Key(message.Request.Method.Method, comp), 1, static (_, count) => count + 1);
        Interlocked.Increment(ref _total);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Join(", ", Snapshot().Select(pair => $"{pair.Key}: {pair.Value}"));

    private static string Key(string method, string? comp)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var upper = method.ToUpperInvariant();
        return string.IsNullOrEmpty(comp) ? upper : $"{upper} {comp.ToLowerInvariant()}";
    }
}
