#!/usr/bin/env bash
# A/B of index costs on the token insert path: one AuthServer build, a fresh SQLite database, opaque and RS256
# client_credentials issuance with wrk (6 s warm-up, 12 s measured), optionally after dropping indexes first.
#
#   bench/index-ab.sh                                             # as migrated
#   DROP=IX_tokens_client_id_issued_at,IX_tokens_subject_issued_at bench/index-ab.sh
#
# Needs a Release build (dotnet build src/AuthServer -c Release), wrk and node. Bounded; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
W=$(mktemp -d /tmp/authserver-index-ab.XXXXXX)
PORT=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
AS=http://127.0.0.1:$PORT
export Urls=$AS AuthServer__Issuer=$AS AuthServer__Database__Provider=Sqlite "AuthServer__Database__ConnectionString=Data Source=$W/a.db" AuthServer__KeysDirectory=$W/keys AuthServer__Http__RequireHttps=false Logging__LogLevel__Default=Warning
# Limits out of reach (one source, one client, far above production limits); see bench/README.md.
for policy in Token Introspection PerSource; do export "AuthServer__RateLimits__${policy}__PermitLimit=100000000" "AuthServer__RateLimits__${policy}__Window=00:00:01"; done
DLL=src/AuthServer/bin/Release/net10.0/AuthServer.dll
dotnet $DLL import bench/authserver.json > $W/import.log 2>&1
if [ -n "${DROP:-}" ]; then python3 -c "
import sqlite3; c=sqlite3.connect('$W/a.db'); [c.execute('DROP INDEX '+n) for n in '$DROP'.split(',')]; c.commit()"; fi
dotnet $DLL > $W/server.log 2>&1 & PID=$!
trap "kill $PID; rm -rf $W" EXIT
for i in $(seq 60); do curl -fs $AS/.well-known/openid-configuration >/dev/null && break; sleep 0.5; done
basic() { printf '%s:%s' "$1" "$2" | base64 -w0; }
secret_of() { node -e "const d=require('./bench/authserver.json');process.stdout.write(d.clients.find(c=>c.clientId===process.argv[1]).secret.value)" "$1"; }
OA=$(basic bench-opaque "$(secret_of bench-opaque)"); JA=$(basic bench-jwt "$(secret_of bench-jwt)")
run() { BENCH_METHOD=POST BENCH_AUTH=$2 BENCH_BODY=$3 BENCH_EXPECT=access_token wrk -t2 -c64 -d$4 -s bench/wrk/request.lua $AS/connect/token | grep RESULT | awk -v n=$1 '{print n, $3}'; }
O="grant_type=client_credentials&scope=orders.read&resource=https%3A%2F%2Fapi.bench.test%2Forders"
R="grant_type=client_credentials&scope=inventory.read&resource=https%3A%2F%2Fapi.bench.test%2Finventory"
run warm "$OA" "$O" 6s >/dev/null; run opaque "$OA" "$O" 12s
run warm "$JA" "$R" 4s >/dev/null; run rs256 "$JA" "$R" 12s
