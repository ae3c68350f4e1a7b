#!/usr/bin/env bash
# Installs nabla for builds outside Bazel:
#
#   bazel run //core/api:install -- PREFIX
#   g++ -std=c++17 app.cc $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig \
#       pkg-config --cflags --libs nabla)
#   g++ -shared -fPIC plugin.cc $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig \
#       pkg-config --cflags nabla-plugin)
#
# PREFIX/lib/libnabla.so, PREFIX/lib/pkgconfig/nabla.pc,
# PREFIX/include/nabla/*.h (the API: <nabla/nabla.h>, which includes only
# the standard library and Abseil), and under PREFIX/include/nabla/ the
# plugin SDK (core/, ops/, proto/: what a C++ plugin compiles against).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: install.sh PREFIX" >&2
  exit 2
fi
prefix=$1
# `bazel run` starts in the runfiles; a relative PREFIX means the caller's
# directory.
case "$prefix" in
  /*) ;;
  *) prefix="${BUILD_WORKING_DIRECTORY:-$PWD}/$prefix" ;;
esac

runfiles="${RUNFILES_DIR:-$0.runfiles}/nabla"
[ -d "$runfiles" ] || runfiles=$PWD

mkdir -p "$prefix/lib/pkgconfig" "$prefix/include/nabla"
install -m 0755 "$runfiles/core/api/libnabla.so" "$prefix/lib/"
install -m 0644 "$runfiles"/core/api/include/nabla/*.h "$prefix/include/nabla/"
tar -xf "$runfiles/core/nabla_plugin_sdk.tar" -C "$prefix/include/nabla" \
  --strip-components=1

cat >"$prefix/lib/pkgconfig/nabla.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: nabla
Description: A C++ deep-learning framework built around a dataflow graph
Version: 0.1.0
Requires: absl_status absl_statusor absl_strings
Cflags: -std=c++17 -I\${includedir}
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lnabla
PC
# C++ plugins compile against the SDK, whose headers hold protobuf and TBB
# types (a plugin links none of them: the process that loads it does).
cat >"$prefix/lib/pkgconfig/nabla-plugin.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include

Name: nabla-plugin
Description: Headers for C++ plugins of nabla (docs/plugins.md)
Version: 0.1.0
Requires: protobuf absl_status absl_statusor absl_strings tbb
Cflags: -std=c++17 -I\${includedir}/nabla
PC
echo "installed nabla in $prefix"
