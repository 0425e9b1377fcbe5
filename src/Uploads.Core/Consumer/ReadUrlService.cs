using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Contracts;
using Uploads.Core.Naming;
using Uploads.Core.Security;
using Uploads.Core.Signing;
using Uploads.Core.Storage;
using Uploads.Core.Verification;
using Uploads.Policy;

namespace Uploads.Core.Consumer;

/// <summary>
/// <c>POST /api/integrations/uploads/read-url</c> → <c>{readUrl, expiresAt, contentType, sizeBytes, sha256}</c>: a
/// read-only URL for the pinned verified content of one of the client's own uploads (<see cref="VerifiedPins"/>), never
/// for the blob itself, which the uploader's URL can still overwrite. One List Blobs request when the upload has its
/// pin; a pending upload is checked on the spot as the status endpoint does (<see cref="UploadVerifier.VerifyWithinRequestAsync"/>).
/// The URL serves the pin of the latest verdict: after an overwrite it keeps serving the verified bytes until the new
/// content has its own verdict (a pass replaces the pin, a rejection removes it).
/// </summary>
public sealed partial class ReadUrlService(
    UploadContainers containers,
    IBlobSasSigner signer,
    UploadVerifier verifier,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<ReadUrlService> logger)
{
    private readonly UploadOptions _options = options.Value;

    public async Task<Outcome<ReadUrlResponse>> IssueAsync(ApiClient client, ReadUrlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.BlobPath))
        {
            return Problems.MissingField.With("The body must have \"blobPath\", the path you received when you uploaded the file.");
        }

        var blobPath = request.BlobPath;
        if (!BlobPath.IsOwnedBy(blobPath, client.Id, out _))
        {
            return UploadStatusService.NotFound(blobPath);
        }

        var content = await VerifiedPins.ReadAsync(containers.Uploads, blobPath, cancellationToken).ConfigureAwait(false);
        if (content.Pin is null)
        {
            // No verified content yet: the verdict decides the answer (checked on the spot when pending).
            var status = (await verifier.VerifyWithinRequestAsync(blobPath, cancellationToken).ConfigureAwait(false)).Status;
            switch (status?.Status)
            {
                case null:
                    return UploadStatusService.NotFound(blobPath);
                case UploadState.Rejected:
                    return Problems.UploadRejected.With($"The file at this path failed verification ({status.Reason}); there is nothing to read. Upload a file that matches its type.");
                case UploadState.Pending:
                    return Pending(blobPath);
            }

            content = await VerifiedPins.ReadAsync(containers.Uploads, blobPath, cancellationToken).ConfigureAwait(false);
            if (content.Pin is null && content.Current is { } current && VerdictStore.IsVerified(current))
            {
                // Verified before pins existed (or its pin was lost): pinned now, conditional on the verified ETag.
                var tags = new Dictionary<string, string>(current.Tags, StringComparer.Ordinal);
                await VerifiedPins.PinAsync(containers.Uploads.GetBlobClient(blobPath), current.Properties.ETag!.Value, tags, cancellationToken).ConfigureAwait(false);
                content = await VerifiedPins.ReadAsync(containers.Uploads, blobPath, cancellationToken).ConfigureAwait(false);
            }

            if (content.Pin is null)
            {
                return Pending(blobPath);
            }
        }

        return await SignAsync(blobPath, content.Pin, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReadUrlResponse> SignAsync(string blobPath, BlobItem pin, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expiresOn = UtcSeconds.Truncate(now + _options.ReadUrlLifetime);
        var contentType = pin.Tags[VerdictTags.Type];
        var disposition = VerdictStore.VerifiedHeaders(blobPath, contentType, contentHash: null).ContentDisposition;
        var snapshot = containers.Uploads.GetBlobClient(blobPath).WithSnapshot(pin.Snapshot);
        var url = await signer.SignReadAsync(snapshot, contentType, disposition, now - _options.ClockSkew, expiresOn, cancellationToken).ConfigureAwait(false);
        Log.ReadUrlIssued(logger, blobPath, pin.Snapshot, expiresOn);
        return new ReadUrlResponse(url, expiresOn.UtcDateTime, contentType, pin.Properties.ContentLength ?? 0, VerdictTags.Sha256Of(pin.Tags));
    }

    private static UploadProblem Pending(string blobPath) => Problems.UploadPending.With($"The file at \"{blobPath}\" is still being checked, or has not been uploaded completely. Ask again after Retry-After seconds, or wait for its status to be verified.");

    private static partial class Log
    {
        // The URL itself is a bearer credential: it is never logged.
        [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Issued a read URL for {BlobPath} (pin {Snapshot}), valid until {ExpiresOn:o}")]
        public static partial void ReadUrlIssued(ILogger logger, string blobPath, string snapshot, DateTimeOffset expiresOn);
    }
}
