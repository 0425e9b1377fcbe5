using System.Text.RegularExpressions;
using Uploads.Testing;

namespace Uploads.Core.Tests.Architecture;

/// <summary>
/// Core's folders are its architecture (contracts, configuration, naming, policy, security, signing, storage, uploads,
/// verification, hosting): each folder is one namespace, the namespaces import each other without cycles, and nothing
/// below the composition root (Hosting) imports it. Read from the sources, as a reviewer would.
/// </summary>
public sealed partial class NamespaceLayeringTests
{
    private const string CorePrefix = "Uploads.Core";

    private static readonly string CoreDirectory = Path.Combine(RepositoryRoot.Find(), "src", "Uploads.Core");

    [Fact]
    public void Sources_EachFolder_IsOneNamespace()
    {
        var mismatches = SourceFiles()
            .Where(file => file.Namespace != FolderNamespace(file.Path))
            .Select(file => $"{Path.GetRelativePath(CoreDirectory, file.Path)} declares {file.Namespace}, its folder says {FolderNamespace(file.Path)}")
            .ToList();

        Assert.Empty(mismatches);
    }

    [Fact]
    public void Imports_BetweenCoreNamespaces_HaveNoCycle()
    {
        var cycles = FindCycles(ImportGraph());

        Assert.True(cycles.Count == 0, "Import cycles between Core namespaces: " + string.Join("; ", cycles));
    }

    [Fact]
    public void Imports_OfHosting_OnlyFromHosting()
    {
        var importers = SourceFiles()
            .Where(file => file.Namespace != $"{CorePrefix}.Hosting" && file.Imports.Contains($"{CorePrefix}.Hosting"))
            .Select(file => Path.GetRelativePath(CoreDirectory, file.Path))
            .ToList();

        Assert.Empty(importers);
    }

    [Fact]
    public void FindCycles_TwoNamespacesImportingEachOther_ReportsTheCycle()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };

        var cycles = FindCycles(graph);

        Assert.Equal(["A -> B -> C -> A"], cycles);
    }

    private static Dictionary<string, HashSet<string>> ImportGraph()
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in SourceFiles())
        {
            var edges = graph.TryGetValue(file.Namespace, out var existing) ? existing : graph[file.Namespace] = [];
            edges.UnionWith(file.Imports.Where(import => import != file.Namespace));
        }

        return graph;
    }

    /// <summary>Every elementary cycle reachable by depth-first search, each written from its smallest name.</summary>
    private static List<string> FindCycles(IReadOnlyDictionary<string, HashSet<string>> graph)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var path = new List<string>();

        void Visit(string node)
        {
            var at = path.IndexOf(node);
            if (at >= 0)
            {
                var cycle = path[at..];
                var start = cycle.IndexOf(cycle.Min(StringComparer.Ordinal)!);
                var rotated = cycle[start..].Concat(cycle[..start]).ToList();
                found.Add(string.Join(" -> ", rotated.Append(rotated[0])));
                return;
            }

            path.Add(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges.Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
            {
                Visit(next);
            }

            path.RemoveAt(path.Count - 1);
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            Visit(node);
        }

        return [.. found];
    }

    private static string FolderNamespace(string file)
    {
        var relative = Path.GetRelativePath(CoreDirectory, Path.GetDirectoryName(file)!);
        return relative == "." ? CorePrefix : $"{CorePrefix}.{relative.Replace(Path.DirectorySeparatorChar, '.')}";
    }

    private static IEnumerable<SourceFile> SourceFiles() =>
        Directory.EnumerateFiles(CoreDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .Select(path =>
            {
                var text = File.ReadAllText(path);
                var ns = NamespacePattern().Match(text) is { Success: true } match
                    ? match.Groups["ns"].Value
                    : throw new InvalidOperationException($"{path} declares no file-scoped namespace.");
                var imports = ImportPattern().Matches(text)
                    .Select(m => m.Groups["ns"].Value)
                    .Where(import => import.StartsWith(CorePrefix + ".", StringComparison.Ordinal))
                    .ToHashSet(StringComparer.Ordinal);
                return new SourceFile(path, ns, imports);
            });

    private static bool IsBuildOutput(string path)
    {
        var relative = Path.GetRelativePath(CoreDirectory, path).Split(Path.DirectorySeparatorChar);
        return relative[0] is "bin" or "obj";
    }

    [GeneratedRegex(@"^namespace (?<ns>[\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespacePattern();

    /// <summary>A Core namespace named anywhere: in a using directive or a qualified name.</summary>
    [GeneratedRegex(@"(?<![\w.])(?<ns>Uploads\.Core\.\w+)(?=[.;])")]
    private static partial Regex ImportPattern();

    private sealed record SourceFile(string Path, string Namespace, IReadOnlySet<string> Imports);
}
