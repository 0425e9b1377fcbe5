using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Uploads.Core.Configuration;
using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>The security properties of the compiled template that issue 4 asks to pin.</summary>
[Collection(BicepTemplateGroup.Name)]
public sealed partial class SecurityPropertyTests(CompiledTemplate template)
{
    [Fact]
    public void StorageAccounts_All_SharedKeyOffNoPublicBlobAccessTls12HttpsOnly()
    {
        var accounts = template.OfType("Microsoft.Storage/storageAccounts").ToList();
        Assert.Equal(2, accounts.Count); // uploads and host

        foreach (var account in accounts)
        {
            var properties = account.Properties;
            Assert.False((bool)properties["allowSharedKeyAccess"]!);
            Assert.False((bool)properties["allowBlobPublicAccess"]!);
            Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
            Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
            Assert.True((bool)properties["defaultToOAuthAuthentication"]!);
            Assert.False((bool)properties["allowCrossTenantReplication"]!);
        }
    }

    [Fact]
    public void Containers_All_PrivateAndNamedFromParameters()
    {
        var containers = template.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").ToList();

        Assert.All(containers, c => Assert.Equal("None", (string?)c.Properties["publicAccess"]));
        var names = containers.Select(c => ArmEvaluator.Render(c.Resource["name"], c.Variables)).ToList();
        Assert.Contains(names, n => n.EndsWith("/{uploadsContainerName}", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("/{quarantineContainerName}", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("/{deadLetterContainerName}", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("/{deploymentContainerName}", StringComparison.Ordinal));
    }

    [Fact]
    public void ContainerParameters_Defaults_MatchTheAppDefaults()
    {
        var parameters = template.Root["parameters"]!;
        var defaults = new UploadOptions();

        Assert.Equal(defaults.ContainerName, (string?)parameters["uploadsContainerName"]!["defaultValue"]);
        Assert.Equal(defaults.QuarantineContainerName, (string?)parameters["quarantineContainerName"]!["defaultValue"]);
    }

    /// <summary>The one CORS rule (infra/app/storage-cors.json, which the browser sample also sets on Azurite; docs/deploy.md states it), from the compiled JSON.</summary>
    private JsonNode CorsRule()
    {
        var blobService = template.OfType("Microsoft.Storage/storageAccounts/blobServices")
            .Single(s => s.Properties["cors"] is not null);
        var rules = ArmExpression.Parse((string)blobService.Properties["cors"]!["corsRules"]!);

        // corsRules: no rule when no origin is configured, else exactly one rule for the configured origins.
        var condition = Assert.IsType<ArmCall>(rules);
        Assert.True(condition.Is("if"), $"Unexpected corsRules: {rules}");
        Assert.Equal("empty(parameters('corsAllowedOrigins'))", Text(condition.Arguments[0]));
        Assert.Empty(Assert.IsType<JsonArray>(ArmEvaluator.ToJson(condition.Arguments[1])));
        return Assert.Single(Assert.IsType<JsonArray>(ArmEvaluator.ToJson(condition.Arguments[2], blobService.Variables)))!;
    }

    private static string Text(ArmExpression expression) => expression switch
    {
        ArmCall call => $"{call.Name}({string.Join(", ", call.Arguments.Select(Text))})",
        ArmString s => $"'{s.Value}'",
        _ => expression.ToString()!,
    };

    [Fact]
    public void UploadsBlobService_Cors_NoRuleWithoutOrigins()
    {
        var blobService = template.OfType("Microsoft.Storage/storageAccounts/blobServices")
            .Single(s => s.Properties["cors"] is not null);

        Assert.StartsWith("[if(empty(parameters('corsAllowedOrigins')), createArray(), createArray(", (string?)blobService.Properties["cors"]!["corsRules"], StringComparison.Ordinal);
    }

    [Fact]
    public void UploadsBlobService_Cors_ExactlyTheBrowserUploadRule()
    {
        var rule = CorsRule();

        Assert.Equal("[parameters('corsAllowedOrigins')]", (string?)rule["allowedOrigins"]);
        // Put Blob, Put Block and Put Block List are all PUT; an upload URL cannot read, so no GET/HEAD.
        Assert.Equal(["PUT"], Strings(rule["allowedMethods"]));
        // The JS Storage SDK's preflight: content-type and its x-ms-* headers (x-ms-useragent among them).
        Assert.Equal(["content-type", "content-md5", "x-ms-*"], Strings(rule["allowedHeaders"]));
        Assert.Equal(["etag", "content-md5", "date", "x-ms-*"], Strings(rule["exposedHeaders"]));
        Assert.Equal(3600L, (long)rule["maxAgeInSeconds"]!);
    }

    [Theory]
    // The JS Storage SDK's preflight (request headers it sends from a browser)...
    [InlineData("allowedHeaders", "x-ms-useragent")]
    [InlineData("allowedHeaders", "x-ms-version")]
    [InlineData("allowedHeaders", "x-ms-client-request-id")]
    [InlineData("allowedHeaders", "x-ms-blob-type")]
    [InlineData("allowedHeaders", "x-ms-blob-content-type")]
    [InlineData("allowedHeaders", "x-ms-date")]
    [InlineData("allowedHeaders", "content-type")]
    // ...and the response headers the SDKs read.
    [InlineData("exposedHeaders", "etag")]
    [InlineData("exposedHeaders", "x-ms-request-id")]
    [InlineData("exposedHeaders", "x-ms-error-code")]
    [InlineData("exposedHeaders", "x-ms-version")]
    [InlineData("exposedHeaders", "x-ms-content-crc64")]
    [InlineData("exposedHeaders", "content-md5")]
    public void UploadsBlobService_Cors_HeadersOfTheJsStorageSdkCovered(string field, string header)
    {
        // Storage's matching: a literal header, or a prefix ending in '*' (at most two prefixed entries per list).
        var entries = Strings(CorsRule()[field]);

        Assert.Contains(entries, e => e.EndsWith('*') ? header.StartsWith(e[..^1], StringComparison.OrdinalIgnoreCase) : string.Equals(e, header, StringComparison.OrdinalIgnoreCase));
        Assert.True(entries.Count(e => e.EndsWith('*')) <= 2);
    }

    [Fact]
    public void DeployDocs_CorsTable_StatesTheTemplatesRule()
    {
        // docs/deploy.md states the rule verbatim (the browser page's Azurite CORS is configured from it).
        var rule = CorsRule();
        var docs = Repo.ReadAllText("docs", "deploy.md");

        foreach (var field in new[] { "allowedMethods", "allowedHeaders", "exposedHeaders" })
        {
            Assert.Contains($"| `{field}` | {string.Join(", ", Strings(rule[field]).Select(v => $"`{v}`"))} |", docs, StringComparison.Ordinal);
        }

        Assert.Contains($"| `maxAgeInSeconds` | {(long)rule["maxAgeInSeconds"]!} |", docs, StringComparison.Ordinal);
    }

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(n => (string)n!).ToList();

    [Fact]
    public void FunctionApp_MaximumInstanceCount_FlexBounds1To1000()
    {
        // Learn's Flex Consumption plan hosting page, as issue 24 read it on 2026-12-06: 1 to 1000 (40 was the
        // preview's floor).
        var parameter = template.Root["parameters"]!["maximumInstanceCount"]!;

        Assert.Equal(1, (int)parameter["minValue"]!);
        Assert.Equal(1000, (int)parameter["maxValue"]!);
        Assert.InRange((int)parameter["defaultValue"]!, 1, 1000);
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)template.Module("api").Properties["parameters"]!["maximumInstanceCount"]!["value"]);
    }

    [Fact]
    public void Lifecycle_QuarantineRule_DeletesAfterConfigurableDays()
    {
        var policy = template.Single("Microsoft.Storage/storageAccounts/managementPolicies");
        // The account's one policy: the retention rules always, the malware-scan records' rule only with scanning on
        // (MalwareScanningTests.Lifecycle_ScanRecordsRule_OnlyWithScanningOn_OutlivesTheLongestWait).
        Assert.Equal(
            "[if(empty(parameters('scanRecordsContainerName')), variables('retentionRules'), concat(variables('retentionRules'), createArray(variables('scanRecordsRule'))))]",
            (string?)policy.Properties["policy"]!["rules"]);
        var rules = policy.Variables["retentionRules"]!.AsArray();
        Assert.Equal(["delete-quarantined-blobs", "delete-dead-lettered-events"], rules.Select(r => (string?)r!["name"]));
        var quarantine = rules.Single(r => (string?)r!["name"] == "delete-quarantined-blobs")!;

        Assert.True((bool)quarantine["enabled"]!);
        Assert.Equal("[format('{0}/', parameters('quarantineContainerName'))]", (string?)quarantine["definition"]!["filters"]!["prefixMatch"]![0]);
        Assert.Equal("[parameters('quarantineRetentionDays')]",
            (string?)quarantine["definition"]!["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]);

        var days = template.Root["parameters"]!["quarantineRetentionDays"]!;
        Assert.Equal("int", (string?)days["type"]);
        Assert.Equal(30, (int)days["defaultValue"]!);
        // Declarations of SHA-256 (declared-sha256/) outlive every upload URL: 7 days of renewals + 1 hour.
        Assert.Equal(8, (int)days["minValue"]!);
        var module = template.Module("uploads-storage");
        Assert.Equal("[parameters('quarantineRetentionDays')]", (string?)module.Properties["parameters"]!["quarantineRetentionDays"]!["value"]);
    }

    [Fact]
    public void FunctionApp_Site_HttpsOnlyTls12NoFtpsStateNoAffinityUserAssignedIdentity()
    {
        var site = template.Single("Microsoft.Web/sites");
        var properties = site.Properties;

        Assert.Equal("functionapp,linux", (string?)site.Resource["kind"]);
        Assert.True((bool)properties["httpsOnly"]!);
        Assert.Equal("1.2", (string?)properties["siteConfig"]!["minTlsVersion"]);
        Assert.Equal("1.2", (string?)properties["siteConfig"]!["scmMinTlsVersion"]);
        // ftpsState is among Flex Consumption's unsupported site properties: FTP is off through the publishing policies.
        Assert.Null(properties["siteConfig"]!["ftpsState"]);
        Assert.Null(properties["ftpsState"]);
        // PSRule Azure.AppService.ARRAffinity: no ARR affinity cookie.
        Assert.False((bool)properties["clientAffinityEnabled"]!);
        Assert.Equal("UserAssigned", (string?)site.Resource["identity"]!["type"]);
        Assert.Equal("[parameters('identityId')]", (string?)properties["keyVaultReferenceIdentity"]);
    }

    [Fact]
    public void FunctionApp_FlexConsumption_DotnetIsolatedWithIdentityDeploymentStorage()
    {
        var plan = template.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan.Resource["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan.Resource["sku"]!["tier"]);

        var config = template.Single("Microsoft.Web/sites").Properties["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("[parameters('dotnetVersion')]", (string?)config["runtime"]!["version"]);
        Assert.Equal("10.0", (string?)template.Root["parameters"]!["dotnetVersion"]!["defaultValue"]);

        var storage = config["deployment"]!["storage"]!;
        Assert.Equal("blobContainer", (string?)storage["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)storage["authentication"]!["type"]);
        Assert.Equal("[parameters('identityId')]", (string?)storage["authentication"]!["userAssignedIdentityResourceId"]);
        Assert.Null(storage["authentication"]!["storageAccountConnectionStringName"]);
        Assert.NotNull(config["scaleAndConcurrency"]!["maximumInstanceCount"]);
    }

    [Fact]
    public void FunctionApp_BasicPublishingCredentials_FtpAndScmDisallowed()
    {
        var policies = template.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        var names = policies.Select(p => ArmEvaluator.Render(p.Resource["name"], p.Variables)).ToList();

        Assert.Equal(2, policies.Count);
        Assert.All(policies, p => Assert.False((bool)p.Properties["allow"]!));
        Assert.Equal(["{name}/ftp", "{name}/scm"], names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ApplicationInsights_LocalAuthDisabled_OnLogAnalytics()
    {
        var insights = template.Single("Microsoft.Insights/components").Properties;
        Assert.True((bool)insights["DisableLocalAuth"]!);
        Assert.NotNull(insights["WorkspaceResourceId"]);

        var workspace = template.Single("Microsoft.OperationalInsights/workspaces").Properties;
        Assert.True((bool)workspace["features"]!["disableLocalAuth"]!);
    }

    [Fact]
    public void KeyVault_RbacAuthorizationAndSoftDelete()
    {
        var vault = template.Single("Microsoft.KeyVault/vaults").Properties;

        Assert.True((bool)vault["enableRbacAuthorization"]!);
        Assert.True((bool)vault["enableSoftDelete"]!);
        Assert.Null(vault["accessPolicies"]);
    }

    [Fact]
    public void EventGrid_SystemTopic_OnUploadsAccountWithIdentityForDeadLetters()
    {
        var topic = template.Single("Microsoft.EventGrid/systemTopics");

        Assert.Equal("Microsoft.Storage.StorageAccounts", (string?)topic.Properties["topicType"]);
        Assert.Equal("[resourceId('Microsoft.Storage/storageAccounts', parameters('name'))]", (string?)topic.Properties["source"]);
        Assert.Equal("SystemAssigned", (string?)topic.Resource["identity"]!["type"]);
        // Same module as the uploads account and its uploads container: the source is the uploads account.
        Assert.Contains(template.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"),
            c => ReferenceEquals(c.Template, topic.Template) && ((string)c.Resource["name"]!).Contains("uploadsContainerName", StringComparison.Ordinal));
    }

    [Fact]
    public void VerdictTopic_LocalAuthDisabledCloudEvents()
    {
        // The verdict topic (verdict-topic.bicep); the malware scan results' topic is MalwareScanningTests'.
        var module = template.Module("verdict-topic").Properties["template"];
        var topic = Assert.Single(template.OfType("Microsoft.EventGrid/topics"), t => ReferenceEquals(t.Template, module)).Properties;

        Assert.True((bool)topic["disableLocalAuth"]!);
        Assert.Equal("CloudEventSchemaV1_0", (string?)topic["inputSchema"]);
    }

    [Fact]
    public void Outputs_Names_CarryNoSecrets()
    {
        var outputs = template.Root["outputs"]!.AsObject();

        Assert.NotEmpty(outputs);
        foreach (var (name, output) in outputs)
        {
            Assert.DoesNotMatch(SecretNamePattern(), name);
            Assert.Matches(AzdOutputPattern(), name);
            Assert.NotEqual("securestring", ((string?)output!["type"])?.ToLowerInvariant());
            Assert.NotEqual("secureobject", ((string?)output["type"])?.ToLowerInvariant());
        }

        // Module outputs too: nothing secret-looking leaves any module.
        foreach (var module in template.OfType("Microsoft.Resources/deployments"))
        {
            foreach (var (name, _) in module.Properties["template"]!["outputs"]?.AsObject() ?? [])
            {
                Assert.DoesNotMatch(SecretNamePattern(), name);
            }
        }
    }

    [Fact]
    public void Template_Everywhere_NoListFunctionsAndNoConnectionStringsWithKeys()
    {
        // listKeys(), listSecrets(), list*() hand out keys: none anywhere, in any module.
        Assert.DoesNotMatch(ListFunctionPattern(), template.Text);
        Assert.DoesNotContain("AccountKey=", template.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SharedAccessSignature", template.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("securestring", template.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Outputs_HookInputs_AllProvidedByTemplate()
    {
        // Every AZURE_* value the scripts read is an output of main.bicep (or set by azd itself).
        var outputs = template.Root["outputs"]!.AsObject().Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        string[] fromAzd = ["AZURE_SUBSCRIPTION_ID", "AZURE_ENV_NAME", "AZURE_PRINCIPAL_ID"];

        foreach (var script in Directory.EnumerateFiles(Repo.Path("scripts")))
        {
            foreach (Match match in AzdVariablePattern().Matches(File.ReadAllText(script)))
            {
                var name = match.Value;
                Assert.True(outputs.Contains(name) || fromAzd.Contains(name), $"{Path.GetFileName(script)} reads {name}, which main.bicep does not output.");
            }
        }
    }

    [GeneratedRegex("key|secret|password|connectionstring|token", RegexOptions.IgnoreCase)]
    private static partial Regex SecretNamePattern();

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex AzdOutputPattern();

    [GeneratedRegex(@"\blist[A-Za-z]*\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunctionPattern();

    [GeneratedRegex(@"\bAZURE_[A-Z0-9_]+\b")]
    private static partial Regex AzdVariablePattern();
}
