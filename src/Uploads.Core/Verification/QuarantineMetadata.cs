using System.Globalization;

namespace Uploads.Core.Verification;

/// <summary>Metadata kept on a quarantined blob: why it was rejected and what it was. Values are percent-encoded (metadata is ASCII).</summary>
public static class QuarantineMetadata
{
    public const string Reason = "reason";
    public const string DetectedType = "detectedtype";
    public const string SourceETag = "sourceetag";
    public const string RejectedAt = "rejectedat";

    public static Dictionary<string, string> Create(string reason, string detectedType, string sourceETag, DateTimeOffset rejectedAt) => new(StringComparer.Ordinal)
    {
        [Reason] = Uri.EscapeDataString(reason),
        [DetectedType] = Uri.EscapeDataString(detectedType),
        [SourceETag] = sourceETag.Trim('"'),
        [RejectedAt] = rejectedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };

    public static string? Read(IDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value) ? Uri.UnescapeDataString(value) : null;
}
