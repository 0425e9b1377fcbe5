using Uploads.Core.Contracts;
using Uploads.Core.Naming;
using Uploads.Core.Security;
using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>
/// <c>GET /api/integrations/uploads/status?blobPath=…</c>: the verdict for one of the client's own paths. A verified
/// or rejected path costs at most two storage reads and writes nothing. A blob still pending is checked on the spot
/// (<see cref="UploadVerifier.VerifyWithinRequestAsync"/>): no upload depends on it (the reconciliation pass verifies
/// every upload whose event never came), but a client that asks right after uploading usually gets its verdict in that
/// round trip instead of after the grace period (docs/reliability.md). A request never waits for a long check: past
/// <see cref="VerificationOptions.RequestWait"/> it answers pending, with <see cref="RetryAfter"/>, and the check goes
/// on in the background. A rejection is answered at once and its move to quarantine finishes in the background (and
/// in the Blob trigger), so a GET never waits for a copy.
/// </summary>
public sealed class UploadStatusService(UploadVerifier verifier)
{
    public async Task<Outcome<UploadStatus>> GetAsync(ApiClient client, string? blobPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrEmpty(blobPath))
        {
            return Problems.MissingField.With("Pass the blobPath you received as the query parameter blobPath.");
        }

        // Another client's path, or one this service never issued, is answered exactly like a missing one.
        if (!BlobPath.IsOwnedBy(blobPath, client.Id, out _))
        {
            return NotFound(blobPath);
        }

        var result = await verifier.VerifyWithinRequestAsync(blobPath, cancellationToken).ConfigureAwait(false);
        return result.Status is { } status ? status : NotFound(blobPath);
    }

    /// <summary>The <c>Retry-After</c> of a status answer: a pending one tells the client when to ask again; a verdict is final.</summary>
    public static TimeSpan? RetryAfter(UploadStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Status == UploadState.Pending ? RetryAdvice.NotYet : null;
    }

    /// <summary>The answer for a path the client cannot see: missing, another client's, or never issued (the read URL, list and delete routes answer it too).</summary>
    internal static UploadProblem NotFound(string blobPath) => Problems.NotFound.With(
        $"No upload exists at \"{blobPath}\". Upload the file first (PUT to the uploadUrl, or use the direct endpoint); check that the path is the blobPath you received.");
}
