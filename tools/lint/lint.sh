#!/usr/bin/env bash
# The checks CI runs over the sources (no build needed): every C and C++
# file formatted as .clang-format says, and every function returning a
# Status declared [[nodiscard]]. Prints one line per check as
# "//lint:NAME PASSED" or "//lint:NAME FAILED" (the form .ci/run counts),
# with what is wrong above a failure. Exit status 1 if any failed.
#
#   tools/lint/lint.sh            # from the repository root
#   clang-format -i FILE          # to fix a formatting failure
set -uo pipefail
cd "$(dirname "$0")/../.."

status=0
report() {  # report NAME OK
  if [ "$2" -eq 0 ]; then
    echo "//lint:$1 PASSED"
  else
    echo "//lint:$1 FAILED"
    status=1
  fi
}

mapfile -t sources < <(git ls-files '*.cc' '*.h' '*.c' '*.hpp' '*.inc')
unformatted=0
for f in "${sources[@]}"; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "$f: not formatted as .clang-format says (clang-format -i $f)"
    unformatted=$((unformatted + 1))
  fi
done
report clang_format "$unformatted"

# The C ABI's headers hold no absl type, so they are left out.
mapfile -t checked < <(git ls-files 'core/*.h' 'core/*.cc' 'ops/*.h' \
  'ops/*.cc' 'plugins/*.h' 'plugins/*.cc' 'tools/*.h' 'tools/*.cc' |
  grep -v '^core/c_api/')
python3 tools/lint/check_nodiscard.py "${checked[@]}"
report status_nodiscard $?

exit "$status"
