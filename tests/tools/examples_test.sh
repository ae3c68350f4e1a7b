#!/usr/bin/env bash
# End-to-end: the example models train to the results their comments
# promise. Fashion-MNIST trains one epoch here (the full 10 epochs are in
# the README's measurements), on Debian's dataset-fashion-mnist.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

ROOT="$TEST_SRCDIR/nabla"
TRAIN="$ROOT/tools/train_graph"
EXAMPLES="$ROOT/examples"
# Regression on a CSV file: the function's value at [1, 1, 1] is 2.02.
out=$("$TRAIN" "$EXAMPLES/regression_csv.pbtxt" --predict "1,1,1") ||
  fail "regression_csv exited $?"
value=$(sed -n 's/^predict \[1, 1, 1\] -> \[\(.*\)\]$/\1/p' <<<"$out")
awk -v v="$value" 'BEGIN { exit !(v > 1.8 && v < 2.3) }' ||
  fail "regression_csv: predicted '$value' for [1, 1, 1], want about 2.02"
expect_contains "$out" "val_mse" "regression validation metric"

# Classification on CSV files with string labels.
out=$("$TRAIN" "$EXAMPLES/classification_csv.pbtxt" --predict "0,2; 2,-1") ||
  fail "classification_csv exited $?"
accuracy=$(sed -n 's/^test: 90 samples  loss [^ ]*  accuracy \(.*\)$/\1/p' <<<"$out")
awk -v a="$accuracy" 'BEGIN { exit !(a > 0.85) }' ||
  fail "classification_csv: test accuracy '$accuracy', want > 0.85: $out"
expect_contains "$out" "true\\pred  red  green  blue  recall" "confusion matrix"
expect_contains "$out" "class      precision  recall     f1  support" "class scores"
expect_contains "$out" "macro avg " "macro average"
expect_contains "$out" "predict [0, 2] -> class 0 (red)  p=" "class name"
expect_contains "$out" "predict [2, -1] -> class 2 (blue)  p=" "class name"
# Metrics asked for by flag reach the epoch line and the test line.
out=$("$TRAIN" "$EXAMPLES/classification_csv.pbtxt" --metrics f1,top2) ||
  fail "classification_csv --metrics exited $?"
expect_contains "$out" "val_f1 " "validation F1"
expect_contains "$out" "  f1 " "test F1"
expect_contains "$out" "  top2 " "test top-2 accuracy"

# Fashion-MNIST, one epoch.
out=$("$TRAIN" "$EXAMPLES/fashion_mnist_mlp.pbtxt" --epochs 1 --threads 2) ||
  fail "fashion_mnist_mlp exited $?"
expect_contains "$out" "55000 samples (5000 for validation)" "fashion split"
accuracy=$(sed -n 's/^test: 10000 samples  loss [^ ]*  accuracy \(.*\)$/\1/p' <<<"$out")
awk -v a="$accuracy" 'BEGIN { exit !(a > 0.8) }' ||
  fail "fashion_mnist_mlp: test accuracy '$accuracy' after one epoch, want > 0.8"
expect_contains "$out" "Ankle boot" "fashion class names"

# The Fashion-MNIST CNN: its graph builds on [N, 1, 28, 28] images from
# the IDX files and a few training steps run (a full epoch is left out:
# under the sanitizers it takes minutes).
out=$("$TRAIN" "$EXAMPLES/fashion_mnist_cnn.pbtxt" --time --time_iterations 3 \
  --threads 2) || fail "fashion_mnist_cnn --time exited $?"
expect_contains "$out" "feeds: image [64, 1, 28, 28], label [64]" "CNN feeds"
expect_contains "$out" "conv2/conv       Conv2D" "CNN conv layer"
expect_contains "$out" "drop1            Dropout" "CNN dropout"

# The residual network: BatchNorm layers and a skip connection build, and
# a few training steps run.
out=$("$TRAIN" "$EXAMPLES/fashion_mnist_resnet.pbtxt" --time --time_iterations 3 \
  --threads 2) || fail "fashion_mnist_resnet --time exited $?"
expect_contains "$out" "feeds: image [64, 1, 28, 28], label [64]" "ResNet feeds"
expect_contains "$out" "block_sum" "ResNet skip connection"
expect_contains "$out" "stem_bn/batch_norm" "ResNet batch norm"

finish_checks "all example checks passed"
