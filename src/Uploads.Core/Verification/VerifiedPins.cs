using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Uploads.Core.Verification;

/// <summary>
/// The one owner of pinned verified content: the exact bytes a verdict was reached on, kept where no upload URL can
/// change them, for read URLs (docs/reliability.md, "Pinned verified content").
/// <para>
/// A pin is a <b>snapshot</b> of the verified blob, taken conditional on the ETag the verdict is bound to (so it can
/// only ever hold the bytes that were checked), after verification's own sweep of snapshots, and before the verdict
/// tags are written (so a verdict always names a pin that exists). The snapshot carries its own copy of the verdict
/// tags plus <see cref="PinTag"/> = its own snapshot time: a snapshot's bytes are read-only, an upload URL (<c>sr=b</c>,
/// <c>cw</c>) can neither tag nor delete it, and a snapshot the uploader makes inherits the base's tags with
/// another time than its own, so it is never taken for a pin. Overwriting the base blob keeps its snapshots, and
/// Azure clears the base's tags on an overwrite (Azurite does), which is why the pin's own tags, not the base's, name it.
/// </para>
/// A pin is removed with the verdict it belongs to: the next verification's sweep
/// (<see cref="DeleteSnapshotsOption.OnlySnapshots"/>, just before the new pin) for new content that passes; the
/// deletion with <see cref="DeleteSnapshotsOption.IncludeSnapshots"/> for content that is rejected or deleted.
/// </summary>
internal static class VerifiedPins
{
    /// <summary>The tag naming the pin: on the pin itself and in the verdict of the blob it was taken of.</summary>
    public const string PinTag = "pin";

    /// <summary>
    /// Pins the content with <paramref name="etag"/>: a snapshot conditional on it, tagged with
    /// <paramref name="verdictTags"/> and its own time, which is added to <paramref name="verdictTags"/> so the verdict
    /// written next names the pin. Two requests (Snapshot Blob, Set Blob Tags); no bytes are copied.
    /// </summary>
    public static async Task<string> PinAsync(BlobClient blob, ETag etag, IDictionary<string, string> verdictTags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(verdictTags);
        var snapshot = (await blob.CreateSnapshotAsync(metadata: null, new BlobRequestConditions { IfMatch = etag }, cancellationToken).ConfigureAwait(false)).Value.Snapshot;
        verdictTags[PinTag] = snapshot;
        await blob.WithSnapshot(snapshot).SetTagsAsync(verdictTags, conditions: null, cancellationToken).ConfigureAwait(false);
        return snapshot;
    }

    /// <summary>
    /// A snapshot this service pinned: its own tags say verified and name its own snapshot time. (A snapshot the
    /// uploader made copies the base's tags, whose pin, if any, names another time.)
    /// </summary>
    public static bool IsPin(BlobItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return !string.IsNullOrEmpty(item.Snapshot) && item.Tags is { } tags && !IsArchived(item.Properties)
            && tags.TryGetValue(PinTag, out var pin) && string.Equals(pin, item.Snapshot, StringComparison.Ordinal)
            && tags.TryGetValue(VerdictTags.Verdict, out var verdict) && verdict == VerdictTags.Verified;
    }

    // A snapshot in the archive tier cannot be read. Whether an upload URL can re-tier a snapshot of its blob is not
    // documented (Azurite lets a user-delegation one do it): such a pin is no longer one, and a read URL pins the
    // verified blob again (ReadUrlService).
    private static bool IsArchived(BlobItemProperties properties) =>
        properties.AccessTier == AccessTier.Archive || properties.ArchiveStatus is not null;

    /// <summary>
    /// What storage holds at <paramref name="blobPath"/>, in one List Blobs request (prefix, snapshots and tags): the
    /// blob (null when there is none) and its latest pin (null when there is none).
    /// </summary>
    public static async Task<PathContent> ReadAsync(BlobContainerClient uploads, string blobPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uploads);
        BlobItem? current = null;
        BlobItem? pin = null;
        var options = new GetBlobsOptions { Traits = BlobTraits.Tags, States = BlobStates.Snapshots, Prefix = blobPath };
        await foreach (var item in uploads.GetBlobsAsync(options, cancellationToken).ConfigureAwait(false))
        {
            if (!string.Equals(item.Name, blobPath, StringComparison.Ordinal))
            {
                continue;
            }

            if (string.IsNullOrEmpty(item.Snapshot))
            {
                current = item;
            }
            else if (IsPin(item) && (pin is null || string.CompareOrdinal(item.Snapshot, pin.Snapshot) > 0))
            {
                pin = item;
            }
        }

        return new PathContent(current, pin);
    }

    /// <summary>The blob at a path and its pin, as one listing saw them.</summary>
    public sealed record PathContent(BlobItem? Current, BlobItem? Pin);
}
