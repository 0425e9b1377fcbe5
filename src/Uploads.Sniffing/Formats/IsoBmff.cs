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
            return SniffContext.Detected(type);
        }

        string? fromCompatible = null;
        for (var at = 16; at + 4 <= size; at += 4)
        {
            context.Budget.Charge(WorkCost.Node);
            var candidate = Classify(Brand(head.Slice(at, 4)));
            if (candidate == MediaTypes.QuickTime)
            {
                return SniffContext.Detected(MediaTypes.QuickTime);
            }

            fromCompatible ??= candidate;
        }

        return SniffContext.Detected(fromCompatible ?? "application/mp4");
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
        return sawMovie && (boxes >= 2 || ended || first is "moov") ? SniffContext.Detected(MediaTypes.QuickTime) : null;
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
