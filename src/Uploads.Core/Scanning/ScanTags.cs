using Azure;
using Uploads.Core.Verification;
using Uploads.Policy;

namespace Uploads.Core.Scanning;

/// <summary>
/// The verdict tags (<see cref="VerdictTags"/>) of an upload when scanning is on. Our check passed and the verdict waits
/// for the scan: <c>verdict=checked</c>, the usual <c>etag</c>/<c>type</c>/<c>checked</c>, and <c>source</c>, the ETag our
/// check read (the content Defender scanned: our own header writes change the ETag afterwards). Verified: the usual
/// tags plus <c>source</c> and <c>scan</c> (<c>clean</c>, or <c>unscanned</c> when accepted without a result). Written
/// only by the app (upload URLs carry no tag permission); Defender's own tags are never read.
/// </summary>
internal static class ScanTags
{
    /// <summary>The <c>verdict</c> value of content that passed our check and waits for its scan result.</summary>
    public const string AwaitingScan = "checked";
    public const string Source = "source";
    public const string Scan = "scan";
    public const string ScanResult = "scanresult";

    public static Dictionary<string, string> Awaiting(ETag etag, string detectedType, DateTimeOffset checkedAt, string source, string? sha256)
    {
        var tags = VerdictTags.ForVerified(etag, detectedType, checkedAt, sha256);
        tags[VerdictTags.Verdict] = AwaitingScan;
        tags[Source] = source;
        return tags;
    }

    /// <summary>The tags added to the verdict tags of content verified with scanning on.</summary>
    public static Dictionary<string, string> Verified(string source, MalwareScanStatus scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal) { [Source] = source, [Scan] = scan.State };
        if (scan.Result is { } result)
        {
            tags[ScanResult] = TagValue(result);
        }

        return tags;
    }

    /// <summary>True when the tags say "checked, waiting for the scan" for exactly the content with <paramref name="current"/> ETag.</summary>
    public static bool IsAwaiting(IDictionary<string, string> tags, ETag current) =>
        tags.TryGetValue(VerdictTags.Verdict, out var verdict) && verdict == AwaitingScan
        && tags.TryGetValue(VerdictTags.ETagTag, out var etag) && etag == Normalize(current)
        && tags.ContainsKey(Source);

    /// <summary>The scan part of a verified upload's status; null when it was verified with scanning off.</summary>
    public static MalwareScanStatus? StatusOf(IDictionary<string, string> tags) =>
        tags.TryGetValue(Scan, out var state) ? new MalwareScanStatus(state, tags.TryGetValue(ScanResult, out var result) ? result : null, null) : null;

    public static string? SourceOf(IDictionary<string, string> tags) => tags.TryGetValue(Source, out var source) ? source : null;

    /// <summary>Our SHA-256 of the checked content (the verdict's base64 <see cref="VerdictTags.Sha256"/>) as Defender writes it, upper-case hexadecimal; null when the verdict has none.</summary>
    public static string? OurSha256(IDictionary<string, string> tags) => Hex(VerdictTags.Sha256Of(tags));

    /// <summary>A base64 SHA-256 (<see cref="Sha256Digest"/>, the verdict's form) as upper-case hexadecimal (the scan result's form); null for null.</summary>
    public static string? Hex(string? base64Sha256) => base64Sha256 is null ? null : Convert.ToHexString(Convert.FromBase64String(base64Sha256));

    public static string Normalize(ETag etag) => etag.ToString().Trim('"');

    /// <summary>A tag value keeps letters, digits, space and <c>+ - . / : = _</c>, at most 256 characters.</summary>
    private static string TagValue(string text)
    {
        var kept = new string([.. text.Where(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '+' or '-' or '.' or '/' or ':' or '=' or '_')]);
        return kept.Length > 256 ? kept[..256] : kept;
    }
}
