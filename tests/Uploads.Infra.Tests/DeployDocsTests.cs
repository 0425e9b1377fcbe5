using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>docs/deploy.md explains every role the template assigns and every setting it makes.</summary>
public sealed class DeployDocsTests
{
    private static readonly Dictionary<string, string> RoleNames = new(StringComparer.Ordinal)
    {
        [RoleAssignmentTests.StorageBlobDataOwner] = "Storage Blob Data Owner",
        [RoleAssignmentTests.StorageBlobDataContributor] = "Storage Blob Data Contributor",
        [RoleAssignmentTests.StorageBlobDelegator] = "Storage Blob Delegator",
        [RoleAssignmentTests.StorageQueueDataContributor] = "Storage Queue Data Contributor",
        [RoleAssignmentTests.StorageTableDataContributor] = "Storage Table Data Contributor",
        [RoleAssignmentTests.MonitoringMetricsPublisher] = "Monitoring Metrics Publisher",
        [RoleAssignmentTests.KeyVaultSecretsUser] = "Key Vault Secrets User",
        [RoleAssignmentTests.KeyVaultSecretsOfficer] = "Key Vault Secrets Officer",
        [RoleAssignmentTests.EventGridDataSender] = "EventGrid Data Sender",
        [RoleAssignmentTests.BlobIndexTagsCustomRole] = "Uploads blob index tags",
        [RoleAssignmentTests.StorageQueueDataMessageSender] = "Storage Queue Data Message Sender",
    };

    [Fact]
    public void DeployDocs_EveryAssignedRole_Explained()
    {
        var docs = Repo.ReadAllText("docs", "deploy.md");

        foreach (var (role, _, _) in RoleAssignmentTests.Expected)
        {
            Assert.True(RoleNames.TryGetValue(role, out var name), $"No display name for role {role} in this test.");
            Assert.Contains($"| {name} ", docs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DeployDocs_RequiredSections_Present()
    {
        var docs = Repo.ReadAllText("docs", "deploy.md");

        foreach (var heading in new[] { "## Prerequisites", "## Deploy", "## What gets created", "## Adding an API key", "## Logs, dead letters and quarantined files", "## Cost notes (Flex Consumption)" })
        {
            Assert.Contains(heading, docs, StringComparison.Ordinal);
        }

        Assert.Contains("azd up", docs, StringComparison.Ordinal);
        Assert.Contains("scripts/add-api-client.sh", docs, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("### Verified against")]
    [InlineData("### Unverified offline")]
    public void DeployDocs_SourceLists_PresentAndNotEmpty(string heading)
    {
        var docs = Repo.ReadAllText("docs", "deploy.md");
        var start = docs.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/deploy.md lacks '{heading}'.");

        var section = docs[(start + heading.Length)..];
        var next = section.IndexOf("\n#", StringComparison.Ordinal);
        section = next < 0 ? section : section[..next];
        Assert.True(section.Split('\n').Count(l => l.StartsWith("- ", StringComparison.Ordinal)) >= 3, $"'{heading}' lists fewer than 3 items.");
    }

    [Fact]
    public void DeployDocs_CheckerFindings_EveryCitedTestExists()
    {
        // The "Checker findings" table names the test that pins each finding: each name is a test of this project.
        var docs = Repo.ReadAllText("docs", "deploy.md");
        var start = docs.IndexOf("## Checker findings", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/deploy.md lacks '## Checker findings'.");
        var section = docs[start..docs.IndexOf("\n## ", start + 3, StringComparison.Ordinal)];
        var tests = typeof(DeployDocsTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance)
                .Select(m => $"{t.Name}.{m.Name}"))
            .ToHashSet(StringComparer.Ordinal);

        var cited = System.Text.RegularExpressions.Regex.Matches(section, @"`(?<name>[A-Z][A-Za-z]+Tests)(\.(?<method>[A-Za-z_0-9]+?))?(?<star>_\*)?`");
        Assert.True(cited.Count >= 12, $"Only {cited.Count} tests cited in 'Checker findings'.");
        foreach (System.Text.RegularExpressions.Match match in cited)
        {
            var type = match.Groups["name"].Value;
            var method = match.Groups["method"].Value;
            if (method.Length == 0 || match.Groups["star"].Success)
            {
                Assert.Contains(tests, t => t.StartsWith($"{type}.{method}", StringComparison.Ordinal));
            }
            else
            {
                Assert.True(tests.Contains($"{type}.{method}"), $"docs/deploy.md cites {type}.{method}, which is not a test (or the list of a test).");
            }
        }

        foreach (var finding in new[] { "Azure.KeyVault.Logs", "Azure.KeyVault.PurgeProtect", "Azure.Storage.UseReplication", "Azure.AppService.ARRAffinity", "apiVersions Should Be Recent", "what-if-short-circuiting", "`ftpsState`", "`maximumInstanceCount`" })
        {
            Assert.Contains(finding, section, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DeployDocs_EveryRequiredSetting_Listed()
    {
        var docs = Repo.ReadAllText("docs", "deploy.md");

        foreach (var setting in Uploads.Core.Hosting.AppSettings.RequiredInAzure.Concat(AppSettingsTests.PlatformSettings.Take(1)))
        {
            Assert.Contains(setting, docs, StringComparison.Ordinal);
        }
    }
}
