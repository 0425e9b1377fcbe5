using System.Text;

namespace Uploads.Sniffing.ActiveContent.Pdf;

/// <summary>
/// A lenient PDF tokenizer and value parser (ISO 32000-2 §7.2–7.3) over a span: comments, literal strings (nested
/// parentheses, escapes), hex strings, names with <c>#xx</c> escapes, numbers, references (<c>n g R</c>), arrays and
/// dictionaries. It never fails: a stray delimiter is skipped, and <c>endobj</c>/<c>stream</c> end an unclosed
/// container, as readers repair. <see cref="HitEnd"/> tells that the data ended inside a value (the caller waits for
/// more bytes, or accepts what was parsed at the end of the file). Strings are skipped, never interpreted: text that
/// mentions <c>/JavaScript</c> is a string, not a name; only the strings of the few keys whose text matters
/// (<see cref="KeepsStrings"/>: a link's <c>/URI</c>, the encryption dictionary's, the trailer's <c>/ID</c>) are kept,
/// decoded (escapes, hex), at most <see cref="MaxKeptStringBytes"/> bytes each.
/// Every value parsed charges the check's <see cref="WorkBudget"/>: the bytes it spans (a look-ahead that is given back
/// included) and a value's weight (<see cref="WorkCost.Token"/>, twice when it is allocated rather than shared; a
/// container <see cref="WorkCost.Node"/>), which covers its one examination by <see cref="PdfAnalysis"/> too.
/// </summary>
internal ref struct PdfParser
{
    public const int MaxDepth = 64;

    /// <summary>The most bytes of a string kept (an encryption dictionary's are 48 at most; a link's scheme is in its first bytes).</summary>
    public const int MaxKeptStringBytes = 256;

    private readonly ReadOnlySpan<byte> _data;
    private readonly WorkBudget _budget;

    /// <summary>The position up to which the bytes read are charged.</summary>
    private int _charged;

    public PdfParser(ReadOnlySpan<byte> data, int position, WorkBudget budget)
    {
        _data = data;
        Position = position;
        _charged = position;
        _budget = budget;
    }

    public int Position { get; private set; }

    /// <summary>The data ended inside a value or right after it (a longer token, or more of the value, may follow).</summary>
    public bool HitEnd { get; private set; }

    /// <summary>Containers nested deeper than <see cref="MaxDepth"/> were met (the value is incomplete).</summary>
    public bool TooDeep { get; private set; }

    public static bool IsWhiteSpace(byte b) => b is 0 or 9 or 10 or 12 or 13 or 32;

    public static bool IsDelimiter(byte b) => b is (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%';

    public static bool IsRegular(byte b) => !IsWhiteSpace(b) && !IsDelimiter(b);

    /// <summary>The keys whose string values are kept: the standard security handler's, the trailer's <c>/ID</c>, a link's <c>/URI</c>.</summary>
    public static bool KeepsStrings(string key) => key is "URI" or "ID" or "O" or "U" or "OE" or "UE" or "Perms";

    /// <summary>Skips white space and comments; false when the data ended.</summary>
    public bool SkipSpace()
    {
        while (Position < _data.Length)
        {
            var b = _data[Position];
            if (IsWhiteSpace(b))
            {
                Position++;
            }
            else if (b == '%')
            {
                while (Position < _data.Length && _data[Position] is not ((byte)'\r' or (byte)'\n'))
                {
                    Position++;
                }
            }
            else
            {
                return true;
            }
        }

        HitEnd = true;
        return false;
    }

    /// <summary>The next value, or null at the end of the data.</summary>
    public PdfValue? ParseValue()
    {
        var value = ParseValue(0);
        ChargeRead(0);
        return value;
    }

    /// <summary>Peeks at the keyword that follows (after white space and comments), without consuming it.</summary>
    public string? PeekKeyword()
    {
        var skipped = SkipSpace();
        ChargeRead(WorkCost.Token);
        if (!skipped)
        {
            return null;
        }

        var end = Position;
        while (end < _data.Length && IsRegular(_data[end]) && end - Position < 16)
        {
            end++;
        }

        if (end == _data.Length)
        {
            HitEnd = true;
        }

        return end > Position ? Encoding.ASCII.GetString(_data[Position..end]) : null;
    }

    public void Skip(int count) => Position = Math.Min(_data.Length, Position + count);

    /// <summary>Charges the bytes read since the last charge, and <paramref name="units"/> more.</summary>
    private void ChargeRead(int units)
    {
        var read = Math.Max(0, Position - _charged);
        _charged = Math.Max(_charged, Position);
        _budget.Charge(read + units);
    }

    private PdfValue? ParseValue(int depth, bool keepStrings = false)
    {
        // Each value is charged before it is parsed, with the bytes read since the one before.
        ChargeRead(WorkCost.Token);
        if (!SkipSpace())
        {
            return null;
        }

        var b = _data[Position];
        switch (b)
        {
            case (byte)'/':
                Position++;
                return Allocated(ReadName());
            case (byte)'<' when Position + 1 < _data.Length && _data[Position + 1] == '<':
                Position += 2;
                return ParseDictionary(depth);
            case (byte)'<':
                if (Position + 1 >= _data.Length)
                {
                    HitEnd = true;
                    Position++;
                    return PdfValue.Other;
                }

                if (keepStrings)
                {
                    return Allocated(ReadHexString());
                }

                SkipHexString();
                return PdfValue.Other;
            case (byte)'(':
                if (keepStrings)
                {
                    return Allocated(ReadLiteralString());
                }

                SkipLiteralString();
                return PdfValue.Other;
            case (byte)'[':
                Position++;
                return ParseArray(depth, keepStrings);
            case (byte)')' or (byte)'>' or (byte)']' or (byte)'{' or (byte)'}':
                // Stray: skipped, as readers do.
                Position++;
                return PdfValue.Other;
            default:
                return Allocated(ParseNumberOrKeyword());
        }
    }

    /// <summary>A value that is not one of the shared ones costs its allocation besides its parse (<see cref="WorkCost.Token"/> more).</summary>
    private readonly PdfValue Allocated(PdfValue value)
    {
        if (!value.Shared)
        {
            _budget.Charge(WorkCost.Token);
        }

        return value;
    }

    private PdfValue ParseDictionary(int depth)
    {
        _budget.Charge(WorkCost.Node);
        var entries = new List<KeyValuePair<string, PdfValue>>();
        if (depth >= MaxDepth)
        {
            TooDeep = true;
        }

        while (SkipSpace())
        {
            var b = _data[Position];
            if (b == '>')
            {
                if (Position + 1 >= _data.Length)
                {
                    HitEnd = true;
                    Position++;
                    break;
                }

                Position += _data[Position + 1] == '>' ? 2 : 1;
                return PdfValue.Dictionary(entries);
            }

            if (b != '/')
            {
                // Not a key: a keyword that ends the object ends the dictionary too; anything else is skipped.
                if (IsObjectEnd())
                {
                    return PdfValue.Dictionary(entries);
                }

                _ = depth < MaxDepth ? ParseValue(depth + 1) : SkipOne();
                continue;
            }

            ChargeRead(WorkCost.Token);
            Position++;
            var key = Allocated(ReadName()).Text!;
            if (depth >= MaxDepth)
            {
                SkipOne();
                continue;
            }

            if (SkipSpace() && _data[Position] == '>' )
            {
                // A key without a value: ignored.
                continue;
            }

            if (IsObjectEnd())
            {
                return PdfValue.Dictionary(entries);
            }

            var value = ParseValue(depth + 1, KeepsStrings(key));
            if (value is null)
            {
                break;
            }

            entries.Add(new(key, value));
        }

        return PdfValue.Dictionary(entries);
    }

    private PdfValue ParseArray(int depth, bool keepStrings)
    {
        _budget.Charge(WorkCost.Node);
        var items = new List<PdfValue>();
        if (depth >= MaxDepth)
        {
            TooDeep = true;
        }

        while (SkipSpace())
        {
            if (_data[Position] == ']')
            {
                Position++;
                return PdfValue.Array(items);
            }

            if (IsObjectEnd())
            {
                return PdfValue.Array(items);
            }

            var value = depth < MaxDepth ? ParseValue(depth + 1, keepStrings) : SkipOne();
            if (value is null)
            {
                break;
            }

            // Nothing reads the integers of an array (widths, indexes, coordinates): not kept, only counted.
            items.Add(value.Kind == PdfKind.Integer ? PdfValue.Other : value);
        }

        return PdfValue.Array(items);
    }

    /// <summary>Skips one byte-level token without building anything (past the depth bound).</summary>
    private PdfValue SkipOne()
    {
        ChargeRead(WorkCost.Token);
        Position++;
        return PdfValue.Other;
    }

    private bool IsObjectEnd()
    {
        if (Position >= _data.Length || _data[Position] is not ((byte)'e' or (byte)'s' or (byte)'o'))
        {
            return false;
        }

        var rest = _data[Position..];
        return StartsWithKeyword(rest, "endobj"u8) || StartsWithKeyword(rest, "stream"u8) || StartsWithKeyword(rest, "endstream"u8) || StartsWithKeyword(rest, "obj"u8);
    }

    private static bool StartsWithKeyword(ReadOnlySpan<byte> rest, ReadOnlySpan<byte> keyword) =>
        rest.StartsWith(keyword) && (rest.Length == keyword.Length || !IsRegular(rest[keyword.Length]));

    private PdfValue ParseNumberOrKeyword()
    {
        var start = Position;
        while (Position < _data.Length && IsRegular(_data[Position]))
        {
            Position++;
        }

        if (Position == _data.Length)
        {
            HitEnd = true;
        }

        var token = _data[start..Position];
        if (!TryInteger(token, out var number))
        {
            return token.Length > 0 && char.IsAsciiLetter((char)token[0]) ? PdfValue.Keyword(token) : PdfValue.Other;
        }

        // "n g R" is a reference: look ahead without consuming unless it matches.
        var save = Position;
        var hitEnd = HitEnd;
        if (number >= 0 && SkipSpace())
        {
            var genStart = Position;
            while (Position < _data.Length && char.IsAsciiDigit((char)_data[Position]))
            {
                Position++;
            }

            if (Position > genStart && Position < _data.Length && IsWhiteSpace(_data[Position]) && SkipSpace()
                && _data[Position] == 'R' && (Position + 1 == _data.Length || !IsRegular(_data[Position + 1])))
            {
                if (Position + 1 == _data.Length)
                {
                    HitEnd = true;
                }

                Position++;
                return PdfValue.Reference(number);
            }
        }

        // Not a reference (yet): the data may have ended inside the look-ahead, which is read again as the next value.
        HitEnd = hitEnd || Position >= _data.Length;
        _budget.Charge(Position - save);
        Position = save;
        return PdfValue.Integer(number);
    }

    private static bool TryInteger(ReadOnlySpan<byte> token, out long value)
    {
        value = 0;
        var negative = false;
        var i = 0;
        if (token.Length > 0 && token[0] is (byte)'+' or (byte)'-')
        {
            negative = token[0] == '-';
            i = 1;
        }

        if (i == token.Length || token.Length - i > 15)
        {
            return false;
        }

        for (; i < token.Length; i++)
        {
            if (!char.IsAsciiDigit((char)token[i]))
            {
                return false;
            }

            value = (value * 10) + (token[i] - '0');
        }

        value = negative ? -value : value;
        return true;
    }

    /// <summary>A name's characters after the slash, with <c>#xx</c> escapes decoded (ISO 32000 §7.3.5); at most 256 bytes besides escapes.</summary>
    private PdfValue ReadName()
    {
        var end = Position;
        while (end < _data.Length && IsRegular(_data[end]) && _data[end] != '#')
        {
            end++;
        }

        if (end == _data.Length || !IsRegular(_data[end]))
        {
            // No escape (the usual name): the bytes as they are.
            var name = _data[Position..end];
            Position = end;
            HitEnd |= end == _data.Length;
            return PdfValue.Name(name[..Math.Min(name.Length, 256)]);
        }

        var bytes = new List<byte>();
        while (Position < _data.Length && IsRegular(_data[Position]))
        {
            var b = _data[Position];
            if (b == '#' && Position + 2 < _data.Length && IsHex(_data[Position + 1]) && IsHex(_data[Position + 2]))
            {
                bytes.Add((byte)((Hex(_data[Position + 1]) << 4) | Hex(_data[Position + 2])));
                Position += 3;
                continue;
            }

            if (b == '#' && Position + 2 >= _data.Length)
            {
                HitEnd = true;
            }

            if (bytes.Count < 256)
            {
                bytes.Add(b);
            }

            Position++;
        }

        if (Position == _data.Length)
        {
            HitEnd = true;
        }

        return PdfValue.Name(bytes.ToArray());
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    private void SkipHexString()
    {
        Position++;
        while (Position < _data.Length)
        {
            if (_data[Position++] == '>')
            {
                return;
            }
        }

        HitEnd = true;
    }

    /// <summary>A hex string's bytes (white space skipped, an odd last digit followed by 0), the first <see cref="MaxKeptStringBytes"/> kept.</summary>
    private PdfValue ReadHexString()
    {
        Position++;
        var bytes = new List<byte>();
        var truncated = false;
        var high = -1;
        while (Position < _data.Length)
        {
            var b = _data[Position++];
            if (b == '>')
            {
                if (high >= 0)
                {
                    truncated |= !Keep(bytes, (byte)(high << 4));
                }

                return Kept(bytes, truncated);
            }

            if (!IsHex(b))
            {
                continue;
            }

            if (high < 0)
            {
                high = Hex(b);
            }
            else
            {
                truncated |= !Keep(bytes, (byte)((high << 4) | Hex(b)));
                high = -1;
            }
        }

        HitEnd = true;
        return Kept(bytes, truncated);
    }

    /// <summary>A literal string's bytes (ISO 32000 §7.3.4.2: escapes, octal codes, line continuations, end-of-lines as LF), the first <see cref="MaxKeptStringBytes"/> kept.</summary>
    private PdfValue ReadLiteralString()
    {
        Position++;
        var bytes = new List<byte>();
        var truncated = false;
        var depth = 1;
        while (Position < _data.Length)
        {
            var b = _data[Position++];
            if (b == '\\')
            {
                if (Position >= _data.Length)
                {
                    break;
                }

                var escaped = _data[Position++];
                switch (escaped)
                {
                    case (byte)'n':
                        b = (byte)'\n';
                        break;
                    case (byte)'r':
                        b = (byte)'\r';
                        break;
                    case (byte)'t':
                        b = (byte)'\t';
                        break;
                    case (byte)'b':
                        b = 8;
                        break;
                    case (byte)'f':
                        b = 12;
                        break;
                    case (byte)'\r':
                        if (Position < _data.Length && _data[Position] == '\n')
                        {
                            Position++;
                        }

                        continue;
                    case (byte)'\n':
                        continue;
                    case >= (byte)'0' and <= (byte)'7':
                        var code = escaped - '0';
                        for (var digits = 1; digits < 3 && Position < _data.Length && _data[Position] is >= (byte)'0' and <= (byte)'7'; digits++)
                        {
                            code = (code * 8) + (_data[Position++] - '0');
                        }

                        b = (byte)code;
                        break;
                    default:
                        // \( \) \\ and an unknown escape: the character itself.
                        b = escaped;
                        break;
                }
            }
            else if (b == '(')
            {
                depth++;
            }
            else if (b == ')' && --depth == 0)
            {
                return Kept(bytes, truncated);
            }
            else if (b == '\r')
            {
                // An end-of-line in a string reads as LF, CR LF included.
                if (Position < _data.Length && _data[Position] == '\n')
                {
                    Position++;
                }

                b = (byte)'\n';
            }

            truncated |= !Keep(bytes, b);
        }

        Position = _data.Length;
        HitEnd = true;
        return Kept(bytes, truncated);
    }

    private static bool Keep(List<byte> bytes, byte b)
    {
        if (bytes.Count >= MaxKeptStringBytes)
        {
            return false;
        }

        bytes.Add(b);
        return true;
    }

    private readonly PdfValue Kept(List<byte> bytes, bool truncated)
    {
        _budget.ChargeBytes(bytes.Count, WorkCost.AllocatedByte);
        return PdfValue.String([.. bytes], truncated);
    }

    private void SkipLiteralString()
    {
        Position++;
        var depth = 1;
        while (Position < _data.Length)
        {
            var b = _data[Position++];
            if (b == '\\')
            {
                Position++;
            }
            else if (b == '(')
            {
                depth++;
            }
            else if (b == ')' && --depth == 0)
            {
                return;
            }
        }

        Position = _data.Length;
        HitEnd = true;
    }
}
