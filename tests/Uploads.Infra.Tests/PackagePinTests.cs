using System.Xml.Linq;
using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>
/// Central package management (Directory.Packages.props) pins only what some project uses: a pin nobody references
/// is a version nobody tests, and reads as a dependency the product does not have.
/// </summary>
public sealed class PackagePinTests
{
    [Fact]
    public void CentralPins_Each_ReferencedByAProject()
    {
        var pinned = Packages(Repo.Path("Directory.Packages.props"), "PackageVersion");
        var referenced = ProjectFiles().SelectMany(file => Packages(file, "PackageReference")).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var unused = pinned.Where(package => !referenced.Contains(package)).Order(StringComparer.Ordinal).ToList();

        Assert.True(unused.Count == 0, "Pinned in Directory.Packages.props but referenced by no project: " + string.Join(", ", unused));
    }

    [Fact]
    public void ProjectFiles_Found_IncludeEveryLayer()
    {
        // Guards the scan above: were the project files not found, every pin would look unused, or none would.
        var names = ProjectFiles().Select(Path.GetFileName).ToList();

        Assert.Contains("Uploads.Core.csproj", names);
        Assert.Contains("Uploads.Functions.csproj", names);
        Assert.Contains("Uploads.Benchmarks.csproj", names);
        Assert.Contains("Uploads.Infra.Tests.csproj", names);
    }

    private static IEnumerable<string> ProjectFiles() =>
        new[] { "src", "tests", "benchmarks" }
            .Select(folder => Repo.Path(folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.*proj", SearchOption.AllDirectories)
                .Concat(Directory.EnumerateFiles(folder, "*.props", SearchOption.AllDirectories)))
            .Where(file => !file.Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin" or "node_modules"));

    private static IEnumerable<string> Packages(string file, string element) =>
        XDocument.Load(file).Descendants(element)
            .Select(e => (string?)e.Attribute("Include") ?? (string?)e.Attribute("Update"))
            .OfType<string>();
}
