#!/usr/bin/env bash
# End-to-end: the apps in examples/embed, built by Bazel against the public
# API, do what their comments promise, and agree with train_graph.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

ROOT="$TEST_SRCDIR/nabla"
TRAIN="$ROOT/tools/train_graph"
EXAMPLES="$ROOT/examples"
EMBED="$ROOT/examples/embed"
TMP="$TEST_TMPDIR"

# predict_score reads the checkpoint train_graph wrote and predicts what
# train_graph predicts.
"$TRAIN" "$EXAMPLES/test_score.pbtxt" --save "$TMP/score.ckpt" >/dev/null ||
  fail "train_graph test_score exited $?"
out=$("$EMBED/predict_score" "$EXAMPLES/test_score.pbtxt" "$TMP/score.ckpt") ||
  fail "predict_score exited $?"
expect_contains "$out" "4 hours studied, 8 hours slept: predicted score 89.7" \
  "predict_score"
out=$("$EMBED/predict_score" "$EXAMPLES/test_score.pbtxt" "$TMP/none.ckpt" 2>&1)
status=$?
[[ $status -eq 1 ]] || fail "predict_score with a missing checkpoint exited $status"
expect_contains "$out" "predict_score: $TMP/none.ckpt" "missing checkpoint"

# train_xor learns XOR, and the model and checkpoint it saves give
# train_graph the same outputs.
out=$("$EMBED/train_xor" "$TMP/xor.pbtxt" "$TMP/xor.ckpt") ||
  fail "train_xor exited $?"
expect_contains "$out" "epoch 3000/3000" "train_xor epoch lines"
for case in "0 0 0" "0 1 1" "1 0 1" "1 1 0"; do
  read -r a b want <<<"$case"
  value=$(sed -n "s/^xor($a, $b) = \(.*\)$/\1/p" <<<"$out")
  awk -v v="$value" -v w="$want" 'BEGIN { d = v - w; exit !(d < 0.1 && d > -0.1) }' ||
    fail "train_xor: xor($a, $b) = '$value', want about $want"
  predicted=$("$TRAIN" "$TMP/xor.pbtxt" --resume "$TMP/xor.ckpt" \
    --predict "$a,$b" | sed -n 's/^predict \[.*\] -> \[\(.*\)\]$/\1/p')
  awk -v v="$value" -v p="$predicted" 'BEGIN { d = v - p; exit !(d < 1e-6 && d > -1e-6) }' ||
    fail "train_graph predicts '$predicted' for ($a, $b) from train_xor's files, train_xor printed '$value'"
done

# serve_predictions: one epoch of Fashion-MNIST, then 8 threads classify
# the 10,000 test images and agree with one thread.
"$TRAIN" "$EXAMPLES/fashion_mnist_mlp.pbtxt" --epochs 1 --threads 2 \
  --save "$TMP/fashion.ckpt" >/dev/null || fail "train_graph fashion exited $?"
out=$("$EMBED/serve_predictions" "$EXAMPLES/fashion_mnist_mlp.pbtxt" \
  "$TMP/fashion.ckpt" 8) || fail "serve_predictions exited $?"
echo "$out"
expect_contains "$out" "served 10000 test images, one request each, from 8 threads" \
  "serve_predictions"
expect_contains "$out" "; 0 answers differ from the single-threaded ones; 0 requests failed" \
  "serve_predictions agreement"
accuracy=$(sed -n 's/^accuracy \([0-9.]*\);.*$/\1/p' <<<"$out")
awk -v a="$accuracy" 'BEGIN { exit !(a > 0.8) }' ||
  fail "serve_predictions: accuracy '$accuracy' after one epoch, want > 0.8"

finish_checks "all embedding example checks passed"
