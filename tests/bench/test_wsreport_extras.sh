#!/bin/sh
# test_wsreport_extras.sh - wsreport's granularity, idle and memory parts on
# synthetic results with known answers: METG(50%) from grain rows (efficiency
# = tasks x ns / min(workers, cpus) / real_ns), the bounds, the target line
# and its ratios; idle.csv and memory.csv in their tables and target line;
# grain kept out of the verdicts; a malformed idle.csv named by its line.
#
# Usage: test_wsreport_extras.sh <wsreport> <scratch-dir>
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 <wsreport> <scratch-dir>" >&2
    exit 2
fi
WSREPORT=$1
WORK=$2
# fail, expect_text and the counts: the servers suite's shell tests' helpers.
. "$(dirname "$0")/../load/common.sh"

expect_no_text() {
    checks=$((checks + 1))
    if grep -qF -- "$2" "$1"; then fail "$1 has: $2"; fi
}

rm -rf "${WORK:?}"
mkdir -p "$WORK/run"
D=$WORK/run
echo "online_cpus: 2" > "$D/context.txt"
H=name,workload,kind,executor,params,workers,stat,reps,real_ns,cpu_ns,tasks,tasks_per_s,p50_ns,p90_ns,p99_ns,p999_ns,speedup_serial,speedup_1,max_rss_kb,error
# row EXEC NS SHAPE WORKERS REAL_NS: 1000 tasks of NS each.
row() {
    p="ns:$2/tasks:1000"
    [ "$3" = tree ] && p="$p/shape:tree"
    echo "grain/$1/$p/workers:$4,grain,cpu,$1,$p,$4,median,3,$5,$5,1000,1,0,0,0,0,0,0,4096,"
}
{
    echo "$H"
    # stealing, tree, 2 workers: 20%, 80%, 100%: METG 10^2.5 = 316 ns.
    row stealing 100 tree 2 250000
    row stealing 1000 tree 2 625000
    row stealing 10000 tree 2 5000000
    # 4 workers on 2 cpus: the ideal is 2 cores'. 10%, 60%: METG 10^2.8 = 631 ns.
    row stealing 100 tree 4 500000
    row stealing 1000 tree 4 833333.33
    # Flat at 4: 60% already at 100 ns.
    row stealing 100 flat 4 83333.33
    # threadpool never crosses (1%, 10%, 40%): > 10 us, more than 31.6x.
    row threadpool 100 tree 2 5000000
    row threadpool 1000 tree 2 5000000
    row threadpool 10000 tree 2 12500000
    # openmp: 10%, 30%, 70%: METG 10^3.5 = 3.16 us, 10.0x stealing's.
    row openmp 100 tree 2 500000
    row openmp 1000 tree 2 1666666.67
    row openmp 10000 tree 2 7142857.14
    echo "fib/serial/n:30/workers:1,fib,cpu,serial,n:30,1,median,3,100000000,100000000,1000000,10000000.0,0,0,0,0,1,1,4096,"
    echo "fib/stealing/n:30/workers:2,fib,cpu,stealing,n:30,2,median,3,54000000,108000000,1000000,18518518.5,0,0,0,0,0,0,4096,"
} > "$D/results.csv"
cat > "$D/idle.csv" <<'CSV'
executor,workers,window_s,after_burst_cpu_s,steady_cpu_s,wake_p50_ns,wake_p99_ns,wake_samples,error
stealing,2,2.0,0.004,0.001,10000,50000,40,
tbb,2,2.0,0.1,0.002,1000,9000,40,
openmp,2,0,0,0,0,0,0,wsbench-idle failed
CSV
cat > "$D/memory.csv" <<'CSV'
executor,workers,tasks,base_kb,peak_kb,bytes_per_task,outstanding,error
stealing-async,2,10000,4000,14000,1024,10000 reactor timers pending at once,
CSV

"$WSREPORT" "$D" --no-charts > "$WORK/out" 2> "$WORK/err"
rc=$?
checks=$((checks + 1))
[ $rc -eq 0 ] || fail "wsreport: exit status $rc: $(cat "$WORK/err")"
R=$D/README.md
expect_text "$R" "| Model | flat, 2 workers | flat, 4 workers (oversubscribed) | tree, 2 workers | tree, 4 workers (oversubscribed) |"
expect_text "$R" "| threadpool | - | - | > 10.0 us | - |"
expect_text "$R" "| stealing | - | < 100 ns | 316 ns | 631 ns |"
expect_text "$R" "| openmp | - | - | 3.16 us | - |"
expect_text "$R" "**Target (tree shape, 2 workers):** stealing's METG(50%) is 316 ns; threadpool's is more than 31.6x, openmp's is 10.0x"
# grain has its own table: not a verdict, not a speedup chart.
expect_no_text "$R" "- grain"
expect_no_text "$R" "speedup_grain"
expect_text "$R" "- fib:"
for c in grain_eff_tree_w2 grain_eff_tree_w4 grain_eff_flat_w4 grain_metg_tree idle memory; do
    checks=$((checks + 1))
    [ -f "$D/charts/$c.gp" ] && [ -f "$D/charts/$c.dat" ] || fail "no charts/$c.gp and .dat"
done
checks=$((checks + 1))
[ ! -f "$D/charts/grain_metg_flat.gp" ] || fail "a METG-against-workers chart from one worker count"
expect_text "$R" "| stealing | 2 | 0.200% of a core | 0.0500% | 10.0 us | 50.0 us |"
expect_text "$R" "| openmp | 2 | failed: wsbench-idle failed | | | |"
expect_text "$R" "**Target (idle CPU after a burst, at most 1% of a core):** stealing's is 0.200% (met); tbb's 5.00%."
expect_text "$R" "| stealing-async | 2 | 3.91 MiB | 13.7 MiB | 1.02k B | 10000 reactor timers pending at once |"

# A malformed idle.csv: an error naming its line, exit status 1.
echo "stealing,2,2.0" >> "$D/idle.csv"
"$WSREPORT" "$D" --no-charts > "$WORK/out2" 2> "$WORK/err2"
rc=$?
checks=$((checks + 1))
[ $rc -eq 1 ] || fail "malformed idle.csv: exit status $rc, expected 1"
expect_text "$WORK/err2" "idle.csv:5: 3 fields, want 9"

if [ $fails -ne 0 ]; then
    echo "test_wsreport_extras: $fails of $checks checks failed" >&2
    exit 1
fi
echo "test_wsreport_extras: all $checks checks passed"
