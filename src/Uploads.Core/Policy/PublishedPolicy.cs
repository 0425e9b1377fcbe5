using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Contracts;
using Uploads.Policy;

namespace Uploads.Core.Policy;

/// <summary>
/// The allowlist and size limits as <c>GET /api/integrations/uploads/policy</c> answers them: built once from
/// <see cref="UploadPolicy"/> and the deployment's direct-upload cap, serialized once, with a strong ETag of those
/// bytes. No storage call: it changes only with a deployment.
/// </summary>
public sealed class PublishedPolicy
{
    public PublishedPolicy(IOptions<UploadOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Value = Build(options.Value.DirectUploadMaxBytes);
        Json = JsonSerializer.SerializeToUtf8Bytes(Value, UploadsJsonContext.Default.UploadPolicyResponse);
        ETag = $"\"{Convert.ToHexStringLower(SHA256.HashData(Json.Span)[..16])}\"";
    }

    /// <summary>How long a client or browser may reuse the answer without asking again.</summary>
    public static TimeSpan MaxAge { get; } = TimeSpan.FromHours(1);

    public UploadPolicyResponse Value { get; }

    /// <summary>The answer's body (UTF-8 JSON).</summary>
    public ReadOnlyMemory<byte> Json { get; }

    /// <summary>The quoted strong entity tag of <see cref="Json"/>.</summary>
    public string ETag { get; }

    /// <summary>The table of <see cref="UploadPolicy"/>; category names in lower case, aliases in ordinal order.</summary>
    public static UploadPolicyResponse Build(long directUploadMaxBytes) => new(
        [.. UploadPolicy.AllowedTypes.Select(t => new AllowedTypeEntry(t.MediaType, CategoryName(t.Category), t.Extensions, UploadPolicy.MaxBytes(t.Category)))],
        new SortedDictionary<string, string>(UploadPolicy.Aliases.ToDictionary(StringComparer.Ordinal), StringComparer.Ordinal),
        directUploadMaxBytes);

    /// <summary>The name a category has in the API's JSON (<c>video</c>).</summary>
    public static string CategoryName(ContentCategory category) => category.ToString().ToLowerInvariant();

    /// <summary>
    /// True when an <c>If-None-Match</c> header names <see cref="ETag"/> (or is <c>*</c>): the client's copy is current
    /// (RFC 9110 13.1.2: weak comparison, so <c>W/"…"</c> matches too).
    /// </summary>
    public bool IsCurrent(IEnumerable<string?> ifNoneMatch)
    {
        ArgumentNullException.ThrowIfNull(ifNoneMatch);
        return ifNoneMatch
            .SelectMany(value => (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Any(tag => tag == "*" || string.Equals(tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag, ETag, StringComparison.Ordinal));
    }
}
