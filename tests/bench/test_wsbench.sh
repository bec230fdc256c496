#!/bin/sh
# test_wsbench.sh - wsbench's command line: bad arguments print usage and
# exit 2 without running anything; gbench's flags keep working
# (--benchmark_list_tests, --benchmark_filter, --benchmark_format=json);
# a small run writes the results directory (raw.json, results.csv,
# command.txt, context.txt, README.md) with right answers in it.
#
# Usage: test_wsbench.sh <wsbench> <scratch-dir>
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 <wsbench> <scratch-dir>" >&2
    exit 2
fi
WSBENCH=$1
WORK=$2
fails=0
checks=0
rm -rf "${WORK:?}"
mkdir -p "$WORK"

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# run NAME ARGS...: wsbench with stdin closed, output in $WORK/NAME.out and
# .err; sets rc. The timeout catches an argument that starts a whole suite.
run() {
    name=$1
    shift
    timeout 120 "$WSBENCH" "$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err"
    rc=$?
}

expect_text() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}

# bad NAME MESSAGE ARGS...: exit status 2, MESSAGE and the usage on stderr,
# and no benchmark run (nothing on stdout from gbench).
bad() {
    name=$1
    msg=$2
    shift 2
    run "$name" "$@"
    checks=$((checks + 1))
    [ "$rc" -eq 2 ] || fail "wsbench $*: exit status $rc, expected 2"
    expect_text "$WORK/$name.err" "$msg"
    expect_text "$WORK/$name.err" "usage: wsbench"
    checks=$((checks + 1))
    grep -q "Running " "$WORK/$name.out" "$WORK/$name.err" && fail "wsbench $*: ran benchmarks"
}

# --- 1. Bad arguments -------------------------------------------------------
bad bogus "unknown argument '--bogus'" --bogus
bad stray "unknown argument 'stray'" stray
bad workers0 "--workers wants positive counts" --workers 0
bad workersabc "--workers wants positive counts" --workers abc
bad workersnone "--workers wants a value" --workers
bad outnone "--out wants a value" --out
bad executor "unknown executor 'nope'" --executors nope
bad workload "unknown workload 'nope'" --workloads nope
bad suite "unknown suite 'nope'" --suite nope
bad reps_neg "'--benchmark_repetitions=-1': not a gbench flag, or a bad value" \
    --benchmark_repetitions=-1
bad reps_zero "'--benchmark_repetitions=0'" --benchmark_repetitions=0
bad reps_abc "'--benchmark_repetitions=abc'" --benchmark_repetitions=abc
bad min_time "'--benchmark_min_time=-1'" --benchmark_min_time=-1
bad format "'--benchmark_format=yaml'" --benchmark_format=yaml
bad params_noeq "--params wants WORKLOAD=PARAMS" --params uts
bad params_none "--params wants a value" --params
bad params_wl "--params: unknown workload 'nope'" --params nope=n:1
bad params_twice "--params: uts given twice" --params uts=tree:T1 --params uts=tree:T2
bad params_value "--params uts=tree:T9: uts:" --workloads uts --params uts=tree:T9
bad params_key "--params fib=m:3: fib:" --workloads fib --params fib=m:3

run help --help
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "--help: exit status $rc"
expect_text "$WORK/help.out" "usage: wsbench"

# --- 2. gbench's flags --------------------------------------------------------
run list --quick --benchmark_list_tests
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "--benchmark_list_tests: exit status $rc"
expect_text "$WORK/list.out" "fib/stealing/"
expect_text "$WORK/list.out" "uts/procpool/"
expect_text "$WORK/list.out" "/workers:"
expect_text "$WORK/list.out" "fib/stealing-random/"

# The variant executor runs only when named.
run listdef --benchmark_list_tests
checks=$((checks + 1))
grep -q "stealing-random" "$WORK/listdef.out" && fail "the default suite runs stealing-random"
run listvar --executors stealing-random --workloads uts --benchmark_list_tests
expect_text "$WORK/listvar.out" "uts/stealing-random/tree:T3/workers:2"
checks=$((checks + 1))
grep -q "uts/stealing/" "$WORK/listvar.out" && fail "--executors stealing-random ran stealing"
run listsched --suite sched --benchmark_list_tests
expect_text "$WORK/listsched.out" "uts/stealing-random/tree:T1/workers:8"

run json --quick --workloads fib --executors serial,stealing --out - \
    --benchmark_filter='fib/stealing' --benchmark_format=json
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "--benchmark_format=json run: exit status $rc"
expect_text "$WORK/json.out" '"benchmarks": ['
expect_text "$WORK/json.out" '"name": "fib/stealing/'
checks=$((checks + 1))
grep -q '"name": "fib/serial/' "$WORK/json.out" && fail "--benchmark_filter let fib/serial run"

# --- 2b. --params: any UTS tree from the command line ------------------------
run spec --workloads uts --executors serial,stealing --workers 2 --no-micro --out - \
    --params uts=spec:-t_1_-a_3_-d_5_-b_4_-r_19 --benchmark_repetitions=1 --benchmark_min_time=0.01
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "a --params run: exit status $rc"
expect_text "$WORK/spec.err" "uts/stealing/spec:-t_1_-a_3_-d_5_-b_4_-r_19/workers:2:"
checks=$((checks + 1))
grep -q "tree:T" "$WORK/spec.out" "$WORK/spec.err" && fail "--params uts= still ran the suite's trees"

# --- 3. A small run writes its results directory ---------------------------
run small --quick --workloads fib,nqueens --executors serial,stealing,threadpool \
    --out "$WORK/results" --no-report
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "a small --quick run: exit status $rc"
for f in raw.json results.csv command.txt context.txt; do
    checks=$((checks + 1))
    [ -s "$WORK/results/$f" ] || fail "the run wrote no $f"
done
expect_text "$WORK/results/results.csv" "fib/stealing/"
expect_text "$WORK/results/results.csv" "nqueens/threadpool/"
expect_text "$WORK/results/command.txt" "--workloads fib,nqueens"
expect_text "$WORK/results/context.txt" "wall_seconds: "
expect_text "$WORK/results/context.txt" "grain_kernel: "
# The library versions, each with a number (they were once built before
# find_package() had set them: "oneTBB , OpenMP  (gcc ...)").
for lib in hwloc ck benchmark oneTBB OpenMP gcc libuv; do
    checks=$((checks + 1))
    grep -Eq "^versions: .*\(?$lib [0-9]+\.[0-9]" "$WORK/results/context.txt" ||
        fail "context.txt's versions line names no $lib version"
done
# The registries, in order, as the usage text lists them.
expect_text "$WORK/results/context.txt" "executors: serial threadpool procpool stealing openmp tbb"
expect_text "$WORK/results/context.txt" "workloads: fib nqueens uts matmul sort grain sleep pipe socket file mixed"
checks=$((checks + 1))
# The error column (the last) is empty on every row: every answer was right.
awk -F, 'NR > 1 && $NF != "" { bad = 1 } END { exit bad }' "$WORK/results/results.csv" ||
    fail "a run in results.csv has an error"

# --- 4. The default directory: a partial run leaves results/README.md be ----
mkdir -p "$WORK/cwd"
(cd "$WORK/cwd" && timeout 120 "$WSBENCH" --quick --workloads fib --executors serial,stealing \
    </dev/null >"$WORK/cwd.out" 2>"$WORK/cwd.err")
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "a --quick run into the default directory: exit status $rc"
checks=$((checks + 1))
ls "$WORK/cwd/results"/*/results.csv >/dev/null 2>&1 ||
    fail "no results/<date>_<commit>/results.csv under the working directory"
checks=$((checks + 1))
[ -e "$WORK/cwd/results/README.md" ] && fail "a partial run rewrote results/README.md"

echo "test_wsbench: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
