#!/bin/sh
# test_readme_example.sh README SOURCE - the README's example is the
# compiled one: the first ```c block after "## Example" in README must be
# byte-identical to SOURCE (tests/sched/test_example.c, which test_example
# builds and runs, and test_install builds against the installed package).
set -u
if [ $# -ne 2 ] || [ ! -f "$1" ] || [ ! -f "$2" ]; then
    echo "usage: $0 README.md test_example.c" >&2
    exit 2
fi
tmp=$(mktemp "${TMPDIR:-/tmp}/wsched-readme.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk '/^## Example$/ { sec = 1; next }
     sec && /^## / { exit }
     sec && !code && /^```c$/ { code = 1; next }
     code && /^```$/ { found = 1; exit }
     code { print }
     END { exit !found }' "$1" >"$tmp" || {
    echo "test_readme_example: FAIL: no \`\`\`c block under \"## Example\" in $1" >&2
    exit 1
}
if ! cmp -s "$tmp" "$2"; then
    echo "test_readme_example: FAIL: README's example differs from $2:" >&2
    diff -u "$2" "$tmp" >&2
    exit 1
fi
echo "test_readme_example: README's example is $2, byte for byte"
