#!/usr/bin/env bash
# Installs the Debian packages wsched and wsbench need, if any is missing.
# Safe to run again: it installs nothing when everything is there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config   # compilers (gcc's sanitizers and libgomp come with gcc)
  libck-dev libhwloc-dev hwloc        # Concurrency Kit; hwloc and its lstopo
  libbenchmark-dev libtbb-dev         # Google Benchmark; oneTBB (a peer executor)
  libuv1-dev libhttp-parser-dev       # libuv: the event loops (executors, wsserve); wsserve's HTTP parser
  wrk nghttp2-client                  # the servers suite's clients: wrk, and h2load (its cross-check)
  libopenmpi-dev openmpi-bin          # libwsched-mpi and the MPI suite (mpicc, mpirun)
  gnuplot-nox                         # charts
  valgrind                            # callgrind: instruction counts per spawn
  spin                                # model checker: sched/shutdown.pml
  clang-format                        # the format check (scripts/check-format.sh)
  git                                 # the commit recorded with each result
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "setup: missing packages (${missing[*]}) and not root; install them and rerun" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
