#!/bin/sh
# test_install.sh BUILD_DIR SOURCE_DIR - proves the installed package.
#
# Installs BUILD_DIR with `cmake --install --prefix` into a scratch prefix,
# builds the README's example (tests/sched/test_example.c) against that prefix
# twice - with the CMake package (tests/sched/install/CMakeLists.txt,
# find_package(wsched), CMAKE_PREFIX_PATH) and with pkg-config
# (tests/sched/install/Makefile, PKG_CONFIG_PATH) - checks that each build took
# the library from the prefix, runs both and checks what they print.
#
# In a sanitizer build the installed library is instrumented and the
# consumers are not: they link against it as they are and run with the
# sanitizer's runtime (which libwsched needs) preloaded, as it must be
# first in the process. If they cannot link (a static instrumented
# library), the test is skipped: exit 77, which ctest reports as skipped.
set -eu

if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -f "$2/tests/sched/install/CMakeLists.txt" ]; then
    echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wsched-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
prefix=$tmp/prefix

say() { echo "test_install: $*"; }
fail() {
    echo "test_install: FAIL: $*" >&2
    exit 1
}
# Prints a log and fails.
fail_log() {
    cat "$2" >&2
    fail "$1"
}

sanitize=$(sed -n 's/^WS_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt")

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    fail_log "cmake --install $build --prefix $prefix" "$tmp/install.log"
lib=$(find "$prefix" -name 'libwsched.so*' -type f | head -n 1)
pc_extra=
if [ -z "$lib" ]; then
    lib=$(find "$prefix" -name libwsched.a -type f | head -n 1)
    pc_extra="ck hwloc" # a static libwsched's dependencies (see tests/sched/install/Makefile)
fi
[ -n "$lib" ] || fail "no libwsched under $prefix"
libdir=$(dirname "$lib")
[ -f "$prefix/include/wsched.h" ] || fail "no $prefix/include/wsched.h"
[ -f "$libdir/pkgconfig/wsched.pc" ] || fail "no $libdir/pkgconfig/wsched.pc"
say "installed into $prefix (library $lib)"

# The sanitizer runtime an instrumented shared libwsched depends on.
preload=
case "$lib" in
*.so*) preload=$(ldd "$lib" | awk '$1 ~ /^lib(a|t)san\.so/ { print $3; exit }') ;;
esac

# A consumer that does not link in a sanitizer build is skipped, not failed.
link_failed() {
    if [ -n "$sanitize" ]; then
        cat "$2" >&2
        say "SKIP: $1 does not link without sanitizers against a library built with" \
            "-fsanitize=$sanitize"
        exit 77
    fi
    fail_log "$1" "$2"
}

run_example() { # what, binary
    out=$(LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        LD_PRELOAD="$preload" "$2") || fail "$1: the example exited with status $?"
    [ "$out" = "fib(30) = 832040" ] || fail "$1: the example printed '$out'"
    say "$1: $out"
}

# 1. The CMake package.
cmake -S "$src/tests/sched/install" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake.log" 2>&1 ||
    fail_log "configuring tests/sched/install with CMAKE_PREFIX_PATH=$prefix" "$tmp/cmake.log"
found=$(sed -n 's/^wsched_DIR:PATH=//p' "$tmp/cmake/CMakeCache.txt")
case "$found" in
"$prefix"/*) ;;
*) fail "find_package(wsched) found '$found', not the package under $prefix" ;;
esac
cmake --build "$tmp/cmake" >>"$tmp/cmake.log" 2>&1 ||
    link_failed "the find_package(wsched) consumer" "$tmp/cmake.log"
run_example "find_package(wsched)" "$tmp/cmake/wsched_example"

# 2. pkg-config.
PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_PATH
for var in libdir includedir; do
    dir=$(pkg-config --variable="$var" wsched)
    case "$dir" in
    "$prefix"/*) ;;
    *) fail "wsched.pc installed with --prefix $prefix says $var=$dir" ;;
    esac
done
mkdir -p "$tmp/pc"
make -C "$src/tests/sched/install" OUT="$tmp/pc" PKG_EXTRA="$pc_extra" >"$tmp/pc.log" 2>&1 ||
    link_failed "the pkg-config consumer" "$tmp/pc.log"
run_example "pkg-config" "$tmp/pc/wsched_example"

# 3. libwsched-mpi, where this build made it: both ways again, run under
# mpirun on 2 ranks.
mpilib=$(find "$prefix" -name 'libwsched-mpi.*' -type f | head -n 1)
if [ -n "$mpilib" ] && [ -n "$sanitize" ]; then
    # Open MPI itself is not instrumented, and leaks at exit what LeakSanitizer
    # would report (tests/sched/mpi/lsan.supp): the plain and static builds
    # check these consumers (scripts/test.sh builds the library alone
    # without MPI).
    say "sanitizer build: libwsched-mpi's consumers are checked in the plain builds"
elif [ -n "$mpilib" ]; then
    [ -f "$prefix/include/wsched_mpi.h" ] || fail "no $prefix/include/wsched_mpi.h"
    [ -f "$libdir/pkgconfig/wsched-mpi.pc" ] || fail "no $libdir/pkgconfig/wsched-mpi.pc"
    mpirun=$(command -v mpirun || command -v mpiexec || true)
    [ -n "$mpirun" ] || fail "libwsched-mpi is installed but there is no mpirun"
    oversub=
    if "$mpirun" --version 2>/dev/null | grep -q "Open MPI"; then
        oversub="--oversubscribe"
    fi
    run_mpi_example() { # what, binary
        out=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
            LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" LD_PRELOAD="$preload" \
            timeout 120 "$mpirun" -np 2 $oversub "$2") || fail "$1: the MPI example exited with status $?"
        [ "$out" = "multiples of 7 below 10^6: 142858 (success)" ] ||
            fail "$1: the MPI example printed '$out'"
        say "$1: $out"
    }
    cmake -S "$src/tests/sched/install/mpi" -B "$tmp/cmake-mpi" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake-mpi.log" 2>&1 ||
        fail_log "configuring tests/sched/install/mpi (find_package(wsched COMPONENTS mpi))" \
            "$tmp/cmake-mpi.log"
    cmake --build "$tmp/cmake-mpi" >>"$tmp/cmake-mpi.log" 2>&1 ||
        link_failed "the find_package(wsched COMPONENTS mpi) consumer" "$tmp/cmake-mpi.log"
    run_mpi_example "find_package(wsched COMPONENTS mpi)" "$tmp/cmake-mpi/wsched_mpi_example"
    make -C "$src/tests/sched/install" OUT="$tmp/pc" PKG_EXTRA="$pc_extra" \
        "$tmp/pc/wsched_mpi_example" >"$tmp/pc-mpi.log" 2>&1 ||
        link_failed "the pkg-config wsched-mpi consumer" "$tmp/pc-mpi.log"
    run_mpi_example "pkg-config wsched-mpi" "$tmp/pc/wsched_mpi_example"
else
    say "no libwsched-mpi in this build (no MPI found): its consumers are not built"
fi

say "all consumers built and ran"
