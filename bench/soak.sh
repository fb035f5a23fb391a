#!/usr/bin/env bash
# Soak: the all-in-one `opsuite` (SQLite, a Redis this script starts) under an 80/20 mix of
# GetEmployee and CreateCustomer at half the QPS it just measured as its maximum, for 10
# minutes. Passes when no call failed and RSS grew less than 5% from the end of the warm-up to
# the end. Not part of CI (it takes 12 minutes); writes bench/results/<date>-soak.{md,csv}.
#
#   bench/soak.sh                       10 minutes after a 60 s warm-up
#   SOAK_SECONDS=120 WARMUP_SECONDS=30 bench/soak.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"
ensure_packages
setup_ccache
configure_and_build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -- opsuite opsuite-loadgen

soak=${SOAK_SECONDS:-600}
warmup=${WARMUP_SECONDS:-60}
mix=${SOAK_MIX:-GetEmployee:80,CreateCustomer:20}
secret="soak-$(date +%s)"
out="$ROOT/bench/results/$(date +%Y-%m-%d)-soak"
source "$ROOT/tests/e2e/lib.sh"  # $work, pids, and their cleanup on exit

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
grpc_port=$(free_port)
http_port=$(free_port)
"$ROOT/build/services/all/opsuite" --target=all --grpc_addr="127.0.0.1:$grpc_port" \
  --http_addr="127.0.0.1:$http_port" --data_dir="$work/data" \
  --redis="redis://127.0.0.1:$redis_port" --jwt_secret="$secret" >"$work/opsuite.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 100); do
  grep -q '"opsuite ready"' "$work/opsuite.log" && break
  kill -0 "$server" 2>/dev/null || { cat "$work/opsuite.log" >&2; die "opsuite exited"; }
  sleep 0.2
done
grep -q '"opsuite ready"' "$work/opsuite.log" || die "opsuite did not become ready"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
load() {
  "$ROOT/build/tools/opsuite-loadgen" --addr="127.0.0.1:$grpc_port" --jwt_secret="$secret" \
    --mix="$mix" --in_flight=64 "$@"
}

say "maximum: $mix at 64 in flight for 15 s"
load --warmup=5s --duration=15s --json="$work/max.json" >/dev/null
max=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print([x for x in r if x["op"]=="all"][0]["qps"])' "$work/max.json")
target=$(python3 -c "print(round($max / 2))")
say "soak: $target QPS (half of $max) for ${warmup} s warm-up + ${soak} s; RSS sampled every 10 s"

echo "seconds,rss_kb" >"$out.csv"
(
  t=0
  while kill -0 "$server" 2>/dev/null; do
    echo "$t,$(rss_kb)" >>"$out.csv"
    sleep 10
    t=$((t + 10))
  done
) &
sampler=$!
pids+=("$sampler")
load --qps="$target" --warmup="${warmup}s" --duration="${soak}s" --json="$work/soak.json" \
  | tee "$work/soak.txt"
kill "$sampler" 2>/dev/null || true
end_rss=$(rss_kb)

python3 - "$work/soak.json" "$out.csv" "$warmup" "$end_rss" "$max" "$target" "$out.md" <<'EOF'
import csv, json, sys
soak, samples, warmup, end_rss, max_qps, target, md = sys.argv[1:]
results = json.load(open(soak))["results"]
total = [r for r in results if r["op"] == "all"][0]
errors = sum(v for k, v in total.get("errors", {}).items())
rows = [(int(r["seconds"]), int(r["rss_kb"])) for r in csv.DictReader(open(samples)) if r["rss_kb"]]
after_warmup = min(rows, key=lambda r: abs(r[0] - int(warmup)))[1]
growth = (int(end_rss) - after_warmup) / after_warmup * 100
ok = errors == 0 and growth < 5
lines = [
    "# Soak of the all-in-one process",
    "",
    f"| measure | value |", "|---|---|",
    f"| maximum QPS (15 s, 64 in flight) | {float(max_qps):.0f} |",
    f"| soak target / achieved QPS | {target} / {total['qps']:.0f} |",
    f"| p50 / p99 / p99.9 ms | {total['p50_ms']:.2f} / {total['p99_ms']:.2f} / {total['p999_ms']:.2f} |",
    f"| failed calls | {errors} |",
    f"| RSS after warm-up / at the end | {after_warmup/1024:.1f} MB / {int(end_rss)/1024:.1f} MB |",
    f"| RSS growth (bar: < 5%) | {growth:+.2f}% |",
    f"| verdict | {'PASS' if ok else 'FAIL'} |",
]
open(md, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if ok else 1)
EOF
