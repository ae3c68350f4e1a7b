#!/usr/bin/env bash
# The C ABI across compilers: the example SoftClip plugin, built by clang++
# with libc++ against the C header and its C++ wrapper alone, loads into the
# g++/libstdc++ train_graph, trains a model to XOR, passes --gradcheck and
# is listed with its origin; its errors and exceptions come back as errors.
set -uo pipefail

source "$TEST_SRCDIR/nabla/tests/shell_checks.sh"

ROOT="$TEST_SRCDIR/nabla"
TRAIN="$ROOT/tools/train_graph"
MODEL="$ROOT/examples/soft_clip_xor.pbtxt"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"

# --- only the two C API headers, from the SDK tarball ------------------------
mkdir -p "$TMP/sdk" "$TMP/capi/core"
tar -xf "$ROOT/core/nabla_plugin_sdk.tar" -C "$TMP/sdk" || fail "untar SDK"
cp -r "$TMP/sdk/include/core/c_api" "$TMP/capi/core/"
[[ $(ls "$TMP/capi/core/c_api") == $'nabla_op_plugin.h\nnabla_op_plugin.hpp' ]] ||
  fail "the SDK's C API headers: $(ls "$TMP/capi/core/c_api")"

# The C header is C99 on its own.
echo '#include "core/c_api/nabla_op_plugin.h"' |
  clang -std=c99 -pedantic-errors -Wall -Wextra -Werror -fsyntax-only -I "$TMP/capi" -x c - ||
  fail "nabla_op_plugin.h is not valid C99"

# clang_plugin SOURCE NAME: lib<NAME>.so by clang++ with libc++.
clang_plugin() {
  clang++ -std=c++17 -stdlib=libc++ -O2 -fPIC -shared -fvisibility=hidden \
    -Wall -Wextra -Werror -I "$TMP/capi" "$1" -o "$TMP/lib$2.so" ||
    fail "clang++ -stdlib=libc++ could not build $1"
}
clang_plugin "$ROOT/plugins/examples/c_abi/soft_clip.cc" soft_clip
clang_plugin "$ROOT/tests/plugins/loader/fixtures/c_throwing.cc" c_throwing
PLUGIN="$TMP/libsoft_clip.so"

# It needs libc++, not libstdc++, and exports only its entry point.
needed=$(readelf -d "$PLUGIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
expect_contains "$needed" "libc++.so" "the plugin's NEEDED libraries"
if [[ "$needed" == *libstdc++* ]]; then fail "the plugin needs libstdc++: $needed"; fi
libs=$(ldd "$PLUGIN")
if grep -q "libstdc++" <<<"$libs"; then fail "ldd: the plugin pulls libstdc++: $libs"; fi
exported=$(nm -D --defined-only "$PLUGIN" | awk '$2 == "T" { print $3 }')
[[ "$exported" == "nabla_c_plugin_entry" ]] || fail "the plugin exports: $exported"

# --- training -------------------------------------------------------------
out=$("$TRAIN" "$MODEL" --plugin "$PLUGIN" --predict "0,0; 0,1; 1,0; 1,1") ||
  fail "training with the clang-built plugin exited $?"
expect_xor "$out" "clang/libc++ plugin"

# The same source built by Bazel with g++ trains to the same digits.
out_gxx=$("$TRAIN" "$MODEL" --plugin "$ROOT/plugins/examples/c_abi/libsoft_clip.so" \
  --predict "0,0; 0,1; 1,0; 1,1") || fail "training with the g++-built plugin exited $?"
[[ "$(grep '^predict' <<<"$out")" == "$(grep '^predict' <<<"$out_gxx")" ]] ||
  echo "note: the clang and g++ builds differ in the last digits: $(grep '^predict' <<<"$out") vs $(grep '^predict' <<<"$out_gxx")"

# --- --gradcheck over every op of the model, the plugin's included ---------
out=$("$TRAIN" "$MODEL" --plugin "$PLUGIN" --gradcheck) || fail "--gradcheck exited $?"
expect_contains "$out" "SoftClip (plugin)" "--gradcheck plugin op"
if grep -q "FAIL" <<<"$out"; then fail "--gradcheck reported a failure: $out"; fi
rows=$(grep -cE ' ok( |$)' <<<"$out")
# MatMul a,b twice; BiasAdd x,bias twice; SoftClip x; MSE both inputs.
[[ $rows -eq 11 ]] || fail "--gradcheck: expected 11 checked inputs, got $rows: $out"

# --- --list ------------------------------------------------------------------
out=$("$TRAIN" --list --plugin "$PLUGIN") || fail "--list exited $?"
expect_contains "$out" "  SoftClip(x) -> (y)  limit=1  [$PLUGIN]" "--list plugin op"

# --- errors from the plugin ----------------------------------------------
sed 's/f: 2 }/f: -1 }/' "$MODEL" > "$TMP/bad_limit.pbtxt"
err=$("$TRAIN" "$TMP/bad_limit.pbtxt" --plugin "$PLUGIN" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "a bad limit: exit $code"
expect_contains "$err" "node 'a' (SoftClip)" "a bad limit names the node"
expect_contains "$err" "attribute 'limit' must be positive and finite, got -1" "a bad limit"

# An exception thrown in the libc++ plugin comes back as the step's error.
cat > "$TMP/throws.pbtxt" <<'MODEL'
graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "w" op: "Variable" attr { key: "shape" value { shape { dim: 2 dim: 2 } } } }
  node { name: "h" op: "MatMul" input: "x" input: "w" }
  node { name: "t" op: "ThrowsInKernel" input: "h" }
  node { name: "loss" op: "ReduceSum" input: "t" }
}
training { loss: "loss" optimizer { name: "SGD" } epochs: 1 }
data { feed { placeholder: "x" tensor { shape { dim: 2 dim: 2 } value: [1, 2, 3, 4] } } }
MODEL
err=$("$TRAIN" "$TMP/throws.pbtxt" --plugin "$TMP/libc_throwing.so" 2>&1 >/dev/null); code=$?
[[ $code -eq 1 ]] || fail "a throwing kernel: exit $code"
expect_contains "$err" "node 't' (ThrowsInKernel) forward: threw an exception: no kernel today" \
  "a throwing kernel"

finish_checks "all C ABI plugin checks passed"
