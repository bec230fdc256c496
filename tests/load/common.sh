# common.sh - what the servers suite's shell tests share (sourced): checks
# that count and say what failed, and a wsserve started and stopped.
fails=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# check WHAT CONDITION...: counts a check; fails with WHAT unless CONDITION holds.
check() {
    what=$1
    shift
    checks=$((checks + 1))
    "$@" || fail "$what"
}

# expect_eq WHAT A B: the two numbers are equal (both printed if not).
expect_eq() {
    checks=$((checks + 1))
    [ "$2" = "$3" ] || fail "$1: $2 != $3"
}

# expect_le WHAT A B: A <= B.
expect_le() {
    checks=$((checks + 1))
    [ "$2" -le "$3" ] 2>/dev/null || fail "$1: $2 > $3"
}

# expect_text FILE TEXT: FILE contains TEXT.
expect_text() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}

# kv LINE KEY: the value of KEY=value in LINE.
kv() {
    printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

# server_start WSSERVE OUT ARGS...: starts wsserve ARGS in the background,
# its stdout in OUT; sets server_pid and port once it is ready (or fails).
server_start() {
    srv=$1
    out=$2
    shift 2
    "$srv" "$@" >"$out" 2>"$out.err" &
    server_pid=$!
    port=
    for _ in $(seq 200); do
        port=$(sed -n 's/^wsserve: ready .*port=\([0-9]*\).*/\1/p' "$out")
        [ -n "$port" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    fail "wsserve $* did not start: $(cat "$out.err")"
    return 1
}

# server_quiesce PORT: waits (at most 20 s) until no server-side socket of
# PORT is still established or has its peer's close unread (CLOSE_WAIT),
# i.e. until the server has read everything its clients sent: what arrives
# at a stopping server is not served (the models read and discard, or are
# cancelled), so a client's last requests must be in before the stop, on a
# loaded machine too. From /proc/net/tcp (states 01 and 08), no tool needed.
server_quiesce() {
    hex=$(printf '%04X' "$1")
    for _ in $(seq 200); do
        awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p && ($4 == "01" || $4 == "08") { n++ }
            END { exit n > 0 ? 1 : 0 }' /proc/net/tcp && return 0
        sleep 0.1
    done
    fail "the server still had connections open on port $1 20 s after its clients closed them"
    return 1
}

# server_stop OUT: SIGTERM, wait, and the stopped line in $stopped; the
# exit status must be 0.
server_stop() {
    kill -TERM "$server_pid"
    wait "$server_pid"
    st=$?
    expect_eq "wsserve's exit status on SIGTERM" "$st" 0
    stopped=$(grep '^wsserve: stopped ' "$1")
    check "wsserve printed a stopped line" [ -n "$stopped" ]
}

# bad_args PROG NAME MESSAGE ARGS...: PROG ARGS exits 2 with MESSAGE and
# "usage: <PROG's name>" on stderr (output in $WORK/NAME.out and .err).
bad_args() {
    prog=$1
    name=$2
    msg=$3
    shift 3
    timeout 30 "$prog" "$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err"
    expect_eq "$(basename "$prog") $*: exit status" "$?" 2
    expect_text "$WORK/$name.err" "$msg"
    expect_text "$WORK/$name.err" "usage: $(basename "$prog")"
}

finish() {
    if [ "$fails" -ne 0 ]; then
        echo "$0: $fails of $checks checks failed" >&2
        exit 1
    fi
    echo "$0: all $checks checks passed"
    exit 0
}
