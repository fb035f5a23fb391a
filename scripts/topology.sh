#!/usr/bin/env bash
# Builds and starts the suite as a cluster runs it, on loopback: a throw-away PostgreSQL and
# Redis, every service its own process (planning, crm, scoring; two notify and two scheduler
# replicas; the gateway), each told where its peers are with --peers. Prints each process's
# address and log, a token and a curl line; Ctrl-C stops everything (each process drains and
# must exit 0). The integration tests run against the same shape with
# OPSUITE_TEST_TOPOLOGY=processes (scripts/test.sh does).
#
#   scripts/topology.sh                       run until Ctrl-C
#   scripts/topology.sh --check               start, check health and the gateway, stop
#   scripts/topology.sh --notify_replicas=3   any flag of build/tests/opsuite-topology --help
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"

ensure_packages
setup_ccache
say "building the services and the launcher (build/)"
configure_and_build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -- opsuite-topology opsctl
exec "$ROOT/build/tests/opsuite-topology" --bin_dir="$ROOT/build" --web_dir="$ROOT/web/dist" "$@"
