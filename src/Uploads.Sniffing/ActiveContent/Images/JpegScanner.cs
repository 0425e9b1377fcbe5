using System.Globalization;

namespace Uploads.Sniffing.ActiveContent.Images;

/// <summary>
/// A JPEG walked segment by segment to <c>EOI</c> (docs/sniffing.md, "Files inside files: images and RIFF"): every
/// marker segment's length followed, the entropy-coded data after each <c>SOS</c> scanned for the next marker
/// (stuffed <c>FF 00</c>, restart markers and fill bytes pass), every frame header (<c>SOFn</c>) within the pixel
/// limit; the APPn segments of the usual writers known (JFIF, Exif, XMP, ICC, MPF, Photoshop, Adobe, ...), any other
/// at most <see cref="ImageStructureScanner.MaxUnknownBytes"/> and not another file, comments not another file either; after <c>EOI</c>
/// only the further images a Multi-Picture Format index (APP2 <c>MPF</c>) places there, each walked the same way, then padding.
/// </summary>
internal sealed class JpegScanner : ImageStructureScanner
{
    /// <summary>APPn segments by marker and the identifier their payload starts with.</summary>
    private static readonly (byte Marker, byte[] Identifier)[] KnownApplications =
    [
        (0xE0, "JFIF\0"u8.ToArray()), (0xE0, "JFXX\0"u8.ToArray()), (0xE0, "AVI1"u8.ToArray()),
        (0xE1, "Exif\0"u8.ToArray()), (0xE1, "http://ns.adobe.com/"u8.ToArray()),
        (0xE2, "ICC_PROFILE\0"u8.ToArray()), (0xE2, "MPF\0"u8.ToArray()), (0xE2, "FPXR\0"u8.ToArray()),
        (0xE3, "META"u8.ToArray()), (0xE3, "Meta"u8.ToArray()), (0xE8, "SPIFF\0"u8.ToArray()), (0xEA, "AROT\0"u8.ToArray()),
        (0xEB, "JP"u8.ToArray()), (0xEB, "HDR_RI"u8.ToArray()), (0xEC, "Ducky"u8.ToArray()), (0xEC, "PictureInfo"u8.ToArray()),
        (0xED, "Photoshop 3.0\0"u8.ToArray()), (0xED, "Adobe_CM"u8.ToArray()), (0xEE, "Adobe"u8.ToArray()),
    ];

    private readonly List<long> _furtherImages = [];
    private State _state = State.Start;
    private byte _marker;
    private long _segmentAt;
    private int _segmentLength;
    private bool _pendingFF;
    private int _image;
    private int _frames;

    public JpegScanner(long maxPixels, WorkBudget budget)
        : base("JPEG", maxPixels, budget) => Need(2);

    private enum State
    {
        Start,
        Marker,
        Code,
        Length,
        Payload,
        Entropy,
    }

    private protected override string MediaType => MediaTypes.Jpeg;

    protected override string Unfinished() => _state switch
    {
        State.Entropy => "inside the entropy-coded data of a scan; a JPEG ends with the marker EOI (FF D9)",
        _ => string.Create(CultureInfo.InvariantCulture, $"inside the segment at offset {_segmentAt}; a JPEG ends with the marker EOI (FF D9)"),
    };

    protected override void Step(ReadOnlySpan<byte> bytes, long at)
    {
        switch (_state)
        {
            case State.Start:
                if (bytes[0] != 0xFF || bytes[1] != 0xD8)
                {
                    Damaged(at, "an image does not start with SOI (FF D8)");
                    return;
                }

                _state = State.Marker;
                Need(1);
                break;
            case State.Marker:
                if (bytes[0] != 0xFF)
                {
                    Damaged(at, string.Create(CultureInfo.InvariantCulture, $"the byte 0x{bytes[0]:X2} where a marker (FF) must stand"));
                    return;
                }

                _state = State.Code;
                Need(1);
                break;
            case State.Code:
                Marker(bytes[0], at - 1);
                break;
            case State.Length:
                _segmentLength = SniffContext.U16BE(bytes, 0);
                Segment();
                break;
            case State.Payload:
                Payload(bytes, at);
                break;
        }
    }

    protected override int Scan(ReadOnlySpan<byte> data, long at)
    {
        // Entropy-coded data: the next FF not followed by 00 (stuffing), D0-D7 (restart) or FF (fill) is a marker.
        var i = 0;
        while (i < data.Length)
        {
            if (!_pendingFF)
            {
                var ff = data[i..].IndexOf((byte)0xFF);
                if (ff < 0)
                {
                    return data.Length;
                }

                i += ff + 1;
                _pendingFF = true;
                continue;
            }

            var code = data[i++];
            if (code == 0xFF)
            {
                continue;
            }

            _pendingFF = false;
            if (code is 0x00 or (>= 0xD0 and <= 0xD7))
            {
                continue;
            }

            Marker(code, at + i - 2);
            return i;
        }

        return data.Length;
    }

    private void Marker(byte code, long at)
    {
        _segmentAt = at;
        _marker = code;
        switch (code)
        {
            case 0xFF:
                // A fill byte before the marker.
                _state = State.Code;
                Need(1);
                break;
            case 0xD9:
                StartNextImageOrEnd(at + 2);
                break;
            case 0x01 or (>= 0xD0 and <= 0xD7):
                _state = State.Marker;
                Need(1);
                break;
            case 0x00 or 0xD8:
                Damaged(at, string.Create(CultureInfo.InvariantCulture, $"the marker FF {code:X2} where a segment must start"));
                break;
            default:
                _state = State.Length;
                Need(2);
                break;
        }
    }

    /// <summary>After EOI: a further image where the MPF index places one, or the end.</summary>
    private void StartNextImageOrEnd(long next)
    {
        if (_furtherImages.Remove(next))
        {
            _image++;
            _state = State.Start;
            Need(2);
            return;
        }

        End(next);
    }

    private void Segment()
    {
        var length = _segmentLength - 2;
        if (length < 0)
        {
            Damaged(_segmentAt, "a segment's length is less than 2");
            return;
        }

        var frame = _marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);
        if (frame && length >= 5)
        {
            _state = State.Payload;
            Need(5);
        }
        else if (_marker is (>= 0xE0 and <= 0xEF) or 0xFE && length > 0)
        {
            _state = State.Payload;
            Need(_marker == 0xE2 && _image == 0 ? length : Math.Min(length, PeekBytes));
        }
        else
        {
            Skip(length);
            AfterSegment();
        }
    }

    private void Payload(ReadOnlySpan<byte> bytes, long at)
    {
        var where = string.Create(CultureInfo.InvariantCulture, $"the JPEG {SegmentName()} segment");
        if (_marker is >= 0xC0 and <= 0xCF)
        {
            _frames++;
            var height = SniffContext.U16BE(bytes, 1);
            var width = SniffContext.U16BE(bytes, 3);
            CheckPixels(width, height, string.Create(CultureInfo.InvariantCulture, $"in {(_frames == 1 ? "its" : $"image {_image + 1}'s")} frame header (SOF at offset {_segmentAt})"));
        }
        else if (_marker == 0xFE)
        {
            CheckCarried(bytes, where, _segmentAt);
        }
        else if (IsKnown(_marker, bytes))
        {
            if (_marker == 0xE2 && _image == 0 && bytes.StartsWith("MPF\0"u8))
            {
                ReadMpfIndex(bytes[4..], at + 4);
            }
        }
        else if (CheckUnknownSize(_segmentLength - 2, where, _segmentAt))
        {
            CheckCarried(bytes, where, _segmentAt);
            var nul = bytes[..Math.Min(bytes.Length, 32)].IndexOf((byte)0);
            if (nul >= 0)
            {
                // After the identifier string many APPn payloads carry their data.
                CheckCarried(bytes[(nul + 1)..], where, _segmentAt);
            }
        }

        Skip(_segmentLength - 2 - bytes.Length);
        AfterSegment();
    }

    private void AfterSegment()
    {
        if (_marker == 0xDA)
        {
            _state = State.Entropy;
            _pendingFF = false;
            return;
        }

        _state = State.Marker;
        Need(1);
    }

    /// <summary>
    /// The Multi-Picture Format index (CIPA DC-007): a TIFF structure whose MP Entry tag (B002) lists each image's size
    /// and offset from the start of this TIFF header (<paramref name="tiffAt"/>); every image but the first lies after EOI.
    /// </summary>
    private void ReadMpfIndex(ReadOnlySpan<byte> tiff, long tiffAt)
    {
        if (tiff.Length < 8 || !(tiff.StartsWith("II*\0"u8) || tiff.StartsWith("MM\0*"u8)))
        {
            return;
        }

        var little = tiff[0] == (byte)'I';
        var ifd = U32(tiff, 4, little);
        if (ifd > (uint)tiff.Length - 2)
        {
            return;
        }

        var count = U16(tiff, (int)ifd, little);
        for (var i = 0; i < count && ifd + 2 + (12 * (i + 1)) <= tiff.Length; i++)
        {
            Budget.Charge(WorkCost.Token);
            var entry = (int)ifd + 2 + (12 * i);
            if (U16(tiff, entry, little) != 0xB002)
            {
                continue;
            }

            var length = U32(tiff, entry + 4, little);
            var at = U32(tiff, entry + 8, little);
            for (var e = 16u; e + 16 <= length && at + e + 16 <= (uint)tiff.Length; e += 16)
            {
                Budget.Charge(WorkCost.Token);
                var offset = U32(tiff, (int)(at + e + 8), little);
                if (offset != 0)
                {
                    _furtherImages.Add(tiffAt + offset);
                }
            }
        }
    }

    private static uint U32(ReadOnlySpan<byte> bytes, int at, bool little) => little ? SniffContext.U32LE(bytes, at) : SniffContext.U32BE(bytes, at);

    private static ushort U16(ReadOnlySpan<byte> bytes, int at, bool little) => little ? SniffContext.U16LE(bytes, at) : SniffContext.U16BE(bytes, at);

    private static bool IsKnown(byte marker, ReadOnlySpan<byte> payload)
    {
        foreach (var (known, identifier) in KnownApplications)
        {
            if (known == marker && payload.StartsWith(identifier))
            {
                return true;
            }
        }

        return false;
    }

    private string SegmentName() => _marker switch
    {
        0xFE => "COM",
        >= 0xE0 and <= 0xEF => string.Create(CultureInfo.InvariantCulture, $"APP{_marker - 0xE0}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"FF{_marker:X2}"),
    };
}
