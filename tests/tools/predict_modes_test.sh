#!/usr/bin/env bash
# A model with BatchNorm and Dropout predicts the same values from
# train_graph --predict right after training, from train_graph resumed
# from a checkpoint, and from the C++ API, trained in-process or restored
# from train_graph's checkpoint: every prediction runs in inference mode
# (Dropout off, BatchNorm's running statistics), and the running
# statistics travel in the checkpoints.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

TRAIN="$TEST_SRCDIR/nabla/tools/train_graph"
API="$TEST_SRCDIR/nabla/tests/tools/api_predict"
MODEL="$TEST_SRCDIR/nabla/tests/tools/testdata/dropout_batch_norm.pbtxt"
TMP="$TEST_TMPDIR"
SAMPLE="0.2,3.1,1.7"

prediction() { sed -n 's/^predict .*-> \[\(.*\)\]$/\1/p' <<<"$1"; }

out=$("$TRAIN" "$MODEL" --save "$TMP/tg.ckpt" --predict "$SAMPLE") ||
  fail "train_graph exited $?"
trained=$(prediction "$out")
[[ -n "$trained" ]] || fail "no prediction from train_graph: $out"

out=$("$TRAIN" "$MODEL" --resume "$TMP/tg.ckpt" --predict "$SAMPLE") ||
  fail "train_graph --resume exited $?"
resumed=$(prediction "$out")
[[ "$resumed" == "$trained" ]] ||
  fail "train_graph predicts $trained after training, $resumed from its checkpoint"

out=$("$API" "$MODEL" restore "$TMP/tg.ckpt" "$SAMPLE") ||
  fail "api_predict restore exited $?"
restored=$(prediction "$out")
[[ "$restored" == "$trained" ]] ||
  fail "the C++ API predicts $restored from train_graph's checkpoint, train_graph $trained"
# The running mean moved away from its zeros: BatchNorm was trained.
mean=$(sed -n 's/^bn\/mean //p' <<<"$out")
[[ -n "$mean" && "$mean" != "0 0 0 0 0 0 0 0" ]] ||
  fail "bn/mean is '$mean' after training"

out=$("$API" "$MODEL" train "$TMP/api.ckpt" "$SAMPLE") ||
  fail "api_predict train exited $?"
api_trained=$(prediction "$out")
[[ "$api_trained" == "$trained" ]] ||
  fail "the C++ API predicts $api_trained after training, train_graph $trained"

out=$("$TRAIN" "$MODEL" --resume "$TMP/api.ckpt" --predict "$SAMPLE") ||
  fail "train_graph --resume of the API's checkpoint exited $?"
[[ "$(prediction "$out")" == "$trained" ]] ||
  fail "train_graph predicts $(prediction "$out") from the API's checkpoint, $trained after training"

finish_checks "all prediction-mode checks passed: $trained"
