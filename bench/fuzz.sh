#!/usr/bin/env bash
# The longer fuzz run (docs/fuzzing.md): the test suite's fuzzer, with a random or given seed and a bigger bound,
# against an in-process server on loopback (SQLite, PostgreSQL, or both).
#
#   bench/fuzz.sh                                  random seed, 20000 requests or 10 minutes, SQLite
#   FUZZ_SEED=42 FUZZ_REQUESTS=50000 bench/fuzz.sh
#   FUZZ_PROVIDER=Postgres bench/fuzz.sh           or FUZZ_PROVIDER=both
#
# Exit 0 when every answer passed the oracle; the report (seed, counts, each failing request) is printed and kept in
# ${TMPDIR:-/tmp}/authserver-fuzz-<Provider>FuzzTests-<seed>.txt. A failure reruns exactly with the same FUZZ_SEED.
set -euo pipefail
cd "$(dirname "$0")/.."

seed="${FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
requests="${FUZZ_REQUESTS:-20000}"
seconds="${FUZZ_SECONDS:-600}"
provider="${FUZZ_PROVIDER:-Sqlite}"
case "$provider" in
  Sqlite|Postgres) filter="FullyQualifiedName~AuthServer.Tests.Fuzzing.${provider}FuzzTests.SeededRun" ;;
  both) filter="FullyQualifiedName~AuthServer.Tests.Fuzzing&Name~SeededRun" ;;
  *) echo "FUZZ_PROVIDER must be Sqlite, Postgres or both" >&2; exit 2 ;;
esac

echo "fuzz: seed=$seed requests=$requests seconds=$seconds provider=$provider"
dotnet build tests/AuthServer.Tests -c Release -nologo -v quiet
status=0
FUZZ_SEED="$seed" FUZZ_REQUESTS="$requests" FUZZ_SECONDS="$seconds" \
  dotnet test tests/AuthServer.Tests -c Release --no-build --nologo --filter "$filter" || status=$?
for report in "${TMPDIR:-/tmp}"/authserver-fuzz-*FuzzTests-"$seed".txt; do
  [ -f "$report" ] || continue
  echo "== $report"
  head -c 20000 "$report"
  echo
done
exit "$status"
