#!/bin/sh
# test_wrk.sh - a short wrk run (2 s, 16 connections, two threads) against
# one wsserve model, with bench/load/wrk-report.lua counting sends: no
# socket error, no non-2xx reply, and wrk's counts match the server's:
#   requests (parsed) = requests wrk sent (the script's request() count),
#   requests = answered + lost,
#   wrk's replies <= answered <= sent, and sent - wrk's replies <= 16 (at
#   most one request per connection in flight when wrk stopped).
# No timing is asserted.
#
# Usage: test_wrk.sh <wsserve> <wrk-report.lua> <model> <scratch-dir>
set -u
if [ $# -ne 4 ]; then
    echo "usage: $0 <wsserve> <wrk-report.lua> <model> <scratch-dir>" >&2
    exit 2
fi
WSSERVE=$1
LUA=$2
MODEL=$3
WORK=$4
. "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || { echo "FAIL: wrk is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"

server_start "$WSSERVE" "$WORK/server.out" --model "$MODEL" --iters-per-us 20 || finish
timeout 60 wrk -t2 -c16 -d2s --timeout 10s --latency -s "$LUA" \
    "http://127.0.0.1:$port/?work=20" -- count >"$WORK/wrk.out" 2>"$WORK/wrk.err"
expect_eq "wrk's exit status" "$?" 0
server_quiesce "$port"
server_stop "$WORK/server.out"
line=$(grep '^wrk-report: ' "$WORK/wrk.out")
check "wrk printed the wrk-report line: $(cat "$WORK/wrk.err")" [ -n "$line" ]
[ -n "$line" ] && [ -n "$stopped" ] || finish

for e in connect read write status timeout; do
    expect_eq "wrk's $e errors" "$(kv "$line" "$e")" 0
done
sent=$(kv "$line" sent)
got=$(kv "$line" requests)
requests=$(kv "$stopped" requests)
answered=$(kv "$stopped" answered)
lost=$(kv "$stopped" lost)
check "wrk answered some requests" [ "$got" -gt 0 ]
expect_eq "the server's requests against wrk's sends" "$requests" "$sent"
expect_eq "the server's requests against answered + lost" "$requests" $((answered + lost))
expect_le "wrk's replies against the server's answers" "$got" "$answered"
expect_le "the server's answers against wrk's sends" "$answered" "$sent"
expect_le "requests in flight when wrk stopped" $((sent - got)) 16
expect_eq "the server's non-2xx replies" "$(kv "$stopped" bad)" 0
expect_eq "the server's refused connections" "$(kv "$stopped" refused)" 0
expect_eq "prefork processes that died" "$(kv "$stopped" died)" 0
expect_eq "descriptors the server leaked" "$(kv "$stopped" fds)" 0
# 16 connections and wrk's own check of the address before the run.
expect_eq "connections" "$(kv "$stopped" connections)" 17
finish
