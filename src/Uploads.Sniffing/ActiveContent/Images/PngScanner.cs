using System.Globalization;
using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Images;

/// <summary>
/// A PNG walked chunk by chunk to <c>IEND</c> (docs/sniffing.md, "Files inside files: images and RIFF"): every chunk's
/// length and type are read and its data skipped (CRCs are not computed: a wrong CRC hides nothing, since every byte
/// is accounted for by the lengths); <c>IHDR</c> first, its dimensions and every APNG frame's (<c>fcTL</c>) within the
/// pixel limit; a chunk type this walk does not know (private or future) at most <see cref="ImageStructureScanner.MaxUnknownBytes"/>
/// and not another file; nothing after <c>IEND</c> but padding.
/// </summary>
internal sealed class PngScanner : ImageStructureScanner
{
    /// <summary>
    /// The chunk types of the PNG specification (third edition) and its registered extensions, plus a few that common
    /// writers add (ImageMagick's vpAg, caNv, orNT; Apple's iDOT and CgBI).
    /// </summary>
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "IHDR", "PLTE", "IDAT", "IEND", "tRNS", "cHRM", "gAMA", "iCCP", "sBIT", "sRGB", "cICP", "mDCV", "cLLI", "tEXt", "zTXt",
        "iTXt", "bKGD", "hIST", "pHYs", "sPLT", "eXIf", "tIME", "acTL", "fcTL", "fdAT", "oFFs", "pCAL", "sCAL", "sTER", "gIFg",
        "gIFx", "gIFt", "fRAc", "dSIG", "vpAg", "caNv", "orNT", "iDOT", "CgBI",
    };

    private State _state = State.Signature;
    private string _type = string.Empty;
    private long _chunkAt;
    private uint _length;
    private int _chunks;
    private int _frames;

    public PngScanner(long maxPixels, WorkBudget budget)
        : base("PNG", maxPixels, budget) => Need(8);

    private enum State
    {
        Signature,
        Header,
        Body,
    }

    private protected override string MediaType => MediaTypes.Png;

    protected override void Step(ReadOnlySpan<byte> bytes, long at)
    {
        switch (_state)
        {
            case State.Signature:
                _state = State.Header;
                Need(8);
                break;
            case State.Header:
                Header(bytes, at);
                break;
            case State.Body:
                Body(bytes);
                break;
        }
    }

    protected override string Unfinished() => _state switch
    {
        State.Signature => "inside the signature",
        State.Header when _type != "IEND" => string.Create(CultureInfo.InvariantCulture, $"after the chunk '{_type}' at offset {_chunkAt}, without the chunk IEND that ends a PNG"),
        _ => string.Create(CultureInfo.InvariantCulture, $"inside the chunk '{_type}' at offset {_chunkAt}"),
    };

    private void Header(ReadOnlySpan<byte> bytes, long at)
    {
        _chunkAt = at;
        _length = SniffContext.U32BE(bytes, 0);
        var type = bytes.Slice(4, 4);
        _type = IsChunkType(type) ? System.Text.Encoding.ASCII.GetString(type) : Convert.ToHexString(type);
        if (_length > int.MaxValue)
        {
            Damaged(at, $"the chunk '{_type}' declares {_length} bytes, more than a PNG chunk may hold");
            return;
        }

        if (!IsChunkType(type))
        {
            Damaged(at, $"the bytes {_type} are not a chunk type");
            return;
        }

        if (_chunks++ == 0 != (_type == "IHDR"))
        {
            Damaged(at, _type == "IHDR" ? "a second IHDR chunk" : "the first chunk is not IHDR");
            return;
        }

        switch (_type)
        {
            case "IEND":
                if (_length != 0)
                {
                    Damaged(at, "the IEND chunk is not empty");
                    return;
                }

                Skip(4);
                End(at + 12);
                return;
            case "IHDR" when _length >= 8:
            case "fcTL" when _length >= 12:
                _state = State.Body;
                Need(_type == "IHDR" ? 8 : 12);
                return;
            case var known when Known.Contains(known):
                Skip(_length + 4L);
                Need(8);
                return;
            default:
                if (CheckUnknownSize(_length, $"the PNG chunk '{_type}'", at))
                {
                    _state = State.Body;
                    if (_length == 0)
                    {
                        _state = State.Header;
                        Skip(4);
                        Need(8);
                        return;
                    }

                    Need((int)Math.Min(_length, PeekBytes));
                }

                return;
        }
    }

    private void Body(ReadOnlySpan<byte> bytes)
    {
        var read = bytes.Length;
        if (_type == "IHDR")
        {
            CheckPixels(SniffContext.U32BE(bytes, 0), SniffContext.U32BE(bytes, 4), "in its PNG header (IHDR)");
        }
        else if (_type == "fcTL")
        {
            _frames++;
            CheckPixels(SniffContext.U32BE(bytes, 4), SniffContext.U32BE(bytes, 8), string.Create(CultureInfo.InvariantCulture, $"for animation frame {_frames} (the APNG chunk fcTL at offset {_chunkAt})"));
        }
        else
        {
            CheckCarried(bytes, $"the PNG chunk '{_type}'", _chunkAt);
        }

        _state = State.Header;
        Skip(_length - read + 4L);
        Need(8);
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var c in type)
        {
            if (!char.IsAsciiLetter((char)c))
            {
                return false;
            }
        }

        return true;
    }
}
