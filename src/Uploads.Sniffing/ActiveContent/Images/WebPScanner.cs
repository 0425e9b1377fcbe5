using System.Globalization;

namespace Uploads.Sniffing.ActiveContent.Images;

/// <summary>
/// A WebP walked chunk by chunk to the end of its RIFF chunk (docs/sniffing.md, "Files inside files: images and RIFF"):
/// every chunk's size followed (plus its pad byte), animation frames (<c>ANMF</c>) walked into; the canvas (<c>VP8X</c>),
/// the bitstream's own dimensions (<c>VP8 </c>, <c>VP8L</c>) and every frame within the pixel limit; a chunk other than
/// VP8/VP8L/VP8X/ALPH/ANIM/ANMF/ICCP/EXIF/XMP at most <see cref="ImageStructureScanner.MaxUnknownBytes"/> and not another file; no chunk
/// past the RIFF size, nothing after it but padding.
/// </summary>
internal sealed class WebPScanner : ImageStructureScanner
{
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP", "EXIF", "XMP ",
    };

    private State _state = State.Riff;
    private long _riffEnd;
    private long _frameEnd = -1;
    private long _framePaddedEnd;
    private long _chunkAt;
    private long _chunkEnd;
    private uint _size;
    private string _type = string.Empty;
    private int _frames;

    public WebPScanner(long maxPixels, WorkBudget budget)
        : base("WebP", maxPixels, budget) => Need(12);

    private enum State
    {
        Riff,
        Header,
        Body,
    }

    private protected override string MediaType => MediaTypes.WebP;

    protected override string Unfinished() =>
        _state == State.Riff ? "inside the RIFF header" : string.Create(CultureInfo.InvariantCulture, $"inside the chunk '{_type}' at offset {_chunkAt}, where its RIFF size says the file goes on to offset {_riffEnd}");

    protected override void Step(ReadOnlySpan<byte> bytes, long at)
    {
        switch (_state)
        {
            case State.Riff:
                _riffEnd = 8L + SniffContext.U32LE(bytes, 4);
                _state = State.Header;
                Next(12, 12);
                break;
            case State.Header:
                Header(bytes, at);
                break;
            case State.Body:
                Body(bytes);
                break;
        }
    }

    private void Header(ReadOnlySpan<byte> bytes, long at)
    {
        _chunkAt = at;
        _size = SniffContext.U32LE(bytes, 4);
        _type = SniffContext.IsFourCc(bytes) ? System.Text.Encoding.ASCII.GetString(bytes[..4]) : Convert.ToHexString(bytes[..4]);
        _chunkEnd = at + 8 + _size + (_size & 1);
        var container = _frameEnd >= 0 ? _frameEnd : _riffEnd;
        if (!SniffContext.IsFourCc(bytes) || at + 8 + _size > container)
        {
            Damaged(at, string.Create(CultureInfo.InvariantCulture, $"the chunk '{_type}' of {_size} bytes does not fit in its {(_frameEnd >= 0 ? "ANMF frame" : "RIFF chunk")}, which ends at offset {container}"));
            return;
        }

        var header = _type switch
        {
            "VP8X" => 10,
            "VP8 " => 10,
            "VP8L" => 5,
            "ANMF" => 16,
            _ when !Known.Contains(_type) => CheckUnknownSize(_size, $"the WebP chunk '{_type}'", at) ? Math.Min((int)_size, PeekBytes) : -1,
            _ => 0,
        };
        if (header < 0)
        {
            return;
        }

        if (header > 0 && _size >= header)
        {
            _state = State.Body;
            Need(header);
            return;
        }

        Next(_chunkEnd, at + 8);
    }

    private void Body(ReadOnlySpan<byte> bytes)
    {
        switch (_type)
        {
            case "VP8X":
                CheckPixels(1 + U24(bytes, 4), 1 + U24(bytes, 7), "for its canvas (the WebP chunk VP8X)");
                break;
            case "VP8 ":
                CheckPixels(SniffContext.U16LE(bytes, 6) & 0x3FFF, SniffContext.U16LE(bytes, 8) & 0x3FFF, string.Create(CultureInfo.InvariantCulture, $"in its VP8 bitstream (at offset {_chunkAt})"));
                break;
            case "VP8L":
                var bits = SniffContext.U32LE(bytes, 1);
                CheckPixels(1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF), string.Create(CultureInfo.InvariantCulture, $"in its VP8L bitstream (at offset {_chunkAt})"));
                break;
            case "ANMF":
                _frames++;
                CheckPixels(1 + U24(bytes, 6), 1 + U24(bytes, 9), string.Create(CultureInfo.InvariantCulture, $"for animation frame {_frames} (the WebP chunk ANMF at offset {_chunkAt})"));
                if (_frameEnd >= 0)
                {
                    Damaged(_chunkAt, "an ANMF frame inside another");
                    return;
                }

                // The frame's own chunks (ALPH, VP8, VP8L, unknown ones) follow its 16-byte header.
                _frameEnd = _chunkAt + 8 + _size;
                _framePaddedEnd = _chunkEnd;
                _state = State.Header;
                Next(_chunkAt + 8 + 16, _chunkAt + 8 + 16);
                return;
            default:
                CheckCarried(bytes, $"the WebP chunk '{_type}'", _chunkAt);
                break;
        }

        _state = State.Header;
        Next(_chunkEnd, _chunkAt + 8 + bytes.Length);
    }

    /// <summary>
    /// Continues at <paramref name="offset"/>, having read up to <paramref name="consumed"/>: the next chunk header, the
    /// end of a frame (then its pad byte), or the end of the file's RIFF chunk.
    /// </summary>
    private void Next(long offset, long consumed)
    {
        if (_frameEnd >= 0 && offset >= _frameEnd)
        {
            offset = _framePaddedEnd;
            _frameEnd = -1;
        }

        if (offset > _riffEnd + 1)
        {
            Damaged(_chunkAt, string.Create(CultureInfo.InvariantCulture, $"the chunk '{_type}' goes past the end of the RIFF chunk at offset {_riffEnd}"));
            return;
        }

        Skip(offset - consumed);
        if (offset >= _riffEnd)
        {
            End(offset);
            return;
        }

        Need(8);
    }

    private static uint U24(ReadOnlySpan<byte> bytes, int at) => (uint)(bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16));
}
