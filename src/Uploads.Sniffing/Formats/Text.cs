using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// Plain text: UTF-8 (with or without BOM) or UTF-16 with a BOM; no NUL and no control characters but TAB, LF, FF, CR
/// and ESC. The head and the last <see cref="ContentSniffer.TextTailBytes"/> are checked (not the middle of a large file).
/// Text without binary bytes that is not valid UTF-8 (Latin-1, Windows-1252) is reported as text/plain with a refusal.
/// </summary>
internal static class Text
{
    // C0 controls other than TAB (09), LF (0A), FF (0C), CR (0D), ESC (1B); and DEL (7F).
    private static readonly SearchValues<byte> BinaryBytes = SearchValues.Create(
        [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0B, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C, 0x1D, 0x1E, 0x1F, 0x7F]);

    /// <summary>The passes a check makes over the bytes at most: binary bytes, UTF-8 validity, the bad offset, the ASCII share.</summary>
    private const int PassesPerByte = 4;

    private enum Verdict
    {
        Text,
        Binary,
        NotUtf8,
    }

    public static SniffOutcome? Detect(SniffContext context)
    {
        var head = context.Head.Span;
        var bom = ByteOrderMark(head, out var utf16);

        var whole = context.HeadIsWholeFile;
        var verdict = Check(head[bom..], utf16, resync: false, final: whole, context.Budget, out var badOffset);
        if (verdict == Verdict.Text && !whole)
        {
            if (!context.TryGetTail(ContentSniffer.TextTailBytes, out var tail, out var missing))
            {
                return missing;
            }

            var tailStart = context.Total!.Value - tail.Length;
            var skip = utf16 != TextEncoding.Utf8 && (tailStart - bom) % 2 != 0 ? 1 : 0;
            verdict = Check(tail.Span[skip..], utf16, resync: true, final: true, context.Budget, out badOffset);
            badOffset += tailStart + skip;
        }
        else
        {
            badOffset += bom;
        }

        return verdict switch
        {
            Verdict.Text => SniffContext.Detected(MediaTypes.PlainText),
            Verdict.NotUtf8 => new SniffOutcome.Detected(
                MediaTypes.PlainText,
                $"The text is not valid UTF-8 (byte offset {badOffset}); save it as UTF-8, or as UTF-16 with a byte order mark."),
            _ => null,
        };
    }

    /// <summary>
    /// The one reading of a byte order mark at the start of text: UTF-16 LE (<c>FF FE</c>), UTF-16 BE (<c>FE FF</c>),
    /// UTF-8 (<c>EF BB BF</c>) or none (UTF-8 assumed). Returns the mark's length in bytes.
    /// </summary>
    internal static int ByteOrderMark(ReadOnlySpan<byte> bytes, out TextEncoding encoding)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            encoding = TextEncoding.Utf16LittleEndian;
            return 2;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            encoding = TextEncoding.Utf16BigEndian;
            return 2;
        }

        encoding = TextEncoding.Utf8;
        return bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
    }

    /// <summary>
    /// The code point at <paramref name="at"/> (<paramref name="length"/>: its bytes, 0 when the bytes end there or
    /// do not decode) in <paramref name="encoding"/>.
    /// </summary>
    internal static Rune RuneAt(ReadOnlySpan<byte> bytes, int at, TextEncoding encoding, out int length)
    {
        length = 0;
        if (encoding == TextEncoding.Utf8)
        {
            if (Rune.DecodeFromUtf8(bytes[at..], out var rune, out var consumed) != OperationStatus.Done)
            {
                return default;
            }

            length = consumed;
            return rune;
        }

        Span<char> units = stackalloc char[2];
        var count = 0;
        for (; count < 2 && at + (2 * count) + 1 < bytes.Length; count++)
        {
            var b = bytes[(at + (2 * count))..];
            units[count] = encoding == TextEncoding.Utf16LittleEndian ? (char)(b[0] | (b[1] << 8)) : (char)((b[0] << 8) | b[1]);
        }

        if (Rune.DecodeFromUtf16(units[..count], out var unit, out var read) != OperationStatus.Done)
        {
            return default;
        }

        length = 2 * read;
        return unit;
    }

    /// <summary>The verdict on <paramref name="bytes"/>; each byte is looked at a bounded number of times (a few passes), charged up front.</summary>
    private static Verdict Check(ReadOnlySpan<byte> bytes, TextEncoding utf16, bool resync, bool final, WorkBudget budget, out long badOffset)
    {
        budget.ChargeBytes(bytes.Length, PassesPerByte * WorkCost.ScanByte);
        badOffset = 0;
        return utf16 == TextEncoding.Utf8 ? CheckUtf8(bytes, resync, final, out badOffset) : CheckUtf16(bytes, utf16, resync, final);
    }

    private static Verdict CheckUtf8(ReadOnlySpan<byte> bytes, bool resync, bool final, out long badOffset)
    {
        badOffset = 0;
        if (bytes.IndexOfAny(BinaryBytes) >= 0)
        {
            return Verdict.Binary;
        }

        var start = 0;
        if (resync)
        {
            while (start < Math.Min(3, bytes.Length) && (bytes[start] & 0xC0) == 0x80)
            {
                start++;
            }
        }

        var window = bytes[start..];
        if (!final)
        {
            window = window[..^IncompleteTail(window)];
        }

        if (Utf8.IsValid(window))
        {
            return Verdict.Text;
        }

        var position = 0;
        while (position < window.Length && Rune.DecodeFromUtf8(window[position..], out _, out var consumed) == OperationStatus.Done)
        {
            position += consumed;
        }

        badOffset = start + position;

        // Legacy 8-bit text (Latin-1, Windows-1252) is mostly ASCII; bytes that are mostly high are binary.
        var ascii = CountAscii(bytes);
        return ascii * 10 >= bytes.Length * 7 ? Verdict.NotUtf8 : Verdict.Binary;
    }

    private static int CountAscii(ReadOnlySpan<byte> bytes)
    {
        var count = 0;
        foreach (var b in bytes)
        {
            count += b < 0x80 ? 1 : 0;
        }

        return count;
    }

    /// <summary>How many bytes at the end form an incomplete (not invalid) UTF-8 sequence.</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? back : 0;
        }

        return 0;
    }

    private static Verdict CheckUtf16(ReadOnlySpan<byte> bytes, TextEncoding order, bool resync, bool final)
    {
        var units = bytes.Length / 2;
        var expectLow = false;
        for (var i = 0; i < units; i++)
        {
            var unit = order == TextEncoding.Utf16LittleEndian
                ? (char)(bytes[2 * i] | (bytes[(2 * i) + 1] << 8))
                : (char)((bytes[2 * i] << 8) | bytes[(2 * i) + 1]);
            if (char.IsLowSurrogate(unit))
            {
                if (!expectLow && !(resync && i == 0))
                {
                    return Verdict.Binary;
                }

                expectLow = false;
                continue;
            }

            if (expectLow)
            {
                return Verdict.Binary;
            }

            if (char.IsHighSurrogate(unit))
            {
                expectLow = true;
                continue;
            }

            if (unit < 0x80 && BinaryBytes.Contains((byte)unit))
            {
                return Verdict.Binary;
            }
        }

        return (expectLow && final) || (final && bytes.Length % 2 != 0) ? Verdict.Binary : Verdict.Text;
    }
}

/// <summary>How text is encoded, as its byte order mark says (<see cref="Text.ByteOrderMark"/>).</summary>
internal enum TextEncoding
{
    Utf8,
    Utf16LittleEndian,
    Utf16BigEndian,
}
