using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using Uploads.Core.Configuration;
using Uploads.Core.Contracts;
using Uploads.Policy;

namespace Uploads.Core.Scanning;

/// <summary>Where a claim on a scan record stands (metadata <c>claim</c>): unclaimed records have none.</summary>
public enum ClaimState
{
    /// <summary>Nobody has claimed the record yet.</summary>
    None,

    /// <summary>A claimant is deciding the verdict from it (until its lease runs out).</summary>
    Claimed,

    /// <summary>The claimant confirmed its claim and is writing the verdict (until its lease runs out).</summary>
    Writing,

    /// <summary>The verdict was written and its event published: never claimed again.</summary>
    Finished,
}

/// <summary>
/// A scan result kept for an upload: for the content with <see cref="ETag"/> (or <see cref="Sha256"/>). Its claim:
/// <see cref="State"/>, which <see cref="Attempt"/> (1 for the first claimant), by whom, since when (the lease counts
/// from <see cref="ClaimedAt"/>). <see cref="RecordETag"/> is the record blob's own ETag: every claim step is a write
/// conditional on it, so exactly one claimant wins each step. <see cref="MalwareNames"/>: what a "Malicious" result
/// found (bounded: <see cref="ScanRecords.MaxMalwareNames"/>, <see cref="ScanRecords.MaxMalwareNameLength"/>).
/// </summary>
public sealed record ScanRecord(string Name, ETag RecordETag, string ETag, string? Sha256, string ResultType, ClaimState State = ClaimState.None, int Attempt = 0, string? Claimant = null, DateTimeOffset? ClaimedAt = null, IReadOnlyList<string>? MalwareNames = null)
{
    public bool Claimed => State != ClaimState.None;

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
/// each other's. A record is created once (If-None-Match); the verdict it leads to is decided under a claim with a
/// lease (<see cref="MalwareScanOptions.ClaimLease"/>): <see cref="ClaimAsync"/> (<see cref="ClaimState.Claimed"/>),
/// <see cref="ConfirmAsync"/> just before the verdict is written (<see cref="ClaimState.Writing"/>) and
/// <see cref="FinishAsync"/> after its event (<see cref="ClaimState.Finished"/>), each If-Match the record's ETag as
/// the claimant last wrote it. A claim whose lease ran out (its claimant died, or stalls) can be taken again, which
/// changes the record's ETag: the earlier claimant's next conditional write fails, and it writes no verdict and
/// publishes no event. So exactly one claimant holds the record at any time, and one verdict and one event come of it,
/// whichever side (the result's function, our check, the reconciliation pass) gets there.
/// </summary>
public sealed class ScanRecords(BlobServiceClient service, IOptions<MalwareScanOptions> options, TimeProvider time)
{
    private const string ResultKey = "result";
    private const string Sha256Key = "sha256";
    private const string ETagKey = "etag";
    private const string ClaimKey = "claim";
    private const string AttemptKey = "attempt";
    private const string ClaimantKey = "claimant";
    private const string ClaimedAtKey = "claimedat";
    private const string MalwareKey = "malware";

    /// <summary>The claim of records written before the lease (<c>claimed=true</c>, no <c>claim</c>): read as claimed since the record's Last-Modified.</summary>
    private const string LegacyClaimedKey = "claimed";

    /// <summary>At most this many malware names are kept in a record (metadata is at most 8 KiB in all).</summary>
    public const int MaxMalwareNames = 8;

    /// <summary>A malware name longer than this is cut (with "…") in the record.</summary>
    public const int MaxMalwareNameLength = 80;

    /// <summary>The result recorded when none arrived within the deadline (never one of Defender's texts).</summary>
    public const string NoResult = "No result";

    /// <summary>Who claims in this process (metadata <c>claimant</c>, for the logs): the machine and the process.</summary>
    public static string Claimant { get; } = new string([.. $"{Environment.MachineName}-{Environment.ProcessId}".Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')]);

    public BlobContainerClient Container { get; } = service.GetBlobContainerClient(options.Value.ResultsContainerName);

    /// <summary>The records of one upload path (a handful at most: one per content that was scanned).</summary>
    public async Task<IReadOnlyList<ScanRecord>> ListAsync(string blobPath, CancellationToken cancellationToken)
    {
        var records = new List<ScanRecord>();
        try
        {
            await foreach (var item in Container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, blobPath + "/", cancellationToken).ConfigureAwait(false))
            {
                if (item.Properties.ETag is { } recordETag && Read(item.Name, recordETag, item.Properties.LastModified, item.Metadata) is { } record)
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
    /// record): the record that is there afterwards. <paramref name="claimed"/> creates it claimed by this process,
    /// attempt 1 (the deadline's own record: its creator decides the verdict). <paramref name="malwareNames"/>: what a
    /// "Malicious" result found, kept (bounded) so that whoever decides from the record names it.
    /// </summary>
    public async Task<(ScanRecord Record, bool Created)> CreateAsync(string blobPath, string etag, string? sha256, string resultType, bool claimed, IReadOnlyList<string>? malwareNames, CancellationToken cancellationToken)
    {
        var name = $"{blobPath}/{etag}";
        var record = new ScanRecord(name, default, etag, sha256, resultType, MalwareNames: Bounded(malwareNames));
        if (claimed)
        {
            record = record with { State = ClaimState.Claimed, Attempt = 1, Claimant = Claimant, ClaimedAt = UtcSeconds.Truncate(time.GetUtcNow()) };
        }

        var blob = Container.GetBlobClient(name);
        var upload = new BlobUploadOptions { Metadata = Metadata(record), Conditions = new BlobRequestConditions { IfNoneMatch = Azure.ETag.All } };
        try
        {
            var created = await UploadAsync(blob, upload, cancellationToken).ConfigureAwait(false);
            return (record with { RecordETag = created }, true);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            var existing = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return (Read(name, existing.ETag, existing.LastModified, existing.Metadata)!, false);
        }
    }

    /// <summary>True when <paramref name="record"/> can be claimed now: never claimed, or its claimant's lease ran out before it finished.</summary>
    public bool IsClaimable(ScanRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.State switch
        {
            ClaimState.None => true,
            ClaimState.Finished => false,
            // ClaimedAt is kept to the whole second (truncated): one more second, so that truncation never shortens the lease.
            _ => record.ClaimedAt is not { } at || time.GetUtcNow() >= at + options.Value.ClaimLease + TimeSpan.FromSeconds(1),
        };
    }

    /// <summary>
    /// Claims the record for a verdict (the next attempt, by this process, from now): the claimed record, or null when
    /// it is not claimable (<see cref="IsClaimable"/>) or another claimant changed it since it was read.
    /// </summary>
    public Task<ScanRecord?> ClaimAsync(ScanRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return IsClaimable(record)
            ? WriteAsync(record, record with { State = ClaimState.Claimed, Attempt = record.Attempt + 1, Claimant = Claimant, ClaimedAt = UtcSeconds.Truncate(time.GetUtcNow()) }, cancellationToken)
            : Task.FromResult<ScanRecord?>(null);
    }

    /// <summary>
    /// Just before the verdict is written: confirms that <paramref name="claim"/> is still this claimant's (nobody took
    /// it over since) and restarts its lease. Null when it was lost: the caller writes nothing.
    /// </summary>
    public Task<ScanRecord?> ConfirmAsync(ScanRecord claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return WriteAsync(claim, claim with { State = ClaimState.Writing, ClaimedAt = UtcSeconds.Truncate(time.GetUtcNow()) }, cancellationToken);
    }

    /// <summary>After the verdict and its event: the record is never claimed again. False when another claimant took it over meanwhile.</summary>
    public async Task<bool> FinishAsync(ScanRecord claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return await WriteAsync(claim, claim with { State = ClaimState.Finished }, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Writes <paramref name="next"/>'s claim if the record is still as <paramref name="current"/> (If-Match); null when it is not (412) or gone (404).</summary>
    private async Task<ScanRecord?> WriteAsync(ScanRecord current, ScanRecord next, CancellationToken cancellationToken)
    {
        try
        {
            var written = await Container.GetBlobClient(current.Name).SetMetadataAsync(Metadata(next), new BlobRequestConditions { IfMatch = current.RecordETag }, cancellationToken).ConfigureAwait(false);
            return next with { RecordETag = written.Value.ETag };
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    private static Dictionary<string, string> Metadata(ScanRecord record)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ResultKey] = Uri.EscapeDataString(record.ResultType),
            [ETagKey] = record.ETag,
        };
        if (record.Sha256 is not null)
        {
            metadata[Sha256Key] = record.Sha256;
        }

        if (record.MalwareNames is { Count: > 0 } names)
        {
            // Each name percent-encoded (no comma survives encoding), so any text a scanner reports is a valid header value.
            metadata[MalwareKey] = string.Join(',', names.Select(Uri.EscapeDataString));
        }

        if (record.State != ClaimState.None)
        {
            metadata[ClaimKey] = record.State.ToString().ToLowerInvariant();
            metadata[AttemptKey] = record.Attempt.ToString(CultureInfo.InvariantCulture);
            metadata[ClaimantKey] = record.Claimant ?? Claimant;
            if (record.ClaimedAt is { } at)
            {
                metadata[ClaimedAtKey] = UtcSeconds.ToText(at);
            }
        }

        return metadata;
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

    /// <summary>
    /// The record from its metadata; <paramref name="lastModified"/> (the record blob's) is when a record written before
    /// the lease (<c>claimed=true</c>) was claimed: its claimant may still be writing the verdict, so the lease applies
    /// from then, and after it the record can be claimed again (only an upload still waiting for its scan is decided).
    /// </summary>
    private static ScanRecord? Read(string name, ETag recordETag, DateTimeOffset? lastModified, IDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue(ResultKey, out var result) || !metadata.TryGetValue(ETagKey, out var etag))
        {
            return null;
        }

        var state = metadata.TryGetValue(ClaimKey, out var claim) && Enum.TryParse<ClaimState>(claim, ignoreCase: true, out var parsed) ? parsed : ClaimState.None;
        if (state == ClaimState.None && metadata.TryGetValue(LegacyClaimedKey, out var legacy) && string.Equals(legacy, "true", StringComparison.OrdinalIgnoreCase))
        {
            return new ScanRecord(name, recordETag, etag, metadata.TryGetValue(Sha256Key, out var legacySha) ? legacySha : null, Uri.UnescapeDataString(result), ClaimState.Claimed, Attempt: 1, Claimant: null, ClaimedAt: lastModified);
        }

        return new ScanRecord(
            name,
            recordETag,
            etag,
            metadata.TryGetValue(Sha256Key, out var sha) ? sha : null,
            Uri.UnescapeDataString(result),
            state,
            metadata.TryGetValue(AttemptKey, out var attempt) && int.TryParse(attempt, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0,
            metadata.TryGetValue(ClaimantKey, out var claimant) ? claimant : null,
            metadata.TryGetValue(ClaimedAtKey, out var at) && UtcSeconds.TryParse(at, out var instant) ? instant : null,
            metadata.TryGetValue(MalwareKey, out var malware) ? Bounded(malware.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList()) : null);
    }

    /// <summary>The names kept in a record: the first <see cref="MaxMalwareNames"/>, each at most <see cref="MaxMalwareNameLength"/> characters.</summary>
    private static List<string>? Bounded(IReadOnlyList<string>? names) =>
        names is null ? null : [.. names.Where(n => n.Length > 0).Take(MaxMalwareNames).Select(Cut)];

    private static string Cut(string name)
    {
        if (name.Length <= MaxMalwareNameLength)
        {
            return name;
        }

        var length = MaxMalwareNameLength - 1;
        if (char.IsHighSurrogate(name[length - 1]))
        {
            length--;
        }

        return string.Concat(name.AsSpan(0, length), "…");
    }
}
