#!/usr/bin/env bash
# The MLP's training step with 1 thread and with 2 (fixed, and tuned by the
# concurrency tuner) while another process keeps one core busy: a shell
# loop that runs for the whole measurement. The three runs alternate,
# ROUNDS times (default 5), so that a slow phase of the host hits each
# alike; the table gives the median time per step of each. Each run lasts
# MIN_TIME seconds (default 1) after the benchmark's own calibration: the
# tuner's first blocks, spent finding the faster way, weigh more in short
# runs.
#
#   bazel build //tools/bench:step_benchmark
#   [MIN_TIME=S] tools/bench/contention.sh [ROUNDS] [BATCH ...]
set -euo pipefail

rounds=${1:-5}
shift || true
batches=("${@:-64 256}")
read -r -a batches <<<"${batches[*]}"
bench=bazel-bin/tools/bench/step_benchmark
[[ -x "$bench" ]] || {
  echo "contention.sh: build $bench first (bazel build //tools/bench:step_benchmark)" >&2
  exit 2
}

busy_loop() { while :; do :; done; }
busy_loop &
busy=$!
trap 'kill "$busy" 2>/dev/null' EXIT

# Time per step in microseconds of one benchmark, run alone.
step_us() {
  "$bench" --benchmark_filter="^BM_MlpStep/batch:$1/threads:$2/adapt:$3/" \
    --benchmark_min_time="${MIN_TIME:-1}" --benchmark_format=csv 2>/dev/null |
    awk -F, '/^"BM_MlpStep/ { printf "%.1f\n", $3 / 1000 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "| MLP step, one core busy | 1 thread | 2 threads, fixed | 2 threads, tuned | fixed / 1 thread | tuned / 1 thread |"
echo "|---|---:|---:|---:|---:|---:|"
for batch in "${batches[@]}"; do
  one=() fixed=() tuned=()
  for ((r = 0; r < rounds; ++r)); do
    one+=("$(step_us "$batch" 1 0)")
    fixed+=("$(step_us "$batch" 2 0)")
    tuned+=("$(step_us "$batch" 2 1)")
  done
  m1=$(printf '%s\n' "${one[@]}" | median)
  mf=$(printf '%s\n' "${fixed[@]}" | median)
  mt=$(printf '%s\n' "${tuned[@]}" | median)
  awk -v b="$batch" -v a="$m1" -v f="$mf" -v t="$mt" 'BEGIN {
    printf "| batch %s | %.0f µs | %.0f µs | %.0f µs | %.3f | %.3f |\n", b, a, f, t, f / a, t / a
  }'
done
