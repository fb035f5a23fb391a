#!/usr/bin/env bash
# Instructions per call under valgrind's callgrind: repeatable on a noisy machine, where QPS is
# not. Runs opsuite (all-in-one, SQLite, Redis) and opsuite-echo under callgrind, warms each up
# with opsuite-loadgen, zeroes the counters, drives a fixed load, and divides the instructions
# the server executed by the calls it answered. Writes bench/results/<date>-callgrind.md and
# keeps the callgrind.out files (callgrind_annotate them) in the printed directory.
#   bench/callgrind.sh [seconds per scenario, default 8]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${OPSUITE_BUILD_DIR:-$ROOT/build}"
seconds="${1:-8}"
for tool in valgrind callgrind_control redis-server; do
  command -v "$tool" >/dev/null || { echo "callgrind.sh needs $tool (apt-get install valgrind redis-server)" >&2; exit 1; }
done
for bin in services/all/opsuite tools/opsuite-echo tools/opsuite-loadgen; do
  [[ -x "$BUILD/$bin" ]] || { echo "missing $BUILD/$bin: run bench/run.sh or scripts/test.sh first" >&2; exit 1; }
done
work="$(mktemp -d /tmp/opsuite-callgrind.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
secret="callgrind-secret"
vg=(valgrind --tool=callgrind --collect-atstart=yes --dump-instr=no)

# Starts `name` under callgrind; waits for its port.
start() {
  local name="$1" port="$2"; shift 2
  "${vg[@]}" --callgrind-out-file="$work/callgrind.out.$name" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  eval "${name}_pid=$!"
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "$name did not start; log: $work/$name.log" >&2
  exit 1
}
suite_port=$(free_port)
echo_port=$(free_port)
# Under valgrind a Redis reply can take longer than the cache's 5 ms default: a read that gives
# up loads from the database, and the count would measure that instead of a hit.
start opsuite "$suite_port" "$BUILD/services/all/opsuite" --target=all --grpc_addr="127.0.0.1:$suite_port" \
  --http_addr=127.0.0.1:0 --data_dir="$work/data" --redis="redis://127.0.0.1:$redis_port" \
  --jwt_secret="$secret" --log_level=warn --workers=8 --redis_cache_timeout=2s
start echo "$echo_port" "$BUILD/tools/opsuite-echo" --addr="127.0.0.1:$echo_port"

# One scenario: warm up, zero the counters, load for $seconds, dump; prints "calls instructions".
measure() {
  local pid="$1" addr="$2" mix="$3" tag="$4" name="$5"
  local args=(--addr="$addr" --mix="$mix" --in_flight=8 --channels=1 --seed_employees=20
              --seed_customers=20 --timeout=30s)
  [[ "$mix" == Echo ]] || args+=(--jwt_secret="$secret")
  "$BUILD/tools/opsuite-loadgen" "${args[@]}" --warmup=0s --duration=3s >/dev/null 2>&1
  callgrind_control -z "$pid" >/dev/null 2>&1
  "$BUILD/tools/opsuite-loadgen" "${args[@]}" --warmup=0s --duration="${seconds}s" \
    --json="$work/$tag.json" >/dev/null 2>&1
  callgrind_control -d "$tag" "$pid" >/dev/null 2>&1
  sleep 1
  local dump
  dump=$(ls -t "$work/callgrind.out.$name".* | head -1)
  local ir
  ir=$(grep -h '^summary:\|^totals:' "$dump" | head -1 | awk '{print $2}')
  local calls
  calls=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print([x for x in r if x["op"]=="all"][0]["ok"])' "$work/$tag.json")
  echo "$calls $ir"
}

declare -A calls ir
for scenario in "Echo echo" "GetEmployee opsuite" "GetCustomer opsuite" "CreateCustomer opsuite" "RecordActual opsuite"; do
  read -r mix server <<<"$scenario"
  if [[ "$server" == echo ]]; then pid=$echo_pid; addr="127.0.0.1:$echo_port"; else pid=$opsuite_pid; addr="127.0.0.1:$suite_port"; fi
  echo "callgrind: $mix ($seconds s under valgrind)..." >&2
  read -r c i < <(measure "$pid" "$addr" "$mix" "$mix" "$server")
  calls[$mix]=$c
  ir[$mix]=$i
done

out="$ROOT/bench/results/$(date +%Y-%m-%d)-callgrind.md"
{
  echo "Instructions the server executed per call (callgrind, valgrind $(valgrind --version | sed 's/valgrind-//'); 8 in flight; all-in-one opsuite on SQLite and Redis)"
  echo
  echo "| call | calls | instructions per call | vs echo |"
  echo "|---|---|---|---|"
  echo_per=$(( ${ir[Echo]} / ${calls[Echo]} ))
  for mix in Echo GetEmployee GetCustomer CreateCustomer RecordActual; do
    per=$(( ${ir[$mix]} / ${calls[$mix]} ))
    printf '| %s | %s | %s | %s× |\n' "$mix" "${calls[$mix]}" "$per" \
      "$(python3 -c "print(f'{$per/$echo_per:.2f}')")"
  done
} | tee "$out"
echo "wrote $out; callgrind files in $work (callgrind_annotate $work/callgrind.out.<file>)" >&2
trap - EXIT
cleanup
