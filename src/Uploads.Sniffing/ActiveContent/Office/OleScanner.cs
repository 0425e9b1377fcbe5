using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Office;

/// <summary>
/// Active content of a compound file (a Word 97–2003 document, or an OLE object embedded in a DOCX), from its
/// directory alone (the same bounded sectors the type check reads; streams are never read), anywhere in the tree:
/// macro storages (<c>Macros</c>, <c>_VBA_PROJECT_CUR</c>, <c>VBA</c>, a <c>_VBA_PROJECT</c> stream), packaged
/// files (<c>\x01Ole10Native</c>: a file wrapped by the Packager, which the reader runs on a double-click), Equation
/// Editor objects (CVE-2017-11882, CVE-2018-0802), and embedded objects whose class is not a Word, Excel or
/// PowerPoint document (docs/sniffing.md, "Embedded OLE objects"). The directory is one that
/// <see cref="Ole2.TryReadDirectory"/> has shown to be a tree: each storage's children are listed once
/// (<see cref="Ole2.ChildLists"/>), so the check is linear in the directory.
/// </summary>
internal static class OleScanner
{
    /// <summary>Microsoft Equation 3.0 (<c>Equation.3</c>, EQNEDT32.EXE) and its older class ids: the programs CVE-2017-11882 and CVE-2018-0802 exploit.</summary>
    private static readonly HashSet<Guid> EquationEditor =
    [
        new("0002CE02-0000-0000-C000-000000000046"),
        new("00021700-0000-0000-C000-000000000046"),
        new("0003000B-0000-0000-C000-000000000046"),
        new("0004A6B0-0000-0000-C000-000000000046"),
    ];

    /// <summary>
    /// The embedded-object classes accepted: Word, Excel and PowerPoint 97–2003 documents (Word.Document.8/.6,
    /// Excel.Sheet.8/.5, Excel.Chart.8, PowerPoint.Show.8/.Slide.8), whose own storages are checked by the same rules.
    /// </summary>
    private static readonly HashSet<Guid> OfficeDocuments =
    [
        new("00020906-0000-0000-C000-000000000046"),
        new("00020900-0000-0000-C000-000000000046"),
        new("00020820-0000-0000-C000-000000000046"),
        new("00020810-0000-0000-C000-000000000046"),
        new("00020821-0000-0000-C000-000000000046"),
        new("64818D10-4F9B-11CF-86EA-00AA00B929E8"),
        new("64818D11-4F9B-11CF-86EA-00AA00B929E8"),
    ];

    public static SniffOutcome.Detected Check(SniffContext context, List<Ole2.Entry> entries)
    {
        var findings = new List<ActiveContentFinding>();
        foreach (var (kind, reason) in Find(entries, "DOC", rootIsObject: false))
        {
            ActiveContentVerdict.Add(findings, kind, reason);
        }

        return ActiveContentVerdict.Decide(MediaTypes.MsWord, findings, context.AllowedActiveContent);
    }

    /// <summary>
    /// The findings of a compound file's directory. <paramref name="rootIsObject"/>: the file is itself an embedded
    /// object (a DOCX's <c>embeddings/*.bin</c>), so its root's class is checked like an <c>ObjectPool</c> entry's.
    /// </summary>
    public static IEnumerable<(ActiveContentKinds Kind, string Reason)> Find(List<Ole2.Entry> entries, string format, bool rootIsObject)
    {
        var children = Ole2.ChildLists(entries);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];

            // Type 0 is an unused slot; 1 a storage, 2 a stream, 5 the root.
            var name = entry.Name;
            if (entry.Type == 1 && (name.Equals("Macros", StringComparison.OrdinalIgnoreCase) || name.Equals("_VBA_PROJECT_CUR", StringComparison.OrdinalIgnoreCase) || name.Equals("VBA", StringComparison.OrdinalIgnoreCase))
                || (entry.Type == 2 && name.Equals("_VBA_PROJECT", StringComparison.OrdinalIgnoreCase)))
            {
                yield return (ActiveContentKinds.OfficeMacros, $"{format} contains macros (a VBA project in the '{name}' storage)");
            }
            else if (entry.Type == 2 && name.Equals("\u0001Ole10Native", StringComparison.OrdinalIgnoreCase))
            {
                yield return (ActiveContentKinds.OfficeEmbeddedObjects, $"{format} embeds a packaged file (an OLE Package, often a program or script that runs on a double-click)");
            }
            else if ((entry.Type is 1 or 5 && EquationEditor.Contains(entry.Class)) || (entry.Type == 2 && name.Equals("Equation Native", StringComparison.OrdinalIgnoreCase)))
            {
                yield return (ActiveContentKinds.OfficeEmbeddedObjects, $"{format} embeds a Microsoft Equation 3.0 object (the Equation Editor that CVE-2017-11882 exploits); retype the formula with Word's built-in equations");
            }

            if (entry.Type == 1 && name.Equals("ObjectPool", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var child in children[i] ?? [])
                {
                    if (UncheckedClass(entries, children, child, format) is { } reason)
                    {
                        yield return (ActiveContentKinds.OfficeEmbeddedObjects, reason);
                    }
                }
            }
        }

        if (rootIsObject && entries.Count > 0 && UncheckedClass(entries, children, 0, format) is { } rootReason)
        {
            yield return (ActiveContentKinds.OfficeEmbeddedObjects, rootReason);
        }
    }

    /// <summary>
    /// An embedded object's storage whose class cannot be shown harmless: not a Word, Excel or PowerPoint document,
    /// and not a package or an Equation Editor object (those have a reason of their own). Null when acceptable.
    /// </summary>
    private static string? UncheckedClass(List<Ole2.Entry> entries, List<int>?[] children, int storage, string format)
    {
        var entry = entries[storage];
        if (entry.Type is not (1 or 5) || OfficeDocuments.Contains(entry.Class) || EquationEditor.Contains(entry.Class))
        {
            return null;
        }

        foreach (var child in children[storage] ?? [])
        {
            if (entries[child] is { Type: 2 } stream && (stream.Name.Equals("\u0001Ole10Native", StringComparison.OrdinalIgnoreCase) || stream.Name.Equals("Equation Native", StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }
        }

        return entry.Class == Guid.Empty
            ? $"{format} embeds an OLE object that does not name its program; only embedded Word, Excel and PowerPoint documents are accepted"
            : $"{format} embeds an OLE object of a program that cannot be checked (class {{{entry.Class.ToString().ToUpperInvariant()}}}); only embedded Word, Excel and PowerPoint documents are accepted";
    }
}
