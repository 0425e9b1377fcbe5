using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>Metadata kept on a quarantined blob: why it was rejected and what it was. Values are percent-encoded (metadata is ASCII).</summary>
internal static class QuarantineMetadata
{
    public const string Reason = "reason";
    public const string DetectedType = "detectedtype";
    public const string SourceETag = "sourceetag";
    public const string RejectedAt = "rejectedat";

    /// <summary>The metadata of a rejection; <paramref name="detectedType"/> is left out when no byte was read.</summary>
    public static Dictionary<string, string> Create(string reason, string? detectedType, string sourceETag, DateTimeOffset rejectedAt)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Reason] = Uri.EscapeDataString(reason),
            [SourceETag] = sourceETag.Trim('"'),
            [RejectedAt] = UtcSeconds.ToText(rejectedAt),
        };
        if (detectedType is not null)
        {
            metadata[DetectedType] = Uri.EscapeDataString(detectedType);
        }

        return metadata;
    }

    public static string? Read(IDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value) ? Uri.UnescapeDataString(value) : null;
}
