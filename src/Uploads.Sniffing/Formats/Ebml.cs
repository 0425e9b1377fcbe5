using System.Text;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// EBML (Matroska, WebM): the EBML header's DocType decides; a Segment must follow the header. A Matroska file's
/// Segment is then walked element by element to its end (<see cref="Walked"/>).
/// </summary>
internal static class Ebml
{
    private const uint DocTypeId = 0x4282;
    private const uint SegmentId = 0x18538067;
    private const uint ClusterId = 0x1F43B675;
    private const uint AttachmentsId = 0x1941A469;
    private const uint AttachedFileId = 0x61A7;
    private const uint FileNameId = 0x466E;
    private const uint FileMimeTypeId = 0x4660;
    private const uint FileDataId = 0x465C;
    private const uint VoidId = 0xEC;

    /// <summary>The longest element header: a 4-byte id and an 8-byte size.</summary>
    private const int MaxHeaderBytes = 12;

    /// <summary>The most attached files walked (fonts: a subtitled film carries a few dozen at most).</summary>
    private const int MaxAttachedFiles = 1024;

    /// <summary>The longest attachment name or type read.</summary>
    private const int MaxNameBytes = 1024;

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
            "matroska" => Walked(context, end),
            "webm" => SniffContext.Detected(MediaTypes.WebM),
            _ => SniffContext.Detected(MediaTypes.Ebml),
        };
    }

    /// <summary>
    /// A Matroska file whose Segment accounts for every byte: each of its elements walked by its size (Clusters
    /// skipped, one read per header not held, resumed where the last round stopped; the SeekHead is not trusted for
    /// coverage), no element of unknown size but the Segment itself (then it runs to the end of the file), unknown
    /// elements up to <see cref="StructureWalk.MaxOpaqueBytes"/> and Void up to <see cref="StructureWalk.MaxPaddingBytes"/>
    /// without another file's signature, each attached file a font by its bytes (whatever its declared name and type),
    /// and nothing after the Segment.
    /// </summary>
    private static SniffOutcome Walked(SniffContext context, int segmentAt)
    {
        const string Type = MediaTypes.Matroska;
        var walk = StructureWalk.State<SegmentWalk>(context);
        if (walk.Position == 0)
        {
            if (!context.TryRead(segmentAt, MaxHeaderBytes, out var header, out var missing, ContentSniffer.WalkReadBytes))
            {
                return missing ?? Damaged("Segment", segmentAt);
            }

            if (!TryHeader(header.Span, out _, out var size, out var length))
            {
                return Damaged("Segment", segmentAt);
            }

            walk.Position = segmentAt + length;
            walk.End = size is { } known ? walk.Position + (long)known : null;
        }

        if (walk.End is { } segmentEnd && context.Total is { } fileLength && segmentEnd > fileLength)
        {
            return Damaged("Segment", segmentAt);
        }

        while (true)
        {
            context.Budget.Charge(WorkCost.Node);
            var at = walk.Position;
            var end = walk.End ?? context.Total;
            if (at == end)
            {
                if (context.Total is { } total && at == total)
                {
                    return SniffContext.Detected(Type);
                }

                // The Segment is over: the file must be too.
                if (!context.TryRead(at, 1, out _, out var after, ContentSniffer.WalkReadBytes))
                {
                    return after ?? SniffContext.Detected(Type);
                }

                return StructureWalk.Trailing(context, Type, at, "the bytes after the Matroska segment", "data after the end of the video");
            }

            var want = end is { } limit ? (int)Math.Min(MaxHeaderBytes, limit - at) : MaxHeaderBytes;
            if (!context.TryRead(at, want, out var bytes, out var need, ContentSniffer.WalkReadBytes))
            {
                if (need is not null)
                {
                    return need;
                }

                // The stream ended inside an element header (the Segment's size unknown, or larger than the file).
                return walk.End is null && context.Total == at ? SniffContext.Detected(Type) : Damaged("Segment", segmentAt);
            }

            if (!TryHeader(bytes.Span, out var id, out var elementSize, out var headerLength))
            {
                return Damaged("element", at);
            }

            if (elementSize is not { } size)
            {
                return SniffContext.Detected(Type, $"The Matroska file has an element of unknown size at offset {at} (a live stream's {(id == ClusterId ? "cluster" : "element")}), so its end cannot be found without reading it all. Remux it to a file (for example `mkvmerge -o out.mkv in.mkv` or `ffmpeg -i in.mkv -c copy out.mkv`) and upload that.");
            }

            var payload = at + headerLength;
            if (size > long.MaxValue / 4 || (end is { } bound && payload + (long)size > bound))
            {
                return Damaged("element", at);
            }

            switch (id)
            {
                case ClusterId or 0x114D9B74 or 0x1549A966 or 0x1654AE6B or 0x1C53BB6B or 0x1043A770 or 0x1254C367 or 0xBF:
                    // Cluster, SeekHead, Info, Tracks, Cues, Chapters, Tags, CRC-32: the video's own.
                    break;
                case AttachmentsId:
                    if (Attachments(context, payload, (long)size) is { } verdict)
                    {
                        return verdict;
                    }

                    break;
                default:
                    var padding = id == VoidId;
                    var most = padding ? StructureWalk.MaxPaddingBytes : StructureWalk.MaxOpaqueBytes;
                    if (!StructureWalk.TryIdentify(context, payload, (long)size, out var found, out var missing))
                    {
                        return missing!;
                    }

                    if (found is not null || (long)size > most)
                    {
                        var what = padding ? "Void element" : $"unknown element 0x{id:X}";
                        return SniffContext.Detected(Type, Carried.Refusal(
                            found ?? $"a {what} of {size} bytes (over the {most / 1024} KiB that ordinary files write)",
                            Carried.At($"the Matroska {what}", at)));
                    }

                    break;
            }

            walk.Position = payload + (long)size;
            if (StructureWalk.TooMany(++walk.Elements, walk.Position, "Matroska elements") is { } tooMany)
            {
                return SniffContext.Detected(Type, tooMany);
            }
        }
    }

    /// <summary>
    /// Each attached file of the Attachments element at <paramref name="start"/> (<paramref name="size"/> bytes): a font
    /// (TrueType, OpenType, a collection, WOFF) by its first bytes, or refused naming what it is. Null when all are fonts.
    /// </summary>
    private static SniffOutcome? Attachments(SniffContext context, long start, long size)
    {
        var end = start + size;
        var files = 0;
        for (var at = start; at < end;)
        {
            context.Budget.Charge(WorkCost.Node);
            if (!context.TryRead(at, (int)Math.Min(MaxHeaderBytes, end - at), out var bytes, out var missing, ContentSniffer.WalkReadBytes))
            {
                return missing ?? Damaged("Attachments", start);
            }

            if (!TryHeader(bytes.Span, out var id, out var childSize, out var length) || childSize is not { } fileSize || at + length + (long)fileSize > end)
            {
                return Damaged("Attachments", start);
            }

            if (id == AttachedFileId)
            {
                if (++files > MaxAttachedFiles)
                {
                    return SniffContext.Detected(MediaTypes.Matroska, $"The Matroska file has more than {MaxAttachedFiles} attached files. Upload it without them (`mkvpropedit --delete-attachment`).");
                }

                if (AttachedFile(context, at, at + length, (long)fileSize) is { } verdict)
                {
                    return verdict;
                }
            }
            else if (id != VoidId && id != 0xBF)
            {
                return SniffContext.Detected(MediaTypes.Matroska, Carried.Refusal($"an unknown element 0x{id:X}", Carried.At("the Matroska attachments", at)));
            }

            at += length + (long)fileSize;
        }

        return null;
    }

    private static SniffOutcome? AttachedFile(SniffContext context, long fileAt, long start, long size)
    {
        var end = start + size;
        string? name = null;
        string? mime = null;
        long dataAt = -1;
        long dataSize = 0;
        for (var at = start; at < end;)
        {
            context.Budget.Charge(WorkCost.Node);
            if (!context.TryRead(at, (int)Math.Min(MaxHeaderBytes, end - at), out var bytes, out var missing, ContentSniffer.WalkReadBytes))
            {
                return missing ?? Damaged("AttachedFile", fileAt);
            }

            if (!TryHeader(bytes.Span, out var id, out var childSize, out var length) || childSize is not { } known || at + length + (long)known > end)
            {
                return Damaged("AttachedFile", fileAt);
            }

            if (id is FileNameId or FileMimeTypeId && known <= MaxNameBytes)
            {
                if (!context.TryRead(at + length, (int)known, out var text, out missing, ContentSniffer.WalkReadBytes))
                {
                    return missing ?? Damaged("AttachedFile", fileAt);
                }

                context.Budget.ChargeBytes((long)known, WorkCost.AllocatedByte);
                var value = System.Text.Encoding.UTF8.GetString(text.Span).TrimEnd('\0');
                if (id == FileNameId)
                {
                    name = value;
                }
                else
                {
                    mime = value;
                }
            }
            else if (id == FileDataId)
            {
                dataAt = at + length;
                dataSize = (long)known;
            }

            at += length + (long)known;
        }

        var described = $"the Matroska attachment '{Printable(name)}' ({Printable(mime)})";
        if (dataAt < 0)
        {
            return null;
        }

        if (!context.TryRead(dataAt, (int)Math.Min(8, dataSize), out var magic, out var need, ContentSniffer.WalkReadBytes))
        {
            return need ?? Damaged("AttachedFile", fileAt);
        }

        if (IsFont(magic.Span) || IsCover(magic.Span, mime))
        {
            return null;
        }

        if (!StructureWalk.TryIdentify(context, dataAt, dataSize, out var found, out need))
        {
            return need;
        }

        return SniffContext.Detected(MediaTypes.Matroska, Carried.Refusal(found ?? "an attached file that is not a font", Carried.At(described, fileAt)));
    }

    /// <summary>A font by its first bytes: TrueType (00 01 00 00, 'true'), OpenType ('OTTO'), a collection ('ttcf'), WOFF or WOFF2.</summary>
    private static bool IsFont(ReadOnlySpan<byte> magic) =>
        magic.StartsWith((ReadOnlySpan<byte>)[0, 1, 0, 0]) || magic.StartsWith("OTTO"u8) || magic.StartsWith("true"u8)
        || magic.StartsWith("ttcf"u8) || magic.StartsWith("wOFF"u8) || magic.StartsWith("wOF2"u8);

    /// <summary>Cover art (ffmpeg's <c>-attach cover.jpg</c>, the Matroska cover convention): a JPEG or PNG declared as what it is.</summary>
    private static bool IsCover(ReadOnlySpan<byte> magic, string? mime) => StructureWalk.PictureType(magic) switch
    {
        "image/jpeg" => mime is "image/jpeg" or "image/jpg",
        "image/png" => mime is "image/png",
        _ => false,
    };

    private static string Printable(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "unnamed";
        }

        var shown = value.Length > 80 ? value[..80] : value;
        return string.Concat(shown.Select(c => char.IsControl(c) ? '?' : c));
    }

    private static SniffOutcome.Detected Damaged(string element, long offset) =>
        SniffContext.Detected(MediaTypes.Matroska, $"The file is truncated or damaged: its Matroska {element} at offset {offset} does not fit the file. Upload the complete file (re-save or remux it with an ordinary application).");

    /// <summary>An element header: its id (marker kept, 1 to 4 bytes) and size (null when unknown, 1 to 8 bytes).</summary>
    private static bool TryHeader(ReadOnlySpan<byte> data, out uint id, out ulong? size, out int length)
    {
        size = null;
        length = 0;
        var position = 0;
        if (!TryReadId(data, ref position, out id) || position >= data.Length || data[position] == 0)
        {
            return false;
        }

        var sizeLength = System.Numerics.BitOperations.LeadingZeroCount((uint)data[position]) - 24 + 1;
        if (position + sizeLength > data.Length)
        {
            return false;
        }

        var value = (ulong)(data[position] & (0xFF >> sizeLength));
        var allOnes = value == (ulong)(0xFF >> sizeLength);
        for (var i = 1; i < sizeLength; i++)
        {
            value = (value << 8) | data[position + i];
            allOnes &= data[position + i] == 0xFF;
        }

        length = position + sizeLength;
        size = allOnes ? null : value;
        return true;
    }

    /// <summary>Where the Segment walk got to: the next element's offset and the Segment's end (null: unknown size, to the end of the file).</summary>
    private sealed class SegmentWalk
    {
        public long Position { get; set; }

        public long? End { get; set; }

        public long Elements { get; set; }
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
