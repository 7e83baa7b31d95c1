#!/usr/bin/env bash
# Runs every test AuthServer has, installing what the tests need when it is missing.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL server binaries: the PostgreSQL tests start their own throwaway cluster with them.
if ! command -v initdb >/dev/null 2>&1; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$pg_bin" ]; then
    echo "Installing PostgreSQL (the tests start a throwaway cluster on loopback)..."
    apt_install postgresql
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  export PATH="$pg_bin:$PATH"
fi
# initdb refuses to run as root; the tests then use runuser, which needs the postgres account.
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
fi

# Debian's Chromium: the browser tests drive it with Playwright (no browser is ever downloaded).
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium (the browser tests drive it headless)..."
  apt_install chromium
fi

# Debian's nginx: the gateway tests run the recipe in deploy/nginx/ in it, each in its own nginx (own prefix, config
# and loopback port). The package's own service (port 80, default site) is never used: it is kept from starting,
# through policy-rc.d (Debian's switch for that; exit 101 = "action forbidden"), so a taken port 80 cannot fail the
# install. Containers usually have such a policy already.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "Installing nginx (the gateway tests run deploy/nginx/authserver-gateway.conf in it)..."
  if [ -e /usr/sbin/policy-rc.d ]; then
    apt_install nginx
  else
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    nginx_status=0
    apt_install nginx || nginx_status=$?
    as_root rm -f /usr/sbin/policy-rc.d
    [ "$nginx_status" -eq 0 ] || exit "$nginx_status"
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test AuthServer.sln -c Release "$@" 2>&1 | tee "$log" || status=$?

# One closing line that any CI can read.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
