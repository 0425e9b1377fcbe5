#!/usr/bin/env pwsh
# azd postdeploy hook (Windows): same as post-deploy.sh. Subscribes the VerifyUpload blob trigger to
# Microsoft.Storage.BlobCreated events of the uploads container through the Event Grid system topic.
# The endpoint needs the host's blobs_extension system key, which exists only after deploy.
# Idempotent: the subscription is written with a PUT (create or replace).
# Creating it is asynchronous and `az rest` does not wait (azure-cli#14223): the hook polls provisioningState
# until Succeeded, and fails (with Azure's answer) on Failed, Canceled or AwaitingManualAction.
# With $env:UPLOADS_HOOK_DRY_RUN = '1' it calls nothing and prints the request with a placeholder key.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# The newest non-preview api-version of Microsoft.EventGrid/systemTopics/eventSubscriptions, the same as the
# template's Event Grid resources (infra/app/uploads-storage.bicep; tests/Uploads.Infra.Tests pin them together).
$apiVersion = '2025-02-15'
$subscriptionName = 'verify-upload-blob-created'

$names = @(
    'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_FUNCTION_APP_URL',
    'AZURE_BLOB_TRIGGER_FUNCTION_NAME', 'AZURE_UPLOADS_SYSTEM_TOPIC_NAME', 'AZURE_UPLOADS_CONTAINER_NAME',
    'AZURE_UPLOADS_STORAGE_ACCOUNT_ID', 'AZURE_DEADLETTER_CONTAINER_NAME')
$cfg = @{}
foreach ($name in $names) {
    $value = [Environment]::GetEnvironmentVariable($name)
    if ([string]::IsNullOrEmpty($value)) { throw "post-deploy: $name is not set (run through azd, or set it)" }
    # '_', '(' and ')' are allowed: azd environment names (so rg-<env>) may contain them (azure-dev, EnvironmentNameRegexp).
    if ($value -notmatch '^[A-Za-z0-9._:/=()-]+$') { throw "post-deploy: $name has unexpected characters" }
    $cfg[$name] = $value
}

# `sleep N`: Start-Sleep on Windows (its alias there), the sleep command elsewhere, which the tests replace on PATH.
function Wait-Seconds([int] $Seconds) { sleep $Seconds }

$dryRun = $env:UPLOADS_HOOK_DRY_RUN -eq '1'
if ($dryRun) {
    $key = 'DRY-RUN-BLOBS-EXTENSION-KEY'
}
else {
    if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'post-deploy: the Azure CLI (az) is required: https://aka.ms/azure-cli' }
    # Fail at once, with az's own message, when az is not signed in.
    az account show --subscription $cfg.AZURE_SUBSCRIPTION_ID --output none
    if ($LASTEXITCODE -ne 0) { throw "post-deploy: az cannot use subscription $($cfg.AZURE_SUBSCRIPTION_ID) (see az's error above; run 'az login')" }
    # The key appears once the host has started with the blob trigger registered; az's errors are shown as they come.
    $key = ''
    for ($attempt = 1; $attempt -le 12; $attempt++) {
        $key = az functionapp keys list --subscription $cfg.AZURE_SUBSCRIPTION_ID --resource-group $cfg.AZURE_RESOURCE_GROUP `
            --name $cfg.AZURE_FUNCTION_APP_NAME --query 'systemKeys.blobs_extension' --output tsv
        if ($LASTEXITCODE -ne 0) { $key = '' }
        if (-not [string]::IsNullOrEmpty($key)) { break }
        Write-Host "post-deploy: waiting for the blobs_extension key (attempt $attempt of 12)"
        Wait-Seconds 15
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

# The subscription's provisioningState (Succeeded, Failed, Canceled, AwaitingManualAction, or one in progress);
# empty when az failed (its error is on stderr).
function Get-ProvisioningState {
    $state = az rest --method get --url $url --query 'properties.provisioningState' --output tsv
    if ($LASTEXITCODE -ne 0) { return '' }
    return "$state"
}

# Polls until the state is terminal: every 10 s, for at most 5 minutes.
function Wait-Provisioning([string] $State) {
    for ($polls = 0; $polls -lt 30; $polls++) {
        if ($State -in 'Succeeded', 'Failed', 'Canceled', 'AwaitingManualAction') { return $State }
        Write-Host "post-deploy: Event Grid subscription is '$State', waiting for Succeeded"
        Wait-Seconds 10
        $State = Get-ProvisioningState
    }
    return $State
}

# What Azure says about the subscription (never the key: Event Grid returns only endpointBaseUrl).
function Show-Subscription {
    $answer = az rest --method get --url $url --output json `
        --query '{provisioningState: properties.provisioningState, endpointBaseUrl: properties.destination.properties.endpointBaseUrl, topic: properties.topic}'
    [Console]::Error.WriteLine(($answer -join [Environment]::NewLine))
}

# The body holds the key: keep it in a temporary file readable only by this user, never on a command line.
$bodyFile = [System.IO.Path]::GetTempFileName()
try {
    Set-Content -Path $bodyFile -Value $body -Encoding utf8NoBOM
    # Event Grid validates the webhook while provisioning; a cold instance can miss the first handshake
    # (provisioningState Failed), so the PUT is tried up to 3 times (it is idempotent).
    for ($attempt = 1; ; $attempt++) {
        $state = az rest --method put --url $url --body "@$bodyFile" --headers 'Content-Type=application/json' `
            --query 'properties.provisioningState' --output tsv
        if ($LASTEXITCODE -eq 0) {
            $state = Wait-Provisioning "$state"
            if ($state -eq 'Succeeded') { break }
            Show-Subscription
            if ($state -eq 'AwaitingManualAction') {
                throw "post-deploy: Event Grid is waiting for a manual validation of the webhook (provisioningState AwaitingManualAction): the blobs extension did not answer the validation handshake; check that $($cfg.AZURE_BLOB_TRIGGER_FUNCTION_NAME) is deployed and the host is running, then run the hook again"
            }
            if ($state -notin 'Failed', 'Canceled') {
                throw "post-deploy: the Event Grid subscription is still '$state' after 5 minutes; check it in the portal (system topic $($cfg.AZURE_UPLOADS_SYSTEM_TOPIC_NAME)) and run the hook again"
            }
            [Console]::Error.WriteLine("post-deploy: creating the Event Grid subscription ended in provisioningState '$state' (Azure's answer above; the reason, e.g. a failed webhook validation handshake, is in the resource group's activity log)")
        }
        if ($attempt -ge 3) { throw "post-deploy: creating the Event Grid subscription failed $attempt times (see Azure's errors above); events would never be delivered" }
        Write-Host "post-deploy: retrying the Event Grid subscription (attempt $attempt of 3 failed)"
        Wait-Seconds 20
    }
}
finally {
    Remove-Item -Path $bodyFile -Force -ErrorAction SilentlyContinue
}
Write-Host "post-deploy: Event Grid subscription '$subscriptionName' (provisioningState Succeeded) delivers BlobCreated events of container '$($cfg.AZURE_UPLOADS_CONTAINER_NAME)' to $($cfg.AZURE_BLOB_TRIGGER_FUNCTION_NAME)"
