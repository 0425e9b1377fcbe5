using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Uploads.Core.Contracts;
using Uploads.Core.Naming;
using Uploads.Core.Security;
using Uploads.Core.Storage;
using Uploads.Core.Verification;
using Uploads.Policy;

namespace Uploads.Core.Consumer;

/// <summary>
/// <c>GET /api/integrations/uploads</c> and <c>DELETE /api/integrations/uploads?blobPath=…</c>: a client's own uploads,
/// listed from storage by the client's prefix with each blob's tags (or, in quarantine, metadata) in the listing, so a
/// page costs one List Blobs request (two where the uploads end and the quarantined ones begin) and no request per blob;
/// and the removal of one upload with its pinned content.
/// </summary>
public sealed partial class UploadCatalog(UploadContainers containers, ILogger<UploadCatalog> logger)
{
    public const int DefaultPageSize = 100;

    public const int MaxPageSize = 1000;

    private const string UploadsPhase = "u";
    private const string QuarantinePhase = "q";

    /// <summary>
    /// One page of the client's uploads: those in the uploads container first (verified or pending, by path), then the
    /// rejected ones in quarantine. <paramref name="state"/> filters (a page may then hold fewer than
    /// <paramref name="pageSize"/>); <paramref name="continuation"/> is the token of the previous page.
    /// </summary>
    public async Task<Outcome<UploadListResponse>> ListAsync(ApiClient client, string? state, string? pageSize, string? continuation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        UploadState? filter = null;
        if (!string.IsNullOrEmpty(state))
        {
            if (!TryParseState(state, out var parsed))
            {
                return Problems.InvalidField.With($"\"state\" must be pending, verified or rejected (got \"{state}\").");
            }

            filter = parsed;
        }

        var size = DefaultPageSize;
        if (!string.IsNullOrEmpty(pageSize) && (!int.TryParse(pageSize, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) || size < 1 || size > MaxPageSize))
        {
            return Problems.InvalidField.With($"\"pageSize\" must be a whole number from 1 to {MaxPageSize} (got \"{pageSize}\").");
        }

        var (phase, marker) = (UploadsPhase, (string?)null);
        if (!string.IsNullOrEmpty(continuation) && !TryDecode(continuation, out phase, out marker))
        {
            return Problems.InvalidField.With("\"continuation\" is not a token this service gave. Pass the continuation of the previous page as it was, or leave it out to start from the first page.");
        }

        var prefix = client.Id + "/";
        var items = new List<UploadListItem>();
        if (phase == UploadsPhase && filter != UploadState.Rejected)
        {
            var options = new GetBlobsOptions { Traits = BlobTraits.Tags, Prefix = prefix };
            var page = await FirstPageAsync(containers.Uploads.GetBlobsAsync(options, cancellationToken), marker, size).ConfigureAwait(false);
            items.AddRange(page.Values.Select(FromUploads).Where(item => filter is null || item.Status == filter));
            if (!string.IsNullOrEmpty(page.ContinuationToken))
            {
                return new UploadListResponse(items, Encode(UploadsPhase, page.ContinuationToken));
            }

            if (filter is not null || items.Count >= size)
            {
                return new UploadListResponse(items, filter is null ? Encode(QuarantinePhase, null) : null);
            }

            (phase, marker) = (QuarantinePhase, null);
        }

        if (filter is UploadState.Pending or UploadState.Verified)
        {
            return new UploadListResponse(items, null);
        }

        var quarantined = new GetBlobsOptions { Traits = BlobTraits.Metadata, Prefix = prefix };
        var rejected = await FirstPageAsync(containers.Quarantine.GetBlobsAsync(quarantined, cancellationToken), phase == QuarantinePhase ? marker : null, size - items.Count).ConfigureAwait(false);
        items.AddRange(rejected.Values.Where(item => IsUpload(item, client)).Select(FromQuarantine));
        return new UploadListResponse(items, string.IsNullOrEmpty(rejected.ContinuationToken) ? null : Encode(QuarantinePhase, rejected.ContinuationToken));
    }

    /// <summary>
    /// Removes one of the client's uploads with its snapshots, its pinned content included (one Delete Blob request);
    /// idempotent: a path with nothing stored is answered like a removed one. A copy in quarantine stays (it is the
    /// record of a rejection, expired by the lifecycle rule). Null when done; another client's path is 404.
    /// </summary>
    public async Task<UploadProblem?> DeleteAsync(ApiClient client, string? blobPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrEmpty(blobPath))
        {
            return Problems.MissingField.With("Pass the blobPath of the upload to remove as the query parameter blobPath.");
        }

        if (!BlobPath.IsOwnedBy(blobPath, client.Id, out _))
        {
            return UploadStatusService.NotFound(blobPath);
        }

        var blob = containers.Uploads.GetBlobClient(blobPath);
        try
        {
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions: null, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.LeaseIdMissing)
        {
            // The upload URL's Write lets its holder lease the blob; the owner's removal goes ahead all the same.
            await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, conditions: null, cancellationToken).ConfigureAwait(false);
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions: null, cancellationToken).ConfigureAwait(false);
        }

        Log.Deleted(logger, client.Id, blobPath);
        return null;
    }

    private static async Task<Page<BlobItem>> FirstPageAsync(AsyncPageable<BlobItem> listing, string? marker, int size)
    {
        await foreach (var page in listing.AsPages(marker, size).ConfigureAwait(false))
        {
            return page;
        }

        return Page<BlobItem>.FromValues([], null, null!);
    }

    private static UploadListItem FromUploads(BlobItem item)
    {
        var properties = item.Properties;
        var size = properties.ContentLength ?? 0;
        var uploadedAt = properties.LastModified ?? properties.CreatedOn ?? DateTimeOffset.UnixEpoch;
        if (properties.AccessTier == AccessTier.Archive || properties.ArchiveStatus is not null)
        {
            return new UploadListItem(item.Name, UploadState.Rejected, null, size, uploadedAt, VerdictStore.ArchivedReason, null);
        }

        return VerdictStore.IsVerified(item)
            ? new UploadListItem(item.Name, UploadState.Verified, item.Tags[VerdictTags.Type], size, uploadedAt, null, VerdictTags.CheckedAt(item.Tags))
            : new UploadListItem(item.Name, UploadState.Pending, null, size, uploadedAt, null, null);
    }

    private static UploadListItem FromQuarantine(BlobItem item)
    {
        var metadata = item.Metadata;
        var rejectedAt = UtcSeconds.TryParse(QuarantineMetadata.Read(metadata, QuarantineMetadata.RejectedAt), out var at) ? at : (DateTimeOffset?)null;
        return new UploadListItem(
            item.Name,
            UploadState.Rejected,
            QuarantineMetadata.Read(metadata, QuarantineMetadata.DetectedType),
            item.Properties.ContentLength ?? 0,
            item.Properties.LastModified ?? rejectedAt ?? DateTimeOffset.UnixEpoch,
            QuarantineMetadata.Read(metadata, QuarantineMetadata.Reason),
            rejectedAt);
    }

    /// <summary>A quarantined upload of the client, not the copy of a later rejection kept beside an earlier one (<c>path~etag</c>).</summary>
    private static bool IsUpload(BlobItem item, ApiClient client) =>
        BlobPath.IsOwnedBy(item.Name, client.Id, out _)
        && !(QuarantineMetadata.Read(item.Metadata, QuarantineMetadata.SourceETag) is { } etag && item.Name.EndsWith("~" + etag, StringComparison.Ordinal));

    private static bool TryParseState(string value, out UploadState state)
    {
        foreach (var candidate in Enum.GetValues<UploadState>())
        {
            if (string.Equals(value, candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    // The token is the storage marker and which container it belongs to, base64url: opaque to clients. A forged one can
    // only move within the caller's own prefix, which every listing is bound to.
    private static string Encode(string phase, string? marker) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(phase + ":" + marker)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string token, out string phase, out string? marker)
    {
        (phase, marker) = (UploadsPhase, null);
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        if (token.Length > 4096 || !Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes, 0, written);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon != 1 || (text[0].ToString() is not (UploadsPhase or QuarantinePhase)))
        {
            return false;
        }

        phase = text[..1];
        marker = text.Length > 2 ? text[2..] : null;
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Client {ClientId} removed {BlobPath} and its pinned content")]
        public static partial void Deleted(ILogger logger, string clientId, string blobPath);
    }
}
