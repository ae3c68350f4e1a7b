#!/usr/bin/env bash
# End-to-end: train_graph with plugins. --plugin with the example PReLU
# library (built by Bazel, and again by a plain g++ command line against
# the plugin SDK headers), --list, --gradcheck, and the errors for bad
# plugins.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

ROOT="$TEST_SRCDIR/nabla"
TRAIN="$ROOT/tools/train_graph"
PRELU="$ROOT/plugins/examples/libprelu.so"
MODEL="$ROOT/examples/prelu_xor.pbtxt"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"

# --- training with the Bazel-built plugin ------------------------------
out=$("$TRAIN" "$MODEL" --plugin "$PRELU" --predict "0,0; 0,1; 1,0; 1,1") ||
  fail "training with --plugin exited $?"
expect_xor "$out" "bazel-built plugin"

# --- --list: built-ins of every kind and the plugin's op with its origin --
out=$("$TRAIN" --list --plugin "$PRELU") || fail "--list exited $?"
for section in "ops:" "activations:" "losses:" "optimizers:" "schedules:" "data sources:"; do
  expect_contains "$out" "$section" "--list section"
done
expect_contains "$out" "  PReLU(x, alpha) -> (y)  [$PRELU]" "--list plugin op"
expect_contains "$out" "  LeakyReLU(x) -> (y)  alpha=0.01  [built in]" "--list attribute default"
expect_contains "$out" "SparseSoftmaxCrossEntropy(logits, labels (no gradient))" "--list loss"
expect_contains "$out" "  Adam  learning_rate=0.001, beta1=0.9" "--list optimizer"
expect_contains "$out" "  step  step_size: int (required), gamma=0.1  [built in]" "--list schedule"

# --- --gradcheck over every op of the model, plugin op included ---------
out=$("$TRAIN" "$MODEL" --plugin "$PRELU" --gradcheck) || fail "--gradcheck exited $?"
expect_contains "$out" "PReLU (plugin)" "--gradcheck plugin op"
if grep -q "FAIL" <<<"$out"; then fail "--gradcheck reported a failure: $out"; fi
rows=$(grep -cE ' ok( |$)' <<<"$out")
# MatMul a,b twice; BiasAdd x,bias twice; PReLU x,alpha; MSE both inputs.
[[ $rows -eq 12 ]] || fail "--gradcheck: expected 12 checked inputs, got $rows: $out"

# --- --gradcheck catches a plugin op with a wrong gradient --------------
cat > "$TMP/cube.pbtxt" <<'MODEL'
graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 2 dim: 2 } } } }
  node { name: "h" op: "MatMul" input: "x" input: "w" }
  node { name: "c" op: "Cube" input: "h" }
  node { name: "loss" op: "ReduceSum" input: "c" }
}
data { feed { placeholder: "x" tensor { shape { dim: 2 dim: 2 } value: [1, 2, 3, 4] } } }
MODEL
out=$("$TRAIN" "$TMP/cube.pbtxt" --plugin "$ROOT/tests/plugins/loader/fixtures/libwrong_gradient.so" --gradcheck 2>&1); code=$?
[[ $code -eq 1 ]] || fail "--gradcheck of a wrong gradient: exit $code"
expect_contains "$out" "Cube (plugin)" "--gradcheck wrong gradient row"
expect_contains "$out" "op 'Cube': gradient of input 0 (x" "--gradcheck failure description"
expect_contains "$out" "gradcheck failed" "--gradcheck failure status"
grep -qE '^h +MatMul +a +.* ok' <<<"$out" || fail "--gradcheck: MatMul should pass: $out"

# --- the same plugin built by g++ against the SDK headers ---------------
mkdir -p "$TMP/sdk"
tar -xf "$ROOT/core/nabla_plugin_sdk.tar" -C "$TMP/sdk" || fail "untar SDK"
g++ -std=c++17 -O2 -fPIC -shared -I "$TMP/sdk/include" \
  "$ROOT/plugins/examples/prelu.cc" -o "$TMP/libprelu_gxx.so" ||
  fail "g++ could not build the example plugin against the SDK"
out=$("$TRAIN" "$MODEL" --plugin "$TMP/libprelu_gxx.so" --predict "0,0; 0,1; 1,0; 1,1") ||
  fail "training with the g++-built plugin exited $?"
expect_xor "$out" "g++-built plugin"

# --- errors -------------------------------------------------------------
err=$("$TRAIN" "$MODEL" --plugin "$TMP/missing.so" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "missing plugin: exit $code"
expect_contains "$err" "plugin $TMP/missing.so: cannot be opened: No such file or directory" "missing plugin message"

err=$("$TRAIN" "$MODEL" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "model without its plugin: exit $code"
expect_contains "$err" "unknown op 'PReLU'" "model without its plugin message"

err=$("$TRAIN" "$MODEL" --plugin "$PRELU" --plugin "$TMP/libprelu_gxx.so" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "the same op from two libraries: exit $code"
expect_contains "$err" "op 'PReLU' is already registered ($PRELU)" "duplicate op message"

finish_checks "all train_graph plugin checks passed"
