using System.Collections.Concurrent;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Uploads.Benchmarks.Support;

/// <summary>What a load run lost, found by listing the container, not by trusting the answers.</summary>
internal sealed record LedgerCount(int Acknowledged, int Lost, int StoredUnacknowledged, IReadOnlyList<string> Notes);

/// <summary>
/// The uploads a load run was told are stored (a 201 from the API or from storage), with their lengths. At the end
/// <see cref="CountAsync"/> lists the uploads container: an acknowledged upload that is missing or of another length
/// is LOST; a blob nobody was told about (the client saw an error or a timeout, yet storage committed it) is counted
/// too, since a client that retries it stores it twice.
/// </summary>
internal sealed class UploadLedger
{
    private readonly ConcurrentDictionary<string, long> _acknowledged = new(StringComparer.Ordinal);

    public int Count => _acknowledged.Count;

    public void Acknowledged(string blobPath, long length) => _acknowledged[blobPath] = length;

    /// <param name="uploads">The uploads container.</param>
    /// <param name="prefix">Only blobs under this prefix belong to the run (null: the whole container).</param>
    public async Task<LedgerCount> CountAsync(BlobContainerClient uploads, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(uploads);
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var blob in uploads.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None).ConfigureAwait(false))
        {
            found[blob.Name] = blob.Properties.ContentLength ?? -1;
        }

        var notes = new List<string>();
        var lost = 0;
        foreach (var (path, length) in _acknowledged)
        {
            if (!found.TryGetValue(path, out var stored) || stored != length)
            {
                lost++;
                notes.Add($"lost: {path} ({length} bytes acknowledged; storage holds {(found.ContainsKey(path) ? $"{stored} bytes" : "nothing")})");
            }
        }

        var unacknowledged = found.Keys.Where(path => !_acknowledged.ContainsKey(path)).ToList();
        notes.AddRange(unacknowledged.Take(5).Select(path => $"stored but not acknowledged: {path} ({found[path]} bytes)"));
        return new LedgerCount(_acknowledged.Count, lost, unacknowledged.Count, notes);
    }
}
