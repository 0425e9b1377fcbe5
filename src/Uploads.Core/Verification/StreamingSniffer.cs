using Uploads.Sniffing;

namespace Uploads.Core.Verification;

/// <summary>
/// Runs the content sniffer over a file that is read once, front to back, and never held whole (a direct upload).
/// It keeps the head, a rolling window of the last <see cref="TailBytes"/>, and any range the sniffer asks for that
/// still lies ahead of the stream; it decides as early as the format allows (usually from the head, so a file that
/// is plainly not what it claims is refused before most of it has been received).
/// A range the sniffer needs that has already gone by and was not kept (rare: a ZIP whose type declaration sits in
/// the middle of a file over <see cref="TailBytes"/>) makes the file unverifiable, and it is refused.
/// </summary>
public sealed class StreamingSniffer
{
    /// <summary>How much of the end is kept: a ZIP's end record, comment and largest accepted central directory.</summary>
    public const int TailBytes = ContentSniffer.ZipTailBytes + ContentSniffer.MaxZipDirectoryBytes;

    private readonly byte[] _head = new byte[ContentSniffer.HeadBytes];
    private readonly List<(long Offset, byte[] Data)> _captured = [];
    private byte[]? _ring;
    private long _position;
    private ByteRange? _pending;
    private byte[]? _pendingData;
    private bool _pendingComplete;
    private bool _evaluated;
    private bool _waitForEnd;

    /// <summary>The decision, once reached (possibly before the stream ends).</summary>
    public SniffOutcome.Detected? Result { get; private set; }

    /// <summary>Bytes seen so far.</summary>
    public long Position => _position;

    /// <summary>Feeds the next bytes of the file, in order.</summary>
    public void Observe(ReadOnlySpan<byte> data)
    {
        if (Result is not null || data.IsEmpty)
        {
            _position += data.Length;
            return;
        }

        var start = _position;
        if (start < _head.Length)
        {
            data[..(int)Math.Min(data.Length, _head.Length - start)].CopyTo(_head.AsSpan((int)start));
        }

        Capture(start, data);
        AppendToRing(start, data);
        _position += data.Length;

        // Evaluate once the head is in, then again only when a range asked for has gone by.
        if (_position >= _head.Length && !_waitForEnd && (!_evaluated || _pendingComplete))
        {
            Evaluate(totalLength: null);
        }
    }

    /// <summary>The stream ended after <see cref="Position"/> bytes: decide now.</summary>
    public SniffOutcome.Detected Complete()
    {
        if (Result is not null)
        {
            return Result;
        }

        Evaluate(_position);
        return Result ?? new SniffOutcome.Detected("application/octet-stream", "The file could not be verified from a single pass; upload it through a presigned URL instead.");
    }

    private void Evaluate(long? totalLength)
    {
        var input = new SniffInput(totalLength);
        var held = (int)Math.Min(_position, _head.Length);
        input.Add(0, _head.AsMemory(0, held));
        foreach (var (offset, bytes) in _captured)
        {
            input.Add(offset, bytes);
        }

        if (totalLength is { } total && _ring is not null)
        {
            var kept = (int)Math.Min(total, _ring.Length);
            var tail = new byte[kept];
            for (var i = 0; i < kept; i++)
            {
                tail[i] = _ring[(total - kept + i) % _ring.Length];
            }

            input.Add(total - kept, tail);
        }

        _evaluated = true;
        _pending = null;
        _pendingData = null;
        _pendingComplete = false;
        var outcome = ContentSniffer.Evaluate(input);
        switch (outcome)
        {
            case SniffOutcome.Detected detected:
                Result = detected;
                break;
            case SniffOutcome.NeedBytes { Range: var range } when totalLength is null && range.IsTail:
                // Needs the end of the file: the rolling window will have it.
                _waitForEnd = true;
                break;
            case SniffOutcome.NeedBytes { Range: var range } when totalLength is null && range.Offset >= _position:
                _pending = range;
                break;
            case SniffOutcome.NeedBytes when totalLength is not null:
                Result = new SniffOutcome.Detected("application/octet-stream", "The file could not be verified from a single pass; upload it through a presigned URL instead.");
                break;
            default:
                // A range behind the stream that was not kept: wait for the end, when the tail may hold it.
                _waitForEnd = true;
                break;
        }
    }

    private void Capture(long start, ReadOnlySpan<byte> data)
    {
        if (_pending is not { } range)
        {
            return;
        }

        var end = start + data.Length;
        if (end <= range.Offset || start >= range.End)
        {
            return;
        }

        _pendingData ??= new byte[range.Length];
        var from = Math.Max(start, range.Offset);
        var to = Math.Min(end, range.End);
        data.Slice((int)(from - start), (int)(to - from)).CopyTo(_pendingData.AsSpan((int)(from - range.Offset)));
        if (to == range.End)
        {
            // Complete: keep it, and let Observe evaluate again.
            _captured.Add((range.Offset, _pendingData));
            _pendingComplete = true;
        }
    }

    private void AppendToRing(long start, ReadOnlySpan<byte> data)
    {
        _ring ??= new byte[TailBytes];
        if (data.Length >= _ring.Length)
        {
            var last = data[^_ring.Length..];
            var offset = start + data.Length - _ring.Length;
            for (var i = 0; i < last.Length; i++)
            {
                _ring[(offset + i) % _ring.Length] = last[i];
            }

            return;
        }

        var position = (int)(start % _ring.Length);
        var first = Math.Min(data.Length, _ring.Length - position);
        data[..first].CopyTo(_ring.AsSpan(position));
        data[first..].CopyTo(_ring);
    }
}
