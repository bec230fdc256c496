#!/usr/bin/env bash
# Installs what is missing, builds (Release), and runs wsbench's default
# suite; results and charts land in results/<date>_<commit>/. Extra
# arguments go to wsbench (e.g. --quick, --suite sched, --workloads fib);
# --suite servers runs the servers suite (wsbench-servers: wsserve under wrk)
# into results/<date>_<commit>-servers/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DWS_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "$jobs"
exec build/release/bench/wsbench "$@"
