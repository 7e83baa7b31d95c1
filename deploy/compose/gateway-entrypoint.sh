#!/bin/sh
# Starts the nginx gateway of docker-compose.yml: renders deploy/nginx/authserver-gateway.conf (mounted at
# $GATEWAY_TEMPLATE) with the values from the environment into nginx's conf.d, prepares the private cache folder, and
# runs nginx in the foreground. POSIX sh: the official nginx image has no bash.
set -eu

template=${GATEWAY_TEMPLATE:-/etc/authserver/authserver-gateway.conf}
target=${GATEWAY_TARGET:-/etc/nginx/conf.d/authserver-gateway.conf}
cache_dir=${GATEWAY_CACHE_DIR:-/run/authserver-gateway}
worker=${GATEWAY_WORKER_USER:-nginx}

for name in GATEWAY_LISTEN AUTHSERVER_URL API_URL GATEWAY_CLIENT_ID GATEWAY_CLIENT_SECRET; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || { echo "gateway: $name is not set" >&2; exit 2; }
done

# Values that could end a directive or start a new one are refused rather than rendered.
for value in "$GATEWAY_LISTEN" "$AUTHSERVER_URL" "$API_URL" "$cache_dir"; do
  case "$value" in *[\;\{\}\ \"\'\\\$]*) echo "gateway: refusing value '$value'" >&2; exit 2 ;; esac
done

# RFC 6749 §2.3.1: client id and secret are form-urlencoded, then joined with ':' and base64-encoded. The ids and
# secrets setup.sh makes need no encoding; anything else is refused here rather than encoded wrongly.
case "$GATEWAY_CLIENT_ID$GATEWAY_CLIENT_SECRET" in
  *[!A-Za-z0-9._~-]*) echo "gateway: client id and secret must be unreserved characters only" >&2; exit 2 ;;
esac
basic=$(printf '%s:%s' "$GATEWAY_CLIENT_ID" "$GATEWAY_CLIENT_SECRET" | base64 | tr -d '\n')

mkdir -p "$cache_dir"
if id "$worker" >/dev/null 2>&1; then chown "$worker" "$cache_dir"; fi
chmod 700 "$cache_dir"

umask 077
sed -e "s#{{LISTEN}}#$GATEWAY_LISTEN#g" \
    -e "s#{{AUTHSERVER_URL}}#$AUTHSERVER_URL#g" \
    -e "s#{{API_URL}}#$API_URL#g" \
    -e "s#{{GATEWAY_BASIC}}#$basic#g" \
    -e "s#{{CACHE_DIR}}#$cache_dir#g" \
    "$template" >"$target"
if grep -q '{{[A-Z_]*}}' "$target"; then
  echo "gateway: a placeholder in $template has no value:" >&2
  grep -o '{{[A-Z_]*}}' "$target" | sort -u >&2
  exit 2
fi

[ "${GATEWAY_RENDER_ONLY:-0}" = 1 ] && exit 0

# The image's default site would answer on port 80 next to the gateway; only the gateway runs.
rm -f /etc/nginx/conf.d/default.conf
exec nginx -g 'daemon off;'
