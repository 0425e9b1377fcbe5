namespace Uploads.Sniffing.Formats;

/// <summary>PNG, GIF and JPEG: signature plus the first structures after it.</summary>
internal static class Images
{
    public static SniffOutcome.Detected? Png(ReadOnlySpan<byte> head)
    {
        // Signature, then the IHDR chunk: length 13, non-zero dimensions, a valid bit depth and colour type.
        if (head.Length < 33 || SniffContext.U32BE(head, 8) != 13 || !head[12..].StartsWith("IHDR"u8))
        {
            return null;
        }

        var width = SniffContext.U32BE(head, 16);
        var height = SniffContext.U32BE(head, 20);
        var depth = head[24];
        var colour = head[25];
        var valid = width is > 0 and <= int.MaxValue && height is > 0 and <= int.MaxValue
            && depth is 1 or 2 or 4 or 8 or 16 && colour is 0 or 2 or 3 or 4 or 6;
        return valid ? SniffContext.Detected(MediaTypes.Png) : null;
    }

    public static SniffOutcome.Detected? Gif(ReadOnlySpan<byte> head, bool headIsWholeFile)
    {
        // Header (6), logical screen descriptor (7), optional global colour table, then a block introducer.
        if (head.Length < 13)
        {
            return null;
        }

        var flags = head[10];
        var next = 13 + ((flags & 0x80) != 0 ? 3 * (1 << ((flags & 7) + 1)) : 0);
        if (next >= head.Length)
        {
            return headIsWholeFile ? null : SniffContext.Detected(MediaTypes.Gif);
        }

        return head[next] is 0x2C or 0x21 or 0x3B ? SniffContext.Detected(MediaTypes.Gif) : null;
    }

    public static SniffOutcome.Detected? Jpeg(ReadOnlySpan<byte> head, bool headIsWholeFile, WorkBudget budget)
    {
        // Walk the marker segments after SOI until a frame header (SOFn) or scan (SOS): every segment must be well formed.
        // Within the head only: a segment's body is skipped, a fill byte or a marker without a body is one step.
        var position = 2;
        var segments = 0;
        while (position + 4 <= head.Length)
        {
            budget.Charge(WorkCost.ScanByte);
            if (head[position] != 0xFF)
            {
                return null;
            }

            var marker = head[position + 1];
            if (marker == 0xFF)
            {
                position++; // fill byte
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                position += 2;
                continue;
            }

            if (marker is 0x00 or 0xD8 or 0xD9)
            {
                return null;
            }

            var length = SniffContext.U16BE(head, position + 2);
            if (length < 2)
            {
                return null;
            }

            if (marker is 0xDA || (marker is >= 0xC0 and <= 0xCF && marker is not (0xC4 or 0xC8 or 0xCC)))
            {
                return SniffContext.Detected(MediaTypes.Jpeg);
            }

            budget.Charge(WorkCost.Node);
            segments++;
            position += 2 + length;
        }

        // The head ended inside well-formed segments (large APPn metadata): a JPEG unless the head was the whole file.
        return segments > 0 && !headIsWholeFile ? SniffContext.Detected(MediaTypes.Jpeg) : null;
    }
}
