#!/usr/bin/env bash
# Installs the Debian packages only the tests need, beyond ./setup.sh: the
# ONNX round trip with PyTorch (tests/onnx/torch_roundtrip.py) exports
# models with python3-torch and checks nabla's exports with python3-onnx.
# Idempotent, like setup.sh.
set -euo pipefail

PACKAGES=(python3 python3-numpy python3-onnx python3-torch)

exec "$(dirname "$0")/../tools/install_packages.sh" tests/setup_tests.sh \
  "${PACKAGES[@]}"
