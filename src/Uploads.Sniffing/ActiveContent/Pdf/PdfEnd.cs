using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// Where a PDF ends (docs/sniffing.md, "Files inside files: PDF"), fed the file front to back with the scanner: what
/// follows its last <c>%%EOF</c> and whether its last bytes make it a ZIP archive too. Refused: a file with more after
/// its last <c>%%EOF</c> than <see cref="PaddingTolerance"/> bytes of padding (PDF white space, NULs included, as
/// writers pad), named by <see cref="Carried.Identify"/> when its first bytes say what it is (an appended ZIP, an
/// executable, a web page); a file whose last <see cref="Carried.ZipEndSearchBytes"/> hold a ZIP end record a ZIP
/// reader accepts (<see cref="Carried.FindZipEnd"/>), wherever it sits (after <c>%%EOF</c>, or before it in a comment or
/// a stream, the ZIP's comment covering the rest); and a file where the bytes after an earlier <c>%%EOF</c> (an
/// incremental update's or a linearized file's first one) are a file of another type, so that a payload closed by a
/// <c>%%EOF</c> of its own does not hide behind the padding rule.
/// <para>
/// Work and memory are bounded: each byte is searched once for <c>%%EOF</c> and copied once into a ring of the last
/// <see cref="Carried.ZipEndSearchBytes"/> bytes; the bytes after each <c>%%EOF</c> are checked for padding once, and
/// at most <see cref="ProbeBytes"/> of them kept to tell what they are.
/// </para>
/// </summary>
internal sealed class PdfEnd(WorkBudget budget)
{
    /// <summary>
    /// The most padding allowed after the last <c>%%EOF</c>. Producers write one end of line (the producers' set: every
    /// file of Ghostscript, qpdf, LibreOffice, cairo, matplotlib and graphviz ends with <c>%%EOF</c> and a line feed);
    /// some pad with white space or NULs to a block (512 to 2048 bytes).
    /// </summary>
    public const int PaddingTolerance = 4096;

    /// <summary>How many bytes after an <c>%%EOF</c> (from the first that is not padding) are kept to identify them.</summary>
    public const int ProbeBytes = 1024;

    private static ReadOnlySpan<byte> Eof => "%%EOF"u8;

    /// <summary>PDF white space (ISO 32000-2, 7.2.3): NUL, tab, line feed, form feed, carriage return, space.</summary>
    private static readonly System.Buffers.SearchValues<byte> Padding = System.Buffers.SearchValues.Create([0, 9, 10, 12, 13, 32]);

    private readonly byte[] _ring = new byte[Carried.ZipEndSearchBytes];
    private readonly byte[] _probe = new byte[ProbeBytes];
    private readonly byte[] _lastBytes = new byte[Eof.Length - 1];
    private int _lastCount;
    private long _length;
    private long _afterEof = -1;
    private long _dataAt = -1;
    private int _probeCount;
    private string? _refusal;

    /// <summary>Feeds the next bytes of the file, in order from offset 0.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        // The bytes themselves are charged once, by the scanner's own pass over the same chunk; the search here is
        // charged per %%EOF found (below), and the bytes after one are charged as they are examined (Follow).
        var start = _length;
        EofAcrossBoundary(data, start);
        var from = 0;
        while (from < data.Length)
        {
            var at = data[from..].IndexOf(Eof);
            if (at < 0)
            {
                Follow(data[from..], start + from);
                break;
            }

            Follow(data[from..(from + at)], start + from);
            budget.Charge(WorkCost.Token);
            EofFound(start + from + at);
            from += at + Eof.Length;
        }

        Keep(data);
        _length += data.Length;
    }

    /// <summary>The file has ended: the refusal for what it carries at its end, or null.</summary>
    public string? Complete()
    {
        if (_refusal is not null)
        {
            return _refusal;
        }

        if (_afterEof >= 0)
        {
            if (_dataAt >= 0)
            {
                var found = Carried.Identify(_probe.AsSpan(0, _probeCount)) ?? $"{_length - _dataAt} bytes of data that are not PDF";
                return Carried.Refusal(found, Carried.At("the bytes after the PDF's end (its last %%EOF)", _dataAt));
            }

            if (_length - _afterEof > PaddingTolerance)
            {
                return Carried.Refusal($"{_length - _afterEof} bytes of padding (more than {PaddingTolerance})", Carried.At("the bytes after the PDF's end (its last %%EOF)", _afterEof));
            }
        }

        var window = (int)Math.Min(_length, _ring.Length);
        var tail = new byte[window];
        budget.ChargeBytes(window, WorkCost.AllocatedByte);
        var head = (int)(_length % _ring.Length);
        if (_length <= _ring.Length)
        {
            _ring.AsSpan(0, window).CopyTo(tail);
        }
        else
        {
            _ring.AsSpan(head).CopyTo(tail);
            _ring.AsSpan(0, head).CopyTo(tail.AsSpan(_ring.Length - head));
        }

        var zipEnd = Carried.FindZipEnd(tail, budget);
        return zipEnd < 0 ? null : Carried.Refusal("a ZIP archive (its end-of-central-directory record)", Carried.At("the PDF's last bytes", _length - window + zipEnd));
    }

    /// <summary>An <c>%%EOF</c> split between the last write and this one.</summary>
    private void EofAcrossBoundary(ReadOnlySpan<byte> data, long start)
    {
        if (_lastCount == 0 || data.IsEmpty)
        {
            return;
        }

        Span<byte> joint = stackalloc byte[2 * (Eof.Length - 1)];
        _lastBytes.AsSpan(0, _lastCount).CopyTo(joint);
        var more = Math.Min(data.Length, Eof.Length - 1);
        data[..more].CopyTo(joint[_lastCount..]);
        var at = joint[..(_lastCount + more)].IndexOf(Eof);
        if (at >= 0)
        {
            // The part before the boundary was followed as data already; EofFound discounts it.
            EofFound(start - _lastCount + at);
        }
    }

    /// <summary>
    /// An <c>%%EOF</c> at <paramref name="offset"/>: what followed the one before (up to here) is judged, and what
    /// follows this one is watched from now on.
    /// </summary>
    private void EofFound(long offset)
    {
        if (_afterEof >= 0 && _dataAt >= 0 && _dataAt < offset && _refusal is null)
        {
            var length = (int)Math.Min(_probeCount, offset - _dataAt);
            if (Carried.Identify(_probe.AsSpan(0, length)) is { } found)
            {
                _refusal = Carried.Refusal(found, Carried.At("the bytes after an %%EOF", _dataAt));
            }
        }

        _afterEof = offset + Eof.Length;
        _dataAt = -1;
        _probeCount = 0;
    }

    /// <summary>Bytes at <paramref name="offset"/> that follow the latest <c>%%EOF</c> (or precede any): padding is skipped, the first others kept.</summary>
    private void Follow(ReadOnlySpan<byte> bytes, long offset)
    {
        if (_afterEof < 0 || bytes.IsEmpty)
        {
            return;
        }

        var skip = Math.Max(0, (int)Math.Min(bytes.Length, _afterEof - offset));
        bytes = bytes[skip..];
        offset += skip;
        if (_dataAt < 0)
        {
            var first = bytes.IndexOfAnyExcept(Padding);
            budget.ChargeBytes(first < 0 ? bytes.Length : first);
            if (first < 0)
            {
                return;
            }

            _dataAt = offset + first;
            bytes = bytes[first..];
        }

        var take = Math.Min(bytes.Length, ProbeBytes - _probeCount);
        bytes[..take].CopyTo(_probe.AsSpan(_probeCount));
        _probeCount += take;
    }

    /// <summary>Keeps the written bytes in the ring of the last bytes and the few that may begin a split <c>%%EOF</c>.</summary>
    private void Keep(ReadOnlySpan<byte> data)
    {
        var keep = Math.Min(data.Length, Eof.Length - 1);
        if (keep == Eof.Length - 1)
        {
            data[^keep..].CopyTo(_lastBytes);
            _lastCount = keep;
        }
        else
        {
            var old = Math.Min(_lastCount, Eof.Length - 1 - keep);
            _lastBytes.AsSpan(_lastCount - old, old).CopyTo(_lastBytes);
            data.CopyTo(_lastBytes.AsSpan(old));
            _lastCount = old + keep;
        }

        var write = data.Length > _ring.Length ? data[^_ring.Length..] : data;
        var at = (int)((_length + data.Length - write.Length) % _ring.Length);
        var first = Math.Min(write.Length, _ring.Length - at);
        write[..first].CopyTo(_ring.AsSpan(at));
        write[first..].CopyTo(_ring);
    }
}
