#!/usr/bin/env bash
# Measures what a newcomer waits for (docs/measurements.md, "First run"): from a fresh `git clone` with cold NuGet
# and npm caches, the seconds from starting `scripts/run-local.sh` to the first 200 of an API route
# (POST /api/integrations/uploads/url with the documented local key), then, after Ctrl+C, the same for a restart
# (`scripts/run-local.sh` again: an up-to-date build) and for `scripts/run-local.sh --no-build`, and the time of
# `scripts/mint-key.sh` after the first run.
#
#   benchmarks/first-run.sh [REPOSITORY [BRANCH]]   # defaults: this repository, its current branch
#
# Runs on free ports (API_PORT etc.), so it does not disturb a local run on the defaults. Prints the load average
# with each figure: the machine's other work slows the build.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repository="${1:-$here}"
branch="${2:-$(git -C "$here" rev-parse --abbrev-ref HEAD)}"
work="$(mktemp -d /tmp/uploads-first-run-XXXXXX)"
export NUGET_PACKAGES="$work/nuget-packages" NUGET_HTTP_CACHE_PATH="$work/nuget-http" npm_config_cache="$work/npm-cache"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port) SAMPLE_PORT=$(free_port) AZURITE_BLOB_PORT=$(free_port) AZURITE_QUEUE_PORT=$(free_port) \
  AZURITE_TABLE_PORT=$(free_port)
export API_PORT SAMPLE_PORT AZURITE_BLOB_PORT AZURITE_QUEUE_PORT AZURITE_TABLE_PORT
load() { cut -d' ' -f1-3 /proc/loadavg; }

git clone -q --branch "$branch" "$repository" "$work/clone"
cd "$work/clone"
# A clone made from a worktree shares nothing with it; node_modules and bin/obj do not exist yet.

run=""
# shellcheck disable=SC2317 # invoked by the trap
finish() { [ -z "$run" ] || kill -INT "$run" 2>/dev/null || true; }
trap finish EXIT

# Starts run-local.sh with the given arguments; sets `seconds` to the time until the first 200 and `at_load` to the
# load average then.
seconds="" at_load=""
measure() {
  local started code
  started=$(date +%s.%N)
  scripts/run-local.sh "$@" >"$work/run-local.log" 2>&1 &
  run=$!
  while :; do
    if ! kill -0 "$run" 2>/dev/null; then
      echo "run-local.sh stopped before answering:" >&2
      cat "$work/run-local.log" >&2
      exit 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$API_PORT/api/integrations/uploads/url" \
      -H 'X-API-Key: upk_local-development-key-not-a-secret' -H 'Content-Type: application/json' \
      -d '{"filename":"notes.txt","contentType":"text/plain"}' || true)
    [ "$code" = 200 ] && break
    sleep 0.2
  done
  seconds=$(printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)")
  at_load=$(load)
}

stop() {
  kill -INT "$run"
  wait "$run" || true
  run=""
}

measure; stop
echo "first run (fresh clone, cold NuGet and npm caches): $seconds s to the first 200 (load average $at_load)"
measure; stop
echo "restart (scripts/run-local.sh, build up to date): $seconds s (load average $at_load)"
measure --no-build; stop
echo "restart (scripts/run-local.sh --no-build): $seconds s (load average $at_load)"
if [ -x scripts/mint-key.sh ]; then
  started=$(date +%s.%N)
  scripts/mint-key.sh newcomer >/dev/null
  printf 'scripts/mint-key.sh newcomer: %.1f s (load average %s)\n' "$(echo "$(date +%s.%N) - $started" | bc)" "$(load)"
fi
rm -rf "$work"
