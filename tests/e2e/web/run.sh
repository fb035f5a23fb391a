#!/usr/bin/env bash
# The web console end to end: starts its own redis-server and `opsuite --target=all` (gateway
# included, serving web/dist) on free loopback ports, builds the console when web/dist is
# missing or older than its sources, and runs the browser tests (node --test, playwright-core
# driving Debian's headless Chromium). Screenshots go to $OPSUITE_ARTIFACTS_DIR
# (default build/artifacts/web).
#
#   OPSUITE_BIN_DIR=build bash tests/e2e/web/run.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
BIN="${OPSUITE_BIN_DIR:?set OPSUITE_BIN_DIR to the build directory}"
BIN="$(cd "$BIN" && pwd)"
OPSUITE="$BIN/services/all/opsuite"
WEB="$ROOT/web"
export OPSUITE_ARTIFACTS_DIR="${OPSUITE_ARTIFACTS_DIR:-$ROOT/build/artifacts/web}"
export OPSUITE_CHROMIUM="${OPSUITE_CHROMIUM:-/usr/bin/chromium}"
start=$(date +%s)
work=""

say() { echo "== web e2e: $*" >&2; }
fail() {
  echo "web e2e FAILED: $*" >&2
  if [ -f "$work/opsuite.log" ]; then echo "--- server log (last 40 lines)" >&2; tail -40 "$work/opsuite.log" >&2; fi
  exit 1
}

[ -x "$OPSUITE" ] || { echo "web e2e: no $OPSUITE (build opsuite first)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "web e2e: needs node and npm" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "web e2e: needs redis-server" >&2; exit 1; }
[ -x "$OPSUITE_CHROMIUM" ] || { echo "web e2e: no Chromium at $OPSUITE_CHROMIUM (apt-get install chromium)" >&2; exit 1; }
{ "$OPSUITE" --helpfull 2>&1 || true; } | grep http_addr >/dev/null || { echo "web e2e: $OPSUITE has no gateway (--http_addr)" >&2; exit 1; }

# Chinese text in the screenshots needs a CJK font: Debian's WenQuanYi Micro Hei (small).
if [ -z "$(fc-list :lang=zh 2>/dev/null || true)" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing a CJK font for the screenshots (fonts-wqy-microhei)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null 2>&1; } \
      || say "could not install a CJK font: Chinese text in the screenshots shows as boxes"
  else
    say "no CJK font (apt-get install fonts-wqy-microhei): Chinese text in the screenshots shows as boxes"
  fi
fi

source "$ROOT/tests/e2e/lib.sh"

# The console: (re)built when web/dist is missing or older than anything it is built from.
if [ ! -f "$WEB/dist/index.html" ] || [ -n "$(find "$WEB/src" "$WEB/index.html" "$WEB/package.json" \
      "$WEB/package-lock.json" "$WEB/vite.config.ts" "$WEB/tsconfig.json" -newer "$WEB/dist/index.html" -print -quit)" ]; then
  say "building the console (web/dist)"
  (cd "$WEB" && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build) >&2
fi
# The tests' own dependency (playwright-core; no browser download: Debian's Chromium is used).
if [ ! -d "$HERE/node_modules/playwright-core" ] || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  say "installing the test dependencies"
  (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) >&2
fi

redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

grpc_port=$(port)
http_port=$(port)
export OPSUITE_JWT_SECRET="web-e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
"$OPSUITE" --target=all --grpc_addr="127.0.0.1:$grpc_port" --http_addr="127.0.0.1:$http_port" \
  --web_dir="$WEB/dist" --data_dir="$work/data" --redis="redis://127.0.0.1:$redis_port" \
  --jwt_secret="$OPSUITE_JWT_SECRET" 2>"$work/opsuite.log" &
pids+=($!)
for _ in $(seq 300); do
  grep -q '"gateway ready"' "$work/opsuite.log" && break
  kill -0 "${pids[-1]}" 2>/dev/null || fail "opsuite exited during start-up"
  sleep 0.1
done
grep -q '"gateway ready"' "$work/opsuite.log" || fail "no \"gateway ready\" line within 30 s"
export OPSUITE_HTTP="http://127.0.0.1:$http_port"
curl -fsS "$OPSUITE_HTTP/" -o /dev/null || fail "the gateway does not serve the console at /"
say "opsuite on $OPSUITE_HTTP (grpc 127.0.0.1:$grpc_port, redis $redis_port); screenshots in $OPSUITE_ARTIFACTS_DIR"

mkdir -p "$OPSUITE_ARTIFACTS_DIR"
status=0
(cd "$HERE" && node --test --test-concurrency=1 --test-reporter=spec console.test.mjs) || status=$?
say "finished in $(( $(date +%s) - start )) s"
[ "$status" -eq 0 ] || fail "browser tests failed (exit $status)"
