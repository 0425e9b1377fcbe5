// The uploads account: what clients PUT to through user-delegation SAS URLs, what the API writes
// direct uploads to, and what the Event Grid-sourced blob trigger verifies.
@description('Name of the storage account.')
param name string

@description('Redundancy of the account (SKU name), e.g. Standard_ZRS or Standard_LRS.')
param sku string

@description('Name of the Event Grid system topic on this account (source of Microsoft.Storage.BlobCreated).')
param systemTopicName string

@description('Location of the resources.')
param location string

@description('Tags for the resources.')
param tags object

@description('Container that receives uploads.')
param uploadsContainerName string

@description('Container that receives files that failed verification.')
param quarantineContainerName string

@description('Container that receives Event Grid events that could not be delivered.')
param deadLetterContainerName string

@description('Days after which quarantined blobs are deleted.')
param quarantineRetentionDays int

@description('Days after which dead-lettered events are deleted.')
param deadLetterRetentionDays int

@description('With malware scanning on: the private container where the app records the scan results it received (malware-scanning.bicep creates it); empty when scanning is off, and then no rule deletes there.')
param scanRecordsContainerName string = ''

@description('Days after their last change after which scan-result records are deleted (main.bicep, malwareScanRecordsRetentionDays).')
param scanRecordsRetentionDays int = 8

@description('Browser origins allowed to PUT blobs through upload URLs. Empty: no CORS rule.')
param corsAllowedOrigins array

@description('The blob trigger writes blobs that failed all retries to this queue of the trigger\'s own account (the poison queue of the Blobs extension). Created here so that the app\'s queue role can be scoped to it.')
param poisonQueueName string

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  // Holds the customers' files: zone-redundant by default (main.bicep, uploadsStorageSku).
  sku: {
    name: sku
  }
  properties: {
    accessTier: 'Hot'
    // No account keys: every request is Entra ID (OAuth) or a user-delegation SAS signed from it.
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Clients upload from anywhere with their SAS URL, so the blob endpoint stays public (HTTPS only, no anonymous access).
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    // Browser uploads with an upload URL: Put Blob, or Put Block + Put Block List (the Azure JS Storage SDK's
    // uploadData), all PUT. The preflight asks for PUT and the headers the page sends: content-type and the SDK's
    // x-ms-* headers (x-ms-version, x-ms-client-request-id, x-ms-useragent, x-ms-blob-type, x-ms-blob-content-*),
    // allowed through Storage's prefixed form. No GET/HEAD: an upload URL cannot read, so a read would be 403
    // anyway. No OPTIONS: Storage matches a preflight's Access-Control-Request-Method, not OPTIONS itself.
    // Exposed: what the SDKs read from a response (ETag, Content-MD5, Date, x-ms-request-id, x-ms-error-code...);
    // Last-Modified and Content-Length are CORS-safelisted already.
    cors: {
      // The rule's fields live in storage-cors.json, the one owner: the browser sample's local run sets the same
      // rule on Azurite from that file (samples/browser-upload).
      corsRules: empty(corsAllowedOrigins)
        ? []
        : [union({ allowedOrigins: corsAllowedOrigins }, loadJsonContent('storage-cors.json'))]
    }
    // Nothing is silently lost: a deleted or overwritten blob can be recovered for 7 days.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource uploadsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: uploadsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource quarantineContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: quarantineContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-09-01' = {
  parent: account
  name: 'default'
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-09-01' = {
  parent: queueService
  name: poisonQueueName
}

// The rules of the account's one lifecycle policy (a second policy would replace it: the malware-scan records' rule is
// added here, present only when scanning is on, since only then does its container exist).
var retentionRules = [
    {
      name: 'delete-quarantined-blobs'
      enabled: true
      type: 'Lifecycle'
      definition: {
        filters: {
          blobTypes: [
            'blockBlob'
          ]
          prefixMatch: [
            '${quarantineContainerName}/'
          ]
        }
        actions: {
          baseBlob: {
            delete: {
              daysAfterModificationGreaterThan: quarantineRetentionDays
            }
          }
        }
      }
    }
    {
      name: 'delete-dead-lettered-events'
      enabled: true
      type: 'Lifecycle'
      definition: {
        filters: {
          blobTypes: [
            'blockBlob'
          ]
          prefixMatch: [
            '${deadLetterContainerName}/'
          ]
        }
        actions: {
          baseBlob: {
            delete: {
              daysAfterModificationGreaterThan: deadLetterRetentionDays
            }
          }
        }
      }
    }
]

// A scan-result record (ScanRecords in the code: an empty blob per upload and scanned ETag, metadata only) matters
// only while its upload waits in `checked` for it: at most MalwareScanning__ResultDeadline (at most 1 day) after our
// check, plus the reconciliation pass's schedule (5 min) and a MalwareScanning__ClaimLease (at most 1 day); a result
// recorded before our check waits for a check that comes within the pass's grace period and schedule. Deleted
// earlier, a waiting upload would be decided "no result" (refused by default) although its result came. The default,
// 8 days, also outlives a result message's life in the queue (7 days, the subscription's queueMessageTimeToLiveInSeconds),
// so a late redelivery finds the record of the verdict it led to instead of recreating one. Lifecycle counts whole
// days after the last change (each claim step writes the record) and runs about once a day: deletion comes 8-9 days after.
var scanRecordsRule = {
  name: 'delete-malware-scan-records'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: [
        '${scanRecordsContainerName}/'
      ]
    }
    actions: {
      baseBlob: {
        delete: {
          daysAfterModificationGreaterThan: scanRecordsRetentionDays
        }
      }
    }
  }
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: empty(scanRecordsContainerName) ? retentionRules : concat(retentionRules, [scanRecordsRule])
    }
  }
  dependsOn: [
    quarantineContainer
    deadLetterContainer
  ]
}

// Source of Microsoft.Storage.BlobCreated. Its system-assigned identity writes dead letters
// (role in rbac.bicep); the subscription itself is created by the postdeploy hook.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
