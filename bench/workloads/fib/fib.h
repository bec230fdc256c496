/*
 * fib.h - the fib workload's state, shared by fib.c and its native
 * variants, one file per model family: fib_stealing.c (libwsched),
 * fib_openmp.c (OpenMP tasks), fib_tbb.cc (oneTBB).
 *
 * Each variant is a wl_compute_fn: it computes fib(s->n) on the executor,
 * spawning fib(n-1) and calling fib(n-2) with no cut-off, and leaves the
 * answer in s->a.got. The whole computation runs inside one function named
 * fib_<family>_root, the extent bench/micro/callgrind-spawn.sh counts.
 */
#ifndef WSBENCH_WORKLOADS_FIB_H
#define WSBENCH_WORKLOADS_FIB_H

#include <stdint.h>

#include "workloads/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* fib(50) takes minutes on one core; the largest an int64_t holds is fib(92). */
#define FIB_MAX_N 50

struct fib_state {
    struct wl_answer a; /* want: fib(n), by iteration; tasks: the spawns, fib(n+1) - 1 */
    unsigned n;
    int variant_gcc; /* the serial twin as gcc compiles the plain source */
};

/* fib_stealing(), fib_openmp(), fib_tbb(): the VARIANTS of fib's registry line. */
WL_DECLARE_VARIANTS(fib)

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_WORKLOADS_FIB_H */
