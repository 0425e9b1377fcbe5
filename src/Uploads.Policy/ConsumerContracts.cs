using System.Text.Json.Serialization;

namespace Uploads.Policy;

/// <summary>Body of <c>POST /api/integrations/uploads/read-url</c>: one of the client's own verified uploads.</summary>
/// <param name="BlobPath">The path the upload was issued under.</param>
public sealed record ReadUrlRequest(string? BlobPath);

/// <summary>Answer of <c>POST /api/integrations/uploads/read-url</c>.</summary>
/// <param name="ReadUrl">A read-only SAS URL for the pinned verified content (a snapshot), answered as a download of <paramref name="ContentType"/>.</param>
/// <param name="ExpiresAt">When the URL stops working (UTC, whole seconds): the SAS expiry.</param>
/// <param name="ContentType">The type the bytes were verified to be.</param>
/// <param name="SizeBytes">The size of the pinned content.</param>
/// <param name="Sha256">The SHA-256 of the content (base64 of the 32 bytes), when the verdict recorded one.</param>
public sealed record ReadUrlResponse(Uri ReadUrl, DateTime ExpiresAt, string ContentType, long SizeBytes, string? Sha256);

/// <summary>One upload in <c>GET /api/integrations/uploads</c>.</summary>
/// <param name="BlobPath">The path the upload was issued under.</param>
/// <param name="Status">pending, verified or rejected, as the status endpoint would answer it.</param>
/// <param name="DetectedType">The verified type (verified), or the type the bytes showed (rejected, when read).</param>
/// <param name="SizeBytes">The blob's size.</param>
/// <param name="UploadedAt">When storage last wrote the blob (its Last-Modified; for a rejected one, the quarantine copy's).</param>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="CheckedAt">When the verdict was reached.</param>
public sealed record UploadListItem(string BlobPath, UploadState Status, string? DetectedType, long SizeBytes, DateTimeOffset UploadedAt, string? Reason, DateTimeOffset? CheckedAt)
{
    [JsonConverter(typeof(UtcSecondsJsonConverter))]
    public DateTimeOffset UploadedAt { get; init; } = UtcSeconds.Truncate(UploadedAt);

    [JsonConverter(typeof(UtcSecondsJsonConverter))]
    public DateTimeOffset? CheckedAt { get; init; } = CheckedAt is { } at ? UtcSeconds.Truncate(at) : null;
}

/// <summary>Answer of <c>GET /api/integrations/uploads</c>: one page, and the token of the next (absent on the last page).</summary>
public sealed record UploadListResponse(IReadOnlyList<UploadListItem> Uploads, string? Continuation);
