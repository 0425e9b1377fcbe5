using Uploads.Sniffing.Formats;

namespace Uploads.Sniffing.ActiveContent.Office;

/// <summary>
/// The relationships of one OOXML package as a graph (docs/sniffing.md, "Package parts"): every entry of the archive
/// must be reachable from the package root through internal relationships (<c>_rels/.rels</c>, then each reached
/// part's <c>_rels/&lt;part&gt;.rels</c>), or be <c>[Content_Types].xml</c>, a relationship part (which the scanner
/// reads and parses whatever its source), or an empty folder entry. Targets resolve as RFC 3986 references against
/// their source part (<c>..</c> above the root stays at the root, as consumers resolve it), <c>\</c> read as <c>/</c>,
/// fragments and queries dropped, names compared without case and also percent-decoded (OPC part names are URIs,
/// ZIP item names their decoded form). Each relationship part's targets are resolved once, each part visited once
/// (cycles end), everything charged to the check's budget.
/// </summary>
internal sealed class PartGraph(WorkBudget budget)
{
    private const string ContentTypesName = "[Content_Types].xml";
    private const string PackageRelationships = "_rels/.rels";

    /// <summary>Internal targets (relationship kind, resolved part name) by relationship part name.</summary>
    private readonly Dictionary<string, List<(string Kind, string Part)>> _targets = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True for a relationship part: <c>[folder/]_rels/name.rels</c>.</summary>
    public static bool IsRelationshipPart(string name) =>
        name.EndsWith(".rels", StringComparison.OrdinalIgnoreCase)
        && (name.StartsWith("_rels/", StringComparison.OrdinalIgnoreCase) ? name.IndexOf('/', 6) < 0 : name.Contains("/_rels/", StringComparison.OrdinalIgnoreCase)
            && name.IndexOf('/', name.LastIndexOf("/_rels/", StringComparison.OrdinalIgnoreCase) + 7) < 0);

    /// <summary>The part whose relationships <paramref name="relationshipPart"/> holds ("" for the package's own).</summary>
    public static string SourceOf(string relationshipPart)
    {
        var at = relationshipPart.LastIndexOf("_rels/", StringComparison.OrdinalIgnoreCase);
        return relationshipPart[..at] + relationshipPart[(at + 6)..^5];
    }

    /// <summary>The relationship part that holds the relationships of <paramref name="part"/> ("" for the package).</summary>
    public static string RelationshipsOf(string part)
    {
        var slash = part.LastIndexOf('/') + 1;
        return $"{part[..slash]}_rels/{part[slash..]}.rels";
    }

    /// <summary>
    /// <paramref name="target"/> of a relationship of <paramref name="source"/> ("" for the package) as a part name
    /// without the leading slash: RFC 3986 resolution with dot segments removed (never above the root).
    /// </summary>
    public static string Resolve(string source, string target)
    {
        var end = target.IndexOfAny(['#', '?']);
        var path = (end >= 0 ? target[..end] : target).Trim().Replace('\\', '/');
        if (!path.StartsWith('/'))
        {
            path = source[..(source.LastIndexOf('/') + 1)] + path;
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        return string.Join('/', segments);
    }

    /// <summary>
    /// Records the internal targets of the relationship part <paramref name="relationshipPart"/> (read once): each
    /// relationship's kind (the last segment of its type, lower case) and target.
    /// </summary>
    public void Add(string relationshipPart, List<(string Kind, string Target)> targets)
    {
        if (!IsRelationshipPart(relationshipPart))
        {
            return;
        }

        var source = SourceOf(relationshipPart);
        var resolved = new List<(string Kind, string Part)>(targets.Count);
        foreach (var (kind, target) in targets)
        {
            budget.Charge(WorkCost.Node);
            budget.ChargeBytes(target.Length + source.Length, WorkCost.AllocatedByte);
            resolved.Add((kind, Resolve(source, target)));
        }

        _targets[relationshipPart] = resolved;
    }

    /// <summary>The entries that relationships of <paramref name="kind"/> (in any relationship part) name.</summary>
    public List<string> Targets(string kind, Dictionary<string, Zip.Central> entries)
    {
        var names = new List<string>();
        foreach (var targets in _targets.Values)
        {
            foreach (var (targetKind, part) in targets)
            {
                budget.Charge(WorkCost.ScanByte);
                if (targetKind == kind && Entry(entries, part) is { } name)
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    /// <summary>The entry a resolved part name designates: as written, else percent-decoded; null when none.</summary>
    private static string? Entry(Dictionary<string, Zip.Central> entries, string part)
    {
        if (entries.ContainsKey(part))
        {
            return part;
        }

        var decoded = Uri.UnescapeDataString(part);
        return entries.ContainsKey(decoded) ? decoded : null;
    }

    /// <summary>
    /// The entries nothing refers to, in file order (empty when every entry is reachable or allowed as it is).
    /// </summary>
    public List<string> Unreferenced(Dictionary<string, Zip.Central> entries)
    {
        var reached = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ContentTypesName };
        var pending = new Stack<string>();
        pending.Push(string.Empty);
        while (pending.Count > 0)
        {
            budget.Charge(WorkCost.Node);
            var part = pending.Pop();
            var relationships = part.Length == 0 ? PackageRelationships : RelationshipsOf(part);
            if (!_targets.TryGetValue(relationships, out var targets))
            {
                continue;
            }

            foreach (var (_, target) in targets)
            {
                budget.Charge(WorkCost.Node);
                if (Entry(entries, target) is { } name && reached.Add(name))
                {
                    pending.Push(name);
                }
            }
        }

        var unreferenced = new List<(long Offset, string Name)>();
        foreach (var (name, entry) in entries)
        {
            budget.Charge(WorkCost.Node);
            var folder = name.EndsWith('/') && entry.UncompressedSize == 0;
            if (!folder && !IsRelationshipPart(name) && !reached.Contains(name))
            {
                unreferenced.Add((entry.LocalHeaderOffset, name));
            }
        }

        budget.ChargeBytes(unreferenced.Count, WorkCost.Node);
        unreferenced.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        return [.. unreferenced.Select(u => u.Name)];
    }
}
