#!/usr/bin/env bash
# The bad-input corpus: every case must fail with its exit status and
# message (see run_cases.py).
set -euo pipefail
ROOT="$TEST_SRCDIR/nabla"
exec python3 "$ROOT/tests/bad_inputs/run_cases.py" "$ROOT/tools/train_graph" \
  "$ROOT/tests/bad_inputs/cases"
