using Uploads.Infra.Tests.Support;

namespace Uploads.Infra.Tests;

/// <summary>
/// The exact set of role assignments: built-in role definition ids, scopes and principals.
/// Adding, widening or moving a role must change this table (and docs/deploy.md) on purpose.
/// </summary>
[Collection(BicepTemplateGroup.Name)]
public sealed class RoleAssignmentTests(CompiledTemplate template)
{
    // Built-in role definition ids, the same in every tenant.
    internal const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    internal const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    internal const string StorageBlobDelegator = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a";
    internal const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    internal const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    internal const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    internal const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    internal const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    internal const string EventGridDataSender = "d5a91429-5739-47e2-a06b-3470a27159e7";
    internal const string BlobIndexTagsCustomRole = "Microsoft.Authorization/roleDefinitions(guid(resourceGroup().id,uploads-blob-index-tags))";

    private const string Account = "Microsoft.Storage/storageAccounts";
    private const string Container = "Microsoft.Storage/storageAccounts/blobServices/containers";
    private const string Queue = "Microsoft.Storage/storageAccounts/queueServices/queues";
    private const string App = "principal(Microsoft.ManagedIdentity/userAssignedIdentities({identityName}))";
    private const string SystemTopic = "principal(Microsoft.EventGrid/systemTopics({systemTopicName}))";
    private const string ScanTopic = "principal(Microsoft.EventGrid/topics({topicName}))";
    internal const string StorageQueueDataMessageSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";

    internal static readonly (string Role, string Scope, string Principal)[] Expected =
    [
        (StorageBlobDataOwner, $"{Account}({{hostStorageName}})", App),
        (StorageQueueDataContributor, $"{Account}({{hostStorageName}})", App),
        (StorageTableDataContributor, $"{Account}({{hostStorageName}})", App),
        (StorageBlobDelegator, $"{Account}({{uploadsStorageName}})", App),
        (StorageBlobDataContributor, $"{Container}({{uploadsStorageName}}/default/{{uploadsContainerName}})", App),
        (StorageBlobDataContributor, $"{Container}({{uploadsStorageName}}/default/{{quarantineContainerName}})", App),
        (BlobIndexTagsCustomRole, $"{Container}({{uploadsStorageName}}/default/{{uploadsContainerName}})", App),
        (StorageQueueDataContributor, $"{Queue}({{uploadsStorageName}}/default/{{poisonQueueName}})", App),
        (StorageBlobDataContributor, $"{Container}({{uploadsStorageName}}/default/{{deadLetterContainerName}})", SystemTopic),
        (StorageBlobDataContributor, $"{Container}({{uploadsStorageName}}/default/{{deadLetterContainerName}})", App),
        (MonitoringMetricsPublisher, "Microsoft.Insights/components({applicationInsightsName})", App),
        (KeyVaultSecretsUser, "Microsoft.KeyVault/vaults({keyVaultName})", App),
        (EventGridDataSender, "Microsoft.EventGrid/topics({verdictTopicName})", App),
        (KeyVaultSecretsOfficer, "Microsoft.KeyVault/vaults({keyVaultName})", "{deployerPrincipalId}"),
        // Malware scanning (only with enableMalwareScanning: MalwareScanningTests): the app reads the results queue,
        // writes its poison queue and its records container; the results topic's identity sends to that queue only.
        (StorageQueueDataContributor, $"{Queue}({{uploadsStorageName}}/default/{{scanResultsQueueName}})", App),
        (StorageQueueDataContributor, $"{Queue}({{uploadsStorageName}}/default/{{scanResultsQueueName}}-poison)", App),
        (StorageBlobDataContributor, $"{Container}({{uploadsStorageName}}/default/{{scanRecordsContainerName}})", App),
        (StorageQueueDataMessageSender, $"{Queue}({{uploadsStorageName}}/default/{{resultsQueueName}})", ScanTopic),
    ];

    [Fact]
    public void RoleAssignments_All_ExactlyTheExpectedRolesScopesAndPrincipals()
    {
        var actual = template.OfType("Microsoft.Authorization/roleAssignments")
            .Select(a => (
                Role: ArmEvaluator.Render(a.Properties["roleDefinitionId"], a.Variables),
                Scope: ArmEvaluator.Render(a.Resource["scope"], a.Variables),
                Principal: ArmEvaluator.Render(a.Properties["principalId"], a.Variables)))
            .Order()
            .ToList();

        Assert.Equal(Expected.Order().ToList(), actual);
    }

    [Fact]
    public void RoleAssignments_All_NamedDeterministicallyFromScopePrincipalAndRole()
    {
        // guid(scope, principal, role), where the principal is the identity's resource id (known before the deployment
        // starts), never its principal id read back at run time (what-if-short-circuiting), or a parameter.
        foreach (var assignment in template.OfType("Microsoft.Authorization/roleAssignments"))
        {
            var name = ArmExpression.Parse((string)assignment.Resource["name"]!);
            var guid = Assert.IsType<ArmCall>(name);
            Assert.Equal("guid", guid.Name);
            Assert.Equal(3, guid.Arguments.Count);
            Assert.Equal(ArmEvaluator.Render(assignment.Resource["scope"], assignment.Variables), ArmEvaluator.Render(guid.Arguments[0], assignment.Variables));
            Assert.DoesNotContain("reference(", (string)assignment.Resource["name"]!, StringComparison.Ordinal);

            var principal = ArmExpression.Parse((string)assignment.Properties["principalId"]!);
            var expectedPrincipal = principal switch
            {
                ArmProperty { Target: ArmCall { Name: "reference" } reference } => reference.Arguments[0],
                ArmProperty { Target: ArmProperty { Target: ArmCall { Name: "reference" } reference } } => reference.Arguments[0],
                ArmCall { Name: "parameters" } parameter => parameter,
                _ => throw new NotSupportedException($"Unexpected principalId: {principal}"),
            };
            Assert.Equal(ArmEvaluator.Render(expectedPrincipal, assignment.Variables), ArmEvaluator.Render(guid.Arguments[1], assignment.Variables));
        }
    }

    [Fact]
    public void RoleAssignments_ServicePrincipals_DeclarePrincipalType()
    {
        foreach (var assignment in template.OfType("Microsoft.Authorization/roleAssignments"))
        {
            Assert.NotNull(assignment.Properties["principalType"]);
        }
    }

    [Fact]
    public void RoleAssignments_UploadsAccount_NoAccountWideDataRole()
    {
        // The app reads and writes blobs only in its two containers: no data role on the whole uploads account.
        string[] dataRoles = [StorageBlobDataOwner, StorageBlobDataContributor, StorageQueueDataContributor];
        Assert.DoesNotContain(Expected, e => e.Scope == $"{Account}({{uploadsStorageName}})" && dataRoles.Contains(e.Role));
    }

    [Fact]
    public void CustomRole_BlobIndexTags_OnlyOnTheUploadsContainer()
    {
        // Verdict tags live on uploaded blobs only; the quarantine copy carries metadata (VerdictStore.QuarantineAsync).
        Assert.Equal(
            [$"{Container}({{uploadsStorageName}}/default/{{uploadsContainerName}})"],
            Expected.Where(e => e.Role == BlobIndexTagsCustomRole).Select(e => e.Scope));
    }

    [Fact]
    public void CustomRole_BlobIndexTags_OnlyTagDataActionsAssignableInResourceGroup()
    {
        var definition = template.Single("Microsoft.Authorization/roleDefinitions");
        var permissions = definition.Properties["permissions"]!.AsArray().Single()!;

        Assert.Empty(permissions["actions"]!.AsArray());
        Assert.Equal(
            ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/read", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write"],
            permissions["dataActions"]!.AsArray().Select(a => (string)a!).Order(StringComparer.Ordinal));
        Assert.Equal("[resourceGroup().id]", (string?)definition.Properties["assignableScopes"]![0]);
    }

    [Fact]
    public void RbacModule_ContainerParameters_ComeFromMainParameters()
    {
        var rbac = template.Module("rbac").Properties["parameters"]!;

        Assert.Equal("[parameters('uploadsContainerName')]", (string?)rbac["uploadsContainerName"]!["value"]);
        Assert.Equal("[parameters('quarantineContainerName')]", (string?)rbac["quarantineContainerName"]!["value"]);
        Assert.Equal("[parameters('principalId')]", (string?)rbac["deployerPrincipalId"]!["value"]);
    }
}
