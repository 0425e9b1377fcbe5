#!/usr/bin/env pwsh
# azd postdeploy hook (Windows): same as post-deploy.sh. Subscribes the VerifyUpload blob trigger to
# Microsoft.Storage.BlobCreated events of the uploads container through the Event Grid system topic.
# The endpoint needs the host's blobs_extension system key, which exists only after deploy.
# Idempotent: the subscription is written with a PUT (create or replace).
# With $env:UPLOADS_HOOK_DRY_RUN = '1' it calls nothing and prints the request with a placeholder key.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$apiVersion = '2022-06-15'
$subscriptionName = 'verify-upload-blob-created'

$names = @(
    'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_FUNCTION_APP_URL',
    'AZURE_BLOB_TRIGGER_FUNCTION_NAME', 'AZURE_UPLOADS_SYSTEM_TOPIC_NAME', 'AZURE_UPLOADS_CONTAINER_NAME',
    'AZURE_UPLOADS_STORAGE_ACCOUNT_ID', 'AZURE_DEADLETTER_CONTAINER_NAME')
$cfg = @{}
foreach ($name in $names) {
    $value = [Environment]::GetEnvironmentVariable($name)
    if ([string]::IsNullOrEmpty($value)) { throw "post-deploy: $name is not set (run through azd, or set it)" }
    if ($value -notmatch '^[A-Za-z0-9._:/=-]+$') { throw "post-deploy: $name has unexpected characters" }
    $cfg[$name] = $value
}

$dryRun = $env:UPLOADS_HOOK_DRY_RUN -eq '1'
if ($dryRun) {
    $key = 'DRY-RUN-BLOBS-EXTENSION-KEY'
}
else {
    if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'post-deploy: the Azure CLI (az) is required: https://aka.ms/azure-cli' }
    $key = ''
    for ($attempt = 1; $attempt -le 12; $attempt++) {
        $key = az functionapp keys list --resource-group $cfg.AZURE_RESOURCE_GROUP --name $cfg.AZURE_FUNCTION_APP_NAME `
            --query 'systemKeys.blobs_extension' --output tsv 2>$null
        if (-not [string]::IsNullOrEmpty($key)) { break }
        Write-Host "post-deploy: waiting for the blobs_extension key (attempt $attempt of 12)"
        Start-Sleep -Seconds 15
    }
    if ([string]::IsNullOrEmpty($key)) { throw "post-deploy: no blobs_extension system key on $($cfg.AZURE_FUNCTION_APP_NAME): is VerifyUpload deployed?" }
}
if ($key -notmatch '^[A-Za-z0-9_=-]+$') { throw 'post-deploy: the blobs_extension key has unexpected characters' }

$endpoint = "$($cfg.AZURE_FUNCTION_APP_URL.TrimEnd('/'))/runtime/webhooks/blobs?functionName=Host.Functions.$($cfg.AZURE_BLOB_TRIGGER_FUNCTION_NAME)&code=$key"
$url = "/subscriptions/$($cfg.AZURE_SUBSCRIPTION_ID)/resourceGroups/$($cfg.AZURE_RESOURCE_GROUP)/providers/Microsoft.EventGrid/systemTopics/$($cfg.AZURE_UPLOADS_SYSTEM_TOPIC_NAME)/eventSubscriptions/$subscriptionName`?api-version=$apiVersion"

$body = @{
    properties = @{
        destination = @{
            endpointType = 'WebHook'
            properties = @{
                endpointUrl = $endpoint
                maxEventsPerBatch = 1
                preferredBatchSizeInKilobytes = 64
            }
        }
        filter = @{
            includedEventTypes = @('Microsoft.Storage.BlobCreated')
            subjectBeginsWith = "/blobServices/default/containers/$($cfg.AZURE_UPLOADS_CONTAINER_NAME)/"
            isSubjectCaseSensitive = $true
        }
        eventDeliverySchema = 'EventGridSchema'
        retryPolicy = @{
            maxDeliveryAttempts = 30
            eventTimeToLiveInMinutes = 1440
        }
        deadLetterWithResourceIdentity = @{
            identity = @{ type = 'SystemAssigned' }
            deadLetterDestination = @{
                endpointType = 'StorageBlob'
                properties = @{
                    resourceId = $cfg.AZURE_UPLOADS_STORAGE_ACCOUNT_ID
                    blobContainerName = $cfg.AZURE_DEADLETTER_CONTAINER_NAME
                }
            }
        }
    }
} | ConvertTo-Json -Depth 10

if ($dryRun) {
    Write-Output "PUT $url"
    Write-Output $body
    exit 0
}

# The body holds the key: keep it in a temporary file readable only by this user, never on a command line.
$bodyFile = [System.IO.Path]::GetTempFileName()
try {
    Set-Content -Path $bodyFile -Value $body -Encoding utf8NoBOM
    # Event Grid validates the webhook first; a cold instance can miss the first handshake (the PUT is idempotent).
    for ($attempt = 1; ; $attempt++) {
        az rest --method put --url $url --body "@$bodyFile" --headers 'Content-Type=application/json' --output none
        if ($LASTEXITCODE -eq 0) { break }
        if ($attempt -ge 3) { throw 'post-deploy: creating the Event Grid subscription failed (see the error above)' }
        Write-Host "post-deploy: retrying the Event Grid subscription (attempt $attempt of 3 failed)"
        Start-Sleep -Seconds 20
    }
}
finally {
    Remove-Item -Path $bodyFile -Force -ErrorAction SilentlyContinue
}
Write-Host "post-deploy: Event Grid subscription '$subscriptionName' delivers BlobCreated events of container '$($cfg.AZURE_UPLOADS_CONTAINER_NAME)' to $($cfg.AZURE_BLOB_TRIGGER_FUNCTION_NAME)"
