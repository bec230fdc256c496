#!/bin/sh
# test_wsopen.sh - wsopen, the open-loop generator, against wsserve: every
# request accounted for (due = sent + unsent; sent = answered + errors +
# timeouts, wsopen's check=ok) and its counts equal to the server's, in a
# duration run, a request-count run on two threads, a run past capacity
# (backlog), requests that time out, a closed port and a server that
# refuses connections; and bad arguments rejected with a clear message.
# No timing is asserted.
#
# Usage: test_wsopen.sh <wsopen> <wsserve> <scratch-dir>
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 <wsopen> <wsserve> <scratch-dir>" >&2
    exit 2
fi
WSOPEN=$1
WSSERVE=$2
WORK=$3
. "$(dirname "$0")/common.sh"
rm -rf "$WORK"
mkdir -p "$WORK"

bad() {
    bad_args "$WSOPEN" "$@"
}

# run NAME ARGS...: wsopen ARGS, its result line in $line, exit status in $rc.
run() {
    name=$1
    shift
    timeout 60 "$WSOPEN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    rc=$?
    line=$(grep '^wsopen: offered_rps=' "$WORK/$name.out")
    check "wsopen $*: a result line ($(cat "$WORK/$name.err"))" [ -n "$line" ]
    expect_eq "wsopen $*: its own check" "$(kv "$line" check)" ok
}

# adds_up: due = sent + unsent, sent = answered + every error and timeout.
adds_up() {
    due=$(kv "$line" due)
    sent=$(kv "$line" sent)
    answered=$(kv "$line" answered)
    unsent=$(($(kv "$line" unsent_backlog) + $(kv "$line" unsent_noconn)))
    errors=$(($(kv "$line" err_read) + $(kv "$line" err_write) + $(kv "$line" err_proto)))
    expect_eq "$1: due against sent + unsent" "$due" $((sent + unsent))
    expect_eq "$1: sent against answered + errors + timeouts" "$sent" \
        $((answered + errors + $(kv "$line" timeout)))
    expect_eq "$1: answered against ok + non-2xx" "$answered" \
        $(($(kv "$line" ok) + $(kv "$line" non2xx)))
}

# --- 1. Bad arguments ---------------------------------------------------------
bad none "--port and --rate are required"
bad port0 "--port wants a TCP port 1..65535, not '0'" --port 0 --rate 1 --duration 1
bad rate0 "--rate wants requests per second" --port 80 --rate 0 --duration 1
bad ratebig "--rate wants requests per second" --port 80 --rate 1e12 --duration 1
bad nobound "give a bound: --duration S, --requests N, or both" --port 80 --rate 10
bad durneg "--duration wants seconds" --port 80 --rate 10 --duration -1
bad reqs0 "--requests wants a positive count" --port 80 --rate 10 --requests 0
bad threads "--threads 2 is more than --connections 1" --port 80 --rate 10 --duration 1 --threads 2
bad conns "--connections wants 1 to" --port 80 --rate 10 --duration 1 --connections 999999
bad path "--path wants a request target" --port 80 --rate 10 --duration 1 --path 'no/slash'
bad pathsp "--path wants a request target" --port 80 --rate 10 --duration 1 --path '/a b'
bad bogus "unknown argument '--bogus'" --bogus
bad novalue "--timeout wants a value" --port 80 --rate 10 --duration 1 --timeout
timeout 20 "$WSOPEN" --help >"$WORK/help.out" 2>&1
expect_eq "wsopen --help: exit status" "$?" 0
expect_text "$WORK/help.out" "usage: wsopen"

# --- 2. Against a server: counts add up and match its own -------------------
server_start "$WSSERVE" "$WORK/srv-main.out" --model eventloop --iters-per-us 20 || finish
run duration --port "$port" --rate 2000 --connections 8 --duration 1 --path '/?work=10'
expect_eq "duration run: exit status" "$rc" 0
expect_eq "duration run: requests due in 1 s at 2000/s" "$(kv "$line" due)" 2000
adds_up "duration run"
s1=$sent
a1=$answered
expect_eq "duration run: errors" $((errors + $(kv "$line" timeout) + $(kv "$line" err_connect))) 0

run count --port "$port" --rate 5000 --connections 4 --threads 2 --requests 500
expect_eq "count run: exit status" "$rc" 0
expect_eq "count run: due" "$(kv "$line" due)" 500
expect_eq "count run: sent" "$(kv "$line" sent)" 500
adds_up "count run"
s2=$sent
a2=$answered

# Far past capacity (2 ms each): due requests wait behind late replies.
run backlog --port "$port" --rate 5000 --connections 4 --duration 0.5 --path '/?work=2000'
expect_eq "backlog run: exit status" "$rc" 0
check "backlog run: requests left unsent behind late replies" [ "$(kv "$line" unsent_backlog)" -gt 0 ]
adds_up "backlog run"
s3=$sent
a3=$answered
server_quiesce "$port"
server_stop "$WORK/srv-main.out"
expect_eq "the server's requests against wsopen's sends" "$(kv "$stopped" requests)" \
    $((s1 + s2 + s3))
expect_eq "the server's answers against wsopen's replies" "$(kv "$stopped" answered)" \
    $((a1 + a2 + a3))
closed_port=$port

# --- 3. Failures are counted, never dropped -----------------------------------
# A second of work per request, a 50 ms timeout: every request times out.
server_start "$WSSERVE" "$WORK/srv-slow.out" --model threadpool --iters-per-us 20 || finish
run slow --port "$port" --rate 4 --connections 2 --duration 0.5 --timeout 0.05 \
    --path '/?work=1000000'
expect_eq "timeout run: exit status (nothing answered)" "$rc" 1
expect_text "$WORK/slow.err" "no request was answered"
adds_up "timeout run"
check "timeout run: requests sent" [ "$sent" -gt 0 ]
expect_eq "timeout run: timeouts" "$(kv "$line" timeout)" "$sent"
server_stop "$WORK/srv-slow.out"

# Nobody listens: every connection attempt fails, nothing is sent.
run closed --port "$closed_port" --rate 100 --connections 4 --duration 0.2
expect_eq "closed port: exit status" "$rc" 1
adds_up "closed port"
check "closed port: connect errors" [ "$(kv "$line" err_connect)" -gt 0 ]
expect_eq "closed port: sent" "$sent" 0
expect_eq "closed port: unsent for want of a connection" "$(kv "$line" unsent_noconn)" "$due"

# A server that serves 2 connections and closes the others.
server_start "$WSSERVE" "$WORK/srv-max.out" --model eventloop --iters-per-us 20 --max-conns 2 || finish
run maxconns --port "$port" --rate 400 --connections 8 --duration 0.5
adds_up "max-conns run"
check "max-conns run: some answered" [ "$answered" -gt 0 ]
check "max-conns run: refusals seen (closed connections or failed requests)" \
    [ $(($(kv "$line" closed_idle) + $(kv "$line" err_read))) -gt 0 ]
server_quiesce "$port"
server_stop "$WORK/srv-max.out"
expect_eq "max-conns run: the server's answers against wsopen's" "$(kv "$stopped" answered)" \
    "$answered"
finish
