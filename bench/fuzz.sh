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
  both) filter="FullyQualifiedName~AuthServer.Tests.Fuzzing&FullyQualifiedName~SeededRun" ;;
  *) echo "FUZZ_PROVIDER must be Sqlite, Postgres or both" >&2; exit 2 ;;
esac

echo "fuzz: seed=$seed requests=$requests seconds=$seconds provider=$provider"
dotnet build tests/AuthServer.Tests -c Release -nologo -v quiet
status=0
rm -f "${TMPDIR:-/tmp}"/authserver-fuzz-*FuzzTests-"$seed".txt
FUZZ_SEED="$seed" FUZZ_REQUESTS="$requests" FUZZ_SECONDS="$seconds" \
  dotnet test tests/AuthServer.Tests -c Release --no-build --nologo --filter "$filter" || status=$?
reports=0
for report in "${TMPDIR:-/tmp}"/authserver-fuzz-*FuzzTests-"$seed".txt; do
  [ -f "$report" ] || continue
  reports=$((reports + 1))
  echo "== $report"
  sed -n '1,/^answers by endpoint:/p' "$report" | head -c 20000
  echo
done
if [ "$reports" -eq 0 ]; then
  echo "fuzz: no run produced a report (did the filter match a test?)" >&2
  exit 1
fi
exit "$status"
