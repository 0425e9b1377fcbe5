using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>The Bicep CLI (from NuGet) compiles and lints every Bicep file without a single diagnostic.</summary>
[Collection(BicepTemplateGroup.Name)]
public sealed class BicepToolTests(CompiledTemplate template)
{
    public static TheoryData<string> BicepFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Repo.Path("infra"), "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Repo.Root, file));
        }

        return data;
    }

    [Fact]
    public void Build_MainTemplate_NoDiagnostics()
    {
        Assert.Equal(0, template.Build.ExitCode);
        Assert.True(string.IsNullOrWhiteSpace(template.Build.Combined), $"bicep build printed diagnostics:\n{template.Build.Combined}");
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Lint_EachBicepFile_NoDiagnostics(string file)
    {
        var result = ProcessRunner.Run(Repo.BicepExecutable, ["lint", Repo.Path(file)]);

        Assert.True(result.ExitCode == 0, $"bicep lint {file} exited {result.ExitCode}:\n{result.Combined}");
        Assert.True(string.IsNullOrWhiteSpace(result.Combined), $"bicep lint {file} reported:\n{result.Combined}");
    }

    [Fact]
    public void BicepConfig_Analyzers_RaiseSecurityRulesToErrors()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(Repo.ReadAllText("infra", "bicepconfig.json"))!;
        var rules = config["analyzers"]!["core"]!["rules"]!.AsObject();

        foreach (var rule in new[] { "outputs-should-not-contain-secrets", "secure-secrets-in-params", "no-hardcoded-env-urls", "no-unused-params" })
        {
            Assert.Equal("error", (string?)rules[rule]?["level"]);
        }
    }

    [Fact]
    public void Build_BrokenTemplate_FailsWithDiagnostic()
    {
        // The tool really checks: a property that does not exist on the resource type is reported.
        var directory = Directory.CreateTempSubdirectory("uploads-infra-broken-").FullName;
        try
        {
            var file = Path.Combine(directory, "broken.bicep");
            File.WriteAllText(file, """
                resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
                  name: 'stbroken'
                  location: 'westeurope'
                  kind: 'StorageV2'
                  sku: { name: 'Standard_LRS' }
                  properties: { allowSharedKeyAcess: false }
                }
                """);

            var result = ProcessRunner.Run(Repo.BicepExecutable, ["lint", file]);

            Assert.Contains("allowSharedKeyAcess", result.Combined, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
