using Azure;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Storage;
using Uploads.Policy;

namespace Uploads.Core.Verification;

/// <summary>
/// The reconciliation pass, so that no upload stays pending when its <c>BlobCreated</c> event is late, dropped or
/// dead-lettered: it lists the uploads container with each blob's index tags (one List Blobs call per 5,000 blobs,
/// no per-blob read for a blob that already has its verdict), and runs <see cref="UploadVerifier"/> on every blob
/// with no verdict for its current ETag that is older than the grace period, a few at a time. Then it reads the
/// Event Grid dead-letter container, verifies the blobs its events name, and deletes each dead-letter file once all
/// of them are handled. Idempotent with the Blob trigger running at the same time: the verifier records through
/// <see cref="VerdictStore"/>, whose writes are conditional on the ETag checked, and leaves decided blobs alone.
/// </summary>
public sealed partial class UploadReconciler(
    UploadContainers containers,
    BlobServiceClient service,
    UploadVerifier verifier,
    TimeProvider time,
    IOptions<VerificationOptions> options,
    ILogger<UploadReconciler> logger)
{
    /// <summary>The most List Blobs returns in one call; one call per this many blobs.</summary>
    public const int ListPageSize = 5000;

    public async Task<ReconciliationPass> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoff = time.GetUtcNow() - settings.ReconcileGracePeriod;
        var pass = new ReconciliationPass();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.ReconcileConcurrency, CancellationToken = cancellationToken };
        var pages = containers.Uploads.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Tags }, cancellationToken).AsPages(pageSizeHint: ListPageSize);
        await foreach (var page in pages.ConfigureAwait(false))
        {
            pass.ListCalls++;
            var due = new List<string>();
            foreach (var item in page.Values)
            {
                pass.Scanned++;
                if (VerdictStore.IsVerified(item))
                {
                    pass.AlreadyVerified++;
                }
                else if (item.Properties.LastModified is { } modified && modified > cutoff)
                {
                    pass.WithinGrace++;
                }
                else
                {
                    due.Add(item.Name);
                }
            }

            await Parallel.ForEachAsync(due, parallel, async (name, ct) => await VerifyOneAsync(name, pass, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }

        if (settings.DeadLetterContainerName is { Length: > 0 } deadLetters)
        {
            await ReadDeadLettersAsync(service.GetBlobContainerClient(deadLetters), pass, parallel, cancellationToken).ConfigureAwait(false);
        }

        Log.PassCompleted(logger, pass.Scanned, pass.ListCalls, pass.AlreadyVerified, pass.WithinGrace, pass.Verified, pass.Rejected, pass.Undecided, pass.Failed, pass.DeadLetterFiles, pass.DeadLetterEvents);
        return pass;
    }

    private async Task VerifyOneAsync(string blobPath, ReconciliationPass pass, CancellationToken cancellationToken)
    {
        try
        {
            var result = await verifier.VerifyAsync(blobPath, cancellationToken).ConfigureAwait(false);
            pass.Count(result);
            if (result.Decided)
            {
                Log.Reconciled(logger, blobPath, result.Status!.Status);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException || StorageFailures.IsUnavailable(ex, cancellationToken))
        {
            // Left pending: the next pass (or its event, or a status check) tries again.
            pass.AddFailed();
            Log.VerifyFailed(logger, ex, blobPath);
        }
    }

    /// <summary>
    /// Dead-letter files (<c>{topic}/{subscription}/{yyyy}/{MM}/{dd}/{HH}/{id}.json</c>, each a JSON array of events in
    /// the Event Grid schema with the delivery failure beside them): the blobs they name are verified, whatever their
    /// age, and the file is deleted only when every one of them is handled, so a failure keeps it for the next pass.
    /// </summary>
    private async Task ReadDeadLettersAsync(BlobContainerClient deadLetters, ReconciliationPass pass, ParallelOptions parallel, CancellationToken cancellationToken)
    {
        if (!(await deadLetters.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
        {
            return;
        }

        await foreach (var item in deadLetters.GetBlobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var file = deadLetters.GetBlobClient(item.Name);
            EventGridEvent[] events;
            ETag etag;
            try
            {
                var content = await file.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
                etag = content.Value.Details.ETag;
                events = EventGridEvent.ParseMany(content.Value.Content);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException or FormatException or InvalidOperationException or NullReferenceException or KeyNotFoundException)
            {
                // Not events we can read: kept for a person to look at (the container's lifecycle rule deletes it later).
                Log.DeadLetterUnreadable(logger, item.Name);
                continue;
            }

            pass.DeadLetterFiles++;
            var paths = events
                .Select(e => e.TryGetSystemEventData(out var data) && data is StorageBlobCreatedEventData created ? UploadsPath(created.Url) : null)
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .ToList();
            pass.DeadLetterEvents += paths.Count;
            var failedBefore = pass.Failed;
            await Parallel.ForEachAsync(paths, parallel, async (path, ct) => await VerifyOneAsync(path, pass, ct).ConfigureAwait(false)).ConfigureAwait(false);
            if (pass.Failed == failedBefore)
            {
                await file.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = etag }, cancellationToken).ConfigureAwait(false);
                Log.DeadLetterHandled(logger, item.Name, paths.Count);
            }
        }
    }

    /// <summary>The path in the uploads container that a <c>BlobCreated</c> event's URL names, or null for another container.</summary>
    private string? UploadsPath(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && new BlobUriBuilder(uri) is { BlobName.Length: > 0 } blob
        && string.Equals(blob.BlobContainerName, containers.Uploads.Name, StringComparison.Ordinal)
            ? blob.BlobName
            : null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 2111, EventName = "ReconciliationPass", Level = LogLevel.Information,
            Message = "Reconciliation: {Scanned} uploads listed in {ListCalls} calls; {AlreadyVerified} verified before, {WithinGrace} within the grace period; {Verified} verified and {Rejected} rejected now, {Undecided} left undecided, {Failed} failed; {DeadLetterFiles} dead-letter files naming {DeadLetterEvents} uploads")]
        public static partial void PassCompleted(ILogger logger, int scanned, int listCalls, int alreadyVerified, int withinGrace, int verified, int rejected, int undecided, int failed, int deadLetterFiles, int deadLetterEvents);

        [LoggerMessage(EventId = 2112, EventName = "Reconciled", Level = LogLevel.Warning, Message = "{BlobPath} had no verdict past the grace period (its event never came): now {Status}")]
        public static partial void Reconciled(ILogger logger, string blobPath, UploadState status);

        [LoggerMessage(EventId = 2113, EventName = "ReconcileFailed", Level = LogLevel.Warning, Message = "Verifying {BlobPath} in the reconciliation pass failed; it stays pending until the next pass")]
        public static partial void VerifyFailed(ILogger logger, Exception exception, string blobPath);

        [LoggerMessage(EventId = 2114, EventName = "DeadLetterUnreadable", Level = LogLevel.Warning, Message = "Dead-letter file {Name} holds no Event Grid events this app can read; it is left for the container's retention rule")]
        public static partial void DeadLetterUnreadable(ILogger logger, string name);

        [LoggerMessage(EventId = 2115, EventName = "DeadLetterHandled", Level = LogLevel.Information, Message = "Dead-letter file {Name} handled ({Count} uploads verified) and deleted")]
        public static partial void DeadLetterHandled(ILogger logger, string name, int count);
    }
}

/// <summary>What one reconciliation pass found and did. Counters are safe to update from concurrent verifications.</summary>
public sealed class ReconciliationPass
{
    private int _verified;
    private int _rejected;
    private int _undecided;
    private int _failed;

    public int ListCalls { get; internal set; }

    public int Scanned { get; internal set; }

    public int AlreadyVerified { get; internal set; }

    public int WithinGrace { get; internal set; }

    public int DeadLetterFiles { get; internal set; }

    public int DeadLetterEvents { get; internal set; }

    public int Verified => Volatile.Read(ref _verified);

    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Checked but not decided now: decided meanwhile by another path, gone, changed, or unreadable (archive tier).</summary>
    public int Undecided => Volatile.Read(ref _undecided);

    public int Failed => Volatile.Read(ref _failed);

    internal void Count(VerificationResult result)
    {
        if (!result.Decided)
        {
            Interlocked.Increment(ref _undecided);
        }
        else if (result.Status?.Status == UploadState.Verified)
        {
            Interlocked.Increment(ref _verified);
        }
        else
        {
            Interlocked.Increment(ref _rejected);
        }
    }

    internal void AddFailed() => Interlocked.Increment(ref _failed);
}
