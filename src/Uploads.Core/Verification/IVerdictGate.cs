using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>
/// A second, required input to "verified" that <see cref="VerdictStore"/> defers to when it is enabled: the malware scan
/// (src/Uploads.Core/Scanning/MalwareScanVerdicts). Declared here so that Verification never imports Scanning.
/// </summary>
public interface IVerdictGate
{
    bool Enabled { get; }

    /// <summary>Our check accepted the content it read (<paramref name="checkedETag"/>, SHA-256 <paramref name="sha256"/> in base64 when computed), now at <paramref name="etag"/>: the verdict, or pending while the gate waits.</summary>
    Task<UploadStatus> ContentAcceptedAsync(VerdictStore store, BlobClient blob, ETag checkedETag, ETag etag, string detectedType, long sizeBytes, string? sha256, CancellationToken cancellationToken);

    /// <summary>The pending status of content the gate waits for, from its tags; null when it does not.</summary>
    UploadStatus? AwaitingStatus(string blobPath, BlobProperties properties, IDictionary<string, string> tags);

    /// <summary>Decides content the gate waits for, if it can now.</summary>
    Task<VerificationResult> ResolveAwaitingAsync(VerdictStore store, UploadStatus current, BlobProperties properties, CancellationToken cancellationToken);

    /// <summary>The gate's part of a verified upload's status, from its tags; null when none.</summary>
    MalwareScanStatus? StatusOf(IDictionary<string, string> tags);
}
