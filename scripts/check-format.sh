#!/usr/bin/env bash
# Checks C and C++ formatting against the pinned .clang-format (clang-format 14,
# STYLE.md rule 18): every tracked file as a whole (all were formatted once,
# so any difference is new). Prints the differences and exits 1 if any.
# Usage: scripts/check-format.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cf=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$cf" ] || { echo "check-format: clang-format is not installed" >&2; exit 2; }

bad=0
while IFS= read -r f; do
  if ! "$cf" --style=file "$f" | cmp -s - "$f"; then
    echo "check-format: $f differs from .clang-format:"
    "$cf" --style=file "$f" | diff -u "$f" - | head -40 || true
    bad=1
  fi
done < <(git ls-files -- '*.c' '*.h' '*.cc')

n=$(git ls-files -- '*.c' '*.h' '*.cc' | wc -l)
if [ "$bad" -ne 0 ]; then
  echo "check-format: run clang-format -i on the files above"
  exit 1
fi
echo "check-format: $n C/C++ files checked, all formatted"
