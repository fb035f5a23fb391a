#!/usr/bin/env bash
# The libFuzzer targets (fuzz/): builds them with clang, ASan and UBSan in build-fuzz/ and runs
# each for FUZZ_SECONDS (default 20, the brief form scripts/test.sh runs), starting from its
# corpus in the tree (fuzz/corpus/<name>). Inputs that reach new code are kept in
# build-fuzz/corpus/<name>; a crash, a sanitizer report, a failed property, a hang (25 s) or
# memory past 4 GB fails the run and leaves the input in build-fuzz/crashes/<name>/.
#
#   scripts/fuzz.sh                          every target, 20 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh csv     one target for 10 minutes (the long form)
#   scripts/fuzz.sh --merge [target...]      fold build-fuzz/corpus into fuzz/corpus (minimized)
#
# Reproduce a crash: build-fuzz/fuzz/<name>_fuzz build-fuzz/crashes/<name>/crash-...
# Every build also replays the corpora as ctest cases (fuzz_corpus_<name>), so an input added
# to fuzz/corpus/<name> after a fix keeps it fixed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"

ALL=(cron csv template path_template transcode jwt requests)
merge=0
if [ "${1:-}" = "--merge" ]; then merge=1; shift; fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${ALL[@]}")
for t in "${targets[@]}"; do
  [ -d "$ROOT/fuzz/corpus/$t" ] || die "no fuzz target '$t' (targets: ${ALL[*]})"
done
seconds="${FUZZ_SECONDS:-20}"
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || die "FUZZ_SECONDS must be a whole number of seconds above 0, not '$seconds'"

ensure_packages clang libclang-rt-14-dev
setup_ccache
BUILD="$ROOT/build-fuzz"
say "build the fuzz targets (clang, libFuzzer, ASan+UBSan) in build-fuzz/"
configure_and_build "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DOPSUITE_FUZZ=ON -- fuzzers

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

if [ "$merge" = 1 ]; then
  for t in "${targets[@]}"; do
    [ -d "$BUILD/corpus/$t" ] || continue
    say "merge build-fuzz/corpus/$t into fuzz/corpus/$t"
    "$BUILD/fuzz/${t}_fuzz" -merge=1 "$ROOT/fuzz/corpus/$t" "$BUILD/corpus/$t" 2>&1 | tail -1
  done
  exit 0
fi

failed=()
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$BUILD/corpus/$t" "$BUILD/crashes/$t"
  log="$BUILD/fuzz-$t.log"
  say "fuzz $t for ${seconds} s"
  set +e
  "$BUILD/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$t/" \
    "$BUILD/corpus/$t" "$ROOT/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  seeds=$(find "$ROOT/fuzz/corpus/$t" -type f | wc -l)
  found=$(find "$BUILD/corpus/$t" -type f | wc -l)
  line="fuzz $t: runs=${runs:-0} seconds=$seconds coverage=${cov:-?} features=${ft:-?} seeds=$seeds new_inputs=$found exit=$rc"
  summary+=("$line")
  echo "$line"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    tail -60 "$log" >&2
  fi
done
printf '%s\n' "${summary[@]}" >"$BUILD/fuzz-summary.txt"
if [ ${#failed[@]} -gt 0 ]; then
  die "fuzzing found a failure in: ${failed[*]} (inputs in build-fuzz/crashes/, logs build-fuzz/fuzz-<name>.log)"
fi
say "fuzz targets clean: ${#targets[@]} targets, ${seconds} s each"
