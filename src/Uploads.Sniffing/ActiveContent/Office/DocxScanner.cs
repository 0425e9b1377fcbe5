using System.Text;
using System.Xml;
using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Office;

/// <summary>
/// Active content of a DOCX, from its ZIP central directory and a bounded set of parts (docs/sniffing.md, "DOCX"):
/// macros in any form (a <c>vbaProject</c> content type, part or relationship), ActiveX controls (<c>activeX</c>
/// parts, <c>control</c> relationships), external relationships other than hyperlinks (remote templates, linked
/// OLE objects, frames, sub-documents, linked images), DDE/DDEAUTO and remote INCLUDE fields (in <c>w:fldSimple</c>
/// and in <c>w:instrText</c> split across runs), and embedded OLE packages (<c>Ole10Native</c>).
/// The parts read: every <c>.rels</c>, the main document, headers, footers, notes, comments and glossary, and
/// <c>embeddings/*.bin</c>; at most <see cref="MaxPartBytes"/> compressed in all, each inflated at most
/// <see cref="MaxInflatedPartBytes"/>.
/// </summary>
internal static class DocxScanner
{
    public const int MaxPartBytes = 6 * 1024 * 1024;
    public const int MaxInflatedPartBytes = 32 * 1024 * 1024;

    private static readonly string[] StoryParts = ["document", "header", "footer", "footnotes", "endnotes", "comments"];

    public static SniffOutcome Check(SniffContext context, Dictionary<string, Zip.Central> entries, string mainPart, bool macrosDeclared)
    {
        var findings = new List<ActiveContentFinding>();
        if (macrosDeclared)
        {
            ActiveContentVerdict.Add(findings, ActiveContentKinds.OfficeMacros, "DOCX contains macros (a VBA project); save it as a macro-free .docx");
        }

        var parts = new List<Zip.Central>();
        long total = 0;
        foreach (var (name, entry) in entries)
        {
            var lower = name.ToLowerInvariant();
            if (lower.EndsWith("vbaproject.bin", StringComparison.Ordinal) || lower.EndsWith("vbadata.xml", StringComparison.Ordinal))
            {
                ActiveContentVerdict.Add(findings, ActiveContentKinds.OfficeMacros, "DOCX contains macros (a VBA project); save it as a macro-free .docx");
            }

            if (lower.Contains("activex/", StringComparison.Ordinal))
            {
                ActiveContentVerdict.Add(findings, ActiveContentKinds.OfficeActiveX, "DOCX contains ActiveX controls");
            }

            if (lower.EndsWith(".rels", StringComparison.Ordinal) || IsStory(lower, mainPart) || (lower.Contains("embeddings/", StringComparison.Ordinal) && lower.EndsWith(".bin", StringComparison.Ordinal)))
            {
                parts.Add(entry);
                total += entry.CompressedSize;
            }
        }

        if (total > MaxPartBytes)
        {
            return ActiveContentVerdict.Unverifiable(MediaTypes.Docx, "DOCX", $"its text and relationship parts hold more than {MaxPartBytes / 1024 / 1024} MiB compressed", findings);
        }

        // In file order, so that each range asked for (a megabyte from the next part) brings the following parts too.
        parts.Sort((a, b) => a.LocalHeaderOffset.CompareTo(b.LocalHeaderOffset));
        foreach (var part in parts)
        {
            if (!Zip.TryReadEntry(context, part, MaxPartBytes, MaxInflatedPartBytes, out var content, out var failed))
            {
                return failed is SniffOutcome.NeedBytes ? failed : ActiveContentVerdict.Unverifiable(MediaTypes.Docx, "DOCX", ((SniffOutcome.Detected)failed).Refusal ?? "a part cannot be read", findings);
            }

            var lower = part.Name.ToLowerInvariant();
            string? problem;
            if (lower.EndsWith(".rels", StringComparison.Ordinal))
            {
                problem = Relationships(content, findings);
            }
            else if (lower.EndsWith(".bin", StringComparison.Ordinal))
            {
                Embedded(content, findings);
                problem = null;
            }
            else
            {
                problem = Fields(content, findings);
            }

            if (problem is not null)
            {
                return ActiveContentVerdict.Unverifiable(MediaTypes.Docx, "DOCX", $"{Zip.Printable(part.Name)} {problem}", findings);
            }
        }

        return ActiveContentVerdict.Decide(MediaTypes.Docx, findings, context.AllowedActiveContent);
    }

    /// <summary>Parts whose text can carry fields: the main part and, beside it, headers, footers, notes, comments; the glossary.</summary>
    private static bool IsStory(string lower, string mainPart)
    {
        if (string.Equals(lower, mainPart, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var folder = mainPart.Contains('/', StringComparison.Ordinal) ? mainPart[..(mainPart.LastIndexOf('/') + 1)].ToLowerInvariant() : string.Empty;
        if (!lower.StartsWith(folder, StringComparison.Ordinal) || !lower.EndsWith(".xml", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = lower[folder.Length..^4];
        if (rest == "glossary/document")
        {
            return true;
        }

        foreach (var stem in StoryParts)
        {
            if (rest.StartsWith(stem, StringComparison.Ordinal) && rest[stem.Length..].All(char.IsAsciiDigit))
            {
                return true;
            }
        }

        return false;
    }

    private static XmlReaderSettings Settings() => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreWhitespace = false,
        MaxCharactersInDocument = MaxInflatedPartBytes,
    };

    private static string? Relationships(byte[] xml, List<ActiveContentFinding> findings)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), Settings());
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "Relationship")
                {
                    continue;
                }

                var type = reader.GetAttribute("Type") ?? string.Empty;
                var kind = type[(type.LastIndexOf('/') + 1)..].ToLowerInvariant();
                var external = string.Equals(reader.GetAttribute("TargetMode")?.Trim(), "External", StringComparison.OrdinalIgnoreCase);
                switch (kind)
                {
                    case "vbaproject":
                        ActiveContentVerdict.Add(findings, ActiveContentKinds.OfficeMacros, "DOCX contains macros (a VBA project); save it as a macro-free .docx");
                        break;
                    case "control" or "activexcontrol" or "activexcontrolbinary":
                        ActiveContentVerdict.Add(findings, ActiveContentKinds.OfficeActiveX, "DOCX contains ActiveX controls");
                        break;
                    default:
                        break;
                }

                if (!external || kind == "hyperlink")
                {
                    continue;
                }

                var reason = kind switch
                {
                    "attachedtemplate" => "DOCX loads a template from outside the document when it is opened (attachedTemplate: remote template injection)",
                    "oleobject" => "DOCX links an OLE object outside the document (oleObject)",
                    "frame" => "DOCX loads an outside web page or document into a frame (frame)",
                    "subdocument" => "DOCX includes a sub-document from outside the document (subDocument)",
                    "image" => "DOCX loads an image from outside the document (a file:, UNC or web address)",
                    _ => $"DOCX loads content from outside the document ({Zip.Printable(kind)} relationship)",
                };
                ActiveContentVerdict.Add(findings, ActiveContentKinds.OfficeExternalContent, reason);
            }

            return null;
        }
        catch (XmlException)
        {
            return "is not well-formed XML";
        }
    }

    /// <summary>Field instructions: <c>w:fldSimple/@w:instr</c>, and the <c>w:instrText</c> runs between a field's begin and separate (nested fields each their own).</summary>
    private static string? Fields(byte[] xml, List<ActiveContentFinding> findings)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), Settings());
            var open = new Stack<StringBuilder?>();
            var inInstruction = false;
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element when reader.LocalName == "fldSimple":
                        Instruction(reader.GetAttribute("instr", reader.NamespaceURI) ?? reader.GetAttribute("w:instr") ?? string.Empty, findings);
                        break;
                    case XmlNodeType.Element when reader.LocalName == "fldChar":
                        var type = reader.GetAttribute("fldCharType", reader.NamespaceURI) ?? reader.GetAttribute("w:fldCharType");
                        if (type == "begin")
                        {
                            open.Push(new StringBuilder());
                        }
                        else if (open.Count > 0 && (type == "separate" || type == "end"))
                        {
                            if (open.Peek() is { } code)
                            {
                                Instruction(code.ToString(), findings);
                            }

                            if (type == "end")
                            {
                                open.Pop();
                            }
                            else
                            {
                                open.Pop();
                                open.Push(null);
                            }
                        }

                        break;
                    case XmlNodeType.Element when reader.LocalName == "instrText" && !reader.IsEmptyElement:
                        inInstruction = true;
                        break;
                    case XmlNodeType.EndElement when reader.LocalName == "instrText":
                        inInstruction = false;
                        break;
                    case XmlNodeType.Text or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace or XmlNodeType.CDATA when inInstruction:
                        if (open.Count > 0 && open.Peek() is { } builder)
                        {
                            if (builder.Length < 64 * 1024)
                            {
                                builder.Append(reader.Value);
                            }
                        }
                        else
                        {
                            Instruction(reader.Value, findings);
                        }

                        break;
                    default:
                        break;
                }
            }

            while (open.Count > 0)
            {
                if (open.Pop() is { } code)
                {
                    Instruction(code.ToString(), findings);
                }
            }

            return null;
        }
        catch (XmlException)
        {
            return "is not well-formed XML";
        }
    }

    private static void Instruction(string code, List<ActiveContentFinding> findings)
    {
        var text = code.Trim().TrimStart('\\', '"').TrimStart();
        var end = 0;
        while (end < text.Length && char.IsAsciiLetter(text[end]))
        {
            end++;
        }

        var keyword = text[..end].ToUpperInvariant();
        if (keyword is "DDE" or "DDEAUTO")
        {
            ActiveContentVerdict.Add(findings, ActiveContentKinds.OfficeDde, $"DOCX runs a command through another program with a {keyword} field");
        }
        else if (keyword is "INCLUDEPICTURE" or "INCLUDETEXT" or "IMPORT" or "LINK"
            && (text.Contains("://", StringComparison.Ordinal) || text.Contains(@"\\", StringComparison.Ordinal) || text.Contains("file:", StringComparison.OrdinalIgnoreCase)))
        {
            ActiveContentVerdict.Add(findings, ActiveContentKinds.OfficeExternalContent, $"DOCX fetches content from outside the document with an {keyword} field");
        }
    }

    /// <summary>An embedded object: a compound file carrying an OLE Package (<c>\x01Ole10Native</c>) or macros.</summary>
    private static void Embedded(byte[] content, List<ActiveContentFinding> findings)
    {
        var input = new SniffInput(content.Length);
        input.Add(0, content);
        var head = content.AsMemory(0, Math.Min(content.Length, ContentSniffer.HeadBytes));
        if (!Ole2.TryReadDirectory(new SniffContext(input, head), out var entries, out _, out _))
        {
            return;
        }

        foreach (var (kind, reason) in OleScanner.Find(entries, "DOCX"))
        {
            ActiveContentVerdict.Add(findings, kind, reason);
        }
    }
}
