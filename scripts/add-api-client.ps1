#!/usr/bin/env pwsh
# Mint an API key for a new client of the deployed upload API (Windows twin of add-api-client.sh).
#
#   ./scripts/add-api-client.ps1 <client-id>
#
# Stores only the SHA-256 (lower-case hex) of a new random key in Key Vault (secret apikey-<id, '_' as '-'>),
# points ApiKeys__Clients__<client-id> at it, adds the client to API_CLIENT_IDS in the azd environment,
# and prints the key once. With $env:ADD_API_CLIENT_DRY_RUN = '1' it changes nothing.
param(
    [Parameter(Mandatory = $true)][string]$ClientId
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# The rule of src/Uploads.Core/Security/ClientIdRule.cs (a test holds this pattern to it); -cnotmatch: case-sensitive.
if ($ClientId -cnotmatch '^[a-z0-9]+(_[a-z0-9]+)*$' -or $ClientId.Length -gt 63) {
    throw "add-api-client: invalid client id '$ClientId': letters and digits, single '_' between them, at most 64 characters"
}
$dryRun = $env:ADD_API_CLIENT_DRY_RUN -eq '1'

function Get-EnvValue([string]$name) {
    $value = [Environment]::GetEnvironmentVariable($name)
    if ([string]::IsNullOrEmpty($value) -and -not $dryRun) {
        $value = azd env get-value $name 2>$null
        if ($LASTEXITCODE -ne 0) { $value = '' }
    }
    return $value
}

$vault = Get-EnvValue 'AZURE_VAULT_NAME'
$group = Get-EnvValue 'AZURE_RESOURCE_GROUP'
$app = Get-EnvValue 'AZURE_FUNCTION_APP_NAME'
if ([string]::IsNullOrEmpty($vault) -or [string]::IsNullOrEmpty($group) -or [string]::IsNullOrEmpty($app)) {
    throw 'add-api-client: AZURE_VAULT_NAME, AZURE_RESOURCE_GROUP and AZURE_FUNCTION_APP_NAME must be set (run azd up first)'
}
$ids = Get-EnvValue 'API_CLIENT_IDS'
if ((",$ids,").Contains(",$ClientId,")) { throw "add-api-client: client '$ClientId' already exists; remove it first to rotate its key" }

# 32 random bytes, base64url without padding.
$bytes = [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)
$key = 'upk_' + [Convert]::ToBase64String($bytes).Replace('+', '-').Replace('/', '_').TrimEnd('=')
$hash = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($key))).ToLowerInvariant()
$secretName = 'apikey-' + $ClientId.Replace('_', '-')
$setting = "ApiKeys__Clients__$ClientId=@Microsoft.KeyVault(VaultName=$vault;SecretName=$secretName)"
$ids = if ([string]::IsNullOrEmpty($ids)) { $ClientId } else { "$ids,$ClientId" }

function Invoke-Step([string[]]$command) {
    if ($dryRun) { Write-Output "would run: $($command -join ' ')"; return }
    & $command[0] $command[1..($command.Length - 1)]
    if ($LASTEXITCODE -ne 0) { throw "add-api-client: '$($command[0]) $($command[1])' failed" }
}

Invoke-Step @('az', 'keyvault', 'secret', 'set', '--vault-name', $vault, '--name', $secretName, '--value', $hash, '--content-type', 'text/plain; sha256-hex', '--output', 'none')
Invoke-Step @('azd', 'env', 'set', 'API_CLIENT_IDS', $ids)
Invoke-Step @('az', 'functionapp', 'config', 'appsettings', 'set', '--resource-group', $group, '--name', $app, '--settings', $setting, '--output', 'none')

Write-Output "Client '$ClientId' added. Its API key (shown once, stored nowhere; send it as X-API-Key):"
Write-Output $key
