namespace Uploads.Core.Uploads.Multipart;

/// <summary>
/// A read-only view of a request body that remembers whether the body ended normally. A multipart parser reports a
/// truncated body and a dropped connection with the same <see cref="IOException"/>; this tells them apart: the
/// first is the client's malformed request (400), the second is a client that went away (no answer).
/// </summary>
internal sealed class RequestBodyStream(Stream inner) : Stream
{
    /// <summary>True once a read returned 0: the body ended as its framing said.</summary>
    public bool ReachedEnd { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Track(inner.Read(buffer, offset, count), count);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Track(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.Length);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Track(int read, int requested)
    {
        if (read == 0 && requested > 0)
        {
            ReachedEnd = true;
        }

        return read;
    }
}
