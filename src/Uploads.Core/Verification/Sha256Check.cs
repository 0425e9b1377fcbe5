using Uploads.Sniffing;

namespace Uploads.Core.Verification;

/// <summary>
/// The SHA-256 part of one check of a presigned upload: what its client declared (<see cref="Sha256Declarations"/>),
/// and, when there is a declaration or the deployment computes it always, the hash that follows the sniffer's reads
/// (<see cref="Hash"/>) and is completed for a file the sniffer accepted (<see cref="DecideAsync"/>). A file refused
/// for its content is not hashed further: its verdict does not need it.
/// </summary>
internal sealed class Sha256Check
{
    private readonly byte[]? _declared;

    private Sha256Check(byte[]? declared, PresignedSha256? hash)
    {
        _declared = declared;
        Hash = hash;
    }

    /// <summary>The hash to feed with the sniffer's reads (its owner disposes it); null when none is computed.</summary>
    public PresignedSha256? Hash { get; }

    /// <summary>Reads the declaration of <paramref name="blobPath"/> (one request) and starts a hash when one is needed.</summary>
    public static async Task<Sha256Check> StartAsync(Sha256Declarations declarations, string blobPath, long length, bool always, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        var declared = await declarations.ReadAsync(blobPath, cancellationToken).ConfigureAwait(false);
        return new(declared, declared is not null || always ? new PresignedSha256(length) : null);
    }

    /// <summary>
    /// <paramref name="decision"/> as it stands when nothing is hashed or the file is refused already; otherwise the
    /// hash is completed, and the file refused when it does not match its declaration (or could not be hashed), or
    /// accepted with its SHA-256.
    /// </summary>
    public async Task<ContentDecision> DecideAsync(ContentDecision decision, Func<ByteRange, CancellationToken, ValueTask<ReadOnlyMemory<byte>>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (Hash is null || !decision.Accepted)
        {
            return decision;
        }

        var (digest, refusal) = await Hash.CompleteAsync(read, cancellationToken).ConfigureAwait(false);
        if (digest is null)
        {
            return new(false, decision.DetectedType, refusal);
        }

        return _declared is not null && !Sha256Digest.Matches(digest, _declared)
            ? new(false, decision.DetectedType, Sha256Digest.MismatchReason(digest, _declared))
            : decision with { Sha256 = Sha256Digest.ToBase64(digest) };
    }
}
