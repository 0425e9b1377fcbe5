namespace Uploads.Sniffing.Formats;

/// <summary>RIFF, RF64 and BW64 containers: WAVE (chunks walked to <c>fmt </c>), AVI and WEBP.</summary>
internal static class Riff
{
    private const int MaxChunks = 64;

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
                ? SniffContext.Detected(MediaTypes.Avi)
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

                return ValidFormat(format.Span, size) ? SniffContext.Detected(MediaTypes.Wav) : SniffContext.Detected(MediaTypes.Riff);
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
}
