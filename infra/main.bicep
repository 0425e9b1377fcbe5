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

@minValue(1)
@maxValue(3650)
@description('Days after which quarantined blobs are deleted by the lifecycle policy.')
param quarantineRetentionDays int = 30

@minValue(1)
@maxValue(3650)
@description('Days after which undeliverable Event Grid events (dead letters) are deleted.')
param deadLetterRetentionDays int = 14

@description('Create an Event Grid custom topic that receives one event per verification verdict (Verification__EventGridTopicEndpoint).')
param enableVerdictTopic bool = true

// Flex Consumption accepts 40 to 1000 (Learn: flex-consumption-plan, "Instance count limits").
@minValue(40)
@maxValue(1000)
@description('Flex Consumption: the most instances the app scales out to (a cost ceiling), 40 to 1000.')
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

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
// The Flex deployment package container lives in the host storage account.
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
var deadLetterContainerName = 'eventgrid-deadletter'
// The blob trigger's Event Grid webhook targets this function (Host.Functions.<name>).
var blobTriggerFunctionName = 'VerifyUpload'

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
  }
}

module hostStorage 'app/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}fn${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module uploadsStorage 'app/uploads-storage.bicep' = {
  name: 'uploads-storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}up${resourceToken}'
    systemTopicName: '${abbrs.eventGridSystemTopics}uploads-${resourceToken}'
    location: location
    tags: tags
    uploadsContainerName: uploadsContainerName
    quarantineContainerName: quarantineContainerName
    deadLetterContainerName: deadLetterContainerName
    quarantineRetentionDays: quarantineRetentionDays
    deadLetterRetentionDays: deadLetterRetentionDays
    corsAllowedOrigins: filter(map(split(corsAllowedOrigins, ','), o => trim(o)), o => !empty(o))
  }
}

module vault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module verdictTopic 'app/verdict-topic.bicep' = if (enableVerdictTopic) {
  name: 'verdict-topic'
  scope: rg
  params: {
    name: '${abbrs.eventGridDomainsTopics}verdicts-${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    hostStorageName: hostStorage.outputs.name
    uploadsStorageName: uploadsStorage.outputs.name
    uploadsContainerName: uploadsContainerName
    quarantineContainerName: quarantineContainerName
    poisonQueueName: uploadsStorage.outputs.poisonQueueName
    deadLetterContainerName: deadLetterContainerName
    systemTopicPrincipalId: uploadsStorage.outputs.systemTopicPrincipalId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: vault.outputs.name
    verdictTopicName: enableVerdictTopic ? verdictTopic!.outputs.name : ''
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
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
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    uploadsBlobEndpoint: uploadsStorage.outputs.blobEndpoint
    uploadsQueueEndpoint: uploadsStorage.outputs.queueEndpoint
    uploadsContainerName: uploadsContainerName
    quarantineContainerName: quarantineContainerName
    deadLetterContainerName: deadLetterContainerName
    verdictTopicEndpoint: enableVerdictTopic ? verdictTopic!.outputs.endpoint : ''
    keyVaultName: vault.outputs.name
    apiClientIds: filter(map(split(apiClientIds, ','), c => trim(c)), c => !empty(c))
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    dotnetVersion: dotnetVersion
  }
  // The app must not start before its identity can read host storage and Key Vault references.
  dependsOn: [
    rbac
  ]
}

// azd conventions: UPPER_SNAKE outputs become azd environment values (read by the hooks and scripts).
// None of them is a secret: names, ids and endpoints only.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_URL string = api.outputs.uri
output AZURE_BLOB_TRIGGER_FUNCTION_NAME string = blobTriggerFunctionName
output AZURE_UPLOADS_STORAGE_ACCOUNT_NAME string = uploadsStorage.outputs.name
output AZURE_UPLOADS_STORAGE_ACCOUNT_ID string = uploadsStorage.outputs.id
output AZURE_UPLOADS_CONTAINER_NAME string = uploadsContainerName
output AZURE_QUARANTINE_CONTAINER_NAME string = quarantineContainerName
output AZURE_DEADLETTER_CONTAINER_NAME string = deadLetterContainerName
output AZURE_UPLOADS_SYSTEM_TOPIC_NAME string = uploadsStorage.outputs.systemTopicName
output AZURE_VAULT_NAME string = vault.outputs.name
output AZURE_VAULT_URI string = vault.outputs.uri
output AZURE_VERDICT_TOPIC_ENDPOINT string = enableVerdictTopic ? verdictTopic!.outputs.endpoint : ''
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.logAnalyticsName
