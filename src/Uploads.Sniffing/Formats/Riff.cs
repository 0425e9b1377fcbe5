using System.Globalization;
using Uploads.Sniffing.ActiveContent.Images;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// RIFF, RF64 and BW64 containers: WAVE (chunks walked to <c>fmt </c>), AVI and WEBP. A WAVE or AVI is then walked to
/// its end by its top-level chunks (<see cref="Walk"/>), by range reads: every byte accounted for (docs/sniffing.md,
/// "Files inside files: images and RIFF"). A WebP is walked whole by the second stage (<see cref="WebPScanner"/>).
/// </summary>
internal static class Riff
{
    private const int MaxChunks = 64;

    /// <summary>The most top-level chunks (in all RIFF chunks of an AVI) a walk visits; each may cost a range read.</summary>
    private const int MaxWalkChunks = 256;

    /// <summary>How much a walk reads at a chunk header it does not hold: the small chunks that follow (LIST, id3, cue) come with it.</summary>
    private const int WalkPrefetch = 4096;

    /// <summary>An ID3 tag in a WAVE ('id3 ' chunk) larger than this is refused: cover art fits, a payload does not.</summary>
    private const int MaxId3Bytes = 1024 * 1024;

    /// <summary>WAVE chunks of the specifications and of common writers (Broadcast Wave, iXML, cue points, sampler, padding, ...).</summary>
    private static readonly HashSet<string> WaveChunks = new(StringComparer.Ordinal)
    {
        "fmt ", "data", "fact", "LIST", "bext", "iXML", "cue ", "smpl", "inst", "plst", "acid", "cart", "PEAK", "levl", "axml",
        "umid", "chna", "ds64", "JUNK", "junk", "PAD ", "pad ", "FLLR", "fllr", "_PMX", "DISP", "afsp", "minf", "elm1", "regn",
        "bxml", "labl", "note", "ltxt", "wavl", "slnt",
    };

    /// <summary>AVI top-level chunks: LIST hdrl / movi / INFO, the index, padding.</summary>
    private static readonly HashSet<string> AviChunks = new(StringComparer.Ordinal) { "LIST", "JUNK", "JUNQ", "idx1" };

    public static SniffOutcome? Detect(SniffContext context)
    {
        var head = context.Head.Span;
        var isRiff = head.StartsWith("RIFF"u8);
        var form = head.Slice(8, 4);
        if (form.SequenceEqual("WAVE"u8))
        {
            return Wave(context);
        }

        if (!isRiff)
        {
            return null;
        }

        if (form.SequenceEqual("AVI "u8))
        {
            // The first chunk of an AVI is LIST 'hdrl' starting with the main header 'avih'.
            return head.Length >= 28 && head[12..].StartsWith("LIST"u8) && head[20..].StartsWith("hdrl"u8) && head[24..].StartsWith("avih"u8)
                ? Walk(context, avi: true, 12)
                : SniffContext.Detected(MediaTypes.Riff);
        }

        if (form.SequenceEqual("WEBP"u8))
        {
            return WebP(head) ? SniffContext.Detected(MediaTypes.WebP) : SniffContext.Detected(MediaTypes.Riff);
        }

        return SniffContext.Detected(MediaTypes.Riff);
    }

    private static bool WebP(ReadOnlySpan<byte> head)
    {
        if (head.Length < 30)
        {
            return false;
        }

        var chunk = head.Slice(12, 4);
        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Lossy: a key frame's start code 9D 01 2A after the 3-byte frame tag.
            return head[23] == 0x9D && head[24] == 0x01 && head[25] == 0x2A;
        }

        if (chunk.SequenceEqual("VP8L"u8))
        {
            return head[20] == 0x2F;
        }

        return chunk.SequenceEqual("VP8X"u8) && SniffContext.U32LE(head, 16) >= 10;
    }

    private static SniffOutcome Wave(SniffContext context)
    {
        // Walk chunks (JUNK, bext, ds64, LIST, ...) to 'fmt ', asking for the header of a chunk past the head when needed.
        long position = 12;
        for (var i = 0; i < MaxChunks; i++)
        {
            context.Budget.Charge(WorkCost.Node);
            if (!context.TryRead(position, 8, out var header, out var missing, 64))
            {
                return missing ?? SniffContext.Detected(MediaTypes.Riff);
            }

            var id = header.Span[..4];
            var size = SniffContext.U32LE(header.Span, 4);
            if (!SniffContext.IsFourCc(id))
            {
                return SniffContext.Detected(MediaTypes.Riff);
            }

            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || !context.TryRead(position + 8, 16, out var format, out missing, 64))
                {
                    return missing ?? SniffContext.Detected(MediaTypes.Riff);
                }

                return ValidFormat(format.Span, size) ? Walk(context, avi: false, position) : SniffContext.Detected(MediaTypes.Riff);
            }

            if (id.SequenceEqual("data"u8) || size == uint.MaxValue)
            {
                // Audio data before any format, or a chunk of unknown size: not a playable WAVE.
                return SniffContext.Detected(MediaTypes.Riff);
            }

            position += 8 + size + (size & 1);
        }

        return SniffContext.Detected(MediaTypes.Riff);
    }

    private static bool ValidFormat(ReadOnlySpan<byte> format, uint size)
    {
        var tag = SniffContext.U16LE(format, 0);
        var channels = SniffContext.U16LE(format, 2);
        var sampleRate = SniffContext.U32LE(format, 4);
        var blockAlign = SniffContext.U16LE(format, 12);
        return tag != 0 && channels is > 0 and <= 256 && sampleRate is > 0 and <= 10_000_000 && blockAlign > 0
            && (tag != 0xFFFE || size >= 40);
    }

    /// <summary>
    /// Walks the top-level chunks of a WAVE (from the <c>fmt </c> chunk at <paramref name="from"/>) or an AVI (its first
    /// RIFF chunk, then any 'AVIX' extension chunks) by their sizes, skipping <c>data</c> and <c>movi</c> unread: chunks
    /// this walk does not know hold at most <see cref="Carried.MaxUnknownBytes"/> and not another file, an ID3 tag
    /// (<c>id3 </c>) at most <see cref="MaxId3Bytes"/> and walked by <see cref="Id3"/>'s frame rules, no chunk goes past its RIFF chunk, and
    /// nothing follows the last RIFF chunk but <see cref="Carried.PaddingTolerance"/> zero bytes.
    /// </summary>
    private static SniffOutcome Walk(SniffContext context, bool avi, long from)
    {
        var (mediaType, format) = avi ? (MediaTypes.Avi, "AVI") : (MediaTypes.Wav, "WAV");
        var known = avi ? AviChunks : WaveChunks;
        var head = context.Head.Span;
        var wide = !head.StartsWith("RIFF"u8);
        ulong wideData = 0;
        long riffEnd;
        if (wide)
        {
            // RF64/BW64: the sizes of the RIFF and data chunks are 64-bit, in the ds64 chunk that must come first.
            if (head.Length < 36 || !head[12..].StartsWith("ds64"u8))
            {
                return Refused(format, ImageStructureScanner.DamagedAt(format, 12, "an RF64 file without its ds64 chunk first"));
            }

            riffEnd = 8 + (long)Math.Min(SniffContext.U64LE(head, 20), long.MaxValue / 2);
            wideData = SniffContext.U64LE(head, 28);
        }
        else
        {
            riffEnd = 8L + SniffContext.U32LE(head, 4);
        }

        var position = from;
        var chunks = 0;
        while (true)
        {
            while (position < riffEnd)
            {
                context.Budget.Charge(WorkCost.Node);
                if (++chunks > MaxWalkChunks)
                {
                    return Refused(format, ImageStructureScanner.DamagedAt(format, position, string.Create(CultureInfo.InvariantCulture, $"more than {MaxWalkChunks} top-level chunks")));
                }

                if (!context.TryRead(position, 8, out var header, out var missing, WalkPrefetch))
                {
                    return missing ?? Refused(format, ImageStructureScanner.Incomplete(format, context.Total ?? 0, string.Create(CultureInfo.InvariantCulture, $"its RIFF size says it goes on to offset {riffEnd}")));
                }

                var bytes = header.Span;
                var id = SniffContext.IsFourCc(bytes) ? System.Text.Encoding.ASCII.GetString(bytes[..4]) : Convert.ToHexString(bytes[..4]);
                long size = SniffContext.U32LE(bytes, 4);
                if (wide && id == "data" && size == uint.MaxValue)
                {
                    size = (long)Math.Min(wideData, long.MaxValue / 2);
                }

                var element = string.Create(CultureInfo.InvariantCulture, $"the {format} chunk '{id}'");
                if (!SniffContext.IsFourCc(bytes) || position + 8 + size > riffEnd + 1)
                {
                    return Refused(format, ImageStructureScanner.DamagedAt(format, position, string.Create(CultureInfo.InvariantCulture, $"the chunk '{id}' of {size} bytes goes past the end of its RIFF chunk at offset {riffEnd}")));
                }

                if (!known.Contains(id) && Unknown(context, format, id, element, position, size) is { } refusal)
                {
                    return refusal;
                }

                position += 8 + size + (size & 1);
            }

            // An AVI over 1 GB goes on in 'RIFF AVIX' chunks (OpenDML).
            if (!avi)
            {
                break;
            }

            if (!context.TryRead(riffEnd, 12, out var next, out var more, WalkPrefetch))
            {
                if (more is not null)
                {
                    return more;
                }

                break;
            }

            if (!next.Span.StartsWith("RIFF"u8) || !next.Span[8..].StartsWith("AVIX"u8))
            {
                break;
            }

            position = riffEnd + 12;
            riffEnd = riffEnd + 8 + SniffContext.U32LE(next.Span, 4);
        }

        return AfterEnd(context, format, mediaType, Math.Max(position, riffEnd));
    }

    /// <summary>A chunk the walk does not know: bounded and not another file; an ID3 tag bounded and without a file object.</summary>
    private static SniffOutcome? Unknown(SniffContext context, string format, string id, string element, long position, long size)
    {
        var id3 = id is "id3 " or "ID3 ";
        if (size > (id3 ? MaxId3Bytes : Carried.MaxUnknownBytes))
        {
            return Refused(format, Carried.Refusal(id3 ? string.Create(CultureInfo.InvariantCulture, $"an ID3 tag of {size:N0} bytes (more than the {MaxId3Bytes:N0} allowed)") : Carried.UnknownData(format, size), Carried.At(element, position)));
        }

        var want = id3 ? (int)size : (int)Math.Min(size, Carried.PeekBytes);
        if (!context.TryRead(position + 8, want, out var payload, out var missing, 0))
        {
            return missing ?? Refused(format, ImageStructureScanner.Incomplete(format, context.Total ?? 0, string.Create(CultureInfo.InvariantCulture, $"inside the chunk '{id}' at offset {position}")));
        }

        context.Budget.ChargeBytes(want);
        if (Carried.Identify(payload.Span) is { } found)
        {
            return Refused(format, Carried.Refusal(found, Carried.At(element, position)));
        }

        // An ID3 tag in a chunk gets the same frame rules as one at the head of an MP3 (Id3: no GEOB, pictures that are images).
        return id3 && payload.Length >= 10 && payload.Span.StartsWith("ID3"u8)
            ? Id3.Check(context, format == "AVI" ? MediaTypes.Avi : MediaTypes.Wav, position + 8, payload.Span[..10])
            : null;
    }

    /// <summary>After the last RIFF chunk: nothing, a pad byte, or at most <see cref="Carried.PaddingTolerance"/> zero bytes.</summary>
    private static SniffOutcome AfterEnd(SniffContext context, string format, string mediaType, long end)
    {
        if (context.Total is not { } total)
        {
            // Streaming: decided once the end is known.
            return new SniffOutcome.NeedBytes(new ByteRange(-Carried.PaddingTolerance - 1, Carried.PaddingTolerance + 1));
        }

        if (total < end)
        {
            return Refused(format, ImageStructureScanner.Incomplete(format, total, string.Create(CultureInfo.InvariantCulture, $"its chunks go on to offset {end}")), mediaType);
        }

        if (total == end)
        {
            return SniffContext.Detected(mediaType);
        }

        var length = (int)Math.Min(total - end, Carried.PaddingTolerance + 1);
        if (!context.TryRead(end, length, out var trailing, out var missing, 0))
        {
            return missing ?? SniffContext.Detected(mediaType);
        }

        context.Budget.ChargeBytes(length);
        var nonZero = trailing.Span.IndexOfAnyExcept((byte)0);
        if (nonZero < 0 && total - end <= Carried.PaddingTolerance)
        {
            return SniffContext.Detected(mediaType);
        }

        var at = nonZero < 0 ? end : end + nonZero;
        var found = nonZero < 0 ? string.Create(CultureInfo.InvariantCulture, $"more than {Carried.PaddingTolerance:N0} bytes of padding") : Carried.Identify(trailing.Span[nonZero..]) ?? "data";
        return Refused(format, Carried.Refusal(found, string.Create(CultureInfo.InvariantCulture, $"after the end of the {format}, at offset {at}")), mediaType);
    }

    private static SniffOutcome.Detected Refused(string format, string refusal, string? mediaType = null) =>
        SniffContext.Detected(mediaType ?? (format == "AVI" ? MediaTypes.Avi : MediaTypes.Wav), refusal);
}
