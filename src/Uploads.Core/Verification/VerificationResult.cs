using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>What one verification did: the resulting status (null when there is no blob at the path in either
/// container), whether this call reached the verdict, and how many bytes of the blob it read.</summary>
public sealed record VerificationResult(UploadStatus? Status, bool Decided, long BytesRead);
