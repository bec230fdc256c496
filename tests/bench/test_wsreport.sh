#!/bin/sh
# test_wsreport.sh - wsreport on the synthetic results in tests/bench/data/wsreport:
# the verdicts and commentary computed from those numbers, the README's
# sections, the chart files (SVGs checked when gnuplot is installed), a run
# without gnuplot, --no-charts, --index, task counts and ties in the verdicts,
# and the error paths: bad arguments, and
# malformed CSV named by its line number.
#
# Usage: test_wsreport.sh <wsreport> <data-dir> <scratch-dir>
#
# The expected numbers come from tests/bench/data/wsreport/results.csv, e.g. fib:
# stealing's best is 54.0 ms (2 workers), the runner-up openmp's 99.9 ms
# (99.9 / 54.0 = 1.85x) and serial's 100 ms (1.85x).
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 <wsreport> <data-dir> <scratch-dir>" >&2
    exit 2
fi
WSREPORT=$1
DATA=$2
WORK=$3
fails=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# A fresh copy of the data directory as $WORK/<name>.
fresh() {
    rm -rf "${WORK:?}/$1"
    mkdir -p "$WORK"
    cp -R "$DATA" "$WORK/$1"
}

# expect_line FILE LINE: FILE has LINE as a whole line.
expect_line() {
    checks=$((checks + 1))
    grep -qxF -- "$2" "$1" || fail "$1 lacks the line: $2"
}

# expect_text FILE TEXT: FILE contains TEXT.
expect_text() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}

# expect_rc WANT GOT WHAT: WANT is 0 or "nonzero".
expect_rc() {
    checks=$((checks + 1))
    if [ "$1" = 0 ] && [ "$2" -ne 0 ]; then
        fail "$3: exit status $2, expected 0"
    elif [ "$1" = nonzero ] && [ "$2" -eq 0 ]; then
        fail "$3: exit status 0, expected non-zero"
    fi
}

# run NAME ARGS...: runs wsreport, output in $WORK/NAME.out and .err; sets rc.
run() {
    name=$1
    shift
    "$WSREPORT" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    rc=$?
}

CHARTS="speedup_fib speedup_nqueens speedup_uts_tree-T1 speedup_uts_tree-T3
        efficiency_fib efficiency_nqueens efficiency_uts_tree-T1 efficiency_uts_tree-T3
        throughput_sleep throughput_mixed latency_sleep latency_mixed overhead_fib cpu_wall"

# --- 1. A full run -------------------------------------------------------
fresh full
run full "$WORK/full"
expect_rc 0 "$rc" "wsreport on good input"
README=$WORK/full/README.md
checks=$((checks + 1))
[ -s "$README" ] || fail "no README.md written"

# The verdicts, from the numbers, in the README and on stdout.
for f in "$README" "$WORK/full.out"; do
    expect_line "$f" "- fib: stealing wins, 1.85x over openmp (54.0 ms at 2 workers [95%: 52.9 ms to 55.1 ms] against 99.9 ms at 2 workers [95%: 97.9 ms to 102 ms]); 1.85x faster than serial."
    expect_line "$f" "- nqueens: stealing wins, 1.14x over tbb (105 ms at 2 workers [only 75%: 102 ms to 108 ms] against 120 ms at 2 workers [only 75%: 116 ms to 124 ms]); 1.90x faster than serial."
    expect_line "$f" "- uts (tree:T1): stealing wins, 1.90x over serial (210 ms at 2 workers [no interval: one repetition] against 400 ms at 1 worker [no interval: one repetition])."
    expect_line "$f" "- uts (tree:T3): tbb wins, 1.04x over stealing (250 ms at 2 workers [no interval: one repetition] against 260 ms at 2 workers [no interval: one repetition]); 2.00x faster than serial."
    expect_line "$f" "- sleep: threadpool wins, 1.20x over procpool (40.0k tasks/s at 64 workers [only 75%: 38.8k tasks/s to 41.2k tasks/s] against 33.3k tasks/s at 64 workers [only 75%: 32.4k tasks/s to 34.4k tasks/s]); 44.0x the throughput of serial."
    expect_line "$f" "- mixed: stealing ties for first, 1.03x over threadpool (195 tasks/s at 2 workers [only 75%: 189 tasks/s to 201 tasks/s] against 190 tasks/s at 4 workers [only 75%: 184 tasks/s to 196 tasks/s]): the intervals overlap; 1.95x the throughput of serial."
    expect_line "$f" "| fib | cpu | stealing, 2 workers | 54.0 ms | openmp, 2 workers | 99.9 ms | 1.85x | 1.85x |"
    expect_line "$f" "| mixed | mixed | stealing, 2 workers | 195 tasks/s | threadpool, 4 workers | 190 tasks/s | 1.03x (tie) | 1.95x |"
done
# No pick here has its repetitions' rows: no verdict to split in halves.
expect_line "$README" "Stability: no verdict has the repetitions to split in halves."

# Context, command, statistic, failures, microbenchmarks.
expect_text "$README" "**Date:** 2026-11-22T04:10:00Z · **Commit:** 83ac766 (synthetic test data) · **Machine:** Synthetic CPU @ 2.00GHz"
expect_line "$README" "./build/bench/wsbench --out results/2026-11-22_83ac766 --benchmark_repetitions=3"
expect_text "$README" "each figure is the median over 3 to 6 repetitions of the benchmark, with a distribution-free interval"
expect_text "$README" '5 benchmarks have no median row and use another statistic: `uts/serial/tree:T1/workers:1` (rep0)'
expect_line "$README" "## Failures"
expect_text "$README" '- `fib/procpool/n:30/workers:2` (rep0, results.csv line 6): wrong answer: fib(30) = 832039 but expected 832040'
expect_text "$README" "steal_latency/stealing/workers:2 | stealing | 2 | 120 ns | 100 ns | 300 ns |"
expect_line "$WORK/full.out" "1 failed run: see Failures in $WORK/full/README.md"

# One generated sentence per chart kind.
expect_text "$README" "stealing reaches the highest speedup over the serial twin: 1.85x at 2 workers (54.0 ms against serial's 100 ms)."
expect_text "$README" "More workers than the best count cost speed: openmp falls from 1.00x at 2 workers to 0.833x at 4 workers."
expect_text "$README" "threadpool reaches the highest throughput: 40.0k tasks/s at 64 workers, 1.20x the best of procpool (33.3k tasks/s at 64 workers)."
expect_text "$README" "At 4 workers, threadpool has both the lowest median latency (140 ms) and the lowest p99.9 (279 ms)."
expect_text "$README" "With one worker, serial takes 100 ns per task; the cheapest other model is stealing at 110 ns (1.10x serial's)"
expect_text "$README" "The highest ratio is stealing's on mixed: 2.21 at 4 workers (CPU 2.60 s over wall 1.18 s)."

# The failed benchmark is not charted: procpool has only its 1-worker point.
checks=$((checks + 1))
awk '/^# executor: procpool/ { on = 1; next } on && NF == 0 { exit } on { n++ } END { exit n != 1 }' \
    "$WORK/full/charts/speedup_fib.dat" || fail "speedup_fib.dat: procpool should have 1 point"

for c in $CHARTS; do
    for ext in dat gp; do
        checks=$((checks + 1))
        [ -s "$WORK/full/charts/$c.$ext" ] || fail "missing or empty charts/$c.$ext"
    done
done

if command -v gnuplot >/dev/null 2>&1; then
    for c in $CHARTS; do
        svg=$WORK/full/charts/$c.svg
        checks=$((checks + 1))
        if [ ! -s "$svg" ]; then
            fail "missing or empty charts/$c.svg"
            continue
        fi
        head -c 5 "$svg" | grep -qE '^(<\?xml|<svg)' || fail "charts/$c.svg does not start as SVG"
        tail -c 100 "$svg" | grep -q '</svg>' || fail "charts/$c.svg does not end with </svg>"
        expect_text "$README" "](charts/$c.svg)"
    done
    checks=$((checks + 1))
    [ "$(ls "$WORK/full/charts"/*.svg | wc -l)" -eq 14 ] || fail "expected exactly 14 SVG charts"
else
    echo "SKIP: gnuplot is not installed; SVG checks skipped"
fi

# --- 2. gnuplot missing: said once, README still written, points at .gp ----
fresh nognuplot
PATH=/nonexistent "$WSREPORT" "$WORK/nognuplot" >"$WORK/nognuplot.out" 2>"$WORK/nognuplot.err"
rc=$?
expect_rc 0 "$rc" "wsreport without gnuplot"
checks=$((checks + 1))
[ "$(grep -c 'gnuplot not found' "$WORK/nognuplot.err")" -eq 1 ] ||
    fail "without gnuplot, 'gnuplot not found' should be said exactly once on stderr"
expect_text "$WORK/nognuplot/README.md" "Charts were not drawn: gnuplot was not found."
expect_text "$WORK/nognuplot/README.md" "[charts/speedup_fib.gp](charts/speedup_fib.gp)"
expect_line "$WORK/nognuplot/README.md" "- fib: stealing wins, 1.85x over openmp (54.0 ms at 2 workers [95%: 52.9 ms to 55.1 ms] against 99.9 ms at 2 workers [95%: 97.9 ms to 102 ms]); 1.85x faster than serial."
checks=$((checks + 1))
ls "$WORK/nognuplot/charts"/*.svg >/dev/null 2>&1 && fail "SVGs drawn without gnuplot"

# --- 3. --no-charts --------------------------------------------------------
fresh nocharts
run nocharts --no-charts "$WORK/nocharts"
expect_rc 0 "$rc" "wsreport --no-charts"
expect_text "$WORK/nocharts/README.md" "Charts were not drawn (wsreport --no-charts)."
checks=$((checks + 1))
[ -s "$WORK/nocharts/charts/cpu_wall.gp" ] || fail "--no-charts should still write the scripts"
checks=$((checks + 1))
ls "$WORK/nocharts/charts"/*.svg >/dev/null 2>&1 && fail "SVGs drawn with --no-charts"

# --- 4. No context.txt or command.txt --------------------------------------
fresh bare
rm "$WORK/bare/context.txt" "$WORK/bare/command.txt"
run bare --no-charts "$WORK/bare"
expect_rc 0 "$rc" "wsreport without context.txt and command.txt"
expect_text "$WORK/bare/README.md" "No context.txt in this directory"
expect_text "$WORK/bare/README.md" "command.txt is missing from this directory"

# --- 4b. --index: the same page beside the run, its links led into it ------
fresh idx
run idx --no-charts --index "$WORK/INDEX.md" "$WORK/idx"
expect_rc 0 "$rc" "wsreport --index"
expect_text "$WORK/INDEX.md" "This page shows the latest: [idx](idx/README.md)."
expect_text "$WORK/INDEX.md" "[charts/speedup_fib.gp](idx/charts/speedup_fib.gp)"
expect_line "$WORK/INDEX.md" "- fib: stealing wins, 1.85x over openmp (54.0 ms at 2 workers [95%: 52.9 ms to 55.1 ms] against 99.9 ms at 2 workers [95%: 97.9 ms to 102 ms]); 1.85x faster than serial."
expect_text "$WORK/idx/README.md" "[charts/speedup_fib.gp](charts/speedup_fib.gp)"
mkdir -p "$WORK/elsewhere"
run idxbad --no-charts --index "$WORK/elsewhere/INDEX.md" "$WORK/idx"
expect_rc nonzero "$rc" "--index outside the run's parent"
expect_text "$WORK/idxbad.err" "the page must be in the directory that holds"
checks=$((checks + 1))
[ -e "$WORK/elsewhere/INDEX.md" ] && fail "--index outside the run's parent wrote the page"
run idxnone "$WORK/idx" --index
expect_rc nonzero "$rc" "--index without a file"
expect_text "$WORK/idxnone.err" "usage: wsreport"

# --- 4c. A runner-up that ran the work as fewer tasks is named so -----------
fresh pieces
awk -F, 'BEGIN { OFS = "," } $1 ~ /^fib\/openmp\// { $14 = 64 } { print }' \
    "$DATA/results.csv" >"$WORK/pieces/results.csv"
run pieces --no-charts "$WORK/pieces"
expect_rc 0 "$rc" "wsreport with differing task counts"
expect_line "$WORK/pieces.out" "- fib: stealing wins, 1.85x over openmp (54.0 ms at 2 workers [95%: 52.9 ms to 55.1 ms] against 99.9 ms at 2 workers [95%: 97.9 ms to 102 ms]); 1.85x faster than serial. stealing ran the work as 1.00M tasks, openmp as 64."

# --- 4d. Repetitions far apart: listed, and overlapping intervals are a tie ---
# nqueens/stealing's repetitions 100, 105, 125 ms spread 25/105 = 23.8%; its
# median row's interval, as wsbench writes it from three repetitions, is
# their extremes (75%): 100 to 125 ms, which overlaps tbb's 116 to 124 ms.
fresh noisy
sed 's|^\(nqueens/stealing/n:12/workers:2,.*,median,3,105000000\),[^,]*,[^,]*,[^,]*,|\1,100000000.0,125000000.0,0.7500,|' \
    "$DATA/results.csv" >"$WORK/noisy/results.csv"
for r in 0:100000000 1:105000000 2:125000000; do
    echo "nqueens/stealing/n:12/workers:2,nqueens,cpu,stealing,n:12,2,rep${r%%:*},3,${r#*:},0.0,0.0,0.0000,210000000,100000,952381.0,0,0,0,0,0,0,4096,"
done >>"$WORK/noisy/results.csv"
run noisy --no-charts "$WORK/noisy"
expect_rc 0 "$rc" "wsreport with noisy repetitions"
expect_line "$WORK/noisy.out" "- nqueens: stealing ties for first, 1.14x over tbb (105 ms at 2 workers [only 75%: 100 ms to 125 ms] against 120 ms at 2 workers [only 75%: 116 ms to 124 ms]): the intervals overlap; 1.90x faster than serial."
expect_text "$WORK/noisy.out" "| 1.14x (tie) |"
expect_text "$WORK/noisy/README.md" 'spread by more than 10% of the median between fastest and slowest repetition: `nqueens/stealing/n:12/workers:2` (24%).'
expect_line "$WORK/noisy.out" "- fib: stealing wins, 1.85x over openmp (54.0 ms at 2 workers [95%: 52.9 ms to 55.1 ms] against 99.9 ms at 2 workers [95%: 97.9 ms to 102 ms]); 1.85x faster than serial."

# --- 4e. A verdict that flips between the halves of its repetitions --------
# uts T3 with six repetitions each and median rows without an interval (an
# older run's), so the report computes it: tbb 240 242 244 | 262 264 266 ms
# (median 253), stealing 270 272 274 | 250 252 254 ms (median 262). Their
# 96.9% intervals (the extremes of six) overlap: a tie. The first half's
# medians make tbb the winner (242 against 272), the second's stealing (264
# against 252): the stability note names the flip.
fresh flip
grep -v '^uts/\(stealing\|tbb\)/tree:T3/' "$DATA/results.csv" >"$WORK/flip/results.csv"
for e in tbb:240:242:244:262:264:266:253 stealing:270:272:274:250:252:254:262; do
    x=${e%%:*}
    set -- $(echo "${e#*:}" | tr : ' ')
    k=0
    for ms in "$1" "$2" "$3" "$4" "$5" "$6"; do
        echo "uts/$x/tree:T3/workers:2,uts,cpu,$x,tree:T3,2,rep$k,6,${ms}000000,0.0,0.0,0.0000,500000000,4112897,0,0,0,0,0,0,0,4096,"
        k=$((k + 1))
    done
    echo "uts/$x/tree:T3/workers:2,uts,cpu,$x,tree:T3,2,median,6,${7}000000,0.0,0.0,0.0000,500000000,4112897,0,0,0,0,0,0,0,4096,"
done >>"$WORK/flip/results.csv"
run flip --no-charts "$WORK/flip"
expect_rc 0 "$rc" "wsreport with a flipping verdict"
expect_line "$WORK/flip.out" "- uts (tree:T3): tbb ties for first, 1.04x over stealing (253 ms at 2 workers [95%: 240 ms to 266 ms] against 262 ms at 2 workers [95%: 250 ms to 274 ms]): the intervals overlap; 1.98x faster than serial."
expect_line "$WORK/flip/README.md" "Stability: 0 of 1 verdicts name the same winner from the first half of the repetitions as from the second (the rounds in time order, each half judged by its own medians); 1 changes, 1 of them a tie: uts (tree:T3) (tbb, then stealing; a tie)."
# The chart's error bars: stealing's speedup over serial (500 ms) is 500/262
# = 1.91, between 500/274 = 1.82 and 500/250 = 2.00 (the serial row has no
# interval: its point).
run flipcharts "$WORK/flip"
expect_rc 0 "$rc" "wsreport on the flip data, charts drawn"
expect_line "$WORK/flip/charts/speedup_uts_tree-T3.dat" "2 1.9084 1.82482 2 2.62e+08"
expect_line "$WORK/flip/charts/efficiency_uts_tree-T3.dat" "2 0.954198 0.912409 1 2.62e+08"

# --- 4f. A results.csv from before the interval columns is still read ------
# (the committed runs up to 2026-12-01): no interval where the repetitions'
# rows are missing (fib's six are only counted in reps).
fresh before_ci
cut -d, -f1-9,13- "$DATA/results.csv" >"$WORK/before_ci/results.csv"
run before_ci --no-charts "$WORK/before_ci"
expect_rc 0 "$rc" "wsreport on a results.csv without ci_lo, ci_hi, ci_conf"
expect_line "$WORK/before_ci.out" "- fib: stealing wins, 1.85x over openmp (54.0 ms at 2 workers [no interval recorded] against 99.9 ms at 2 workers [no interval recorded]); 1.85x faster than serial."

# --- 5. Bad arguments: usage and non-zero -----------------------------------
run noargs
expect_rc nonzero "$rc" "no arguments"
expect_text "$WORK/noargs.err" "usage: wsreport <results-dir> [--no-charts]"
run badopt --bogus "$WORK/full"
expect_rc nonzero "$rc" "unknown option"
expect_text "$WORK/badopt.err" "unexpected argument '--bogus'"
expect_text "$WORK/badopt.err" "usage: wsreport"
run twodirs "$WORK/full" "$WORK/full"
expect_rc nonzero "$rc" "two directories"
expect_text "$WORK/twodirs.err" "usage: wsreport"
run nodir "$WORK/does-not-exist"
expect_rc nonzero "$rc" "a missing directory"
expect_text "$WORK/nodir.err" "is not a directory"
run help --help
expect_rc 0 "$rc" "--help"
expect_text "$WORK/help.out" "usage: wsreport"

# --- 6. Malformed input: non-zero, the file and line named, no README --------
# bad NAME SED-SCRIPT EXPECTED-MESSAGE: edits results.csv, expects a failure.
bad() {
    fresh "$1"
    sed "$2" "$DATA/results.csv" >"$WORK/$1/results.csv"
    run "$1" --no-charts "$WORK/$1"
    expect_rc nonzero "$rc" "$1"
    expect_text "$WORK/$1.err" "$3"
    checks=$((checks + 1))
    [ -e "$WORK/$1/README.md" ] && fail "$1: README.md written from bad input"
}
bad short-line '5s/,4096,$/,/' "results.csv:5: expected 23 comma-separated fields, found 22"
bad ci-order '2s/,98000000.0,102000000.0,/,102000000.0,98000000.0,/' "results.csv:2: 'ci_lo' must not exceed 'ci_hi'"
bad bad-number '8s/,54000000,/,54ms,/' "results.csv:8: 'real_ns' must be a non-negative number, not \"54ms\""
bad negative '9s/,56000000,/,-5,/' "results.csv:9: 'real_ns' must be a non-negative number"
bad bad-kind '3s/,cpu,/,gpu,/' "results.csv:3: 'kind' must be cpu, io, mixed or micro"
bad bad-stat '4s/,median,/,average,/' "results.csv:4: 'stat' must be median"
bad zero-workers '2s/,1,median,/,0,median,/' "results.csv:2: 'workers' must be an integer >= 1"
bad bad-header '1s/real_ns/wall_ns/' "results.csv:1: the header is not the one in core/schema.h"
bad duplicate '3p' "results.csv:4: duplicate of line 3"
bad two-kinds '13s/,cpu,/,io,/' "workload nqueens has two kinds: io on line 13, cpu on line 14"
bad header-only '2,$d' "has a header but no rows"
bad empty '1,$d' "is empty (expected the header line)"

fresh nocsv
rm "$WORK/nocsv/results.csv"
run nocsv "$WORK/nocsv"
expect_rc nonzero "$rc" "no results.csv"
expect_text "$WORK/nocsv.err" "cannot open"

# Sanitizer builds: no report from any run, on any path.
checks=$((checks + 1))
if grep -l -e 'Sanitizer' -e 'runtime error' "$WORK"/*.err; then
    fail "a sanitizer reported on the runs above"
fi

if [ "$fails" -ne 0 ]; then
    echo "test_wsreport: $fails of $checks check(s) failed" >&2
    exit 1
fi
echo "test_wsreport: all $checks checks passed"
