using System.Globalization;
using System.Text;

namespace Uploads.Cli;

/// <summary>
/// Text measured and cut in terminal cells, so that a line of the live display never reaches the terminal's last
/// column (where it would wrap): wide East Asian characters and emoji take two cells, combining marks none, and
/// control characters in a file name (an escape sequence, a newline) are shown as <c>?</c>, never sent raw.
/// </summary>
internal static class TerminalText
{
    private const char Ellipsis = '…';

    /// <summary>A file name or message made printable on one line: every control character becomes <c>?</c>.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                builder.Append('?');
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    /// <summary>The cells <paramref name="text"/> (printable, no escape sequences) takes on a terminal.</summary>
    public static int Width(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var width = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            width += Width(rune);
        }

        return width;
    }

    /// <summary>
    /// <paramref name="text"/> in exactly <paramref name="width"/> cells: padded with spaces, or cut with an ellipsis,
    /// at the end or (<paramref name="keepEnd"/>, for file names: the extension stays visible) in the middle.
    /// </summary>
    public static string Fit(string text, int width, bool keepEnd = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (width <= 0)
        {
            return string.Empty;
        }

        var actual = Width(text);
        if (actual <= width)
        {
            return text + new string(' ', width - actual);
        }

        if (width == 1)
        {
            return Ellipsis.ToString();
        }

        var runes = text.EnumerateRunes().ToArray();
        var room = width - 1;
        var tail = keepEnd ? room / 2 : 0;
        var head = TakeCells(runes, room - tail, fromEnd: false);
        var end = TakeCells(runes, room - Width(head), fromEnd: true, limit: tail);
        var fitted = head + Ellipsis + end;
        return fitted + new string(' ', width - Width(fitted));
    }

    /// <summary><paramref name="text"/> cut (never padded) to at most <paramref name="width"/> cells.</summary>
    public static string Cut(string text, int width) => Width(text) <= width ? text : Fit(text, width).TrimEnd();

    private static string TakeCells(Rune[] runes, int cells, bool fromEnd, int limit = int.MaxValue)
    {
        cells = Math.Min(cells, limit);
        var taken = new List<Rune>();
        var used = 0;
        for (var i = 0; i < runes.Length; i++)
        {
            var rune = runes[fromEnd ? runes.Length - 1 - i : i];
            var width = Width(rune);
            if (used + width > cells)
            {
                break;
            }

            taken.Add(rune);
            used += width;
        }

        if (fromEnd)
        {
            taken.Reverse();
        }

        return string.Concat(taken.Select(r => r.ToString()));
    }

    private static int Width(Rune rune)
    {
        if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format)
        {
            return 0;
        }

        var value = rune.Value;
        return value is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0x303E) or (>= 0x3041 and <= 0x33FF) or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x4E00 and <= 0x9FFF) or (>= 0xA000 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60) or (>= 0xFFE0 and <= 0xFFE6) or (>= 0x1F300 and <= 0x1F64F)
            or (>= 0x1F900 and <= 0x1F9FF) or (>= 0x20000 and <= 0x3FFFD)
            ? 2
            : 1;
    }
}
