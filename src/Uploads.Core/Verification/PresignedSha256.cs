using System.Security.Cryptography;
using Uploads.Sniffing;

namespace Uploads.Core.Verification;

/// <summary>
/// The SHA-256 of a presigned upload, computed by its check: first from the ranges the sniffer reads, as long as
/// each continues the bytes hashed so far (the head always does; a PDF or image scanned whole is hashed entirely on
/// the way, no byte read twice), then the rest in order with up to <see cref="ReadsInFlight"/> range reads of
/// <see cref="ChunkBytes"/> under way at once (each conditional on the ETag checked, like the sniffer's). Only a file
/// the sniffer accepted is hashed to its end, so the bytes read are bounded by its category's size limit.
/// </summary>
/// <remarks>
/// The hash has a <see cref="WorkBudget"/> of its own (the sniffer's is sized for the at most 128 MiB it examines; a
/// video may be 5 GiB): one unit per byte of the file, and a time limit on the time spent hashing (not waiting for
/// storage) of <see cref="WorkBudget.DefaultTimeLimit"/> plus <see cref="TimePerGiB"/> per GiB. Every chunk is
/// charged to it, which also honours cancellation. A hash that cannot finish within it refuses the file
/// (<see cref="TooSlowReason"/>): a declared SHA-256 that could not be checked is never reported as matching.
/// </remarks>
internal sealed class PresignedSha256 : IDisposable
{
    /// <summary>Size of each range read of the rest of the file.</summary>
    public const int ChunkBytes = 4 * 1024 * 1024;

    /// <summary>Range reads under way at once: storage latency overlaps with hashing; at most this many chunks are held.</summary>
    public const int ReadsInFlight = 4;

    /// <summary>Time of hashing work allowed per GiB, over the base limit: a floor of 64 MiB/s, a tenth of what one core does.</summary>
    public static readonly TimeSpan TimePerGiB = TimeSpan.FromSeconds(16);

    public const string TooSlowReason =
        "The file's SHA-256 could not be computed within the time one check may take, so the file could not be verified. Upload it again later; if this persists, report it.";

    public const string ChangedReason = "The file changed or could not be read while it was being checked.";

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Lock _gate = new();
    private readonly long _length;
    private long _hashed;

    public PresignedSha256(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _length = length;
    }

    /// <summary>The budget the hash of a file of <paramref name="length"/> bytes runs under.</summary>
    public static WorkBudget BudgetFor(long length, CancellationToken cancellationToken) =>
        new(WorkBudget.BaseUnits + WorkBudget.ScanUnits(length), WorkBudget.DefaultTimeLimit + (TimePerGiB * (length / (double)(1L << 30))), cancellationToken);

    /// <summary>
    /// <paramref name="read"/>, hashing what it returns when it continues the bytes hashed so far (the sniffer reads its
    /// ranges one at a time, but the gate keeps this right whatever the order).
    /// </summary>
    public Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> Observing(Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return async (range, cancellationToken) =>
        {
            var data = await read(range, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                var end = range.Offset + data.Length;
                if (range.Offset <= _hashed && end > _hashed)
                {
                    _hash.AppendData(data.Span[(int)(_hashed - range.Offset)..]);
                    _hashed = end;
                }
            }

            return data;
        };
    }

    /// <summary>
    /// Reads and hashes the bytes not hashed yet, and returns the digest; or null with the reason the file is refused
    /// (it changed under the check, or hashing it took longer than its budget allows).
    /// </summary>
    public async Task<(byte[]? Digest, string? Refusal)> CompleteAsync(Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        var budget = BudgetFor(_length, cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new Queue<(ByteRange Range, Task<ReadOnlyMemory<byte>> Data)>();
        try
        {
            var next = _hashed;
            while (_hashed < _length)
            {
                while (inFlight.Count < ReadsInFlight && next < _length)
                {
                    var range = new ByteRange(next, (int)Math.Min(ChunkBytes, _length - next));
                    inFlight.Enqueue((range, read(range, stop.Token).AsTask()));
                    next = range.End;
                }

                var (wanted, pending) = inFlight.Dequeue();
                var data = await pending.ConfigureAwait(false);
                if (data.Length < wanted.Length)
                {
                    return (null, ChangedReason);
                }

                if (!TryHash(budget, data.Span[..wanted.Length]))
                {
                    return (null, TooSlowReason);
                }

                _hashed = wanted.End;
            }

            return (_hash.GetHashAndReset(), null);
        }
        finally
        {
            // Whatever ended the loop, no read is left running (or unobserved) behind it.
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var (_, pending) in inFlight)
            {
                await Task.WhenAny(pending).ConfigureAwait(false);
                _ = pending.Exception;
            }
        }
    }

    public void Dispose() => _hash.Dispose();

    /// <summary>Hashes one chunk under the budget; false when the budget's time is spent (its units cannot be: one per byte of the file).</summary>
    private bool TryHash(WorkBudget budget, ReadOnlySpan<byte> chunk)
    {
        try
        {
            using var working = budget.Enter();
            budget.ChargeBytes(chunk.Length);
            _hash.AppendData(chunk);
            return true;
        }
        catch (WorkBudgetExceededException)
        {
            // The top of the hash's own check, as ContentSniffer.Evaluate is of the sniffer's: a spent budget is a refusal.
            return false;
        }
    }
}
