#!/bin/sh
# test_mpi_kill.sh SECONDS MPIRUN [mpirun args...] -- the job must end, not hang.
#
# Runs the rest of the command line (an mpirun of test_mpi_bag --kill-after K,
# whose last rank SIGKILLs itself mid-run) under a timeout. Under MPI's
# default error handler, MPI_ERRORS_ARE_FATAL, Open MPI's mpirun sees the
# rank die and kills the others: the job must end with a non-zero status
# within SECONDS, and say which rank died. A hang or a zero status fails
# the test.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 SECONDS MPIRUN [args...]" >&2
    exit 2
fi
secs=$1
shift
out=$(mktemp "${TMPDIR:-/tmp}/mpi-kill.XXXXXX")
trap 'rm -f "$out"' EXIT
start=$(date +%s)
timeout -k 5 "$secs" "$@" >"$out" 2>&1
rc=$?
took=$(($(date +%s) - start))
cat "$out"
# timeout says 124 for its own expiry, but mpirun itself may exit 137 (128 +
# the rank's SIGKILL): the clock tells them apart.
if [ $rc -eq 124 ] || [ "$took" -ge "$secs" ]; then
    echo "test_mpi_kill: FAIL: the job still ran after ${secs} s (a hang)" >&2
    exit 1
fi
if [ $rc -eq 0 ]; then
    echo "test_mpi_kill: FAIL: the job exited 0 although a rank was killed" >&2
    exit 1
fi
if ! grep -q -i -E "signal 9|killed|exited on signal" "$out"; then
    echo "test_mpi_kill: FAIL: status $rc but no word of the killed rank in the output" >&2
    exit 1
fi
echo "test_mpi_kill: the job ended in ${took} s with status $rc, naming the killed rank"
