#!/usr/bin/env bash
# Mints an API key for a client id and prints it once, with the app setting that configures its SHA-256 hash:
# the admin tool (src/Uploads.Admin) that scripts/run-local.sh has built, so no `dotnet run` and no build here
# unless it was never built (then it builds that project alone, once).
#
#   scripts/mint-key.sh <clientId>
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-Release}"
admin="src/Uploads.Admin/bin/$configuration/net10.0/Uploads.Admin.dll"
if [ ! -f "$admin" ]; then
  echo "Building the admin tool ($configuration, once)..." >&2
  dotnet build src/Uploads.Admin -c "$configuration" -nologo -v quiet >&2
fi
case "${1:-}" in
  -h|--help) exec dotnet "$admin" --help ;;
  *) exec dotnet "$admin" mint-key "$@" ;;
esac
