using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>azure.yaml and infra/main.parameters.json follow azd's conventions and point at files that exist.</summary>
[Collection(BicepTemplateGroup.Name)]
public sealed partial class AzdConfigurationTests(CompiledTemplate template)
{
    /// <summary>
    /// The few lines of azure.yaml the tests need, read line by line: "key: value" pairs by their indented path
    /// (no YAML package: the file uses only block mappings and scalars).
    /// </summary>
    private static Dictionary<string, string> ReadAzureYaml()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = new List<(int Indent, string Key)>();
        foreach (var raw in File.ReadAllLines(Repo.Path("azure.yaml")))
        {
            var line = raw.Split(" #")[0].TrimEnd();
            if (line.Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            Assert.DoesNotContain('\t', line);
            var indent = line.Length - line.TrimStart().Length;
            var match = YamlPair().Match(line.Trim());
            Assert.True(match.Success, $"azure.yaml: unexpected line '{raw}' (only 'key: value' mappings are expected).");
            path.RemoveAll(p => p.Indent >= indent);
            path.Add((indent, match.Groups["key"].Value));
            if (match.Groups["value"].Value.Length > 0)
            {
                values[string.Join('.', path.Select(p => p.Key))] = match.Groups["value"].Value.Trim('\'', '"');
            }
        }

        return values;
    }

    [Fact]
    public void AzureYaml_ApiService_DotnetFunctionFromTheFunctionsProject()
    {
        var yaml = ReadAzureYaml();

        Assert.Equal("function", yaml["services.api.host"]);
        Assert.Equal("dotnet", yaml["services.api.language"]);
        var project = Repo.Path(yaml["services.api.project"]);
        Assert.True(Directory.Exists(project), $"azure.yaml points at {project}, which does not exist.");
        Assert.Single(Directory.EnumerateFiles(project, "*.csproj"));
        Assert.Single(yaml.Keys, k => k.StartsWith("services.", StringComparison.Ordinal) && k.EndsWith(".host", StringComparison.Ordinal));
    }

    [Fact]
    public void AzureYaml_ServiceName_MatchesTheAzdTagOnTheFunctionApp()
    {
        var api = template.Module("api").Properties["parameters"]!;
        var site = template.Single("Microsoft.Web/sites");

        Assert.Equal("api", (string?)api["serviceName"]!["value"]);
        Assert.Contains("'azd-service-name', parameters('serviceName')", ArmEvaluator.Raw(site.Resource["tags"]), StringComparison.Ordinal);
        Assert.Contains("services.api.host", ReadAzureYaml().Keys);
    }

    [Fact]
    public void AzdServiceTag_OnlyOnTheSite_NotOnThePlan()
    {
        // azd before 1.23.4 refuses to deploy when two resources carry the service's tag (Azure/azure-dev#6674).
        var tagged = template.Resources.Where(r => ArmEvaluator.Raw(r.Resource["tags"]).Contains("azd-service-name", StringComparison.Ordinal)).ToList();

        Assert.Equal(["Microsoft.Web/sites"], tagged.Select(r => r.Type));
        Assert.DoesNotContain("azd-service-name", ArmEvaluator.Raw(template.Single("Microsoft.Web/serverfarms").Resource["tags"]), StringComparison.Ordinal);
        Assert.DoesNotContain("azd-service-name", ArmEvaluator.Raw(template.Module("api").Properties["parameters"]!["tags"]), StringComparison.Ordinal);
    }

    [Fact]
    public void AzureYaml_Infra_BicepMainInInfra()
    {
        var yaml = ReadAzureYaml();

        Assert.Equal("bicep", yaml["infra.provider"]);
        Assert.True(File.Exists(Repo.Path(yaml["infra.path"], yaml["infra.module"] + ".bicep")));
    }

    [Fact]
    public void AzureYaml_PostDeployHook_PosixAndWindowsScriptsExist()
    {
        var yaml = ReadAzureYaml();

        // `kind` (sh, pwsh, ...) in azd's schema; `shell` is its older, deprecated spelling.
        Assert.Equal("sh", yaml["hooks.postdeploy.posix.kind"]);
        Assert.Equal("pwsh", yaml["hooks.postdeploy.windows.kind"]);
        Assert.DoesNotContain(yaml.Keys, k => k.EndsWith(".shell", StringComparison.Ordinal));
        Assert.Equal("false", yaml["hooks.postdeploy.posix.continueOnError"]);
        foreach (var key in yaml.Keys.Where(k => k.StartsWith("hooks.", StringComparison.Ordinal) && k.EndsWith(".run", StringComparison.Ordinal)))
        {
            Assert.True(File.Exists(Repo.Path(yaml[key])), $"{key} runs {yaml[key]}, which does not exist.");
        }

        Assert.Equal("./scripts/post-deploy.sh", yaml["hooks.postdeploy.posix.run"]);
        Assert.Equal("./scripts/post-deploy.ps1", yaml["hooks.postdeploy.windows.run"]);
    }

    [Fact]
    public void MainParameters_AllDeclaredAndEveryRequiredParameterProvided()
    {
        var file = JsonNode.Parse(Repo.ReadAllText("infra", "main.parameters.json"))!;
        var provided = file["parameters"]!.AsObject();
        var declared = template.Root["parameters"]!.AsObject();

        foreach (var (name, _) in provided)
        {
            Assert.True(declared.ContainsKey(name), $"main.parameters.json sets '{name}', which main.bicep does not declare.");
        }

        foreach (var (name, parameter) in declared)
        {
            if (parameter!["defaultValue"] is null)
            {
                Assert.True(provided.ContainsKey(name), $"main.bicep parameter '{name}' has no default and main.parameters.json does not set it.");
            }
        }

        Assert.Equal("${AZURE_ENV_NAME}", (string?)provided["environmentName"]!["value"]);
        Assert.Equal("${AZURE_LOCATION}", (string?)provided["location"]!["value"]);
        Assert.Equal("${AZURE_PRINCIPAL_ID}", (string?)provided["principalId"]!["value"]);
    }

    [Fact]
    public void MainParameters_Values_NoSecretsOnlyAzdSubstitutions()
    {
        var file = JsonNode.Parse(Repo.ReadAllText("infra", "main.parameters.json"))!;

        foreach (var (name, parameter) in file["parameters"]!.AsObject())
        {
            Assert.Matches(AzdSubstitution(), (string?)parameter!["value"] ?? string.Empty);
            Assert.DoesNotMatch("(?i)key|secret|password", name.Replace("apiClientIds", string.Empty, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ResourceNames_FromAbbreviationsAndResourceToken()
    {
        var abbreviations = JsonNode.Parse(Repo.ReadAllText("infra", "abbreviations.json"))!.AsObject();
        var main = Repo.ReadAllText("infra", "main.bicep");

        Assert.Contains("var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))", main, StringComparison.Ordinal);
        foreach (Match used in AbbreviationUse().Matches(main))
        {
            Assert.True(abbreviations.ContainsKey(used.Groups[1].Value), $"abbreviations.json lacks {used.Groups[1].Value}.");
        }
    }

    [Fact]
    public void Parameters_EveryTemplateAndModule_Described()
    {
        var templates = new[] { template.Root }
            .Concat(template.OfType("Microsoft.Resources/deployments").Select(d => d.Properties["template"]!.AsObject()));

        foreach (var t in templates)
        {
            foreach (var (name, parameter) in t["parameters"]?.AsObject() ?? [])
            {
                Assert.False(string.IsNullOrWhiteSpace((string?)parameter!["metadata"]?["description"]), $"Parameter '{name}' has no @description.");
            }
        }
    }

    [Fact]
    public void ApiModule_DependsOnRoleAssignments()
    {
        // The app must not start before its identity holds the roles its identity-based connections need.
        var api = template.Module("api").Resource;

        Assert.Contains(api["dependsOn"]!.AsArray(), d => ((string)d!).Contains("'rbac'", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^(?<key>[A-Za-z_][A-Za-z0-9_-]*):(?:\s+(?<value>.*))?$")]
    private static partial Regex YamlPair();

    [GeneratedRegex(@"^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$")]
    private static partial Regex AzdSubstitution();

    [GeneratedRegex(@"abbrs\.([A-Za-z]+)")]
    private static partial Regex AbbreviationUse();
}
