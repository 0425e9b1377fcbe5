using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Uploads.Core.Configuration;
using Uploads.Core.Hosting;
using Uploads.Core.Scanning;
using Uploads.Testing;

namespace Uploads.Core.Tests.Hosting;

/// <summary>
/// <c>local.settings.sample.json</c> (what <c>scripts/run-local.sh</c> copies to <c>local.settings.json</c>) names only
/// settings the code or the host reads (<see cref="AppSettings"/>), and carries every malware-scanning setting with
/// the options' own defaults: scanning off locally, its function not listening.
/// </summary>
public sealed class LocalSettingsSampleTests
{
    /// <summary>Read by the Functions host (or Core Tools), not by the app's options.</summary>
    private static readonly string[] HostSettings = ["AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME"];

    private static Dictionary<string, string> Values()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    [Fact]
    public void Sample_EverySetting_IsReadByTheCodeOrTheHost()
    {
        var unknown = Values().Keys.Where(k => !AppSettings.Fixed.Contains(k) && !HostSettings.Contains(k)
            && !AppSettings.Prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))
            && k != $"AzureWebJobs.{MalwareScanOptions.FunctionName}.Disabled").ToList();

        Assert.True(unknown.Count == 0, $"local.settings.sample.json sets settings nothing reads: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Sample_MalwareScanning_EverySettingWithItsDefaultScanningOffFunctionDisabled()
    {
        var values = Values();
        var listed = AppSettings.Fixed.Where(s => s.StartsWith(MalwareScanOptions.SectionName + "__", StringComparison.Ordinal)).ToList();

        Assert.All(listed, s => Assert.True(values.ContainsKey(s), $"local.settings.sample.json lacks {s}."));
        var bound = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)))
            .Build().GetSection(MalwareScanOptions.SectionName).Get<MalwareScanOptions>()!;
        var defaults = new MalwareScanOptions();
        foreach (var property in typeof(MalwareScanOptions).GetProperties().Where(p => p.SetMethod is { IsPublic: true }))
        {
            Assert.Equal(property.GetValue(defaults), property.GetValue(bound));
        }

        Assert.False(bound.Enabled);
        Assert.Equal("true", values[$"AzureWebJobs.{MalwareScanOptions.FunctionName}.Disabled"]);
    }
}
