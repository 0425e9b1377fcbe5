using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;

namespace Uploads.Core.Scanning;

/// <summary>A scan result kept for an upload: for the content with <see cref="ETag"/> (or <see cref="Sha256"/>); <see cref="Claimed"/> once a verdict was recorded from it.</summary>
public sealed record ScanRecord(string Name, ETag RecordETag, string ETag, string? Sha256, string ResultType, bool Claimed)
{
    public ScanVerdict Verdict => ResultType switch
    {
        MalwareScanResult.NoThreatsFound => ScanVerdict.Clean,
        MalwareScanResult.MaliciousResult => ScanVerdict.Malicious,
        _ => ScanVerdict.Unscanned,
    };
}

/// <summary>
/// Scan results that arrived, kept as empty blobs <c>{blobPath}/{eTag}</c> in a private container of the uploads account
/// (<see cref="MalwareScanOptions.ResultsContainerName"/>), result and SHA-256 in metadata. Only the app writes there
/// (its identity's role is scoped to the container; upload URLs name one blob of the uploads container): unlike the
/// index tags Defender writes on the upload, nothing a client can set is trusted. Why blobs and not tags: a result can
/// arrive before our check (the record waits for it) and a tag write replaces every tag, so two writers would lose
/// each other's; a record is created once (If-None-Match) and claimed once (If-Match), so exactly one verdict and one
/// event come of it, whichever side (the result's function or our check) gets there last.
/// </summary>
public sealed class ScanRecords(BlobServiceClient service, IOptions<MalwareScanOptions> options)
{
    private const string ResultKey = "result";
    private const string Sha256Key = "sha256";
    private const string ETagKey = "etag";
    private const string ClaimedKey = "claimed";

    /// <summary>The result recorded when none arrived within the deadline (never one of Defender's texts).</summary>
    public const string NoResult = "No result";

    public BlobContainerClient Container { get; } = service.GetBlobContainerClient(options.Value.ResultsContainerName);

    /// <summary>The records of one upload path (a handful at most: one per content that was scanned).</summary>
    public async Task<IReadOnlyList<ScanRecord>> ListAsync(string blobPath, CancellationToken cancellationToken)
    {
        var records = new List<ScanRecord>();
        try
        {
            await foreach (var item in Container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, blobPath + "/", cancellationToken).ConfigureAwait(false))
            {
                if (item.Properties.ETag is { } recordETag && Read(item.Name, recordETag, item.Metadata) is { } record)
                {
                    records.Add(record);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Nothing recorded yet.
        }

        return records;
    }

    /// <summary>The record for the content with <paramref name="etag"/>, or with <paramref name="sha256"/> when we have one.</summary>
    public static ScanRecord? Match(IEnumerable<ScanRecord> records, string etag, string? sha256) =>
        records.FirstOrDefault(r => r.ETag == etag)
        ?? (sha256 is null ? null : records.FirstOrDefault(r => string.Equals(r.Sha256, sha256, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Records a result for <paramref name="etag"/> unless one is there already (a duplicate delivery, or the deadline's
    /// record): the record that is there afterwards. <paramref name="claimed"/> creates it claimed (the deadline's own).
    /// </summary>
    public async Task<(ScanRecord Record, bool Created)> CreateAsync(string blobPath, string etag, string? sha256, string resultType, bool claimed, CancellationToken cancellationToken)
    {
        var name = $"{blobPath}/{etag}";
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ResultKey] = Uri.EscapeDataString(resultType),
            [ETagKey] = etag,
        };
        if (sha256 is not null)
        {
            metadata[Sha256Key] = sha256;
        }

        if (claimed)
        {
            metadata[ClaimedKey] = "true";
        }

        var blob = Container.GetBlobClient(name);
        var upload = new BlobUploadOptions { Metadata = metadata, Conditions = new BlobRequestConditions { IfNoneMatch = Azure.ETag.All } };
        try
        {
            var created = await UploadAsync(blob, upload, cancellationToken).ConfigureAwait(false);
            return (new ScanRecord(name, created, etag, sha256, resultType, claimed), true);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            var existing = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return (Read(name, existing.ETag, existing.Metadata)!, false);
        }
    }

    /// <summary>Marks the record used for a verdict; false when someone else claimed it first (that one records the verdict).</summary>
    public async Task<bool> ClaimAsync(ScanRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Claimed)
        {
            return false;
        }

        var blob = Container.GetBlobClient(record.Name);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ResultKey] = Uri.EscapeDataString(record.ResultType),
            [ETagKey] = record.ETag,
            [ClaimedKey] = "true",
        };
        if (record.Sha256 is not null)
        {
            metadata[Sha256Key] = record.Sha256;
        }

        try
        {
            await blob.SetMetadataAsync(metadata, new BlobRequestConditions { IfMatch = record.RecordETag }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    private async Task<ETag> UploadAsync(BlobClient blob, BlobUploadOptions upload, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.UploadAsync(BinaryData.Empty, upload, cancellationToken).ConfigureAwait(false)).Value.ETag;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return (await blob.UploadAsync(BinaryData.Empty, upload, cancellationToken).ConfigureAwait(false)).Value.ETag;
        }
    }

    private static ScanRecord? Read(string name, ETag recordETag, IDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(ResultKey, out var result) && metadata.TryGetValue(ETagKey, out var etag)
            ? new ScanRecord(name, recordETag, etag, metadata.TryGetValue(Sha256Key, out var sha) ? sha : null, Uri.UnescapeDataString(result), metadata.ContainsKey(ClaimedKey))
            : null;
}
