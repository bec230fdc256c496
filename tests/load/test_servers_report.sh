#!/bin/sh
# test_servers_report.sh - wsbench-servers --report on the synthetic results
# in tests/load/data/servers: the claims, the winners and the commentary
# computed from those numbers, the chart files (SVGs when gnuplot is
# installed), --no-charts, and the error paths (a bad header, a bad field
# named by its line, no results, not a directory).
#
# The expected verdicts follow from data/servers/results.csv, e.g. at work
# 0 and 1024 connections eventloop's 80.0k req/s against wsched's 70.0k
# (threadpool's 110k and prefork's 65.0k are left out: connections they
# never served) is a win by 1.14x, over the 10% tie margin; at 10000
# connections eventloop's 60.0k against wsched's 65.0k is a tie (1.08x).
#
# Usage: test_servers_report.sh <wsbench-servers> <data-dir> <scratch-dir>
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 <wsbench-servers> <data-dir> <scratch-dir>" >&2
    exit 2
fi
DRIVER=$1
DATA=$2
WORK=$3
. "$(dirname "$0")/common.sh"

fresh() {
    rm -rf "${WORK:?}/$1"
    mkdir -p "$WORK"
    cp -R "$DATA" "$WORK/$1"
}

expect_line() {
    checks=$((checks + 1))
    grep -qxF -- "$2" "$1" || fail "$1 lacks the line: $2"
}

# --- 1. A full report ----------------------------------------------------------
fresh full
"$DRIVER" --report "$WORK/full" >"$WORK/full.out" 2>"$WORK/full.err"
expect_eq "--report on good input: exit status ($(cat "$WORK/full.err"))" "$?" 0
README=$WORK/full/README.md
for f in "$README" "$WORK/full.out"; do
    expect_text "$f" '- **"event loops win many connections": holds.**'
    expect_text "$f" "an event loop wins 1, ties 1, loses 0 of 2 points"
    expect_text "$f" "work 0 us, 1024 connections: eventloop 80.0k req/s against wsched 70.0k req/s (wins)"
    expect_text "$f" "work 0 us, 10000 connections: eventloop 60.0k req/s against wsched 65.0k req/s (a tie)"
    expect_text "$f" '- **"threads are fine for IO": partly.**'
    expect_text "$f" "at least 75% of the best at 2 of 5 connection counts"
    expect_text "$f" "256 connections: thread-per-conn 60.0k req/s, 67% of the best (eventloop-cores)"
    expect_text "$f" '- **"processes for CPU": does not hold.**'
    expect_text "$f" "prefork wins 0, ties 2, loses 1 of 3 points"
    expect_text "$f" "work 2000 us, fanout 2, server on every CPU, 16 connections: prefork 700 req/s against wsched 990 req/s (loses)"
    expect_line "$f" "| work 0 us | 1 | wsched | 30.0k req/s | 502 us | eventloop-cores (26.0k req/s) | 1.15x | |"
    # two repetitions: the lower median, and half the spread (100k, 104k)
    expect_line "$f" "| work 0 us | 16 | tie: eventloop | 100k req/s ±2% | 532 us | threadpool (95.0k req/s) | 1.05x, within the noise | |"
    expect_line "$f" "| work 0 us | 256 | tie: eventloop-cores | 90.0k req/s | 1.01 ms | eventloop (85.0k req/s) | 1.06x, within the noise | left out for errors or unserved connections: threadpool |"
    expect_line "$f" "| work 2000 us, fanout 2, server on every CPU | 16 | wsched | 990 req/s | 30.0 ms | eventloop-cores (890 req/s) | 1.11x | |"
done
expect_text "$README" "Highest: threadpool, 120k req/s at 256 connections (with errors or unserved connections)."
expect_text "$README" "eventloop: kept up with 50.0k req/s (p99 400 us), fell behind at 90.0k req/s (served 80.0k req/s, p99 50.0 ms)"
expect_text "$README" "thread-per-conn at 1024: 20.0 kB per connection"
expect_text "$README" "h2load's throughput is 0.947x to 1.10x wrk's over these 2 points: they agree within 15%."
expect_text "$README" "25 exact, 30 within the in-flight window, 1 mismatched, 1 not checkable"
expect_text "$README" '- results.csv line 22, prefork wrk work 0, 1024 connections: `mismatch:client read 5 replies; server wrote 4`'
expect_text "$README" '- line 26: thread-per-conn, pinned, work 0, 10000 connections, wrk: `wsserve killed by signal 9 (Killed) during the run: cannot start thread`'
expect_line "$README" "| 27 | threadpool | pinned | 0 | 10000 | wrk | 0 | 0 | 0 | 0 | 0 | 0 | 9936 |"
expect_text "$README" "**Machine:** Synthetic CPU for tests/load/test_servers_report.sh, 2 CPUs"
expect_text "$README" "h2load --h1 -t2 -c16 -D3 'http://127.0.0.1:40002/?work=0&fanout=1'"
CHARTS="throughput_w0 throughput_w2000_f2 throughput_w2000_f2_shared latency_p50_w0 latency_p99_w0 pss_w0 pss_per_conn_w0"
for c in $CHARTS; do
    check "charts/$c.dat and .gp written" [ -s "$WORK/full/charts/$c.dat" ] && [ -s "$WORK/full/charts/$c.gp" ]
    if command -v gnuplot >/dev/null; then
        check "charts/$c.svg drawn" [ -s "$WORK/full/charts/$c.svg" ]
        expect_text "$README" "(charts/$c.svg)"
    fi
done
expect_text "$WORK/full/charts/throughput_w0.dat" "# model: eventloop"
# the failed point is no point of the chart; the others at 10000 are
at() { awk -v want="$1" '/^# model: /{m=$3} m==want && /^10000 /' "$WORK/full/charts/throughput_w0.dat"; }
check "throughput_w0.dat: thread-per-conn's failed point left out" [ -z "$(at thread-per-conn)" ]
check "throughput_w0.dat: eventloop's point at 10000" [ -n "$(at eventloop)" ]

# --- 2. --no-charts -------------------------------------------------------------
fresh nocharts
"$DRIVER" --report "$WORK/nocharts" --no-charts >"$WORK/nocharts.out" 2>&1
expect_eq "--report --no-charts: exit status" "$?" 0
check "--no-charts: no SVG" [ ! -e "$WORK/nocharts/charts/throughput_w0.svg" ]
expect_text "$WORK/nocharts/README.md" "Not drawn: [charts/throughput_w0.gp]"

# --- 3. Bad input -----------------------------------------------------------------
# bad NAME MESSAGE STATUS: --report on $WORK/NAME fails with STATUS and MESSAGE.
bad() {
    "$DRIVER" --report "$WORK/$1" >"$WORK/$1.out" 2>"$WORK/$1.err"
    expect_eq "--report $1: exit status" "$?" "$3"
    expect_text "$WORK/$1.err" "$2"
}
fresh header
sed -i '1s/^model,/modell,/' "$WORK/header/results.csv"
bad header "not the header of servers.csv" 1
fresh field
sed -i '5s/,wrk,1,,/,wrk,x,,/' "$WORK/field/results.csv"
bad field "results.csv:5: 'rep' must be a non-negative integer or empty" 1
fresh client
sed -i '6s/,wrk,/,ab,/' "$WORK/client/results.csv"
bad client "results.csv:6: 'client' must be wrk, open or h2load" 1
fresh fields
sed -i '7s/,$/,,/' "$WORK/fields/results.csv"
bad fields "results.csv:7: expected 47 comma-separated fields, found 48" 1
fresh empty
head -1 "$DATA/results.csv" >"$WORK/empty/results.csv"
bad empty "has a header but no rows" 1
fresh nocsv
rm "$WORK/nocsv/results.csv"
bad nocsv "cannot open" 1
bad nosuchdir "not a directory" 2
finish
