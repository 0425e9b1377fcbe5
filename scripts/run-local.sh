#!/usr/bin/env bash
# Runs the API locally the way Azure runs it, without Azure Functions Core Tools: builds the Functions app, starts
# Azurite (blob, queue and table on 10000-10002, data in .azurite/) and runs the BUILT worker under the repository's
# host emulator (src/Uploads.HostEmulator), which plays the Functions host: gRPC to the worker, HTTP on
# http://127.0.0.1:7071, the Blob trigger's Event Grid webhook. Settings come from local.settings.json, as with
# `func start` (created from local.settings.sample.json on first run).
#
#   scripts/run-local.sh                 # Ctrl+C stops the emulator, the worker and Azurite
#   API_PORT=7072 scripts/run-local.sh   # another API port
#
# With Core Tools installed, run Azurite the same way and `func start` in src/Uploads.Functions instead.
set -euo pipefail
cd "$(dirname "$0")/.."

api_port="${API_PORT:-7071}"
configuration="${CONFIGURATION:-Release}"
app="src/Uploads.Functions/bin/$configuration/net10.0"
emulator="src/Uploads.HostEmulator/bin/$configuration/net10.0/Uploads.HostEmulator.dll"

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in 10000 10001 10002 "$api_port"; do
  if port_taken "$port"; then
    echo "Port $port on 127.0.0.1 is already in use (another Azurite or API?). Stop that process first$([ "$port" = "$api_port" ] && echo ", or set API_PORT")." >&2
    exit 1
  fi
done

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json
[ -x tests/tools/node_modules/.bin/azurite ] || npm ci --prefix tests/tools --no-audit --no-fund

echo "Building the app and the host emulator ($configuration)..."
dotnet build src/Uploads.Functions -c "$configuration" -nologo -v quiet
dotnet build src/Uploads.HostEmulator -c "$configuration" -nologo -v quiet

# --skipApiVersionCheck: Azure.Storage.Blobs 12.30 signs a service version newer than Azurite 3.37 knows.
tests/tools/node_modules/.bin/azurite --disableTelemetry --skipApiVersionCheck --silent --location .azurite &
azurite=$!
trap 'kill "$azurite" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  port_taken 10000 && break
  if ! kill -0 "$azurite" 2>/dev/null; then
    echo "Azurite did not start (see its output above)." >&2
    exit 1
  fi
  sleep 0.2
done

echo "API on http://127.0.0.1:$api_port (local key: upk_local-development-key-not-a-secret)"
status=0
dotnet "$emulator" --script-root "$app" --settings local.settings.json --port "$api_port" || status=$?
# 0: stopped with Ctrl+C; anything else: the worker did not start or died (its output is above).
exit "$status"
