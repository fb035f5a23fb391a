#!/usr/bin/env bash
# Runs the benchmarks and writes bench/results/<date>.json plus the Markdown table.
#   bench/run.sh [grpc_bench flags, e.g. --in_flight=64 --seconds=10]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"
ensure_packages
setup_ccache
configure_and_build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -- grpc_bench opsuite opsuite-echo opsuite-loadgen
out="$ROOT/bench/results/$(date +%Y-%m-%d)"
"$ROOT/build/bench/grpc_bench" --json="$out.json" "$@" | tee "$out.md"
echo "wrote $out.json and $out.md"
