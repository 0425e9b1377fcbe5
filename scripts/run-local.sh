#!/usr/bin/env bash
# Runs the API locally against Azurite, without Azure Functions Core Tools: starts Azurite (blob, queue and table,
# on the default ports 10000-10002, data in .azurite/) and serves the app's HTTP functions with the in-process dev
# host on http://127.0.0.1:7071, from the same local.settings.json that `func start` reads.
#
#   scripts/run-local.sh            # Ctrl+C stops both
#
# With Core Tools installed, run Azurite the same way and `func start --script-root src/Uploads.Functions` instead.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json
[ -x tests/tools/node_modules/.bin/azurite ] || npm ci --prefix tests/tools --no-audit --no-fund

# --skipApiVersionCheck: Azure.Storage.Blobs 12.30 signs a service version newer than Azurite 3.37 knows.
tests/tools/node_modules/.bin/azurite --disableTelemetry --skipApiVersionCheck --silent --location .azurite &
azurite=$!
trap 'kill "$azurite" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null && break
  sleep 0.2
done

echo "API on http://127.0.0.1:7071 (local key: upk_local-development-key-not-a-secret)"
dotnet run --project src/Uploads.DevHost -- --urls http://127.0.0.1:7071
