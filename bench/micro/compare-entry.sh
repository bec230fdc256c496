#!/usr/bin/env bash
# The entry path before and after, side by side in one run: builds
# libwsched at BASE (a commit of this repository, in a scratch worktree)
# and at the working tree, builds bench/micro/submit.c (public API only)
# against each, and runs the two alternately, ROUNDS rounds of one
# repetition each (so that drift on a shared machine hits both alike),
# then summarises: medians over the rounds with their range, and the
# ratio of this tree to BASE.
#
# usage: bench/micro/compare-entry.sh [--base COMMIT] [--rounds N]
#        [--storms-per-round N] [--limit S] [--out DIR]
#   defaults: --base 7b23bf3 (before the entry-path rewrite), --rounds 5,
#   --storms-per-round 20 (100 storms in all), --limit 30 (a run that
#   takes longer is killed and reported), --out results/<date>_<commit>-entry
set -euo pipefail
cd "$(dirname "$0")/../.."

base=7b23bf3
rounds=5
storms=20
limit=30
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --base) base=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --storms-per-round) storms=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--base COMMIT] [--rounds N] [--storms-per-round N] [--out DIR]" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $storms =~ ^[0-9]+$ ]] || { echo "compare-entry: bad --rounds or --storms-per-round" >&2; exit 2; }
git rev-parse --verify -q "$base^{commit}" >/dev/null || { echo "compare-entry: no commit $base" >&2; exit 2; }

head=$(git rev-parse --short=12 HEAD)
dirty=$(git diff --quiet HEAD -- sched && echo "" || echo "-dirty")
[ -n "$out" ] || out="results/$(date +%F)_${head}${dirty}-entry"
mkdir -p "$out"
tmp=$(mktemp -d)
cleanup() { git worktree remove --force "$tmp/base-src" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

jobs=$(nproc 2>/dev/null || echo 2)
lib() { # src-dir build-dir
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DWS_BUILD_TESTS=OFF -DWS_BUILD_BENCH=OFF >/dev/null
  cmake --build "$2" -j "$jobs" --target wsched >/dev/null
}
echo "compare-entry: building libwsched at $base and at the working tree ($head$dirty)"
git worktree add --detach "$tmp/base-src" "$base" >/dev/null 2>&1
lib "$tmp/base-src" "$tmp/base-build"
lib . "$tmp/this-build"
for v in base this; do
  src=.
  [ $v = base ] && src="$tmp/base-src"
  cc -O2 -std=c11 -Wall -Wextra -I"$src/sched/include" bench/micro/submit.c \
     -L"$tmp/$v-build/sched" -lwsched -Wl,-rpath,"$tmp/$v-build/sched" -lpthread -o "$tmp/submit-$v"
done

csv="$out/raw.csv"
echo "lib,measure,form,threads,workers,stat,value" >"$csv"
{
  echo "bench/micro/compare-entry.sh --base $base --rounds $rounds --storms-per-round $storms --limit $limit --out $out"
  echo "base: $(git log -1 --format='%h %s' "$base")"
  echo "this: $head$dirty"
} >"$out/command.txt"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) online"
  echo "kernel: $(uname -r)"
  echo "compiler: $(cc --version | head -1)"
} >"$out/context.txt"

for r in $(seq 1 "$rounds"); do
  for v in base this; do
    echo "compare-entry: round $r/$rounds, $v"
    label=$v
    st=0
    "$tmp/submit-$v" --label "$label" --reps 1 --storms "$storms" --limit "$limit" --csv "$csv" \
      >>"$out/log.txt" 2>&1 || st=$?
    if [ $st -ne 0 ]; then
      echo "compare-entry: $v exited with status $st in round $r (3: a run outlasted its limit and was killed; see log.txt)" | tee -a "$out/log.txt"
    fi
  done
done

# Medians over rounds (with min-max), and this/base.
awk -F, '
  NR == 1 { next }
  { key = $2 "," $3 "," $4 "," $5 "," $6; v[$1, key, ++n[$1, key]] = $7; keys[key] = 1; libs[$1] = 1 }
  function med(lib, key,   m, i, j, t, a) {
    m = n[lib, key]; if (m == 0) return "";
    for (i = 1; i <= m; i++) a[i] = v[lib, key, i] + 0;
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    lo[lib, key] = a[1]; hi[lib, key] = a[m];
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  function sum(lib, key,   i, s) { s = 0; for (i = 1; i <= n[lib, key]; i++) s += v[lib, key, i]; return s }
  function mx(lib, key,   i, s) { s = 0; for (i = 1; i <= n[lib, key]; i++) if (v[lib, key, i] + 0 > s) s = v[lib, key, i] + 0; return s }
  END {
    printf "%-8s %-7s %-8s %-16s %14s %-23s %14s %-23s %8s\n", "measure", "form", "threads", "stat", "base", "(range)", "this", "(range)", "this/base"
    for (key in keys) order[++k] = key
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
    for (i = 1; i <= k; i++) {
      key = order[i]; split(key, f, ",")
      if (f[5] ~ /_min$|_max$/) continue
      if (f[1] == "storm" && f[5] != "median_s") {
        b = (f[5] == "max_s") ? mx("base", key) : sum("base", key)
        t2 = (f[5] == "max_s") ? mx("this", key) : sum("this", key)
        printf "%-8s %-7s %-8s %-16s %14s %-23s %14s %-23s %8s\n", f[1], f[2], f[3], f[5] (f[5] == "max_s" ? " (all)" : " (sum)"), b == "" ? "-" : b, "", t2 == "" ? "-" : t2, "", ""
        continue
      }
      b = med("base", key); t2 = med("this", key)
      rb = (b == "") ? "" : sprintf("(%g-%g)", lo["base", key], hi["base", key])
      rt = (t2 == "") ? "" : sprintf("(%g-%g)", lo["this", key], hi["this", key])
      ratio = (b != "" && t2 != "" && b + 0 != 0) ? sprintf("%.3g", t2 / b) : "-"
      printf "%-8s %-7s %-8s %-16s %14s %-23s %14s %-23s %8s\n", f[1], f[2], f[3], f[5], b == "" ? "-" : b, rb, t2 == "" ? "-" : t2, rt, ratio
    }
  }' "$csv" | tee "$out/summary.txt"
echo "compare-entry: $out/summary.txt"
