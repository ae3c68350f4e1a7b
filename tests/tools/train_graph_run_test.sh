#!/usr/bin/env bash
# End-to-end: what a training run of train_graph leaves behind. Exact
# resume from the command line, --check_numerics and --memory_limit on a
# healthy run, SIGINT saving a checkpoint, a second SIGINT or SIGTERM
# ending the run at once with the previous checkpoint intact, the JSON
# Lines log, the SVG plot, --checkpoint_every, --eval and --predict_file.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

ROOT="$TEST_SRCDIR/nabla"
TRAIN="$ROOT/tools/train_graph"
INSPECT="$ROOT/tools/inspect_checkpoint"
EXAMPLES="$ROOT/examples"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"

# A shuffled minibatch model with validation data held out, Adam and a
# schedule: everything that must come back on resume.
cat > "$TMP/model.pbtxt" <<'MODEL'
graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "h" op: "Dense" input: "x" attr { key: "units" value { i: 4 } } attr { key: "activation" value { s: "Tanh" } } }
  node { name: "p" op: "Dense" input: "h" attr { key: "units" value { i: 1 } } }
  node { name: "loss" op: "MeanSquaredError" input: "p" input: "y" }
}
training {
  loss: "loss"
  optimizer {
    name: "Adam"
    attr { key: "learning_rate" value { f: 0.02 } }
    schedule { name: "step" attr { key: "step_size" value { i: 7 } } attr { key: "gamma" value { f: 0.7 } } }
  }
  epochs: 6
  batch_size: 3
  shuffle: true
  seed: 3
}
prediction { input: "x" output: "p" output_units_of: "y" }
data {
  feed { placeholder: "x" tensor { shape { dim: 10 dim: 2 } value: [0, 1, 1, 0, 2, 1, 1, 2, 3, 0, 0, 3, 2, 2, 1, 3, 3, 1, 2, 3] } }
  feed { placeholder: "y" tensor { shape { dim: 10 dim: 1 } value: [10, 10, 30, 30, 30, 30, 40, 40, 40, 50] } }
  validation_fraction: 0.2
  normalize { placeholder: "x" method: STANDARDIZE }
  normalize { placeholder: "y" method: DIVIDE_BY_MAX }
  test { feed { placeholder: "x" tensor { shape { dim: 2 dim: 2 } value: [1, 1, 2, 2] } } feed { placeholder: "y" tensor { shape { dim: 2 dim: 1 } value: [20, 40] } } }
}
MODEL

# --- exact resume: 6 epochs at once == 3 epochs, then 3 more ------------
"$TRAIN" "$TMP/model.pbtxt" --save "$TMP/straight.ckpt" \
  --metrics_out "$TMP/metrics.jsonl" --plot "$TMP/plot.svg" > "$TMP/straight.out" ||
  fail "straight run exited $?"
"$TRAIN" "$TMP/model.pbtxt" --epochs 3 --save "$TMP/half.ckpt" > /dev/null ||
  fail "first half exited $?"
out=$("$TRAIN" "$TMP/model.pbtxt" --resume "$TMP/half.ckpt" --save "$TMP/resumed.ckpt") ||
  fail "resume exited $?"
expect_contains "$out" "restored $TMP/half.ckpt (step 9, epoch 3)" "resume message"
expect_contains "$out" "epochs 4 to 6" "resume continues"
[[ "$("$INSPECT" "$TMP/straight.ckpt")" == "$("$INSPECT" "$TMP/resumed.ckpt")" ]] ||
  fail "resumed run differs from the straight one"
expect_contains "$("$INSPECT" "$TMP/resumed.ckpt")" "position epoch 6, sample 0" "position"
expect_contains "$("$INSPECT" "$TMP/resumed.ckpt")" "normalization y DIVIDE_BY_MAX offset 0 scale 50" "statistics"

# --- --check_numerics and --memory_limit leave a healthy run as it was --
"$TRAIN" "$TMP/model.pbtxt" --check_numerics --memory_limit 64M \
  --save "$TMP/checked.ckpt" > /dev/null || fail "--check_numerics exited $?"
[[ "$("$INSPECT" "$TMP/straight.ckpt")" == "$("$INSPECT" "$TMP/checked.ckpt")" ]] ||
  fail "--check_numerics changed the run"

# --- what the straight run printed and wrote -----------------------------
straight=$(cat "$TMP/straight.out")
expect_contains "$straight" "8 samples (2 for validation)" "holdout"
expect_contains "$straight" "val_loss" "validation loss on the epoch line"
expect_contains "$straight" "test: 2 samples  loss " "test evaluation"
[[ $(wc -l < "$TMP/metrics.jsonl") -eq 6 ]] || fail "metrics log: expected 6 lines"
first=$(head -1 "$TMP/metrics.jsonl")
for key in '"epoch":1' '"step":3' '"loss":' '"lr":0.02' '"samples_per_sec":' '"seconds":' '"val_loss":' '"mse":' '"val_mse":'; do
  expect_contains "$first" "$key" "metrics log key"
done
# The test data is scored after the last epoch only, unless asked.
[[ "$first" != *test_loss* ]] || fail "epoch 1 scored the test data: $first"
last=$(tail -1 "$TMP/metrics.jsonl")
for key in '"epoch":6' '"test_loss":' '"test_mse":'; do
  expect_contains "$last" "$key" "metrics log key of the last epoch"
done
"$TRAIN" "$TMP/model.pbtxt" --test_every_epoch --metrics_out "$TMP/every.jsonl" \
  > /dev/null || fail "--test_every_epoch exited $?"
[[ $(grep -c '"test_loss":' "$TMP/every.jsonl") -eq 6 ]] ||
  fail "--test_every_epoch: not every epoch scored the test data: $(cat "$TMP/every.jsonl")"
python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$TMP/metrics.jsonl" ||
  fail "metrics log is not JSON Lines"
python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$TMP/plot.svg" ||
  fail "plot is not well-formed XML"
expect_contains "$(cat "$TMP/plot.svg")" "<svg" "plot"

# --- --eval evaluates a checkpoint without training -----------------------
out=$("$TRAIN" "$TMP/model.pbtxt" --resume "$TMP/straight.ckpt" --eval) || fail "--eval exited $?"
expect_contains "$out" "test: 2 samples  loss " "--eval"
grep -q "^epoch " <<<"$out" && fail "--eval trained: $out"

# --- predictions from a CSV file, back in the target's units -------------
printf 'a,b\n1,1\n2,2\n' > "$TMP/rows.csv"
out=$("$TRAIN" "$TMP/model.pbtxt" --resume "$TMP/straight.ckpt" --predict_file "$TMP/rows.csv") ||
  fail "--predict_file exited $?"
[[ $(grep -c '^predict \[' <<<"$out") -eq 2 ]] || fail "--predict_file: two rows expected: $out"
value=$(sed -n 's/^predict \[2, 2\] -> \[\(.*\)\]$/\1/p' <<<"$out")
awk -v v="$value" 'BEGIN { exit !(v > 5 && v < 80) }' ||
  fail "--predict_file: '$value' is not in the units of y (10..50)"

# --- --checkpoint_every ---------------------------------------------------
"$TRAIN" "$TMP/model.pbtxt" --epochs 4 --checkpoint_every 2 --save "$TMP/every.ckpt" \
  --metrics_out /dev/null > /dev/null || fail "--checkpoint_every exited $?"
expect_contains "$("$INSPECT" "$TMP/every.ckpt")" "position epoch 4" "--checkpoint_every final"
err=$("$TRAIN" "$TMP/model.pbtxt" --checkpoint_every 2 2>&1 >/dev/null); code=$?
[[ $code -eq 2 ]] || fail "--checkpoint_every without --save: exit $code"
expect_contains "$err" "--checkpoint_every needs --save" "--checkpoint_every message"

# --- SIGINT: finish the step, save, exit cleanly, resume ------------------
"$TRAIN" "$TMP/model.pbtxt" --epochs 100000000 --log_every 1000000 --save "$TMP/sig.ckpt" \
  > "$TMP/sig.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  grep -q "^training" "$TMP/sig.out" 2>/dev/null && break
  sleep 0.1
done
sleep 0.5
kill -INT "$pid"
wait "$pid"; code=$?
[[ $code -eq 0 ]] || fail "SIGINT: exit $code: $(cat "$TMP/sig.out")"
expect_contains "$(cat "$TMP/sig.out")" "stopped by signal 2 at epoch" "SIGINT message"
expect_contains "$(cat "$TMP/sig.out")" "saved $TMP/sig.ckpt" "SIGINT save"
epoch=$("$INSPECT" "$TMP/sig.ckpt" | sed -n 's/^position epoch \([0-9]*\),.*/\1/p')
[[ -n "$epoch" && $epoch -gt 0 ]] || fail "SIGINT checkpoint has no position"
out=$("$TRAIN" "$TMP/model.pbtxt" --resume "$TMP/sig.ckpt" --epochs $((epoch + 2))) ||
  fail "resume after SIGINT exited $?"
expect_contains "$out" "epoch $((epoch + 2))/$((epoch + 2))" "resume after SIGINT trains on"

# --- a second signal ends the run at once; the last checkpoint survives --
# An unused 2000x2000 variable makes each save take a while (32 MB). The
# second signal is sent once the first one's save has begun (its temporary
# file exists): sent at once, two equal signals can merge into one while
# the first is still pending. The run must die of the second signal
# without finishing that save, and the checkpoint it was saving over must
# still be the previous one, whole.
awk 'done == 0 && /^}$/ { print "  node { name: \"ballast\" op: \"Variable\" attr { key: \"shape\" value { shape { dim: 2000 dim: 2000 } } } }"; done = 1 } { print }' \
  "$TMP/model.pbtxt" > "$TMP/ballast.pbtxt"  # before the graph's closing "}"
for signal in INT TERM; do
  # A save can end before the poll below sees its temporary file (a busy
  # machine may not run the poll for a while): then the run ends as for
  # one signal, and the attempt is made again from the first checkpoint.
  for attempt in 1 2 3; do
    rm -f "$TMP/twice.ckpt"*
    "$TRAIN" "$TMP/ballast.pbtxt" --epochs 1 --save "$TMP/twice.ckpt" > /dev/null ||
      fail "SIG$signal twice: the first checkpoint exited $?"
    "$TRAIN" "$TMP/ballast.pbtxt" --resume "$TMP/twice.ckpt" --epochs 100000000 \
      --log_every 1000000 --save "$TMP/twice.ckpt" > "$TMP/twice.out" 2>&1 &
    pid=$!
    # Generous bounds: under the thread sanitizer on a busy 2-core machine
    # the start and the first save took over 5 s (CI, 2026-12-03).
    for _ in $(seq 300); do
      grep -q "^training" "$TMP/twice.out" 2>/dev/null && break
      sleep 0.1
    done
    sleep 0.3
    kill "-$signal" "$pid"
    for _ in $(seq 3000); do
      [[ -e "$TMP/twice.ckpt.tmp.$pid" ]] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.01
    done
    [[ -e "$TMP/twice.ckpt.tmp.$pid" ]] && break
    wait "$pid"
  done
  [[ -e "$TMP/twice.ckpt.tmp.$pid" ]] || fail "SIG$signal twice: the first signal started no save in 3 attempts"
  start=$(date +%s%N)
  kill "-$signal" "$pid"
  wait "$pid"; code=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  want=$(( 128 + $(kill -l "$signal") ))
  [[ $code -eq $want ]] ||
    fail "SIG$signal twice: exit $code, want $want (killed by the signal): $(cat "$TMP/twice.out")"
  [[ $ms -lt 1000 ]] || fail "SIG$signal twice: the second signal took $ms ms to end the run"
  grep -q "stopped by signal" "$TMP/twice.out" &&
    fail "SIG$signal twice: the run finished its save as for one signal"
  # It loads, and it is the previous one (one epoch of 3 steps).
  out=$("$TRAIN" "$TMP/ballast.pbtxt" --resume "$TMP/twice.ckpt" --epochs 1) ||
    fail "SIG$signal twice: resume exited $?"
  expect_contains "$out" "restored $TMP/twice.ckpt (step 3, epoch 1)" \
    "SIG$signal twice: the previous checkpoint"
done

# --- a corrupted checkpoint is refused ----------------------------------
cp "$TMP/straight.ckpt" "$TMP/bad.ckpt"
printf '\x55' | dd of="$TMP/bad.ckpt" bs=1 seek=40 conv=notrunc 2>/dev/null
err=$("$TRAIN" "$TMP/model.pbtxt" --resume "$TMP/bad.ckpt" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "corrupted checkpoint: exit $code"
expect_contains "$err" "checksum mismatch" "corrupted checkpoint message"

finish_checks "all train_graph run checks passed"
