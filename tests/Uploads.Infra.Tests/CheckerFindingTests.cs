using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>
/// The findings of Microsoft's checkers (PSRule for Azure's Azure.Default baseline, the ARM template test toolkit,
/// the Bicep linter) on the compiled template, each pinned in both network modes (vnetEnabled false and true).
/// docs/deploy.md, "Checker findings", maps each finding to its test here or says why it is accepted.
/// </summary>
[Collection(BicepTemplateGroup.Name)]
public sealed partial class CheckerFindingTests(CompiledTemplate template)
{
    /// <summary>
    /// The api-version of each resource type the template creates: the newest non-preview version in the pinned Bicep
    /// CLI's type index (0.49.2) on 2026-12-06. A type missing here fails the test: choose its newest non-preview version.
    /// </summary>
    internal static readonly Dictionary<string, string> ApiVersions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Microsoft.Resources/resourceGroups"] = "2025-04-01",
        ["Microsoft.Resources/deployments"] = "2025-04-01",
        ["Microsoft.ManagedIdentity/userAssignedIdentities"] = "2024-11-30",
        ["Microsoft.OperationalInsights/workspaces"] = "2026-03-01",
        // The newest version of the component type (no later non-preview one exists).
        ["Microsoft.Insights/components"] = "2020-02-02",
        // The one preview: the only non-preview version is the legacy per-service shape (docs/deploy.md).
        ["Microsoft.Insights/diagnosticSettings"] = "2021-05-01-preview",
        ["Microsoft.Storage/storageAccounts"] = "2026-09-01",
        ["Microsoft.Storage/storageAccounts/blobServices"] = "2026-09-01",
        ["Microsoft.Storage/storageAccounts/blobServices/containers"] = "2026-09-01",
        ["Microsoft.Storage/storageAccounts/queueServices"] = "2026-09-01",
        ["Microsoft.Storage/storageAccounts/queueServices/queues"] = "2026-09-01",
        ["Microsoft.Storage/storageAccounts/managementPolicies"] = "2026-09-01",
        ["Microsoft.EventGrid/systemTopics"] = "2025-02-15",
        ["Microsoft.EventGrid/topics"] = "2025-02-15",
        ["Microsoft.EventGrid/topics/eventSubscriptions"] = "2025-02-15",
        // The newest non-preview version in the Bicep CLI's types (0.49.2); 2025-07-01-preview and later are previews.
        ["Microsoft.Security/defenderForStorageSettings"] = "2025-06-01",
        ["Microsoft.KeyVault/vaults"] = "2026-05-15",
        ["Microsoft.Authorization/roleDefinitions"] = "2022-04-01",
        ["Microsoft.Authorization/roleAssignments"] = "2022-04-01",
        ["Microsoft.Web/serverfarms"] = "2025-03-01",
        ["Microsoft.Web/sites"] = "2025-03-01",
        ["Microsoft.Web/sites/config"] = "2025-03-01",
        ["Microsoft.Web/sites/basicPublishingCredentialsPolicies"] = "2025-03-01",
        ["Microsoft.Network/virtualNetworks"] = "2026-03-01",
        ["Microsoft.Network/privateEndpoints"] = "2026-03-01",
        ["Microsoft.Network/privateEndpoints/privateDnsZoneGroups"] = "2026-03-01",
        ["Microsoft.Network/privateDnsZones"] = "2024-06-01",
        ["Microsoft.Network/privateDnsZones/virtualNetworkLinks"] = "2024-06-01",
    };

    /// <summary>The date the versions above were chosen on (arm-ttk's "apiVersions Should Be Recent" counts 730 days back from its run).</summary>
    private static readonly DateOnly ChosenOn = new(2026, 12, 6);

    public static TheoryData<bool> Modes() => new() { false, true };

    private IEnumerable<TemplateResource> DeployedIn(bool vnetEnabled) =>
        template.Resources.Where(r => NetworkMode.Deployed(template, r, vnetEnabled));

    private TemplateResource Single(string type, bool vnetEnabled)
    {
        var matches = DeployedIn(vnetEnabled).Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one {type} with vnetEnabled={vnetEnabled}, found {matches.Count}.");
        return matches[0];
    }

    // ---- arm-ttk: apiVersions Should Be Recent; Bicep linter: use-recent-api-versions ----

    [Theory]
    [MemberData(nameof(Modes))]
    public void ApiVersions_EveryResource_TheChosenNewestNonPreview(bool vnetEnabled)
    {
        foreach (var resource in DeployedIn(vnetEnabled))
        {
            var version = (string)resource.Resource["apiVersion"]!;
            Assert.True(ApiVersions.TryGetValue(resource.Type, out var chosen), $"{resource.Type}@{version} has no chosen api-version in this test: pick its newest non-preview one.");
            Assert.True(string.CompareOrdinal(version, chosen) >= 0, $"{resource.Type}@{version} is older than the chosen {chosen}.");
        }
    }

    [Fact]
    public void ApiVersions_Chosen_NonPreviewAndNotOlderThanTwoYearsUnlessTheNewest()
    {
        // Older than 730 days on the day they were chosen only where no newer non-preview version exists
        // (userAssignedIdentities, privateDnsZones and their links, components, roleDefinitions, roleAssignments); preview only for the diagnostic setting (see above).
        string[] newestThoughOld = ["Microsoft.ManagedIdentity/userAssignedIdentities", "Microsoft.Network/privateDnsZones", "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "Microsoft.Insights/components", "Microsoft.Authorization/roleDefinitions", "Microsoft.Authorization/roleAssignments", "Microsoft.Insights/diagnosticSettings"];
        foreach (var (type, version) in ApiVersions)
        {
            Assert.True(!version.Contains("preview", StringComparison.Ordinal) || type == "Microsoft.Insights/diagnosticSettings", $"{type}@{version} is a preview version.");
            var date = DateOnly.ParseExact(version[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture);
            Assert.True(ChosenOn.DayNumber - date.DayNumber <= 730 || newestThoughOld.Contains(type), $"{type}@{version} was more than 730 days old when chosen.");
        }
    }

    [Theory]
    [InlineData("scripts/post-deploy.sh", @"^api_version='(?<v>[0-9-]+)'")]
    [InlineData("scripts/post-deploy.ps1", @"^\$apiVersion = '(?<v>[0-9-]+)'")]
    public void PostDeployHook_EventSubscriptionApiVersion_TheTemplatesEventGridVersion(string hook, string pattern)
    {
        // The hook's REST call is outside the template, so outside the linter: pinned to the template's Event Grid version.
        var match = Regex.Match(Repo.ReadAllText(hook.Split('/')), pattern, RegexOptions.Multiline);

        Assert.True(match.Success, $"{hook} sets no api-version.");
        Assert.Equal((string)template.Single("Microsoft.EventGrid/systemTopics").Resource["apiVersion"]!, match.Groups["v"].Value);
        Assert.Equal(ApiVersions["Microsoft.EventGrid/systemTopics"], match.Groups["v"].Value);
    }

    [Fact]
    public void BicepConfig_RecentApiVersionsAndWhatIfShortCircuiting_Errors()
    {
        var rules = JsonNode.Parse(Repo.ReadAllText("infra", "bicepconfig.json"))!["analyzers"]!["core"]!["rules"]!.AsObject();

        Assert.Equal("error", (string?)rules["use-recent-api-versions"]!["level"]);
        Assert.Equal(730, (int)rules["use-recent-api-versions"]!["maxAllowedAgeInDays"]!);
        Assert.Equal("error", (string?)rules["what-if-short-circuiting"]!["level"]);
        // Every rule is at error level but one, which would switch the compiled JSON to languageVersion 2.0 (docs/deploy.md).
        Assert.Equal(["use-user-defined-types"], rules.Where(r => (string?)r.Value!["level"] != "error").Select(r => r.Key));
    }

    // ---- Flex Consumption: unsupported properties; PSRule Azure.AppService.ARRAffinity ----

    [Theory]
    [MemberData(nameof(Modes))]
    public void FunctionApp_Site_NoFtpsStateAndNoArrAffinity(bool vnetEnabled)
    {
        var site = Single("Microsoft.Web/sites", vnetEnabled);

        Assert.False((bool)site.Properties["clientAffinityEnabled"]!);
        Assert.DoesNotContain("ftpsState", template.Text, StringComparison.OrdinalIgnoreCase);
        // Other site properties Flex Consumption does not support.
        foreach (var unsupported in new[] { "alwaysOn", "linuxFxVersion", "netFrameworkVersion", "use32BitWorkerProcess", "functionAppScaleLimit", "preWarmedInstanceCount", "containerSize" })
        {
            Assert.DoesNotContain($"\"{unsupported}\"", site.Resource.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        }
    }

    // ---- PSRule Azure.KeyVault.Logs and Azure.KeyVault.PurgeProtect ----

    [Theory]
    [MemberData(nameof(Modes))]
    public void KeyVault_DiagnosticSetting_AuditLogsToTheWorkspace(bool vnetEnabled)
    {
        var setting = Single("Microsoft.Insights/diagnosticSettings", vnetEnabled);
        var vault = Single("Microsoft.KeyVault/vaults", vnetEnabled);

        Assert.Same(vault.Template, setting.Template);
        Assert.Equal("[resourceId('Microsoft.KeyVault/vaults', parameters('name'))]", (string?)setting.Resource["scope"]);
        Assert.Equal("[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]", (string?)setting.Properties["workspaceId"]);
        var logs = setting.Properties["logs"]!.AsArray();
        Assert.Contains(logs, l => (string?)l!["categoryGroup"] is "audit" or "allLogs" && (bool)l["enabled"]!);

        // The workspace is the one monitoring.bicep creates.
        var module = template.Module("keyvault").Properties["parameters"]!;
        Assert.Equal("[variables('logAnalyticsName')]", (string?)module["logAnalyticsName"]!["value"]);
        Assert.Equal("[variables('logAnalyticsName')]", (string?)template.Module("monitoring").Properties["parameters"]!["logAnalyticsName"]!["value"]);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void KeyVault_PurgeProtection_OnUnlessTheParameterTurnsItOff(bool vnetEnabled)
    {
        var vault = Single("Microsoft.KeyVault/vaults", vnetEnabled).Properties;
        var parameter = template.Root["parameters"]!["vaultPurgeProtection"]!;

        Assert.Equal("bool", (string?)parameter["type"]);
        Assert.True((bool)parameter["defaultValue"]!);
        Assert.Equal("[parameters('vaultPurgeProtection')]", (string?)template.Module("keyvault").Properties["parameters"]!["enablePurgeProtection"]!["value"]);
        // Key Vault refuses false: the property is left out (null) when the parameter is off.
        Assert.Equal("[if(parameters('enablePurgeProtection'), true(), null())]", (string?)vault["enablePurgeProtection"]);
        Assert.True((bool)vault["enableSoftDelete"]!);
        Assert.Equal("${KEY_VAULT_PURGE_PROTECTION=true}", (string?)MainParameters()["vaultPurgeProtection"]!["value"]);
    }

    // ---- PSRule Azure.Storage.UseReplication ----

    [Theory]
    [MemberData(nameof(Modes))]
    public void UploadsAccount_Redundancy_ParameterZoneRedundantByDefault(bool vnetEnabled)
    {
        var parameter = template.Root["parameters"]!["uploadsStorageSku"]!;
        var allowed = parameter["allowedValues"]!.AsArray().Select(v => (string)v!).ToList();

        Assert.Equal("Standard_ZRS", (string?)parameter["defaultValue"]);
        Assert.Contains("Standard_LRS", allowed);
        Assert.Contains("Standard_GZRS", allowed);
        Assert.Equal("[parameters('uploadsStorageSku')]", (string?)template.Module("uploads-storage").Properties["parameters"]!["sku"]!["value"]);
        Assert.Equal("${UPLOADS_STORAGE_SKU=Standard_ZRS}", (string?)MainParameters()["uploadsStorageSku"]!["value"]);

        var uploads = UploadsAccount(vnetEnabled);
        Assert.Equal("[parameters('sku')]", (string?)uploads.Resource["sku"]!["name"]);
    }

    // ---- Private-network mode (PSRule: storage and Key Vault reachable from any network) ----

    private static readonly string[] NetworkTypes =
    [
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    ];

    [Fact]
    public void NetworkMode_Parameter_OffByDefaultAndSetFromAzd()
    {
        var parameter = template.Root["parameters"]!["vnetEnabled"]!;

        Assert.Equal("bool", (string?)parameter["type"]);
        Assert.False((bool)parameter["defaultValue"]!);
        Assert.Equal("${VNET_ENABLED=false}", (string?)MainParameters()["vnetEnabled"]!["value"]);
    }

    [Fact]
    public void NetworkMode_Off_NoNetworkResources()
    {
        var deployed = DeployedIn(vnetEnabled: false).Select(r => r.Type).ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var type in NetworkTypes)
        {
            Assert.DoesNotContain(type, deployed);
        }
        // No virtual network integration: the app gets an empty subnet id, which the site turns into no property.
        var subnet = template.Module("api").Properties["parameters"]!["virtualNetworkSubnetId"];
        Assert.Equal(string.Empty, (string?)NetworkMode.Value(subnet, vnetEnabled: false)!["value"]);
        Assert.Equal("[if(empty(parameters('virtualNetworkSubnetId')), null(), parameters('virtualNetworkSubnetId'))]", (string?)Single("Microsoft.Web/sites", false).Properties["virtualNetworkSubnetId"]);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void NetworkMode_HostStorageAndKeyVault_PublicAccessOffOnlyInPrivateMode(bool vnetEnabled)
    {
        var expected = vnetEnabled ? "Disabled" : "Enabled";
        var action = vnetEnabled ? "Deny" : "Allow";
        var host = HostAccount(vnetEnabled).Properties;
        var vault = Single("Microsoft.KeyVault/vaults", vnetEnabled).Properties;

        Assert.Equal(expected, (string?)NetworkMode.Value(host["publicNetworkAccess"], vnetEnabled));
        Assert.Equal(action, (string?)NetworkMode.Value(host["networkAcls"]!["defaultAction"], vnetEnabled));
        Assert.Equal(expected, (string?)NetworkMode.Value(vault["publicNetworkAccess"], vnetEnabled));
        Assert.Equal(action, (string?)NetworkMode.Value(vault["networkAcls"]!["defaultAction"], vnetEnabled));
        foreach (var module in new[] { "host-storage", "keyvault" })
        {
            Assert.Equal("[parameters('vnetEnabled')]", (string?)template.Module(module).Properties["parameters"]!["vnetEnabled"]!["value"]);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void NetworkMode_UploadsAccountAndAppInbound_PublicInBothModes(bool vnetEnabled)
    {
        // Clients PUT to the uploads account with their upload URLs from anywhere; Event Grid delivers BlobCreated to
        // the blob trigger's webhook on the app's public endpoint (docs/deploy.md, "Private network").
        Assert.Equal("Enabled", (string?)NetworkMode.Value(UploadsAccount(vnetEnabled).Properties["publicNetworkAccess"], vnetEnabled));
        Assert.Equal("Enabled", (string?)NetworkMode.Value(Single("Microsoft.Web/sites", vnetEnabled).Properties["publicNetworkAccess"], vnetEnabled));
    }

    [Fact]
    public void NetworkMode_On_VnetWithDelegatedAppSubnetAndPrivateEndpointSubnet()
    {
        var vnet = Single("Microsoft.Network/virtualNetworks", vnetEnabled: true);
        var subnets = vnet.Properties["subnets"]!.AsArray();

        Assert.Equal(2, subnets.Count);
        var delegated = subnets.Where(s => s!["properties"]!["delegations"] is JsonArray { Count: > 0 }).ToList();
        var app = Assert.Single(delegated)!;
        Assert.Equal("Microsoft.App/environments", (string?)app["properties"]!["delegations"]![0]!["properties"]!["serviceName"]);
        // The app reaches public endpoints (uploads account, Entra ID, Application Insights) through this subnet.
        Assert.True((bool)app["properties"]!["defaultOutboundAccess"]!);
        // The app's subnet id comes from the network module's output (the only output main.bicep passes on that is
        // not a name: a resource id known only once the network exists).
        var subnet = (string?)template.Module("api").Properties["parameters"]!["virtualNetworkSubnetId"];
        Assert.StartsWith("[if(parameters('vnetEnabled'), createObject('value', reference(", subnet, StringComparison.Ordinal);
        Assert.Contains("'Microsoft.Resources/deployments', 'network'), '2025-04-01').outputs.appSubnetId.value)", subnet, StringComparison.Ordinal);
    }

    [Fact]
    public void NetworkMode_On_PrivateEndpointsForHostBlobQueueTableAndVault_WithTheirPrivateDnsZones()
    {
        var endpoint = Single("Microsoft.Network/privateEndpoints", vnetEnabled: true);
        var endpoints = endpoint.Variables["endpoints"]!.AsArray();

        Assert.Equal(["blob", "queue", "table", "vault"], endpoints.Select(e => (string)e!["groupId"]!).Order(StringComparer.Ordinal));
        foreach (var e in endpoints)
        {
            var groupId = (string)e!["groupId"]!;
            var zone = (string)e["zone"]!;
            if (groupId == "vault")
            {
                Assert.Equal("[variables('vaultZone')]", zone);
                Assert.Equal("[format('privatelink{0}', replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.'))]", (string?)endpoint.Variables["vaultZone"]);
            }
            else
            {
                Assert.Equal($"[format('privatelink.{groupId}.{{0}}', variables('storageSuffix'))]", zone);
            }
        }

        // One endpoint, zone, network link and zone group per entry; the endpoint targets the vault or the host account.
        foreach (var type in NetworkTypes.Skip(1))
        {
            var resource = Single(type, vnetEnabled: true);
            Assert.Equal("[length(variables('endpoints'))]", (string?)resource.Resource["copy"]!["count"]);
        }

        var target = (string)endpoint.Properties["privateLinkServiceConnections"]![0]!["properties"]!["privateLinkServiceId"]!;
        Assert.Equal("[if(equals(variables('endpoints')[copyIndex()].groupId, 'vault'), resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName')), resourceId('Microsoft.Storage/storageAccounts', parameters('hostStorageName')))]", target);
        var network = template.Module("network").Properties["parameters"]!;
        Assert.Equal("[variables('hostStorageName')]", (string?)network["hostStorageName"]!["value"]);
        Assert.Equal("[variables('keyVaultName')]", (string?)network["keyVaultName"]!["value"]);
    }

    // ---- Bicep linter what-if-short-circuiting: names computed in main.bicep ----

    [Fact]
    public void Modules_NameParameters_ComputedInMainNotReadFromModuleOutputs()
    {
        foreach (var module in template.OfType("Microsoft.Resources/deployments"))
        {
            foreach (var (name, parameter) in module.Properties["parameters"]!.AsObject())
            {
                var value = ArmEvaluator.Raw(parameter);
                if (name.EndsWith("Name", StringComparison.Ordinal) || name.EndsWith("PrincipalId", StringComparison.Ordinal))
                {
                    Assert.DoesNotContain("reference(", value, StringComparison.Ordinal);
                }
            }
        }

        foreach (var (name, output) in template.Root["outputs"]!.AsObject().Where(o => o.Key.EndsWith("_NAME", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain("reference(", (string?)output!["value"] ?? string.Empty, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Linter_NameReadFromAModuleOutput_FailsTheBuild()
    {
        // With the repository's bicepconfig.json, reading a resource name back from a module output is an error and
        // `bicep build` fails: the rule is enforced, not only reported.
        var directory = Directory.CreateTempSubdirectory("uploads-infra-whatif-").FullName;
        try
        {
            File.Copy(Repo.Path("infra", "bicepconfig.json"), Path.Combine(directory, "bicepconfig.json"));
            File.WriteAllText(Path.Combine(directory, "named.bicep"), """
                @description('Name.')
                param name string
                output name string = name
                """);
            File.WriteAllText(Path.Combine(directory, "vault.bicep"), """
                @description('Name of the vault.')
                param vaultName string
                resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
                  name: vaultName
                }
                output uri string = vault.properties.vaultUri
                """);
            File.WriteAllText(Path.Combine(directory, "main.bicep"), """
                module named 'named.bicep' = {
                  name: 'named'
                  params: {
                    name: 'kv-example'
                  }
                }
                module vault 'vault.bicep' = {
                  name: 'vault'
                  params: {
                    vaultName: named.outputs.name
                  }
                }
                output uri string = vault.outputs.uri
                """);

            var result = ProcessRunner.Run(Repo.BicepExecutable, ["build", Path.Combine(directory, "main.bicep"), "--stdout"]);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("what-if-short-circuiting", result.Combined, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Linter_OutdatedApiVersion_FailsTheBuild()
    {
        var directory = Directory.CreateTempSubdirectory("uploads-infra-apiversion-").FullName;
        try
        {
            File.Copy(Repo.Path("infra", "bicepconfig.json"), Path.Combine(directory, "bicepconfig.json"));
            File.WriteAllText(Path.Combine(directory, "main.bicep"), """
                resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
                  name: 'kv-example'
                }
                output uri string = vault.properties.vaultUri
                """);

            var result = ProcessRunner.Run(Repo.BicepExecutable, ["build", Path.Combine(directory, "main.bicep"), "--stdout"]);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("use-recent-api-versions", result.Combined, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private TemplateResource HostAccount(bool vnetEnabled) =>
        DeployedIn(vnetEnabled).Single(r => r.Type == "Microsoft.Storage/storageAccounts" && ReferenceEquals(r.Template, template.Module("host-storage").Properties["template"]));

    private TemplateResource UploadsAccount(bool vnetEnabled) =>
        DeployedIn(vnetEnabled).Single(r => r.Type == "Microsoft.Storage/storageAccounts" && ReferenceEquals(r.Template, template.Module("uploads-storage").Properties["template"]));

    private static JsonObject MainParameters() =>
        JsonNode.Parse(Repo.ReadAllText("infra", "main.parameters.json"))!["parameters"]!.AsObject();
}
