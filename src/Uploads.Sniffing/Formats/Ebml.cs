using System.Text;

namespace Uploads.Sniffing.Formats;

/// <summary>EBML (Matroska, WebM): the EBML header's DocType decides; a Segment must follow the header.</summary>
internal static class Ebml
{
    private const uint DocTypeId = 0x4282;
    private const uint SegmentId = 0x18538067;

    public static SniffOutcome? Detect(SniffContext context)
    {
        var head = context.Head.Span;
        var position = 4;
        if (!TryReadSize(head, ref position, out var headerSize) || headerSize > 4096 || position + (long)headerSize > head.Length)
        {
            return null;
        }

        var end = position + (int)headerSize;
        string? docType = null;
        while (position < end)
        {
            // The header's children only (at most 4 KiB of them): no nesting is followed.
            context.Budget.Charge(WorkCost.Node);
            if (!TryReadId(head, ref position, out var id) || !TryReadSize(head, ref position, out var size) || position + (long)size > end)
            {
                return null;
            }

            if (id == DocTypeId)
            {
                context.Budget.ChargeBytes((long)size, WorkCost.AllocatedByte);
                docType = Encoding.ASCII.GetString(head.Slice(position, (int)size)).TrimEnd('\0');
            }

            position += (int)size;
        }

        if (end < head.Length)
        {
            var next = end;
            if (!TryReadId(head, ref next, out var segment) || segment != SegmentId)
            {
                return null;
            }
        }

        return docType switch
        {
            "matroska" => SniffContext.Detected(MediaTypes.Matroska),
            "webm" => SniffContext.Detected(MediaTypes.WebM),
            _ => SniffContext.Detected(MediaTypes.Ebml),
        };
    }

    /// <summary>An element id: a variable-length integer with its marker bits kept (1 to 4 bytes).</summary>
    private static bool TryReadId(ReadOnlySpan<byte> data, ref int position, out uint id)
    {
        id = 0;
        if (position >= data.Length || data[position] == 0)
        {
            return false;
        }

        var length = System.Numerics.BitOperations.LeadingZeroCount((uint)data[position]) - 24 + 1;
        if (length > 4 || position + length > data.Length)
        {
            return false;
        }

        for (var i = 0; i < length; i++)
        {
            id = (id << 8) | data[position + i];
        }

        position += length;
        return true;
    }

    /// <summary>An element size: a variable-length integer with its marker bit removed (1 to 8 bytes).</summary>
    private static bool TryReadSize(ReadOnlySpan<byte> data, ref int position, out ulong size)
    {
        size = 0;
        if (position >= data.Length || data[position] == 0)
        {
            return false;
        }

        var length = System.Numerics.BitOperations.LeadingZeroCount((uint)data[position]) - 24 + 1;
        if (position + length > data.Length)
        {
            return false;
        }

        size = (ulong)(data[position] & (0xFF >> length));
        for (var i = 1; i < length; i++)
        {
            size = (size << 8) | data[position + i];
        }

        position += length;
        return size <= int.MaxValue;
    }
}
