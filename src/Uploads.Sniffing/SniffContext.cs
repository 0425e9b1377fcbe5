using System.Buffers.Binary;

namespace Uploads.Sniffing;

/// <summary>One evaluation: the input, its head, and reads that either find bytes held or name the range needed.</summary>
internal sealed class SniffContext
{
    private readonly SniffInput _input;

    public SniffContext(SniffInput input, ReadOnlyMemory<byte> head)
    {
        _input = input;
        Total = input.TotalLength;
        Head = head;
    }

    /// <summary>The check's work budget: every loop over the file's bytes or structure charges it.</summary>
    public WorkBudget Budget => _input.Budget;

    /// <summary>Where a structure walk of this file got to in an earlier evaluation (<see cref="SniffProgress"/>).</summary>
    public SniffProgress Progress => _input.Progress;

    /// <summary>The active-content categories the caller allows.</summary>
    public ActiveContentKinds AllowedActiveContent => _input.AllowedActiveContent;

    /// <summary>The file length, null while streaming.</summary>
    public long? Total { get; }

    /// <summary>The bytes from offset 0: <see cref="ContentSniffer.HeadBytes"/> of them, or the whole file when shorter.</summary>
    public ReadOnlyMemory<byte> Head { get; }

    /// <summary>True when the head is the whole file.</summary>
    public bool HeadIsWholeFile => Total is { } t && Head.Length >= t;

    /// <summary>
    /// Reads <paramref name="length"/> bytes at <paramref name="offset"/>. False when they are not held: then
    /// <paramref name="missing"/> is the <see cref="SniffOutcome.NeedBytes"/> to answer (asking for at least
    /// <paramref name="prefetch"/> bytes to save rounds), or null when the range lies past the end of the file.
    /// </summary>
    public bool TryRead(long offset, int length, out ReadOnlyMemory<byte> bytes, out SniffOutcome? missing, int prefetch = ContentSniffer.ChunkBytes)
    {
        bytes = default;
        missing = null;
        if (offset < 0 || length < 0 || offset > long.MaxValue / 2 || length > ContentSniffer.MaxRangeBytes)
        {
            return false;
        }

        if (Total is { } total && offset + length > total)
        {
            return false;
        }

        if (_input.TryGet(new ByteRange(offset, length), out bytes))
        {
            return true;
        }

        missing = Need(offset, Math.Max(length, prefetch));
        return false;
    }

    /// <summary>A request for <paramref name="length"/> bytes at <paramref name="offset"/>, clamped to the file and to the range bound.</summary>
    public SniffOutcome.NeedBytes Need(long offset, long length)
    {
        // Skip what is already held at the start of the range.
        var held = _input.ContiguousLength(offset, (int)Math.Min(length, int.MaxValue));
        offset += held;
        length -= held;
        if (Total is { } total)
        {
            length = Math.Min(length, total - offset);
        }

        length = Math.Clamp(length, 1, ContentSniffer.MaxRangeBytes);
        return new SniffOutcome.NeedBytes(new ByteRange(offset, (int)length));
    }

    /// <summary>Contiguous held bytes from <paramref name="offset"/>, at most <paramref name="max"/>.</summary>
    public ReadOnlyMemory<byte> Held(long offset, int max)
    {
        var length = _input.ContiguousLength(offset, max);
        return length > 0 && _input.TryGet(new ByteRange(offset, length), out var bytes) ? bytes : ReadOnlyMemory<byte>.Empty;
    }

    public bool TryGetTail(int length, out ReadOnlyMemory<byte> tail, out SniffOutcome missing)
    {
        tail = default;
        if (Total is not { } total)
        {
            missing = new SniffOutcome.NeedBytes(new ByteRange(-length, length));
            return false;
        }

        var start = Math.Max(0, total - length);
        if (TryRead(start, (int)(total - start), out tail, out var need, 0))
        {
            missing = null!;
            return true;
        }

        missing = need ?? new SniffOutcome.Detected(MediaTypes.OctetStream, null);
        return false;
    }

    public static SniffOutcome.Detected Detected(string mediaType, string? refusal = null) => new(mediaType, refusal);

    public static uint U32BE(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32BigEndian(b[at..]);

    public static uint U32LE(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

    public static ushort U16LE(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

    public static ushort U16BE(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16BigEndian(b[at..]);

    public static ulong U64LE(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);

    public static ulong U64BE(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64BigEndian(b[at..]);

    public static bool IsFourCc(ReadOnlySpan<byte> b)
    {
        foreach (var c in b[..4])
        {
            if (c is < 0x20 or > 0x7E)
            {
                return false;
            }
        }

        return true;
    }
}
