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

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup_bench: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
