#!/usr/bin/env bash
# Loads AuthServer (Release, SQLite, every token durably committed) and node-oidc-provider 9.x
# (in-memory adapter) with the same six workloads, one after the other, with wrk on loopback,
# and prints req/s, p50 and p99 for each, the ratio, and whether the target is met.
#
#   bench/run.sh                       # about 5 minutes; writes bench/results/latest.md
#   BENCH_DURATION=30s bench/run.sh    # longer measured runs
#
# Bounded: every wrk run has a fixed duration, every wait has a fixed number of attempts, and both
# servers are stopped on exit. Only 127.0.0.1 is used.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${BENCH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-5s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
RESULTS=$ROOT/bench/results
WORK=$RESULTS/tmp/run-$$
mkdir -p "$WORK"

say() { printf '%s\n' "$*" >&2; }
fail() { say "bench: $*"; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- what the benchmark needs ------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  say "Installing wrk (Debian package)..."
  as_root apt-get install -y wrk >/dev/null 2>&1 || { as_root apt-get update >/dev/null && as_root apt-get install -y wrk >/dev/null; }
fi
command -v node >/dev/null || fail "node (20.19 or later) is needed to run node-oidc-provider"
command -v dotnet >/dev/null || fail "the .NET SDK is needed to build AuthServer"

say "Installing node-oidc-provider from bench/oidc-provider/package-lock.json..."
(cd bench/oidc-provider && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

say "Building AuthServer (Release)..."
dotnet build src/AuthServer/AuthServer.csproj -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; fail "build failed"; }
DLL=$ROOT/src/AuthServer/bin/Release/net10.0/AuthServer.dll

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_ready() { # url, log file
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  cat "$2" >&2
  fail "no answer from $1 within 60 s"
}

# --- the two servers ---------------------------------------------------------------------------
AS_PORT=$(free_port)
AS=http://127.0.0.1:$AS_PORT
export Urls=$AS AuthServer__Issuer=$AS \
  AuthServer__Database__Provider=Sqlite \
  "AuthServer__Database__ConnectionString=Data Source=$WORK/authserver.db" \
  AuthServer__KeysDirectory=$WORK/keys \
  AuthServer__Http__RequireHttps=false
# The load comes from one address with one client per workload, far above the production limits: raise them out of
# reach, so the limiter still runs (and is measured) but never refuses (bench/README.md, docs/rate-limits.md).
for policy in Token Introspection PerSource Health; do export "AuthServer__RateLimits__${policy}__PermitLimit=100000000" "AuthServer__RateLimits__${policy}__Window=00:00:01"; done
say "Importing bench/authserver.json into a new SQLite database..."
dotnet "$DLL" import bench/authserver.json >"$WORK/import.log" 2>&1 || { cat "$WORK/import.log" >&2; fail "import failed"; }
say "Starting AuthServer on $AS..."
dotnet "$DLL" >"$WORK/authserver.log" 2>&1 &
PIDS+=($!)
wait_ready "$AS/.well-known/openid-configuration" "$WORK/authserver.log"

OP_PORT=$(free_port)
OP=http://127.0.0.1:$OP_PORT
say "Starting node-oidc-provider on $OP..."
(cd bench/oidc-provider && PORT=$OP_PORT ISSUER=$OP NODE_ENV=production exec node server.mjs) >"$WORK/oidc-provider.log" 2>&1 &
PIDS+=($!)
wait_ready "$OP/.well-known/openid-configuration" "$WORK/oidc-provider.log"

# --- the workloads -----------------------------------------------------------------------------
basic() { printf '%s:%s' "$1" "$2" | base64 -w0; }
secret_of() { # client id -> its secret in bench/authserver.json
  node -e "const d=require('./bench/authserver.json');process.stdout.write(d.clients.find(c=>c.clientId===process.argv[1]).secret.value)" "$1"
}
OPAQUE_AUTH=$(basic bench-opaque "$(secret_of bench-opaque)")
JWT_AUTH=$(basic bench-jwt "$(secret_of bench-jwt)")
GATEWAY_AUTH=$(basic bench-gateway "$(secret_of bench-gateway)")
ORDERS='resource=https%3A%2F%2Fapi.bench.test%2Forders'
INVENTORY='resource=https%3A%2F%2Fapi.bench.test%2Finventory'
OPAQUE_BODY="grant_type=client_credentials&scope=orders.read&$ORDERS"
ES256_BODY="grant_type=client_credentials&scope=orders.read&$ORDERS"
RS256_BODY="grant_type=client_credentials&scope=inventory.read&$INVENTORY"

token_path() { if [ "$1" = "$AS" ]; then echo /connect/token; else echo /token; fi; }
introspect_path() { if [ "$1" = "$AS" ]; then echo /connect/introspect; else echo /token/introspection; fi; }
jwks_path() { if [ "$1" = "$AS" ]; then echo /.well-known/jwks.json; else echo /jwks; fi; }

get_token() { # base url, basic auth, body -> access token
  curl -fsS -H "Authorization: Basic $2" --data "$3" "$1$(token_path "$1")" \
    | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>process.stdout.write(JSON.parse(s).access_token))"
}

jwt_alg() { # jwt -> alg of its header
  node -e "process.stdout.write(JSON.parse(Buffer.from(process.argv[1].split('.')[0],'base64url')).alg)" "$1"
}

check_shapes() { # base url: one request of each kind, so a misconfigured server fails before it is measured
  local base=$1 opaque jwt
  opaque=$(get_token "$base" "$OPAQUE_AUTH" "$OPAQUE_BODY")
  case $opaque in eyJ*|"") fail "$base: the opaque client did not get an opaque token";; esac
  jwt=$(get_token "$base" "$JWT_AUTH" "$ES256_BODY")
  [ "$(jwt_alg "$jwt")" = ES256 ] || fail "$base: the orders API token is not ES256"
  jwt=$(get_token "$base" "$JWT_AUTH" "$RS256_BODY")
  [ "$(jwt_alg "$jwt")" = RS256 ] || fail "$base: the inventory API token is not RS256"
}

# run_wrk name base path method auth body expect [accept] -> "rps p50 p99 bad good"
run_wrk() {
  local name=$1 base=$2 path=$3 out
  BENCH_METHOD=$4 BENCH_AUTH=$5 BENCH_BODY=$6 BENCH_EXPECT=$7 BENCH_ACCEPT=${8:-} \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s bench/wrk/request.lua "$base$path" >/dev/null
  out=$(BENCH_METHOD=$4 BENCH_AUTH=$5 BENCH_BODY=$6 BENCH_EXPECT=$7 BENCH_ACCEPT=${8:-} \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s bench/wrk/request.lua "$base$path")
  local line
  line=$(grep '^RESULT ' <<<"$out") || { say "$out"; fail "$name: wrk printed no result"; }
  local rps p50 p99 bad sock good
  rps=$(sed 's/.* rps=\([^ ]*\).*/\1/' <<<"$line")
  p50=$(sed 's/.* p50_ms=\([^ ]*\).*/\1/' <<<"$line")
  p99=$(sed 's/.* p99_ms=\([^ ]*\).*/\1/' <<<"$line")
  good=$(sed 's/.* good=\([^ ]*\).*/\1/' <<<"$line")
  bad=$(sed 's/.* bad=\([^ ]*\).*/\1/' <<<"$line")
  sock=$(sed 's/.* socket_errors=\([^ ]*\).*/\1/' <<<"$line")
  say "  $name: $rps req/s, p50 $p50 ms, p99 $p99 ms, $good good, $((bad + sock)) errors"
  echo "$rps $p50 $p99 $((bad + sock)) $good"
}

WORKLOADS=(opaque es256 rs256 introspection jwks discovery)
declare -A LABEL=(
  [opaque]="client_credentials → opaque"
  [es256]="client_credentials → JWT ES256"
  [rs256]="client_credentials → JWT RS256"
  [introspection]="introspection (opaque token)"
  [jwks]="JWKS"
  [discovery]="discovery"
  [phantom]="phantom token (introspection, Accept: application/jwt)"
  [jwtresponse]="RFC 9701 introspection (Accept: application/token-introspection+jwt)"
  [exchange]="token exchange (RFC 8693 delegation → JWT ES256)"
)
declare -A TARGET=([opaque]=2 [es256]=3 [rs256]=1.6 [introspection]=3 [jwks]=2.5 [discovery]=2.5)
declare -A RESULT

measure() { # server key, base url
  local key=$1 base=$2 token
  say "Measuring $key ($DURATION each after a $WARMUP warm-up, wrk -t$THREADS -c$CONNECTIONS)..."
  check_shapes "$base"
  RESULT[$key,opaque]=$(run_wrk opaque "$base" "$(token_path "$base")" POST "$OPAQUE_AUTH" "$OPAQUE_BODY" '"access_token":"')
  RESULT[$key,es256]=$(run_wrk es256 "$base" "$(token_path "$base")" POST "$JWT_AUTH" "$ES256_BODY" '"access_token":"eyJ')
  RESULT[$key,rs256]=$(run_wrk rs256 "$base" "$(token_path "$base")" POST "$JWT_AUTH" "$RS256_BODY" '"access_token":"eyJ')
  token=$(get_token "$base" "$OPAQUE_AUTH" "$OPAQUE_BODY")
  RESULT[$key,introspection]=$(run_wrk introspection "$base" "$(introspect_path "$base")" POST "$GATEWAY_AUTH" "token=$token" '"active":true')
  RESULT[$key,jwks]=$(run_wrk jwks "$base" "$(jwks_path "$base")" GET "" "" '"keys"')
  RESULT[$key,discovery]=$(run_wrk discovery "$base" /.well-known/openid-configuration GET "" "" '"issuer"')
}

measure authserver "$AS"

# AuthServer-only workloads (node-oidc-provider has no phantom token and no token exchange): the gateway's phantom
# JWT, the RFC 9701 signed introspection response, and RFC 8693 delegation. The phantom target is relative to
# AuthServer's own ES256 issuance: a phantom answer may cost at most 1.5 times as much.
EXCHANGE_AUTH=$(basic bench-exchange "$(secret_of bench-exchange)")
say "Measuring AuthServer's gateway and exchange workloads..."
subject=$(get_token "$AS" "$OPAQUE_AUTH" "$OPAQUE_BODY")
actor=$(get_token "$AS" "$EXCHANGE_AUTH" "grant_type=client_credentials")
TE='urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token'
EXCHANGE_BODY="grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=$subject&subject_token_type=$TE&actor_token=$actor&actor_token_type=$TE&audience=https%3A%2F%2Fapi.bench.test%2Forders"
RESULT[authserver,phantom]=$(run_wrk phantom "$AS" /connect/introspect POST "$GATEWAY_AUTH" "token=$subject" 'eyJ' application/jwt)
RESULT[authserver,jwtresponse]=$(run_wrk jwtresponse "$AS" /connect/introspect POST "$GATEWAY_AUTH" "token=$subject" 'eyJ' application/token-introspection+jwt)
RESULT[authserver,exchange]=$(run_wrk exchange "$AS" /connect/token POST "$EXCHANGE_AUTH" "$EXCHANGE_BODY" '"issued_token_type":"')
# Every token AuthServer answered with must be in the database: count the rows it committed.
ISSUED=0
for w in opaque es256 rs256 exchange; do ISSUED=$((ISSUED + $(awk '{print $5}' <<<"${RESULT[authserver,$w]}"))); done
measure oidc-provider "$OP"

# --- the report --------------------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
# The machine's own RSA-2048 signing rate (one core, OpenSSL): RS256 issuance is bound by it on both servers, so it
# says how fast this machine was while it was measured.
RSA_SIGN=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ { print $(NF-1) }' || true)
REPORT=$RESULTS/latest.md
ALL_MET=yes
ERRORS=0
{
  echo "# Benchmark: AuthServer vs node-oidc-provider"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores ($cpu) · server and wrk on the same machine, loopback"
  echo
  [ -z "$RSA_SIGN" ] || echo "This machine signs $RSA_SIGN RSA-2048 signatures a second on one core (\`openssl speed rsa2048\`, measured after the runs)."
  echo
  echo "AuthServer $(git rev-parse --short HEAD 2>/dev/null || echo '?') on .NET $(dotnet --version), Release, SQLite, every token committed durably before it is returned."
  echo "node-oidc-provider $(node -p "require('./bench/oidc-provider/node_modules/oidc-provider/package.json').version") on Node.js $(node --version), in-memory adapter."
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION after a $WARMUP warm-up; an error is any socket error, any status but 200, or a body without the expected content."
  echo
  echo "| workload | AuthServer req/s | p50 ms | p99 ms | oidc-provider req/s | p50 ms | p99 ms | ratio | target | errors | |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for w in "${WORKLOADS[@]}"; do
    read -r a_rps a_p50 a_p99 a_err _ <<<"${RESULT[authserver,$w]}"
    read -r o_rps o_p50 o_p99 o_err _ <<<"${RESULT[oidc-provider,$w]}"
    ratio=$(awk -v a="$a_rps" -v o="$o_rps" 'BEGIN { printf "%.2f", (o > 0 ? a / o : 0) }')
    met=$(awk -v r="$ratio" -v t="${TARGET[$w]}" 'BEGIN { print (r >= t ? "PASS" : "MISS") }')
    if [ "$a_err" -ne 0 ] || [ "$o_err" -ne 0 ]; then met=MISS; fi
    [ "$met" = PASS ] || ALL_MET=no
    ERRORS=$((ERRORS + a_err))
    echo "| ${LABEL[$w]} | $a_rps | $a_p50 | $a_p99 | $o_rps | $o_p50 | $o_p99 | ${ratio}× | ≥ ${TARGET[$w]}× | $a_err / $o_err | $met |"
  done
  echo
  echo "AuthServer only (node-oidc-provider has neither a phantom token nor token exchange):"
  echo
  echo "| workload | AuthServer req/s | p50 ms | p99 ms | errors | compared with ES256 issuance | target | |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  read -r es_rps _ <<<"${RESULT[authserver,es256]}"
  for w in phantom jwtresponse exchange; do
    read -r a_rps a_p50 a_p99 a_err _ <<<"${RESULT[authserver,$w]}"
    # Cost relative to issuing an ES256 JWT: its time per request over ES256's (higher req/s = lower cost).
    cost=$(awk -v a="$a_rps" -v e="$es_rps" 'BEGIN { printf "%.2f", (a > 0 ? e / a : 99) }')
    target=""; met=""
    if [ "$w" = phantom ]; then
      target="≤ 1.5× the cost"
      met=$(awk -v c="$cost" 'BEGIN { print (c <= 1.5 ? "PASS" : "MISS") }')
      if [ "$a_err" -ne 0 ]; then met=MISS; fi
      [ "$met" = PASS ] || ALL_MET=no
    fi
    ERRORS=$((ERRORS + a_err))
    echo "| ${LABEL[$w]} | $a_rps | $a_p50 | $a_p99 | $a_err | ${cost}× the cost | $target | $met |"
  done
} >"$REPORT"

stored=""
if command -v python3 >/dev/null; then
  stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from tokens').fetchone()[0])" "$WORK/authserver.db" 2>/dev/null || true)
fi
{
  echo
  if [ -n "$stored" ]; then
    echo "Durability check: wrk counted $ISSUED good token responses from AuthServer in the measured runs; the database holds $stored token rows (warm-ups and checks included)."
  fi
  echo
  echo "Command: \`bench/run.sh\` (BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_THREADS=$THREADS BENCH_CONNECTIONS=$CONNECTIONS)"
} >>"$REPORT"

echo
cat "$REPORT"
if [ -n "$stored" ] && [ "$stored" -lt "$ISSUED" ]; then
  fail "AuthServer returned $ISSUED tokens but only $stored are in the database"
fi
[ "$ALL_MET" = yes ] && echo "All targets met." || echo "Some targets missed (see MISS above)."
