// Private-network mode (main.bicep, vnetEnabled): a virtual network with two subnets, the Function App's outbound
// integration subnet and a subnet for private endpoints; private endpoints for the host storage account (blob, queue,
// table) and Key Vault, each registered in its private DNS zone, linked to the network. Both resources have their
// public network access off in this mode (host-storage.bicep, keyvault.bicep). The uploads account stays public:
// clients PUT to it from anywhere with their upload URLs (docs/deploy.md, "Private network").
@description('Name of the virtual network.')
param vnetName string

@description('Prefix of the private endpoints\' names (one per target and sub-resource).')
param privateEndpointPrefix string

@description('Location of the network and the private endpoints.')
param location string

@description('Tags for the resources.')
param tags object

@description('Name of the host storage account (AzureWebJobsStorage and deployment package).')
param hostStorageName string

@description('Name of the Key Vault that holds the API key hashes.')
param keyVaultName string

var appSubnetName = 'app'
var privateEndpointSubnetName = 'private-endpoints'

// The private DNS zones of the public cloud's (or the current cloud's) private link names, e.g.
// privatelink.blob.core.windows.net and privatelink.vaultcore.azure.net.
var storageSuffix = environment().suffixes.storage
var vaultZone = 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'

// Each private endpoint: the sub-resource (group id) of its target (the vault for 'vault', else the host storage
// account) and the private DNS zone it registers in.
var endpoints = [
  {
    name: 'blob'
    groupId: 'blob'
    zone: 'privatelink.blob.${storageSuffix}'
  }
  {
    name: 'queue'
    groupId: 'queue'
    zone: 'privatelink.queue.${storageSuffix}'
  }
  {
    name: 'table'
    groupId: 'table'
    zone: 'privatelink.table.${storageSuffix}'
  }
  {
    name: 'vault'
    groupId: 'vault'
    zone: vaultZone
  }
]

resource hostStorage 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: hostStorageName
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.0.0.0/16'
      ]
    }
    subnets: [
      {
        // Flex Consumption's virtual network integration: a subnet delegated to Microsoft.App/environments.
        name: appSubnetName
        properties: {
          addressPrefix: '10.0.1.0/24'
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
          // The app's traffic to public endpoints (the uploads account, Entra ID, Application Insights, the verdict
          // topic) leaves through this subnet. Recent network api-versions create subnets without default outbound
          // access ("private subnets"); keep it explicitly, as the template adds no NAT gateway (docs/deploy.md).
          defaultOutboundAccess: true
        }
      }
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: '10.0.2.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: appSubnetName
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: privateEndpointSubnetName
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for endpoint in endpoints: {
    name: endpoint.zone
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (endpoint, i) in endpoints: {
    parent: zones[i]
    name: vnetName
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2026-03-01' = [
  for endpoint in endpoints: {
    name: '${privateEndpointPrefix}-${endpoint.name}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: vnet::privateEndpointSubnet.id
      }
      privateLinkServiceConnections: [
        {
          name: endpoint.name
          properties: {
            privateLinkServiceId: endpoint.groupId == 'vault' ? vault.id : hostStorage.id
            groupIds: [
              endpoint.groupId
            ]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-03-01' = [
  for (endpoint, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: replace(endpoint.zone, '.', '-')
          properties: {
            privateDnsZoneId: zones[i].id
          }
        }
      ]
    }
  }
]

output appSubnetId string = vnet::appSubnet.id
