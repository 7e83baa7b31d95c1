#!/usr/bin/env bash
# Prepares what docker-compose.yml needs and must never be committed: a private CA and the TLS certificate AuthServer
# serves, the master key, the database password, the client secrets, and the import file with those secrets.
#
#   deploy/compose/setup.sh                  # writes deploy/compose/generated/ and .env (for docker compose)
#   AUTHSERVER_HOST=auth.example.internal deploy/compose/setup.sh
#
# Running it again keeps what exists (so the database password and master key never change under a running
# stack); delete deploy/compose/generated/ and .env to start over. Needs openssl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${COMPOSE_GENERATED_DIR:-$here/generated}
env_file=${COMPOSE_ENV_FILE:-$root/.env}
host=${AUTHSERVER_HOST:-auth.localtest.me}

case "$host" in
  *[!A-Za-z0-9.-]* | "" ) echo "setup: AUTHSERVER_HOST '$host' must be a DNS name" >&2; exit 2 ;;
esac
command -v openssl >/dev/null || { echo "setup: openssl is needed" >&2; exit 1; }

umask 077
mkdir -p "$out/tls"

# 32 random bytes: base64 for the master key; hex (no characters that need escaping anywhere) for passwords.
random_base64() { openssl rand -base64 32; }
random_hex() { openssl rand -hex 32; }

if [ ! -s "$env_file" ]; then
  {
    echo "# Written by deploy/compose/setup.sh: secrets for docker-compose.yml. Keep it private; never commit it."
    echo "AUTHSERVER_HOST=$host"
    echo "AUTHSERVER_MASTER_KEY=$(random_base64)"
    echo "POSTGRES_PASSWORD=$(random_hex)"
    echo "GATEWAY_CLIENT_SECRET=$(random_hex)"
    echo "DEMO_CLIENT_SECRET=$(random_hex)"
  } >"$env_file"
  echo "setup: wrote $env_file"
fi

# shellcheck disable=SC1090
. "$env_file"
host=$AUTHSERVER_HOST

# A private CA, and a certificate for the name clients use (the issuer's host) and the service's own name.
if [ ! -s "$out/tls/ca.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=AuthServer compose CA" -keyout "$out/tls/ca.key" -out "$out/tls/ca.crt" 2>/dev/null
  rm -f "$out/tls/authserver.crt"
fi
if [ ! -s "$out/tls/authserver.crt" ]; then
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$host" \
    -keyout "$out/tls/authserver.key" -out "$out/tls/authserver.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,DNS:authserver,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$host" >"$out/tls/ext.cnf"
  openssl x509 -req -in "$out/tls/authserver.csr" -CA "$out/tls/ca.crt" -CAkey "$out/tls/ca.key" -CAcreateserial \
    -days 397 -extfile "$out/tls/ext.cnf" -out "$out/tls/authserver.crt" 2>/dev/null
  rm -f "$out/tls/authserver.csr" "$out/tls/ext.cnf" "$out/tls/ca.srl"
fi
# The containers run as unprivileged users: the certificate and its key must be readable by them (the folder is
# only mounted into the AuthServer container). The CA key stays private.
chmod 644 "$out/tls/ca.crt" "$out/tls/authserver.crt" "$out/tls/authserver.key"
chmod 755 "$out/tls"

# The import file: the template with the secrets filled in (values are hex, so no JSON escaping is needed).
sed -e "s/{{GATEWAY_CLIENT_SECRET}}/$GATEWAY_CLIENT_SECRET/" -e "s/{{DEMO_CLIENT_SECRET}}/$DEMO_CLIENT_SECRET/" \
  "$here/clients.template.json" >"$out/clients.json"
chmod 644 "$out/clients.json"
chmod 755 "$out"

echo "setup: ready in $out (issuer https://$host:8443)"
