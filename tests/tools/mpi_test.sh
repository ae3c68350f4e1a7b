#!/usr/bin/env bash
# Data-parallel training under mpirun (localhost: shared memory and TCP
# loopback): 2 and 4 ranks train a float64 MLP as one process does at the
# same global batch (losses and weights to 1e-9 relative over 100 steps);
# the same rank count gives the same bits; rank 0 alone prints and writes;
# a checkpoint of 2 ranks resumes alone and on 4 ranks; ranks that differ,
# a bad data file on one rank, a rank killed and SIGINT to mpirun each end
# the job within seconds with a clear message (and, for SIGINT, one
# consistent checkpoint).
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

ROOT="$TEST_SRCDIR/nabla"
TRAIN="$ROOT/tools/train_graph"
INSPECT="$ROOT/tools/inspect_checkpoint"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
# Open MPI keeps its session files under TMPDIR; Bazel's is too deep for
# the Unix socket paths it makes there.
export TMPDIR=/tmp
# Open MPI's own allocations are not ours to report under AddressSanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
MPIRUN=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader,tcp
        --mca btl_tcp_if_include lo)

# 120 rows, 3 features, a smooth target: 100 for training after the
# validation fraction (20 batches of 5 per epoch, 5 epochs: 100 steps).
awk 'BEGIN { srand(7); print "a,b,c,t";
  for (i = 0; i < 120; i++) { a = rand()*2-1; b = rand()*2-1; c = rand()*2-1;
    printf "%.6f,%.6f,%.6f,%.6f\n", a, b, c, sin(2*a) + b*c - 0.5*c } }' > "$TMP/rows.csv"

model() {  # model EPOCHS
  cat <<MODEL
graph {
  node { name: "x" op: "Placeholder" attr { key: "dtype" value { s: "float64" } } attr { key: "shape" value { shape { dim: -1 dim: 3 } } } }
  node { name: "y" op: "Placeholder" attr { key: "dtype" value { s: "float64" } } attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "h" op: "Dense" input: "x" attr { key: "dtype" value { s: "float64" } } attr { key: "units" value { i: 16 } } attr { key: "activation" value { s: "Tanh" } } }
  node { name: "out" op: "Dense" input: "h" attr { key: "dtype" value { s: "float64" } } attr { key: "units" value { i: 1 } } }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
}
training { loss: "loss" optimizer { name: "Adam" attr { key: "learning_rate" value { f: 0.01 } } } epochs: $1 batch_size: 5 shuffle: true seed: 4 }
data {
  source { name: "csv" attr { key: "path" value { s: "rows.csv" } } attr { key: "target_columns" value { list { s: "t" } } } }
  validation_fraction: 0.166666667
}
MODEL
}
model 5 > "$TMP/m.pbtxt"

# close A B WHAT: the numbers of files A and B, in order, agree to 1e-9
# relative (1e-9 absolute near 0); the words between them are equal.
close() {
  paste -d ' ' <(tr -s ' ,:{}\n' '\n' < "$1") <(tr -s ' ,:{}\n' '\n' < "$2") |
    awk -v what="$3" '
      function abs(v) { return v < 0 ? -v : v }
      $1 ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ && $1 !~ /^[0-9]+$/ {
        scale = abs($2) > 1 ? abs($2) : 1
        if (abs($1 - $2) > 1e-9 * scale) { print what ": " $1 " vs " $2; bad = 1 }
        next }
      $1 != $2 { print what ": " $1 " vs " $2; bad = 1 }
      END { exit bad }' >&2 || fail "$3 differ"
}

# --- the collectives: exact sums of every size, the same bits everywhere,
# through shared memory (all ranks here share the machine) and messages --
for n in 2 3 4; do
  for shared in 1 0; do
    transport=$([[ $shared == 1 ]] && echo "shared memory" || echo messages)
    out=$("${MPIRUN[@]}" -x NABLA_MPI_SHARED_MEMORY=$shared -np $n \
      "$ROOT/tests/tools/mpi_collectives_check" 2>&1) ||
      fail "collectives on $n ranks ($transport): $out"
    [[ $(grep -c ": ok ($transport)$" <<<"$out") -eq $n ]] ||
      fail "collectives on $n ranks ($transport): $out"
  done
done

# --- one process, then 2 and 4 ranks at the same global batch ------------
"$TRAIN" "$TMP/m.pbtxt" --save "$TMP/alone.ckpt" --metrics_out "$TMP/alone.jsonl" \
  > "$TMP/alone.out" 2>&1 || fail "alone exited $?: $(cat "$TMP/alone.out")"
"$INSPECT" "$TMP/alone.ckpt" > "$TMP/alone.weights"
for n in 2 4; do
  "${MPIRUN[@]}" -np $n "$TRAIN" "$TMP/m.pbtxt" --save "$TMP/np$n.ckpt" \
    --metrics_out "$TMP/np$n.jsonl" > "$TMP/np$n.out" 2>&1 ||
    fail "-np $n exited $?: $(cat "$TMP/np$n.out")"
  "$INSPECT" "$TMP/np$n.ckpt" > "$TMP/np$n.weights"
  expect_contains "$(head -1 "$TMP/np$n.weights")" "step 100" "-np $n steps"
  # Losses per epoch and every weight, to 1e-9 relative; the seconds and
  # samples/s of each epoch are left out.
  sed 's/"samples_per_sec.*//' "$TMP/alone.jsonl" > "$TMP/alone.losses"
  sed 's/"samples_per_sec.*//' "$TMP/np$n.jsonl" > "$TMP/np$n.losses"
  close "$TMP/np$n.losses" "$TMP/alone.losses" "-np $n losses"
  close "$TMP/np$n.weights" "$TMP/alone.weights" "-np $n weights"
  # Rank 0 alone prints and writes: each epoch line once, the log whole.
  [[ $(grep -c "^epoch 5/5  loss" "$TMP/np$n.out") -eq 1 ]] ||
    fail "-np $n: the last epoch line is not printed once: $(cat "$TMP/np$n.out")"
  [[ $(wc -l < "$TMP/np$n.jsonl") -eq 5 ]] || fail "-np $n: metrics log: $(cat "$TMP/np$n.jsonl")"
  expect_contains "$(cat "$TMP/np$n.out")" "data-parallel over $n ranks (shared memory, sharded update)" \
    "-np $n: how the ranks trained"
done
# The same through messages (as across machines).
"${MPIRUN[@]}" -x NABLA_MPI_SHARED_MEMORY=0 -np 2 "$TRAIN" "$TMP/m.pbtxt" \
  --save "$TMP/messages.ckpt" > "$TMP/messages.out" 2>&1 ||
  fail "-np 2 through messages exited $?: $(cat "$TMP/messages.out")"
expect_contains "$(cat "$TMP/messages.out")" "data-parallel over 2 ranks (messages, sharded update)" \
  "-np 2 through messages"
"$INSPECT" "$TMP/messages.ckpt" > "$TMP/messages.weights"
close "$TMP/messages.weights" "$TMP/alone.weights" "-np 2 through messages: weights"

# Bit for bit the same with the same ranks.
"${MPIRUN[@]}" -np 2 "$TRAIN" "$TMP/m.pbtxt" --save "$TMP/np2_again.ckpt" > /dev/null 2>&1 ||
  fail "-np 2 again exited $?"
cmp -s <("$INSPECT" "$TMP/np2.ckpt") <("$INSPECT" "$TMP/np2_again.ckpt") ||
  fail "two runs of -np 2 differ"

# --- a checkpoint of 2 ranks resumes alone and on 4 ----------------------
model 2 > "$TMP/m2.pbtxt"
"${MPIRUN[@]}" -np 2 "$TRAIN" "$TMP/m2.pbtxt" --save "$TMP/half.ckpt" > /dev/null 2>&1 ||
  fail "-np 2 for 2 epochs exited $?"
out=$("$TRAIN" "$TMP/m.pbtxt" --resume "$TMP/half.ckpt" --save "$TMP/resumed1.ckpt") ||
  fail "resume alone exited $?"
expect_contains "$out" "epochs 3 to 5" "resume alone"
out=$("${MPIRUN[@]}" -np 4 "$TRAIN" "$TMP/m.pbtxt" --resume "$TMP/half.ckpt" \
  --save "$TMP/resumed4.ckpt" 2>&1) || fail "resume on 4 ranks exited $?: $out"
expect_contains "$out" "epochs 3 to 5" "resume on 4 ranks"
close <("$INSPECT" "$TMP/resumed1.ckpt") "$TMP/alone.weights" "resumed alone"
close <("$INSPECT" "$TMP/resumed4.ckpt") "$TMP/alone.weights" "resumed on 4"

# --- Fashion-MNIST: 2 ranks reach one process's test accuracy -----------
# One epoch of the example MLP at batch 256 (float32: only the order of
# additions differs, so the runs part slowly), within 0.3 points. Left out
# under the sanitizers, where an epoch takes minutes.
accuracy() {  # the test accuracy a run printed
  sed -n 's/^test: .* accuracy \([0-9.]*\)$/\1/p' <<<"$1"
}
FASHION="$ROOT/examples/fashion_mnist_mlp.pbtxt"
if [[ -z "${NABLA_SANITIZER:-}" ]]; then
  alone=$(accuracy "$("$TRAIN" "$FASHION" --epochs 1 --batch_size 256)")
  ranked=$(accuracy "$("${MPIRUN[@]}" -np 2 "$TRAIN" "$FASHION" --epochs 1 --batch_size 256 2>&1)")
  awk -v a="$alone" -v b="$ranked" 'BEGIN { d = a - b; exit !(a > 0.8 && (d < 0 ? -d : d) <= 0.003) }' ||
    fail "Fashion-MNIST test accuracy: alone '$alone', 2 ranks '$ranked'"
fi

# --- faults end the job within seconds ------------------------------------
# timed SECONDS CMD...: runs CMD, fails when it takes longer; its output in
# $out, its exit code in $code.
timed() {
  local limit=$1 start
  shift
  start=$(date +%s)
  out=$(timeout 120 "$@" 2>&1)
  code=$?
  (( $(date +%s) - start <= limit )) || fail "took over $limit s: $*"
}

# Ranks with different models (another epoch count).
model 7 > "$TMP/other.pbtxt"
timed 30 "${MPIRUN[@]}" -np 1 "$TRAIN" "$TMP/m.pbtxt" : -np 1 "$TRAIN" "$TMP/other.pbtxt"
[[ $code -ne 0 ]] || fail "ranks that differ: exit 0"
expect_contains "$out" "data-parallel ranks differ from rank 0: rank 1 of 2 has another model, another run settings" "ranks that differ"
# ... and different flags.
timed 30 "${MPIRUN[@]}" -np 1 "$TRAIN" "$TMP/m.pbtxt" --epochs 2 : -np 1 "$TRAIN" "$TMP/m.pbtxt" --epochs 3
expect_contains "$out" "rank 1 of 2 has another run settings (seed, epochs, batch size, learning rate, metrics, checkpoint), another command line" "flags that differ"

# A bad data file on one rank: the same model in another directory.
mkdir -p "$TMP/bad"
cp "$TMP/m.pbtxt" "$TMP/bad/m.pbtxt"
sed '50s/.*/0.1,oops,0.3,0.4/' "$TMP/rows.csv" > "$TMP/bad/rows.csv"
timed 30 "${MPIRUN[@]}" -np 1 "$TRAIN" "$TMP/m.pbtxt" : -np 1 "$TRAIN" "$TMP/bad/m.pbtxt"
[[ $code -ne 0 ]] || fail "bad data on rank 1: exit 0"
expect_contains "$out" "train_graph (rank 1 of 2): " "bad data: the rank"
expect_contains "$out" "rows.csv:50" "bad data: the file and line"

# One rank out of memory (its --memory_limit refuses the variables).
timed 30 "${MPIRUN[@]}" -np 1 "$TRAIN" "$TMP/m.pbtxt" : -np 1 "$TRAIN" "$TMP/m.pbtxt" --memory_limit 1K
[[ $code -ne 0 ]] || fail "out of memory on rank 1: exit 0"
expect_contains "$out" "train_graph (rank 1 of 2): " "out of memory: the rank"
expect_contains "$out" "memory limit" "out of memory: the message"

# A rank killed mid-run.
model 100000 > "$TMP/long.pbtxt"
"${MPIRUN[@]}" -np 2 "$TRAIN" "$TMP/long.pbtxt" --log_every 1000000 > "$TMP/killed.out" 2>&1 &
mpirun_pid=$!
for _ in $(seq 100); do
  [[ $(pgrep -f "^$TRAIN $TMP/long.pbtxt" | wc -l) -eq 2 ]] &&
    grep -q "^training" "$TMP/killed.out" && break
  sleep 0.1
done
sleep 1
victim=$(pgrep -f "^$TRAIN $TMP/long.pbtxt" | sort -n | tail -1)
start=$(date +%s)
kill -KILL "$victim"
timeout 60 tail --pid="$mpirun_pid" -f /dev/null
wait "$mpirun_pid"; code=$?
(( $(date +%s) - start <= 10 )) || fail "a killed rank: the job took over 10 s to end"
[[ $code -ne 0 ]] || fail "a killed rank ($victim): exit 0: $(cat "$TMP/killed.out")"
[[ $(pgrep -f "^$TRAIN $TMP/long.pbtxt" | wc -l) -eq 0 ]] ||
  fail "a killed rank: ranks left running"

# SIGINT to mpirun: every rank stops at the same step, rank 0 saves.
"${MPIRUN[@]}" -np 2 "$TRAIN" "$TMP/long.pbtxt" --log_every 1000000 --save "$TMP/sig.ckpt" \
  > "$TMP/sig.out" 2>&1 &
mpirun_pid=$!
for _ in $(seq 100); do
  grep -q "^training" "$TMP/sig.out" && break
  sleep 0.1
done
sleep 1
start=$(date +%s)
kill -INT "$mpirun_pid"
wait "$mpirun_pid"
(( $(date +%s) - start <= 10 )) || fail "SIGINT: the job took over 10 s to end"
expect_contains "$(cat "$TMP/sig.out")" "saved $TMP/sig.ckpt" "SIGINT save"
out=$("$TRAIN" "$TMP/long.pbtxt" --resume "$TMP/sig.ckpt" --epochs 1 --eval 2>&1) ||
  fail "the SIGINT checkpoint does not load: $out"

finish_checks "all mpi checks passed"
