#!/bin/sh
# azd postdeploy hook: subscribe the VerifyUpload blob trigger to Microsoft.Storage.BlobCreated events
# of the uploads container, through the Event Grid system topic created by infra/.
#
# The webhook endpoint needs the host's `blobs_extension` system key, which exists only once the code is
# deployed and the host has started: that is why this runs after deploy, not in Bicep.
# Idempotent: the subscription is written with a PUT (create or replace), so re-running converges.
#
# Creating the subscription is asynchronous (201 with provisioningState Creating, then Event Grid validates the
# webhook) and `az rest` does not wait (azure-cli#14223): the hook polls provisioningState until Succeeded, and
# fails loudly (non-zero, with Azure's answer) on Failed, Canceled or AwaitingManualAction.
#
# Reads the azd environment (AZURE_* outputs of infra/main.bicep). With UPLOADS_HOOK_DRY_RUN=1 it calls
# nothing and prints the request it would send, with a placeholder instead of the key (used by the tests).
set -eu

# The newest non-preview api-version of Microsoft.EventGrid/systemTopics/eventSubscriptions, the same as the
# template's Event Grid resources (infra/app/uploads-storage.bicep; tests/Uploads.Infra.Tests pin them together).
api_version='2025-02-15'
subscription_name='verify-upload-blob-created'

fail() {
  echo "post-deploy: $*" >&2
  exit 1
}

require() {
  eval "value=\${$1:-}"
  # shellcheck disable=SC2154 # assigned by the eval above
  [ -n "$value" ] || fail "$1 is not set (run through azd, or export it)"
}

# Values end up inside JSON and a URL: refuse anything outside a conservative character set. It includes
# '_', '(' and ')', which azd environment names (and so resource group names, rg-<env>) may contain:
# ^[a-zA-Z0-9-\(\)_\.]{1,64}$ (azure-dev, EnvironmentNameRegexp).
check_chars() {
  case "$2" in
    *[!A-Za-z0-9._:/=\(\)-]*) fail "$1 has unexpected characters" ;;
  esac
}

for name in AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_FUNCTION_APP_URL \
  AZURE_BLOB_TRIGGER_FUNCTION_NAME AZURE_UPLOADS_SYSTEM_TOPIC_NAME AZURE_UPLOADS_CONTAINER_NAME \
  AZURE_UPLOADS_STORAGE_ACCOUNT_ID AZURE_DEADLETTER_CONTAINER_NAME; do
  require "$name"
  eval "check_chars $name \"\$$name\""
done

dry_run="${UPLOADS_HOOK_DRY_RUN:-0}"

if [ "$dry_run" = "1" ]; then
  key='DRY-RUN-BLOBS-EXTENSION-KEY'
else
  command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required: https://aka.ms/azure-cli"
  # Fail at once, with az's own message, when az is not signed in (rather than waiting for a key it cannot read).
  az account show --subscription "$AZURE_SUBSCRIPTION_ID" --output none ||
    fail "az cannot use subscription $AZURE_SUBSCRIPTION_ID (see az's error above; run 'az login')"
  # The key appears once the host has started with the blob trigger registered: retry for a while.
  # az's errors are shown as they come (a host still starting answers with an error, then with the key).
  key=''
  attempt=1
  while [ "$attempt" -le 12 ]; do
    key=$(az functionapp keys list \
      --subscription "$AZURE_SUBSCRIPTION_ID" \
      --resource-group "$AZURE_RESOURCE_GROUP" \
      --name "$AZURE_FUNCTION_APP_NAME" \
      --query 'systemKeys.blobs_extension' \
      --output tsv) || key=''
    [ -n "$key" ] && break
    echo "post-deploy: waiting for the blobs_extension key (attempt $attempt of 12)"
    attempt=$((attempt + 1))
    sleep 15
  done
  [ -n "$key" ] || fail "no blobs_extension system key on $AZURE_FUNCTION_APP_NAME: is VerifyUpload deployed?"
fi
case "$key" in
  *[!A-Za-z0-9_=-]*) fail "the blobs_extension key has unexpected characters" ;;
esac

endpoint="${AZURE_FUNCTION_APP_URL%/}/runtime/webhooks/blobs?functionName=Host.Functions.${AZURE_BLOB_TRIGGER_FUNCTION_NAME}&code=${key}"
url="/subscriptions/${AZURE_SUBSCRIPTION_ID}/resourceGroups/${AZURE_RESOURCE_GROUP}/providers/Microsoft.EventGrid/systemTopics/${AZURE_UPLOADS_SYSTEM_TOPIC_NAME}/eventSubscriptions/${subscription_name}?api-version=${api_version}"

body() {
  cat <<EOF
{
  "properties": {
    "destination": {
      "endpointType": "WebHook",
      "properties": {
        "endpointUrl": "${endpoint}",
        "maxEventsPerBatch": 1,
        "preferredBatchSizeInKilobytes": 64
      }
    },
    "filter": {
      "includedEventTypes": [ "Microsoft.Storage.BlobCreated" ],
      "subjectBeginsWith": "/blobServices/default/containers/${AZURE_UPLOADS_CONTAINER_NAME}/",
      "isSubjectCaseSensitive": true
    },
    "eventDeliverySchema": "EventGridSchema",
    "retryPolicy": {
      "maxDeliveryAttempts": 30,
      "eventTimeToLiveInMinutes": 1440
    },
    "deadLetterWithResourceIdentity": {
      "identity": { "type": "SystemAssigned" },
      "deadLetterDestination": {
        "endpointType": "StorageBlob",
        "properties": {
          "resourceId": "${AZURE_UPLOADS_STORAGE_ACCOUNT_ID}",
          "blobContainerName": "${AZURE_DEADLETTER_CONTAINER_NAME}"
        }
      }
    }
  }
}
EOF
}

if [ "$dry_run" = "1" ]; then
  echo "PUT $url"
  body
  exit 0
fi

# The body holds the key: keep it in a private temporary file, never on a command line or in the log.
umask 077
body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT
body >"$body_file"

# The subscription's provisioningState (Succeeded, Failed, Canceled, AwaitingManualAction, or one in progress:
# Creating, Updating, Accepted...), read with a GET; empty when az failed (its error is on stderr).
provisioning_state() {
  az rest --method get --url "$url" --query 'properties.provisioningState' --output tsv || true
}

# Polls until the state is terminal: every 10 s, for at most 5 minutes. Sets $state.
wait_for_provisioning() {
  polls=0
  while :; do
    case "$state" in
      Succeeded | Failed | Canceled | AwaitingManualAction) return 0 ;;
    esac
    [ "$polls" -lt 30 ] || return 0
    echo "post-deploy: Event Grid subscription is '${state:-unknown}', waiting for Succeeded"
    sleep 10
    polls=$((polls + 1))
    state=$(provisioning_state)
  done
}

# What Azure says about the subscription, for the error message (never the endpoint's key: Event Grid returns
# only endpointBaseUrl).
show_subscription() {
  az rest --method get --url "$url" --output json \
    --query '{provisioningState: properties.provisioningState, endpointBaseUrl: properties.destination.properties.endpointBaseUrl, topic: properties.topic}' >&2 || true
}

# Event Grid validates the webhook (handshake with the blobs extension) while provisioning; a cold instance can
# miss the first handshake (provisioningState Failed), so the PUT is tried up to 3 times (it is idempotent).
attempt=1
while :; do
  if state=$(az rest --method put --url "$url" --body "@$body_file" --headers 'Content-Type=application/json' \
    --query 'properties.provisioningState' --output tsv); then
    wait_for_provisioning
    case "$state" in
      Succeeded) break ;;
      AwaitingManualAction)
        show_subscription
        fail "Event Grid is waiting for a manual validation of the webhook (provisioningState AwaitingManualAction): the blobs extension did not answer the validation handshake; check that $AZURE_BLOB_TRIGGER_FUNCTION_NAME is deployed and the host is running, then run the hook again" ;;
      Failed | Canceled)
        show_subscription
        echo "post-deploy: creating the Event Grid subscription ended in provisioningState '$state' (Azure's answer above; the reason, e.g. a failed webhook validation handshake, is in the resource group's activity log)" >&2 ;;
      *)
        show_subscription
        fail "the Event Grid subscription is still '${state:-unknown}' after 5 minutes; check it in the portal (system topic $AZURE_UPLOADS_SYSTEM_TOPIC_NAME) and run the hook again" ;;
    esac
  fi
  [ "$attempt" -lt 3 ] || fail "creating the Event Grid subscription failed $attempt times (see Azure's errors above); events would never be delivered"
  echo "post-deploy: retrying the Event Grid subscription (attempt $attempt of 3 failed)"
  attempt=$((attempt + 1))
  sleep 20
done
echo "post-deploy: Event Grid subscription '$subscription_name' (provisioningState Succeeded) delivers BlobCreated events of container '$AZURE_UPLOADS_CONTAINER_NAME' to $AZURE_BLOB_TRIGGER_FUNCTION_NAME"
