#!/usr/bin/env bash
# End-to-end: tools/bench/train_workload, the nabla side of
# tools/bench/compare_pytorch.py.
set -uo pipefail

RUN="$TEST_SRCDIR/nabla/tools/bench/train_workload"
EXAMPLES="$TEST_SRCDIR/nabla/examples"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# json_field JSON KEY: the raw text of a top-level number or list.
json_field() { sed -n "s/.*\"$2\":\(\[[^]]*\]\|[^,}]*\).*/\1/p" <<<"$1"; }

# --- the 2-2-2 walk-through: its weights, sample and first loss ----------
# Every weight, bias and value is the walk-through's; its total error
# before the first update is 0.298371109 (mean squared error over the two
# outputs is its 1/2 sum of squares).
cat >"$TMP/mazur.pbtxt" <<'MODEL'
graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "w1" op: "Variable" attr { key: "shape" value { shape { dim: 2 dim: 2 } } }
         attr { key: "initializer" value { s: "values" } }
         attr { key: "values" value { tensor { shape { dim: 2 dim: 2 } value: [0.15, 0.25, 0.20, 0.30] } } } }
  node { name: "b1" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } }
         attr { key: "initializer" value { s: "constant" } } attr { key: "init_value" value { f: 0.35 } } }
  node { name: "w2" op: "Variable" attr { key: "shape" value { shape { dim: 2 dim: 2 } } }
         attr { key: "initializer" value { s: "values" } }
         attr { key: "values" value { tensor { shape { dim: 2 dim: 2 } value: [0.40, 0.50, 0.45, 0.55] } } } }
  node { name: "b2" op: "Variable" attr { key: "shape" value { shape { dim: 2 } } }
         attr { key: "initializer" value { s: "constant" } } attr { key: "init_value" value { f: 0.60 } } }
  node { name: "z1" op: "MatMul" input: "x" input: "w1" }
  node { name: "h" op: "BiasAdd" input: "z1" input: "b1" }
  node { name: "a1" op: "Sigmoid" input: "h" }
  node { name: "z2" op: "MatMul" input: "a1" input: "w2" }
  node { name: "o" op: "BiasAdd" input: "z2" input: "b2" }
  node { name: "out" op: "Sigmoid" input: "o" }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
}
training { loss: "loss" optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.5 } } } }
data {
  feed { placeholder: "x" tensor { shape { dim: 1 dim: 2 } value: [0.05, 0.10] } }
  feed { placeholder: "y" tensor { shape { dim: 1 dim: 2 } value: [0.01, 0.99] } }
}
MODEL
out=$("$RUN" "$TMP/mazur.pbtxt" --losses 3 --warmup 1 --steps 10 --repeats 3) ||
  fail "2-2-2 run exited $?"
first=$(json_field "$out" losses | tr -d '[]' | cut -d, -f1)
awk -v l="$first" 'BEGIN { d = l - 0.298371109; exit !(d < 1e-6 && d > -1e-6) }' ||
  fail "2-2-2: first loss '$first', expected 0.298371109 (output: $out)"
[[ "$(json_field "$out" batch_size)" == 1 ]] || fail "2-2-2: batch_size in $out"
losses=$(json_field "$out" losses)
[[ $(tr ',' '\n' <<<"$losses" | wc -l) == 3 ]] || fail "2-2-2: expected 3 losses in $out"
blocks=$(json_field "$out" block_seconds_per_step)
[[ $(tr ',' '\n' <<<"$blocks" | wc -l) == 3 ]] || fail "2-2-2: expected 3 blocks in $out"
awk -v s="$(json_field "$out" seconds_per_step)" 'BEGIN { exit !(s > 0) }' ||
  fail "2-2-2: seconds_per_step not positive in $out"

# --- the losses do not depend on the thread count ------------------------
one=$("$RUN" "$EXAMPLES/xor.pbtxt" --threads 1 --steps 5 --repeats 1) ||
  fail "xor, 1 thread, exited $?"
two=$("$RUN" "$EXAMPLES/xor.pbtxt" --threads 2 --steps 5 --repeats 1) ||
  fail "xor, 2 threads, exited $?"
[[ -n "$(json_field "$one" losses)" &&
   "$(json_field "$one" losses)" == "$(json_field "$two" losses)" ]] ||
  fail "xor: losses differ between 1 and 2 threads: $one / $two"
[[ "$(json_field "$two" threads)" == 2 ]] || fail "xor: threads in $two"

# --- the model's normalisation applies: test_score's first loss ----------
out=$("$RUN" "$EXAMPLES/test_score.pbtxt" --losses 1 --steps 1 --repeats 1) ||
  fail "test_score exited $?"
[[ "$(json_field "$out" losses)" == "[0.1965"* ]] ||
  fail "test_score: first loss should be 0.1965... as train_graph's epoch 1: $out"

# --- errors --------------------------------------------------------------
err=$("$RUN" "$EXAMPLES/xor.pbtxt" --batch_size 5 2>&1 >/dev/null)
code=$?
[[ $code == 1 && "$err" == *"need at least one batch of 5 samples, the data has 4"* ]] ||
  fail "batch larger than the data: exit $code, message: $err"
err=$("$RUN" "$EXAMPLES/xor.pbtxt" --steps 0 2>&1 >/dev/null)
code=$?
[[ $code == 2 && "$err" == *"--steps"* ]] || fail "--steps 0: exit $code, message: $err"
"$RUN" 2>/dev/null
code=$?
[[ $code == 2 ]] || fail "no model file: exit $code"
err=$("$RUN" "$TMP/missing.pbtxt" 2>&1 >/dev/null)
code=$?
[[ $code == 1 && "$err" == *"missing.pbtxt"* ]] || fail "missing file: exit $code, message: $err"

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "train_workload_test: all passed"
