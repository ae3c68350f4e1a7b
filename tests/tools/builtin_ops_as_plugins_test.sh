#!/usr/bin/env bash
# The built-in activations and losses are plugins too: Sigmoid and
# MeanSquaredError, built from their own sources with a plain g++ command
# line against the plugin SDK tarball (and nothing else of the tree), load
# into a train_graph that lacks them and train examples/test_score.pbtxt to
# the same digits as train_graph with them built in.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

ROOT="$TEST_SRCDIR/nabla"
TRAIN="$ROOT/tools/train_graph"
BARE="$ROOT/tools/train_graph_without_op_plugins"
MODEL="$ROOT/examples/test_score.pbtxt"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"

# --- the SDK, and the plugin sources alone ---------------------------------
SDK="$TMP/sdk"
mkdir -p "$SDK" "$TMP/src/plugins/activations" "$TMP/src/plugins/losses"
tar -xf "$ROOT/core/nabla_plugin_sdk.tar" -C "$SDK" || fail "untar SDK"
cp "$ROOT/plugins/activations/sigmoid.cc" "$TMP/src/plugins/activations/"
for f in mean_squared_error.cc {class_weights,elementwise_loss,loss_reduction}.{h,cc}; do
  cp "$ROOT/plugins/losses/$f" "$TMP/src/plugins/losses/"
done

# build NAME SOURCES...: lib<NAME>.so from the sources and the SDK's
# plugin_library.cc, as docs/plugins.md shows.
build() {
  local name=$1
  shift
  (cd "$TMP/src" &&
    g++ -std=c++17 -O2 -ffp-contract=off -fPIC -shared -DNABLA_PLUGIN_BUILD -I "$SDK/include" -I . \
      "$@" "$SDK/src/core/plugin_library.cc" -o "$TMP/lib$name.so") ||
    fail "g++ could not build lib$name.so against the SDK"
}
build sigmoid plugins/activations/sigmoid.cc
build mean_squared_error \
  plugins/losses/{mean_squared_error,class_weights,elementwise_loss,loss_reduction}.cc
PLUGINS=(--plugin "$TMP/libsigmoid.so" --plugin "$TMP/libmean_squared_error.so")

# --- without the plugins, the bare train_graph knows neither op -----------
err=$("$BARE" "$MODEL" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "bare train_graph without plugins: exit $code"
expect_contains "$err" "unknown op 'Sigmoid'" "bare train_graph without plugins"

err=$("$BARE" "$MODEL" --plugin "$TMP/libsigmoid.so" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "bare train_graph with Sigmoid alone: exit $code"
expect_contains "$err" "unknown op 'MeanSquaredError'" "bare train_graph with Sigmoid alone"

# --- with them, the ops come from the libraries -----------------------------
out=$("$BARE" --list "${PLUGINS[@]}") || fail "--list exited $?"
expect_contains "$out" "  Sigmoid(x) -> (y)  [$TMP/libsigmoid.so]" "--list Sigmoid"
expect_contains "$out" \
  "  MeanSquaredError(predictions, labels) -> (loss)  reduction=\"mean\", weight=1  [$TMP/libmean_squared_error.so]" \
  "--list MeanSquaredError"
if grep -q "Tanh" <<<"$out"; then fail "--list: the bare train_graph has Tanh built in"; fi

# --- and train to the digits of the built-in ops ----------------------------
builtin=$("$TRAIN" "$MODEL" --predict "4,8; 1,5") || fail "train_graph exited $?"
plugged=$("$BARE" "$MODEL" "${PLUGINS[@]}" --predict "4,8; 1,5") ||
  fail "bare train_graph with plugins exited $?"
# The last epoch's losses and metrics (not its timing), and the predictions.
digits() { grep -E '^(predict|epoch 2000/)' <<<"$1" | sed 's/  [0-9]* samples\/s.*//'; }
want=$(digits "$builtin")
got=$(digits "$plugged")
[[ $(grep -c '^predict' <<<"$want") -eq 2 && "$want" == *"loss 0."* ]] ||
  fail "train_graph printed no loss or predictions: $builtin"
[[ "$got" == "$want" ]] || fail "the plugins train differently: got
$got
want
$want"

finish_checks "all checks of the built-in ops as plugins passed"
