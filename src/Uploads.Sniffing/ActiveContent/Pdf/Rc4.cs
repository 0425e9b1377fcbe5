namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// RC4 (ARCFOUR), the cipher of the PDF standard security handler's revisions 2 to 4 (ISO 32000-1 §7.6.2,
/// <c>/CFM /V2</c>). The BCL has none; it is a few lines. Encryption and decryption are the same transform.
/// Callers charge the work (<see cref="WorkCost.DecodedByte"/> per byte).
/// </summary>
internal static class Rc4
{
    /// <summary>XORs <paramref name="data"/> in place with the key stream of <paramref name="key"/> (1 to 256 bytes).</summary>
    public static void Transform(ReadOnlySpan<byte> key, Span<byte> data)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("An RC4 key has at least one byte.", nameof(key));
        }

        Span<byte> state = stackalloc byte[256];
        for (var i = 0; i < 256; i++)
        {
            state[i] = (byte)i;
        }

        for (int i = 0, j = 0; i < 256; i++)
        {
            j = (j + state[i] + key[i % key.Length]) & 0xFF;
            (state[i], state[j]) = (state[j], state[i]);
        }

        for (int n = 0, i = 0, j = 0; n < data.Length; n++)
        {
            i = (i + 1) & 0xFF;
            j = (j + state[i]) & 0xFF;
            (state[i], state[j]) = (state[j], state[i]);
            data[n] ^= state[(state[i] + state[j]) & 0xFF];
        }
    }
}
