using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Contracts;
using Uploads.Core.Naming;
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
/// <remarks>
/// A check runs in the background, under the application's lifetime, never under the token of whoever asked: one per
/// path at a time in this instance, which every later caller joins. Its reading and sniffing take a slot of
/// <see cref="CheckScheduler"/>, so that at most <see cref="VerificationOptions.MaxConcurrentChecks"/> run at once,
/// served in turn per client. The Blob trigger and the reconciliation pass wait for the verdict
/// (<see cref="VerifyAsync"/>); a request waits <see cref="VerificationOptions.RequestWait"/> at most
/// (<see cref="VerifyWithinRequestAsync"/>). Cancellation (the application stopping) is never a verdict.
/// </remarks>
public sealed partial class UploadVerifier : IDisposable
{
    /// <summary>Largest size of any category: a bigger blob is refused without reading it.</summary>
    private static readonly long LargestLimit = Enum.GetValues<ContentCategory>().Max(UploadPolicy.MaxBytes);

    private readonly ConcurrentDictionary<string, Check> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenRegistration _onApplicationStopping;
    private readonly VerdictStore _verdicts;
    private readonly CheckScheduler _scheduler;
    private readonly IOptions<UploadOptions> _options;
    private readonly IOptions<VerificationOptions> _verification;
    private readonly TimeProvider _time;
    private readonly ILogger<UploadVerifier> _logger;
    private readonly Sha256Declarations _declarations;
    private int _disposed;

    /// <param name="lifetime">The host's, when there is one: its stopping cancels the checks under way (so does disposing the verifier).</param>
    /// <param name="declarations">The SHA-256 clients declared with their URL requests.</param>
    internal UploadVerifier(
        VerdictStore verdicts,
        CheckScheduler scheduler,
        IOptions<UploadOptions> options,
        IOptions<VerificationOptions> verification,
        TimeProvider time,
        ILogger<UploadVerifier> logger,
        IHostApplicationLifetime? lifetime,
        Sha256Declarations declarations)
    {
        _declarations = declarations;
        _verdicts = verdicts;
        _scheduler = scheduler;
        _options = options;
        _verification = verification;
        _time = time;
        _logger = logger;
        if (lifetime is not null)
        {
            _onApplicationStopping = lifetime.ApplicationStopping.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _stopping);
        }
    }

    /// <summary>
    /// The verdict for <paramref name="blobPath"/> (a path in the uploads container), checking it if it is still
    /// pending, or joining the check under way. <paramref name="cancellationToken"/> ends the wait, not the check.
    /// </summary>
    public async Task<VerificationResult> VerifyAsync(string blobPath, CancellationToken cancellationToken)
    {
        var (check, joined) = Join(blobPath, quarantineInBackground: false);
        var result = await check.Outcome.WaitAsync(cancellationToken).ConfigureAwait(false);
        return joined ? Joined(result) : result;
    }

    /// <summary>
    /// What a request answers for <paramref name="blobPath"/>: its verdict, when the check of a pending blob ends
    /// within <see cref="VerificationOptions.RequestWait"/>; otherwise its pending status, while the check goes on in
    /// the background (a later call joins it, or finds its verdict). A rejection is answered once decided, and its move
    /// to quarantine finishes in the background (and in the Blob trigger), so a request never waits for a copy.
    /// </summary>
    public async Task<VerificationResult> VerifyWithinRequestAsync(string blobPath, CancellationToken cancellationToken)
    {
        var (check, joined) = Join(blobPath, quarantineInBackground: true);

        // The state read is the request's own storage call (bounded like any); the wait starts with the check.
        var seen = await check.Seen.WaitAsync(cancellationToken).ConfigureAwait(false);
        var wait = _verification.Value.RequestWait;
        try
        {
            var result = await check.Outcome.WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
            return joined ? Joined(result) : result;
        }
        catch (TimeoutException) when (!check.Outcome.IsCompleted)
        {
            Log.AnsweredPending(_logger, blobPath, wait.TotalSeconds);
            return new(seen, Decided: false, BytesRead: 0);
        }
        catch (TimeoutException) when (check.Outcome.IsCompletedSuccessfully)
        {
            // The check ended as the wait ran out: its outcome it is.
            var result = await check.Outcome.ConfigureAwait(false);
            return joined ? Joined(result) : result;
        }
    }

    /// <summary>Stops the checks under way (they end without a verdict: the blobs stay pending).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _onApplicationStopping.Dispose();
            _stopping.Cancel();
            _stopping.Dispose();
        }
    }

    /// <summary>What a caller that joined a check gets: its outcome, without having decided or read anything itself.</summary>
    private static VerificationResult Joined(VerificationResult result) => result with { Decided = false, BytesRead = 0 };

    /// <summary>
    /// The check of <paramref name="blobPath"/> under way in this instance, or a new one, started in the background.
    /// One per path at a time: a duplicate delivery (Event Grid is at-least-once, the reconciliation pass and status
    /// calls overlap with it) takes the outcome of the check under way instead of racing it between the header write
    /// and the verdict tags and publishing a second event.
    /// </summary>
    private (Check Check, bool Joined) Join(string blobPath, bool quarantineInBackground)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobPath);
        var stopping = _stopping.Token;
        var mine = new Check(blobPath);
        var check = _inFlight.GetOrAdd(blobPath, mine);
        if (!ReferenceEquals(check, mine))
        {
            Log.JoinedCheck(_logger, blobPath);
            return (check, true);
        }

        _ = Task.Run(() => RunAsync(mine, quarantineInBackground, stopping), CancellationToken.None);
        return (mine, false);
    }

    /// <summary>One check, to its end whoever still waits for it; its failure is logged here (a request may have answered already).</summary>
    private async Task RunAsync(Check check, bool quarantineInBackground, CancellationToken stopping)
    {
        VerificationResult? result = null;
        Exception? failure = null;
        try
        {
            result = await VerifyOnceAsync(check, quarantineInBackground, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (stopping.IsCancellationRequested)
        {
            Log.CheckStopped(_logger, check.BlobPath);
            failure = ex;
        }
#pragma warning disable CA1031 // Handed to every caller of the check (the trigger fails, the pass counts it); logged once here.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.CheckFailed(_logger, ex, check.BlobPath);
            failure = ex;
        }

        // Out of the map before the outcome is known: a call after the outcome starts a check of its own.
        _inFlight.TryRemove(new KeyValuePair<string, Check>(check.BlobPath, check));
        check.End(result, failure);
    }

    private async Task<VerificationResult> VerifyOnceAsync(Check check, bool quarantineInBackground, CancellationToken cancellationToken)
    {
        var blobPath = check.BlobPath;
        var (current, properties) = await _verdicts.ReadAsync(blobPath, cancellationToken).ConfigureAwait(false);
        check.Saw(current);
        if (properties is not null && current is { MalwareScan.State: MalwareScanStatus.Waiting })
        {
            // Our check passed already; the verdict waits for the malware scan (src/Uploads.Core/Scanning).
            return await _verdicts.ResolveAwaitingScanAsync(current, properties, cancellationToken).ConfigureAwait(false);
        }

        if (properties is null || current is not { Status: UploadState.Pending })
        {
            LogSettled(blobPath, properties);
            return new(current, Decided: false, BytesRead: 0);
        }

        var blob = _verdicts.UploadsBlob(blobPath);
        var bytesRead = new ByteCount();
        try
        {
            var decision = Precheck(properties) ?? (IsCopyInProgress(properties)
                ? null
                : await SniffInTurnAsync(blob, properties, bytesRead, cancellationToken).ConfigureAwait(false));
            return decision is null
                ? new(current, Decided: false, BytesRead: 0)
                : await RecordAsync(blob, properties, decision, quarantineInBackground, bytesRead.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Deleted, or moved to quarantine by a concurrent check of the same content.
            Log.ChangedDuringCheck(_logger, blobPath);
            return new(await _verdicts.QuarantinedStatusAsync(blobPath, cancellationToken).ConfigureAwait(false), Decided: false, bytesRead.Value);
        }
        catch (RequestFailedException ex) when (ex.Status == 412 && !IsLeaseConflict(ex))
        {
            // Overwritten while being checked: the newer content has its own event (and status checks it on demand).
            Log.ChangedDuringCheck(_logger, blobPath);
            return new(VerdictStore.Pending(blobPath, null), Decided: false, bytesRead.Value);
        }
    }

    /// <summary>Reads and sniffs in a slot of <see cref="CheckScheduler"/>, once the turn of the blob's client comes.</summary>
    private async Task<ContentDecision> SniffInTurnAsync(BlobClient blob, BlobProperties properties, ByteCount bytesRead, CancellationToken cancellationToken)
    {
        using (await _scheduler.EnterAsync(blob.Name, cancellationToken).ConfigureAwait(false))
        {
            return await SniffAndDecideAsync(blob, properties, bytesRead, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Why nothing was checked: the blob is gone, or it has its verdict already (an archived one is logged).</summary>
    private void LogSettled(string blobPath, BlobProperties? properties)
    {
        if (properties is null)
        {
            Log.Gone(_logger, blobPath);
        }
        else if (VerdictStore.IsArchived(properties))
        {
            Log.Archived(_logger, blobPath);
        }
    }

    /// <summary>
    /// The destination of a copy still in progress: its bytes are not final yet. (CopyStatus is meaningful only on a
    /// copy destination; a blob that was never copied has no CopyId.)
    /// </summary>
    private static bool IsCopyInProgress(BlobProperties properties) =>
        !string.IsNullOrEmpty(properties.CopyId) && properties.CopyStatus == CopyStatus.Pending;

    /// <summary>
    /// Reads the ranges the sniffer asks for, each conditional on the ETag first seen, and decides; when the client
    /// declared a SHA-256 or the deployment computes it always, an accepted file is hashed too (<see cref="PresignedSha256"/>)
    /// and checked against its declaration (<see cref="Sha256Check"/>).
    /// </summary>
    private async Task<ContentDecision> SniffAndDecideAsync(BlobClient blob, BlobProperties properties, ByteCount bytesRead, CancellationToken cancellationToken)
    {
        async ValueTask<ReadOnlyMemory<byte>> ReadCountedAsync(ByteRange range, CancellationToken ct)
        {
            var data = await ReadRangeAsync(blob, range, properties.ETag, ct).ConfigureAwait(false);
            bytesRead.Add(data.Length);
            return data;
        }

        var sha256 = await Sha256Check.StartAsync(_declarations, blob.Name, properties.ContentLength, _verification.Value.ComputesSha256Always, cancellationToken).ConfigureAwait(false);
        using var hashing = sha256.Hash;
        var detected = await ContentSniffer.SniffAsync(
            hashing?.Observing(ReadCountedAsync) ?? ReadCountedAsync,
            properties.ContentLength,
            _options.Value.AllowedActiveContentKinds,
            _options.Value.MaxImagePixels,
            WorkBudget.ForFile(properties.ContentLength, cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        var fileName = BlobPath.FileName(blob.Name);
        var decision = VerificationPolicy.Decide(fileName, properties.ContentType, properties.ContentLength, detected);
        return await sha256.DecideAsync(decision, ReadCountedAsync, cancellationToken).ConfigureAwait(false);
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
            Log.LeaseBroken(_logger, blob.Name);
            await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
            return new(await RecordOnceAsync(blob, properties, decision, cancellationToken).ConfigureAwait(false), Decided: true, bytesRead);
        }
    }

    private Task<UploadStatus> RecordOnceAsync(BlobClient blob, BlobProperties properties, ContentDecision decision, CancellationToken cancellationToken) =>
        decision.Accepted
            ? _verdicts.MarkVerifiedAsync(blob, properties, decision.DetectedType, decision.Sha256, cancellationToken)
            : _verdicts.QuarantineAsync(blob, properties, decision, cancellationToken);

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
            Log.BackgroundQuarantineFailed(_logger, ex, blob.Name);
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

    /// <summary>One check under way: the state it read first, then its outcome, for every caller that joined it.</summary>
    private sealed class Check(string blobPath)
    {
        private readonly TaskCompletionSource<UploadStatus?> _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<VerificationResult> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string BlobPath { get; } = blobPath;

        /// <summary>The status before the check (null: no blob at the path).</summary>
        public Task<UploadStatus?> Seen => _seen.Task;

        public Task<VerificationResult> Outcome => _outcome.Task;

        public void Saw(UploadStatus? status) => _seen.TrySetResult(status);

        public void End(VerificationResult? result, Exception? failure)
        {
            if (failure is null)
            {
                _seen.TrySetResult(result!.Status);
                _outcome.TrySetResult(result);
                return;
            }

            _seen.TrySetException(failure);
            _outcome.TrySetException(failure);

            // Observed here: when no caller waits any more, the failure was logged, and is no unobserved task exception.
            _ = Seen.Exception;
            _ = Outcome.Exception;
        }
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

        [LoggerMessage(EventId = 2010, EventName = "AnsweredPending", Level = LogLevel.Debug, Message = "{BlobPath} is still being checked after {WaitSeconds} s; the request answers pending and the check goes on")]
        public static partial void AnsweredPending(ILogger logger, string blobPath, double waitSeconds);

        [LoggerMessage(EventId = 2011, EventName = "CheckFailed", Level = LogLevel.Warning, Message = "Checking {BlobPath} failed; it stays pending until its event is delivered again, the reconciliation pass or a status request checks it")]
        public static partial void CheckFailed(ILogger logger, Exception exception, string blobPath);

        [LoggerMessage(EventId = 2012, EventName = "CheckStopped", Level = LogLevel.Information, Message = "Checking {BlobPath} stopped with the application; it stays pending until it is checked again")]
        public static partial void CheckStopped(ILogger logger, string blobPath);

        [LoggerMessage(EventId = 2006, EventName = "BackgroundQuarantineFailed", Level = LogLevel.Warning, Message = "Moving {BlobPath} to quarantine after a status check failed; the Blob trigger or the next check retries")]
        public static partial void BackgroundQuarantineFailed(ILogger logger, Exception exception, string blobPath);
    }
}
