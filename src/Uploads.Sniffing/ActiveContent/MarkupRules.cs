using System.Text;

namespace Uploads.Sniffing.ActiveContent;

/// <summary>
/// The script-URL, data-URL and CSS rules that the SVG scanner and the HTML a DOCX imports share: URLs compared as
/// browsers read them (<see cref="NormalizeUrl"/>), script schemes, raster images embedded as <c>data:</c>, CSS
/// expressions and CSS that loads something from outside.
/// </summary>
internal static class MarkupRules
{
    internal static readonly string[] ScriptSchemes = ["javascript:", "vbscript:", "livescript:"];

    private static readonly string[] SafeDataImages = ["data:image/png", "data:image/jpeg", "data:image/jpg", "data:image/gif", "data:image/webp", "data:image/avif"];

    private static readonly string[] CssDangers = ["expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "behaviour:"];

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
}
