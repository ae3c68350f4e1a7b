#!/usr/bin/env bash
# End-to-end: train_graph and inspect_checkpoint on the example models.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

TRAIN="$TEST_SRCDIR/nabla/tools/train_graph"
INSPECT="$TEST_SRCDIR/nabla/tools/inspect_checkpoint"
EXAMPLES="$TEST_SRCDIR/nabla/examples"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"

# expect_contains TEXT FRAGMENT WHAT
# First number inside "-> [ ]" of a prediction line.
prediction_of() { sed -n 's/^predict .* -> \[\([^],]*\).*$/\1/p' <<<"$1" | head -1; }

# --- test score: trains, predicts, checkpoints ---------------------------
out=$("$TRAIN" "$EXAMPLES/test_score.pbtxt" --predict "4,8" --save "$TMP/score.ckpt") ||
  fail "test_score training exited $?"
expect_contains "$out" "predict [4, 8] -> [" "test_score prediction"
score=$(prediction_of "$out")
awk -v s="$score" 'BEGIN { exit !(s > 70 && s < 100) }' ||
  fail "test_score: predicted score '$score' is not a plausible score in (70, 100)"
first_loss=$(sed -n 's/^epoch 1\/[0-9]*  loss \([^ ]*\).*/\1/p' <<<"$out")
last_loss=$(sed -n 's/^epoch 2000\/2000  loss \([^ ]*\).*/\1/p' <<<"$out")
awk -v a="$first_loss" -v b="$last_loss" 'BEGIN { exit !(b < a / 10) }' ||
  fail "test_score: loss did not fall tenfold ($first_loss -> $last_loss)"

inspected=$("$INSPECT" "$TMP/score.ckpt") || fail "inspect_checkpoint exited $?"
expect_contains "$inspected" "step 2000" "inspect step"
expect_contains "$inspected" "variable w1 float32[2, 3]" "inspect w1"
expect_contains "$inspected" "variable b2 float32[1]" "inspect b2"

# Resuming gives the same prediction as right after training.
resumed=$("$TRAIN" "$EXAMPLES/test_score.pbtxt" --resume "$TMP/score.ckpt" --predict "4,8") ||
  fail "resume exited $?"
[[ "$(grep '^predict' <<<"$out")" == "$(grep '^predict' <<<"$resumed")" ]] ||
  fail "resumed prediction differs: $(grep '^predict' <<<"$resumed") vs $(grep '^predict' <<<"$out")"

# A checkpoint read and written again holds the same values.
"$TRAIN" "$EXAMPLES/test_score.pbtxt" --resume "$TMP/score.ckpt" --save "$TMP/again.ckpt" >/dev/null ||
  fail "resume+save exited $?"
[[ "$("$INSPECT" "$TMP/again.ckpt")" == "$inspected" ]] || fail "re-saved checkpoint differs"

# --- XOR --------------------------------------------------------------------
out=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --predict "0,0; 0,1; 1,0; 1,1") || fail "xor exited $?"
rounded=$(sed -n 's/^predict .* -> \[\(.*\)\]$/\1/p' <<<"$out" |
  awk '{ printf "%d", ($1 >= 0.5) }')
[[ "$rounded" == "0110" ]] || fail "xor outputs round to $rounded, want 0110: $out"

# Threads change nothing in the results.
out2=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --threads 2 --predict "0,0; 0,1; 1,0; 1,1") ||
  fail "xor --threads 2 exited $?"
# Epoch lines end with the speed and time, which vary.
[[ "$(grep -E '^(epoch|predict)' <<<"$out" | sed -E 's/  [0-9.]+ samples.*//')" == \
   "$(grep -E '^(epoch|predict)' <<<"$out2" | sed -E 's/  [0-9.]+ samples.*//')" ]] ||
  fail "xor with 2 threads differs from 1 thread"
# Nor does keeping both threads on every step (--fixed_threads), where the
# default may run some steps on one thread.
out3=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --threads 2 --fixed_threads \
  --predict "0,0; 0,1; 1,0; 1,1") || fail "xor --fixed_threads exited $?"
[[ "$(grep -E '^(epoch|predict)' <<<"$out" | sed -E 's/  [0-9.]+ samples.*//')" == \
   "$(grep -E '^(epoch|predict)' <<<"$out3" | sed -E 's/  [0-9.]+ samples.*//')" ]] ||
  fail "xor with --fixed_threads differs from 1 thread"

# --- three inputs: predicts [0.2, 3.1, 1.7]; targets are (sum) / 10 --------
out=$("$TRAIN" "$EXAMPLES/three_inputs.pbtxt" --predict "0.2,3.1,1.7") || fail "three_inputs exited $?"
p=$(prediction_of "$out")
awk -v p="$p" 'BEGIN { exit !(p > 0.45 && p < 0.55) }' ||
  fail "three_inputs: prediction '$p' is not near 0.5"

# --- errors: clear message, non-zero status --------------------------------
err=$("$TRAIN" "$TMP/missing.pbtxt" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "missing model: exit $code, want 1"
expect_contains "$err" "$TMP/missing.pbtxt: cannot open" "missing model message"

err=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --epoch 3 2>&1 >/dev/null); code=$?
[[ $code -eq 2 ]] || fail "unknown flag: exit $code, want 2"
expect_contains "$err" "unknown flag --epoch; did you mean --epochs?" "unknown flag message"

err=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --batch_size 0 2>&1 >/dev/null); code=$?
[[ $code -eq 2 ]] || fail "zero batch size: exit $code"
expect_contains "$err" "--batch_size must be at least 1, got 0" "batch size message"

err=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --learning_rate -1 2>&1 >/dev/null); code=$?
[[ $code -eq 2 ]] || fail "negative learning rate: exit $code"
expect_contains "$err" "--learning_rate must be positive, got -1" "learning rate message"

out=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --predict "1,2,3" 2>"$TMP/err"); code=$?
err=$(cat "$TMP/err")
[[ $code -eq 1 ]] || fail "bad predict row: exit $code"
expect_contains "$err" "--predict: row 1 has 3 values" "predict row message"
[[ "$out" != *"epoch 1/"* ]] || fail "a bad --predict row is found only after training"

out=$("$TRAIN" --list "$EXAMPLES/xor.pbtxt") || fail "--list with a model exited $?"
# No run banner ("training xor.pbtxt: 4 samples ... epochs 1 to ...") and no epoch:
# the op docs may say "training" themselves.
[[ "$out" != *"epochs 1 to"* && "$out" != *"epoch 1/"* ]] ||
  fail "--list with a model trained"

err=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --threads 5000 2>&1 >/dev/null); code=$?
[[ $code -eq 2 ]] || fail "too many threads: exit $code"
expect_contains "$err" "--threads must be at most 1024, got 5000" "threads message"

sed 's/output_units_of: "score"/output_units_of: "scor"/' "$EXAMPLES/test_score.pbtxt" > "$TMP/units.pbtxt"
out=$("$TRAIN" "$TMP/units.pbtxt" --predict "4,8" 2>"$TMP/err"); code=$?
[[ $code -eq 1 ]] || fail "output_units_of typo: exit $code"
expect_contains "$(cat "$TMP/err")" "prediction.output_units_of names 'scor', which is not a normalised placeholder" "output_units_of message"
[[ "$out" != *"epoch 1/"* ]] || fail "the output_units_of typo is found only after training"

printf '1,2x\n3,4\n' > "$TMP/typo.csv"
err=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --epochs 1 --predict_file "$TMP/typo.csv" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "typo in the first --predict_file row: exit $code"
expect_contains "$err" "typo.csv:1: '2x' is not a number" "first row typo message"

printf 'graph { node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: 1 } } } } }\n' > "$TMP/untrained.pbtxt"
err=$("$TRAIN" "$TMP/untrained.pbtxt" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "model without training: exit $code"
expect_contains "$err" "untrained.pbtxt has no training section" "no training message"

err=$("$TRAIN" "$EXAMPLES/xor.pbtxt" --resume "$TMP/score.ckpt" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "checkpoint of another model: exit $code"
expect_contains "$err" "does not match the model" "foreign checkpoint message"

printf 'graph { node { name: "a" op: "MatMull" } }\n' > "$TMP/typo.pbtxt"
err=$("$TRAIN" "$TMP/typo.pbtxt" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "unknown op: exit $code"
expect_contains "$err" "typo.pbtxt:1: node 'a' (MatMull): unknown op 'MatMull'; did you mean MatMul" "unknown op message"

printf 'graph {\n  node { name: "a" op: "Const" }\n  bogus: 1\n}\n' > "$TMP/field.pbtxt"
err=$("$TRAIN" "$TMP/field.pbtxt" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "unknown field: exit $code"
expect_contains "$err" "field.pbtxt:3:" "unknown field position"
expect_contains "$err" "bogus" "unknown field name"

# A full stdout loses what the tools print: they say so and fail.
if [[ -w /dev/full ]]; then
  err=$("$TRAIN" "$EXAMPLES/test_score.pbtxt" --resume "$TMP/score.ckpt" \
    --predict "4,8" 2>&1 >/dev/full); code=$?
  [[ $code -eq 1 ]] || fail "predictions to a full stdout: exit $code"
  expect_contains "$err" "train_graph: could not write to standard output: No space left on device" "full stdout message"
  err=$("$INSPECT" "$TMP/score.ckpt" 2>&1 >/dev/full); code=$?
  [[ $code -eq 1 ]] || fail "inspect_checkpoint to a full stdout: exit $code"
  expect_contains "$err" "inspect_checkpoint: could not write to standard output" "inspect full stdout message"
fi

finish_checks "all train_graph end-to-end checks passed"
