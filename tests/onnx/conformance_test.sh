#!/usr/bin/env bash
# ONNX's backend conformance cases through nabla's import: the cases in
# conformance_passing.txt must pass (onnx_conformance exits 1 naming any
# that does not); the table of all cases is printed for the log.
set -euo pipefail
"$TEST_SRCDIR/nabla/tools/onnx_conformance" \
  --expected "$TEST_SRCDIR/nabla/tests/onnx/conformance_passing.txt"
