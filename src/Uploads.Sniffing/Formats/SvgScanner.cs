using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace Uploads.Sniffing.Formats;

/// <summary>
/// Scans a whole SVG for active content: script-capable elements, event-handler attributes, script URLs, animations
/// that set links or handlers, CSS expressions and XSLT. The DTD's internal subset is parsed (its entities expanded, bounded,
/// and its default attributes seen, as a browser would), but nothing outside the file is ever resolved.
/// </summary>
internal static partial class SvgScanner
{
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

    private static readonly string[] ScriptSchemes = ["javascript:", "vbscript:", "livescript:"];

    private static readonly string[] SafeDataImages = ["data:image/png", "data:image/jpeg", "data:image/jpg", "data:image/gif", "data:image/webp", "data:image/avif"];

    private static readonly string[] CssDangers = ["expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "behaviour:"];

    public static XmlReaderSettings Settings() => new()
    {
        DtdProcessing = DtdProcessing.Parse,
        XmlResolver = null,
        MaxCharactersFromEntities = 256 * 1024,
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

    /// <summary>The refusal reason, or null when the SVG is free of active content (external references allowed by <paramref name="allowed"/> are listed in <paramref name="findings"/>).</summary>
    public static string? FindActiveContent(ReadOnlyMemory<byte> svg, ActiveContentKinds allowed, List<ActiveContentFinding> findings)
    {
        string? External(string what)
        {
            ActiveContent.ActiveContentVerdict.Add(findings, ActiveContentKinds.SvgExternalReferences, $"SVG makes the viewer fetch or read something outside the image ({what})");
            return (allowed & ActiveContentKinds.SvgExternalReferences) != 0
                ? null
                : $"The SVG makes the viewer fetch or read something outside the image ({what}); SVGs that load external resources are refused (embed them, or reference only #fragments).";
        }

        try
        {
            using var reader = XmlReader.Create(new MemoryReadStream(svg), Settings());
            var styleDepth = -1;
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        var problem = CheckElement(reader);
                        if (problem is not null)
                        {
                            return Refuse(problem);
                        }

                        if (ExternalReference(reader) is { } external && External(external) is { } externalRefusal)
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
                    case XmlNodeType.Text or XmlNodeType.CDATA when styleDepth >= 0 && IsDangerousCss(reader.Value):
                        return Refuse("a script expression in a <style> element");
                    case XmlNodeType.Text or XmlNodeType.CDATA when styleDepth >= 0 && ExternalCss(reader.Value) is { } css:
                        if (External($"{css} in a <style> element") is { } styleRefusal)
                        {
                            return styleRefusal;
                        }

                        break;
                    case XmlNodeType.ProcessingInstruction when reader.Name.Equals("xml-stylesheet", StringComparison.OrdinalIgnoreCase):
                        return Refuse("an xml-stylesheet processing instruction");
                    case XmlNodeType.DocumentType when DeclaresExternalEntity(reader.Value):
                        return Refuse("an external entity declaration");
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

    private static string? CheckElement(XmlReader reader)
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
            var name = reader.LocalName;
            var value = reader.Value;
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
    private static string? ExternalReference(XmlReader reader)
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

                var value = reader.Value;
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

    /// <summary><c>@import</c>, or a <c>url(...)</c> that is not a fragment or an embedded raster image.</summary>
    private static string? ExternalCss(string css)
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
            var argument = normalized[(at + 4)..].TrimStart('"', '\'');
            if (!argument.StartsWith('#') && !IsSafeDataImage(argument))
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

    /// <summary>True when the internal subset declares an entity with a SYSTEM or PUBLIC identifier (never resolved, but never legitimate in an upload).</summary>
    private static bool DeclaresExternalEntity(string internalSubset) => ExternalEntity().IsMatch(internalSubset);

    [GeneratedRegex(@"<!ENTITY\s+(%\s+)?[^\s>]+\s+(SYSTEM|PUBLIC)\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ExternalEntity();

    private static bool IsSafeDataImage(string url)
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

    private static bool IsDangerousCss(string css)
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
    private static string NormalizeUrl(string value)
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

    private static string Refuse(string what) =>
        $"The SVG contains active content ({what}); SVGs with scripts, event handlers or script links are refused because they would run wherever the image is opened.";
}
