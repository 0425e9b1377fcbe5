using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Uploads.Policy;

namespace Uploads.Client;

/// <summary>
/// One file's presigned upload as blocks, resumable: it starts where its journal says an earlier run stopped (when
/// the file is unchanged and storage still holds blocks of it) or under a new URL, stages the missing blocks in
/// parallel (<see cref="UploadsClientOptions.Parallelism"/> at most in flight) through a URL renewed when it has
/// expired (<see cref="RenewingUrl"/>), records each staged block (<see cref="BlockUploadState"/>), reports progress
/// (<see cref="BlockProgress"/>) and commits the block list.
/// </summary>
internal sealed class BlockUpload(UploadsClient api, UploadsClientOptions options, TransientRetry retry, BlobClientOptions storageOptions)
{
    public async Task<UploadResult> RunAsync(CheckedFile file, IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        var journalPath = UploadJournal.PathFor(file.Path, options.JournalDirectory);
        var lastWrite = File.GetLastWriteTimeUtc(file.Path);
        var plan = BlockPlan.For(file.SizeBytes, options.BlockBytes);
        var journal = UploadJournal.TryRead(journalPath);

        // The whole file, on every run (a resumed one sends only some blocks, but declared the whole file's digest).
        var sha256 = options.DeclareSha256 ? await FileSha256.OfFileAsync(file.Path, cancellationToken).ConfigureAwait(false) : null;
        var start = await StartAsync(file, plan, journal, lastWrite, sha256, cancellationToken).ConfigureAwait(false);
        plan = start.Plan;

        var state = new BlockUploadState(journalPath, new UploadJournal(start.Url.BlobPath, file.Type.MediaType, file.SizeBytes, lastWrite, plan.BlockBytes, start.Staged, sha256));
        state.Save(); // the journal names the path before the first block is sent
        using var url = new RenewingUrl(start.Url.UploadUrl, ct => RenewOrRestartAsync(file, sha256, state, ct), retry, storageOptions);
        var missing = Enumerable.Range(0, plan.Count).Except(start.Staged).ToArray();
        var resumedBytes = start.Staged.Sum(index => (long)plan.LengthOf(index));
        var reporter = new BlockProgress(file.Path, file.SizeBytes, resumedBytes, progress);

        await StageAsync(file.Path, plan, missing, url, state, reporter, cancellationToken).ConfigureAwait(false);
        await CommitAsync(plan, file.Type.MediaType, url, cancellationToken).ConfigureAwait(false);
        state.Complete();
        return new UploadResult(file.Path, state.BlobPath, UploadMode.Presigned, file.SizeBytes, missing.Length, start.Staged.Count, sha256);
    }

    /// <summary>
    /// Where this run starts: the upload the journal names, with its block size and the blocks storage holds, when the
    /// journal is of this file and the renewal finds something to resume; otherwise a new upload cut by <paramref name="plan"/>.
    /// </summary>
    private async Task<Start> StartAsync(CheckedFile file, BlockPlan plan, UploadJournal? journal, DateTime lastWrite, string? sha256, CancellationToken cancellationToken)
    {
        if (journal is not null && journal.IsFor(file, lastWrite, sha256) && await TryRenewAsync(journal.BlobPath, cancellationToken).ConfigureAwait(false) is { } renewed)
        {
            var resumed = new BlockPlan(file.SizeBytes, journal.BlockBytes);
            return new Start(renewed, resumed, StagedIn(resumed, renewed.StagedBlocks));
        }

        return new Start(await api.RequestUrlAsync(file, sha256, cancellationToken).ConfigureAwait(false), plan, []);
    }

    private async Task<UploadUrlResponse?> TryRenewAsync(string blobPath, CancellationToken cancellationToken)
    {
        try
        {
            return await api.RenewUrlAsync(blobPath, cancellationToken).ConfigureAwait(false);
        }
        catch (UploadApiException ex) when (ex.Status is 404 or 409 or 410)
        {
            return null; // nothing to resume (nothing staged, already finished, or too old): start a new upload
        }
    }

    /// <summary>Storage's list is the truth: a block counts as staged only if it is there with the expected size.</summary>
    private static int[] StagedIn(BlockPlan plan, IReadOnlyList<StagedBlock>? present)
    {
        var sizes = (present ?? []).ToDictionary(block => block.Id, block => block.SizeBytes, StringComparer.Ordinal);
        return [.. Enumerable.Range(0, plan.Count).Where(index => sizes.TryGetValue(BlockPlan.IdOf(index), out var size) && size == plan.LengthOf(index))];
    }

    /// <summary>
    /// A fresh URL for the upload's path; when the URL expired before any block reached storage (404: nothing to
    /// resume), a new upload under a new path, recorded in the journal.
    /// </summary>
    private async Task<Uri> RenewOrRestartAsync(CheckedFile file, string? sha256, BlockUploadState state, CancellationToken cancellationToken)
    {
        try
        {
            return (await api.RenewUrlAsync(state.BlobPath, cancellationToken).ConfigureAwait(false)).UploadUrl;
        }
        catch (UploadApiException ex) when (ex.Status == 404)
        {
            var fresh = await api.RequestUrlAsync(file, sha256, cancellationToken).ConfigureAwait(false);
            state.Restart(fresh.BlobPath);
            return fresh.UploadUrl;
        }
    }

    /// <summary>Reads and stages each block, <see cref="UploadsClientOptions.Parallelism"/> at most at once; each staged one is recorded, then reported.</summary>
    private Task StageAsync(string path, BlockPlan plan, int[] missing, RenewingUrl url, BlockUploadState state, BlockProgress reporter, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            missing,
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                var block = await ReadBlockAsync(path, plan, index, ct).ConfigureAwait(false);
                await url.RunAsync(blob => blob.StageBlockAsync(BlockPlan.IdOf(index), new MemoryStream(block, writable: false), cancellationToken: ct), ct).ConfigureAwait(false);
                state.Staged(index);
                reporter.Stored(block.Length);
            });

    private static async Task<byte[]> ReadBlockAsync(string path, BlockPlan plan, int index, CancellationToken cancellationToken)
    {
        var block = new byte[plan.LengthOf(index)];
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
        stream.Position = plan.OffsetOf(index);
        await stream.ReadExactlyAsync(block, cancellationToken).ConfigureAwait(false);
        return block;
    }

    /// <summary>Commits every block of the plan, in order, as the blob (its content type set).</summary>
    private static Task CommitAsync(BlockPlan plan, string contentType, RenewingUrl url, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, plan.Count).Select(BlockPlan.IdOf).ToArray();
        return url.RunAsync(
            blob => blob.CommitBlockListAsync(ids, new CommitBlockListOptions { HttpHeaders = new() { ContentType = contentType } }, cancellationToken),
            cancellationToken);
    }

    /// <summary>Where a run starts: its URL, how the file is cut, and the blocks storage already holds.</summary>
    private sealed record Start(UploadUrlResponse Url, BlockPlan Plan, IReadOnlyList<int> Staged);
}
