using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Hosting;
using Uploads.Core.Policy;
using Uploads.Core.Signing;
using Uploads.Core.Storage;
using Uploads.Sniffing;

namespace Uploads.Core.Verification;

/// <summary>
/// Post-upload verification of one blob in the uploads container. Reads only the byte ranges the sniffer asks
/// for (each conditional on the ETag first seen, so a concurrent overwrite aborts the check instead of mixing two
/// contents), then either marks the blob verified (its type header set to the detected type, the verdict in its
/// index tags bound to its ETag) or moves it to the quarantine container with the reason.
/// Idempotent: a blob already verified for its current content, or no longer there, is left as it is, so duplicate,
/// late and out-of-order events change nothing.
/// </summary>
public sealed partial class UploadVerifier(
    UploadContainers containers,
    IBlobSasSigner signer,
    IVerdictPublisher publisher,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<UploadVerifier> logger)
{
    /// <summary>Largest size of any category: a bigger blob is refused without reading it.</summary>
    private static readonly long LargestLimit = Enum.GetValues<ContentCategory>().Max(UploadPolicy.MaxBytes);

    public async Task<VerificationResult> VerifyAsync(string blobPath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobPath);
        var blob = containers.Uploads.GetBlobClient(blobPath);

        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            Log.Gone(logger, blobPath);
            return new(await QuarantinedStatusAsync(blobPath, cancellationToken).ConfigureAwait(false), Decided: false, BytesRead: 0);
        }

        if (properties.TagCount > 0)
        {
            var tags = (await blob.GetTagsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.Tags;
            if (VerdictTags.IsVerifiedFor(tags, properties.ETag))
            {
                return new(Verified(blobPath, tags[VerdictTags.Type], properties.ContentLength, VerdictTags.CheckedAt(tags)), Decided: false, BytesRead: 0);
            }
        }

        var fileName = blobPath[(blobPath.LastIndexOf('/') + 1)..];
        long bytesRead = 0;
        ContentDecision decision;
        try
        {
            // CopyStatus is meaningful only on a copy destination (a blob that was never copied has no CopyId).
            var copied = !string.IsNullOrEmpty(properties.CopyId);
            if (copied && properties.CopyStatus == CopyStatus.Pending)
            {
                // The blob is the destination of a copy still in progress: its bytes are not final yet.
                return new(Pending(blobPath, properties.ContentLength), Decided: false, BytesRead: 0);
            }

            if (properties.ContentLength > LargestLimit)
            {
                decision = new(false, properties.ContentType ?? "application/octet-stream", $"The file is {properties.ContentLength} bytes; no allowed type may exceed {LargestLimit} bytes.");
            }
            else if (!string.IsNullOrEmpty(properties.ContentEncoding) && !properties.ContentEncoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            {
                // A Content-Encoding makes every download decode the bytes into something other than what was checked.
                decision = new(false, properties.ContentType ?? "application/octet-stream", $"The blob was stored with Content-Encoding \"{properties.ContentEncoding}\". Upload the file itself, without x-ms-blob-content-encoding.");
            }
            else if (copied && properties.CopyStatus is CopyStatus.Failed or CopyStatus.Aborted)
            {
                decision = new(false, properties.ContentType ?? "application/octet-stream", "The blob is the incomplete result of a failed copy. Upload the file itself.");
            }
            else
            {
                var detected = await ContentSniffer.SniffAsync(
                    async (range, ct) =>
                    {
                        var data = await ReadRangeAsync(blob, range, properties.ETag, ct).ConfigureAwait(false);
                        Interlocked.Add(ref bytesRead, data.Length);
                        return data;
                    },
                    properties.ContentLength,
                    cancellationToken).ConfigureAwait(false);
                decision = VerificationPolicy.Decide(fileName, properties.ContentType, properties.ContentLength, detected);
            }

            UploadStatus status;
            try
            {
                status = await RecordAsync(blob, properties, decision, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (IsLeaseConflict(ex))
            {
                // The upload URL's Write permission also lets its holder lease the blob, which would block both
                // outcomes forever. Break the lease (only while the blob is still the content checked) and retry once.
                Log.LeaseBroken(logger, blobPath);
                await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
                status = await RecordAsync(blob, properties, decision, cancellationToken).ConfigureAwait(false);
            }

            await publisher.PublishAsync(status, cancellationToken).ConfigureAwait(false);
            return new(status, Decided: true, bytesRead);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Deleted, or moved to quarantine by a concurrent check of the same content.
            Log.ChangedDuringCheck(logger, blobPath);
            return new(await QuarantinedStatusAsync(blobPath, cancellationToken).ConfigureAwait(false), Decided: false, bytesRead);
        }
        catch (RequestFailedException ex) when (ex.Status == 412 && !IsLeaseConflict(ex))
        {
            // Overwritten while being checked: the newer content has its own event (and status checks it on demand).
            Log.ChangedDuringCheck(logger, blobPath);
            return new(Pending(blobPath, null), Decided: false, bytesRead);
        }
    }

    private Task<UploadStatus> RecordAsync(BlobClient blob, BlobProperties properties, ContentDecision decision, CancellationToken cancellationToken) =>
        decision.Accepted
            ? MarkVerifiedAsync(blob, properties, decision, cancellationToken)
            : QuarantineAsync(blob, properties, decision, cancellationToken);

    private static bool IsLeaseConflict(RequestFailedException ex) =>
        ex.ErrorCode == BlobErrorCode.LeaseIdMissing || ex.ErrorCode == BlobErrorCode.LeaseIdMismatchWithBlobOperation
        || ex.ErrorCode == BlobErrorCode.LeaseIdMismatchWithLeaseOperation || ex.ErrorCode == BlobErrorCode.LeaseIsBreakingAndCannotBeAcquired;

    private static async Task<ReadOnlyMemory<byte>> ReadRangeAsync(BlobClient blob, ByteRange range, ETag etag, CancellationToken cancellationToken)
    {
        var response = await blob.DownloadContentAsync(
            new BlobDownloadOptions { Range = new HttpRange(range.Offset, range.Length), Conditions = new BlobRequestConditions { IfMatch = etag } },
            cancellationToken).ConfigureAwait(false);
        return response.Value.Content.ToMemory();
    }

    private async Task<UploadStatus> MarkVerifiedAsync(BlobClient blob, BlobProperties properties, ContentDecision decision, CancellationToken cancellationToken)
    {
        // The stored Content-Type becomes the verified type (a single PUT usually leaves application/octet-stream).
        // Conditional on the checked content; the new ETag is the one the verdict is bound to.
        // Every other header the client may have set goes: whoever serves the file later gets the checked bytes,
        // as the checked type, as a download under its own name.
        var headers = new BlobHttpHeaders
        {
            ContentType = decision.DetectedType,
            ContentHash = properties.ContentHash,
            ContentDisposition = AttachmentDisposition(blob.Name),
        };
        var updated = await blob.SetHttpHeadersAsync(headers, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
        var checkedAt = time.GetUtcNow();
        await blob.SetTagsAsync(VerdictTags.ForVerified(updated.Value.ETag, decision.DetectedType, checkedAt), cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.Verified(logger, blob.Name, decision.DetectedType, properties.ContentLength);
        return Verified(blob.Name, decision.DetectedType, properties.ContentLength, checkedAt);
    }

    private async Task<UploadStatus> QuarantineAsync(BlobClient blob, BlobProperties properties, ContentDecision decision, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sourceETag = properties.ETag.ToString();
        var target = containers.Quarantine.GetBlobClient(blob.Name);
        var copyOptions = new BlobCopyFromUriOptions
        {
            Metadata = QuarantineMetadata.Create(decision.Reason!, decision.DetectedType, sourceETag, now),
            SourceConditions = new BlobRequestConditions { IfMatch = properties.ETag },
            DestinationConditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };

        // Storage copies server-side from a short-lived read URL for this one blob, whatever the app's own authentication.
        var source = await signer.SignAsync(blob, BlobSasPermissions.Read, now - options.Value.ClockSkew, now.AddHours(1), cancellationToken).ConfigureAwait(false);
        try
        {
            var copy = await target.StartCopyFromUriAsync(source, copyOptions, cancellationToken).ConfigureAwait(false);
            await copy.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
            await EnsureCopiedAsync(target, properties.ContentLength, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ConditionNotMet || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            await CopyBesideEarlierRejectionAsync(target, source, copyOptions, sourceETag, properties.ContentLength, cancellationToken).ConfigureAwait(false);
        }

        // Only the content that was checked is removed; a newer upload at the same path survives (412).
        await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
        Log.Rejected(logger, blob.Name, decision.DetectedType, decision.Reason!);
        return new UploadStatus(blob.Name, UploadState.Rejected, decision.DetectedType, properties.ContentLength, decision.Reason, now);
    }

    /// <summary>
    /// The quarantine already holds a blob at this path: the same content (a duplicate event raced us) needs no
    /// second copy; an earlier rejected upload is kept, and this one is stored beside it under its ETag.
    /// </summary>
    private async Task CopyBesideEarlierRejectionAsync(BlobClient target, Uri source, BlobCopyFromUriOptions copyOptions, string sourceETag, long expectedLength, CancellationToken cancellationToken)
    {
        var existing = (await target.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        var sameContent = QuarantineMetadata.Read(existing.Metadata, QuarantineMetadata.SourceETag) == sourceETag.Trim('"');
        if (sameContent && existing.CopyStatus is CopyStatus.Success or CopyStatus.Pending)
        {
            // A concurrent check of the same content is copying it (or did): wait for that copy and verify it.
            await WaitForCopyAsync(target, cancellationToken).ConfigureAwait(false);
            await EnsureCopiedAsync(target, expectedLength, cancellationToken).ConfigureAwait(false);
            return;
        }

        var destination = sameContent ? target : containers.Quarantine.GetBlobClient($"{target.Name}~{sourceETag.Trim('"')}");
        copyOptions.DestinationConditions = null;
        var copy = await destination.StartCopyFromUriAsync(source, copyOptions, cancellationToken).ConfigureAwait(false);
        await copy.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
        await EnsureCopiedAsync(destination, expectedLength, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A copy that ended Failed or Aborted does not throw from the SDK's wait: check it, so that the original is never
    /// deleted unless its copy in quarantine is complete. Throwing makes the trigger retry.
    /// </summary>
    private static async Task EnsureCopiedAsync(BlobClient target, long expectedLength, CancellationToken cancellationToken)
    {
        var copied = (await target.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        if (copied.CopyStatus != CopyStatus.Success || (expectedLength >= 0 && copied.ContentLength != expectedLength))
        {
            throw new InvalidOperationException($"The quarantine copy of {target.Name} did not complete ({copied.CopyStatus}, {copied.ContentLength} bytes); the original is kept and the check will be retried.");
        }
    }

    private static async Task WaitForCopyAsync(BlobClient target, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var properties = (await target.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (properties.CopyStatus != CopyStatus.Pending)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>attachment; filename*=UTF-8''…</c> with the blob's own file name (RFC 6266 / 8187).</summary>
    private static string AttachmentDisposition(string blobPath) =>
        "attachment; filename*=UTF-8''" + Uri.EscapeDataString(blobPath[(blobPath.LastIndexOf('/') + 1)..]);

    private async Task<UploadStatus?> QuarantinedStatusAsync(string blobPath, CancellationToken cancellationToken)
    {
        try
        {
            var quarantined = (await containers.Quarantine.GetBlobClient(blobPath).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            var rejectedAt = QuarantineMetadata.Read(quarantined.Metadata, QuarantineMetadata.RejectedAt);
            return new UploadStatus(
                blobPath,
                UploadState.Rejected,
                QuarantineMetadata.Read(quarantined.Metadata, QuarantineMetadata.DetectedType),
                quarantined.ContentLength,
                QuarantineMetadata.Read(quarantined.Metadata, QuarantineMetadata.Reason),
                DateTimeOffset.TryParse(rejectedAt, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static UploadStatus Verified(string blobPath, string type, long size, DateTimeOffset? checkedAt) =>
        new(blobPath, UploadState.Verified, type, size, null, checkedAt);

    private static UploadStatus Pending(string blobPath, long? size) => new(blobPath, UploadState.Pending, null, size, null, null);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Verified {BlobPath}: {DetectedType}, {SizeBytes} bytes")]
        public static partial void Verified(ILogger logger, string blobPath, string detectedType, long sizeBytes);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Rejected {BlobPath} ({DetectedType}) and moved it to quarantine: {Reason}")]
        public static partial void Rejected(ILogger logger, string blobPath, string detectedType, string reason);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "{BlobPath} is no longer in the uploads container; nothing to verify")]
        public static partial void Gone(ILogger logger, string blobPath);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "{BlobPath} changed while it was being checked; its newer content is checked on its own event")]
        public static partial void ChangedDuringCheck(ILogger logger, string blobPath);

        [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "{BlobPath} was leased by its uploader; the lease was broken to record the verdict")]
        public static partial void LeaseBroken(ILogger logger, string blobPath);
    }
}
