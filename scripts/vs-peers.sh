#!/usr/bin/env bash
# Every figure of issue 11 (the fork-join fast path against Lace; steal and
# wake latency; oversubscription) in one run, into
# results/<date>_<commit>-vs-peers/ (summary.txt is the report; the raw
# outputs sit beside it):
#   1. instructions per spawn (callgrind, bench/micro/callgrind-spawn.sh's
#      (I(fib 30) - I(fib 25)) / Δspawns) for the serial twin, wsched and,
#      with LACE_DIR, Lace's fib-lace;
#   2. fib(40) on 1 and 2 workers: wsched (and its variant:plain), the serial
#      twins (variant:twin and :loop), variant:gcc and,
#      with LACE_DIR, fib-lace -w 1/-w 2 40, in ROUNDS interleaved rounds
#      (one run each per round), with medians and spread (max - min) / median;
#   3. steal and wake latency (wsbench's micro benchmarks, 3 repetitions,
#      their means and p50/p99), and beside them a bare futex wake-up
#      (bench/micro/futexwake.c), the floor of a wake-up from sleep on this
#      machine, with the sleeper placed by the kernel and on another CPU;
#   4. fib(30) on 8 workers against 2 (2 cores: oversubscribed), as 2.
# It builds wsbench (Release, Debian packages only) and nothing else.
# Timing is meaningful only on a quiet machine; the callgrind counts are not
# affected by load.
#
# Lace (optional, a manual step; Lace is not a Debian package and is never
# part of this repository): build it yourself in a scratch directory,
# without -march=native so that valgrind can run it:
#     git clone https://github.com/trolando/lace /tmp/lace-src   # v1.4.2 compared
#     sed -i 's/-march=native//' /tmp/lace-src/CMakeLists.txt
#     cmake -S /tmp/lace-src -B /tmp/lace-build -DCMAKE_BUILD_TYPE=Release \
#           -DLACE_BUILD_BENCHMARKS=ON
#     cmake --build /tmp/lace-build --target fib-lace
# then run   LACE_DIR=/tmp/lace-build scripts/vs-peers.sh
# (fib-lace is looked for in $LACE_DIR/benchmarks/ and $LACE_DIR/).
#
# usage: scripts/vs-peers.sh [--rounds N] [--out DIR]   (defaults: 5, results/...-vs-peers)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--out DIR]" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "vs-peers: bad --rounds" >&2; exit 2; }

lace=""
if [ -n "${LACE_DIR:-}" ]; then
  for c in "$LACE_DIR/benchmarks/fib-lace" "$LACE_DIR/fib-lace"; do
    [ -x "$c" ] && { lace=$c; break; }
  done
  [ -n "$lace" ] || { echo "vs-peers: no fib-lace in LACE_DIR=$LACE_DIR (see this script's header)" >&2; exit 2; }
fi
command -v valgrind >/dev/null || { echo "vs-peers: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }

jobs=$(nproc 2>/dev/null || echo 2)
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DWS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target wsbench wsbench-spawncost >/dev/null
ws="$build/bench/wsbench"

# The same name wsbench gives its results directories (bench/core/context.c).
commit=$(git rev-parse --short=12 HEAD)
git status --porcelain --untracked-files=no -- ':/' ':(top,exclude)results' | grep -q . && commit="$commit-dirty"
[ -n "$out" ] || out="results/$(date +%F)_${commit}-vs-peers"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sum="$out/summary.txt"
{
  echo "# issue 11 figures: scripts/vs-peers.sh --rounds $rounds${LACE_DIR:+ (LACE_DIR=$LACE_DIR)}"
  echo "# $(date -u +%FT%TZ), commit $commit, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$sum"
echo "$0 --rounds $rounds${LACE_DIR:+ (LACE_DIR=$LACE_DIR)}" >"$out/command.txt"

# ---- 1. instructions per spawn ---------------------------------------------------------------
echo "vs-peers: callgrind (instructions per spawn)" >&2
bash bench/micro/callgrind-spawn.sh "$build" serial serial:loop stealing stealing:plain >"$out/callgrind-spawn.txt"
if [ -n "$lace" ]; then
  # The whole computation runs inside the root task's wrapper pfib_WRAP (a
  # thief would enter it too, but with one worker there is none); it is not
  # recursive, so toggling collection on it counts the computation once.
  for n in 25 30; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/lace.$n" '--toggle-collect=pfib_WRAP*' \
      "$lace" -w 1 "$n" >/dev/null 2>"$tmp/lace.$n.log" || { cat "$tmp/lace.$n.log" >&2; exit 1; }
  done
  awk -v a="$(awk '/^totals:/ {print $2}' "$tmp/lace.25")" -v b="$(awk '/^totals:/ {print $2}' "$tmp/lace.30")" \
    -v s=$((1346268 - 121392)) 'BEGIN { printf "%-16s %15d %15d %12.1f\n", "fib-lace", a, b, (b - a) / s }' \
    >>"$out/callgrind-spawn.txt"
fi
{ echo; echo "## instructions per spawn (callgrind, (I(fib 30) - I(fib 25)) / spawns)"; cat "$out/callgrind-spawn.txt"; } >>"$sum"

# ---- timing helpers ------------------------------------------------------------------------
times="$out/times.csv" # what,round,seconds
echo "what,round,seconds" >"$times"
# wsbench FILTER ROUND PREFIX [ARGS]: one repetition (at least 0.2 s: fib(40) runs
# once, fib(30) ~100 times, the mean per run) of each benchmark the filter names.
wsrun() {
  "$ws" --no-micro --no-report --benchmark_filter="$1" --benchmark_repetitions=1 \
    --out "$tmp/ws" "${@:4}" >/dev/null 2>"$tmp/ws.log" \
    || { cat "$tmp/ws.log" >&2; exit 1; }
  awk -F, -v r="$2" -v p="$3" 'NR > 1 && $7 == "rep0" { printf "%s%s,%s,%.9f\n", p, $1, r, $9 / 1e9 }' \
    "$tmp/ws/results.csv" >>"$times"
}
lacerun() { # workers n round
  local t
  t=$("$lace" -w "$1" "$2" | awk '/^Time:/ {print $2}')
  [ -n "$t" ] || { echo "vs-peers: fib-lace -w $1 $2 printed no time" >&2; exit 1; }
  echo "fib-lace -w $1 $2,$3,$t" >>"$times"
}
# median and spread of each `what` whose name matches a regex
summarise() {
  awk -F, -v re="$1" 'NR > 1 && $1 ~ re { v[$1] = v[$1] " " $3; if (!($1 in o)) { o[$1] = ++n; k[n] = $1 } }
    END {
      for (i = 1; i <= n; i++) {
        m = split(substr(v[k[i]], 2), a, " ")
        for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
        med = m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
        printf "%-44s median %9.2f ms  min %9.2f  max %9.2f  spread %5.1f%%  (%d runs)\n",
               k[i], med * 1e3, a[1] * 1e3, a[m] * 1e3, 100 * (a[m] - a[1]) / med, m
        med_of[k[i]] = med
      }
      for (i = 1; i <= n; i++) print k[i] "=" med_of[k[i]] > "/dev/stderr"
    }' "$times" 2>"$tmp/medians"
}
med() { awk -F= -v k="$1" '$1 == k { print $2 }' "$tmp/medians"; }
ratio() { # label a b
  local a b
  a=$(med "$2"); b=$(med "$3")
  [ -n "$a" ] && [ -n "$b" ] && awk -v l="$1" -v a="$a" -v b="$b" 'BEGIN { printf "  %-48s %.2fx\n", l, a / b }'
  return 0
}

# ---- 2. fib(40) ----------------------------------------------------------------------------
echo "vs-peers: fib(40), $rounds interleaved rounds" >&2
f40='^fib/(serial|stealing)/n:40(/variant:(gcc|loop|plain))?/workers:[12]/'
for r in $(seq 1 "$rounds"); do
  wsrun "$f40" "$r" "" --suite sched
  if [ -n "$lace" ]; then
    lacerun 1 40 "$r"
    lacerun 2 40 "$r"
  fi
done
{
  echo; echo "## fib(40), medians of $rounds interleaved rounds"
  summarise '^(fib/[a-z]+/n:40|fib-lace -w [12] 40)'
  echo "ratios (of medians; plain: fib_stealing.c's variant:plain, every call a call;"
  echo "  loop: the serial twin of the default shape, fib(n-1) a loop; twin: of plain's):"
  ratio "stealing w1 / serial loop" fib/stealing/n:40/workers:1 fib/serial/n:40/variant:loop/workers:1
  ratio "stealing w1 / serial twin" fib/stealing/n:40/workers:1 fib/serial/n:40/workers:1
  ratio "plain w1 / serial twin" fib/stealing/n:40/variant:plain/workers:1 fib/serial/n:40/workers:1
  ratio "stealing w1 / variant:gcc" fib/stealing/n:40/workers:1 fib/serial/n:40/variant:gcc/workers:1
  ratio "stealing w1 / stealing w2 (speed-up)" fib/stealing/n:40/workers:1 fib/stealing/n:40/workers:2
  ratio "stealing w1 / plain w1" fib/stealing/n:40/workers:1 fib/stealing/n:40/variant:plain/workers:1
  if [ -n "$lace" ]; then
    ratio "stealing w1 / fib-lace -w 1 (target <= 1.0)" fib/stealing/n:40/workers:1 "fib-lace -w 1 40"
    ratio "stealing w2 / fib-lace -w 2 (target <= 0.9)" fib/stealing/n:40/workers:2 "fib-lace -w 2 40"
    ratio "plain w1 / fib-lace -w 1" fib/stealing/n:40/variant:plain/workers:1 "fib-lace -w 1 40"
    ratio "plain w2 / fib-lace -w 2" fib/stealing/n:40/variant:plain/workers:2 "fib-lace -w 2 40"
  fi
} >>"$sum"

# ---- 3. steal and wake latency -------------------------------------------------------------
echo "vs-peers: steal and wake latency" >&2
"$ws" --suite micro --no-report --benchmark_filter='^(steal_latency|wake_latency)/' \
  --benchmark_repetitions=3 --out "$tmp/micro" >"$out/latency.txt" 2>&1 \
  || echo "vs-peers: a latency benchmark failed (see $out/latency.txt)" >&2
{
  echo; echo "## steal and wake latency (wsbench --suite micro, 3 repetitions; targets 2 us, 15 us)"
  echo "# mean: the median of the repetitions' means (gbench's time); p50, p99: the medians of theirs"
  awk -F, 'function med(s,  a, n, i, j, t) { n = split(substr(s, 2), a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return a[int((n + 1) / 2)] }
    NR > 1 && $7 == "median" { mean[$1] = $9; if (!($1 in o)) { o[$1] = ++k; name[k] = $1 } }
    NR > 1 && $7 ~ /^rep/ && $16 != "" { p50[$1] = p50[$1] " " $16; p99[$1] = p99[$1] " " $18 }
    END { for (i = 1; i <= k; i++) { x = name[i]
            printf "%-48s mean %9.2f us  p50 %9.2f us  p99 %9.2f us\n", x, mean[x] / 1e3,
                   med(p50[x]) / 1e3, med(p99[x]) / 1e3 } }' "$tmp/micro/results.csv"
  # A repetition can fail (a probe no thief reached in 100 tries: a loaded machine); say so.
  grep -E '^\[[0-9]+/[0-9]+\] .*ERROR' "$out/latency.txt" || true
} >>"$sum"

# The floor under wake latency on this machine: a bare futex wake-up after
# the same 20 ms idle (bench/micro/futexwake.c; no scheduler involved), with
# the sleeper where the kernel puts it (next to the waker, as a worker woken
# by ws_submit on the submitter's CPU) and on another CPU (as a thief asleep
# on the other core, woken by a spawn).
cc -O2 -std=c11 -D_GNU_SOURCE bench/micro/futexwake.c -lpthread -o "$tmp/futexwake"
{ "$tmp/futexwake" 100 && "$tmp/futexwake" 100 --cross; } | tee "$out/futexwake.txt" >>"$sum"

# ---- 4. oversubscription -------------------------------------------------------------------
echo "vs-peers: fib(30), 8 workers against 2" >&2
for r in $(seq 1 "$rounds"); do
  wsrun '^fib/stealing/n:30/workers:[28]/' "$r" "" --executors stealing --workloads fib \
    --params fib=n:30 --workers 2,8
done
{
  echo; echo "## fib(30) on 2 cores, medians of $rounds interleaved rounds (target 8/2 <= 1.5)"
  summarise '^fib/stealing/n:30/'
  ratio "8 workers / 2 workers" fib/stealing/n:30/workers:8 fib/stealing/n:30/workers:2
} >>"$sum"

cp "$tmp/ws/context.txt" "$out/context.txt" 2>/dev/null || true
cat "$sum"
echo "vs-peers: wrote $out" >&2
