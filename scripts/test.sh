#!/usr/bin/env bash
# Runs every test of the repository: unit tests, integration tests against real Azurite (started by the tests
# themselves on free loopback ports), end-to-end tests over HTTP including the guide's Python examples, and the
# offline infrastructure checks. Builds first with warnings as errors.
#
# Assumes an installed machine and installs nothing: the .NET 10 SDK, Node.js 20+, the npm tools of tests/tools
# (`npm ci --prefix tests/tools`), PowerShell 7 (pwsh on PATH, or the PowerShell dotnet tool in .tools/), and
# Debian's python3-requests, python3-aiohttp, python3-azure, shellcheck, file, unicode-data and chromium.
# .ci/run installs all of it on a fresh machine, then runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"
results="${TEST_RESULTS:-TestResults}"

# What is missing is named here, before a long build, rather than by a failing test much later.
missing=()
# Every tool tests/tools/package.json pins: Azurite, and the OpenAPI lints (redocly, spectral) of the OpenApi tests.
for tool in azurite-blob redocly spectral; do
  [ -x "tests/tools/node_modules/.bin/$tool" ] || missing+=("tests/tools/node_modules/.bin/$tool (npm ci --prefix tests/tools)")
done
# PowerShell 7 runs the Windows postdeploy hook in the infrastructure tests.
command -v pwsh >/dev/null 2>&1 || [ -x .tools/pwsh ] \
  || missing+=("pwsh (PowerShell 7: on PATH, or the PowerShell dotnet tool .ci/run installs into .tools/)")
if [ "${#missing[@]}" -gt 0 ]; then
  printf 'Not installed: %s\n' "${missing[@]}" >&2
  echo "Install them, or run .ci/run: it installs everything the tests need, then runs this script." >&2
  exit 1
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
