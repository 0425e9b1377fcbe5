namespace Uploads.Policy;

/// <summary>
/// Body of <c>POST /api/integrations/uploads/url</c>: either a new upload (<paramref name="Filename"/>,
/// <paramref name="ContentType"/>, optional <paramref name="SizeBytes"/>) or the renewal of an unfinished one
/// (<paramref name="BlobPath"/> alone).
/// </summary>
/// <param name="Filename">The file's plain name; it becomes the last segment of the blob path.</param>
/// <param name="ContentType">One of the allowed MIME types.</param>
/// <param name="SizeBytes">Optional: the file's size, checked against its category's limit before a URL is issued.</param>
/// <param name="BlobPath">A path issued earlier to the same client: a fresh URL for it, while its upload is unfinished.</param>
/// <param name="Sha256">Optional, new uploads only: the file's SHA-256 (base64 of the 32 bytes); the upload is verified only if its bytes have it.</param>
public sealed record UploadUrlRequest(string? Filename, string? ContentType, long? SizeBytes, string? BlobPath = null, string? Sha256 = null);

/// <summary>Answer of <c>POST /api/integrations/uploads/url</c>.</summary>
/// <param name="UploadUrl">User-delegation SAS URL for exactly one blob: PUT the file there.</param>
/// <param name="BlobPath">The blob's path in the uploads container; submit it later.</param>
/// <param name="ExpiresAt">When the URL stops working (UTC, ISO 8601); the same instant as the SAS expiry.</param>
/// <param name="StagedBlocks">
/// Renewals only: the blocks storage holds uncommitted at the path, in the order staged, so a resuming client sends
/// only the others (the URL itself cannot read the block list: it has no Read permission).
/// </param>
public sealed record UploadUrlResponse(Uri UploadUrl, string BlobPath, DateTime ExpiresAt, IReadOnlyList<StagedBlock>? StagedBlocks = null);

/// <summary>An uncommitted block of a resumable upload: its id (base64, as staged) and size.</summary>
public sealed record StagedBlock(string Id, long SizeBytes);

/// <summary>Answer of <c>POST /api/integrations/uploads/direct</c>.</summary>
public sealed record DirectUploadResponse(string BlobPath, long SizeBytes, string ContentType);
