#!/usr/bin/env bash
# Runs the API locally the way Azure runs it, without Azure Functions Core Tools: builds the Functions app (one
# `dotnet build` of scripts/run-local.slnf: app, host emulator, browser sample, admin tool), starts
# Azurite (blob, queue and table on 10000-10002, data in .azurite/) and runs the BUILT worker under the repository's
# host emulator (src/Uploads.HostEmulator), which plays the Functions host: gRPC to the worker, HTTP on
# http://127.0.0.1:7071 (the OpenAPI document at /api/openapi.json), the Blob trigger's Event Grid webhook. Settings come from local.settings.json, as with
# `func start` (created from local.settings.sample.json on first run); as with `func start`, an environment
# variable of the same name wins over the file.
#
#   scripts/run-local.sh              # Ctrl+C (or SIGINT/SIGTERM) stops the emulator, the worker and Azurite
#   scripts/run-local.sh --no-build   # run what was built last
#
# The browser upload sample (samples/Uploads.BrowserSample: the page and its backend, which holds the local key) is
# served on http://127.0.0.1:7072; it sets the template's storage CORS rule (infra/app/storage-cors.json) on Azurite
# for that origin. SAMPLE_PORT=0 leaves it out.
#
# Ports (defaults shown): API_PORT=7071, SAMPLE_PORT=7072, AZURITE_BLOB_PORT=10000, AZURITE_QUEUE_PORT=10001,
# AZURITE_TABLE_PORT=10002.
# With other Azurite ports the script points the app's storage settings (UploadStorage, AzureWebJobsStorage) at
# them; AZURITE_LOCATION (default .azurite) is where Azurite keeps its data. A port that is taken stops the script.
#
# With Core Tools installed: start Azurite as below, then `func start` in src/Uploads.Functions (it reads the root
# local.settings.json through the link there).
set -euo pipefail

# Started in the background by a non-interactive shell (`scripts/run-local.sh &`), bash ignores SIGINT for the
# script and everything it starts, and an ignored signal cannot be trapped: start again with SIGINT restored.
if [ -z "${UPLOADS_RUN_LOCAL_SIGINT:-}" ] && [ -r "/proc/$$/status" ] \
  && (( 0x$(awk '/^SigIgn:/ { print $2 }' "/proc/$$/status") & 2 )); then
  UPLOADS_RUN_LOCAL_SIGINT=restored exec env --default-signal=INT bash "$0" "$@"
fi

cd "$(dirname "$0")/.."

build=1
case "${1:-}" in
  --no-build) build=0 ;;
  "") ;;
  *) echo "Usage: scripts/run-local.sh [--no-build]" >&2; exit 2 ;;
esac

api_port="${API_PORT:-7071}"
sample_port="${SAMPLE_PORT:-7072}"
blob_port="${AZURITE_BLOB_PORT:-10000}"
queue_port="${AZURITE_QUEUE_PORT:-10001}"
table_port="${AZURITE_TABLE_PORT:-10002}"
location="${AZURITE_LOCATION:-.azurite}"
configuration="${CONFIGURATION:-Release}"
app="src/Uploads.Functions/bin/$configuration/net10.0"
emulator_dll="src/Uploads.HostEmulator/bin/$configuration/net10.0/Uploads.HostEmulator.dll"
sample_dll="samples/Uploads.BrowserSample/bin/$configuration/net10.0/Uploads.BrowserSample.dll"
admin_dll="src/Uploads.Admin/bin/$configuration/net10.0/Uploads.Admin.dll"

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ "$sample_port" = "$api_port" ]; then
  echo "SAMPLE_PORT and API_PORT are both $api_port: give the browser sample another port (or SAMPLE_PORT=0)." >&2
  exit 1
fi
ports=("$blob_port" "$queue_port" "$table_port" "$api_port")
[ "$sample_port" = 0 ] || ports+=("$sample_port")
for port in "${ports[@]}"; do
  if port_taken "$port"; then
    if [ "$port" = "$api_port" ]; then hint="set API_PORT"
    elif [ "$port" = "$sample_port" ]; then hint="set SAMPLE_PORT (0: no browser sample)"
    else hint="set AZURITE_BLOB_PORT/AZURITE_QUEUE_PORT/AZURITE_TABLE_PORT"; fi
    echo "Port $port on 127.0.0.1 is already in use (another Azurite or API?). Stop that process first, or $hint." >&2
    exit 1
  fi
done

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

# Azurite comes from tests/tools (the version its lock file pins), installed once: later runs find it there. On a
# first run npm installs it while dotnet builds (npm waits on the network, the build on the CPU).
npm_install=""
if [ ! -x tests/tools/node_modules/.bin/azurite ]; then
  echo "Installing Azurite (npm ci --prefix tests/tools, once)..."
  npm_log="$(mktemp)"
  npm ci --prefix tests/tools --no-audit --no-fund >"$npm_log" 2>&1 &
  npm_install=$!
  # A failed build or Ctrl+C during it does not leave npm running (a background job of a script ignores SIGINT).
  # shellcheck disable=SC2317 # invoked by the trap
  trap '[ -z "$npm_install" ] || kill "$npm_install" 2>/dev/null || true' EXIT
fi

# A restart skips even MSBuild's own up-to-date check (seconds on two cores) when no file outside the folders that
# cannot change the build (tests, benchmarks, infra, build output, Azurite's data) is newer than the last build
# this script finished; any edit, checkout or pull makes a file newer, and the build runs.
stamp="src/Uploads.Functions/obj/run-local-$configuration.built"
if [ "$build" = 1 ] && [ -f "$stamp" ] && [ -f "$app/Uploads.Functions.dll" ] && [ -f "$emulator_dll" ] \
  && [ -f "$sample_dll" ] && [ -f "$admin_dll" ] \
  && [ -z "$(find . \( -name .git -o -name bin -o -name obj -o -name node_modules -o -name TestResults \
    -o -path ./.azurite -o -path "./${location#./}" -o -path ./tests -o -path ./benchmarks -o -path ./infra \) -prune \
    -o -type f -newer "$stamp" -print -quit)" ]; then
  echo "Build up to date: nothing changed since the last build of scripts/run-local.sh."
  build=0
fi

if [ "$build" = 1 ]; then
  # One build, one restore, for everything this script runs: the app, the host emulator, the browser sample and the
  # admin tool (scripts/mint-key.sh runs its build output).
  echo "Building the app, the host emulator, the browser sample and the admin tool ($configuration)..."
  mkdir -p "$(dirname "$stamp")"
  touch "$stamp.new"
  dotnet build scripts/run-local.slnf -c "$configuration" -nologo -v quiet
  mv "$stamp.new" "$stamp"
fi

if [ -n "$npm_install" ]; then
  if ! wait "$npm_install"; then
    cat "$npm_log" >&2
    echo "npm ci --prefix tests/tools failed (output above)." >&2
    exit 1
  fi
  npm_install=""
  rm -f "$npm_log"
fi

# Azurite's well-known development account on these ports (what UseDevelopmentStorage=true means on the defaults).
devstore="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1"
if [ "$blob_port:$queue_port:$table_port" != "10000:10001:10002" ]; then
  export UploadStorage="$devstore" AzureWebJobsStorage="$devstore"
fi

azurite="" emulator="" sample="" stopping=0
# shellcheck disable=SC2317 # invoked by the traps below
stop() {
  stopping=1
  [ -z "$emulator" ] || kill -TERM "$emulator" 2>/dev/null || true
}
# shellcheck disable=SC2317 # invoked by the traps below
cleanup() {
  [ -z "$emulator" ] || { kill -TERM "$emulator" 2>/dev/null && wait "$emulator" 2>/dev/null; } || true
  [ -z "$sample" ] || { kill -TERM "$sample" 2>/dev/null && wait "$sample" 2>/dev/null; } || true
  [ -z "$azurite" ] || kill "$azurite" 2>/dev/null || true
}
trap stop INT TERM
trap cleanup EXIT

# --skipApiVersionCheck: Azure.Storage.Blobs 12.30 signs a service version newer than Azurite 3.37 knows.
tests/tools/node_modules/.bin/azurite --disableTelemetry --skipApiVersionCheck --silent --location "$location" \
  --blobPort "$blob_port" --queuePort "$queue_port" --tablePort "$table_port" &
azurite=$!
for _ in $(seq 1 50); do
  port_taken "$blob_port" && break
  if ! kill -0 "$azurite" 2>/dev/null; then
    echo "Azurite did not start (see its output above)." >&2
    exit 1
  fi
  sleep 0.2
done

if [ "$sample_port" != 0 ]; then
  # The sample's backend holds the local key (never the page) and sets the storage CORS rule for its origin.
  echo "Browser upload sample on http://127.0.0.1:$sample_port"
  ASPNETCORE_URLS="http://127.0.0.1:$sample_port" UPLOADS_API_BASE="http://127.0.0.1:$api_port" \
    UPLOADS_API_KEY="upk_local-development-key-not-a-secret" LocalStorageCors__ConnectionString="$devstore" \
    LocalStorageCors__Origins="http://127.0.0.1:$sample_port" dotnet "$sample_dll" &
  sample=$!
fi

echo "API on http://127.0.0.1:$api_port (local key: upk_local-development-key-not-a-secret)"
echo "OpenAPI document: http://127.0.0.1:$api_port/api/openapi.json"
dotnet "$emulator_dll" --script-root "$app" --settings local.settings.json --port "$api_port" &
emulator=$!
status=0
wait "$emulator" || status=$?
if [ "$stopping" = 1 ]; then
  # A signal interrupted the wait: the emulator is stopping the worker; its own exit code says how that went.
  status=0
  wait "$emulator" || status=$?
fi
emulator=""
# 0: stopped on request; anything else: the worker did not start or died (its output is above).
exit "$status"
