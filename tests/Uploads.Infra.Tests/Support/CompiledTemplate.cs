using System.Text.Json.Nodes;

namespace Uploads.Infra.Tests.Support;

/// <summary>One resource of the compiled template, with the (nested) template that declares it.</summary>
internal sealed record TemplateResource(JsonObject Resource, JsonObject Template)
{
    public string Type => (string)Resource["type"]!;

    public JsonObject Properties => Resource["properties"] as JsonObject ?? [];

    public string? Scope => (string?)Resource["scope"];

    public JsonObject Variables => Template["variables"] as JsonObject ?? [];
}

/// <summary>
/// infra/main.bicep compiled once by the real Bicep CLI (bicep build into a temporary folder) and parsed.
/// Modules are compiled inline as nested deployments, so every resource of every module is reachable.
/// </summary>
public sealed class CompiledTemplate : IDisposable
{
    private readonly string _outputDirectory;

    public CompiledTemplate()
    {
        _outputDirectory = Directory.CreateTempSubdirectory("uploads-infra-").FullName;
        Build = ProcessRunner.Run(Repo.BicepExecutable, ["build", Repo.Path("infra", "main.bicep"), "--outdir", _outputDirectory]);
        var compiled = System.IO.Path.Combine(_outputDirectory, "main.json");
        if (Build.ExitCode != 0 || !File.Exists(compiled))
        {
            throw new InvalidOperationException($"bicep build failed ({Build.ExitCode}):\n{Build.Combined}");
        }

        Text = File.ReadAllText(compiled);
        Root = JsonNode.Parse(Text)!.AsObject();
        Resources = Collect(Root).ToList();
    }

    internal ProcessResult Build { get; }

    /// <summary>The compiled ARM JSON as text.</summary>
    internal string Text { get; }

    internal JsonObject Root { get; }

    internal IReadOnlyList<TemplateResource> Resources { get; }

    internal IEnumerable<TemplateResource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    internal TemplateResource Single(string type)
    {
        var matches = OfType(type).ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one {type}, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>The nested deployment (module) of main.bicep with the given deployment name.</summary>
    internal TemplateResource Module(string name) =>
        OfType("Microsoft.Resources/deployments").Single(d => (string?)d.Resource["name"] == name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_outputDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private static IEnumerable<TemplateResource> Collect(JsonObject template)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject symbolic => symbolic.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        };
        // References to existing resources (symbolic-name templates list them) are not resources the template creates.
        foreach (var resource in resources.Where(r => r["existing"]?.GetValue<bool>() != true))
        {
            yield return new TemplateResource(resource, template);
            if (resource["properties"] is JsonObject { } properties && properties["template"] is JsonObject nested)
            {
                foreach (var inner in Collect(nested))
                {
                    yield return inner;
                }
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BicepTemplateGroup : ICollectionFixture<CompiledTemplate>
{
    public const string Name = "Compiled Bicep template";
}
