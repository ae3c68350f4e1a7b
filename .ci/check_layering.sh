#!/usr/bin/env bash
# The layering, proved on the dependency graph with bazel query (the BUILD
# files' visibility refuses new violations; this shows the graph as it is).
# Prints each query's result and "//layering:NAME PASSED" or "FAILED".
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
# expect_empty NAME QUERY: the query must find no target.
expect_empty() {
  local found
  found=$(bazel query --noshow_progress "$2" 2>/dev/null)
  local code=$?
  echo "bazel query '$2'"
  if [ $code -ne 0 ]; then
    echo "  (the query failed)"
    echo "//layering:$1 FAILED"
    status=1
  elif [ -n "$found" ]; then
    sed 's/^/  /' <<<"$found"
    echo "//layering:$1 FAILED"
    status=1
  else
    echo "  (none)"
    echo "//layering:$1 PASSED"
  fi
}

# No target under core depends on anything under tools/ (or on tests or
# examples).
expect_empty core_not_on_tools \
  'deps(//core/...) intersect (//tools/... + //tests/... + //examples/...)'
# The engine and the run layer do not depend on the built-in plugins (only
# the API, which links them, does).
expect_empty engine_not_on_plugins \
  'deps(//core/... - //core/api/...) intersect //plugins/...'
# Ops and plugins reach the engine through the plugin SDK only: not the
# graph, planner, session, checkpoints or run layer.
expect_empty plugins_only_on_sdk \
  'deps(//ops/... + //plugins/...) intersect (//core:graph + //core:plan + //core:session + //core:checkpoint + //core:trainer + //core/run/... + //core/api/...)'
exit "$status"
