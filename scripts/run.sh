#!/usr/bin/env bash
# Installs what is missing, builds, and starts the suite on its embedded default: every
# service in one `opsuite` process, SQLite files under ./data, and Redis (the one at
# $OPSUITE_REDIS, else a redis-server started here on 127.0.0.1 with its files in
# ./data/redis). Without Redis it says so and runs with an in-process cache and event bus.
# The gateway serves REST/JSON, /openapi.json and the web console (built here with npm when
# Node.js is available) on 127.0.0.1:8080.
#
#   scripts/run.sh                       gRPC on 127.0.0.1:50051, HTTP on 127.0.0.1:8080
#   OPSUITE_GRPC_ADDR=0.0.0.0:50051 OPSUITE_HTTP_ADDR=0.0.0.0:8080 scripts/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"

ensure_packages
setup_ccache
say "building opsuite and opsctl (build/)"
configure_and_build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -- opsuite opsctl

# The web console (static files the gateway serves): built when npm is there and the build
# is missing or older than its sources.
web="$ROOT/web"
if command -v npm >/dev/null; then
  if [ ! -f "$web/dist/index.html" ] || [ -n "$(find "$web/src" "$web/index.html" "$web/package.json" \
        -newer "$web/dist/index.html" -print -quit 2>/dev/null)" ]; then
    say "building the web console (web/dist)"
    (cd "$web" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build) \
      || say "the web console did not build; the API still runs (see above)"
  fi
else
  say "no npm: the web console is not built (install Node.js and npm, then rerun)"
fi

data="${OPSUITE_DATA_DIR:-$ROOT/data}"
mkdir -p "$data"
grpc_addr="${OPSUITE_GRPC_ADDR:-127.0.0.1:50051}"
http_addr="${OPSUITE_HTTP_ADDR:-127.0.0.1:8080}"
metrics_addr="${OPSUITE_METRICS_ADDR:-127.0.0.1:9464}"

# A JWT key kept across restarts so tokens stay valid; OPSUITE_JWT_SECRET wins.
if [ -z "${OPSUITE_JWT_SECRET:-}" ]; then
  if [ ! -s "$data/jwt_secret" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$data/jwt_secret")
  fi
  OPSUITE_JWT_SECRET="$(cat "$data/jwt_secret")"
fi
export OPSUITE_JWT_SECRET

redis_pid=""
cleanup() { [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true; }
trap cleanup EXIT
redis_url="${OPSUITE_REDIS:-}"
if [ -z "$redis_url" ]; then
  port="${OPSUITE_REDIS_PORT:-6390}"
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    redis_url="redis://127.0.0.1:$port"
  elif command -v redis-server >/dev/null; then
    mkdir -p "$data/redis"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$data/redis" --appendonly yes \
      --save "" --daemonize no >"$data/redis/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
      redis_url="redis://127.0.0.1:$port"
    else
      say "redis-server did not start (see $data/redis/redis.log): running without Redis"
      redis_pid=""
    fi
  else
    say "no redis-server: running with an in-process cache and event bus"
  fi
fi

console_token="$("$ROOT/build/tools/opsctl" token --sub=admin-1 --org=demo --roles=admin,manager --ttl=12h 2>/dev/null || true)"
cat >&2 <<MSG

  opsuite is starting:
    web console   http://$http_addr/   (sign in with the token below)
    REST/JSON     http://$http_addr/v1/...   (the API: http://$http_addr/openapi.json)
    gRPC          $grpc_addr   (health and reflection on; any gRPC client works)
    metrics       http://$metrics_addr/metrics
    data          $data
    redis         ${redis_url:-none (in-process cache and event bus)}

  A token for the console (admin-1 of org demo, valid 12 h):
    $console_token

  Try it (in another terminal):
    export OPSUITE_ADDR=$grpc_addr OPSUITE_JWT_SECRET=<the secret: $data/jwt_secret unless you set one>
    build/tools/opsctl --as=admin-1:demo:admin dept create --name=销售部
    build/tools/opsctl token --sub=admin-1 --org=demo --roles=admin   # a Bearer token
    curl -H "Authorization: Bearer \$(build/tools/opsctl token --sub=admin-1 --org=demo --roles=admin)" \\
      http://$http_addr/v1/departments

MSG
"$ROOT/build/services/all/opsuite" --target=all --grpc_addr="$grpc_addr" \
  --http_addr="$http_addr" --web_dir="$web/dist" \
  --data_dir="$data" --redis="$redis_url" --metrics_addr="$metrics_addr" &
server=$!
# Ctrl-C / SIGTERM: let opsuite drain in-flight calls, then stop our Redis (EXIT trap).
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
status=0
wait "$server" || status=$?
if kill -0 "$server" 2>/dev/null; then wait "$server" || status=$?; fi
exit "$status"
