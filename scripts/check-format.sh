#!/usr/bin/env bash
# Checks C and C++ formatting against the pinned .clang-format (clang-format 14,
# STYLE.md rule 18):
#  - every file outside sched/ as a whole (all were formatted in commit
#    FORMAT_BASE below, so any difference is new);
#  - under sched/, the lines changed since FORMAT_BASE (git clang-format),
#    so the library is held to the format as it changes, a file at a time.
# Prints the differences and exits 1 if any. Usage: scripts/check-format.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FORMAT_BASE=20a60467da4d023dde2b2f45668236c97b3f1ce8  # "Format every C and C++ file outside sched/"

cf=$(command -v clang-format-14 || command -v clang-format || true)
gcf=$(command -v git-clang-format-14 || command -v git-clang-format || true)
[ -n "$cf" ] && [ -n "$gcf" ] || { echo "check-format: clang-format is not installed" >&2; exit 2; }

bad=0
while IFS= read -r f; do
  if ! "$cf" --style=file "$f" | cmp -s - "$f"; then
    echo "check-format: $f differs from .clang-format:"
    "$cf" --style=file "$f" | diff -u "$f" - | head -40 || true
    bad=1
  fi
done < <(git ls-files -- '*.c' '*.h' '*.cc' ':!:sched/*')

if git cat-file -e "$FORMAT_BASE^{commit}" 2>/dev/null; then
  out=$("$gcf" --binary "$cf" --style=file --diff "$FORMAT_BASE" -- sched/ 2>&1 || true)
  case "$out" in
    "" | "no modified files to format" | "clang-format did not modify any files") ;;
    *) echo "check-format: lines changed in sched/ since ${FORMAT_BASE:0:12} differ from .clang-format:"
       echo "$out" | head -80
       bad=1 ;;
  esac
else
  echo "check-format: $FORMAT_BASE is not in this clone's history; sched/ not checked" >&2
fi

n=$(git ls-files -- '*.c' '*.h' '*.cc' | wc -l)
if [ "$bad" -ne 0 ]; then
  echo "check-format: run clang-format -i on the files above (sched/: git clang-format $FORMAT_BASE)"
  exit 1
fi
echo "check-format: $n C/C++ files checked, all formatted"
