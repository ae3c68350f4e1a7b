#!/usr/bin/env bash
# Installs every Debian package nabla needs to build and test. Idempotent:
# when everything is present it only checks and returns.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap bazel-rules-java
  protobuf-compiler libprotobuf-dev
  libabsl-dev libtbb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libeigen3-dev
  graphviz
  dataset-fashion-mnist
  g++ python3
  pkgconf
  # The fuzz targets (tests/fuzz): clang, and compiler-rt's libFuzzer and
  # sanitizer runtimes, which clang only recommends. g++'s sanitizer
  # runtimes come with g++.
  clang libclang-rt-14-dev
  # The C-ABI plugin test builds a plugin with clang++ against libc++.
  libc++-dev libc++abi-dev
  # CI's lint stage (tools/lint/lint.sh).
  clang-format
  # Data-parallel training under mpirun (core/mpi, docs/distributed.md).
  libopenmpi-dev openmpi-bin
  # ONNX import and export (core/onnx): ONNX's messages, and its backend
  # conformance cases for tools/onnx_conformance.
  libonnx-dev libonnx-testdata
)

exec "$(dirname "$0")/tools/install_packages.sh" setup "${PACKAGES[@]}"
