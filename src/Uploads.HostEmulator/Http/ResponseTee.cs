namespace Uploads.HostEmulator.Http;

/// <summary>
/// The response body stream while responses are observed: every write goes to the client unchanged and the first
/// <see cref="HttpExchange.BodyLimit"/> bytes are kept as well (nothing is held back: the body still streams).
/// </summary>
internal sealed class ResponseTee(Stream inner) : WriteOnlyStream(inner)
{
    private readonly MemoryStream _copy = new();

    public bool Truncated { get; private set; }

    public ReadOnlyMemory<byte> Copy => _copy.GetBuffer().AsMemory(0, (int)_copy.Length);

    public override void Write(byte[] buffer, int offset, int count)
    {
        Keep(buffer.AsSpan(offset, count));
        Inner.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        await Inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _copy.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        var room = HttpExchange.BodyLimit - (int)_copy.Length;
        if (bytes.Length > room)
        {
            Truncated = true;
            bytes = bytes[..Math.Max(room, 0)];
        }

        _copy.Write(bytes);
    }
}
