// Custom topic that receives one event per verification verdict, published by the app with its identity
// (role EventGrid Data Sender, in rbac.bicep). Keys and SAS tokens are disabled.
@description('Name of the topic.')
param name string

@description('Location of the topic.')
param location string

@description('Tags for the topic.')
param tags object

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    disableLocalAuth: true
    inputSchema: 'CloudEventSchemaV1_0'
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

output name string = topic.name
output endpoint string = topic.properties.endpoint
