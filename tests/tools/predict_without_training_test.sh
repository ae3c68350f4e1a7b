#!/usr/bin/env bash
# A model without a training section predicts from its variables' initial
# values: weights set by hand (initializer "values") give the hand-computed
# output, in float32 and float64 (with the digits each dtype needs). Without
# --predict, such a model still has nothing to do.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

TRAIN="$TEST_SRCDIR/nabla/tools/train_graph"
TMP="$TEST_TMPDIR"

# y = x · w + b with w = [0.5, -1, 2], b = 0.25.
model() {
  cat <<MODEL
graph {
  node { name: "x" op: "Placeholder" attr { key: "dtype" value { s: "$1" } } attr { key: "shape" value { shape { dim: -1 dim: 3 } } } }
  node { name: "w" op: "Variable" attr { key: "dtype" value { s: "$1" } } attr { key: "shape" value { shape { dim: 3 dim: 1 } } } attr { key: "initializer" value { s: "values" } } attr { key: "values" value { tensor { shape { dim: 3 dim: 1 } value: [0.5, -1, 2] } } } }
  node { name: "b" op: "Variable" attr { key: "dtype" value { s: "$1" } } attr { key: "shape" value { shape { dim: 1 } } } attr { key: "initializer" value { s: "constant" } } attr { key: "init_value" value { f: 0.25 } } }
  node { name: "xw" op: "MatMul" input: "x" input: "w" }
  node { name: "y" op: "BiasAdd" input: "xw" input: "b" }
}
prediction { input: "x" output: "y" }
MODEL
}

model float32 > "$TMP/f32.pbtxt"
model float64 > "$TMP/f64.pbtxt"

# 0.5 · 0.5 - 3 + 1.5 · 2 + 0.25 = 0.5 exactly. 0.1 · 0.5 - 0.2 + 0.25
# rounds to 0.09999999999999998 in float64: 9 digits would print 0.1.
out=$("$TRAIN" "$TMP/f64.pbtxt" --predict "0.5,3,1.5; 0.1,0.2,0") ||
  fail "train_graph exited $?: $out"
expect_contains "$out" "predict [0.5, 3, 1.5] -> [0.5]" "float64"
expect_contains "$out" "predict [0.1, 0.2, 0] -> [0.09999999999999998]" \
  "float64 digits"

out=$("$TRAIN" "$TMP/f32.pbtxt" --predict "1,1,1; 0.1,0,0") ||
  fail "train_graph exited $?: $out"
expect_contains "$out" "predict [1, 1, 1] -> [1.75]" "float32"
# 0.1f · 0.5 + 0.25 in float32, printed with 9 digits.
expect_contains "$out" "predict [0.1, 0, 0] -> [0.300000012]" "float32"

out=$("$TRAIN" "$TMP/f64.pbtxt" 2>&1)
[[ $? -eq 1 ]] || fail "a model without training nor --predict exited $?"
expect_contains "$out" "there is nothing to train; give --predict to predict" "no --predict"

finish_checks "a model without training predicts from its initial values"
