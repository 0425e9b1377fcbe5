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

    /// <summary>The refusal reason, or null when the SVG is free of active content.</summary>
    public static string? FindActiveContent(ReadOnlyMemory<byte> svg)
    {
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
                    case XmlNodeType.ProcessingInstruction when reader.Name.Equals("xml-stylesheet", StringComparison.OrdinalIgnoreCase):
                        return Refuse("an xml-stylesheet processing instruction");
                    case XmlNodeType.DocumentType when DeclaresExternalEntity(reader.Value):
                        return Refuse("an external entity declaration");
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
