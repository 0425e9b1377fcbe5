// Storage for the Functions host (AzureWebJobsStorage: keys, leases, the blob trigger's internal queue)
// and for the Flex Consumption deployment package. Kept apart from the uploads account, so that
// user data and runtime state never share an account or its permissions.
@description('Name of the storage account.')
param name string

@description('Location of the storage account.')
param location string

@description('Tags for the storage account.')
param tags object

@description('Container that holds the deployment package (Flex Consumption functionAppConfig.deployment).')
param deploymentContainerName string

@description('Private-network mode: public network access off; the host reaches blob, queue and table through private endpoints (network.bicep).')
param vnetEnabled bool

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  // Runtime state (keys, leases, trigger queues) and the deployment package, all rebuilt by a deploy: locally
  // redundant is enough here (docs/deploy.md, "Checker findings"); the customers' files are in the uploads account.
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
