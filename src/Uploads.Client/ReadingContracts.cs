using System.Text.Json.Serialization;

namespace Uploads.Client;

/// <summary>A read URL for the verified content of an upload: <c>{readUrl, expiresAt, contentType, sizeBytes, sha256}</c>.</summary>
/// <param name="Sha256">Base64 of the content's SHA-256, when the verdict recorded one.</param>
public sealed record ReadUrl(Uri Url, DateTimeOffset ExpiresAt, string ContentType, long SizeBytes, string? Sha256)
{
    [JsonPropertyName("readUrl")]
    public Uri Url { get; init; } = Url;
}

/// <summary>One upload in a list page.</summary>
public sealed record UploadListItem(string BlobPath, string Status, string? DetectedType, long SizeBytes, DateTimeOffset UploadedAt, string? Reason, DateTimeOffset? CheckedAt);

/// <summary>One page of <c>GET /api/integrations/uploads</c>; <see cref="Continuation"/> is null on the last.</summary>
public sealed record UploadListPage(IReadOnlyList<UploadListItem> Uploads, string? Continuation);

/// <summary>What a download wrote: where, how many bytes, their SHA-256 (base64), and whether the API's SHA-256 was there to compare.</summary>
public sealed record DownloadResult(string BlobPath, string Destination, long SizeBytes, string ContentType, string Sha256, bool Sha256Checked);

/// <summary>The downloaded bytes are not what the API said they are (size or SHA-256): nothing was kept.</summary>
public sealed class DownloadIntegrityException(string message) : Exception(message);

internal sealed record ReadUrlRequest(string BlobPath);
