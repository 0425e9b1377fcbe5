#!/bin/sh
# Mint an API key for a new client of the deployed upload API.
#
#   scripts/add-api-client.sh <client-id>
#
# 1. generates a random key (256 bits, openssl rand) and its SHA-256 (sha256sum, lower-case hex);
# 2. stores only the hash in Key Vault, secret apikey-<client-id with '_' as '-'>;
# 3. points the app setting ApiKeys__Clients__<client-id> at it (a Key Vault reference) and adds the
#    client to API_CLIENT_IDS in the azd environment, so that the next `azd provision` keeps it;
# 4. prints the key once. It is stored nowhere: hand it to the client now.
#
# Client ids: lower-case letters and digits, single '_' between them, 1-63 characters (they become app-setting
# names, where '__' separates sections, '-' is not allowed on Linux and case is ignored). Needs az (signed in) and azd, run from the repo.
# With ADD_API_CLIENT_DRY_RUN=1 it changes nothing and prints what it would do (used by the tests);
# AZURE_VAULT_NAME, AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME and API_CLIENT_IDS are then read from the environment.
set -eu

fail() {
  echo "add-api-client: $*" >&2
  exit 1
}

[ $# -eq 1 ] || fail "usage: $0 <client-id>"
client_id="$1"

# The rule of src/Uploads.Core/Security/ClientIdRule.cs (a test holds this pattern to it).
if ! printf '%s\n' "$client_id" | grep -Eq '^[a-z0-9]+(_[a-z0-9]+)*$' || [ "${#client_id}" -gt 63 ]; then
  fail "invalid client id '$client_id': lower-case letters and digits with single underscores between them (e.g. acme or acme_corp), 1-63 characters"
fi

dry_run="${ADD_API_CLIENT_DRY_RUN:-0}"

for tool in openssl sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done

env_value() {
  eval "value=\${$1:-}"
  # shellcheck disable=SC2154 # assigned by the eval above
  if [ -z "$value" ] && [ "$dry_run" != "1" ]; then
    value=$(azd env get-value "$1" 2>/dev/null || true)
  fi
  printf '%s' "$value"
}

if [ "$dry_run" != "1" ]; then
  command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required"
  command -v azd >/dev/null 2>&1 || fail "the Azure Developer CLI (azd) is required"
fi

vault=$(env_value AZURE_VAULT_NAME)
group=$(env_value AZURE_RESOURCE_GROUP)
app=$(env_value AZURE_FUNCTION_APP_NAME)
if [ -z "$vault" ] || [ -z "$group" ] || [ -z "$app" ]; then
  fail "AZURE_VAULT_NAME, AZURE_RESOURCE_GROUP and AZURE_FUNCTION_APP_NAME must be set (run azd up first)"
fi
ids=$(env_value API_CLIENT_IDS)

case ",$ids," in
  *",$client_id,"*) fail "client '$client_id' already exists; remove it first to rotate its key" ;;
esac

# The form of every key (ApiKeyMinter): upk_ and 32 random bytes in base64url without padding (43 characters).
key="upk_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
hash=$(printf '%s' "$key" | sha256sum | cut -d ' ' -f 1)
secret_name="apikey-$(printf '%s' "$client_id" | tr '_' '-')"
setting="ApiKeys__Clients__${client_id}=@Microsoft.KeyVault(VaultName=${vault};SecretName=${secret_name})"
if [ -z "$ids" ]; then ids="$client_id"; else ids="$ids,$client_id"; fi

run() {
  if [ "$dry_run" = "1" ]; then
    echo "would run: $*"
  else
    "$@"
  fi
}

run az keyvault secret set --vault-name "$vault" --name "$secret_name" --value "$hash" --content-type 'text/plain; sha256-hex' --output none
run azd env set API_CLIENT_IDS "$ids"
run az functionapp config appsettings set --resource-group "$group" --name "$app" --settings "$setting" --output none

echo "Client '$client_id' added. Its API key (shown once, stored nowhere; send it as X-API-Key):"
echo "$key"
