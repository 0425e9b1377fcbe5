using System.Text.Json.Nodes;
using Uploads.Core.Hosting;
using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>
/// One source of truth for settings: the template sets only what the code reads
/// (<see cref="AppSettings.Fixed"/>, <see cref="AppSettings.Prefixes"/>) or the platform needs, and every
/// setting in <see cref="AppSettings.RequiredInAzure"/>.
/// </summary>
[Collection(BicepTemplateGroup.Name)]
public sealed class AppSettingsTests(CompiledTemplate template)
{
    /// <summary>
    /// Settings read by the Functions platform, not by the app's code: the host's identity-based storage
    /// connection and Application Insights with Entra ID authentication. Nothing else.
    /// </summary>
    internal static readonly string[] PlatformSettings =
    [
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED",
        // The host's switch for one function: the malware-scan results function runs only with scanning on.
        "AzureWebJobs.ReceiveMalwareScanResult.Disabled",
    ];

    /// <summary>Settings that must never be set here: key-based connections, settings Flex Consumption rejects, local-only switches.</summary>
    internal static readonly string[] ForbiddenSettings =
    [
        "AzureWebJobsStorage",
        "UploadStorage",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE",
        "APPINSIGHTS_INSTRUMENTATIONKEY",
        // Local development only: upload URLs over plain HTTP.
        "Uploads__AllowHttpUploadUrls",
    ];

    private (ISet<string> Keys, ISet<string> Prefixes, TemplateResource Config) Settings()
    {
        var config = template.OfType("Microsoft.Web/sites/config")
            .Single(c => ((string)c.Resource["name"]!).Contains("'appsettings'", StringComparison.Ordinal));
        var (keys, prefixes) = ArmEvaluator.ObjectKeys(config.Resource["properties"], config.Variables);
        return (keys, prefixes, config);
    }

    [Fact]
    public void AppSettings_EveryTemplateSetting_IsReadByTheCodeOrThePlatform()
    {
        var (keys, prefixes, _) = Settings();

        var unknown = keys.Where(k => !AppSettings.Fixed.Contains(k) && !PlatformSettings.Contains(k)
            && !AppSettings.Prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList();
        Assert.True(unknown.Count == 0, $"The template sets settings nothing reads (add them to Uploads.Core.Hosting.AppSettings, or remove them): {string.Join(", ", unknown)}");

        var unknownPrefixes = prefixes.Where(p => !AppSettings.Prefixes.Contains(p)).ToList();
        Assert.True(unknownPrefixes.Count == 0, $"The template builds settings under prefixes the code does not read: {string.Join(", ", unknownPrefixes)}");
    }

    [Fact]
    public void AppSettings_RequiredInAzure_AllSetByTheTemplate()
    {
        var (keys, _, _) = Settings();

        var missing = AppSettings.RequiredInAzure.Where(r => !keys.Contains(r)).ToList();
        Assert.True(missing.Count == 0, $"Settings the code needs in Azure are missing from infra/app/api.bicep: {string.Join(", ", missing)}");
    }

    [Fact]
    public void AppSettings_Prefixes_ApiKeysBuiltFromClientIds()
    {
        var (_, prefixes, _) = Settings();

        Assert.Equal(["ApiKeys__Clients__"], prefixes);
    }

    [Fact]
    public void AppSettings_ForbiddenSettings_NotSet()
    {
        var (keys, _, _) = Settings();

        Assert.Empty(keys.Intersect(ForbiddenSettings, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void AppSettings_PlatformSettings_AllSet()
    {
        var (keys, _, _) = Settings();

        foreach (var setting in PlatformSettings)
        {
            Assert.Contains(setting, keys);
        }
    }

    [Fact]
    public void AppSettings_DotnetIsolatedPlaceholder_Disabled()
    {
        // The workaround for FunctionsNetHost exit 139 on .NET 10 / Flex (azure-functions-dotnet-worker#3335): "0", not "1".
        var (_, _, config) = Settings();

        var text = ArmEvaluator.Raw(config.Resource["properties"]) + ArmEvaluator.Raw(config.Variables);

        Assert.Contains("'WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED', '0'", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_Connections_IdentityBasedWithTheUserAssignedIdentity()
    {
        var (_, _, config) = Settings();
        var text = ArmEvaluator.Raw(config.Resource["properties"]) + ArmEvaluator.Raw(config.Variables);
        var code = config.Variables["appCodeSettings"]!.AsObject();

        Assert.Equal("managedidentity", (string?)code["UploadStorage__credential"]);
        Assert.Equal("[parameters('identityClientId')]", (string?)code["UploadStorage__clientId"]);
        Assert.Contains("'AzureWebJobsStorage__credential', 'managedidentity'", text, StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsStorage__clientId', parameters('identityClientId')", text, StringComparison.Ordinal);
        Assert.Contains("'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', format('ClientId={0};Authorization=AAD', parameters('identityClientId'))", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_ApiKeys_AreKeyVaultReferencesNamedLikeTheScript()
    {
        var (_, _, config) = Settings();
        var apiKeys = (string)config.Variables["apiKeySettings"]!;

        Assert.Contains("'@Microsoft.KeyVault(VaultName={0};SecretName=apikey-{1})'", apiKeys, StringComparison.Ordinal);
        Assert.Contains("replace(lambdaVariables('clientId'), '_', '-')", apiKeys, StringComparison.Ordinal);
        // Client ids are names, not secrets: a plain string parameter; the hashes stay in Key Vault.
        Assert.Equal("string", (string?)template.Root["parameters"]!["apiClientIds"]!["type"]);
    }

    [Fact]
    public void AppSettings_VerdictTopic_SetOnlyWhenTheTopicExists()
    {
        var (keys, _, config) = Settings();

        Assert.Contains("Verification__EventGridTopicEndpoint", keys);
        Assert.StartsWith("[if(empty(parameters('verdictTopicEndpoint'))", (string?)config.Variables["verdictTopicSettings"], StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluator_UnknownExpressionShape_Throws()
    {
        // The key reader refuses what it does not understand instead of reporting no keys.
        var variables = new JsonObject();

        Assert.Throws<NotSupportedException>(() => ArmEvaluator.ObjectKeys(JsonValue.Create("[json(parameters('settings'))]"), variables));
        Assert.Throws<NotSupportedException>(() => ArmEvaluator.ObjectKeys(JsonValue.Create("[createObject(parameters('name'), 'value')]"), variables));
    }

    [Fact]
    public void Evaluator_UnionOfLiteralsVariablesAndToObject_ReadsAllKeys()
    {
        var variables = new JsonObject
        {
            ["a"] = new JsonObject { ["A1"] = "x" },
            ["b"] = "[toObject(parameters('ids'), lambda('id', format('P__{0}', lambdaVariables('id'))), lambda('id', 'v'))]",
        };

        var (keys, prefixes) = ArmEvaluator.ObjectKeys(
            JsonValue.Create("[union(createObject('K1', 'v', 'K2', parameters('p')), variables('a'), if(true(), createObject(), createObject('K3', 'v')), variables('b'))]"),
            variables);

        Assert.Equal(["A1", "K1", "K2", "K3"], keys);
        Assert.Equal(["P__"], prefixes);
    }
}
