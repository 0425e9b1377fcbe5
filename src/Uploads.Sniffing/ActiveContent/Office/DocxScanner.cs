using System.Text;
using System.Xml;
using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Office;

/// <summary>
/// Active content of a DOCX, from its ZIP central directory and a bounded set of parts (docs/sniffing.md, "DOCX"):
/// macros in any form (a <c>vbaProject</c> content type, part or relationship), ActiveX controls (<c>activeX</c>
/// parts, <c>control</c> relationships), external relationships other than hyperlinks (remote templates, linked
/// OLE objects, frames, sub-documents, linked images), DDE/DDEAUTO and remote INCLUDE fields (in <c>w:fldSimple</c>
/// and in <c>w:instrText</c> split across runs), and embedded parts: OLE objects (by class, <see cref="OleScanner"/>),
/// Office packages (opened one level deep and checked by the same rules), anything else refused; parts imported in
/// another format (<c>altChunk</c>: <see cref="ImportedPartScanner"/>); and entries no relationship reaches
/// (<see cref="PartGraph"/>: refused after the findings, whatever is allowed).
/// The parts read: every <c>.rels</c>, the main document, headers, footers, notes, comments and glossary, everything
/// under <c>embeddings/</c>, a workbook's <c>externalLinks/</c> and every part of an importable type; at most <see cref="MaxPartBytes"/> compressed in
/// all (per package), each inflated at most <see cref="MaxInflatedPartBytes"/>, all of them (embedded packages' too)
/// within the file's one <see cref="ZipAllowance"/> and work budget. Every part is located (its local header checked)
/// and held before any is inflated, so that over the rounds of reading each part is inflated once.
/// </summary>
internal static class DocxScanner
{
    public const int MaxPartBytes = 6 * 1024 * 1024;
    public const int MaxInflatedPartBytes = 32 * 1024 * 1024;

    /// <summary>Embedded packages are opened this many levels deep (a workbook in a document; not a document in that workbook).</summary>
    public const int MaxPackageDepth = 1;

    /// <summary>Fields open at once (nested, or begun and not ended) in one part: Word nests a few; more is refused.</summary>
    public const int MaxOpenFields = 64;

    private static readonly string[] StoryParts = ["document", "header", "footer", "footnotes", "endnotes", "comments"];

    public static SniffOutcome Check(SniffContext context, ZipAllowance allowance, Dictionary<string, Zip.Central> entries, string mainPart, Zip.ContentTypes types)
    {
        var findings = new Findings(context.Budget);
        return Scan(context, allowance, entries, mainPart, types, "DOCX", depth: 0, findings) switch
        {
            null => Decide(context, findings),
            SniffOutcome.NeedBytes need => need,
            var problem => ActiveContentVerdict.Unverifiable(MediaTypes.Docx, "DOCX", ((SniffOutcome.Detected)problem).Refusal!, findings.List),
        };
    }

    /// <summary>
    /// The verdict once every part was read: the first finding the policy does not allow; else, when an entry is
    /// referred to by no part (<see cref="PartGraph"/>), that refusal (structure, not a category a deployment may allow).
    /// </summary>
    private static SniffOutcome.Detected Decide(SniffContext context, Findings findings)
    {
        var decided = ActiveContentVerdict.Decide(MediaTypes.Docx, findings.List, context.AllowedActiveContent);
        return decided.Refusal is null && findings.Unreferenced is { } unreferenced ? decided with { Refusal = unreferenced } : decided;
    }

    /// <summary>
    /// The checks of one package (the DOCX at <paramref name="depth"/> 0, or an Office document embedded in it: its
    /// own embedded documents are opened while <paramref name="depth"/> is under <see cref="MaxPackageDepth"/>).
    /// <paramref name="label"/> begins each reason. First every part is checked from the central directory and
    /// located (its local header read and compared), then, once all are held, each is inflated once and read.
    /// Null when done; else the range needed, or a <see cref="SniffOutcome.Detected"/> whose refusal says what could not be checked.
    /// </summary>
    private static SniffOutcome? Scan(SniffContext context, ZipAllowance allowance, Dictionary<string, Zip.Central> entries, string? mainPart, Zip.ContentTypes types, string label, int depth, Findings findings)
    {
        var budget = context.Budget;
        var macros = $"{label} contains macros (a VBA project); save it as a macro-free .docx";
        if (types.Macros)
        {
            findings.Add(ActiveContentKinds.OfficeMacros, macros);
        }

        var graph = new PartGraph(budget);
        var parts = new List<Zip.Central>();
        long total = 0;
        foreach (var (name, entry) in entries)
        {
            budget.Charge(WorkCost.Node);
            budget.ChargeBytes(name.Length, WorkCost.AllocatedByte);
            var lower = name.ToLowerInvariant();
            if (lower.EndsWith("vbaproject.bin", StringComparison.Ordinal) || lower.EndsWith("vbadata.xml", StringComparison.Ordinal))
            {
                findings.Add(ActiveContentKinds.OfficeMacros, macros);
            }

            if (lower.Contains("activex/", StringComparison.Ordinal))
            {
                findings.Add(ActiveContentKinds.OfficeActiveX, $"{label} contains ActiveX controls");
            }

            if (lower.EndsWith(".rels", StringComparison.Ordinal) || (mainPart is not null && IsStory(lower, mainPart)) || IsEmbedding(lower) || IsExternalLink(lower)
                || Imported(types, name, mainPart) != ImportedPartScanner.Format.None)
            {
                parts.Add(entry);
                total += entry.CompressedSize;
            }
        }

        if (total > MaxPartBytes)
        {
            return Problem($"its text, relationship and embedded parts hold more than {MaxPartBytes / 1024 / 1024} MiB compressed");
        }

        // In file order, so that each range asked for (a megabyte from the next part) brings the following parts too.
        budget.ChargeBytes(parts.Count, WorkCost.Node);
        parts.Sort((a, b) => a.LocalHeaderOffset.CompareTo(b.LocalHeaderOffset));
        foreach (var part in parts)
        {
            if (Zip.Check(part, MaxPartBytes, MaxInflatedPartBytes) is { Refusal: { } refused })
            {
                return Problem(refused.TrimEnd('.'));
            }
        }

        // Every part located and held before any is inflated: until then each round costs a look at each local header.
        var starts = new long[parts.Count];
        SniffOutcome? missing = null;
        var headerMissing = false;
        long inflated = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            if (!Zip.TryLocate(context, parts[i], out starts[i], out var failed))
            {
                if (failed is SniffOutcome.NeedBytes)
                {
                    missing ??= failed;
                    headerMissing = true;
                    continue;
                }

                return Problem(((SniffOutcome.Detected)failed).Refusal?.TrimEnd('.') ?? "a part cannot be read");
            }

            missing ??= Zip.Missing(context, starts[i], parts[i].CompressedSize);
            inflated += parts[i].UncompressedSize;
        }

        if (headerMissing)
        {
            return missing;
        }

        if (inflated > allowance.Remaining)
        {
            return Problem($"its text, relationship and embedded parts would inflate to {Zip.MiB(inflated)}, more than the {Zip.MiB(allowance.InflatedLimit)} a file of its size may inflate in all{(depth > 0 ? " (with what the document around it inflated)" : string.Empty)}");
        }

        if (missing is not null)
        {
            return missing;
        }

        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (!Zip.TryInflate(context, allowance, part, starts[i], out var content, out var failed))
            {
                return failed is SniffOutcome.NeedBytes ? failed : Problem(((SniffOutcome.Detected)failed).Refusal?.TrimEnd('.') ?? "a part cannot be read");
            }

            var lower = part.Name.ToLowerInvariant();
            string? problem;
            if (lower.EndsWith(".rels", StringComparison.Ordinal))
            {
                var targets = new List<(string Kind, string Target)>();
                problem = Relationships(budget, content, label, findings, targets);
                graph.Add(part.Name, targets);
            }
            else if (IsEmbedding(lower))
            {
                problem = Embedded(context, allowance, part.Name, content, label, depth, findings);
            }
            else if (IsExternalLink(lower))
            {
                problem = ExternalLink(budget, content, label, findings);
            }
            else
            {
                problem = mainPart is not null && IsStory(lower, mainPart) ? Fields(budget, content, label, findings) : null;
            }

            // A part of an importable type is checked as such too, whatever its name made of it above: Word imports
            // by the type it declares (an XHTML page named like a header or a .rels is still read as XML above).
            if (problem is null && Imported(types, part.Name, mainPart) is not ImportedPartScanner.Format.None and var format)
            {
                problem = Import(context, allowance, format, part.Name, content, label, depth, findings);
            }

            if (problem is not null)
            {
                return Problem($"{Zip.Printable(part.Name)} {problem}");
            }
        }

        foreach (var chunk in graph.Targets("afchunk", entries))
        {
            if (Imported(types, chunk, mainPart) == ImportedPartScanner.Format.None)
            {
                return Problem($"{Zip.Printable(chunk)} is a part imported in another format (altChunk) of a type that cannot be checked ({Zip.Printable(types.TypeOf(chunk) ?? "none declared")}); only HTML, web archives (MHT), RTF, plain text and Word documents are checked");
            }
        }

        if (graph.Unreferenced(entries) is [var first, .. var more])
        {
            findings.Refer(depth == 0 ? null : label, first, more.Count);
        }

        return null;

        SniffOutcome.Detected Problem(string what) => new(MediaTypes.Docx, what);
    }

    /// <summary>The format a part would be imported in (by its declared content type), None for any other part and for the main part.</summary>
    private static ImportedPartScanner.Format Imported(Zip.ContentTypes types, string name, string? mainPart) =>
        string.Equals(name, mainPart, StringComparison.OrdinalIgnoreCase) ? ImportedPartScanner.Format.None : ImportedPartScanner.FormatOf(types.TypeOf(name));

    /// <summary>
    /// A part in another format (an <c>altChunk</c> import, <see cref="ImportedPartScanner"/>): a Word document is opened
    /// as an embedded package (the same rules, depth and allowance); HTML, web archives and RTF are checked for scripts,
    /// outside loads, objects and fields. Null, or what could not be checked.
    /// </summary>
    private static string? Import(SniffContext context, ZipAllowance allowance, ImportedPartScanner.Format format, string name, byte[] content, string label, int depth, Findings findings)
    {
        if (format == ImportedPartScanner.Format.WordDocument)
        {
            // A package (OPC) starts with its first entry: narrower than Zip.StartsArchive, which also takes an empty or spanned archive.
            return content.AsSpan().StartsWith(Zip.LocalHeader) ? Embedded(context, allowance, name, content, label, depth, findings, "imported") : "is an imported Word document that is not a Word package";
        }

        var found = new Dictionary<ActiveContentKinds, string>();
        var instructions = new List<string>();
        if (ImportedPartScanner.Check(format, content, allowance, found, instructions) is { } problem)
        {
            return problem;
        }

        var what = $"{label}'s imported {Zip.Printable(name)}";
        foreach (var (kind, detail) in found)
        {
            findings.Add(kind, kind switch
            {
                ActiveContentKinds.OfficeImportedScripts => $"{what} has scripts ({detail})",
                ActiveContentKinds.OfficeEmbeddedObjects => $"{what} embeds an object that cannot be checked ({detail})",
                _ => $"{what} loads content from outside the document ({detail})",
            });
        }

        foreach (var code in instructions)
        {
            Instruction(context.Budget, code, what, findings);
        }

        return null;
    }

    private static bool IsEmbedding(string lower) => lower.Contains("embeddings/", StringComparison.Ordinal) && !lower.EndsWith('/');

    /// <summary>A workbook's links to other workbooks and DDE programs (<c>xl/externalLinks/*.xml</c>).</summary>
    private static bool IsExternalLink(string lower) => lower.Contains("externallinks/", StringComparison.Ordinal) && lower.EndsWith(".xml", StringComparison.Ordinal);

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

    /// <summary>The relationships of a <c>.rels</c> part: findings, and the targets of internal ones added to <paramref name="targets"/>.</summary>
    private static string? Relationships(WorkBudget budget, byte[] xml, string label, Findings findings, List<(string Kind, string Target)> targets)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), Settings());
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                budget.Charge(WorkCost.Node);
                if (reader.LocalName != "Relationship")
                {
                    continue;
                }

                var type = reader.GetAttribute("Type") ?? string.Empty;
                var kind = type[(type.LastIndexOf('/') + 1)..].ToLowerInvariant();
                var external = string.Equals(reader.GetAttribute("TargetMode")?.Trim(), "External", StringComparison.OrdinalIgnoreCase);
                switch (kind)
                {
                    case "vbaproject":
                        findings.Add(ActiveContentKinds.OfficeMacros, $"{label} contains macros (a VBA project); save it as a macro-free .docx");
                        break;
                    case "control" or "activexcontrol" or "activexcontrolbinary":
                        findings.Add(ActiveContentKinds.OfficeActiveX, $"{label} contains ActiveX controls");
                        break;
                    default:
                        break;
                }

                if (!external)
                {
                    targets.Add((kind, reader.GetAttribute("Target") ?? string.Empty));
                    continue;
                }

                if (kind == "hyperlink")
                {
                    continue;
                }

                var reason = kind switch
                {
                    "attachedtemplate" => $"{label} loads a template from outside the document when it is opened (attachedTemplate: remote template injection)",
                    "oleobject" => $"{label} links an OLE object outside the document (oleObject)",
                    "frame" => $"{label} loads an outside web page or document into a frame (frame)",
                    "subdocument" => $"{label} includes a sub-document from outside the document (subDocument)",
                    "image" => $"{label} loads an image from outside the document (a file:, UNC or web address)",
                    _ => $"{label} loads content from outside the document ({Zip.Printable(kind)} relationship)",
                };
                findings.Add(ActiveContentKinds.OfficeExternalContent, reason);
            }

            return null;
        }
        catch (XmlException)
        {
            return "is not well-formed XML";
        }
    }

    /// <summary>Field instructions: <c>w:fldSimple/@w:instr</c>, and the <c>w:instrText</c> runs between a field's begin and separate (nested fields each their own).</summary>
    private static string? Fields(WorkBudget budget, byte[] xml, string label, Findings findings)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), Settings());
            var open = new Stack<StringBuilder?>();
            var inInstruction = false;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    budget.Charge(WorkCost.Node);
                }

                switch (reader.NodeType)
                {
                    case XmlNodeType.Element when reader.LocalName == "fldSimple":
                        Instruction(budget, reader.GetAttribute("instr", reader.NamespaceURI) ?? reader.GetAttribute("w:instr") ?? string.Empty, label, findings);
                        break;
                    case XmlNodeType.Element when reader.LocalName == "fldChar":
                        var type = reader.GetAttribute("fldCharType", reader.NamespaceURI) ?? reader.GetAttribute("w:fldCharType");
                        if (type == "begin")
                        {
                            if (open.Count >= MaxOpenFields)
                            {
                                return $"nests fields more than {MaxOpenFields} deep (or begins them without ending them)";
                            }

                            open.Push(new StringBuilder());
                        }
                        else if (open.Count > 0 && (type == "separate" || type == "end"))
                        {
                            if (open.Peek() is { } code)
                            {
                                Instruction(budget, code.ToString(), label, findings);
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
                    case XmlNodeType.Element when reader.LocalName == "OLEObject" && reader.GetAttribute("ProgID")?.Trim() is { } progId
                        && (progId.Equals("Equation.3", StringComparison.OrdinalIgnoreCase) || progId.Equals("Equation.2", StringComparison.OrdinalIgnoreCase)):
                        findings.Add(ActiveContentKinds.OfficeEmbeddedObjects, $"{label} embeds a Microsoft Equation 3.0 object (the Equation Editor that CVE-2017-11882 exploits); retype the formula with Word's built-in equations");
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
                            Instruction(budget, reader.Value, label, findings);
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
                    Instruction(budget, code.ToString(), label, findings);
                }
            }

            return null;
        }
        catch (XmlException)
        {
            return "is not well-formed XML";
        }
    }

    private static void Instruction(WorkBudget budget, string code, string label, Findings findings)
    {
        budget.ChargeBytes(code.Length);
        var text = code.Trim().TrimStart('\\', '"').TrimStart();
        var end = 0;
        while (end < text.Length && char.IsAsciiLetter(text[end]))
        {
            end++;
        }

        var keyword = text[..end].ToUpperInvariant();
        if (keyword is "DDE" or "DDEAUTO")
        {
            findings.Add(ActiveContentKinds.OfficeDde, $"{label} runs a command through another program with a {keyword} field");
        }
        else if (keyword is "INCLUDEPICTURE" or "INCLUDETEXT" or "IMPORT" or "LINK"
            && (text.Contains("://", StringComparison.Ordinal) || text.Contains(@"\\", StringComparison.Ordinal) || text.Contains("file:", StringComparison.OrdinalIgnoreCase)))
        {
            findings.Add(ActiveContentKinds.OfficeExternalContent, $"{label} fetches content from outside the document with an {keyword} field");
        }
    }

    /// <summary>
    /// A part under <c>embeddings/</c>, by its content: a compound file (an OLE object: checked by
    /// <see cref="OleScanner"/>, its class included), an Office package (opened and checked by the same rules,
    /// <see cref="MaxPackageDepth"/> levels deep, at most <see cref="ZipAllowance.MaxPackages"/> of them, within the
    /// file's <paramref name="allowance"/> and budget), or anything else (refused: a file whose program cannot be
    /// known). Null, or what could not be checked.
    /// </summary>
    private static string? Embedded(SniffContext context, ZipAllowance allowance, string name, byte[] content, string label, int depth, Findings findings, string role = "embedded")
    {
        var input = new SniffInput(content.Length) { AllowedActiveContent = context.AllowedActiveContent, Budget = context.Budget };
        input.Add(0, content);
        var inner = new SniffContext(input, content.AsMemory(0, Math.Min(content.Length, ContentSniffer.HeadBytes)));
        var span = content.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]))
        {
            if (!Ole2.TryReadDirectory(inner, out var entries, out _, out _))
            {
                return "is an OLE object whose directory cannot be read";
            }

            foreach (var (kind, reason) in OleScanner.Find(entries, label, rootIsObject: true))
            {
                findings.Add(kind, reason);
            }

            return null;
        }

        // A package (OPC) starts with its first entry: narrower than Zip.StartsArchive, as for an imported Word document.
        if (!span.StartsWith(Zip.LocalHeader))
        {
            findings.Add(ActiveContentKinds.OfficeEmbeddedObjects, $"{label} embeds a file that is neither an Office document nor an OLE object ({Zip.Printable(name)})");
            return null;
        }

        if (depth >= MaxPackageDepth)
        {
            return "is a document embedded in an embedded document (only one level is opened)";
        }

        if (!allowance.TryOpenPackage())
        {
            return $"is an embedded document beyond the first {ZipAllowance.MaxPackages} (no more are opened)";
        }

        if (Zip.ReadPackage(inner, allowance, out var parts, out var mainPart, out var types) is { } failed)
        {
            return failed is SniffOutcome.Detected { Refusal: { } refusal } ? $"cannot be opened ({refusal.TrimEnd('.')})" : "cannot be opened";
        }

        return Scan(inner, allowance, parts, mainPart, types, $"{label}'s {role} {Zip.Printable(name)}", depth + 1, findings) switch
        {
            null => null,
            SniffOutcome.Detected { Refusal: { } refusal } => $"is an embedded document that cannot be checked ({refusal.TrimEnd('.')})",
            _ => "is an embedded document that cannot be read",
        };
    }

    /// <summary>A workbook's external link part: a <c>ddeLink</c> runs a program (Excel's DDE), an <c>oleLink</c> opens a linked object.</summary>
    private static string? ExternalLink(WorkBudget budget, byte[] xml, string label, Findings findings)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), Settings());
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    budget.Charge(WorkCost.Node);
                }

                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "ddeLink")
                {
                    findings.Add(ActiveContentKinds.OfficeDde, $"{label} runs a command through another program with a DDE link (ddeLink)");
                }
                else if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "oleLink")
                {
                    findings.Add(ActiveContentKinds.OfficeExternalContent, $"{label} links an OLE object outside the document (oleLink)");
                }
            }

            return null;
        }
        catch (XmlException)
        {
            return "is not well-formed XML";
        }
    }

    /// <summary>
    /// The findings of one check, each reason once: a set beside the list, since a package may add one per embedded
    /// object (thousands), and looking each up in the list would make the check quadratic.
    /// </summary>
    private sealed class Findings(WorkBudget budget)
    {
        private readonly HashSet<string> _reasons = new(StringComparer.Ordinal);

        public List<ActiveContentFinding> List { get; } = [];

        /// <summary>The refusal for an entry no relationship reaches (the first package found with one), or null.</summary>
        public string? Unreferenced { get; private set; }

        /// <summary>
        /// Records that <paramref name="entry"/> (and <paramref name="more"/> others) of the document, or of its embedded
        /// package <paramref name="embedded"/> (a label), is referred to by no part.
        /// </summary>
        public void Refer(string? embedded, string entry, int more) =>
            Unreferenced ??= $"The {(embedded is null ? "document" : $"document's {embedded[(embedded.IndexOf(' ', StringComparison.Ordinal) + 1)..]}")} contains a file that no part refers to: "
                + $"{Zip.Printable(entry)}{(more > 0 ? $" (and {more} more)" : string.Empty)}. Word and LibreOffice never leave unused files in a document; such a file is there for "
                + "some other program (unpacked, it could be opened or run). Re-save the document with Word or LibreOffice and upload that.";

        public void Add(ActiveContentKinds kind, string reason)
        {
            budget.ChargeBytes(reason.Length);
            if (_reasons.Add(reason))
            {
                List.Add(new(kind, reason));
            }
        }
    }
}
