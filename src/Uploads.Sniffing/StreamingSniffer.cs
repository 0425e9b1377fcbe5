namespace Uploads.Sniffing;

/// <summary>
/// Runs the content sniffer over a file that is read once, front to back, and never held whole (a direct upload).
/// It keeps the head, a rolling window of the last <see cref="TailBytes"/>, and any range the sniffer asks for that
/// still lies ahead of the stream (or within the window); it decides as early as the format allows (usually from the
/// head, so a file that is plainly not what it claims is refused before most of it has been received).
/// A range the sniffer needs that has gone by and left the window (rare: a ZIP whose type declaration sits in the
/// middle of a file larger than the window) makes the file unverifiable, and it is refused. The same bounds as the
/// random-access path apply: at most <see cref="ContentSniffer.MaxReads"/> evaluations and
/// <see cref="ContentSniffer.MaxReadBytes"/> bytes captured, for a file of the length seen so far; a structure walk
/// (MP4 boxes, Matroska elements) resumes each round where it stopped (one <see cref="SniffProgress"/> for the file).
/// Formats whose active content or carried files may lie anywhere (PDF; PNG, JPEG, GIF and WebP, walked to their end and
/// held to <see cref="MaxImagePixels"/>) are then fed, as they stream, to the sniffer's
/// <see cref="ActiveContentScanner"/> (the same scanner <see cref="ContentSniffer.SniffAsync(Func{ByteRange, CancellationToken, ValueTask{ReadOnlyMemory{byte}}}, long, ActiveContentKinds, WorkBudget, CancellationToken)"/>
/// drives with range reads), and <see cref="Complete"/> gives its verdict.
/// All of it, every evaluation and the scan, charges one <see cref="WorkBudget"/> (by default that of the largest file).
/// </summary>
public sealed class StreamingSniffer(ActiveContentKinds allowedActiveContent = ActiveContentKinds.None, WorkBudget? budget = null) : IDisposable
{
    /// <summary>How much of the end is kept: a ZIP's end record, comment and largest accepted central directory.</summary>
    public const int TailBytes = ContentSniffer.ZipTailBytes + ContentSniffer.MaxZipDirectoryBytes;

    /// <summary>
    /// A ZIP (DOCX) is kept whole up to this size: its parts are checked for active content once the central
    /// directory at the end says where they are, and by then they have gone by.
    /// </summary>
    public const int MaxKeptArchiveBytes = 16 * 1024 * 1024;

    private const string Unverifiable = "The file could not be verified from a single pass; upload it through a presigned URL instead.";

    private readonly WorkBudget _budget = budget ?? WorkBudget.ForFile(null);
    private readonly byte[] _head = new byte[ContentSniffer.HeadBytes];
    private readonly List<(long Offset, byte[] Data)> _captured = [];
    private readonly SniffProgress _progress = new();
    private byte[]? _ring;
    private long _position;
    private long _capturedBytes;
    private long _keptUpTo;
    private int _rounds;
    private ByteRange? _pending;
    private byte[]? _pendingData;
    private bool _pendingComplete;
    private bool _evaluated;
    private bool _waitForEnd;
    private ActiveContentScanner? _scanner;
    private bool _keepArchive;

    /// <summary>
    /// The type decision, once reached (possibly before the stream ends). For a scanned format (PDF) it carries no
    /// active-content finding yet: <see cref="Complete"/> gives the final verdict.
    /// </summary>
    public SniffOutcome.Detected? Result { get; private set; }

    /// <summary>The most pixels an image, frame or canvas may declare (<see cref="ImagePixels"/>).</summary>
    public long MaxImagePixels { get; init; } = ImagePixels.DefaultMax;

    /// <summary>Bytes seen so far.</summary>
    public long Position => _position;

    /// <summary>Feeds the next bytes of the file, in order.</summary>
    public void Observe(ReadOnlySpan<byte> data)
    {
        if (Result is not null || data.IsEmpty)
        {
            _scanner?.Write(data);
            _position += data.Length;
            return;
        }

        var start = _position;
        if (start < _head.Length)
        {
            data[..(int)Math.Min(data.Length, _head.Length - start)].CopyTo(_head.AsSpan((int)start));
        }

        if (start == 0)
        {
            // Narrower than detection (Zip.StartsArchive): only an archive that starts with an entry is kept whole, as before.
            _keepArchive = data.StartsWith(Formats.Zip.LocalHeader);
        }

        Capture(start, data);
        KeepArchive(start, data);
        if (_ring is not null)
        {
            AppendToRing(start, data);
        }

        _position += data.Length;

        // Evaluate once the head is in, then again only when a range asked for has gone by.
        if (_position >= _head.Length && !_waitForEnd && (!_evaluated || _pendingComplete))
        {
            if (_ring is null)
            {
                // Most files are decided from the head alone: only the others need the tail window.
                if (ContentSniffer.Evaluate(HeadOnly()) is SniffOutcome.Detected detected)
                {
                    Result = detected;
                    StartScan(start, data);
                    return;
                }

                AppendToRing(0, _head.AsSpan(0, (int)Math.Min(start, _head.Length)));
                AppendToRing(start, data);
            }

            Evaluate(totalLength: null);
            StartScan(start, data);
        }
    }

    /// <summary>The stream ended after <see cref="Position"/> bytes: decide now.</summary>
    public SniffOutcome.Detected Complete()
    {
        if (Result is null)
        {
            Evaluate(_position);
            StartScan(_position, []);
        }

        if (_scanner is { } scanner)
        {
            _scanner = null;
            Result = scanner.Complete();
        }

        return Result ?? new SniffOutcome.Detected("application/octet-stream", Unverifiable);
    }

    /// <summary>
    /// Once the type is decided: a format that is scanned whole gets its scanner, fed what has gone by (the head,
    /// then the rest of the chunk <paramref name="data"/> that started at <paramref name="start"/>).
    /// </summary>
    private void StartScan(long start, ReadOnlySpan<byte> data)
    {
        if (Result is null || _scanner is not null || ActiveContentScanner.For(Result, allowedActiveContent, _budget, MaxImagePixels) is not { } scanner)
        {
            return;
        }

        if (start > _head.Length)
        {
            // Decided after bytes that were not kept went by: the scan cannot start at the beginning.
            Result = new SniffOutcome.Detected(Result.MediaType, Unverifiable);
            return;
        }

        var headPart = (int)Math.Min(_position, _head.Length);
        scanner.Write(_head.AsSpan(0, headPart));
        if (_position > headPart)
        {
            scanner.Write(data[(int)(headPart - start)..]);
        }

        _scanner = scanner;
    }

    private long RingStart => Math.Max(0, _position - TailBytes);

    private SniffInput HeadOnly()
    {
        var input = new SniffInput(null) { Budget = _budget, Progress = _progress };
        input.Add(0, _head.AsMemory(0, (int)Math.Min(_position, _head.Length)));
        return input;
    }

    private void Evaluate(long? totalLength)
    {
        if (++_rounds > ContentSniffer.MaxReads(_position))
        {
            Result = new SniffOutcome.Detected("application/octet-stream", Unverifiable);
            return;
        }

        var input = new SniffInput(totalLength) { Budget = _budget, Progress = _progress };
        input.Add(0, _head.AsMemory(0, (int)Math.Min(_position, _head.Length)));
        foreach (var (offset, bytes) in _captured)
        {
            input.Add(offset, bytes);
        }

        if (_ring is not null && _position > _head.Length)
        {
            var window = new byte[_position - RingStart];
            CopyFromRing(RingStart, window);
            input.Add(RingStart, window);
        }

        _evaluated = true;
        _pending = null;
        _pendingData = null;
        _pendingComplete = false;
        switch (ContentSniffer.Evaluate(input))
        {
            case SniffOutcome.Detected detected:
                Result = detected;
                break;
            case SniffOutcome.NeedBytes { Range: var range } when totalLength is null && range.IsTail:
                // Needs the end of the file: the rolling window will hold it. What it relied on so far (an ID3 tag
                // checked in the window) is kept, since the last evaluation starts over.
                KeepSeen();
                _waitForEnd = true;
                break;
            case SniffOutcome.NeedBytes { Range: var range } when totalLength is null && range.Offset >= RingStart && _capturedBytes + range.Length <= ContentSniffer.MaxReadBytes(range.End):
                // Ahead of the stream, or partly seen and still in the window: collect it as the stream passes.
                KeepSeen();
                _pending = range;
                _pendingData = new byte[range.Length];
                _capturedBytes += range.Length;
                if (range.Offset < _position)
                {
                    CopyFromRing(range.Offset, _pendingData.AsSpan(0, (int)Math.Min(range.Length, _position - range.Offset)));
                }

                break;
            case SniffOutcome.NeedBytes when totalLength is not null:
                Result = new SniffOutcome.Detected("application/octet-stream", Unverifiable);
                break;
            default:
                // Gone by and out of the window, or over budget: only the end can still tell.
                _waitForEnd = true;
                break;
        }
    }

    /// <summary>
    /// The sniffer decided on what it held, window included, and will rely on it: keep the part of the window it
    /// has seen so far (within the same byte budget), since the window moves on.
    /// </summary>
    private void KeepSeen()
    {
        var from = Math.Max(Math.Max(_keptUpTo, RingStart), _head.Length);
        if (_ring is null || from >= _position || _capturedBytes + (_position - from) > ContentSniffer.MaxReadBytes(_position))
        {
            return;
        }

        var kept = new byte[_position - from];
        CopyFromRing(from, kept);
        _captured.Add((from, kept));
        _capturedBytes += kept.Length;
        _keptUpTo = _position;
    }

    /// <summary>Keeps every byte of a ZIP past the head, up to <see cref="MaxKeptArchiveBytes"/>.</summary>
    private void KeepArchive(long start, ReadOnlySpan<byte> data)
    {
        var end = start + data.Length;
        if (!_keepArchive || end <= _head.Length)
        {
            return;
        }

        var from = Math.Max(start, _head.Length);
        if (end > MaxKeptArchiveBytes)
        {
            // Too large to keep whole: the tail window and the ranges asked for must do.
            _keepArchive = false;
            return;
        }

        _captured.Add((from, data[(int)(from - start)..].ToArray()));
        _keptUpTo = Math.Max(_keptUpTo, end);
    }

    private void Capture(long start, ReadOnlySpan<byte> data)
    {
        if (_pending is not { } range || _pendingData is null)
        {
            return;
        }

        var end = start + data.Length;
        if (end <= range.Offset || start >= range.End)
        {
            return;
        }

        var from = Math.Max(start, range.Offset);
        var to = Math.Min(end, range.End);
        data.Slice((int)(from - start), (int)(to - from)).CopyTo(_pendingData.AsSpan((int)(from - range.Offset)));
        if (to == range.End)
        {
            _captured.Add((range.Offset, _pendingData));
            _pendingComplete = true;
        }
    }

    private void AppendToRing(long start, ReadOnlySpan<byte> data)
    {
        // Pooled: a large buffer per upload would otherwise be a fresh large-object-heap allocation each time.
        _ring ??= System.Buffers.ArrayPool<byte>.Shared.Rent(TailBytes);
        if (data.Length >= TailBytes)
        {
            start += data.Length - TailBytes;
            data = data[^TailBytes..];
        }

        var position = (int)(start % TailBytes);
        var first = Math.Min(data.Length, TailBytes - position);
        data[..first].CopyTo(_ring.AsSpan(position));
        data[first..].CopyTo(_ring);
    }

    public void Dispose()
    {
        if (_ring is { } ring)
        {
            _ring = null;
            System.Buffers.ArrayPool<byte>.Shared.Return(ring);
        }
    }

    /// <summary>Copies the window's bytes from file offset <paramref name="from"/> (which must be in the window).</summary>
    private void CopyFromRing(long from, Span<byte> destination)
    {
        var position = (int)(from % TailBytes);
        var first = Math.Min(destination.Length, TailBytes - position);
        _ring.AsSpan(position, first).CopyTo(destination);
        _ring.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }
}
