#!/usr/bin/env bash
# The ONNX round trip with PyTorch (torch_roundtrip.py): models exported by
# torch.onnx.export give PyTorch's outputs in nabla within 1e-5; LeNet-5
# fine-tuned in nabla from its ONNX file lowers its loss, and its export
# passes ONNX's checker and imports back to the same outputs. Needs
# Debian's python3-torch and python3-onnx (tests/setup_tests.sh).
set -euo pipefail
export OMP_NUM_THREADS=1
/usr/bin/python3 "$TEST_SRCDIR/nabla/tests/onnx/torch_roundtrip.py" \
  --train_graph "$TEST_SRCDIR/nabla/tools/train_graph" \
  --out_dir "$TEST_TMPDIR/roundtrip"
