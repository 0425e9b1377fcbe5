using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Office;

/// <summary>
/// Active content of a Word 97–2003 document (OLE2): macro storages (<c>Macros</c>, <c>_VBA_PROJECT_CUR</c>,
/// <c>VBA</c>, a <c>_VBA_PROJECT</c> stream) and embedded packages (<c>\x01Ole10Native</c>: a file wrapped by the
/// Packager, which the reader runs on a double-click), anywhere in the storage tree. Only the directory is read
/// (the same bounded sectors the type check reads), never the streams.
/// </summary>
internal static class OleScanner
{
    public static SniffOutcome.Detected Check(SniffContext context, List<Ole2.Entry> entries)
    {
        var findings = new List<ActiveContentFinding>();
        foreach (var (kind, reason) in Find(entries, "DOC"))
        {
            ActiveContentVerdict.Add(findings, kind, reason);
        }

        return ActiveContentVerdict.Decide(MediaTypes.MsWord, findings, context.AllowedActiveContent);
    }

    /// <summary>The findings of a compound file's directory (a DOC, or an object embedded in a DOCX).</summary>
    public static IEnumerable<(ActiveContentKinds Kind, string Reason)> Find(List<Ole2.Entry> entries, string format)
    {
        foreach (var entry in entries)
        {
            // Type 0 is an unused slot; 1 a storage, 2 a stream, 5 the root.
            if (entry.Type is not (1 or 2))
            {
                continue;
            }

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
        }
    }
}
