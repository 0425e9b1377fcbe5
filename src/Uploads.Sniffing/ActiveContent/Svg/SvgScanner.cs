using System.Xml;
using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Svg;

/// <summary>
/// Scans a whole SVG for active content: script-capable elements, event-handler attributes, script URLs, animations
/// that set links or handlers, CSS expressions and XSLT. Before any XML parser sees the bytes, the prolog is read
/// (<see cref="SvgReader.ReadProlog"/>): a DTD's internal subset may only declare short text entities (what Illustrator writes
/// for its namespaces), which are then expanded (bounded); default attributes (<c>ATTLIST</c>), element and
/// notation declarations, parameter and external entities are refused, and nothing outside the file is ever resolved.
/// Every node, attribute and character read is charged to the check's <see cref="WorkBudget"/>.
/// </summary>
internal static class SvgScanner
{
    /// <summary>
    /// The deepest nesting of elements accepted: Blink's and WebKit's limit (they render nothing deeper); drawings nest
    /// groups a few dozen deep, and a parser keeps state for every open element (600,000 levels fit in 4 MiB).
    /// </summary>
    public const int MaxDepth = 5000;

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
    /// <see cref="SvgReader.ReadProlog"/> read from the same bytes.
    /// </summary>
    public static string? FindActiveContent(ReadOnlyMemory<byte> svg, SvgReader.Prolog prolog, ActiveContentKinds allowed, List<ActiveContentFinding> findings, WorkBudget budget)
    {
        if (prolog.Refusal is { } prologRefusal)
        {
            return prologRefusal;
        }

        string? External(string what)
        {
            ActiveContentVerdict.Add(findings, ActiveContentKinds.SvgExternalReferences, $"SVG makes the viewer fetch or read something outside the image ({what})");
            return (allowed & ActiveContentKinds.SvgExternalReferences) != 0
                ? null
                : $"The SVG makes the viewer fetch or read something outside the image ({what}); SVGs that load external resources are refused (embed them, or reference only #fragments).";
        }

        try
        {
            using var reader = XmlReader.Create(new MemoryReadStream(svg, budget), SvgReader.Settings(prolog.Dtd));
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
                    case XmlNodeType.Text or XmlNodeType.CDATA when styleDepth >= 0 && MarkupRules.IsDangerousCss(Charged(reader.Value, budget)):
                        return Refuse("a script expression in a <style> element");
                    case XmlNodeType.Text or XmlNodeType.CDATA when styleDepth >= 0 && MarkupRules.ExternalCss(Charged(reader.Value, budget)) is { } css:
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

            var url = MarkupRules.NormalizeUrl(value);
            foreach (var scheme in MarkupRules.ScriptSchemes)
            {
                if (url.Contains(scheme, StringComparison.Ordinal))
                {
                    return $"a {scheme} URL in {reader.Name} on <{element}>";
                }
            }

            if (UrlAttributes.Contains(name) && url.StartsWith("data:", StringComparison.Ordinal) && !MarkupRules.IsSafeDataImage(url))
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

            if (name.Equals("style", StringComparison.OrdinalIgnoreCase) && MarkupRules.IsDangerousCss(value))
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

                if (MarkupRules.ExternalCss(value) is { } css)
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
        var value = MarkupRules.NormalizeUrl(reference);
        return value.Length == 0 || value.StartsWith('#') || MarkupRules.IsSafeDataImage(value);
    }

    /// <summary><paramref name="value"/>, charged as characters scanned before it is looked at.</summary>
    private static string Charged(string value, WorkBudget budget)
    {
        budget.ChargeBytes(value.Length);
        return value;
    }

    internal static string Refuse(string what) =>
        $"The SVG contains active content ({what}); SVGs with scripts, event handlers or script links are refused because they would run wherever the image is opened.";
}
