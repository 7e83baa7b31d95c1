#!/usr/bin/env bash
# Soak: about ten minutes of mixed load on one AuthServer (Release), reporting throughput, errors and memory over
# time. The mix (bench/wrk/mixed.lua): opaque and JWT issuance, introspection, revocation, JWKS and discovery.
#
#   bench/soak.sh                                   # SQLite, 20 rounds of 30 s; writes bench/results/soak-sqlite.md
#   SOAK_PROVIDER=postgresql bench/soak.sh          # a throwaway PostgreSQL 15 cluster; bench/results/soak-postgresql.md
#   SOAK_ROUNDS=4 SOAK_ROUND=15s bench/soak.sh      # a short run
#
# Pass: no errors at all, and no memory growth beyond warm-up: the resident set of the last round is at most
# SOAK_MAX_GROWTH percent (15) above the largest of the warm-up rounds (the first SOAK_WARMUP_ROUNDS, 4). The report
# also gives the trend of the resident set after warm-up (least squares, MiB per round): a leak shows as a steady
# positive slope, a cache filling up as one that flattens. Bounded:
# every wrk run has a fixed duration, every wait a fixed number of attempts; the server (and the cluster) are
# stopped when the script exits, however it exits. Only 127.0.0.1 is used.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${SOAK_ROUNDS:-20}
ROUND=${SOAK_ROUND:-30s}
WARMUP_ROUNDS=${SOAK_WARMUP_ROUNDS:-4}
MAX_GROWTH=${SOAK_MAX_GROWTH:-15}
THREADS=${SOAK_THREADS:-2}
CONNECTIONS=${SOAK_CONNECTIONS:-32}
PROVIDER=${SOAK_PROVIDER:-sqlite}
RESULTS=$ROOT/bench/results
WORK=$(mktemp -d /tmp/authserver-soak.XXXXXX)
chmod 755 "$WORK"

say() { printf '%s\n' "$*" >&2; }
fail() { say "soak: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

command -v wrk >/dev/null || { say "Installing wrk (Debian package)..."; as_root apt-get install -y wrk >/dev/null 2>&1 \
  || { as_root apt-get update >/dev/null && as_root apt-get install -y wrk >/dev/null; }; }
command -v python3 >/dev/null || fail "python3 is needed to pick free ports and read JSON"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

SERVER_PID=
PG_DATA=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DATA" ]; then as_postgres pg_ctl -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say "Building AuthServer (Release)..."
dotnet build src/AuthServer/AuthServer.csproj -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; fail "build failed"; }
DLL=$ROOT/src/AuthServer/bin/Release/net10.0/AuthServer.dll

# --- the database ------------------------------------------------------------------------------
if [ "$PROVIDER" = postgresql ]; then
  command -v initdb >/dev/null || PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1):$PATH"
  PG_PORT=$(free_port)
  PG_DATA=$WORK/pg
  mkdir -p "$PG_DATA" && { [ "$(id -u)" -ne 0 ] || chown postgres "$PG_DATA"; }
  as_postgres initdb -D "$PG_DATA" -U postgres -A trust >/dev/null
  as_postgres pg_ctl -D "$PG_DATA" -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1" -w start >/dev/null
  as_postgres psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE authserver" >/dev/null
  export AuthServer__Database__Provider=PostgreSql
  export "AuthServer__Database__ConnectionString=Host=127.0.0.1;Port=$PG_PORT;Database=authserver;Username=postgres"
else
  PROVIDER=sqlite
  export AuthServer__Database__Provider=Sqlite
  export "AuthServer__Database__ConnectionString=Data Source=$WORK/authserver.db"
fi

# --- the server ----------------------------------------------------------------------------------
PORT=$(free_port)
AS=http://127.0.0.1:$PORT
# Plain HTTP on loopback; the load comes from three clients on one address, so the rate limits are lifted (they are
# measured by their own tests, not here); information logs off, as in production.
export Urls=$AS AuthServer__Issuer=$AS AuthServer__KeysDirectory=$WORK/keys \
  AuthServer__Http__RequireHttps=false AuthServer__RateLimits__Enabled=false \
  Logging__LogLevel__Default=Warning
say "Importing bench/authserver.json ($PROVIDER)..."
dotnet "$DLL" import bench/authserver.json >"$WORK/import.log" 2>&1 || { cat "$WORK/import.log" >&2; fail "import failed"; }
say "Starting AuthServer on $AS..."
dotnet "$DLL" >"$WORK/authserver.log" 2>&1 &
SERVER_PID=$!
for attempt in $(seq 1 120); do
  curl -fsS -o /dev/null "$AS/.well-known/openid-configuration" 2>/dev/null && break
  [ "$attempt" -lt 120 ] || { cat "$WORK/authserver.log" >&2; fail "no answer within 60 s"; }
  sleep 0.5
done

basic() { printf '%s:%s' "$1" "$2" | base64 -w0; }
secret_of() {
  python3 -c 'import json,sys; d=json.load(open("bench/authserver.json")); print(next(c["secret"]["value"] for c in d["clients"] if c["clientId"]==sys.argv[1]), end="")' "$1"
}
export SOAK_OPAQUE_AUTH SOAK_JWT_AUTH SOAK_GATEWAY_AUTH SOAK_SEED_TOKEN
SOAK_OPAQUE_AUTH=$(basic bench-opaque "$(secret_of bench-opaque)")
SOAK_JWT_AUTH=$(basic bench-jwt "$(secret_of bench-jwt)")
SOAK_GATEWAY_AUTH=$(basic bench-gateway "$(secret_of bench-gateway)")
SOAK_SEED_TOKEN=$(curl -fsS -H "Authorization: Basic $SOAK_OPAQUE_AUTH" \
  --data 'grant_type=client_credentials&scope=orders.read&resource=https%3A%2F%2Fapi.bench.test%2Forders' "$AS/connect/token" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"], end="")')

rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
# SQLite's write-ahead log: it must be checkpointed back to a small size now and then, or it grows with the load.
wal_mib() { if [ -f "$WORK/authserver.db-wal" ]; then du -m "$WORK/authserver.db-wal" | cut -f1; else echo "-"; fi; }
field() { sed "s/.* $1=\([^ ]*\).*/\1/" <<<"$2"; }

# --- the rounds --------------------------------------------------------------------------------------
say "Soaking: $ROUNDS rounds of $ROUND, wrk -t$THREADS -c$CONNECTIONS, mixed load ($PROVIDER)..."
ROWS=()
RSS_AFTER_WARMUP=()
TOTAL_REQUESTS=0
TOTAL_ERRORS=0
WARM_MAX=0
START_RSS=$(rss_mib)
for round in $(seq 1 "$ROUNDS"); do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/authserver.log" >&2; fail "the server exited in round $round"; }
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$ROUND" --timeout 10s -s bench/wrk/mixed.lua "$AS")
  line=$(grep '^RESULT ' <<<"$out") || { say "$out"; fail "wrk printed no result in round $round"; }
  rps=$(field rps "$line"); p99=$(field p99_ms "$line"); requests=$(field requests "$line")
  errors=$(( $(field bad "$line") + $(field socket_errors "$line") ))
  rss=$(rss_mib)
  TOTAL_REQUESTS=$((TOTAL_REQUESTS + requests))
  TOTAL_ERRORS=$((TOTAL_ERRORS + errors))
  if [ "$round" -le "$WARMUP_ROUNDS" ]; then
    WARM_MAX=$(awk -v a="$WARM_MAX" -v b="$rss" 'BEGIN { print (b > a ? b : a) }')
  else
    RSS_AFTER_WARMUP+=("$rss")
  fi
  wal=$(wal_mib)
  say "  round $round: $rps req/s, p99 $p99 ms, $errors errors, RSS $rss MiB, WAL $wal MiB"
  ROWS+=("| $round | $rps | $p99 | $errors | $rss | $wal |")
done
END_RSS=$(rss_mib)

GROWTH=$(awk -v w="$WARM_MAX" -v e="$END_RSS" 'BEGIN { printf "%.1f", (w > 0 ? (e - w) * 100 / w : 0) }')
# Least-squares slope of the resident set over the rounds after warm-up, with its range.
TREND=$(printf '%s\n' "${RSS_AFTER_WARMUP[@]}" | awk 'NF {
    n++; x += n; y += $1; xx += n * n; xy += n * $1
    if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1 }
  END { if (n < 2) { print "n/a (fewer than two rounds after warm-up)"; exit }
    printf "%.2f MiB per round over %d rounds (range %.1f–%.1f MiB)", (n * xy - x * y) / (n * xx - x * x), n, lo, hi }')
VERDICT=PASS
[ "$TOTAL_ERRORS" -eq 0 ] || VERDICT=FAIL
awk -v g="$GROWTH" -v m="$MAX_GROWTH" 'BEGIN { exit !(g <= m) }' || VERDICT=FAIL
SERVER_ERRORS=$(grep -c -E '"LogLevel":"(Error|Critical)"|^(fail|crit):' "$WORK/authserver.log" || true)
[ "$SERVER_ERRORS" -eq 0 ] || VERDICT=FAIL

REPORT=$RESULTS/soak-$PROVIDER.md
mkdir -p "$RESULTS"
{
  echo "# Soak: $ROUNDS × $ROUND of mixed load ($PROVIDER)"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores · AuthServer $(git rev-parse --short HEAD 2>/dev/null || echo '?'), Release, wrk -t$THREADS -c$CONNECTIONS on loopback"
  echo
  echo "Mix per ten requests: 3 opaque tokens, 2 ES256 JWTs, 1 RS256 JWT, 2 introspections, 1 revocation, 1 JWKS or discovery."
  echo
  echo "| round | req/s | p99 ms | errors | server RSS MiB | SQLite WAL MiB |"
  echo "|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Requests: $TOTAL_REQUESTS · errors: $TOTAL_ERRORS · error or critical lines in the server log: $SERVER_ERRORS"
  echo "RSS: $START_RSS MiB before load, at most $WARM_MAX MiB in the $WARMUP_ROUNDS warm-up rounds, $END_RSS MiB at the end ($GROWTH % over warm-up; limit $MAX_GROWTH %)"
  echo "RSS trend after warm-up: $TREND"
  echo
  echo "Verdict: **$VERDICT**"
} >"$REPORT"
cat "$REPORT"
[ "$VERDICT" = PASS ]
