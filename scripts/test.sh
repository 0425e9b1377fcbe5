#!/usr/bin/env bash
# Runs every test of the repository: unit tests, integration tests against real Azurite (started by the tests
# themselves on free loopback ports), end-to-end tests over HTTP including the guide's Python examples, and the
# offline infrastructure checks. Builds first with warnings as errors.
#
# Needs: the .NET 10 SDK, Node.js 20+ with npm, and Debian's python3-requests, python3-aiohttp, python3-azure
# and shellcheck (.ci/run installs them on a fresh machine); PowerShell 7 is installed below if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"
results="${TEST_RESULTS:-TestResults}"

# Every tool tests/tools/package.json pins: Azurite, and the OpenAPI lints (redocly, spectral) of the OpenApi tests.
if [ ! -x tests/tools/node_modules/.bin/azurite-blob ] || [ ! -x tests/tools/node_modules/.bin/redocly ] || [ ! -x tests/tools/node_modules/.bin/spectral ]; then
  npm ci --prefix tests/tools --no-audit --no-fund
fi

# PowerShell 7 (the NuGet dotnet tool) runs the Windows postdeploy hook in the infrastructure tests.
if ! command -v pwsh >/dev/null 2>&1 && [ ! -x .tools/pwsh ]; then
  dotnet tool install --tool-path .tools PowerShell --version 7.6.9
fi

# Restore from the committed lock files (packages.lock.json beside each project). In CI (CI=true) in locked mode:
# a lock file that no longer matches its project, or a package whose content hash differs, fails here (NU1004,
# NU1403). Every package is audited (NuGetAuditMode all, Directory.Build.props). After changing a package, update the
# lock files with `dotnet restore Functions.sln --force-evaluate` (README.md, "Supply chain").
locked=()
if [ "${CI:-}" = true ]; then
  locked=(--locked-mode)
fi
dotnet restore Functions.sln "${locked[@]}" -nologo -v quiet

# Warnings are errors (also set in Directory.Build.props), all of them: the one exemption (NU1603 of the Functions
# SDK's generated WorkerExtensions project) is scoped to that project in src/Uploads.Functions/Uploads.Functions.csproj.
dotnet build Functions.sln -c "$configuration" --no-restore -warnaserror -nologo -v quiet

rm -rf "$results"
status=0
dotnet test Functions.sln -c "$configuration" --no-build --nologo \
  --logger "trx;LogFilePrefix=results" --results-directory "$results" "$@" || status=$?

# One closing line for the whole run, summed over the test projects' TRX reports.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  status=1
fi
exit "$status"
