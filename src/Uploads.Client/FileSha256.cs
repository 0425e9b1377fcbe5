using System.Security.Cryptography;

namespace Uploads.Client;

/// <summary>
/// The end-to-end SHA-256 a client declares for its file (the standard base64 of the 32 bytes, as the API takes it):
/// the API verifies an upload only if the bytes it received have exactly this digest, on both paths. It must be known
/// before the first byte is sent (the URL request carries it; the direct upload's <c>sha256</c> field precedes the
/// file), so a presigned upload reads its file once to hash it, then again to send its blocks; a direct upload reads
/// its (small) file once into memory and hashes and sends that.
/// </summary>
public static class FileSha256
{
    /// <summary>The declaration's form: base64 of the 32-byte digest.</summary>
    public static string ToBase64(ReadOnlySpan<byte> content) => Convert.ToBase64String(SHA256.HashData(content));

    /// <summary>The SHA-256 of the whole file at <paramref name="path"/>, read sequentially in 1 MiB reads.</summary>
    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToBase64String(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
