# Checks shared by the shell tests: source it, call the checks, and end
# with finish_checks. A failed check is counted and reported, and the test
# goes on, so one run shows every failure.
#
#   source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"
#   out=$("$TRAIN" model.pbtxt) || fail "train_graph exited $?"
#   expect_contains "$out" "epoch 1/" "progress"
#   finish_checks "all train_graph checks passed"

failures=0

# fail MESSAGE: counts a failure and prints it on stderr.
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_contains TEXT PART WHAT: TEXT holds PART.
expect_contains() {
  if [[ "$1" != *"$2"* ]]; then fail "$3: expected '$2' in: $1"; fi
}

# expect_xor OUTPUT WHAT: the four "predict [..] -> [v]" lines of OUTPUT
# are within 0.05 of XOR's 0, 1, 1, 0.
expect_xor() {
  local values
  values=$(sed -n 's/^predict .* -> \[\(.*\)\]$/\1/p' <<<"$1" | tr '\n' ' ')
  awk -v v="$values" 'BEGIN {
    split(v, p, " "); split("0 1 1 0", t, " ");
    for (i = 1; i <= 4; i++) if (p[i] - t[i] > 0.05 || t[i] - p[i] > 0.05) exit 1
  }' || fail "$2: predictions '$values' are not XOR"
}

# finish_checks MESSAGE: exits 1 with the count if any check failed, else
# prints MESSAGE.
finish_checks() {
  if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "$1"
}
