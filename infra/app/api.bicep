// The Function App on the Flex Consumption plan (.NET isolated worker), with its user-assigned identity,
// identity-based connections only, and no FTP or basic-auth publishing.
@description('Name of the Function App.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Location of the resources.')
param location string

@description('Tags for both resources (plan and site).')
param tags object

@description('azd service name (azure.yaml): tagged azd-service-name on the site only, since azd before 1.23.4 refuses a tag on two resources.')
param serviceName string

@description('Resource id of the app\'s user-assigned identity.')
param identityId string

@description('Client id of the app\'s user-assigned identity (selects it in identity-based connections).')
param identityClientId string

@description('Blob endpoint of the host storage account.')
param hostStorageBlobEndpoint string

@description('Queue endpoint of the host storage account.')
param hostStorageQueueEndpoint string

@description('Table endpoint of the host storage account.')
param hostStorageTableEndpoint string

@description('Container of the host storage account that holds the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Blob endpoint of the uploads account.')
param uploadsBlobEndpoint string

@description('Queue endpoint of the uploads account (the blob trigger\'s poison queue).')
param uploadsQueueEndpoint string

@description('Container that receives uploads.')
param uploadsContainerName string

@description('Container that receives files that failed verification.')
param quarantineContainerName string

@description('Container that receives undeliverable Event Grid events; the reconciliation pass reads and clears it.')
param deadLetterContainerName string

@description('Endpoint of the verdict custom topic; empty when verdict events are off.')
param verdictTopicEndpoint string

@description('Active-content categories accepted (comma-separated, e.g. PdfFormScripts); empty refuses them all. See docs/sniffing.md.')
param allowedActiveContent string = ''

@description('When the check of a presigned upload computes its SHA-256 (reading all its bytes): declared (when the client declared one) or always. See docs/reliability.md.')
@allowed([
  'declared'
  'always'
])
param computeSha256 string = 'declared'

@description('Key Vault that holds the API key hashes.')
param keyVaultName string

@description('API client ids; each gets an ApiKeys__Clients__<id> Key Vault reference.')
param apiClientIds array

@description('Flex Consumption: the most instances the app scales out to.')
param maximumInstanceCount int

@description('Flex Consumption: memory of each instance, in MB.')
param instanceMemoryMB int

@description('.NET version of the isolated worker.')
param dotnetVersion string

@description('Private-network mode: resource id of the subnet (delegated to Microsoft.App/environments) the app\'s outbound traffic goes through; empty for none.')
param virtualNetworkSubnetId string

@description('Malware scanning on: the verdict waits for Defender\'s scan result, and the queue-triggered function that receives it runs (disabled otherwise, so that it never polls a queue that does not exist).')
param malwareScanningEnabled bool

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Inbound stays public in both network modes: clients call the API, and Event Grid delivers BlobCreated
    // events to the blob trigger's webhook on this endpoint (docs/deploy.md, "Private network").
    publicNetworkAccess: 'Enabled'
    // No ARR affinity cookie: any instance serves any request (the API keeps no session state).
    clientAffinityEnabled: false
    // Flex Consumption: virtual network integration of the app's outbound traffic (private-network mode).
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // Key Vault references (ApiKeys__Clients__*) are resolved with the user-assigned identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      // No ftpsState: Flex Consumption does not support it (Learn: "Flex Consumption plan deprecations"); FTP is
      // off through the basic publishing credentials policies below instead.
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

// Platform settings: the Functions host's own storage and telemetry, all identity-based.
// (Flex Consumption sets the runtime in functionAppConfig: FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION must not be set.)
var platformSettings = {
  AzureWebJobsStorage__blobServiceUri: hostStorageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: hostStorageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: hostStorageTableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // .NET 10 isolated on Flex: FunctionsNetHost's placeholder specialization crashes with exit code 139 under
  // normal load (Azure/azure-functions-dotnet-worker#3335, open); starting the worker without the placeholder
  // avoids it, for a slower cold start. Remove once #3335 is fixed (docs/deploy.md).
  WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED: '0'
}

// Settings the app's code reads (Uploads.Core.Hosting.AppSettings is the list; the infra tests hold this to it).
var appCodeSettings = {
  Uploads__ContainerName: uploadsContainerName
  Uploads__QuarantineContainerName: quarantineContainerName
  Uploads__AllowedActiveContent: allowedActiveContent
  // Every 5 minutes: uploads whose BlobCreated event never came are verified within grace (5 min) + 5 min.
  Verification__ReconcileSchedule: '0 */5 * * * *'
  Verification__DeadLetterContainerName: deadLetterContainerName
  Verification__ComputeSha256: computeSha256
  UploadStorage__blobServiceUri: uploadsBlobEndpoint
  UploadStorage__queueServiceUri: uploadsQueueEndpoint
  UploadStorage__credential: 'managedidentity'
  UploadStorage__clientId: identityClientId
  MalwareScanning__Enabled: string(malwareScanningEnabled)
  // Read by the host: the results function listens only with scanning on (docs: "How to disable functions").
  'AzureWebJobs.ReceiveMalwareScanResult.Disabled': string(!malwareScanningEnabled)
}

var verdictTopicSettings = empty(verdictTopicEndpoint)
  ? {}
  : {
      Verification__EventGridTopicEndpoint: verdictTopicEndpoint
    }

// One Key Vault reference per API client: the secret holds the SHA-256 hex of the key, never the key.
// Secret names allow only letters, digits and '-': a client id's '_' becomes '-'.
var apiKeySettings = toObject(
  apiClientIds,
  clientId => 'ApiKeys__Clients__${clientId}',
  clientId => '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=apikey-${replace(clientId, '_', '-')})'
)

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(platformSettings, appCodeSettings, verdictTopicSettings, apiKeySettings)
}

// No FTP and no basic-auth (publishing profile) deployments: azd deploys with Entra ID.
resource ftpPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output uri string = 'https://${site.properties.defaultHostName}'
