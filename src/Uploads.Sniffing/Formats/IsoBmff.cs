namespace Uploads.Sniffing.Formats;

/// <summary>
/// ISO base media files (MP4, QuickTime, 3GP, M4A, HEIF): the <c>ftyp</c> box's major brand decides when known,
/// else its compatible brands. QuickTime files from before <c>ftyp</c> start with <c>moov</c>, <c>mdat</c>, <c>wide</c>, ...
/// </summary>
internal static class IsoBmff
{
    public static SniffOutcome? Detect(SniffContext context)
    {
        var head = context.Head.Span;
        var size = SniffContext.U32BE(head, 0);
        if (size < 16 || size > 4096 || size > head.Length)
        {
            return null;
        }

        var major = Brand(head.Slice(8, 4));
        if (!SniffContext.IsFourCc(head.Slice(8, 4)))
        {
            return null;
        }

        // The next box, when the head holds its header, must look like one.
        if (size + 8 <= head.Length && !ValidBoxHeader(head[(int)size..], context.Total - size))
        {
            return null;
        }

        var type = Classify(major);
        if (type is not null)
        {
            return Walked(context, type);
        }

        string? fromCompatible = null;
        for (var at = 16; at + 4 <= size; at += 4)
        {
            context.Budget.Charge(WorkCost.Node);
            var candidate = Classify(Brand(head.Slice(at, 4)));
            if (candidate == MediaTypes.QuickTime)
            {
                return Walked(context, MediaTypes.QuickTime);
            }

            fromCompatible ??= candidate;
        }

        return Walked(context, fromCompatible ?? "application/mp4");
    }

    /// <summary>QuickTime movies without <c>ftyp</c>: top-level atoms only, including a <c>moov</c> or a first <c>moov</c>/<c>mdat</c>/<c>wide</c>/<c>pnot</c>.</summary>
    public static SniffOutcome? DetectClassicQuickTime(SniffContext context)
    {
        var head = context.Head.Span;
        if (head.Length < 16)
        {
            return null;
        }

        var first = Brand(head.Slice(4, 4));
        if (first is not ("moov" or "mdat" or "wide" or "pnot" or "free" or "skip"))
        {
            return null;
        }

        long position = 0;
        var boxes = 0;
        var sawMovie = false;
        while (position + 8 <= head.Length && boxes < 16)
        {
            // Top-level boxes only, at most 16: no nesting is followed.
            context.Budget.Charge(WorkCost.Node);
            var box = head[(int)position..];
            if (!ValidBoxHeader(box, context.Total - position))
            {
                return null;
            }

            var type = Brand(box.Slice(4, 4));
            sawMovie |= type is "moov" or "mdat";
            boxes++;
            var size = SniffContext.U32BE(box, 0);
            if (size == 0)
            {
                break;
            }

            position += size == 1 ? (long)Math.Min(SniffContext.U64BE(box, 8), long.MaxValue / 2) : size;
        }

        var ended = context.Total is { } total && position == total;
        return sawMovie && (boxes >= 2 || ended || first is "moov") ? Walked(context, MediaTypes.QuickTime) : null;
    }

    /// <summary>
    /// An allowed movie (MP4, QuickTime) once its every top-level box has been walked by its size to the file's end:
    /// the movie's own boxes of any size, padding (<c>free</c>, <c>skip</c>, <c>wide</c>) up to
    /// <see cref="StructureWalk.MaxPaddingBytes"/>, and any other box (<c>uuid</c> included) up to
    /// <see cref="StructureWalk.MaxOpaqueBytes"/>, none of them starting with another file's signature; a box past
    /// the end, a size 0 ("to the end") box followed by more, or bytes after the last box are refused. Other types
    /// (M4A, 3GP, HEIF, ...) are not allowed anyway and are answered as detected. One read per box header not held,
    /// resumed where the last round stopped.
    /// </summary>
    private static SniffOutcome Walked(SniffContext context, string type)
    {
        if (type is not (MediaTypes.Mp4 or MediaTypes.QuickTime))
        {
            return SniffContext.Detected(type);
        }

        var walk = StructureWalk.State<BoxWalk>(context);
        while (true)
        {
            context.Budget.Charge(WorkCost.Node);
            var at = walk.Position;
            if (context.Total is { } total && at >= total)
            {
                // Past the end: a box's size (seen while the length was unknown) did not fit the file.
                return at == total ? SniffContext.Detected(type) : Damaged(type, walk.Last, walk.LastAt);
            }

            if (!context.TryRead(at, 16, out var header, out var missing, ContentSniffer.WalkReadBytes))
            {
                // Fewer than 16 bytes left: the last box may still be a short one.
                if (missing is not null)
                {
                    return missing;
                }

                if (!context.TryRead(at, 8, out header, out missing, ContentSniffer.WalkReadBytes))
                {
                    return missing ?? StructureWalk.Trailing(context, type, at, "the bytes after the movie's last box", "data after the end of the movie");
                }
            }

            var box = header.Span;
            if (!SniffContext.IsFourCc(box.Slice(4, 4)))
            {
                return StructureWalk.Trailing(context, type, at, "the bytes after the movie's last box", "data after the end of the movie");
            }

            var name = Brand(box.Slice(4, 4));
            var size = (long)SniffContext.U32BE(box, 0);
            var headerLength = 8;
            if (size == 1)
            {
                if (box.Length < 16)
                {
                    return Damaged(type, name, at);
                }

                var large = SniffContext.U64BE(box, 8);
                size = large > long.MaxValue / 2 ? -1 : (long)large;
                headerLength = 16;
            }
            else if (size == 0)
            {
                // "To the end of the file": the last box by definition.
                if (context.Total is not { } end)
                {
                    return Accepts(name) ? SniffContext.Detected(type) : Damaged(type, name, at);
                }

                size = end - at;
            }

            if (size < headerLength || (context.Total is { } length && size > length - at))
            {
                return Damaged(type, name, at);
            }

            var payload = size - headerLength;
            if (name == "moov" && Movie(context, type, at + headerLength, at + size) is { } movie)
            {
                return movie;
            }

            if (!Accepts(name))
            {
                var padding = name is "free" or "skip" or "wide";
                var bound = padding ? StructureWalk.MaxPaddingBytes : StructureWalk.MaxOpaqueBytes;
                if (!StructureWalk.TryIdentify(context, at + headerLength + (name == "uuid" ? 16 : 0), payload - (name == "uuid" ? 16 : 0), out var found, out missing))
                {
                    return missing!;
                }

                if (found is not null || payload > bound)
                {
                    return SniffContext.Detected(type, Carried.Refusal(
                        found ?? $"a {(padding ? "padding" : "private")} box of {payload} bytes (over the {bound / 1024} KiB that ordinary files write)",
                        Carried.At($"the box '{name}'", at)));
                }
            }

            walk.Last = name;
            walk.LastAt = at;
            walk.Position = at + size;
            if (StructureWalk.TooMany(++walk.Boxes, walk.Position, "top-level boxes") is { } tooMany)
            {
                return SniffContext.Detected(type, tooMany);
            }
        }
    }

    /// <summary>
    /// The movie box's metadata (<c>moov/udta/meta/ilst</c> and <c>moov/meta/ilst</c>, iTunes-style tags): cover art
    /// (<c>covr</c>) must be a JPEG or PNG, and no other tag's data may start with another file's signature. The movie
    /// box's other children (tracks) are skipped by their sizes; one read per child header not held. Null when fine.
    /// </summary>
    private static SniffOutcome? Movie(SniffContext context, string type, long start, long end) =>
        Children(context, type, start, end, (name, from, to) => name switch
        {
            "udta" => Children(context, type, from, to, (inner, f, t) => inner == "meta" ? Meta(context, type, f, t) : null),
            "meta" => Meta(context, type, from, to),
            _ => null,
        });

    private static SniffOutcome? Meta(SniffContext context, string type, long start, long end)
    {
        // ISO 'meta' is a full box (version and flags first); QuickTime's is not: its first child follows at once.
        if (!context.TryRead(start, (int)Math.Min(12, end - start), out var first, out var missing, ContentSniffer.WalkReadBytes))
        {
            return missing ?? Damaged(type, "meta", start);
        }

        var full = first.Length >= 12 && SniffContext.U32BE(first.Span, 0) == 0 && SniffContext.IsFourCc(first.Span.Slice(8, 4));
        return Children(context, type, full ? start + 4 : start, end, (name, from, to) => name != "ilst" ? null
            : Children(context, type, from, to, (item, f, t) => Children(context, type, f, t, (child, dataFrom, dataTo) => child != "data" ? null
                : Tag(context, type, item, dataFrom, dataTo))));
    }

    /// <summary>One tag's value (a 'data' box: type indicator, locale, then the value).</summary>
    private static SniffOutcome? Tag(SniffContext context, string type, string item, long start, long end)
    {
        if (!StructureWalk.TryIdentify(context, start + 8, end - start - 8, out var found, out var missing))
        {
            return missing;
        }

        var where = Carried.At($"the movie's tag '{item}'", start);
        if (found is not null)
        {
            return SniffContext.Detected(type, Carried.Refusal(found, where));
        }

        if (item != "covr")
        {
            return null;
        }

        if (!context.TryRead(start + 8, (int)Math.Clamp(end - start - 8, 0, 8), out var magic, out missing, ContentSniffer.WalkReadBytes))
        {
            return missing ?? Damaged(type, "covr", start);
        }

        return StructureWalk.PictureType(magic.Span) is "image/jpeg" or "image/png"
            ? null
            : SniffContext.Detected(type, Carried.Refusal("cover art that is not a JPEG or PNG picture", where));
    }

    /// <summary>Visits each child box of the box body from <paramref name="start"/> to <paramref name="end"/>: its type and body; the first verdict stops the walk.</summary>
    private static SniffOutcome? Children(SniffContext context, string type, long start, long end, Func<string, long, long, SniffOutcome?> visit)
    {
        for (var at = start; at + 8 <= end;)
        {
            context.Budget.Charge(WorkCost.Node);
            if (!context.TryRead(at, (int)Math.Min(16, end - at), out var header, out var missing, ContentSniffer.WalkReadBytes))
            {
                return missing ?? Damaged(type, "moov", start);
            }

            var h = header.Span;
            var size = (long)SniffContext.U32BE(h, 0);
            var headerLength = 8;
            if (size == 1 && h.Length >= 16)
            {
                var large = SniffContext.U64BE(h, 8);
                size = large > long.MaxValue / 4 ? -1 : (long)large;
                headerLength = 16;
            }
            else if (size == 0)
            {
                size = end - at;
            }

            var name = Brand(h.Slice(4, 4));
            if (size < headerLength || size > end - at)
            {
                return Damaged(type, name, at);
            }

            if (visit(name, at + headerLength, at + size) is { } verdict)
            {
                return verdict;
            }

            at += size;
        }

        return null;
    }

    /// <summary>The boxes of a movie that are its own, whatever their size (their contents are the movie's).</summary>
    private static bool Accepts(string box) => box is "ftyp" or "moov" or "mdat" or "moof" or "mfra" or "styp" or "sidx" or "ssix"
        or "prft" or "emsg" or "pdin" or "meta" or "pnot" or "PICT";

    private static SniffOutcome.Detected Damaged(string type, string box, long offset) =>
        SniffContext.Detected(type, $"The file is truncated or damaged: its box '{box}' at offset {offset} has a size that does not fit the file. Upload the complete file (re-save or re-export it with an ordinary application).");

    /// <summary>Where the top-level walk got to.</summary>
    private sealed class BoxWalk
    {
        public long Position { get; set; }

        public long Boxes { get; set; }

        public string Last { get; set; } = "";

        public long LastAt { get; set; }
    }

    private static bool ValidBoxHeader(ReadOnlySpan<byte> box, long? remaining)
    {
        if (box.Length < 8 || !SniffContext.IsFourCc(box.Slice(4, 4)))
        {
            return false;
        }

        var size = SniffContext.U32BE(box, 0);
        if (size == 1)
        {
            if (box.Length < 16)
            {
                return true;
            }

            var large = SniffContext.U64BE(box, 8);
            return large >= 16 && (remaining is null || large <= (ulong)remaining.Value);
        }

        return size == 0 || (size >= 8 && (remaining is null || size <= remaining.Value));
    }

    private static string Brand(ReadOnlySpan<byte> fourCc) =>
        string.Create(4, fourCc.ToArray(), static (chars, bytes) =>
        {
            for (var i = 0; i < 4; i++)
            {
                chars[i] = (char)bytes[i];
            }
        });

    /// <summary>The type a brand names; null for a brand that says nothing (or is unknown).</summary>
    private static string? Classify(string brand) => brand switch
    {
        "qt  " => MediaTypes.QuickTime,
        "M4A " or "M4B " or "M4P " or "F4A " or "F4B " => MediaTypes.Mp4Audio,
        "3g2a" or "3g2b" or "3g2c" or "kddi" => MediaTypes.ThreeGpp2,
        _ when brand.StartsWith("3gp", StringComparison.Ordinal) || brand.StartsWith("3gg", StringComparison.Ordinal)
            || brand.StartsWith("3ge", StringComparison.Ordinal) || brand.StartsWith("3gs", StringComparison.Ordinal)
            || brand.StartsWith("3gr", StringComparison.Ordinal) || brand.StartsWith("3gt", StringComparison.Ordinal) => MediaTypes.ThreeGpp,
        "heic" or "heix" or "heim" or "heis" or "hevc" or "hevx" or "hevm" or "hevs" or "mif1" or "msf1" or "mif2" => MediaTypes.Heif,
        "avif" or "avis" => MediaTypes.Avif,
        "crx " => "image/x-canon-cr3",
        "jp2 " or "jpx " or "jpm " => "image/jp2",
        "isom" or "iso2" or "iso3" or "iso4" or "iso5" or "iso6" or "iso7" or "iso8" or "iso9" or "mp41" or "mp42" or "mp71"
            or "avc1" or "dash" or "msdh" or "msix" or "cmfc" or "cmf2" or "MSNV" or "NDAS" or "NDSC" or "NDSH" or "NDSM" or "NDSP"
            or "NDSS" or "NDXC" or "NDXH" or "NDXM" or "NDXP" or "NDXS" or "mmp4" or "XAVC" or "M4V " or "M4VH" or "M4VP"
            or "F4V " or "F4P " or "f4v " or "dby1" or "av01" => MediaTypes.Mp4,
        _ => null,
    };
}
