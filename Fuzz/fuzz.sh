#!/usr/bin/env bash
# Builds the libFuzzer targets of this package and runs each for a bounded time: `make fuzz`.
#
#   Fuzz/fuzz.sh [TARGET...]          (default: every target in TARGETS below)
#
# Each target stops after FUZZ_RUNS executions or FUZZ_SECONDS, whichever comes first.
# Unset, both have per-target defaults (below): 10 million executions in all, at least
# 1 million per target, with time bounds that reach them on a busy 2-core machine.
# FUZZ_RUNS_<Target> / FUZZ_SECONDS_<Target> (e.g. FUZZ_SECONDS_FuzzConfig=600) set one
# target's. FUZZ_JOBS targets run at once (default: the number of cores).
#
# Each target starts from its seeds in Corpus/<Target>/ and the saved crashing inputs in
# Regressions/<Target>/, with the words of Dictionaries/<Target>.dict; what it learns goes
# to .work/<Target>/, its log to .work/<Target>.log and crashing inputs to
# Artifacts/<Target>/ (all ignored by git). Prints executions and crashes per target and
# in all, and exits 1 when any target crashed, leaked or hung.
set -uo pipefail

cd "$(dirname "$0")"
SWIFT=${SWIFT:-swift}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
# Slowest first, so that the others share the second core meanwhile.
TARGETS=(FuzzConfig FuzzRetryAfter FuzzUsage FuzzSearchDevices FuzzState FuzzWebhook FuzzSilences)
[ $# -gt 0 ] && TARGETS=("$@")
BUILD_FLAGS=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing)

# Executions per target when FUZZ_RUNS is not set: the cheap decoders get more.
default_runs() {
  case "$1" in
    FuzzConfig | FuzzRetryAfter) echo 1000000 ;;
    FuzzUsage | FuzzSearchDevices) echo 2000000 ;;
    *) echo 3000000 ;;
  esac
}

# The time bound per target when FUZZ_SECONDS is not set: room for its executions on 2
# cores busy with other builds. Measured there, with -sanitize=address: FuzzConfig ~630
# executions/s (YAML, the whole validation and the summary), FuzzRetryAfter ~1,000/s
# (DateFormatter), FuzzUsage ~1,500/s, FuzzWebhook ~4,000/s, FuzzState ~6,700/s.
default_seconds() {
  case "$1" in
    FuzzConfig) echo 2700 ;;
    FuzzRetryAfter) echo 1500 ;;
    FuzzUsage | FuzzSearchDevices) echo 2000 ;;
    *) echo 1000 ;;
  esac
}

echo "==> building the fuzz targets (release, -sanitize=fuzzer,address)"
"$SWIFT" build "${BUILD_FLAGS[@]}" 2>&1 | grep -v "Cannot export local symbol '__asan_extra_spill_area'"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "the fuzz targets did not build" >&2; exit 1; }
BIN=$("$SWIFT" build "${BUILD_FLAGS[@]}" --show-bin-path) || exit 1
for target in "${TARGETS[@]}"; do
  [ -x "$BIN/$target" ] || { echo "no fuzz target $BIN/$target" >&2; exit 1; }
done

# libFuzzer reports crashes itself; Swift's backtracer would only delay it.
export SWIFT_BACKTRACE=enable=no

# Runs one target; writes "RUNS CRASHES SECONDS STATUS" to .work/<Target>.result.
fuzz_one() {
  local target=$1 runs_wanted=$2 seconds=$3 log=".work/$1.log" started=$SECONDS
  mkdir -p ".work/$target" "Artifacts/$target"
  local corpora=(".work/$target" "Corpus/$target")
  [ -d "Regressions/$target" ] && corpora+=("Regressions/$target")
  local options=(-runs="$runs_wanted" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 -artifact_prefix="Artifacts/$target/")
  [ -f "Dictionaries/$target.dict" ] && options+=(-dict="Dictionaries/$target.dict")
  local before after status runs crashes
  before=$(ls "Artifacts/$target" | wc -l)
  "$BIN/$target" "${options[@]}" "${corpora[@]}" >"$log" 2>&1
  status=$?
  # The final stats are printed on a normal end and on a crash; "Done N runs" on the first only.
  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  [ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
  after=$(ls "Artifacts/$target" | wc -l)
  crashes=$((after - before))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  echo "${runs:-0} $crashes $((SECONDS - started)) $status" >".work/$target.result"
}

for target in "${TARGETS[@]}"; do
  seconds_var="FUZZ_SECONDS_$target"
  seconds=${!seconds_var:-${FUZZ_SECONDS:-}}
  [ -n "$seconds" ] || seconds=$(default_seconds "$target")
  runs_var="FUZZ_RUNS_$target"
  runs=${!runs_var:-${FUZZ_RUNS:-}}
  [ -n "$runs" ] || runs=$(default_runs "$target")
  while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do wait -n; done
  echo "==> $target: $runs executions or ${seconds}s, whichever comes first (log: Fuzz/.work/$target.log)"
  rm -f ".work/$target.result"
  fuzz_one "$target" "$runs" "$seconds" &
done
wait

total_runs=0
total_crashes=0
report=()
short=()
for target in "${TARGETS[@]}"; do
  read -r runs crashes seconds status <".work/$target.result" || { runs=0 crashes=1 seconds=0 status=?; }
  if [ "$crashes" -gt 0 ]; then
    echo
    echo "--- $target failed (libFuzzer exit $status); the end of Fuzz/.work/$target.log:"
    grep -v '^#[0-9]' ".work/$target.log" | tail -30
    echo "--- crashing inputs (save each under Fuzz/Regressions/$target/ once understood):"
    ls -t "Artifacts/$target" | head -"$crashes" | sed "s|^|    Fuzz/Artifacts/$target/|"
  fi
  total_runs=$((total_runs + runs))
  total_crashes=$((total_crashes + crashes))
  report+=("$(printf '%-16s %12d executions %4d crashes %6ss' "$target" "$runs" "$crashes" "$seconds")")
  [ "$crashes" -gt 0 ] || [ "$runs" -ge 1000000 ] || short+=("$target")
done

echo
echo "==> fuzzing summary"
printf '%s\n' "${report[@]}"
printf '%-16s %12d executions %4d crashes\n' "all" "$total_runs" "$total_crashes"
[ ${#short[@]} -eq 0 ] || echo "(under 1 million executions: ${short[*]}; give them more FUZZ_SECONDS)"
[ "$total_crashes" -eq 0 ]
