// Every role assignment of the deployment, each at the narrowest scope that works.
// docs/deploy.md explains each one; tests/Uploads.Infra.Tests pins the role ids and scopes.
@description('Name of the app\'s user-assigned identity (identity.bicep).')
param identityName string

@description('Name of the host storage account (AzureWebJobsStorage and deployment package).')
param hostStorageName string

@description('Name of the uploads storage account.')
param uploadsStorageName string

@description('Container that receives uploads.')
param uploadsContainerName string

@description('Container that receives files that failed verification.')
param quarantineContainerName string

@description('The Blobs extension poison queue on the uploads account.')
param poisonQueueName string

@description('Container that receives undeliverable Event Grid events.')
param deadLetterContainerName string

@description('Name of the Event Grid system topic on the uploads account; its system-assigned identity writes dead letters.')
param systemTopicName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Key Vault that holds the API key hashes.')
param keyVaultName string

@description('Name of the verdict custom topic; empty when it is not created.')
param verdictTopicName string

@description('Malware scanning\'s results queue on the uploads account (malware-scanning.bicep); empty when scanning is off.')
param scanResultsQueueName string

@description('Malware scanning\'s container of received results on the uploads account; empty when scanning is off.')
param scanRecordsContainerName string

@description('Object id of the person running azd; empty grants nothing.')
param deployerPrincipalId string

@description('Type of deployerPrincipalId.')
param deployerPrincipalType string

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: hostStorageName
}

resource uploadsStorage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: uploadsStorageName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource uploads 'containers' existing = {
      name: uploadsContainerName
    }

    resource quarantine 'containers' existing = {
      name: quarantineContainerName
    }

    resource deadLetter 'containers' existing = {
      name: deadLetterContainerName
    }

    resource scanRecords 'containers' existing = if (!empty(scanRecordsContainerName)) {
      name: scanRecordsContainerName
    }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource poison 'queues' existing = {
      name: poisonQueueName
    }

    resource scanResults 'queues' existing = if (!empty(scanResultsQueueName)) {
      name: scanResultsQueueName
    }

    resource scanResultsPoison 'queues' existing = if (!empty(scanResultsQueueName)) {
      name: '${scanResultsQueueName}-poison'
    }
  }
}

// Role assignment names are built from resource ids, which are known before the deployment starts; the principal
// ids themselves are known only once the identities exist, and are used in the assignments' properties only.
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

var appPrincipalId = appIdentity.properties.principalId

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource verdictTopic 'Microsoft.EventGrid/topics@2025-02-15' existing = if (!empty(verdictTopicName)) {
  name: verdictTopicName
}

// Blob index tags are the one thing verification writes that Storage Blob Data Contributor lacks
// (Set Blob Tags needs .../blobs/tags/write, otherwise only in Storage Blob Data Owner).
// This custom role adds exactly that, on the uploads container only, instead of Owner.
resource blobIndexTagsRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'uploads-blob-index-tags')
  properties: {
    roleName: 'Uploads blob index tags (${uniqueString(resourceGroup().id)})'
    description: 'Read and write blob index tags: verification records its verdict as tags on uploaded blobs.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/read'
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write'
        ]
        notDataActions: []
      }
    ]
  }
}

// ---- Host storage (AzureWebJobsStorage, identity-based) ----

// The host keeps its keys and leases in blobs and creates its containers (with the Event Grid source the
// blob trigger writes no receipts: BlobListenerFactory, Storage extension);
// Flex Consumption reads the deployment package from a container of this account.
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appIdentity.id, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The blob trigger routes each Event Grid notification through a host queue (azure-webjobs-blobtrigger-<hostid>),
// whose name depends on the host id: account scope.
resource hostQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appIdentity.id, roles.storageQueueDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The host persists diagnostic events in tables of AzureWebJobsStorage.
resource hostTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appIdentity.id, roles.storageTableDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- Uploads storage ----

// Get User Delegation Key is an operation on the blob service (account level); a container-scoped role cannot grant it.
// Delegator grants only that: no data access of its own.
resource uploadsDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadsStorage.id, appIdentity.id, roles.storageBlobDelegator)
  scope: uploadsStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// A user-delegation SAS grants at most what its signer holds: create/write on the uploads container.
// The same role lets direct uploads write, verification read the bytes it sniffs and set metadata,
// and the move to quarantine delete the source after the copy.
resource uploadsContainerContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadsStorage::blobService::uploads.id, appIdentity.id, roles.storageBlobDataContributor)
  scope: uploadsStorage::blobService::uploads
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Destination of the copy of a rejected file, with its reason in metadata; read by the status endpoint.
resource quarantineContainerContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadsStorage::blobService::quarantine.id, appIdentity.id, roles.storageBlobDataContributor)
  scope: uploadsStorage::blobService::quarantine
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Verdict tags are written (Set Blob Tags) and read (Get Blob Tags) only on blobs of the uploads container.
// Not on quarantine: the copy there carries metadata only (no x-ms-tags, and Copy Blob copies no tags), and
// the status endpoint reads a quarantined blob's metadata, never its tags.
resource uploadsContainerTags 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadsStorage::blobService::uploads.id, appIdentity.id, blobIndexTagsRole.id)
  scope: uploadsStorage::blobService::uploads
  properties: {
    roleDefinitionId: blobIndexTagsRole.id
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The blob trigger writes blobs that failed every retry to the poison queue of the trigger's own account.
resource poisonQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadsStorage::queueService::poison.id, appIdentity.id, roles.storageQueueDataContributor)
  scope: uploadsStorage::queueService::poison
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Event Grid (the system topic's identity) writes undeliverable events here.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadsStorage::blobService::deadLetter.id, systemTopic.id, roles.storageBlobDataContributor)
  scope: uploadsStorage::blobService::deadLetter
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The reconciliation pass reads dead-lettered BlobCreated events and deletes each file it has handled.
resource deadLetterReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadsStorage::blobService::deadLetter.id, appIdentity.id, roles.storageBlobDataContributor)
  scope: uploadsStorage::blobService::deadLetter
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- Malware scanning (only with scanning on) ----

// The queue trigger receives, hides (visibility), updates and deletes result messages, and checks the queue exists:
// message-level roles lack the queue's metadata read, so Contributor, on this one queue.
resource scanResultsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(scanResultsQueueName)) {
  name: guid(uploadsStorage::queueService::scanResults.id, appIdentity.id, roles.storageQueueDataContributor)
  scope: uploadsStorage::queueService::scanResults
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The host moves a result that failed every try to <queue>-poison.
resource scanResultsPoisonWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(scanResultsQueueName)) {
  name: guid(uploadsStorage::queueService::scanResultsPoison.id, appIdentity.id, roles.storageQueueDataContributor)
  scope: uploadsStorage::queueService::scanResultsPoison
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The app records each result it received (and claims it once for the verdict) in this container only.
resource scanRecordsWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(scanRecordsContainerName)) {
  name: guid(uploadsStorage::blobService::scanRecords.id, appIdentity.id, roles.storageBlobDataContributor)
  scope: uploadsStorage::blobService::scanRecords
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- Monitoring, secrets, events ----

// Application Insights has local authentication off: telemetry is accepted only from Entra identities with this role.
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appIdentity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault references in app settings (ApiKeys__Clients__*) are resolved with the app's identity.
resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appIdentity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The app publishes verdict events with its identity (the topic has local auth disabled).
resource verdictSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(verdictTopicName)) {
  name: guid(verdictTopic.id, appIdentity.id, roles.eventGridDataSender)
  scope: verdictTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The person running azd stores API key hashes with scripts/add-api-client (set secrets; no other data).
resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}
