// Secure file-upload API on Azure Functions (Flex Consumption), deployed by `azd up`.
// Everything here is local Bicep: public-registry modules cannot be restored offline.
// The Event Grid subscription that feeds the blob trigger is created by the postdeploy hook
// (scripts/post-deploy.sh / .ps1), because its endpoint needs the `blobs_extension` system key,
// which exists only once the code is deployed and the host has started.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to derive the resource token and tag resources.')
param environmentName string

@minLength(1)
@description('Primary location for all resources. It must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the person running azd (AZURE_PRINCIPAL_ID). Granted Key Vault Secrets Officer so that scripts/add-api-client can store key hashes. Leave empty to grant nothing.')
param principalId string = ''

@description('Type of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Comma-separated API client ids. Each gets the app setting ApiKeys__Clients__<id>, a Key Vault reference to the secret apikey-<id with _ as ->, which holds the SHA-256 hex of the key (never the key). Managed by scripts/add-api-client.')
param apiClientIds string = ''

@description('Comma-separated browser origins allowed to PUT to upload URLs (CORS on the uploads account), e.g. https://app.example.com. Empty: no browser uploads.')
param corsAllowedOrigins string = ''

@description('Name of the container that receives uploads (Uploads__ContainerName, blob trigger path).')
param uploadsContainerName string = 'uploads'

@description('Name of the container that receives files that failed verification (Uploads__QuarantineContainerName).')
param quarantineContainerName string = 'quarantine'

// At least 8: the quarantine also holds the SHA-256 a client declared for a presigned upload (declared-sha256/), which
// must outlive the longest an upload URL can be renewed and used (7 days + 1 hour; docs/reliability.md).
@minValue(8)
@maxValue(3650)
@description('Days after which quarantined blobs (and SHA-256 declarations) are deleted by the lifecycle policy.')
param quarantineRetentionDays int = 30

@minValue(1)
@maxValue(3650)
@description('Days after which undeliverable Event Grid events (dead letters) are deleted.')
param deadLetterRetentionDays int = 14

// At least 2: a scan-result record must outlive the longest an upload waits for it (MalwareScanning__ResultDeadline and
// __ClaimLease, at most 1 day each, plus the pass); 8 by default, beyond the 7 days a result message lives in its
// queue (infra/app/uploads-storage.bicep, scanRecordsRule; docs/deploy.md, "Malware scanning").
@minValue(2)
@maxValue(3650)
@description('With malware scanning on: days after their last change after which the app\'s records of scan results (container malware-scans) are deleted by the lifecycle policy.')
param malwareScanRecordsRetentionDays int = 8

@description('Create an Event Grid custom topic that receives one event per verification verdict (Verification__EventGridTopicEndpoint).')
param enableVerdictTopic bool = true

// Flex Consumption accepts a maximum instance count from 1 to 1000: Microsoft Learn, "Azure Functions Flex Consumption
// plan hosting" (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan), as read for issue 24 on
// 2026-12-06, gives 1 as the lowest maximum and 1000 as the highest; the floor of 40 was the preview's.
@minValue(1)
@maxValue(1000)
@description('Flex Consumption: the most instances the app scales out to (a cost ceiling), 1 to 1000.')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Flex Consumption: memory of each instance, in MB.')
param instanceMemoryMB int = 2048

@description('.NET version of the isolated worker on Flex Consumption. The project targets net10.0.')
param dotnetVersion string = '10.0'

@minValue(30)
@maxValue(730)
@description('Log Analytics retention in days.')
param logRetentionDays int = 30

@description('Malware scanning: Microsoft Defender for Storage\'s on-upload malware scan of the uploads account as a second, required input to the verdict (its results reach the app through a custom Event Grid topic and a storage queue of the uploads account). Off by default; billed per GB scanned (docs/deploy.md, "Malware scanning"). azd: MALWARE_SCANNING_ENABLED.')
param enableMalwareScanning bool = false

@description('With malware scanning on: the most GB Defender scans on upload per month on the uploads account (-1: no cap). Beyond it uploads are not scanned and follow MalwareScanning__Unscanned (refused by default). azd: MALWARE_SCANNING_CAP_GB.')
param malwareScanningCapGBPerMonth int = 5000

@description('Private-network mode: a virtual network, the Function App integrated into it, and private endpoints (with private DNS zones) for the host storage account (blob, queue, table) and Key Vault, whose public network access is then off. The uploads account stays public (clients PUT to it with their upload URLs). Off by default. azd: VNET_ENABLED.')
param vnetEnabled bool = false

@description('Key Vault purge protection: a deleted vault (and its API key hashes) cannot be purged before its retention ends, not even by an owner. On by default; set false only for throw-away environments (azd: KEY_VAULT_PURGE_PROTECTION=false), since once on it cannot be turned off.')
param vaultPurgeProtection bool = true

// Zone-redundant by default: the uploads account holds the customers' files. ZRS needs a region with availability
// zones (docs/deploy.md, "Storage redundancy"); Standard_LRS is for development or regions without zones.
@allowed([
  'Standard_ZRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_LRS'
])
@description('Redundancy (SKU) of the uploads account, which holds the customers\' files. Default Standard_ZRS (zone-redundant; needs a region with availability zones). Standard_LRS for development. azd: UPLOADS_STORAGE_SKU.')
param uploadsStorageSku string = 'Standard_ZRS'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
// Every resource name is computed here, once, and passed to the module that creates the resource and to each
// module that refers to it: no module reads another's name back from an output (what-if-short-circuiting).
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
var logAnalyticsName = '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var hostStorageName = '${abbrs.storageStorageAccounts}fn${resourceToken}'
var uploadsStorageName = '${abbrs.storageStorageAccounts}up${resourceToken}'
var systemTopicName = '${abbrs.eventGridSystemTopics}uploads-${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var verdictTopicName = enableVerdictTopic ? '${abbrs.eventGridDomainsTopics}verdicts-${resourceToken}' : ''
var vnetName = '${abbrs.networkVirtualNetworks}${resourceToken}'
// The Blobs extension's poison queue on the uploads account (created there, the app's queue role is scoped to it).
var poisonQueueName = 'webjobs-blobtrigger-poison'
// The Flex deployment package container lives in the host storage account.
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
var deadLetterContainerName = 'eventgrid-deadletter'
// Malware scanning (enableMalwareScanning): the results topic, the queue its subscription delivers to on the uploads
// account (MalwareScanOptions.ResultsQueueName in the code) with the Functions host's poison queue beside it, and the
// container where the app records the results it received (the MalwareScanning__ResultsContainerName default).
var scanTopicName = '${abbrs.eventGridDomainsTopics}scans-${resourceToken}'
var scanResultsQueueName = 'malware-scan-results'
var scanRecordsContainerName = 'malware-scans'
// The blob trigger's Event Grid webhook targets this function (Host.Functions.<name>).
var blobTriggerFunctionName = 'VerifyUpload'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
    retentionInDays: logRetentionDays
  }
}

module hostStorage 'app/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: hostStorageName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    vnetEnabled: vnetEnabled
  }
}

module uploadsStorage 'app/uploads-storage.bicep' = {
  name: 'uploads-storage'
  scope: rg
  params: {
    name: uploadsStorageName
    sku: uploadsStorageSku
    systemTopicName: systemTopicName
    location: location
    tags: tags
    poisonQueueName: poisonQueueName
    uploadsContainerName: uploadsContainerName
    quarantineContainerName: quarantineContainerName
    deadLetterContainerName: deadLetterContainerName
    quarantineRetentionDays: quarantineRetentionDays
    deadLetterRetentionDays: deadLetterRetentionDays
    scanRecordsContainerName: enableMalwareScanning ? scanRecordsContainerName : ''
    scanRecordsRetentionDays: malwareScanRecordsRetentionDays
    corsAllowedOrigins: filter(map(split(corsAllowedOrigins, ','), o => trim(o)), o => !empty(o))
  }
}

module vault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    enablePurgeProtection: vaultPurgeProtection
    logAnalyticsName: logAnalyticsName
    vnetEnabled: vnetEnabled
  }
  // The diagnostic setting sends the vault's audit logs to the workspace.
  dependsOn: [
    monitoring
  ]
}

module verdictTopic 'app/verdict-topic.bicep' = if (enableVerdictTopic) {
  name: 'verdict-topic'
  scope: rg
  params: {
    name: verdictTopicName
    location: location
    tags: tags
  }
}

module malwareScanning 'app/malware-scanning.bicep' = if (enableMalwareScanning) {
  name: 'malware-scanning'
  scope: rg
  params: {
    uploadsStorageName: uploadsStorageName
    topicName: scanTopicName
    resultsQueueName: scanResultsQueueName
    poisonQueueName: '${scanResultsQueueName}-poison'
    recordsContainerName: scanRecordsContainerName
    capGBPerMonth: malwareScanningCapGBPerMonth
    location: location
    tags: tags
  }
  // Defender joins the account's existing system topic (only one per account), created with the account.
  dependsOn: [
    uploadsStorage
  ]
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityName: identityName
    hostStorageName: hostStorageName
    uploadsStorageName: uploadsStorageName
    uploadsContainerName: uploadsContainerName
    quarantineContainerName: quarantineContainerName
    poisonQueueName: poisonQueueName
    deadLetterContainerName: deadLetterContainerName
    systemTopicName: systemTopicName
    applicationInsightsName: applicationInsightsName
    keyVaultName: keyVaultName
    verdictTopicName: verdictTopicName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    scanResultsQueueName: enableMalwareScanning ? scanResultsQueueName : ''
    scanRecordsContainerName: enableMalwareScanning ? scanRecordsContainerName : ''
  }
  // Names are computed above, not read from these modules' outputs: the order is stated instead.
  dependsOn: [
    identity
    monitoring
    hostStorage
    uploadsStorage
    vault
    verdictTopic
    malwareScanning
  ]
}

// Private-network mode (vnetEnabled): the virtual network, the Function App's integration subnet, and private
// endpoints with private DNS zones for the host storage account and Key Vault (docs/deploy.md, "Private network").
module network 'app/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    vnetName: vnetName
    privateEndpointPrefix: '${abbrs.networkPrivateEndpoints}${resourceToken}'
    location: location
    tags: tags
    hostStorageName: hostStorageName
    keyVaultName: keyVaultName
  }
  dependsOn: [
    hostStorage
    vault
  ]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    // azd finds the service's target by this tag, and it must be on exactly one resource: the site.
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostStorageBlobEndpoint: hostStorage.outputs.blobEndpoint
    hostStorageQueueEndpoint: hostStorage.outputs.queueEndpoint
    hostStorageTableEndpoint: hostStorage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    uploadsBlobEndpoint: uploadsStorage.outputs.blobEndpoint
    uploadsQueueEndpoint: uploadsStorage.outputs.queueEndpoint
    uploadsContainerName: uploadsContainerName
    quarantineContainerName: quarantineContainerName
    deadLetterContainerName: deadLetterContainerName
    verdictTopicEndpoint: enableVerdictTopic ? verdictTopic!.outputs.endpoint : ''
    keyVaultName: keyVaultName
    apiClientIds: filter(map(split(apiClientIds, ','), c => trim(c)), c => !empty(c))
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    dotnetVersion: dotnetVersion
    virtualNetworkSubnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
    malwareScanningEnabled: enableMalwareScanning
  }
  // The app must not start before its identity can read host storage and Key Vault references (and, in
  // private-network mode, before the private endpoints and DNS zones it reaches them through exist).
  dependsOn: [
    rbac
    monitoring
  ]
}

// azd conventions: UPPER_SNAKE outputs become azd environment values (read by the hooks and scripts).
// None of them is a secret: names, ids and endpoints only.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionAppName
output AZURE_FUNCTION_APP_URL string = api.outputs.uri
output AZURE_BLOB_TRIGGER_FUNCTION_NAME string = blobTriggerFunctionName
output AZURE_UPLOADS_STORAGE_ACCOUNT_NAME string = uploadsStorageName
output AZURE_UPLOADS_STORAGE_ACCOUNT_ID string = uploadsStorage.outputs.id
output AZURE_UPLOADS_CONTAINER_NAME string = uploadsContainerName
output AZURE_QUARANTINE_CONTAINER_NAME string = quarantineContainerName
output AZURE_DEADLETTER_CONTAINER_NAME string = deadLetterContainerName
output AZURE_UPLOADS_SYSTEM_TOPIC_NAME string = systemTopicName
output AZURE_VAULT_NAME string = keyVaultName
output AZURE_VAULT_URI string = vault.outputs.uri
output AZURE_VERDICT_TOPIC_ENDPOINT string = enableVerdictTopic ? verdictTopic!.outputs.endpoint : ''
output AZURE_APPLICATION_INSIGHTS_NAME string = applicationInsightsName
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = logAnalyticsName
output AZURE_VNET_ENABLED bool = vnetEnabled
output AZURE_MALWARE_SCANNING_ENABLED bool = enableMalwareScanning
