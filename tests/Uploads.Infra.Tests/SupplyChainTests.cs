using System.Text.RegularExpressions;
using System.Xml.Linq;
using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>
/// NuGet supply chain: every project restores from a committed lock file, CI restores in locked mode (a lock file
/// edited by hand, or out of step with its project, fails the restore), every package is audited, and the one
/// warning exemption is scoped to the Functions SDK's generated WorkerExtensions project.
/// </summary>
public sealed partial class SupplyChainTests
{
    private static XElement BuildProps => XDocument.Load(Repo.Path("Directory.Build.props")).Root!;

    private static string? Property(XElement project, string name) =>
        project.Descendants(name).Select(e => e.Value).SingleOrDefault();

    public static TheoryData<string> SolutionProjects()
    {
        var data = new TheoryData<string>();
        foreach (Match match in SolutionProject().Matches(Repo.ReadAllText("Functions.sln")))
        {
            data.Add(match.Groups["path"].Value.Replace('\\', '/'));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SolutionProjects))]
    public void LockFile_EveryProjectOfTheSolution_Committed(string project)
    {
        var lockFile = Path.Combine(Path.GetDirectoryName(Repo.Path(project.Split('/')))!, "packages.lock.json");

        Assert.True(File.Exists(lockFile), $"{project} has no packages.lock.json: run `dotnet restore Functions.sln --force-evaluate` and commit it.");
        Assert.Contains("\"dependencies\"", File.ReadAllText(lockFile), StringComparison.Ordinal);
    }

    [Fact]
    public void LockFile_SolutionProjects_Found()
    {
        // Guards the theory above: the solution's projects were found.
        Assert.True(SolutionProjects().Count >= 10);
    }

    [Fact]
    public void LockFile_WorkerExtensions_CommittedAndRestoredWithIt()
    {
        // The host-side extensions (the Functions SDK's generated WorkerExtensions project) run in the Functions host:
        // locked like the rest, through properties the Functions project passes to that inner restore.
        var functions = File.ReadAllText(Repo.Path("src", "Uploads.Functions", "Uploads.Functions.csproj"));

        Assert.True(File.Exists(Repo.Path("src", "Uploads.Functions", "worker-extensions.packages.lock.json")));
        Assert.Contains("Microsoft.Azure.WebJobs.Extensions.Storage.Blobs", Repo.ReadAllText("src", "Uploads.Functions", "worker-extensions.packages.lock.json"), StringComparison.Ordinal);
        Assert.Contains("RestorePackagesWithLockFile=true;NuGetLockFilePath=$(MSBuildProjectDirectory)/worker-extensions.packages.lock.json;RestoreLockedMode=$(RestoreLockedMode)", functions, StringComparison.Ordinal);
        Assert.Contains("BeforeTargets=\"_WorkerExtensionsRestore;_WorkerExtensionsBuild\"", functions, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildProps_LockFilesLockedModeInCiAndAuditOfEveryPackage()
    {
        var props = BuildProps;

        Assert.Equal("true", Property(props, "RestorePackagesWithLockFile"));
        var locked = props.Descendants("RestoreLockedMode").Single();
        Assert.Equal("true", locked.Value);
        Assert.Equal("'$(CI)' == 'true'", (string?)locked.Attribute("Condition"));
        Assert.Equal("true", Property(props, "NuGetAudit"));
        Assert.Equal("all", Property(props, "NuGetAuditMode"));
        Assert.Equal("true", Property(props, "TreatWarningsAsErrors"));
    }

    [Fact]
    public void WarningExemptions_Nu1603_OnlyForTheGeneratedWorkerExtensionsProject()
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "tests/Directory.Build.props" })
        {
            Assert.DoesNotContain("NU1603", Repo.ReadAllText(file.Split('/')), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("warnnotaserror", Repo.ReadAllText("scripts", "test.sh"), StringComparison.OrdinalIgnoreCase);
        var functions = File.ReadAllText(Repo.Path("src", "Uploads.Functions", "Uploads.Functions.csproj"));
        Assert.Contains("<_FunctionsExtensionCommonProps>$(_FunctionsExtensionCommonProps);NoWarn=NU1603%3BNU1601;", functions, StringComparison.Ordinal);
    }

    [Fact]
    public void TestScript_Restore_LockedInCiThenBuildWithoutRestore()
    {
        var script = Repo.ReadAllText("scripts", "test.sh");

        Assert.Contains("locked=(--locked-mode)", script, StringComparison.Ordinal);
        Assert.Contains("dotnet restore Functions.sln \"${locked[@]}\"", script, StringComparison.Ordinal);
        Assert.Contains("dotnet build Functions.sln -c \"$configuration\" --no-restore -warnaserror", script, StringComparison.Ordinal);
    }

    [Fact]
    public void LockedRestore_LockFileAsCommitted_Succeeds()
    {
        using var copy = new LockedProjectCopy();

        var result = copy.Restore();

        Assert.True(result.ExitCode == 0, $"The committed lock file does not restore in locked mode:\n{result.Combined}");
    }

    [Theory]
    // A hand-edited version of a transitive package: the exact version the lock file names is restored, and is not served.
    [InlineData("\"resolved\": \"22.1.0\"", "\"resolved\": \"22.0.0\"", "NU1101")]
    // A content hash that is not the package's: NuGet refuses the package it has.
    [InlineData("\"contentHash\": \"mTdHWGsNCWpK", "\"contentHash\": \"mTdHWGsNCWpL", "NU1403")]
    // A requested range that is not the project's (a version bumped in the lock file but not in Directory.Packages.props).
    [InlineData("\"requested\": \"[12.30.1, )\"", "\"requested\": \"[12.30.0, )\"", "NU1004")]
    public void LockedRestore_HandEditedLockFile_Fails(string original, string edited, string code)
    {
        using var copy = new LockedProjectCopy();
        copy.EditLockFile(original, edited);

        var result = copy.Restore();

        Assert.True(result.ExitCode != 0, $"A hand-edited lock file restored in locked mode:\n{result.Combined}");
        Assert.Contains($"error {code}", result.Combined, StringComparison.Ordinal);
    }

    [Fact]
    public void LockedRestore_WorkerExtensionsAsGenerated_MatchesItsCommittedLockFile()
    {
        using var copy = WorkerExtensionsCopy.Create();

        var result = copy.Restore();

        Assert.True(result.ExitCode == 0, $"The Functions SDK's generated WorkerExtensions project does not restore in locked mode from src/Uploads.Functions/worker-extensions.packages.lock.json (update it: README.md, Supply chain):\n{result.Combined}");
    }

    [Fact]
    public void LockedRestore_WorkerExtensionsLockFileHandEdited_Fails()
    {
        using var copy = WorkerExtensionsCopy.Create();
        copy.EditLockFile("\"resolved\": \"5.3.10\"", "\"resolved\": \"5.3.9\"");

        var result = copy.Restore();

        Assert.True(result.ExitCode != 0, $"A hand-edited WorkerExtensions lock file restored in locked mode:\n{result.Combined}");
        Assert.Contains("error NU1", result.Combined, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^Project\(""\{[^}]+\}""\) = ""[^""]+"", ""(?<path>[^""]+\.csproj)""", RegexOptions.Multiline)]
    private static partial Regex SolutionProject();

    /// <summary>
    /// The WorkerExtensions project the Functions SDK generated in the last build of src/Uploads.Functions (CI builds
    /// before it tests), restored the way the SDK restores it (no Directory.*.props), with the properties the Functions
    /// project adds: its committed lock file, locked mode, from an empty package source (offline, from the NuGet cache).
    /// </summary>
    private sealed class WorkerExtensionsCopy : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("uploads-worker-extensions-").FullName;

        private WorkerExtensionsCopy(string generated)
        {
            Directory.CreateDirectory(Path.Combine(_root, "empty-source"));
            Directory.CreateDirectory(Path.Combine(_root, "WorkerExtensions"));
            File.Copy(generated, Path.Combine(_root, "WorkerExtensions", "WorkerExtensions.csproj"));
            File.Copy(Repo.Path("src", "Uploads.Functions", "worker-extensions.packages.lock.json"), LockFile);
        }

        private string LockFile => Path.Combine(_root, "worker-extensions.packages.lock.json");

        public static WorkerExtensionsCopy Create()
        {
            var generated = Directory.EnumerateFiles(Repo.Path("src", "Uploads.Functions", "obj"), "WorkerExtensions.csproj", SearchOption.AllDirectories)
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault();
            Assert.True(generated is not null, "src/Uploads.Functions has no generated WorkerExtensions.csproj: build it first (dotnet build Functions.sln).");
            return new WorkerExtensionsCopy(generated);
        }

        public void EditLockFile(string original, string edited)
        {
            var text = File.ReadAllText(LockFile);
            Assert.Contains(original, text, StringComparison.Ordinal);
            File.WriteAllText(LockFile, text.Replace(original, edited, StringComparison.Ordinal));
        }

        public ProcessResult Restore() => ProcessRunner.Run(
            "dotnet",
            [
                "restore", Path.Combine(_root, "WorkerExtensions", "WorkerExtensions.csproj"),
                $"-p:RestoreSources={Path.Combine(_root, "empty-source")}",
                "-p:ImportDirectoryBuildProps=false", "-p:ImportDirectoryBuildTargets=false", "-p:ImportDirectoryPackagesProps=false",
                "-p:RestorePackagesWithLockFile=true", $"-p:NuGetLockFilePath={LockFile}", "-p:RestoreLockedMode=true",
                "--disable-build-servers", "-nologo",
            ],
            new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });

        public void Dispose()
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }

    /// <summary>
    /// The browser sample's project and lock file, copied with the repository's Directory.*.props and global.json into a
    /// temporary folder, restored as CI restores (CI=true, so locked mode comes from Directory.Build.props) from an
    /// empty package source: offline, from the packages the solution's restore put in the NuGet cache.
    /// </summary>
    private sealed class LockedProjectCopy : IDisposable
    {
        private const string Project = "Uploads.BrowserSample";
        private readonly string _root = Directory.CreateTempSubdirectory("uploads-locked-restore-").FullName;

        public LockedProjectCopy()
        {
            foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
            {
                File.Copy(Repo.Path(file), Path.Combine(_root, file));
            }

            Directory.CreateDirectory(Path.Combine(_root, Project));
            Directory.CreateDirectory(Path.Combine(_root, "empty-source"));
            File.Copy(Repo.Path("samples", Project, $"{Project}.csproj"), Path.Combine(_root, Project, $"{Project}.csproj"));
            File.Copy(Repo.Path("samples", Project, "packages.lock.json"), LockFile);
        }

        private string LockFile => Path.Combine(_root, Project, "packages.lock.json");

        public void EditLockFile(string original, string edited)
        {
            var text = File.ReadAllText(LockFile);
            Assert.Contains(original, text, StringComparison.Ordinal);
            File.WriteAllText(LockFile, text.Replace(original, edited, StringComparison.Ordinal));
        }

        public ProcessResult Restore() => ProcessRunner.Run(
            "dotnet",
            ["restore", Path.Combine(_root, Project), $"-p:RestoreSources={Path.Combine(_root, "empty-source")}", "--disable-build-servers", "-nologo"],
            new Dictionary<string, string?> { ["CI"] = "true", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });

        public void Dispose()
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }
}
