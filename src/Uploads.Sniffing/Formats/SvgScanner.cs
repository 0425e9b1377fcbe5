using System.Text;
using System.Xml;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// Scans a whole SVG for active content: script-capable elements, event-handler attributes, script URLs, animations
/// that set links or handlers, CSS expressions and XSLT. Before any XML parser sees the bytes, the prolog is read
/// (<see cref="ReadProlog"/>): a DTD's internal subset may only declare short text entities (what Illustrator writes
/// for its namespaces), which are then expanded (bounded); default attributes (<c>ATTLIST</c>), element and
/// notation declarations, parameter and external entities are refused, and nothing outside the file is ever resolved.
/// Every node, attribute and character read is charged to the check's <see cref="WorkBudget"/>.
/// </summary>
internal static class SvgScanner
{
    /// <summary>The most entities an SVG's internal DTD may declare (Illustrator declares a dozen namespaces, older versions a few dozen styles).</summary>
    public const int MaxEntities = 1024;

    /// <summary>The longest replacement text of an entity an SVG may declare (a namespace name, a style).</summary>
    public const int MaxEntityChars = 1024;

    /// <summary>
    /// The deepest nesting of elements accepted: Blink's and WebKit's limit (they render nothing deeper); drawings nest
    /// groups a few dozen deep, and a parser keeps state for every open element (600,000 levels fit in 4 MiB).
    /// </summary>
    public const int MaxDepth = 5000;

    /// <summary>The most characters all entity references of one SVG may expand to.</summary>
    private const int MaxCharactersFromEntities = 256 * 1024;

    private static readonly HashSet<string> ActiveElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "foreignObject", "handler", "listener", "iframe", "frame", "frameset", "embed", "object", "applet", "meta",
    };

    private static readonly HashSet<string> AnimationElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "animate", "set", "animateMotion", "animateTransform", "animateColor",
    };

    private static readonly HashSet<string> UrlAttributes = new(StringComparer.OrdinalIgnoreCase)
    {
        "href", "src", "action", "formaction", "base", "data", "codebase",
    };

    internal static readonly string[] ScriptSchemes = ["javascript:", "vbscript:", "livescript:"];

    private static readonly string[] SafeDataImages = ["data:image/png", "data:image/jpeg", "data:image/jpg", "data:image/gif", "data:image/webp", "data:image/avif"];

    private static readonly string[] CssDangers = ["expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "behaviour:"];

    /// <summary>The reader's settings: <paramref name="dtd"/> as <see cref="ReadProlog"/> decided, no resolver.</summary>
    public static XmlReaderSettings Settings(DtdProcessing dtd) => new()
    {
        DtdProcessing = dtd,
        XmlResolver = null,
        MaxCharactersFromEntities = MaxCharactersFromEntities,
        MaxCharactersInDocument = 4L * ContentSniffer.MaxSvgBytes,
        IgnoreComments = true,
        IgnoreWhitespace = true,
        CloseInput = false,
    };

    /// <summary>The W3C's own SVG DTDs: a DOCTYPE naming one is what editors write, and no viewer fetches it.</summary>
    private static readonly string[] StandardDtds =
    [
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd", "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-basic.dtd",
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-tiny.dtd", "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd",
        "http://www.w3.org/TR/2001/PR-SVG-20010719/DTD/svg10.dtd", "http://www.w3.org/TR/2000/CR-SVG-20001102/DTD/svg-20001102.dtd",
    ];

    /// <summary>
    /// The refusal reason, or null when the SVG is free of active content (external references allowed by
    /// <paramref name="allowed"/> are listed in <paramref name="findings"/>). <paramref name="prolog"/> is what
    /// <see cref="ReadProlog"/> read from the same bytes.
    /// </summary>
    public static string? FindActiveContent(ReadOnlyMemory<byte> svg, Prolog prolog, ActiveContentKinds allowed, List<ActiveContentFinding> findings, WorkBudget budget)
    {
        if (prolog.Refusal is { } prologRefusal)
        {
            return prologRefusal;
        }

        string? External(string what)
        {
            ActiveContent.ActiveContentVerdict.Add(findings, ActiveContentKinds.SvgExternalReferences, $"SVG makes the viewer fetch or read something outside the image ({what})");
            return (allowed & ActiveContentKinds.SvgExternalReferences) != 0
                ? null
                : $"The SVG makes the viewer fetch or read something outside the image ({what}); SVGs that load external resources are refused (embed them, or reference only #fragments).";
        }

        try
        {
            using var reader = XmlReader.Create(new MemoryReadStream(svg, budget), Settings(prolog.Dtd));
            var styleDepth = -1;
            while (reader.Read())
            {
                budget.Charge(WorkCost.MarkupNode);
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element when reader.Depth >= MaxDepth:
                        return $"The SVG nests elements more than {MaxDepth} deep; browsers do not display it: re-export it (or flatten its groups).";
                    case XmlNodeType.Element:
                        var problem = CheckElement(reader, budget);
                        if (problem is not null)
                        {
                            return Refuse(problem);
                        }

                        if (ExternalReference(reader, budget) is { } external && External(external) is { } externalRefusal)
                        {
                            return externalRefusal;
                        }

                        if (reader.LocalName.Equals("style", StringComparison.OrdinalIgnoreCase) && !reader.IsEmptyElement)
                        {
                            styleDepth = reader.Depth;
                        }

                        break;
                    case XmlNodeType.EndElement when reader.Depth == styleDepth:
                        styleDepth = -1;
                        break;
                    case XmlNodeType.Text or XmlNodeType.CDATA when styleDepth >= 0 && IsDangerousCss(Charged(reader.Value, budget)):
                        return Refuse("a script expression in a <style> element");
                    case XmlNodeType.Text or XmlNodeType.CDATA when styleDepth >= 0 && ExternalCss(Charged(reader.Value, budget)) is { } css:
                        if (External($"{css} in a <style> element") is { } styleRefusal)
                        {
                            return styleRefusal;
                        }

                        break;
                    case XmlNodeType.ProcessingInstruction when reader.Name.Equals("xml-stylesheet", StringComparison.OrdinalIgnoreCase):
                        return Refuse("an xml-stylesheet processing instruction");
                    case XmlNodeType.DocumentType when reader.GetAttribute("SYSTEM") is { Length: > 0 } systemId && Array.IndexOf(StandardDtds, systemId.Trim()) < 0:
                        if (External("a DOCTYPE with an external DTD") is { } dtdRefusal)
                        {
                            return dtdRefusal;
                        }

                        break;
                    case XmlNodeType.EntityReference:
                        return Refuse("an entity that cannot be expanded");
                    default:
                        break;
                }
            }

            return null;
        }
        catch (XmlException exception)
        {
            return $"The SVG is not well-formed XML (line {exception.LineNumber}): fix or re-export it.";
        }
    }

    private static string? CheckElement(XmlReader reader, WorkBudget budget)
    {
        var element = reader.LocalName;
        if (ActiveElements.Contains(element))
        {
            return $"a <{element}> element";
        }

        var isAnimation = AnimationElements.Contains(element);
        if (!reader.MoveToFirstAttribute())
        {
            return null;
        }

        do
        {
            // One charge per attribute covers both passes over it (here and ExternalReference); its characters are charged in each.
            budget.Charge(WorkCost.MarkupNode);
            var name = reader.LocalName;
            var value = Charged(reader.Value, budget);
            if (reader.NamespaceURI == "http://www.w3.org/2000/xmlns/")
            {
                continue;
            }

            if (name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
            {
                return $"an event-handler attribute {reader.Name} on <{element}>";
            }

            var url = NormalizeUrl(value);
            foreach (var scheme in ScriptSchemes)
            {
                if (url.Contains(scheme, StringComparison.Ordinal))
                {
                    return $"a {scheme} URL in {reader.Name} on <{element}>";
                }
            }

            if (UrlAttributes.Contains(name) && url.StartsWith("data:", StringComparison.Ordinal) && !IsSafeDataImage(url))
            {
                return $"a data: URL that is not a raster image in {reader.Name} on <{element}>";
            }

            if (isAnimation && name == "attributeName")
            {
                var target = value.Trim();
                var colon = target.IndexOf(':', StringComparison.Ordinal);
                var local = colon >= 0 ? target[(colon + 1)..] : target;
                if (local.Equals("href", StringComparison.OrdinalIgnoreCase) || local.StartsWith("on", StringComparison.OrdinalIgnoreCase))
                {
                    return $"an <{element}> that changes {target}";
                }
            }

            if (name.Equals("style", StringComparison.OrdinalIgnoreCase) && IsDangerousCss(value))
            {
                return $"a script expression in the style attribute of <{element}>";
            }
        }
        while (reader.MoveToNextAttribute());

        reader.MoveToElement();
        return null;
    }

    /// <summary>A reference the viewer would fetch or read: XInclude, <c>xml:base</c>, a non-fragment <c>href</c> (links aside), CSS <c>url()</c>/<c>@import</c> in attributes.</summary>
    private static string? ExternalReference(XmlReader reader, WorkBudget budget)
    {
        var element = reader.LocalName;
        if (element == "include" && reader.NamespaceURI.StartsWith("http://www.w3.org/2001/XInclude", StringComparison.Ordinal))
        {
            return "an XInclude";
        }

        string? found = null;
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                if (reader.NamespaceURI == "http://www.w3.org/2000/xmlns/")
                {
                    continue;
                }

                if (reader.Name == "xml:base")
                {
                    found = "xml:base";
                    break;
                }

                var value = Charged(reader.Value, budget);
                if (reader.LocalName == "href" && !element.Equals("a", StringComparison.OrdinalIgnoreCase) && !IsLocal(value))
                {
                    found = $"an external {reader.Name} on <{element}>";
                    break;
                }

                if (ExternalCss(value) is { } css)
                {
                    found = $"{css} in {reader.Name} on <{element}>";
                    break;
                }
            }
            while (reader.MoveToNextAttribute());

            reader.MoveToElement();
        }

        return found;
    }

    /// <summary>A fragment (<c>#id</c>) or an embedded raster image: nothing to fetch.</summary>
    private static bool IsLocal(string reference)
    {
        var value = NormalizeUrl(reference);
        return value.Length == 0 || value.StartsWith('#') || IsSafeDataImage(value);
    }

    /// <summary>
    /// <c>@import</c>, or a <c>url(...)</c> that is not a fragment or an embedded raster image (or, with
    /// <paramref name="contentIds"/>, a <c>cid:</c> part of the same web archive). Also the check of CSS in HTML a DOCX imports.
    /// </summary>
    internal static string? ExternalCss(string css, bool contentIds = false)
    {
        if (!css.Contains("url", StringComparison.OrdinalIgnoreCase) && !css.Contains("@import", StringComparison.OrdinalIgnoreCase)
            && !css.Contains('\\', StringComparison.Ordinal))
        {
            return null;
        }

        var normalized = NormalizeUrl(UnescapeCss(css));
        if (normalized.Contains("@import", StringComparison.Ordinal))
        {
            return "a CSS @import";
        }

        for (var at = normalized.IndexOf("url(", StringComparison.Ordinal); at >= 0; at = normalized.IndexOf("url(", at + 4, StringComparison.Ordinal))
        {
            // A view of the rest, never a copy: one copy per url( would make a long value of url(#a) quadratic.
            var argument = normalized.AsSpan(at + 4).TrimStart("\"'");
            if (!argument.StartsWith('#') && !IsSafeDataImage(argument) && !(contentIds && argument.StartsWith("cid:", StringComparison.Ordinal)))
            {
                return "a CSS url() to an outside resource";
            }
        }

        return null;
    }

    /// <summary>CSS escapes (<c>\75 rl(</c>, <c>\@import</c>) decoded, as a browser reads them.</summary>
    private static string UnescapeCss(string css)
    {
        if (!css.Contains('\\', StringComparison.Ordinal))
        {
            return css;
        }

        var builder = new StringBuilder(css.Length);
        for (var i = 0; i < css.Length; i++)
        {
            if (css[i] != '\\' || i + 1 >= css.Length)
            {
                builder.Append(css[i]);
                continue;
            }

            var end = i + 1;
            while (end < css.Length && end - i <= 6 && char.IsAsciiHexDigit(css[end]))
            {
                end++;
            }

            if (end > i + 1 && int.TryParse(css.AsSpan(i + 1, end - i - 1), System.Globalization.NumberStyles.HexNumber, null, out var code) && code is > 0 and < 0x110000 and not (>= 0xD800 and <= 0xDFFF))
            {
                builder.Append(char.ConvertFromUtf32(code));
                i = end < css.Length && css[end] == ' ' ? end : end - 1;
            }
            else
            {
                builder.Append(css[i + 1]);
                i++;
            }
        }

        return builder.ToString();
    }

    internal static bool IsSafeDataImage(ReadOnlySpan<char> url)
    {
        foreach (var prefix in SafeDataImages)
        {
            if (url.StartsWith(prefix, StringComparison.Ordinal) && url.Length > prefix.Length && url[prefix.Length] is ';' or ',')
            {
                return true;
            }
        }

        return false;
    }

    internal static bool IsDangerousCss(string css)
    {
        var normalized = NormalizeUrl(css);
        foreach (var danger in CssDangers)
        {
            if (normalized.Contains(danger, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lower case without white space and control characters, as browsers strip them from URL schemes.</summary>
    internal static string NormalizeUrl(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c > ' ' && c != '\u007F')
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString();
    }

    /// <summary><paramref name="value"/>, charged as characters scanned before it is looked at.</summary>
    private static string Charged(string value, WorkBudget budget)
    {
        budget.ChargeBytes(value.Length);
        return value;
    }

    private static string Refuse(string what) =>
        $"The SVG contains active content ({what}); SVGs with scripts, event handlers or script links are refused because they would run wherever the image is opened.";

    /// <summary>
    /// Reads what comes before the root element (XML declaration, comments, processing instructions, the DOCTYPE)
    /// without an XML parser, in one linear pass charged to <paramref name="budget"/>, and decides how a parser may
    /// treat the DTD: only a DOCTYPE whose internal subset declares nothing but short text entities without markup
    /// or references (at most <see cref="MaxEntities"/>, each at most <see cref="MaxEntityChars"/> long), comments and
    /// processing instructions is parsed. Anything else in it is refused: default attributes (<c>ATTLIST</c>, which a
    /// parser adds to every element, uncounted), element and notation declarations, parameter entities, external
    /// entities, entities holding markup or references (nested expansion).
    /// </summary>
    public static Prolog ReadProlog(ReadOnlySpan<byte> bytes, WorkBudget budget)
    {
        var reader = new PrologReader(new Units(bytes), budget);
        return reader.Read();
    }

    /// <summary>
    /// What an XML document's prolog declares (<see cref="ReadProlog"/>). <paramref name="Dtd"/>: how a parser may
    /// treat the DOCTYPE: <see cref="DtdProcessing.Parse"/> for an accepted one, <see cref="DtdProcessing.Ignore"/> for
    /// a refused one (skipped unparsed, only to find the root element), <see cref="DtdProcessing.Prohibit"/> when there
    /// is none or the prolog is not one this reader follows (then any DOCTYPE is an error, never parsed).
    /// <paramref name="Refusal"/>: why the DOCTYPE is refused. <paramref name="HitEnd"/>: the bytes end inside the prolog.
    /// <paramref name="Doctype"/>: the root element the DOCTYPE names (null when there is none, or it was not read).
    /// </summary>
    internal readonly record struct Prolog(DtdProcessing Dtd, string? Refusal, bool HitEnd, string? Doctype = null)
    {
        /// <summary>True when the DOCTYPE names an <c>svg</c> root (with or without a prefix).</summary>
        public bool NamesSvg => Doctype is { } name && (name == "svg" || name.EndsWith(":svg", StringComparison.Ordinal));
    }

    private static string DtdRefusal(string what) =>
        $"The SVG's DOCTYPE {what}; an SVG's internal DTD may only declare short text entities (as Illustrator does for its namespaces): re-export the image without the DOCTYPE.";

    /// <summary>The prolog's grammar, unit by unit: every unit is looked at a bounded number of times.</summary>
    private ref struct PrologReader(Units text, WorkBudget budget)
    {
        private static readonly Prolog Ended = new(DtdProcessing.Prohibit, null, HitEnd: true);
        private static readonly Prolog NotFollowed = new(DtdProcessing.Prohibit, null, HitEnd: false);

        private readonly Units _text = text;
        private int _at;
        private int _charged;
        private int _entities;
        private string? _name;

        public Prolog Read()
        {
            var doctype = false;
            while (true)
            {
                Charge();
                SkipSpace();
                if (_at >= _text.Length)
                {
                    return Ended;
                }

                if (_text[_at] != '<')
                {
                    return NotFollowed;
                }

                if (_text.At(_at, "<?") || _text.At(_at, "<!--"))
                {
                    if (!SkipCommentOrInstruction())
                    {
                        return Ended;
                    }

                    continue;
                }

                if (!_text.At(_at, "<!DOCTYPE"))
                {
                    // The root element (or something a parser refuses): the prolog is over.
                    return doctype ? new(DtdProcessing.Parse, null, HitEnd: false, _name) : NotFollowed;
                }

                if (doctype)
                {
                    return NotFollowed;
                }

                doctype = true;
                _at += "<!DOCTYPE".Length;
                if (Doctype() is { } result)
                {
                    return result;
                }
            }
        }

        /// <summary>The DOCTYPE after its keyword, to its closing <c>&gt;</c>; null when accepted and read whole.</summary>
        private Prolog? Doctype()
        {
            if (!SkipSpace())
            {
                return _at >= _text.Length ? Ended : NotFollowed;
            }

            _name = SkipName();
            SkipSpace();
            if (_text.At(_at, "SYSTEM") || _text.At(_at, "PUBLIC"))
            {
                var literals = _text.At(_at, "PUBLIC") ? 2 : 1;
                _at += 6;
                for (var i = 0; i < literals; i++)
                {
                    SkipSpace();
                    if (SkipLiteral(out _, out _) is { } literal)
                    {
                        return literal;
                    }
                }

                SkipSpace();
            }

            if (_at >= _text.Length)
            {
                return Ended;
            }

            if (_text[_at] == '[')
            {
                _at++;
                if (InternalSubset() is { } subset)
                {
                    return subset;
                }

                SkipSpace();
            }

            if (_at >= _text.Length)
            {
                return Ended;
            }

            if (_text[_at] != '>')
            {
                return NotFollowed;
            }

            _at++;
            return null;
        }

        /// <summary>The internal subset after its <c>[</c>, to its <c>]</c>; null when accepted and read whole.</summary>
        private Prolog? InternalSubset()
        {
            while (true)
            {
                Charge();
                SkipSpace();
                if (_at >= _text.Length)
                {
                    return Ended;
                }

                if (_text[_at] == ']')
                {
                    _at++;
                    return null;
                }

                if (_text.At(_at, "<?") || _text.At(_at, "<!--"))
                {
                    if (!SkipCommentOrInstruction())
                    {
                        return Ended;
                    }

                    continue;
                }

                if (_text.At(_at, "<!ENTITY"))
                {
                    _at += "<!ENTITY".Length;
                    if (Entity() is { } entity)
                    {
                        return entity;
                    }

                    continue;
                }

                return Refused(
                    _text.At(_at, "<!ATTLIST") ? "declares default attributes (<!ATTLIST>), which a parser adds to every element"
                    : _text.At(_at, "<!ELEMENT") ? "declares element types (<!ELEMENT>)"
                    : _text.At(_at, "<!NOTATION") ? "declares a notation (<!NOTATION>)"
                    : _text[_at] == '%' ? "uses a parameter entity (%name;)"
                    : "holds something other than entity declarations, comments and processing instructions");
            }
        }

        /// <summary>An entity declaration after its keyword, to its <c>&gt;</c>; null when accepted.</summary>
        private Prolog? Entity()
        {
            SkipSpace();
            if (_at < _text.Length && _text[_at] == '%')
            {
                return Refused("declares a parameter entity (<!ENTITY % ...>)");
            }

            var name = SkipName();
            SkipSpace();
            if (_text.At(_at, "SYSTEM") || _text.At(_at, "PUBLIC"))
            {
                return new(DtdProcessing.Ignore, Refuse("an external entity declaration"), HitEnd: false, _name);
            }

            if (++_entities > MaxEntities)
            {
                return Refused($"declares more than {MaxEntities} entities");
            }

            if (SkipLiteral(out var length, out var markup) is { } literal)
            {
                return literal.HitEnd ? literal : Refused($"declares an entity '{name}' that is not a quoted text");
            }

            if (markup)
            {
                return Refused($"declares an entity '{name}' whose text holds markup or references (<, & or %)");
            }

            if (length > MaxEntityChars)
            {
                return Refused($"declares an entity '{name}' longer than {MaxEntityChars} characters");
            }

            SkipSpace();
            if (_at >= _text.Length)
            {
                return Ended;
            }

            if (_text[_at] != '>')
            {
                return Refused($"declares an entity '{name}' with more than a quoted text");
            }

            _at++;
            return null;
        }

        /// <summary>A quoted literal; null when read whole (its length, and whether it holds <c>&lt;</c>, <c>&amp;</c> or <c>%</c>).</summary>
        private Prolog? SkipLiteral(out int length, out bool markup)
        {
            length = 0;
            markup = false;
            if (_at >= _text.Length)
            {
                return Ended;
            }

            var quote = _text[_at];
            if (quote is not ('"' or '\''))
            {
                return NotFollowed;
            }

            var start = ++_at;
            while (_at < _text.Length && _text[_at] != quote)
            {
                markup |= _text[_at] is '<' or '&' or '%';
                _at++;
            }

            if (_at >= _text.Length)
            {
                return Ended;
            }

            length = _at - start;
            _at++;
            return null;
        }

        /// <summary>A comment or processing instruction at <c>_at</c>; false when the bytes end inside it.</summary>
        private bool SkipCommentOrInstruction()
        {
            var comment = _text.At(_at, "<!--");
            var end = _text.IndexOf(_at + (comment ? 4 : 2), comment ? "-->" : "?>");
            if (end < 0)
            {
                _at = _text.Length;
                return false;
            }

            _at = end + (comment ? 3 : 2);
            return true;
        }

        /// <summary>White space; true when there was some.</summary>
        private bool SkipSpace()
        {
            var start = _at;
            while (_at < _text.Length && _text[_at] is ' ' or '\t' or '\r' or '\n')
            {
                _at++;
            }

            return _at > start;
        }

        /// <summary>A name (any units but white space, quotes and delimiters), its first 64 units kept for a message.</summary>
        private string SkipName()
        {
            var name = new StringBuilder();
            while (_at < _text.Length && _text[_at] is not (' ' or '\t' or '\r' or '\n' or '"' or '\'' or '[' or ']' or '<' or '>' or '%'))
            {
                if (name.Length < 64)
                {
                    name.Append((char)_text[_at]);
                }

                _at++;
            }

            return name.ToString();
        }

        /// <summary>Charges the units read since the last charge (before the next construct is read).</summary>
        private void Charge()
        {
            budget.Charge(WorkCost.Node + ((long)(_at - _charged) * _text.Width * WorkCost.ScanByte));
            _charged = _at;
        }

        private readonly Prolog Refused(string what) => new(DtdProcessing.Ignore, DtdRefusal(what), HitEnd: false, _name);
    }

    /// <summary>
    /// The code units of an XML document's bytes: UTF-16 (by its byte order mark, or a first <c>&lt;</c> in two
    /// bytes), else one byte each (UTF-8 and the other ASCII-compatible encodings, whose markup is ASCII).
    /// </summary>
    private readonly ref struct Units
    {
        private readonly ReadOnlySpan<byte> _bytes;
        private readonly bool _bigEndian;

        public Units(ReadOnlySpan<byte> bytes)
        {
            Width = 2;
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            {
                _bigEndian = bytes[0] == 0xFE;
                _bytes = bytes[2..];
            }
            else if (bytes.StartsWith((ReadOnlySpan<byte>)[0x3C, 0x00]) || bytes.StartsWith((ReadOnlySpan<byte>)[0x00, 0x3C]))
            {
                _bigEndian = bytes[0] == 0x00;
                _bytes = bytes;
            }
            else
            {
                Width = 1;
                _bytes = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;
            }

            Length = _bytes.Length / Width;
        }

        /// <summary>Bytes per unit.</summary>
        public int Width { get; }

        public int Length { get; }

        public int this[int index] => Width == 1 ? _bytes[index]
            : _bigEndian ? (_bytes[2 * index] << 8) | _bytes[(2 * index) + 1]
            : _bytes[2 * index] | (_bytes[(2 * index) + 1] << 8);

        /// <summary>True when the units at <paramref name="index"/> are the ASCII <paramref name="text"/>.</summary>
        public bool At(int index, string text)
        {
            if (index < 0 || index + text.Length > Length)
            {
                return false;
            }

            for (var i = 0; i < text.Length; i++)
            {
                if (this[index + i] != text[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The first index of the ASCII <paramref name="text"/> from <paramref name="from"/>, or -1.</summary>
        public int IndexOf(int from, string text)
        {
            if (Width == 1)
            {
                var found = from >= _bytes.Length ? -1 : _bytes[from..].IndexOf(Encoding.ASCII.GetBytes(text));
                return found < 0 ? -1 : from + found;
            }

            for (var i = from; i + text.Length <= Length; i++)
            {
                if (At(i, text))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
