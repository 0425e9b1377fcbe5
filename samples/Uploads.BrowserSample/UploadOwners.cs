using Microsoft.Extensions.Options;

namespace Uploads.BrowserSample;

/// <summary>
/// Which session asked for each blob path, for <see cref="SampleSessionOptions.OwnerLifetime"/> after the URL was issued
/// and at most <see cref="SampleSessionOptions.MaxOwners"/> records: time-based expiry with a cap. Records are kept in
/// the order they were made, which is also the order they expire in (one lifetime for all), so expired records and,
/// when full, the oldest one are dropped from the front as new ones come: memory stays bounded whatever the traffic.
/// The sample's stand-in for your database.
/// </summary>
public sealed class UploadOwners(IOptions<SampleSessionOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Owner> _owners = new(StringComparer.Ordinal);
    private readonly Queue<(string BlobPath, long Sequence)> _oldestFirst = new();
    private long _sequence;

    /// <summary>The records held now (expired ones included until the next call drops them).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _owners.Count;
            }
        }
    }

    public void Remember(string session, string blobPath)
    {
        var settings = options.Value;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            Forget(now, settings.MaxOwners - 1);
            var sequence = ++_sequence;
            _owners[blobPath] = new Owner(session, now + settings.OwnerLifetime, sequence);
            _oldestFirst.Enqueue((blobPath, sequence));
        }
    }

    public bool Owns(string session, string blobPath)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            Forget(now, options.Value.MaxOwners);
            return _owners.TryGetValue(blobPath, out var owner) && owner.Session == session && owner.Expires > now;
        }
    }

    /// <summary>Drops expired records, then the oldest ones until at most <paramref name="keep"/> remain.</summary>
    private void Forget(DateTimeOffset now, int keep)
    {
        while (_oldestFirst.TryPeek(out var oldest))
        {
            if (!_owners.TryGetValue(oldest.BlobPath, out var owner) || owner.Sequence != oldest.Sequence)
            {
                _oldestFirst.Dequeue(); // replaced by a later record of the same path
            }
            else if (owner.Expires <= now || _owners.Count > keep)
            {
                _oldestFirst.Dequeue();
                _owners.Remove(oldest.BlobPath);
            }
            else
            {
                return;
            }
        }
    }

    private sealed record Owner(string Session, DateTimeOffset Expires, long Sequence);
}
