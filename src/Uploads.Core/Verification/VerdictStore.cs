using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Naming;
using Uploads.Core.Signing;
using Uploads.Core.Storage;
using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>
/// The one owner of verdict state, used by the direct path, the Blob trigger and the status endpoint alike:
/// how a verified blob looks (<see cref="VerifiedHeaders"/>, verdict tags bound to its ETag), how a rejected one is
/// moved to quarantine, how a status is read back, and the verdict event. Nothing else writes verdict tags,
/// verified headers or quarantine copies.
/// </summary>
public sealed partial class VerdictStore(
    UploadContainers containers,
    IBlobSasSigner signer,
    IVerdictPublisher publisher,
    TimeProvider time,
    IOptions<UploadOptions> options,
    ILogger<VerdictStore> logger,
    IVerdictGate? scans = null)
{
    /// <summary>
    /// The headers of every verified blob: the detected type, a download under its own name, and nothing else the
    /// client may have set (encoding, language, cache control are reset): whoever serves the file gets the checked
    /// bytes, as the checked type, as a download.
    /// </summary>
    public static BlobHttpHeaders VerifiedHeaders(string blobPath, string detectedType, byte[]? contentHash)
    {
        ArgumentNullException.ThrowIfNull(blobPath);
        return new BlobHttpHeaders
        {
            ContentType = detectedType,
            ContentHash = contentHash,
            ContentDisposition = "attachment; filename*=UTF-8''" + Uri.EscapeDataString(BlobPath.FileName(blobPath)),
        };
    }

    /// <summary>
    /// Records "verified" for the content with <paramref name="etag"/>: the verdict tags name that ETag (tags do not
    /// change it), then the event is published. The blob must already carry <see cref="VerifiedHeaders"/>.
    /// </summary>
    /// <remarks>
    /// With malware scanning on (<see cref="IVerdictGate"/>, src/Uploads.Core/Scanning), our check's acceptance is recorded as
    /// <c>checked</c> and the verdict waits for the scan result of the content our check read,
    /// <paramref name="checkedETag"/> (<paramref name="etag"/> when null: nothing was written since).
    /// </remarks>
    public Task<UploadStatus> RecordVerifiedAsync(BlobClient blob, ETag etag, string detectedType, long sizeBytes, CancellationToken cancellationToken, ETag? checkedETag = null) =>
        RecordVerifiedAsync(blob, etag, detectedType, sizeBytes, sha256: null, cancellationToken, checkedETag);

    /// <summary>As <see cref="RecordVerifiedAsync(BlobClient, ETag, string, long, CancellationToken, ETag?)"/>, with the content's SHA-256 (base64) when it was computed: recorded with the verdict, carried by the status and the event.</summary>
    public async Task<UploadStatus> RecordVerifiedAsync(BlobClient blob, ETag etag, string detectedType, long sizeBytes, string? sha256, CancellationToken cancellationToken, ETag? checkedETag = null)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (scans is { Enabled: true })
        {
            return await scans.ContentAcceptedAsync(this, blob, checkedETag ?? etag, etag, detectedType, sizeBytes, sha256, cancellationToken).ConfigureAwait(false);
        }

        return await RecordVerifiedWithScanAsync(blob, etag, detectedType, sizeBytes, sha256, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records "verified" for <paramref name="etag"/> (with <paramref name="sha256"/> when computed) and the scan's tags
    /// added to the verdict tags (none with scanning off): the checked bytes are pinned first, then the tags written and
    /// the event published.
    /// </summary>
    public async Task<UploadStatus> RecordVerifiedWithScanAsync(BlobClient blob, ETag etag, string detectedType, long sizeBytes, string? sha256, IReadOnlyDictionary<string, string>? scanTags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var checkedAt = time.GetUtcNow();
        var tags = VerdictTags.ForVerified(etag, detectedType, checkedAt, sha256);
        foreach (var (key, value) in scanTags ?? new Dictionary<string, string>())
        {
            tags[key] = value;
        }

        // The checked bytes are pinned before the verdict names them (VerifiedPins: a snapshot conditional on the ETag).
        await VerifiedPins.PinAsync(blob, etag, tags, cancellationToken).ConfigureAwait(false);
        await blob.SetTagsAsync(tags, new BlobRequestConditions { IfMatch = etag }, cancellationToken).ConfigureAwait(false);
        Log.Verified(logger, blob.Name, detectedType, sizeBytes);
        var status = new UploadStatus(blob.Name, UploadState.Verified, detectedType, sizeBytes, null, checkedAt, sha256) { MalwareScan = scans?.StatusOf(tags) };
        await publisher.PublishAsync(status, cancellationToken).ConfigureAwait(false);
        return status;
    }

    /// <summary>An upload waiting for its malware scan result: decided if the result (or its deadline) is there (<see cref="IVerdictGate.ResolveAwaitingAsync"/>).</summary>
    public Task<VerificationResult> ResolveAwaitingScanAsync(UploadStatus current, BlobProperties properties, CancellationToken cancellationToken) =>
        scans is null
            ? Task.FromResult(new VerificationResult(current, Decided: false, BytesRead: 0))
            : scans.ResolveAwaitingAsync(this, current, properties, cancellationToken);

    /// <summary>
    /// Marks an uploaded blob verified: its headers become <see cref="VerifiedHeaders"/> and its metadata is cleared
    /// (both conditional on the content checked), then the verdict is recorded for the resulting ETag.
    /// </summary>
    public Task<UploadStatus> MarkVerifiedAsync(BlobClient blob, BlobProperties properties, string detectedType, CancellationToken cancellationToken) =>
        MarkVerifiedAsync(blob, properties, detectedType, sha256: null, cancellationToken);

    /// <summary>As <see cref="MarkVerifiedAsync(BlobClient, BlobProperties, string, CancellationToken)"/>, with the content's SHA-256 (base64) when it was computed.</summary>
    public async Task<UploadStatus> MarkVerifiedAsync(BlobClient blob, BlobProperties properties, string detectedType, string? sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(properties);
        var etag = properties.ETag;
        if (properties.Metadata.Count > 0)
        {
            etag = (await blob.SetMetadataAsync(new Dictionary<string, string>(), new BlobRequestConditions { IfMatch = etag }, cancellationToken).ConfigureAwait(false)).Value.ETag;
        }

        var updated = await blob.SetHttpHeadersAsync(
            VerifiedHeaders(blob.Name, detectedType, properties.ContentHash),
            new BlobRequestConditions { IfMatch = etag },
            cancellationToken).ConfigureAwait(false);

        // Snapshots hold whatever the uploader snapshotted before its last write (the URL's Write allows it) and were
        // never checked: once the current version is verified they are deleted, so no unverified bytes stay in the
        // container under this name. (A rejected blob is deleted with its snapshots.) The sweep also removes the pin of
        // the verdict this one replaces: the new content gets its own pin next (VerifiedPins).
        await blob.DeleteAsync(DeleteSnapshotsOption.OnlySnapshots, new BlobRequestConditions { IfMatch = updated.Value.ETag }, cancellationToken).ConfigureAwait(false);
        return await RecordVerifiedAsync(blob, updated.Value.ETag, detectedType, properties.ContentLength, sha256, cancellationToken, checkedETag: properties.ETag).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves the checked content to quarantine with the reason: a server-side copy from a one-hour read SAS for
    /// that blob, conditional on its ETag; only once the copy is complete (status and length checked) is the
    /// checked version deleted (If-Match), snapshots included. Then the event is published.
    /// </summary>
    public async Task<UploadStatus> QuarantineAsync(BlobClient blob, BlobProperties properties, ContentDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(properties);
        ArgumentNullException.ThrowIfNull(decision);
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
        Log.Rejected(logger, blob.Name, decision.DetectedType ?? "not read", decision.Reason!);
        var status = new UploadStatus(blob.Name, UploadState.Rejected, decision.DetectedType, properties.ContentLength, decision.Reason, now);
        await publisher.PublishAsync(status, cancellationToken).ConfigureAwait(false);
        return status;
    }

    /// <summary>
    /// The recorded state of a path, reading at most two things and writing nothing: the blob's properties and, when
    /// it has tags, its tags (verified, or pending for content without a verdict); or, when the blob is gone, its
    /// quarantined copy (rejected). Null when neither exists. <paramref name="properties"/> is what was read of a
    /// blob that is still in the uploads container.
    /// </summary>
    public async Task<(UploadStatus? Status, BlobProperties? Properties)> ReadAsync(string blobPath, CancellationToken cancellationToken)
    {
        var blob = containers.Uploads.GetBlobClient(blobPath);
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (await QuarantinedStatusAsync(blobPath, cancellationToken).ConfigureAwait(false), null);
        }

        if (IsArchived(properties))
        {
            // The upload URL's Write permission lets its holder move the blob to the archive tier (before or after it
            // was verified: Set Blob Tier raises no BlobCreated and keeps the ETag), where it can be neither read nor
            // copied: never reported verified, left in place; a rehydration makes it pending again.
            return (new UploadStatus(blobPath, UploadState.Rejected, null, properties.ContentLength, ArchivedReason, null), properties);
        }

        // A verdict holds for the content it names in the account's default tier: a tier set afterwards through the
        // upload URL (Cool, Cold) sends the blob back to pending, and verification refuses it.
        if (properties.TagCount > 0 && !HasExplicitTier(properties))
        {
            IDictionary<string, string> tags;
            try
            {
                tags = (await blob.GetTagsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.Tags;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Deleted between the two reads: a verdict moved it to quarantine (or its owner removed it) just now.
                return (await QuarantinedStatusAsync(blobPath, cancellationToken).ConfigureAwait(false), null);
            }

            if (IsVerified(properties, tags))
            {
                return (new UploadStatus(blobPath, UploadState.Verified, tags[VerdictTags.Type], properties.ContentLength, null, VerdictTags.CheckedAt(tags), VerdictTags.Sha256Of(tags)) { MalwareScan = scans?.StatusOf(tags) }, properties);
            }

            if (scans?.AwaitingStatus(blobPath, properties, tags) is { } awaitingScan)
            {
                return (awaitingScan, properties);
            }
        }

        return (Pending(blobPath, properties.ContentLength), properties);
    }

    internal const string ArchivedReason =
        "The upload was moved to the archive tier, where it can be neither read nor checked. It is not verified and cannot be used; upload the file again without changing its access tier.";

    /// <summary>A block blob in the archive tier, or being rehydrated from it (only block blobs have a tier).</summary>
    public static bool IsArchived(BlobProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        return properties.BlobType == BlobType.Block && (properties.AccessTier == AccessTier.Archive || !string.IsNullOrEmpty(properties.ArchiveStatus?.ToString()));
    }

    /// <summary>A block blob whose tier was set explicitly to anything but Hot (through the upload URL: uploads never set one).</summary>
    public static bool HasExplicitTier(BlobProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        return HasExplicitTier(properties.BlobType, properties.AccessTierInferred, properties.AccessTier is { } tier ? new AccessTier(tier) : (AccessTier?)null);
    }

    /// <summary>
    /// The one rule of "verified", for the status (<see cref="ReadAsync"/>) and the reconciliation pass alike: the
    /// verdict tags name exactly the current content (<see cref="VerdictTags.IsVerifiedFor"/>) and the blob is still in
    /// the account's default tier (a tier set afterwards, Cool, Cold or Archive, sends it back to be checked).
    /// </summary>
    public static bool IsVerified(BlobProperties properties, IDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(properties);
        ArgumentNullException.ThrowIfNull(tags);
        return !HasExplicitTier(properties) && VerdictTags.IsVerifiedFor(tags, properties.ETag);
    }

    /// <summary><see cref="IsVerified(BlobProperties, IDictionary{string, string})"/> for a blob as List Blobs returns it (with its tags).</summary>
    public static bool IsVerified(BlobItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var properties = item.Properties;
        return properties.ETag is { } etag && item.Tags is { } tags
            && !HasExplicitTier(properties.BlobType, properties.AccessTierInferred, properties.AccessTier)
            && VerdictTags.IsVerifiedFor(tags, etag);
    }

    // No tier at all (an account without tiers, such as premium block blob storage) is no tier set through the URL.
    private static bool HasExplicitTier(BlobType? blobType, bool? accessTierInferred, AccessTier? accessTier) =>
        blobType == BlobType.Block && accessTierInferred is false && accessTier is { } tier && tier != AccessTier.Hot;

    /// <summary>The status of a path whose blob is no longer in the uploads container.</summary>
    public async Task<UploadStatus?> QuarantinedStatusAsync(string blobPath, CancellationToken cancellationToken)
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
                UtcSeconds.TryParse(rejectedAt, out var at) ? at : null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>A client for a path in the uploads container.</summary>
    public BlobClient UploadsBlob(string blobPath) => containers.Uploads.GetBlobClient(blobPath);

    public static UploadStatus Pending(string blobPath, long? size) => new(blobPath, UploadState.Pending, null, size, null, null);

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

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, EventName = "Verified", Level = LogLevel.Information, Message = "Verified {BlobPath}: {DetectedType}, {SizeBytes} bytes")]
        public static partial void Verified(ILogger logger, string blobPath, string detectedType, long sizeBytes);

        [LoggerMessage(EventId = 2002, EventName = "Rejected", Level = LogLevel.Warning, Message = "Rejected {BlobPath} ({DetectedType}) and moved it to quarantine: {Reason}")]
        public static partial void Rejected(ILogger logger, string blobPath, string detectedType, string reason);
    }
}
