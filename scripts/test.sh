#!/usr/bin/env bash
# Builds opsuite and runs every test: unit and integration tests (each starts its own
# redis-server on a free loopback port; the storage tests run on SQLite and on a throw-away
# PostgreSQL), the integration tests again on PostgreSQL (OPSUITE_TEST_DB=postgres) and with
# every service its own process (OPSUITE_TEST_TOPOLOGY=processes), fault injection (tests/fault,
# short form; OPSUITE_FAULT_LONG=1 for the long one), an end-to-end walk through
# opsctl against the real `opsuite` process on a Redis this script starts, the deploy files
# and the runtime image (built with buildah), the web console end to end in headless Chromium
# (Playwright; screenshots in build/artifacts/web), and the same unit and integration tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer (skip with
# OPSUITE_SKIP_SANITIZERS=1), and each libFuzzer target briefly (scripts/fuzz.sh; skip with
# OPSUITE_SKIP_FUZZ=1).
# Exits non-zero on any failure.
#
#   scripts/test.sh                     everything
#   OPSUITE_SKIP_SANITIZERS=1 scripts/test.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"

start=$(date +%s)
ensure_packages openssl chromium fonts-wqy-microhei docker-compose python3-yaml buildah debootstrap
command -v npm >/dev/null || ensure_packages nodejs npm
command -v kubectl >/dev/null || ensure_packages kubernetes-client  # `kubectl kustomize` renders deploy/k8s
setup_ccache
jobs="${OPSUITE_JOBS:-$(nproc)}"

say "build (RelWithDebInfo) in build/"
configure_and_build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPSUITE_BUILD_BENCH=ON

say "unit and integration tests"
(cd "$ROOT/build" && ctest --output-on-failure -j "$jobs" --timeout 900 -LE fault)

# storage_test already ran on both backends above; the services' own *_test binaries open no
# database. So only the integration tests run again, every module on one PostgreSQL database
# (a schema each, a fresh database per test).
say "integration tests again on PostgreSQL (a throw-away cluster, initdb + postgres)"
pg_start=$(date +%s)
(cd "$ROOT/build" && OPSUITE_TEST_DB=postgres ctest --output-on-failure --timeout 900 \
  -R '^integration_test$')
say "PostgreSQL run: $(( $(date +%s) - pg_start )) s"

# The same suite against the cluster shape: every service its own process (two notify, two
# scheduler replicas, the gateway) on PostgreSQL and Redis, the fake clock shared through a
# file (tests/integration/suite.h), then scripts/topology.sh's launcher checked end to end.
say "integration tests again with every service its own process (OPSUITE_TEST_TOPOLOGY=processes)"
topo_start=$(date +%s)
(cd "$ROOT/build" && OPSUITE_TEST_TOPOLOGY=processes ctest --output-on-failure --timeout 1200 \
  -R '^integration_test$')
"$ROOT/build/tests/opsuite-topology" --bin_dir="$ROOT/build" --web_dir="$ROOT/web/dist" --check
say "topology runs: $(( $(date +%s) - topo_start )) s"

# tests/fault: kill -9 of each service, Redis and PostgreSQL outages, a notify replica lost
# while holding events, a full disk (a tmpfs: needs root, else that test skips and says so).
# The short form here; OPSUITE_FAULT_LONG=1 for the long one (a 30 s Redis outage, ...).
say "fault injection (short form): kill -9, Redis and PostgreSQL outages, a lost notify replica, a full disk"
fault_start=$(date +%s)
(cd "$ROOT/build" && ctest --output-on-failure --timeout 600 -L fault)
say "fault tests: $(( $(date +%s) - fault_start )) s"

say "end-to-end: opsctl against the opsuite process"
OPSUITE_BIN_DIR="$ROOT/build" bash "$ROOT/tests/e2e/walkthrough.sh"

say "deploy files: manifests parse, their flags exist, each service starts with its Deployment's args"
bash "$ROOT/tests/deploy/check.sh"

say "deploy: the runtime image built with buildah (vfs, chroot isolation) and its contents checked"
OPSUITE_BIN_DIR="$ROOT/build" bash "$ROOT/tests/deploy/image.sh"

say "end-to-end: the web console in headless Chromium"
OPSUITE_BIN_DIR="$ROOT/build" OPSUITE_ARTIFACTS_DIR="$ROOT/build/artifacts/web" \
  bash "$ROOT/tests/e2e/web/run.sh"

if [ "${OPSUITE_SKIP_SANITIZERS:-0}" != "1" ]; then
  say "build with ASan+UBSan in build-asan/"
  configure_and_build "$ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug -DOPSUITE_SANITIZE=ON \
    -DOPSUITE_BUILD_BENCH=OFF
  say "unit and integration tests under ASan+UBSan"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
  export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  (cd "$ROOT/build-asan" && ctest --output-on-failure -j "$jobs" --timeout 900 -LE fault)
fi

# libFuzzer targets (fuzz/): gateway JSON and path transcoding, templates, cron, CSV, JWT and
# every RPC's request from raw bytes; a clang build in build-fuzz/, each target for
# FUZZ_SECONDS (20 here) from its corpus in the tree. FUZZ_SECONDS=600 scripts/fuzz.sh for the
# long form; OPSUITE_SKIP_FUZZ=1 skips. (The corpora also ran above as ctest cases.)
if [ "${OPSUITE_SKIP_FUZZ:-0}" != "1" ]; then
  fuzz_start=$(date +%s)
  FUZZ_SECONDS="${FUZZ_SECONDS:-20}" bash "$ROOT/scripts/fuzz.sh"
  say "fuzzing: $(( $(date +%s) - fuzz_start )) s"
fi

say "all tests passed in $(( $(date +%s) - start )) s"
