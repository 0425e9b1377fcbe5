namespace Uploads.Sniffing.Formats;

/// <summary>Binary formats recognised by a signature at (or near) the start, each confirmed by its structure.</summary>
internal static class Signatures
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> Ole2Signature => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    private static ReadOnlySpan<byte> AsfSignature => [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11];

    private static ReadOnlySpan<byte> SevenZipSignature => [(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C];

    private static ReadOnlySpan<byte> XzSignature => [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00];

    public static SniffOutcome? Detect(SniffContext context)
    {
        var head = context.Head.Span;

        if (head.StartsWith(PngSignature))
        {
            return Images.Png(head);
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return Images.Gif(head, context.HeadIsWholeFile);
        }

        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        {
            return Images.Jpeg(head, context.HeadIsWholeFile, context.Budget);
        }

        if (head.Length >= 12 && (head.StartsWith("RIFF"u8) || head.StartsWith("RF64"u8) || head.StartsWith("BW64"u8)))
        {
            return Riff.Detect(context);
        }

        if (head.Length >= 12 && head[4..].StartsWith("ftyp"u8))
        {
            return IsoBmff.Detect(context);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
        {
            return Ebml.Detect(context);
        }

        if (head.StartsWith("OggS"u8))
        {
            return Ogg.Detect(context);
        }

        if (head.StartsWith(Ole2Signature))
        {
            return Ole2.Detect(context);
        }

        if (Zip.StartsArchive(head))
        {
            return Zip.Detect(context);
        }

        if (head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0))
        {
            var audio = MpegAudio.Detect(context);
            if (audio is not null)
            {
                return audio;
            }
        }

        if (Pdf(head, context.Budget) is { } pdf)
        {
            return pdf;
        }

        if (IsoBmff.DetectClassicQuickTime(context) is { } quickTime)
        {
            return quickTime;
        }

        return Foreign(head) is { } foreign ? SniffContext.Detected(foreign) : null;
    }

    /// <summary><c>%PDF-</c> followed by a version (<c>1.7</c>) within the first 1024 bytes, as PDF readers accept.</summary>
    private static SniffOutcome.Detected? Pdf(ReadOnlySpan<byte> head, WorkBudget budget)
    {
        // Each search resumes after the last match: the window is looked at once.
        var window = head[..Math.Min(head.Length, 1024)];
        budget.ChargeBytes(window.Length);
        var at = window.IndexOf("%PDF-"u8);
        while (at >= 0)
        {
            var rest = head[(at + 5)..];
            if (rest.Length >= 3 && char.IsAsciiDigit((char)rest[0]) && rest[1] == '.' && char.IsAsciiDigit((char)rest[2]))
            {
                return SniffContext.Detected(MediaTypes.Pdf);
            }

            var next = window[(at + 1)..].IndexOf("%PDF-"u8);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return null;
    }

    /// <summary>
    /// Formats that are never allowed, named so that an error can say what the file is; null when none matches.
    /// Also what a carried payload's first bytes say it is (<see cref="Carried.Identify"/>).
    /// </summary>
    internal static string? Foreign(ReadOnlySpan<byte> head)
    {
        string? type = null;
        if (head.StartsWith("MZ"u8) && head.Length >= 0x40)
        {
            var peOffset = SniffContext.U32LE(head, 0x3C);
            if (peOffset <= (uint)head.Length - 4 && head[(int)peOffset..].StartsWith("PE\0\0"u8))
            {
                type = MediaTypes.Exe;
            }
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0x7F, (byte)'E', (byte)'L', (byte)'F']) && head.Length >= 16 && head[4] is 1 or 2 && head[5] is 1 or 2)
        {
            type = MediaTypes.Elf;
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xED, 0xFA, 0xCE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xED, 0xFA, 0xCF])
            || head.StartsWith((ReadOnlySpan<byte>)[0xCE, 0xFA, 0xED, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xCF, 0xFA, 0xED, 0xFE]))
        {
            type = MediaTypes.MachO;
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B, 0x08]))
        {
            type = "application/gzip";
        }
        else if (head.Length >= 4 && head.StartsWith("BZh"u8) && head[3] is >= (byte)'1' and <= (byte)'9')
        {
            type = "application/x-bzip2";
        }
        else if (head.StartsWith(SevenZipSignature))
        {
            type = "application/x-7z-compressed";
        }
        else if (head.StartsWith(XzSignature))
        {
            type = "application/x-xz";
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
        {
            type = "application/zstd";
        }
        else if (head.StartsWith("Rar!\x1A\x07"u8))
        {
            type = "application/vnd.rar";
        }
        else if (head.StartsWith("fLaC"u8))
        {
            type = "audio/flac";
        }
        else if (head.Length >= 12 && head.StartsWith("FORM"u8) && (head[8..].StartsWith("AIFF"u8) || head[8..].StartsWith("AIFC"u8)))
        {
            type = "audio/aiff";
        }
        else if (head.StartsWith("MThd\0\0\0\x06"u8))
        {
            type = "audio/midi";
        }
        else if (head.StartsWith("#!AMR"u8))
        {
            type = "audio/amr";
        }
        else if (head.StartsWith("FLV\x01"u8))
        {
            type = "video/x-flv";
        }
        else if (head.StartsWith(AsfSignature))
        {
            type = "video/x-ms-asf";
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0x01, 0xBA]))
        {
            type = "video/mpeg";
        }
        else if (IsTransportStream(head))
        {
            type = "video/mp2t";
        }
        else if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8))
        {
            type = "image/tiff";
        }
        else if (head.StartsWith("8BPS"u8))
        {
            type = "image/vnd.adobe.photoshop";
        }
        else if (head.StartsWith("wOFF"u8) || head.StartsWith("wOF2"u8))
        {
            type = "font/woff";
        }
        else if (IsBmp(head))
        {
            type = "image/bmp";
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0x00, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' ']))
        {
            type = "image/jp2";
        }

        return type;
    }

    private static bool IsTransportStream(ReadOnlySpan<byte> head)
    {
        if (head.Length < 188 * 4)
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            if (head[i * 188] != 0x47)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsBmp(ReadOnlySpan<byte> head) =>
        head.Length >= 26 && head.StartsWith("BM"u8) && SniffContext.U32LE(head, 6) == 0
        && SniffContext.U32LE(head, 14) is 12 or 40 or 52 or 56 or 64 or 108 or 124;
}
