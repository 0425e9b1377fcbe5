using System.Text;
using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Office;

/// <summary>
/// Scripts and outside loads in HTML (or XHTML, or XML) that a DOCX imports (<c>altChunk</c>, docs/sniffing.md,
/// "Imported parts (altChunk)"). A lenient tag scanner, more suspicious than a browser: comments and raw-text elements
/// but style sheets are scanned as markup too (Word honours conditional comments), attribute values are read with character
/// references decoded, and CSS through <see cref="MarkupRules"/>' checks. Refused: <c>&lt;script&gt;</c>, event-handler
/// attributes (<c>on*</c>), script URLs, CSS expressions (<see cref="ActiveContentKinds.OfficeImportedScripts"/>);
/// elements that load or frame something (<c>iframe</c>, <c>frame</c>, <c>object</c>, <c>embed</c>, <c>applet</c>,
/// <c>base</c>, <c>meta http-equiv=refresh</c>), URL attributes (<c>src</c>, <c>background</c>, <c>href</c> but on
/// links, …) that are not a fragment, an embedded raster image (<c>data:</c>) or, in a web archive, a part of it
/// (<c>cid:</c>), any attribute holding an absolute web, file or UNC address, CSS <c>url()</c>/<c>@import</c>
/// (<see cref="ActiveContentKinds.OfficeExternalContent"/>). Word's field markup (<c>mso-element:field-begin</c>)
/// hands its instruction text to the DOCX field rules. One pass; every character and tag charged.
/// </summary>
internal static class HtmlActiveContent
{
    /// <summary>Field instruction text kept per field (what the DOCX field rules look at).</summary>
    private const int MaxInstructionChars = 4096;

    private static readonly HashSet<string> LoadingElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "iframe", "frame", "frameset", "object", "embed", "applet", "base", "bgsound", "portal", "import",
    };

    private static readonly HashSet<string> UrlAttributes = new(StringComparer.OrdinalIgnoreCase)
    {
        "src", "background", "lowsrc", "dynsrc", "poster", "data", "codebase", "srcset", "action", "formaction", "href",
        "imagesrc", "imagesrcset", "archive", "classid", "manifest", "icon",
    };

    private static readonly string[] AbsoluteSchemes = ["http:", "https:", "ftp:", "file:", "mhtml:", "ms-its:", "its:", "\\\\", "//", "smb:", "webdav:"];

    /// <summary>
    /// Adds to <paramref name="found"/> the first finding of each kind in <paramref name="html"/> (what, for a reason:
    /// "a &lt;script&gt; element"), and to <paramref name="instructions"/> the instruction text of Word's HTML fields.
    /// <paramref name="contentIds"/>: <c>cid:</c> references are parts of the same web archive (MHT).
    /// </summary>
    public static void Find(string html, bool contentIds, WorkBudget budget, Dictionary<ActiveContentKinds, string> found, List<string> instructions)
    {
        budget.ChargeBytes(html.Length);
        StringBuilder? field = null;
        var at = 0;
        while (at < html.Length)
        {
            var open = html.IndexOf('<', at);
            if (field is not null)
            {
                var text = html.AsSpan(at, (open < 0 ? html.Length : open) - at);
                field.Append(text[..Math.Min(text.Length, MaxInstructionChars - field.Length)]);
            }

            if (open < 0 || open + 1 >= html.Length)
            {
                break;
            }

            budget.Charge(WorkCost.MarkupNode);
            at = open + 1;
            if (html[at] == '/')
            {
                // An end tag: nothing in it is read.
                var close = html.IndexOf('>', at);
                at = close < 0 ? html.Length : close + 1;
                continue;
            }

            if (!char.IsAsciiLetter(html[at]))
            {
                // Comments, declarations, processing instructions: what follows is scanned as markup too.
                continue;
            }

            var nameStart = at;
            while (at < html.Length && !IsSpace(html[at]) && html[at] is not '/' and not '>')
            {
                at++;
            }

            var element = html[nameStart..at];
            var local = element[(element.LastIndexOf(':') + 1)..];
            if (local.Equals("script", StringComparison.OrdinalIgnoreCase))
            {
                found.TryAdd(ActiveContentKinds.OfficeImportedScripts, "a <script> element");
            }
            else if (LoadingElements.Contains(local))
            {
                found.TryAdd(ActiveContentKinds.OfficeExternalContent, $"a <{Zip.Printable(local.ToLowerInvariant())}> element");
            }

            var fieldMark = false;
            at = Attributes(html, at, element, local, contentIds, budget, found, ref fieldMark);
            if (fieldMark)
            {
                if (field is not null)
                {
                    instructions.Add(field.ToString());
                }

                field = html.AsSpan(nameStart, at - nameStart).Contains("field-begin", StringComparison.OrdinalIgnoreCase) ? new StringBuilder() : null;
            }

            if (local.Equals("style", StringComparison.OrdinalIgnoreCase))
            {
                // The style sheet to its end tag (or the end), checked as CSS and not looked at again: one pass.
                var end = html.IndexOf("</style", at, StringComparison.OrdinalIgnoreCase);
                end = end < 0 ? html.Length : end;
                Css(html[at..end], contentIds, "a <style> element", budget, found);
                at = end;
            }
        }

        if (field is not null)
        {
            instructions.Add(field.ToString());
        }
    }

    /// <summary>
    /// The text of markup bytes: by its byte order mark (UTF-8 or UTF-16), else one character per byte (the markup of
    /// every ASCII-compatible encoding is ASCII). Null when it cannot be read so: NUL characters (UTF-16 or UTF-32
    /// without a mark) or a declared UTF-7 (whose markup is not ASCII).
    /// </summary>
    public static string? Decode(ReadOnlySpan<byte> bytes, WorkBudget budget)
    {
        budget.ChargeBytes(bytes.Length, WorkCost.DecodedByte);
        var bom = Text.ByteOrderMark(bytes, out var encoding);
        var text = encoding switch
        {
            TextEncoding.Utf16LittleEndian => Encoding.Unicode.GetString(bytes[bom..(bom + ((bytes.Length - bom) & ~1))]),
            TextEncoding.Utf16BigEndian => Encoding.BigEndianUnicode.GetString(bytes[bom..(bom + ((bytes.Length - bom) & ~1))]),
            _ => Encoding.Latin1.GetString(bytes[bom..]),
        };
        return text.Contains('\0', StringComparison.Ordinal) || text.Contains("utf-7", StringComparison.OrdinalIgnoreCase)
            || text.Contains("utf7", StringComparison.OrdinalIgnoreCase) ? null : text;
    }

    /// <summary>CSS (a <c>&lt;style&gt;</c> element, a <c>style</c> attribute, a stylesheet of a web archive).</summary>
    public static void Css(string css, bool contentIds, string where, WorkBudget budget, Dictionary<ActiveContentKinds, string> found)
    {
        budget.ChargeBytes(4L * css.Length);

        // IE's built-in behaviours (#default#VML, what Word writes for its drawings) run no code of the document's.
        var normalized = MarkupRules.NormalizeUrl(css).Replace("behavior:url(#default#", "url(#", StringComparison.Ordinal);
        if (MarkupRules.IsDangerousCss(normalized))
        {
            found.TryAdd(ActiveContentKinds.OfficeImportedScripts, $"a script expression in the CSS of {where}");
        }

        if (MarkupRules.ExternalCss(css, contentIds) is { } external)
        {
            found.TryAdd(ActiveContentKinds.OfficeExternalContent, $"{external} in {where}");
        }
    }

    /// <summary>The attributes of a start tag from <paramref name="at"/> to its <c>&gt;</c>, each checked; returns where the tag ends.</summary>
    private static int Attributes(string html, int at, string element, string local, bool contentIds, WorkBudget budget, Dictionary<ActiveContentKinds, string> found, ref bool fieldMark)
    {
        var link = local.Equals("a", StringComparison.OrdinalIgnoreCase) || local.Equals("area", StringComparison.OrdinalIgnoreCase);
        var tag = $"<{Zip.Printable(element.ToLowerInvariant())}>";
        while (at < html.Length)
        {
            while (at < html.Length && (IsSpace(html[at]) || html[at] == '/'))
            {
                at++;
            }

            if (at >= html.Length || html[at] == '>')
            {
                return at + 1;
            }

            budget.Charge(WorkCost.MarkupNode);
            var nameStart = at++;
            while (at < html.Length && !IsSpace(html[at]) && html[at] is not '/' and not '>' and not '=')
            {
                at++;
            }

            var name = html[nameStart..at].ToLowerInvariant();
            while (at < html.Length && IsSpace(html[at]))
            {
                at++;
            }

            var value = string.Empty;
            if (at < html.Length && html[at] == '=')
            {
                at++;
                while (at < html.Length && IsSpace(html[at]))
                {
                    at++;
                }

                var valueStart = at;
                if (at < html.Length && html[at] is '"' or '\'')
                {
                    var close = html.IndexOf(html[at], at + 1);
                    valueStart = at + 1;
                    at = close < 0 ? html.Length : close;
                    value = html[valueStart..at];
                    at = Math.Min(html.Length, at + 1);
                }
                else
                {
                    while (at < html.Length && !IsSpace(html[at]) && html[at] != '>')
                    {
                        at++;
                    }

                    value = html[valueStart..at];
                }
            }

            budget.ChargeBytes(4L * value.Length, WorkCost.AllocatedByte);
            Attribute(name, Unescape(value), tag, link, contentIds, budget, found, ref fieldMark);
        }

        return at;
    }

    private static void Attribute(string name, string value, string tag, bool link, bool contentIds, WorkBudget budget, Dictionary<ActiveContentKinds, string> found, ref bool fieldMark)
    {
        if (name.StartsWith("xmlns", StringComparison.Ordinal))
        {
            return;
        }

        var local = name[(name.LastIndexOf(':') + 1)..];
        if (local.StartsWith("on", StringComparison.Ordinal))
        {
            found.TryAdd(ActiveContentKinds.OfficeImportedScripts, $"an event-handler attribute {Zip.Printable(name)} on {tag}");
            return;
        }

        var url = MarkupRules.NormalizeUrl(value);
        foreach (var scheme in MarkupRules.ScriptSchemes)
        {
            if (url.Contains(scheme, StringComparison.Ordinal))
            {
                found.TryAdd(ActiveContentKinds.OfficeImportedScripts, $"a {scheme} URL in {Zip.Printable(name)} on {tag}");
                return;
            }
        }

        if (local == "style")
        {
            fieldMark |= url.Contains("mso-element:field-", StringComparison.Ordinal);
            Css(value, contentIds, $"the style attribute of {tag}", budget, found);
            return;
        }

        if (local == "http-equiv" && (url.Contains("refresh", StringComparison.Ordinal) || url.Contains("link", StringComparison.Ordinal)))
        {
            found.TryAdd(ActiveContentKinds.OfficeExternalContent, $"a <meta http-equiv=\"{(url.Contains("refresh", StringComparison.Ordinal) ? "refresh" : "link")}\"> (it loads another address)");
            return;
        }

        var isLink = link && local == "href";
        var local0 = url.Length == 0 || url.StartsWith('#') || MarkupRules.IsSafeDataImage(url) || (contentIds && url.StartsWith("cid:", StringComparison.Ordinal));
        if (!isLink && ((UrlAttributes.Contains(local) && !local0) || AbsoluteSchemes.Any(s => url.StartsWith(s, StringComparison.Ordinal))))
        {
            found.TryAdd(ActiveContentKinds.OfficeExternalContent, $"{Zip.Printable(name)} on {tag}");
        }
    }

    /// <summary>Character references decoded (<c>&amp;#106;</c>, <c>&amp;#x6A;</c> and the named ones that spell a scheme), as a browser reads a value.</summary>
    private static string Unescape(string value)
    {
        if (!value.Contains('&', StringComparison.Ordinal))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '&')
            {
                builder.Append(value[i]);
                continue;
            }

            var end = i + 1;
            while (end < value.Length && end - i <= 12 && (char.IsAsciiLetterOrDigit(value[end]) || value[end] == '#'))
            {
                end++;
            }

            var entity = value[(i + 1)..end];
            var code = entity.StartsWith("#x", StringComparison.OrdinalIgnoreCase) && int.TryParse(entity.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out var hex) ? hex
                : entity.StartsWith('#') && int.TryParse(entity.AsSpan(1), out var dec) ? dec
                : entity.ToLowerInvariant() switch
                {
                    "colon" => ':',
                    "tab" => '\t',
                    "newline" => '\n',
                    "sol" => '/',
                    "bsol" => '\\',
                    "lpar" => '(',
                    "amp" => '&',
                    "quot" => '"',
                    "apos" => '\'',
                    "lt" => '<',
                    "gt" => '>',
                    _ => -1,
                };
            if (code is > 0 and < 0x110000 and not (>= 0xD800 and <= 0xDFFF))
            {
                builder.Append(char.ConvertFromUtf32(code));
                i = end < value.Length && value[end] == ';' ? end : end - 1;
            }
            else
            {
                builder.Append('&');
            }
        }

        return builder.ToString();
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f';
}
