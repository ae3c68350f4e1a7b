#!/usr/bin/env bash
# The install step and a build outside Bazel: `bazel run //core/api:install
# -- PREFIX` puts libnabla.so, the headers and nabla.pc under PREFIX; then
# plain g++ with pkg-config builds apps (and a plugin) that run.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

ROOT="$TEST_SRCDIR/nabla"
TMP="$TEST_TMPDIR"
PREFIX="$TMP/prefix"
"$ROOT/core/api/install" "$PREFIX" || { echo "install failed"; exit 1; }
for f in lib/libnabla.so lib/pkgconfig/nabla.pc lib/pkgconfig/nabla-plugin.pc \
  include/nabla/nabla.h \
  include/nabla/model.h include/nabla/proto/model.pb.h \
  include/nabla/core/plugin_api.h; do
  [[ -f "$PREFIX/$f" ]] || fail "install did not write $f"
done

export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
flags=$(pkg-config --cflags --libs nabla) || { echo "pkg-config failed"; exit 1; }
# Under --config=asan the library is instrumented, and the sanitizer's
# runtime must come first in an app that loads it: build the app alike.
sanitize=""
# (Not `ldd | grep -q`: under pipefail, grep's early exit fails ldd.)
if [[ "$(ldd "$PREFIX/lib/libnabla.so")" == *libasan* ]]; then
  sanitize="-fsanitize=address,undefined"
fi
flags="$sanitize $flags"

# The public headers bring the standard library and Abseil only: an app
# compiles without protobuf, which nabla.pc does not ask for.
expect_contains "$(pkg-config --print-requires nabla)" "absl_status" "nabla.pc requires"
[[ "$(pkg-config --print-requires nabla)" != *protobuf* ]] ||
  fail "nabla.pc requires protobuf"
included=$(echo '#include <nabla/nabla.h>' |
  g++ -std=c++17 -x c++ -E -H - $(pkg-config --cflags nabla) 2>&1 >/dev/null)
[[ "$included" == *nabla/model.h* ]] || fail "nabla.h was not preprocessed: $included"
[[ "$included" != *google/protobuf* ]] ||
  fail "nabla/nabla.h includes protobuf: $(grep protobuf <<<"$included" | head -3)"
[[ "$included" != *proto/* ]] || fail "nabla/nabla.h includes a generated proto"
build() {  # build SOURCE OUTPUT
  g++ -O1 "$1" $flags -o "$2" 2>"$TMP/build.log" ||
    fail "g++ $1 \$(pkg-config --cflags --libs nabla) failed: $(head -20 "$TMP/build.log")"
}

# The app and a plugin built against the installed headers.
build "$ROOT/tests/core/api/installed_app.cc" "$TMP/installed_app"
g++ -O1 -shared -fPIC $sanitize "$ROOT/plugins/examples/prelu.cc" \
  $(pkg-config --cflags nabla-plugin) -o "$TMP/libprelu.so" 2>"$TMP/plugin.log" ||
  fail "building the plugin failed: $(head -20 "$TMP/plugin.log")"
out=$("$TMP/installed_app" "$TMP/libprelu.so") || fail "installed_app exited $?"
expect_contains "$out" "layer: " "the listing"
expect_contains "$out" "plugin PReLU loaded" "plugin"
value=$(sed -n 's/^fit(10) = \(.*\)$/\1/p' <<<"$out")
awk -v v="$value" 'BEGIN { exit !(v > 20.9 && v < 21.1) }' ||
  fail "installed_app: fit(10) = '$value', want about 21"

# The examples, built the same way.
build "$ROOT/examples/embed/predict_score.cc" "$TMP/predict_score"
build "$ROOT/examples/embed/train_xor.cc" "$TMP/train_xor"
out=$("$TMP/train_xor" "$TMP/xor.pbtxt" "$TMP/xor.ckpt") || fail "train_xor exited $?"
expect_contains "$out" "saved the model to $TMP/xor.pbtxt" "train_xor"
"$ROOT/tools/train_graph" "$ROOT/examples/test_score.pbtxt" \
  --save "$TMP/score.ckpt" >/dev/null || fail "train_graph exited $?"
out=$("$TMP/predict_score" "$ROOT/examples/test_score.pbtxt" "$TMP/score.ckpt") ||
  fail "predict_score exited $?"
expect_contains "$out" "predicted score 89.7" "predict_score outside Bazel"

finish_checks "install and out-of-Bazel build checks passed"
