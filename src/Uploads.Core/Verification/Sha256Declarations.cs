using Azure;
using Azure.Storage.Blobs.Models;
using Uploads.Core.Storage;

namespace Uploads.Core.Verification;

/// <summary>
/// Where the SHA-256 a client declared with its URL request waits for the verifier of that presigned upload: an empty
/// blob <c>declared-sha256/&lt;blobPath&gt;</c> in the quarantine container, the value in its metadata, written by the
/// server when it issues the URL (before the client has it), never overwritten. No client SAS reaches that container
/// (an upload URL names one blob of the uploads container), so the declaration cannot be changed after the URL was
/// issued; the upload's own metadata could be (the URL's Write permission sets it). The prefix can never be a
/// client's first path segment (client ids have no '-'), and the quarantine's lifecycle rule deletes declarations with
/// the rejected files, after at least 8 days: past the longest an upload URL can be renewed and used (7 days + 1 hour).
/// Costs one Put Blob per URL issued with a declaration, and one Get Blob Properties per check of a presigned upload
/// (404 when none was declared). docs/reliability.md, "End-to-end SHA-256".
/// </summary>
public sealed class Sha256Declarations(UploadContainers containers)
{
    /// <summary>The folder of the quarantine container that holds declarations.</summary>
    public const string Prefix = "declared-sha256/";

    private const string MetadataKey = "sha256";

    /// <summary>Records the digest declared for <paramref name="blobPath"/> (a fresh path: fails if one exists).</summary>
    public async Task DeclareAsync(string blobPath, byte[] sha256, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobPath);
        await containers.Quarantine.GetBlobClient(Prefix + blobPath).UploadAsync(
            BinaryData.Empty,
            new BlobUploadOptions
            {
                Metadata = new Dictionary<string, string> { [MetadataKey] = Sha256Digest.ToBase64(sha256) },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The digest declared for <paramref name="blobPath"/>, or null when none was.</summary>
    public async Task<byte[]?> ReadAsync(string blobPath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobPath);
        try
        {
            var properties = await containers.Quarantine.GetBlobClient(Prefix + blobPath).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.Metadata.TryGetValue(MetadataKey, out var value) && Sha256Digest.TryParse(value, out var digest, out _)
                ? digest
                : throw new InvalidOperationException($"The SHA-256 declaration of {blobPath} is unreadable; it was written by this service and cannot be ignored.");
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
