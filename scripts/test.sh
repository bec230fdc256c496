#!/usr/bin/env bash
# Builds and runs every test: a normal build, then the whole suite again
# under ThreadSanitizer and under AddressSanitizer+UBSan, then wsbench's
# --quick smoke run (every executor x workload gives the right answer).
# Build trees: build/test-{plain,tsan,asan}. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi

run_suite() { # name sanitize
  local dir="build/test-$1"
  echo "==== $1: configure and build ($dir)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_SANITIZE="$2" \
        -DWS_WERROR="$werror" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "==== $1: ctest"
  (cd "$dir" && ctest --output-on-failure -j 1)
}

start=$(date +%s)
run_suite plain ""
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" run_suite tsan thread
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1" \
  run_suite asan address,undefined

echo "==== wsbench --quick (plain build)"
build/test-plain/bench/wsbench --quick --out - --benchmark_format=console
echo "==== all tests passed in $(( $(date +%s) - start )) s"
