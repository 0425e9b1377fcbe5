namespace Uploads.Sniffing.Formats;

/// <summary>
/// Ogg: well-formed <c>OggS</c> pages with valid CRCs. The beginning-of-stream pages name the codecs:
/// Vorbis, Opus, FLAC, Speex → audio/ogg; Theora or another video codec → video/ogg.
/// </summary>
internal static class Ogg
{
    private const int MaxPages = 16;
    private static readonly uint[] CrcTable = BuildCrcTable();

    public static SniffOutcome? Detect(SniffContext context)
    {
        long position = 0;
        var audio = 0;
        var video = 0;
        var other = 0;
        for (var page = 0; page < MaxPages; page++)
        {
            context.Budget.Charge(WorkCost.Node);
            if (context.Total is { } total && position == total)
            {
                break; // the whole file was walked
            }

            if (!context.TryRead(position, 27, out var headerMemory, out var missing))
            {
                if (missing is not null)
                {
                    return missing;
                }

                return page == 0 ? null : SniffContext.Detected(MediaTypes.OggOther, "The Ogg file is truncated.");
            }

            var header = headerMemory.Span;
            if (!header.StartsWith("OggS"u8) || header[4] != 0 || header[5] > 7)
            {
                return page == 0 ? null : SniffContext.Detected(MediaTypes.OggOther);
            }

            var segmentCount = header[26];
            if (!context.TryRead(position, 27 + segmentCount, out var withTable, out missing))
            {
                return missing ?? (page == 0 ? null : SniffContext.Detected(MediaTypes.OggOther, "The Ogg file is truncated."));
            }

            var bodyLength = 0;
            context.Budget.ChargeBytes(segmentCount);
            foreach (var lacing in withTable.Span[27..])
            {
                bodyLength += lacing;
            }

            var pageLength = 27 + segmentCount + bodyLength;
            if (!context.TryRead(position, pageLength, out var pageMemory, out missing))
            {
                return missing ?? (page == 0 ? null : SniffContext.Detected(MediaTypes.OggOther, "The Ogg file is truncated."));
            }

            var bytes = pageMemory.Span;
            context.Budget.ChargeBytes(bytes.Length);
            if (Crc(bytes) != SniffContext.U32LE(bytes, 22))
            {
                return page == 0 ? null : SniffContext.Detected(MediaTypes.OggOther);
            }

            var beginsStream = (bytes[5] & 0x02) != 0;
            if (page == 0 && !beginsStream)
            {
                return null;
            }

            if (!beginsStream)
            {
                // Past the beginning-of-stream pages: every codec is known.
                break;
            }

            var packet = bytes[(27 + segmentCount)..];
            switch (Codec(packet))
            {
                case Kind.Audio:
                    audio++;
                    break;
                case Kind.Video:
                    video++;
                    break;
                case Kind.Other:
                    other++;
                    break;
                default:
                    break; // skeleton
            }

            position += pageLength;
        }

        if (video > 0)
        {
            return SniffContext.Detected(MediaTypes.OggVideo);
        }

        return audio > 0 && other == 0 ? SniffContext.Detected(MediaTypes.Ogg) : SniffContext.Detected(MediaTypes.OggOther);
    }

    private enum Kind
    {
        Ignored,
        Audio,
        Video,
        Other,
    }

    private static Kind Codec(ReadOnlySpan<byte> packet)
    {
        if (packet.StartsWith("\x01vorbis"u8) || packet.StartsWith("OpusHead"u8) || packet.StartsWith(FlacMapping)
            || packet.StartsWith("fLaC"u8) || packet.StartsWith("Speex   "u8))
        {
            return Kind.Audio;
        }

        if (packet.StartsWith(TheoraHeader) || packet.StartsWith("BBCD\0"u8) || packet.StartsWith(DaalaHeader) || packet.StartsWith("\x01video\0\0\0"u8))
        {
            return Kind.Video;
        }

        return packet.StartsWith("fishead\0"u8) || packet.StartsWith("fisbone\0"u8) ? Kind.Ignored : Kind.Other;
    }

    private static ReadOnlySpan<byte> FlacMapping => [0x7F, (byte)'F', (byte)'L', (byte)'A', (byte)'C'];

    private static ReadOnlySpan<byte> TheoraHeader => [0x80, (byte)'t', (byte)'h', (byte)'e', (byte)'o', (byte)'r', (byte)'a'];

    private static ReadOnlySpan<byte> DaalaHeader => [0x80, (byte)'d', (byte)'a', (byte)'a', (byte)'l', (byte)'a'];

    private static uint Crc(ReadOnlySpan<byte> page)
    {
        uint crc = 0;
        for (var i = 0; i < page.Length; i++)
        {
            var b = i is >= 22 and < 26 ? (byte)0 : page[i];
            crc = (crc << 8) ^ CrcTable[(int)(((crc >> 24) & 0xFF) ^ b)];
        }

        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var r = i << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04C11DB7 : r << 1;
            }

            table[i] = r;
        }

        return table;
    }
}
