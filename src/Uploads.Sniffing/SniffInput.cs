namespace Uploads.Sniffing;

/// <summary>
/// The bytes of a file the caller holds so far: any number of (offset, bytes) segments, plus the total length when known.
/// Segments may arrive in any order and may overlap (overlapping bytes are assumed equal; the earliest added wins).
/// Not thread-safe.
/// </summary>
internal sealed class SniffInput
{
    private readonly List<Segment> _segments = [];
    private long? _totalLength;

    /// <summary>Creates an input for a file of <paramref name="totalLength"/> bytes, or of unknown length (null) while streaming.</summary>
    public SniffInput(long? totalLength)
    {
        TotalLength = totalLength;
        Budget = WorkBudget.ForFile(totalLength);
    }

    /// <summary>The work this check may do (<see cref="WorkBudget"/>), charged across every evaluation of this input; by default the budget of a file of its length.</summary>
    public WorkBudget Budget { get; init; }

    /// <summary>The file's total length; null while still streaming (direct uploads).</summary>
    public long? TotalLength
    {
        get => _totalLength;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value ?? 0, nameof(value));
            _totalLength = value;
        }
    }

    /// <summary>
    /// Where a structure walk of this file got to in an earlier evaluation (<see cref="SniffProgress"/>); by default this
    /// input's own. A caller that builds a new input per round for the same file hands each the same progress.
    /// </summary>
    public SniffProgress Progress { get; init; } = new();

    /// <summary>The active-content categories this deployment allows (<see cref="ActiveContentKinds"/>); none by default.</summary>
    public ActiveContentKinds AllowedActiveContent { get; init; }

    /// <summary>The number of bytes held (overlaps counted twice).</summary>
    public long BytesHeld { get; private set; }

    /// <summary>Adds the bytes at <paramref name="offset"/>. The memory is kept by reference, not copied.</summary>
    public void Add(long offset, ReadOnlyMemory<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (data.IsEmpty)
        {
            return;
        }

        var index = _segments.Count;
        while (index > 0 && _segments[index - 1].Offset > offset)
        {
            index--;
        }

        _segments.Insert(index, new Segment(offset, data));
        BytesHeld += data.Length;
    }

    /// <summary>The contiguous bytes of <paramref name="range"/> when all of them are held; copies only when the range spans several segments.</summary>
    public bool TryGet(ByteRange range, out ReadOnlyMemory<byte> data)
    {
        data = default;
        if (range.Offset < 0 || range.Length < 0 || range.Offset > long.MaxValue - range.Length)
        {
            return false;
        }

        if (range.Length == 0)
        {
            return true;
        }

        if (ContiguousLength(range.Offset, range.Length) < range.Length)
        {
            return false;
        }

        // One segment covering the whole range: a slice, no copy.
        foreach (var segment in _segments)
        {
            if (segment.Offset <= range.Offset && segment.End >= range.End)
            {
                data = segment.Data.Slice((int)(range.Offset - segment.Offset), range.Length);
                return true;
            }
        }

        Budget.ChargeBytes(range.Length, WorkCost.AllocatedByte);
        var buffer = new byte[range.Length];
        var position = range.Offset;
        foreach (var segment in _segments)
        {
            if (position >= range.End)
            {
                break;
            }

            if (segment.Offset <= position && segment.End > position)
            {
                var take = (int)Math.Min(segment.End - position, range.End - position);
                segment.Data.Span.Slice((int)(position - segment.Offset), take).CopyTo(buffer.AsSpan((int)(position - range.Offset)));
                position += take;
            }
        }

        data = buffer;
        return true;
    }

    /// <summary>How many bytes from <paramref name="offset"/> on are held without a gap, up to <paramref name="max"/>.</summary>
    public int ContiguousLength(long offset, int max)
    {
        if (offset < 0 || max <= 0)
        {
            return 0;
        }

        var position = offset;
        var limit = offset > long.MaxValue - max ? long.MaxValue : offset + max;
        foreach (var segment in _segments)
        {
            if (segment.Offset > position)
            {
                break;
            }

            if (segment.End > position)
            {
                position = segment.End;
                if (position >= limit)
                {
                    break;
                }
            }
        }

        return (int)(Math.Min(position, limit) - offset);
    }

    private readonly record struct Segment(long Offset, ReadOnlyMemory<byte> Data)
    {
        public long End => Offset + Data.Length;
    }
}
