using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Contracts;
using Uploads.Policy;
using Uploads.Sniffing;

namespace Uploads.Core.Verification;

/// <summary>
/// Post-upload verification of one blob in the uploads container, as a short orchestration: read its state
/// (<see cref="VerdictStore.ReadAsync"/>), refuse what cannot be checked (not a block blob, over every limit, an
/// encoding, an incomplete copy), sniff only the byte ranges the sniffer asks for (each conditional on the ETag first
/// seen, so a concurrent overwrite aborts the check instead of mixing two contents), decide
/// (<see cref="VerificationPolicy"/>), and record the verdict through <see cref="VerdictStore"/>.
/// Idempotent: a blob already verified for its current content, or no longer there, is left as it is, so duplicate,
/// late and out-of-order events change nothing.
/// </summary>
public sealed partial class UploadVerifier(VerdictStore verdicts, IOptions<UploadOptions> options, ILogger<UploadVerifier> logger)
{
    /// <summary>Largest size of any category: a bigger blob is refused without reading it.</summary>
    private static readonly long LargestLimit = Enum.GetValues<ContentCategory>().Max(UploadPolicy.MaxBytes);

    private readonly ConcurrentDictionary<string, Lazy<Task<VerificationResult>>> _inFlight = new(StringComparer.Ordinal);

    /// <param name="blobPath">The path in the uploads container.</param>
    /// <param name="quarantineInBackground">
    /// Answer a rejection at once and move the content to quarantine afterwards (the status endpoint: a GET never
    /// waits for a copy); the Blob trigger, which Event Grid retries, waits for it.
    /// </param>
    public async Task<VerificationResult> VerifyAsync(string blobPath, CancellationToken cancellationToken, bool quarantineInBackground = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobPath);

        // One check per path at a time in this instance: a duplicate delivery (Event Grid is at-least-once, the
        // reconciliation pass and status calls overlap with it) waits for the check under way and takes its outcome,
        // instead of racing it between the header write and the verdict tags and publishing a second event.
        var mine = new Lazy<Task<VerificationResult>>(() => VerifyOnceAsync(blobPath, quarantineInBackground, cancellationToken));
        var flight = _inFlight.GetOrAdd(blobPath, mine);
        if (!ReferenceEquals(flight, mine))
        {
            Log.JoinedCheck(logger, blobPath);
            var joined = await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            return joined with { Decided = false, BytesRead = 0 };
        }

        try
        {
            return await mine.Value.ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<VerificationResult>>>(blobPath, mine));
        }
    }

    private async Task<VerificationResult> VerifyOnceAsync(string blobPath, bool quarantineInBackground, CancellationToken cancellationToken)
    {
        var (current, properties) = await verdicts.ReadAsync(blobPath, cancellationToken).ConfigureAwait(false);
        if (properties is null || current is not { Status: UploadState.Pending })
        {
            LogSettled(blobPath, properties);
            return new(current, Decided: false, BytesRead: 0);
        }

        var blob = verdicts.UploadsBlob(blobPath);
        var bytesRead = new ByteCount();
        try
        {
            var decision = Precheck(properties) ?? (IsCopyInProgress(properties)
                ? null
                : await SniffAndDecideAsync(blob, properties, bytesRead, cancellationToken).ConfigureAwait(false));
            return decision is null
                ? new(current, Decided: false, BytesRead: 0)
                : await RecordAsync(blob, properties, decision, quarantineInBackground, bytesRead.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Deleted, or moved to quarantine by a concurrent check of the same content.
            Log.ChangedDuringCheck(logger, blobPath);
            return new(await verdicts.QuarantinedStatusAsync(blobPath, cancellationToken).ConfigureAwait(false), Decided: false, bytesRead.Value);
        }
        catch (RequestFailedException ex) when (ex.Status == 412 && !IsLeaseConflict(ex))
        {
            // Overwritten while being checked: the newer content has its own event (and status checks it on demand).
            Log.ChangedDuringCheck(logger, blobPath);
            return new(VerdictStore.Pending(blobPath, null), Decided: false, bytesRead.Value);
        }
    }

    /// <summary>Why nothing was checked: the blob is gone, or it has its verdict already (an archived one is logged).</summary>
    private void LogSettled(string blobPath, BlobProperties? properties)
    {
        if (properties is null)
        {
            Log.Gone(logger, blobPath);
        }
        else if (VerdictStore.IsArchived(properties))
        {
            Log.Archived(logger, blobPath);
        }
    }

    /// <summary>
    /// The destination of a copy still in progress: its bytes are not final yet. (CopyStatus is meaningful only on a
    /// copy destination; a blob that was never copied has no CopyId.)
    /// </summary>
    private static bool IsCopyInProgress(BlobProperties properties) =>
        !string.IsNullOrEmpty(properties.CopyId) && properties.CopyStatus == CopyStatus.Pending;

    /// <summary>Reads the ranges the sniffer asks for, each conditional on the ETag first seen, and decides.</summary>
    private async Task<ContentDecision> SniffAndDecideAsync(BlobClient blob, BlobProperties properties, ByteCount bytesRead, CancellationToken cancellationToken)
    {
        var detected = await ContentSniffer.SniffAsync(
            async (range, ct) =>
            {
                var data = await ReadRangeAsync(blob, range, properties.ETag, ct).ConfigureAwait(false);
                bytesRead.Add(data.Length);
                return data;
            },
            properties.ContentLength,
            options.Value.AllowedActiveContentKinds,
            WorkBudget.ForFile(properties.ContentLength, cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        var fileName = blob.Name[(blob.Name.LastIndexOf('/') + 1)..];
        return VerificationPolicy.Decide(fileName, properties.ContentType, properties.ContentLength, detected);
    }

    /// <summary>What is refused before any byte is read, or null.</summary>
    private static ContentDecision? Precheck(BlobProperties properties)
    {
        if (properties.BlobType != BlobType.Block)
        {
            // Append Block and Put Page change the bytes later without a BlobCreated event: only block blobs can be checked once.
            return ContentDecision.RefusedUnread($"The upload is a{(properties.BlobType == BlobType.Append ? "n append" : " page")} blob. Upload the file as a block blob (x-ms-blob-type: BlockBlob).");
        }

        if (VerdictStore.HasExplicitTier(properties))
        {
            // Set through the upload URL: a verified file must be served like any other, from the account's default tier.
            return ContentDecision.RefusedUnread($"The upload was moved to the {properties.AccessTier} tier. Upload the file without changing its access tier.");
        }

        if (properties.ContentLength > LargestLimit)
        {
            return ContentDecision.RefusedUnread($"The file is {ByteSize.Describe(properties.ContentLength)}; no allowed type may exceed {ByteSize.Describe(LargestLimit)}.");
        }

        if (!string.IsNullOrEmpty(properties.ContentEncoding) && !properties.ContentEncoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            // A Content-Encoding makes every download decode the bytes into something other than what was checked.
            return ContentDecision.RefusedUnread($"The blob was stored with Content-Encoding \"{properties.ContentEncoding}\". Upload the file itself, without x-ms-blob-content-encoding.");
        }

        if (!string.IsNullOrEmpty(properties.CopyId) && properties.CopyStatus is CopyStatus.Failed or CopyStatus.Aborted)
        {
            return ContentDecision.RefusedUnread("The blob is the incomplete result of a failed copy. Upload the file itself.");
        }

        return null;
    }

    private async Task<VerificationResult> RecordAsync(BlobClient blob, BlobProperties properties, ContentDecision decision, bool quarantineInBackground, long bytesRead, CancellationToken cancellationToken)
    {
        if (!decision.Accepted && quarantineInBackground)
        {
            _ = Task.Run(() => QuarantineLoggedAsync(blob, properties, decision), CancellationToken.None);
            return new(new UploadStatus(blob.Name, UploadState.Rejected, decision.DetectedType, properties.ContentLength, decision.Reason, null), Decided: true, bytesRead);
        }

        try
        {
            return new(await RecordOnceAsync(blob, properties, decision, cancellationToken).ConfigureAwait(false), Decided: true, bytesRead);
        }
        catch (RequestFailedException ex) when (IsLeaseConflict(ex))
        {
            // The upload URL's Write permission also lets its holder lease the blob, which would block both
            // outcomes forever. Break the lease (only while the blob is still the content checked) and retry once.
            Log.LeaseBroken(logger, blob.Name);
            await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
            return new(await RecordOnceAsync(blob, properties, decision, cancellationToken).ConfigureAwait(false), Decided: true, bytesRead);
        }
    }

    private Task<UploadStatus> RecordOnceAsync(BlobClient blob, BlobProperties properties, ContentDecision decision, CancellationToken cancellationToken) =>
        decision.Accepted
            ? verdicts.MarkVerifiedAsync(blob, properties, decision.DetectedType, cancellationToken)
            : verdicts.QuarantineAsync(blob, properties, decision, cancellationToken);

    private async Task QuarantineLoggedAsync(BlobClient blob, BlobProperties properties, ContentDecision decision)
    {
        try
        {
            await RecordAsync(blob, properties, decision, quarantineInBackground: false, 0, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The Blob trigger (and the next status call) moves it; the failure is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.BackgroundQuarantineFailed(logger, ex, blob.Name);
        }
    }

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

    /// <summary>Bytes read from storage by one check (range reads may run concurrently).</summary>
    private sealed class ByteCount
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add(long bytes) => Interlocked.Add(ref _value, bytes);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2003, EventName = "BlobGone", Level = LogLevel.Information, Message = "{BlobPath} is no longer in the uploads container; nothing to verify")]
        public static partial void Gone(ILogger logger, string blobPath);

        [LoggerMessage(EventId = 2004, EventName = "ChangedDuringCheck", Level = LogLevel.Information, Message = "{BlobPath} changed while it was being checked; its newer content is checked on its own event")]
        public static partial void ChangedDuringCheck(ILogger logger, string blobPath);

        [LoggerMessage(EventId = 2005, EventName = "LeaseBroken", Level = LogLevel.Warning, Message = "{BlobPath} was leased by its uploader; the lease was broken to record the verdict")]
        public static partial void LeaseBroken(ILogger logger, string blobPath);

        [LoggerMessage(EventId = 2007, EventName = "Archived", Level = LogLevel.Warning, Message = "{BlobPath} was moved to the archive tier by its uploader; it is reported rejected and left unverified")]
        public static partial void Archived(ILogger logger, string blobPath);

        [LoggerMessage(EventId = 2009, EventName = "JoinedCheck", Level = LogLevel.Debug, Message = "{BlobPath} is being checked already; this delivery takes that check's outcome")]
        public static partial void JoinedCheck(ILogger logger, string blobPath);

        [LoggerMessage(EventId = 2006, EventName = "BackgroundQuarantineFailed", Level = LogLevel.Warning, Message = "Moving {BlobPath} to quarantine after a status check failed; the Blob trigger or the next check retries")]
        public static partial void BackgroundQuarantineFailed(ILogger logger, Exception exception, string blobPath);
    }
}
