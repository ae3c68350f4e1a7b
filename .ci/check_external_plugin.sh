#!/usr/bin/env bash
# The Bazel recipe for plugins outside nabla (examples/external_plugin,
# docs/plugins.md): a copy of the example workspace, pointed at this
# checkout, builds its plugin against @nabla; train_graph loads it, lists
# its op, and checks its gradient against finite differences. Prints
# "//external_plugin:NAME PASSED" or "FAILED" for each check.
set -uo pipefail
cd "$(dirname "$0")/.."
NABLA=$(pwd)

status=0
check() {  # NAME CONDITION-STATUS
  if [ "$2" -eq 0 ]; then
    echo "//external_plugin:$1 PASSED"
  else
    echo "//external_plugin:$1 FAILED"
    status=1
  fi
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r examples/external_plugin "$WORK/my_plugins"
# The example points at the checkout it sits in ("../.."); the copy at
# this checkout.
sed -i "s|\"\\.\\./\\.\\.\"|\"$NABLA\"|g" "$WORK/my_plugins/WORKSPACE"
(cd "$WORK/my_plugins" && bazel build //:libbent_identity.so)
check build $?
# Ask Bazel where things are: a build in another output base or config
# re-points the bazel-bin symlinks.
plugin="$(cd "$WORK/my_plugins" && bazel info bazel-bin 2>/dev/null)/libbent_identity.so"
(cd "$WORK/my_plugins" && bazel shutdown)
bazel build //tools:train_graph
train_graph="$(bazel info bazel-bin 2>/dev/null)/tools/train_graph"

listed=$("$train_graph" --list --plugin "$plugin" 2>&1)
grep -q "BentIdentity(x) -> (y)" <<<"$listed"
check lists_the_op $?

cat > "$WORK/bent.pbtxt" <<'MODEL'
graph {
  node { name: "x" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 2 } } } }
  node { name: "y" op: "Placeholder" attr { key: "shape" value { shape { dim: -1 dim: 1 } } } }
  node { name: "hidden" op: "Dense" input: "x" attr { key: "units" value { i: 3 } } }
  node { name: "bent" op: "BentIdentity" input: "hidden" }
  node { name: "out" op: "Dense" input: "bent" attr { key: "units" value { i: 1 } } }
  node { name: "loss" op: "MeanSquaredError" input: "out" input: "y" }
}
training { loss: "loss" optimizer { name: "SGD" attr { key: "learning_rate" value { f: 0.1 } } } epochs: 3 }
data {
  feed { placeholder: "x" tensor { shape { dim: 4 dim: 2 } value: [0, 0, 0, 1, 1, 0, 1, 1] } }
  feed { placeholder: "y" tensor { shape { dim: 4 dim: 1 } value: [0, 1, 1, 0] } }
}
MODEL
gradcheck=$("$train_graph" "$WORK/bent.pbtxt" --gradcheck --plugin "$plugin" 2>&1)
code=$?
echo "$gradcheck" | grep -i "bent"
[ $code -eq 0 ] && grep -q "bent" <<<"$gradcheck"
check gradient $?
exit $status
