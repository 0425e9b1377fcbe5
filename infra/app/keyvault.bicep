// Holds the API key hashes (secret apikey-<client>), read by the app through Key Vault references.
// RBAC authorization only (no access policies); no secret is created by the template.
@description('Name of the vault.')
param name string

@description('Location of the vault.')
param location string

@description('Tags for the vault.')
param tags object

@description('Purge protection: a deleted vault cannot be purged before its soft-delete retention ends. Once on, it cannot be turned off.')
param enablePurgeProtection bool

@description('Name of the Log Analytics workspace that receives the vault\'s audit logs (diagnostic setting).')
param logAnalyticsName string

@description('Private-network mode: public network access off; the vault is reached through its private endpoint (network.bicep).')
param vnetEnabled bool

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Key Vault refuses enablePurgeProtection: false (purge protection can only be turned on): leave it out instead.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2026-03-01' existing = {
  name: logAnalyticsName
}

// Every data-plane access (secret reads by the app's Key Vault references, writes by scripts/add-api-client) is
// logged to the workspace: the audit category group (AuditEvent) and the vault's metrics.
// The only non-preview api-version of this extension resource, 2016-09-01, is the legacy per-service shape (name
// 'service', no workspace destination, no category groups); 2021-05-01-preview is its newest version
// (Azure/bicep#15992, Azure/azure-rest-api-specs#16697).
#disable-next-line use-recent-api-versions
resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output uri string = vault.properties.vaultUri
