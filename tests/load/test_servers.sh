#!/bin/sh
# test_servers.sh - wsbench-servers, the servers suite's driver: its --quick
# form on one model writes a well-formed results directory (every planned
# row, no failed point, every count check passed, context, client command
# lines, README); wsbench --suite servers reaches it; bad arguments exit 2
# with a message; SIGINT stops it and every process it started. No timing
# is asserted.
#
# Usage: test_servers.sh <wsbench-servers> <wsbench> <wsserve> <scratch-dir>
set -u
if [ $# -ne 4 ]; then
    echo "usage: $0 <wsbench-servers> <wsbench> <wsserve> <scratch-dir>" >&2
    exit 2
fi
DRIVER=$1
WSBENCH=$2
WSSERVE=$3
WORK=$4
. "$(dirname "$0")/common.sh"
rm -rf "$WORK"
mkdir -p "$WORK"

# --- 1. Bad arguments ---------------------------------------------------------
bad() {
    bad_args "$DRIVER" "$@"
}
bad bogus "unknown argument '--bogus'" --bogus
bad model "unknown model 'nope'" --models eventloop,nope
bad costs "--costs wants work_us[:fanout] items" --costs 100:0
bad conns "--connections wants counts 1..100000" --connections 16,0
bad dur "--duration wants whole seconds 1..3600, not '1.5'" --duration 1.5
bad ladder "--ladder wants fractions" --ladder 0.5,x
bad xcheck "--crosscheck wants work_us:connections items" --crosscheck 64
bad novalue "--out wants a value" --out
timeout 30 "$DRIVER" --help >"$WORK/help.out" 2>&1
expect_eq "--help: exit status" "$?" 0
expect_text "$WORK/help.out" "--quick"

# --- 2. The plan, through wsbench ----------------------------------------------
timeout 30 "$WSBENCH" --suite servers --dry-run --quick --models eventloop --server "$WSSERVE" \
    >"$WORK/plan.out" 2>"$WORK/plan.err"
expect_eq "wsbench --suite servers --dry-run: exit status ($(cat "$WORK/plan.err"))" "$?" 0
planned=$(sed -n 's/^\([0-9]*\) client runs$/\1/p' "$WORK/plan.out")
check "the plan's size" [ -n "$planned" ]
expect_text "$WORK/plan.out" "client: wrk -t2 -c16 -d1s --timeout 5s --latency -s "

# --- 3. --quick on one model ------------------------------------------------------
OUT=$WORK/quick
timeout 300 "$DRIVER" --quick --models eventloop --server "$WSSERVE" --out "$OUT" </dev/null \
    >"$WORK/quick.out" 2>"$WORK/quick.err"
expect_eq "--quick: exit status ($(tail -3 "$WORK/quick.err"))" "$?" 0
CSV=$OUT/results.csv
rows=$(($(wc -l <"$CSV") - 1))
expect_eq "rows in results.csv against the plan" "$rows" "$planned"
ncols=$(head -1 "$CSV" | awk -F, '{print NF}')
checks=$((checks + 1))
awk -F, -v n="$ncols" 'NF != n {exit 1}' "$CSV" || fail "results.csv: a row without $ncols fields"
col() { head -1 "$CSV" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
for c in model client error count_check throughput_rps offered_rps sent srv_requests pss_kb; do
    check "results.csv has a column $c" [ -n "$(col $c)" ]
done
e=$(col error)
k=$(col count_check)
t=$(col throughput_rps)
cl=$(col client)
o=$(col offered_rps)
checks=$((checks + 1))
awk -F, -v e="$e" 'NR > 1 && $e != "" {print "line " NR ": " $e; bad=1} END {exit bad}' "$CSV" ||
    fail "results.csv: failed points (above)"
checks=$((checks + 1))
awk -F, -v k="$k" 'NR > 1 && $k !~ /^(exact|window:)/ {print "line " NR ": " $k; bad=1} END {exit bad}' \
    "$CSV" || fail "results.csv: count checks that did not pass (above)"
checks=$((checks + 1))
awk -F, -v t="$t" 'NR > 1 && !($t > 0) {bad=1} END {exit bad}' "$CSV" || fail "results.csv: a point without throughput"
checks=$((checks + 1))
awk -F, -v c="$cl" -v o="$o" 'NR > 1 && ($c == "open") != ($o != "") {bad=1} END {exit bad}' "$CSV" ||
    fail "results.csv: offered_rps not given for exactly the open-loop rows"
for client in wrk open; do
    checks=$((checks + 1))
    awk -F, -v c="$cl" -v want="$client" 'NR > 1 && $c == want {n++} END {exit !n}' "$CSV" ||
        fail "results.csv: no $client row"
done
expect_eq "client command lines in clients.txt" "$(grep -vc '^#' "$OUT/clients.txt")" "$rows"
for key in "suite: servers" "placement_pinned: server on CPUs" "client_wrk: wrk" "iters_per_us:" \
    "rlimit_nofile:" "git_commit:" "wall_seconds:"; do
    expect_text "$OUT/context.txt" "$key"
done
expect_text "$OUT/command.txt" "--quick --models eventloop"
expect_text "$OUT/README.md" "## The guides' claims"
expect_text "$OUT/README.md" "## Which model wins where (wrk)"
expect_text "$WORK/quick.out" "## The guides' claims"

# the report reads back what the driver wrote
timeout 60 "$DRIVER" --report "$OUT" --no-charts >"$WORK/again.out" 2>&1
expect_eq "--report on the quick run: exit status" "$?" 0

# --- 4. Connections never served are seen ------------------------------------------
# threadpool's 64 threads each serve one connection until it closes: of 100,
# 36 are never answered while wrk runs (the others are, within the first of
# its 2 s, at work 0, even under a sanitizer).
timeout 120 "$DRIVER" --models threadpool --costs 0 --connections 100 --duration 2 --no-open \
    --no-crosscheck --no-report --server "$WSSERVE" --out "$WORK/starve" </dev/null \
    >"$WORK/starve.out" 2>"$WORK/starve.err"
expect_eq "threadpool at 100 connections: exit status ($(tail -2 "$WORK/starve.err"))" "$?" 0
expect_eq "threadpool at 100 connections: connections unserved" \
    "$(awk -F, -v u="$(col unserved)" 'NR == 2 {print $u}' "$WORK/starve/results.csv")" 36

# --- 5. SIGINT stops the suite and every process it started -------------------------
cp "$WSSERVE" "$WORK/wsserve-int"
"$DRIVER" --quick --models threadpool --no-report --server "$WORK/wsserve-int" --out "$WORK/int" \
    </dev/null >"$WORK/int.out" 2>"$WORK/int.err" &
driver=$!
for _ in $(seq 100); do
    [ -s "$WORK/int/results.csv" ] && grep -q "^threadpool" "$WORK/int/results.csv" && break
    sleep 0.1
done
kill -INT "$driver"
wait "$driver"
expect_eq "--quick interrupted: exit status" "$?" 1
expect_text "$WORK/int.err" "interrupted; the rows so far are in"
sleep 0.5
left=$(pgrep -f "$WORK/wsserve-int" || true)
check "no server left running after SIGINT (pids: $left)" [ -z "$left" ]
finish
