using System.Buffers.Binary;
using System.Security.Cryptography;
using Uploads.Policy;

namespace Uploads.Core.Naming;

/// <summary>
/// Server-generated blob names: <c>{clientId}/{32 hex digits}/{fileName}</c>. The 32 digits are 16 bytes: the issue
/// time (4 bytes, big-endian Unix seconds, so a path sorts by age) then 96 random bits. The client prefix scopes
/// every path to its owner; the random bits make it unguessable and unique; the issue time lets a URL be renewed
/// for a bounded window without a database; the original file name stays last so downloads keep it.
/// </summary>
/// <remarks>
/// The issue time is not signed: a client can write any digits. It is trusted only for a path storage already holds
/// bytes at, and storage only accepts bytes at a path through a URL this service issued for it — so that path, and
/// its time, came from here (see <see cref="Uploads.UploadUrlService"/>).
/// </remarks>
internal static class BlobPath
{
    private const int SegmentBytes = 16;
    private const int TimeBytes = 4;

    /// <summary>A new path for <paramref name="fileName"/> (which must already have passed <see cref="FileNameRules"/>).</summary>
    public static string Create(string clientId, string fileName, DateTimeOffset issuedAt)
    {
        Span<byte> segment = stackalloc byte[SegmentBytes];
        BinaryPrimitives.WriteUInt32BigEndian(segment, checked((uint)issuedAt.ToUnixTimeSeconds()));
        RandomNumberGenerator.Fill(segment[TimeBytes..]);
        return string.Concat(clientId, "/", Convert.ToHexStringLower(segment), "/", fileName);
    }

    /// <summary>The issue time written in a path's middle segment (whole seconds, UTC). The path must be well formed.</summary>
    public static DateTimeOffset IssuedAt(string blobPath)
    {
        ArgumentNullException.ThrowIfNull(blobPath);
        var segment = blobPath.Split('/')[1];
        var seconds = Convert.ToUInt32(segment[..(TimeBytes * 2)], 16);
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    /// <summary>
    /// The file name a path ends with: its last segment (for a path this service issued, the name it was issued for).
    /// Any blob name gives one, so that a blob put in the container by other means is still named by its last segment.
    /// </summary>
    public static string FileName(string blobPath) => BlobPathName.Of(blobPath);

    /// <summary>
    /// Parses a path this service issued and tells whether it belongs to <paramref name="clientId"/>.
    /// Anything else (other clients' paths, hand-made or malformed paths) is refused.
    /// </summary>
    public static bool IsOwnedBy(string? blobPath, string clientId, out string fileName) =>
        IsWellFormed(blobPath, out var owner, out fileName) && string.Equals(owner, clientId, StringComparison.Ordinal);

    /// <summary>True when <paramref name="blobPath"/> has this service's shape; gives its owner and file name.</summary>
    public static bool IsWellFormed(string? blobPath, out string owner, out string fileName)
    {
        owner = string.Empty;
        fileName = string.Empty;
        if (string.IsNullOrEmpty(blobPath))
        {
            return false;
        }

        var parts = blobPath.Split('/');
        if (parts.Length != 3 || parts[0].Length == 0
            || parts[1].Length != SegmentBytes * 2 || !parts[1].All(char.IsAsciiHexDigitLower)
            || !FileNameRules.Check(parts[2]).IsValid)
        {
            return false;
        }

        owner = parts[0];
        fileName = parts[2];
        return true;
    }
}
