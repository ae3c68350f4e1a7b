#!/usr/bin/env bash
# install_packages.sh WHO PACKAGE...: installs the Debian packages that are
# missing, with apt-get (through sudo when not root), saying so on stderr as
# WHO. When all are present it only checks and returns. setup.sh and
# tools/bench/setup_bench.sh both install through it.
set -euo pipefail

who=$1
shift
missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "$who: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
