namespace Uploads.Sniffing.Formats;

/// <summary>
/// A read-only stream over memory that records whether a reader asked past its end, and charges every byte it
/// hands out to <paramref name="budget"/> (a parser reading it does work in proportion).
/// </summary>
internal sealed class MemoryReadStream(ReadOnlyMemory<byte> data, WorkBudget budget) : Stream
{
    private int _position;

    /// <summary>True once a read found no more bytes.</summary>
    public bool HitEnd { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, data.Length - _position);
        if (count <= 0)
        {
            HitEnd = true;
            return 0;
        }

        budget.ChargeBytes(count);
        data.Span.Slice(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
