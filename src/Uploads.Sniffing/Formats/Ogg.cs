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

        return audio > 0 && other == 0 ? Structure(context) : SniffContext.Detected(MediaTypes.OggOther);
    }

    /// <summary>The most of the header packets (identification, comments, setup) read: cover art makes them large.</summary>
    private const int MaxHeaderPacketBytes = 8 * 1024 * 1024;

    /// <summary>The longest Ogg page: its 27-byte header, 255 lacing values and 255 segments of 255 bytes.</summary>
    private const int MaxPageBytes = 27 + 255 + (255 * 255);

    /// <summary>How much of a picture's base64 text is decoded to see what the picture is.</summary>
    private const int PicturePrefixChars = 8 * 1024;

    /// <summary>
    /// Ogg audio (docs/sniffing.md, "Files inside files: audio and video"): the first stream's header packets are
    /// reassembled and their comments read: a <c>METADATA_BLOCK_PICTURE</c> (or a FLAC picture block), and a legacy
    /// <c>COVERART</c>, must be a JPEG, PNG or GIF of its declared type; a FLAC application block must not carry a file.
    /// Then the file must end with a whole page that ends the stream (end-of-stream flag), nothing after it. The pages
    /// between are not read (a long file is not read whole).
    /// </summary>
    private static SniffOutcome Structure(SniffContext context)
    {
        long position = 0;
        uint serial = 0;
        var packet = new List<byte>();
        var packets = 0;
        long assembled = 0;
        var codec = "";
        while (true)
        {
            context.Budget.Charge(WorkCost.Node);
            if (!context.TryRead(position, 27, out var headerMemory, out var missing, 1024 * 1024)
                || !context.TryRead(position, 27 + headerMemory.Span[26], out var withTable, out missing, 1024 * 1024))
            {
                return missing ?? Tail(context);
            }

            var table = withTable.Span[27..];
            var bodyLength = 0;
            foreach (var lacing in table)
            {
                bodyLength += lacing;
            }

            if (!context.TryRead(position, 27 + table.Length + bodyLength, out var pageMemory, out missing, 1024 * 1024))
            {
                return missing ?? Tail(context);
            }

            var page = pageMemory.Span;
            if (!page.StartsWith("OggS"u8))
            {
                return SniffContext.Detected(MediaTypes.Ogg, $"The Ogg file is damaged: no page at offset {position}.");
            }

            var pageSerial = SniffContext.U32LE(page, 14);
            if (position == 0)
            {
                serial = pageSerial;
            }

            position += page.Length;
            if (pageSerial != serial)
            {
                continue;
            }

            var body = page[(27 + table.Length)..];
            context.Budget.ChargeBytes(body.Length, WorkCost.AllocatedByte);
            var offset = 0;
            foreach (var lacing in table)
            {
                packet.AddRange(body.Slice(offset, lacing));
                offset += lacing;
                assembled += lacing;
                if (assembled > MaxHeaderPacketBytes)
                {
                    return SniffContext.Detected(MediaTypes.Ogg, $"The Ogg file's header packets (comments, cover art) are over {MaxHeaderPacketBytes / 1024 / 1024} MiB, too large to check. Re-save it with a smaller cover picture.");
                }

                if (lacing == 255)
                {
                    continue;
                }

                // A packet is complete.
                context.Budget.ChargeBytes(packet.Count, WorkCost.AllocatedByte);
                var data = packet.ToArray();
                packet.Clear();
                if (packets++ == 0)
                {
                    codec = data.AsSpan().StartsWith("\x01vorbis"u8) ? "vorbis" : data.AsSpan().StartsWith("OpusHead"u8) ? "opus"
                        : data.AsSpan().StartsWith(FlacMapping) ? "flac" : data.AsSpan().StartsWith("Speex   "u8) ? "speex" : "";
                    continue;
                }

                var (verdict, done) = HeaderPacket(context, codec, data, position);
                if (verdict is not null)
                {
                    return verdict;
                }

                if (done)
                {
                    return Tail(context);
                }
            }
        }
    }

    /// <summary>A header packet after the identification one: its verdict (null: fine) and whether the headers are over.</summary>
    private static (SniffOutcome? Verdict, bool Done) HeaderPacket(SniffContext context, string codec, byte[] data, long pageEnd)
    {
        var where = Carried.At("the Ogg comment header", pageEnd);
        switch (codec)
        {
            case "vorbis" when data.AsSpan().StartsWith("\x03vorbis"u8):
                return (Comments(context, data.AsSpan(7), where), true);
            case "opus" when data.AsSpan().StartsWith("OpusTags"u8):
                return (Comments(context, data.AsSpan(8), where), true);
            case "speex":
                return (Comments(context, data, where), true);
            case "flac" when data.Length >= 4:
                var type = data[0] & 0x7F;
                var last = (data[0] & 0x80) != 0;
                var block = data.AsSpan(4);
                SniffOutcome? verdict = type switch
                {
                    4 => Comments(context, block, where),
                    6 => Picture(block, null, Carried.At("the FLAC picture block", pageEnd)),
                    2 => Carried.Identify(block.Length > 4 ? block[4..] : []) is { } found ? SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal(found, Carried.At("the FLAC application block", pageEnd))) : null,
                    _ => null,
                };
                return (verdict, last);
            default:
                return (null, codec is not "flac");
        }
    }

    /// <summary>A Vorbis comment list: its pictures checked.</summary>
    private static SniffOutcome.Detected? Comments(SniffContext context, ReadOnlySpan<byte> data, string where)
    {
        if (data.Length < 8)
        {
            return null;
        }

        var vendor = SniffContext.U32LE(data, 0);
        if (vendor > data.Length - 8)
        {
            return SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal("a damaged comment list", where));
        }

        var at = 4 + (int)vendor;
        var count = SniffContext.U32LE(data, at);
        at += 4;
        string? coverMime = null;
        for (var i = 0u; i < count && at + 4 <= data.Length; i++)
        {
            context.Budget.Charge(WorkCost.Node);
            var length = SniffContext.U32LE(data, at);
            if (length > data.Length - at - 4)
            {
                return SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal("a damaged comment list", where));
            }

            var comment = data.Slice(at + 4, (int)length);
            at += 4 + (int)length;
            var equals = comment[..Math.Min(comment.Length, 64)].IndexOf((byte)'=');
            if (equals < 0)
            {
                continue;
            }

            var key = System.Text.Encoding.ASCII.GetString(comment[..equals]).ToUpperInvariant();
            var value = comment[(equals + 1)..];
            if (key == "COVERARTMIME")
            {
                coverMime = System.Text.Encoding.ASCII.GetString(value[..Math.Min(value.Length, 64)]).Trim().ToLowerInvariant();
            }

            if (key is not ("METADATA_BLOCK_PICTURE" or "COVERART"))
            {
                continue;
            }

            // Decode the start only: enough for the picture block's header and the picture's first bytes.
            var prefix = value[..(Math.Min(value.Length, PicturePrefixChars) / 4 * 4)];
            context.Budget.ChargeBytes(prefix.Length, WorkCost.DecodedByte);
            var decoded = new byte[prefix.Length / 4 * 3];
            if (System.Buffers.Text.Base64.DecodeFromUtf8(prefix, decoded, out _, out var written, isFinalBlock: false) != System.Buffers.OperationStatus.Done && written == 0)
            {
                return SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal("a picture comment that is not base64", Carried.At($"the comment {key}", 0)));
            }

            var verdict = key == "COVERART"
                ? Image(decoded.AsSpan(0, written), coverMime ?? "", Carried.At("the comment COVERART", 0))
                : Picture(decoded.AsSpan(0, written), null, Carried.At("the comment METADATA_BLOCK_PICTURE", 0));
            if (verdict is not null)
            {
                return verdict;
            }
        }

        return null;
    }

    /// <summary>A FLAC picture block (type, MIME type, description, dimensions, data): its data a JPEG, PNG or GIF of its type.</summary>
    private static SniffOutcome.Detected? Picture(ReadOnlySpan<byte> block, string? mime, string where)
    {
        if (block.Length < 8)
        {
            return SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal("a damaged picture", where));
        }

        var mimeLength = SniffContext.U32BE(block, 4);
        if (mimeLength > block.Length - 12)
        {
            return SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal("a damaged picture", where));
        }

        mime ??= System.Text.Encoding.ASCII.GetString(block.Slice(8, (int)mimeLength)).Trim().ToLowerInvariant();
        var at = 8 + (int)mimeLength;
        var descriptionLength = SniffContext.U32BE(block, at);
        if (descriptionLength > block.Length - at - 4 - 20)
        {
            return SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal("a damaged picture", where));
        }

        at += 4 + (int)descriptionLength + 20;
        return Image(block[at..], mime, where);
    }

    private static SniffOutcome.Detected? Image(ReadOnlySpan<byte> data, string declared, string where) =>
        StructureWalk.PictureProblem(data, declared) is { } problem ? SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal(problem, where)) : null;

    /// <summary>The file's last page: whole, valid, ending the stream, and ending exactly at the file's end.</summary>
    private static SniffOutcome Tail(SniffContext context)
    {
        if (!context.TryGetTail(MaxPageBytes + StructureWalk.PeekBytes, out var tailMemory, out var missing))
        {
            return missing;
        }

        var tail = tailMemory.Span;
        var tailStart = context.Total!.Value - tail.Length;
        context.Budget.ChargeBytes(tail.Length);
        var lastEnd = -1;
        for (var at = tail.LastIndexOf("OggS"u8); at >= 0; at = tail[..at].LastIndexOf("OggS"u8))
        {
            context.Budget.Charge(WorkCost.Node);
            var page = tail[at..];
            if (page.Length < 27 || page.Length < 27 + page[26])
            {
                continue;
            }

            var length = 27 + page[26];
            foreach (var lacing in page.Slice(27, page[26]))
            {
                length += lacing;
            }

            if (length > page.Length || Crc(page[..length]) != SniffContext.U32LE(page, 22))
            {
                continue;
            }

            if (at + length == tail.Length)
            {
                return (page[5] & 0x04) != 0
                    ? SniffContext.Detected(MediaTypes.Ogg)
                    : SniffContext.Detected(MediaTypes.Ogg, "The Ogg file does not end its stream (its last page has no end-of-stream flag): it is truncated or was cut from a live stream. Upload the complete file.");
            }

            lastEnd = Math.Max(lastEnd, at + length);
        }

        var trailing = Math.Max(0, lastEnd);
        var found = Carried.Identify(tail[trailing..]);
        if (found is null && Carried.FindZipEnd(tail[..Math.Min(tail.Length, Carried.ZipEndSearchBytes + 22)], context.Budget) >= 0)
        {
            found = "a ZIP archive";
        }

        return SniffContext.Detected(MediaTypes.Ogg, Carried.Refusal(found ?? "data after the last Ogg page", Carried.At("the bytes after the last Ogg page", tailStart + trailing)));
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

    internal static uint Crc(ReadOnlySpan<byte> page)
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
