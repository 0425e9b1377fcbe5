using System.Text;
using System.Xml;
using Uploads.Sniffing.ActiveContent.Svg;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// Markup starting with <c>&lt;</c> (after byte order marks, white space and control characters in any order: <see cref="Start"/>): HTML (the WHATWG sniffing patterns, which
/// browsers honour), SVG (root <c>svg</c> in the SVG namespace, then scanned whole for active content), XHTML and other XML.
/// </summary>
internal static class Markup
{
    public const string SvgNamespace = "http://www.w3.org/2000/svg";
    public const string XhtmlNamespace = "http://www.w3.org/1999/xhtml";

    /// <summary>How much of the head is decoded to look for the first tag (HTML patterns, a fallback name).</summary>
    private const int PrefixBytes = 4096;

    // WHATWG MIME Sniffing, "identifying a resource with an unknown MIME type": each followed by a space or '>'.
    private static readonly string[] HtmlPatterns =
    [
        "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table", "<a", "<style",
        "<title", "<b", "<body", "<br", "<p",
    ];

    public static SniffOutcome? Detect(SniffContext context)
    {
        var head = context.Head.Span;
        var start = Start(head, context.Budget, out var encoding);
        var window = head[start..Math.Min(head.Length, start + PrefixBytes)];
        context.Budget.ChargeBytes(window.Length, WorkCost.DecodedByte);
        var prefix = Decode(window, encoding);
        if (prefix.Length == 0 || prefix[0] != '<')
        {
            return null;
        }

        var text = prefix.AsSpan();
        if (IsHtmlPattern(text))
        {
            return SniffContext.Detected(MediaTypes.Html);
        }

        var held = context.Held(0, ContentSniffer.MaxSvgBytes);
        var wholeFile = context.Total is { } total && held.Length >= total;

        // The prolog first, without a parser: a DTD is only ever parsed when it declares short text entities alone.
        var prolog = SvgReader.ReadProlog(held.Span, context.Budget);
        if (prolog.Refusal is not null && prolog.NamesSvg)
        {
            // A DOCTYPE svg whose DTD is refused: refused as an SVG at once, however far away its root element is.
            return Svg(context, held, wholeFile, prolog);
        }

        var hitEnd = prolog.HitEnd;
        var root = hitEnd ? null : FindRoot(held, prolog.Dtd, context.Budget, out hitEnd);
        if (root is null)
        {
            if (hitEnd && !wholeFile && held.Length < ContentSniffer.MaxSvgBytes)
            {
                // Doubling reads: a 4 MiB SVG takes a handful of rounds, not one per 64 KiB.
                return context.Need(held.Length, Math.Max(ContentSniffer.ChunkBytes, held.Length));
            }

            return FirstTagName(text) switch
            {
                "svg" => new SniffOutcome.Detected(MediaTypes.Svg, prolog.Refusal ?? "The SVG is not well-formed XML (or uses entities declared outside the file)."),
                "html" or "head" or "body" or "script" or "meta" or "link" => SniffContext.Detected(MediaTypes.Html),
                _ => null,
            };
        }

        var (name, ns) = root.Value;
        if (name == "svg" && ns is SvgNamespace or "")
        {
            if (ns != SvgNamespace)
            {
                return new SniffOutcome.Detected(MediaTypes.Svg, $"The SVG's root element is not in the SVG namespace: add xmlns=\"{SvgNamespace}\".");
            }

            return Svg(context, held, wholeFile, prolog);
        }

        if (name.Equals("html", StringComparison.OrdinalIgnoreCase))
        {
            return SniffContext.Detected(ns == XhtmlNamespace ? MediaTypes.Xhtml : MediaTypes.Html);
        }

        return SniffContext.Detected(MediaTypes.Xml);
    }

    private static SniffOutcome Svg(SniffContext context, ReadOnlyMemory<byte> held, bool wholeFile, SvgReader.Prolog prolog)
    {
        var tooLarge = new SniffOutcome.Detected(
            MediaTypes.Svg,
            $"SVG files larger than {ContentSniffer.MaxSvgBytes / 1024 / 1024} MiB are not accepted (they are scanned whole for scripts).");
        if (context.Total > ContentSniffer.MaxSvgBytes)
        {
            return tooLarge;
        }

        if (prolog.Refusal is { } refusal)
        {
            // A refused DTD decides whatever follows it: no more is read.
            return new SniffOutcome.Detected(MediaTypes.Svg, refusal);
        }

        if (!wholeFile)
        {
            return held.Length >= ContentSniffer.MaxSvgBytes ? tooLarge : context.Need(held.Length, ContentSniffer.MaxRangeBytes);
        }

        var findings = new List<ActiveContentFinding>();
        var found = SvgScanner.FindActiveContent(held, prolog, context.AllowedActiveContent, findings, context.Budget);
        return findings.Count == 0 ? new SniffOutcome.Detected(MediaTypes.Svg, found) : new SniffOutcome.Detected(MediaTypes.Svg, found) { ActiveContent = findings };
    }

    /// <summary>
    /// The root element's local name and namespace, or null when the held bytes do not reach it or are not XML.
    /// <paramref name="dtd"/>: what <see cref="SvgReader.ReadProlog"/> allows the parser to do with the DOCTYPE.
    /// </summary>
    private static (string Name, string Namespace)? FindRoot(ReadOnlyMemory<byte> bytes, DtdProcessing dtd, WorkBudget budget, out bool hitEnd)
    {
        var stream = new MemoryReadStream(bytes, budget);
        try
        {
            using var reader = XmlReader.Create(stream, SvgReader.Settings(dtd));
            while (reader.Read())
            {
                budget.Charge(WorkCost.MarkupNode);
                if (reader.NodeType == XmlNodeType.Element)
                {
                    hitEnd = false;
                    return (reader.LocalName, reader.NamespaceURI);
                }
            }
        }
        catch (XmlException)
        {
        }

        hitEnd = stream.HitEnd;
        return null;
    }

    private static bool IsHtmlPattern(ReadOnlySpan<char> text)
    {
        foreach (var pattern in HtmlPatterns)
        {
            if (text.Length > pattern.Length && text.StartsWith(pattern, StringComparison.OrdinalIgnoreCase)
                && text[pattern.Length] is ' ' or '>' or '\t' or '\n' or '\r' or '\f')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The name of the first start tag (after declarations, comments and processing instructions), lower case.</summary>
    private static string? FirstTagName(ReadOnlySpan<char> text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (text[i] == '<' && char.IsAsciiLetter(text[i + 1]))
            {
                var end = i + 1;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is ':' or '-'))
                {
                    end++;
                }

                var name = text[(i + 1)..end].ToString().ToLowerInvariant();
                var colon = name.LastIndexOf(':');
                return colon >= 0 ? name[(colon + 1)..] : name;
            }
        }

        return null;
    }

    /// <summary>
    /// The one rule of what may precede markup (docs/sniffing.md, "Text policy"): the byte offset of the first code
    /// point, after the byte order mark (<see cref="Text.ByteOrderMark"/>, which gives the encoding), that is not one
    /// of <see cref="MayPrecede"/>, in any order and number, within the head. Browsers skip only one BOM and then
    /// white space; some consumers trim more loosely, so a page behind any mix of them is still a page.
    /// Each code point skipped is charged.
    /// </summary>
    internal static int Start(ReadOnlySpan<byte> head, WorkBudget budget, out TextEncoding encoding)
    {
        var at = Text.ByteOrderMark(head, out encoding);
        while (at < head.Length)
        {
            budget.Charge(WorkCost.ScanByte);
            var rune = Text.RuneAt(head, at, encoding, out var length);
            if (length == 0 || !MayPrecede(rune))
            {
                break;
            }

            at += length;
        }

        return at;
    }

    /// <summary>
    /// Byte order marks (U+FEFF, also repeated, also after other characters), white space (Unicode's), control
    /// characters (C0 with NUL, DEL, C1) and the zero-width characters U+200B–U+200D, U+2060.
    /// </summary>
    private static bool MayPrecede(Rune rune) =>
        rune.Value is 0xFEFF or (>= 0x200B and <= 0x200D) or 0x2060 || Rune.IsWhiteSpace(rune) || Rune.IsControl(rune);

    private static string Decode(ReadOnlySpan<byte> bytes, TextEncoding encoding) => encoding switch
    {
        TextEncoding.Utf16LittleEndian => Encoding.Unicode.GetString(bytes[..(bytes.Length & ~1)]),
        TextEncoding.Utf16BigEndian => Encoding.BigEndianUnicode.GetString(bytes[..(bytes.Length & ~1)]),
        _ => Encoding.UTF8.GetString(bytes),
    };
}
