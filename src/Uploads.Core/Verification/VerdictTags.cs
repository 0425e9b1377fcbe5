using Azure;
using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>
/// The verdict of a verified blob is kept in its blob index tags, bound to the ETag of the exact content checked:
/// tags can be written without changing the blob's ETag, clients cannot set them (upload URLs carry no tag
/// permission), and an overwrite produces a new ETag, so a stale "verified" can never apply to new content.
/// </summary>
internal static class VerdictTags
{
    public const string Verdict = "verdict";
    public const string ETagTag = "etag";
    public const string Type = "type";
    public const string Checked = "checked";
    public const string Verified = "verified";

    /// <summary>The base64 SHA-256 of the content checked, when it was computed (<see cref="Sha256Digest"/>): base64's <c>+/=</c> are allowed in tag values.</summary>
    public const string Sha256 = "sha256";

    public static Dictionary<string, string> ForVerified(ETag etag, string detectedType, DateTimeOffset checkedAt, string? sha256 = null)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Verdict] = Verified,
            [ETagTag] = Normalize(etag),
            [Type] = detectedType,
            [Checked] = UtcSeconds.ToText(checkedAt),
        };
        if (sha256 is not null)
        {
            tags[Sha256] = sha256;
        }

        return tags;
    }

    /// <summary>The SHA-256 the verdict names (null when none was computed).</summary>
    public static string? Sha256Of(IDictionary<string, string> tags) => tags.TryGetValue(Sha256, out var value) ? value : null;

    /// <summary>True when the tags say "verified" for exactly the content with <paramref name="current"/> ETag.</summary>
    public static bool IsVerifiedFor(IDictionary<string, string> tags, ETag current) =>
        tags.TryGetValue(Verdict, out var verdict) && verdict == Verified
        && tags.TryGetValue(ETagTag, out var etag) && etag == Normalize(current);

    public static DateTimeOffset? CheckedAt(IDictionary<string, string> tags) =>
        tags.TryGetValue(Checked, out var value) && UtcSeconds.TryParse(value, out var at) ? at : null;

    // Tag values may not hold quotes: keep the opaque ETag without them.
    private static string Normalize(ETag etag) => etag.ToString().Trim('"');
}
