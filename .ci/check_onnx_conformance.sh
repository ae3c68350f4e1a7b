#!/usr/bin/env bash
# ONNX's backend conformance cases (libonnx-testdata) through nabla's
# import: prints the table per op type and the totals, and fails when any
# case of tests/onnx/conformance_passing.txt does not pass. Prints
# "//onnx:conformance PASSED" or "FAILED".
set -uo pipefail
cd "$(dirname "$0")/.."

if bazel run --noshow_progress --ui_event_filters=-info \
  //tools:onnx_conformance -- \
  --expected "$PWD/tests/onnx/conformance_passing.txt"; then
  echo "//onnx:conformance PASSED"
else
  echo "//onnx:conformance FAILED"
  exit 1
fi
