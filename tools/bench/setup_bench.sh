#!/usr/bin/env bash
# Installs what tools/bench/compare_pytorch.py needs beyond ./setup.sh:
# Debian's PyTorch, NumPy and OpenBLAS. Not part of the main set-up or CI
# (PyTorch is large). Idempotent: when all are present it only checks and
# returns.
set -euo pipefail

# libopenblas0-openmp: without it libblas.so.3 is the reference BLAS, and
# PyTorch (built with OpenMP) and NumPy multiply matrices with it, many times
# slower. Its OpenMP build follows torch.set_num_threads().
PACKAGES=(python3 python3-numpy python3-torch libopenblas0-openmp
          dataset-fashion-mnist)

exec "$(dirname "$0")/../install_packages.sh" setup_bench "${PACKAGES[@]}"
