#!/bin/sh
# test_model.sh MODEL WORKDIR - checks sched/shutdown.pml with spin: the
# protocol as built must pass (no assertion violation, no invalid end
# state), and its -DOLD_ORDER variant, the order of 7b23bf3, must fail with
# the deadlock destroy_race found, so the model is known to be able to fail.
# Exit 77 (skipped, said so) if spin is not installed; scripts/setup.sh
# installs it.
set -u
model=$1
dir=$2
if ! command -v spin >/dev/null 2>&1; then
    echo "test_model: SKIPPED: spin is not installed (apt-get install spin)"
    exit 77
fi
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1

check() { # name spin-flags -> prints pan's verdict lines; status 0 if no error
    spin $2 -a "$model" >spin.out 2>&1 || { cat spin.out; return 2; }
    cc -O2 -DSAFETY -DCOLLAPSE -o pan pan.c || return 2
    ./pan -m1000000 >pan.out 2>&1
    grep -E "errors:|states, stored|invalid end state \(|assertion violated" pan.out | sed "s/^/$1: /"
    grep -q "errors: 0" pan.out
}

status=0
if check model ""; then
    echo "test_model: the shutdown protocol holds in every interleaving"
else
    echo "test_model: FAILED: spin found a counterexample (trail in $dir)"
    status=1
fi
if check old-order "-DOLD_ORDER"; then
    echo "test_model: FAILED: the 7b23bf3 order passes too: the model cannot see the bug"
    status=1
else
    echo "test_model: the 7b23bf3 order fails, as it should"
fi
exit $status
