#!/usr/bin/env bash
# Builds and runs every test: the format check, a normal build, then the
# whole suite again under ThreadSanitizer and under AddressSanitizer+UBSan,
# a static libwsched (-DBUILD_SHARED_LIBS=OFF) with its tests, the library
# alone (-DWS_BUILD_BENCH=OFF -DWS_BUILD_TESTS=OFF, without MPI) installed
# and consumed,
# then wsbench's --quick smoke run (every executor x workload gives the
# right answer).
# Build trees: build/test-{plain,tsan,asan,static,lib}. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi

configure() { # dir, cmake options...
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS_WERROR="$werror" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

run_suite() { # name, cmake options...
  local name=$1 dir="build/test-$1"
  shift
  echo "==== $name: configure and build ($dir)"
  configure "$dir" "$@"
  echo "==== $name: ctest"
  # "large" tests (10^8-node trees, minutes) are for developers: ctest -L large.
  (cd "$dir" && ctest --output-on-failure -j 1 -LE large)
}

start=$(date +%s)
echo "==== clang-format"
bash scripts/check-format.sh
run_suite plain -DWS_SANITIZE=
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" run_suite tsan -DWS_SANITIZE=thread
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1" \
  run_suite asan -DWS_SANITIZE=address,undefined
# A static libwsched, linked into every test and wsbench, and installed.
run_suite static -DWS_SANITIZE= -DBUILD_SHARED_LIBS=OFF
# The library alone, as a project that embeds or installs it builds it: no
# tests, no wsbench (so no Google Benchmark, OpenMP or oneTBB needed) and no
# MPI (the plain and static builds install and consume libwsched-mpi), then
# installed and consumed by CMake's find_package and by pkg-config.
echo "==== lib: configure and build (build/test-lib, MPI off), install, consume"
configure build/test-lib -DWS_SANITIZE= -DWS_BUILD_BENCH=OFF -DWS_BUILD_TESTS=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON
sh tests/sched/test_install.sh build/test-lib .

echo "==== wsbench --quick (plain build)"
build/test-plain/bench/wsbench --quick --out - --benchmark_format=console
echo "==== all tests passed in $(( $(date +%s) - start )) s"
