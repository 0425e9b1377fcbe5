// The app's user-assigned managed identity. User-assigned, so that its roles exist before the app starts
// (identity-based host storage and Key Vault references need them at the first start).
@description('Name of the identity.')
param name string

@description('Location of the identity.')
param location string

@description('Tags for the identity.')
param tags object

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = uami.id
output clientId string = uami.properties.clientId
output principalId string = uami.properties.principalId
