using System.Globalization;
using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Images;

/// <summary>
/// The second stage for images (docs/sniffing.md, "Files inside files: images and RIFF"): the structure of the whole
/// file is walked as it streams by, element by element (PNG chunks, JPEG segments and entropy-coded data, GIF blocks
/// and sub-blocks, WebP chunks), so that every byte is accounted for: nothing may follow the format's end (beyond
/// <see cref="PaddingTolerance"/> bytes of zeros), an element the format does not define may hold at most
/// <see cref="MaxUnknownBytes"/> bytes and never another file (<see cref="Carried.Identify"/>), the last bytes must
/// not make the file a ZIP archive too (<see cref="Carried.FindZipEnd"/>), and no image, frame or canvas may declare
/// more than the allowed pixels (<see cref="ImagePixels"/>).
/// <para>
/// A subclass is a state machine over two primitives: <see cref="Need"/> (gather the next few bytes of a header, at
/// most <see cref="MaxGatherBytes"/>, and get them in <see cref="Step"/>) and <see cref="Skip"/> (pass over a payload
/// unread), plus an optional byte-scanning mode (<see cref="Scan"/>: JPEG entropy-coded data). Memory is bounded
/// (one gather buffer and the tail window); every step charges a few units and every byte
/// <see cref="WorkCost.ScanByte"/>.
/// </para>
/// </summary>
internal abstract class ImageStructureScanner : ActiveContentScanner
{
    /// <summary>The most an element the format does not define may hold (<see cref="Carried.MaxUnknownBytes"/>).</summary>
    public const int MaxUnknownBytes = Carried.MaxUnknownBytes;

    /// <summary>How many of a payload's first bytes are identified (<see cref="Carried.PeekBytes"/>).</summary>
    public const int PeekBytes = Carried.PeekBytes;

    /// <summary>Zero bytes tolerated after the format's end (<see cref="Carried.PaddingTolerance"/>).</summary>
    public const int PaddingTolerance = Carried.PaddingTolerance;

    /// <summary>
    /// What one step (a header gathered and decided: a few comparisons, no allocation) is charged besides its bytes:
    /// the densest shapes (4-byte JPEG segments, 2-byte GIF sub-blocks) stay within half their file's budget.
    /// </summary>
    private const int StepUnits = 4;

    /// <summary>The largest header gathered at once (a JPEG segment: its 16-bit length, for the MPF index).</summary>
    protected const int MaxGatherBytes = 65536;

    private readonly byte[] _tail = new byte[Carried.ZipEndSearchBytes];
    private readonly byte[] _gather = new byte[MaxGatherBytes];
    private readonly string _format;
    private int _need;
    private int _have;
    private long _skip;
    private long _trailingZeros;
    private long _trailingDataAt = -1;
    private readonly byte[] _trailingPeek = new byte[Carried.PeekBytes];
    private int _trailingPeekLength;
    private string? _refusal;

    protected ImageStructureScanner(string format, long maxPixels, WorkBudget budget)
        : base(budget)
    {
        _format = format;
        MaxPixels = maxPixels;
    }

    /// <summary>The most pixels an image, frame or canvas may declare.</summary>
    protected long MaxPixels { get; }

    /// <summary>The file offset of the format's end (the byte after IEND, EOI, the GIF trailer, the RIFF chunk), once reached.</summary>
    protected long? EndedAt { get; private set; }

    /// <summary>True once a refusal has been decided (the rest of the file is not looked at).</summary>
    protected bool Refused => _refusal is not null;

    internal sealed override void WriteCore(ReadOnlySpan<byte> data)
    {
        var offset = Position;
        KeepTail(offset, data);
        while (!data.IsEmpty && _refusal is null)
        {
            int used;
            if (_skip > 0)
            {
                used = (int)Math.Min(_skip, data.Length);
                Budget.ChargeBytes(used);
                _skip -= used;
            }
            else if (_need > 0)
            {
                used = Math.Min(_need - _have, data.Length);
                data[..used].CopyTo(_gather.AsSpan(_have));
                Budget.ChargeBytes(used);
                _have += used;
                if (_have == _need)
                {
                    var length = _need;
                    _need = 0;
                    _have = 0;
                    Budget.Charge(StepUnits);
                    Step(_gather.AsSpan(0, length), offset + used - length);
                }
            }
            else if (EndedAt is not null)
            {
                used = Trailing(data, offset);
            }
            else
            {
                used = Scan(data, offset);
                Budget.ChargeBytes(used);
            }

            data = data[used..];
            offset += used;
        }
    }

    internal sealed override SniffOutcome.Detected CompleteCore()
    {
        if (_refusal is null && _trailingDataAt >= 0)
        {
            RefuseTrailingData();
        }

        if (_refusal is null && (EndedAt is null || _skip > 0 || _need > 0))
        {
            Refuse(Incomplete(_format, Position, Unfinished()));
        }

        if (_refusal is null)
        {
            var held = (int)Math.Min(Position, _tail.Length);
            var tail = new byte[held];
            CopyTail(tail);
            var zipEnd = Carried.FindZipEnd(tail, Budget);
            if (zipEnd >= 0)
            {
                Refuse(Carried.Refusal("a ZIP archive", $"in its last bytes (a ZIP end-of-central-directory record at offset {Position - held + zipEnd} makes the file a ZIP archive as well)"));
            }
        }

        return new(MediaType, _refusal);
    }

    /// <summary>Gather the next <paramref name="length"/> bytes (1 to <see cref="MaxGatherBytes"/>) and pass them to <see cref="Step"/>.</summary>
    protected void Need(int length)
    {
        if (length <= 0 || length > MaxGatherBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        _need = length;
    }

    /// <summary>Pass over the next <paramref name="length"/> bytes unread (a payload), then continue with the state set now.</summary>
    protected void Skip(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _skip = length;
    }

    /// <summary>The bytes asked for with <see cref="Need"/>, which start at file offset <paramref name="at"/>.</summary>
    protected abstract void Step(ReadOnlySpan<byte> bytes, long at);

    /// <summary>
    /// Byte-scanning mode (neither a gather nor a skip pending): consume a prefix of <paramref name="data"/> (at file
    /// offset <paramref name="at"/>) and return its length (at least 1), setting the next <see cref="Need"/> when leaving.
    /// </summary>
    protected virtual int Scan(ReadOnlySpan<byte> data, long at) => throw new InvalidOperationException("No state to continue in.");

    /// <summary>What the walk was in when the file ended, for the refusal ("inside the chunk 'IDAT' at offset 1234").</summary>
    protected abstract string Unfinished();

    /// <summary>The format's end is at <paramref name="at"/>: only padding may follow.</summary>
    protected void End(long at) => EndedAt = at;

    /// <summary>Refuses the file (the first refusal wins).</summary>
    protected void Refuse(string? refusal) => _refusal ??= refusal;

    /// <summary>Refuses an image, frame or canvas of more than <see cref="MaxPixels"/>.</summary>
    protected void CheckPixels(long width, long height, string where) => Refuse(ImagePixels.Exceeds(width, height, MaxPixels, where));

    /// <summary>A damaged structure: the refusal says where.</summary>
    protected void Damaged(long at, string what) => Refuse(DamagedAt(_format, at, what));

    /// <summary>The refusal of a file that ends at <paramref name="end"/> inside its structure (<paramref name="inside"/>): the one wording, RIFF walks included.</summary>
    internal static string Incomplete(string format, long end, string inside) =>
        string.Create(CultureInfo.InvariantCulture, $"The {format} ends at offset {end} before its structure does ({inside}): the file is incomplete or damaged. Upload the complete file, re-saved with ordinary software.");

    /// <summary>The refusal of a structure damaged at <paramref name="at"/>: the one wording, RIFF walks included.</summary>
    internal static string DamagedAt(string format, long at, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"The {format}'s structure is damaged at offset {at}: {what}. Re-save it with ordinary software and upload that.");

    /// <summary>
    /// An element the format does not define, of <paramref name="length"/> bytes, named <paramref name="element"/>
    /// (at <paramref name="at"/>): refused when larger than <see cref="MaxUnknownBytes"/>; else its first bytes must be peeked
    /// (<see cref="CheckCarried"/>). True when it may be peeked.
    /// </summary>
    protected bool CheckUnknownSize(long length, string element, long at)
    {
        if (length <= MaxUnknownBytes)
        {
            return true;
        }

        Refuse(Carried.Refusal(Carried.UnknownData(_format, length), Carried.At(element, at)));
        return false;
    }

    /// <summary>Refuses when <paramref name="payload"/>'s first bytes are another file's (<see cref="Carried.Identify"/>).</summary>
    protected void CheckCarried(ReadOnlySpan<byte> payload, string element, long at)
    {
        Budget.ChargeBytes(Math.Min(payload.Length, PeekBytes));
        if (Carried.Identify(payload[..Math.Min(payload.Length, PeekBytes)]) is { } found)
        {
            Refuse(Carried.Refusal(found, Carried.At(element, at)));
        }
    }

    private int Trailing(ReadOnlySpan<byte> data, long at)
    {
        var consumed = data.Length;
        if (_trailingDataAt < 0)
        {
            var nonZero = data.IndexOfAnyExcept((byte)0);
            _trailingZeros += nonZero < 0 ? data.Length : nonZero;
            if (_trailingZeros > PaddingTolerance)
            {
                Refuse(Carried.Refusal(string.Create(CultureInfo.InvariantCulture, $"more than {PaddingTolerance:N0} bytes of padding"), string.Create(CultureInfo.InvariantCulture, $"after the end of the {_format}, at offset {EndedAt}")));
                return consumed;
            }

            if (nonZero < 0)
            {
                return consumed;
            }

            _trailingDataAt = at + nonZero;
            data = data[nonZero..];
        }

        // What the data after the end is, from its first bytes (gathered across writes: the verdict must not depend on how the file was cut).
        var take = Math.Min(data.Length, _trailingPeek.Length - _trailingPeekLength);
        data[..take].CopyTo(_trailingPeek.AsSpan(_trailingPeekLength));
        _trailingPeekLength += take;
        if (_trailingPeekLength == _trailingPeek.Length)
        {
            RefuseTrailingData();
        }

        return consumed;
    }

    private void RefuseTrailingData()
    {
        var found = Carried.Identify(_trailingPeek.AsSpan(0, _trailingPeekLength)) ?? "data";
        Refuse(Carried.Refusal(found, string.Create(CultureInfo.InvariantCulture, $"after the end of the {_format}, at offset {_trailingDataAt}")));
    }

    private void KeepTail(long offset, ReadOnlySpan<byte> data)
    {
        if (data.Length >= _tail.Length)
        {
            offset += data.Length - _tail.Length;
            data = data[^_tail.Length..];
        }

        var position = (int)(offset % _tail.Length);
        var first = Math.Min(data.Length, _tail.Length - position);
        data[..first].CopyTo(_tail.AsSpan(position));
        data[first..].CopyTo(_tail);
    }

    private void CopyTail(Span<byte> destination)
    {
        var from = Position - destination.Length;
        var position = (int)(from % _tail.Length);
        var first = Math.Min(destination.Length, _tail.Length - position);
        _tail.AsSpan(position, first).CopyTo(destination);
        _tail.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }
}
