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
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
