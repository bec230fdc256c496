#!/usr/bin/env bash
# Instructions per spawn, by callgrind: one worker, only the fib computation
# counted (callgrind --toggle-collect on the function that runs it), as
#   (I(fib 30) - I(fib 25)) / (spawns(30) - spawns(25)),   spawns(n) = fib(n+1) - 1,
# the difference cancelling everything that does not scale with n.
# usage: bench/micro/callgrind-spawn.sh [build-dir [executor[:variant]...]]
#   (default build/release; executors: serial and every one with a native fib;
#   :variant runs fib's variant:, e.g. stealing:plain)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
shift $(($# > 0 ? 1 : 0))
exe="$build/bench/wsbench-spawncost"
[ -x "$exe" ] || { echo "callgrind-spawn: build $exe first (scripts/bench.sh builds it)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind-spawn: valgrind is not installed" >&2; exit 2; }

# The function whose dynamic extent is counted: the serial twin (fib_twin,
# or for serial:loop fib_loop_node), and for
# each executor with a native fib (workloads/fib/fib_<family>.c) the
# variant's fib_<family>_root, which runs the whole computation (on the
# worker for stealing; OpenMP's and TBB's run fib on the caller's thread).
# The name exactly (a wildcard would also match OpenMP's outlined
# fib_openmp_root._omp_fn.0, whose entry toggles collection off again), or
# with C++'s parameter list (fib_tbb_root(tbb::...&, unsigned int)).
toggles() { # executor: sets the array t
  case $1 in
    serial) t=(--toggle-collect=fib_twin --toggle-collect=fib_loop_node) ;;
    *) t=(--toggle-collect="fib_$1_root" --toggle-collect="fib_$1_root(*") ;;
  esac
}
spawns25=121392    # fib(26) - 1
spawns30=1346268   # fib(31) - 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-16s %15s %15s %12s\n' executor "I(fib 25)" "I(fib 30)" "per spawn"
execs=("$@")
[ ${#execs[@]} -gt 0 ] || execs=(serial $("$exe" --list))
for e in "${execs[@]}"; do
  x=${e%%:*}
  v=()
  [ "$x" = "$e" ] || v=("${e#*:}")
  toggles "$x"
  for n in 25 30; do
    OMP_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/$e.$n" \
      "${t[@]}" "$exe" "$x" "$n" "${v[@]}" >/dev/null 2>"$tmp/$e.$n.log" \
      || { cat "$tmp/$e.$n.log" >&2; exit 1; }
  done
  i25=$(awk '/^totals:/ {print $2}' "$tmp/$e.25")
  i30=$(awk '/^totals:/ {print $2}' "$tmp/$e.30")
  awk -v e="$e" -v a="$i25" -v b="$i30" -v s="$((spawns30 - spawns25))" \
    'BEGIN { printf "%-16s %15d %15d %12.1f\n", e, a, b, (b - a) / s }'
done
