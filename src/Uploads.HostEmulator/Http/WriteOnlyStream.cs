namespace Uploads.HostEmulator.Http;

/// <summary>
/// A stream that passes writes on to <paramref name="inner"/> (which it does not own): the one copy of the
/// not-supported members of a write-only wrapper. Subclasses override the writes they observe or change.
/// </summary>
internal abstract class WriteOnlyStream(Stream inner) : Stream
{
    /// <summary>Where the writes go.</summary>
    protected Stream Inner { get; } = inner;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => Inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Subclasses override it with what they do on a write (this one only passes it on).</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Inner.WriteAsync(buffer, cancellationToken);
}
