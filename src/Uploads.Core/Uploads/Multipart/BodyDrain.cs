namespace Uploads.Core.Uploads.Multipart;

/// <summary>Reading a request body (or a part of it) only to count and discard it, bounded.</summary>
internal static class BodyDrain
{
    private const int BufferBytes = 16 * 1024;

    /// <summary>
    /// Reads and discards up to <paramref name="limit"/> + 1 bytes; returns how many were read. A body the server
    /// itself refuses to read further (its own size limit, a reset) just ends the draining.
    /// </summary>
    public static async Task<long> DrainAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferBytes);
        long total = 0;
        try
        {
            int read;
            while (total <= limit && (read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total;
        }
        catch (IOException)
        {
            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
