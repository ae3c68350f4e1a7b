#!/usr/bin/env bash
# Builds the fuzz targets with clang and libFuzzer (--config=fuzz) and runs
# each for SECONDS (default 60) from its seed corpus, one after another.
#
#   tests/fuzz/run_fuzzers.sh [SECONDS] [TARGET...]
#
# TARGET is model, checkpoint, csv, idx, predict, flags or onnx (default:
# all).
# Run from the repository root. A crash, leak, timeout, out-of-memory or
# sanitizer report fails the target: its input is saved as
# $NABLA_FUZZ_ARTIFACTS/<target>-crash-... (default /tmp/nabla-fuzz-artifacts)
# and the script exits 1. New inputs the fuzzer finds go to a scratch copy
# of the corpus, not to tests/fuzz/corpus/. Each target prints one line:
#
#   //tests/fuzz:model_fuzzer PASSED in 30 s: 12345 runs (411/s), cov 2870, ft 9120, corpus 310
#
# The clang build has its own Bazel output base ($NABLA_FUZZ_OUTPUT_BASE,
# default: the workspace's output base with "-fuzz" appended), so that it
# does not re-configure the g++ toolchain of the ordinary build.
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(model checkpoint csv idx predict flags onnx); fi

output_base=${NABLA_FUZZ_OUTPUT_BASE:-"$(bazel info output_base 2>/dev/null)-fuzz"}
artifacts=${NABLA_FUZZ_ARTIFACTS:-/tmp/nabla-fuzz-artifacts}
mkdir -p "$artifacts"
fuzz_bazel() {
  # An idle clang server goes away after 10 minutes.
  bazel --output_base="$output_base" --max_idle_secs=600 "$@"
}

labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:${t}_fuzzer"); done
# The bazel-* symlinks stay the ordinary build's: a build of //... in the
# main output base would otherwise find them pointing here.
if ! fuzz_bazel build --config=fuzz --experimental_convenience_symlinks=ignore \
  "${labels[@]}"; then
  for label in "${labels[@]}"; do echo "$label FAILED TO BUILD"; done
  exit 1
fi
bin=$(fuzz_bazel info --config=fuzz bazel-bin 2>/dev/null)

failed=0
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  log="$work/log"
  mkdir "$work/corpus"
  # The first directory collects new inputs; the seeds are only read.
  # UBSan aborts on its first report (-fno-sanitize-recover), which
  # libFuzzer reports as a crash.
  dict=()
  if [ -f "tests/fuzz/$t.dict" ]; then dict=(-dict="tests/fuzz/$t.dict"); fi
  "$bin/tests/fuzz/${t}_fuzzer" "$work/corpus" "tests/fuzz/corpus/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$artifacts/$t-" >"$log" 2>&1
  status=$?
  stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(echo "$stats" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$stats" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corpus=$(echo "$stats" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
  summary="${runs:-?} runs (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corpus:-?}"
  if [ "$status" -eq 0 ] && [ -n "$stats" ]; then
    echo "//tests/fuzz:${t}_fuzzer PASSED in ${seconds} s: $summary"
  else
    failed=$((failed + 1))
    echo "//tests/fuzz:${t}_fuzzer FAILED (exit $status) after $summary"
    # The report: from the sanitizer's or libFuzzer's first error line.
    grep -m1 -A40 -E '^==[0-9]+==|ERROR: libFuzzer|runtime error:' "$log" |
      head -60
    grep -E '^artifact_prefix|Test unit written to' "$log"
  fi
  rm -rf "$work"
done
[ "$failed" -eq 0 ]
