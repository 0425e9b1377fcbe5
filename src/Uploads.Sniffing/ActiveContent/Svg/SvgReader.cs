using System.Text;
using System.Xml;

namespace Uploads.Sniffing.ActiveContent.Svg;

/// <summary>
/// The SVG (and XML) reader's side: what comes before the root element is read without an XML parser
/// (<see cref="ReadProlog"/>), which decides how a parser may treat the DTD, and <see cref="Settings"/> are the only
/// settings an XML parser of uploaded markup is created with (no resolver, bounded entity expansion). What the parsed
/// document may contain is <see cref="SvgScanner"/>'s policy.
/// </summary>
internal static class SvgReader
{
    /// <summary>The most entities an SVG's internal DTD may declare (Illustrator declares a dozen namespaces, older versions a few dozen styles).</summary>
    public const int MaxEntities = 1024;

    /// <summary>The longest replacement text of an entity an SVG may declare (a namespace name, a style).</summary>
    public const int MaxEntityChars = 1024;

    /// <summary>The most characters all entity references of one SVG may expand to.</summary>
    private const int MaxCharactersFromEntities = 256 * 1024;

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
                return new(DtdProcessing.Ignore, SvgScanner.Refuse("an external entity declaration"), HitEnd: false, _name);
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
