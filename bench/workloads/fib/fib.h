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

/* variant: twin (each executor's own form), gcc and loop (serial), plain (stealing). */
enum fib_variant { FIB_TWIN, FIB_GCC, FIB_LOOP, FIB_PLAIN };

struct fib_state {
    struct wl_answer a; /* want: fib(n), by iteration; tasks: the spawns, fib(n+1) - 1 */
    unsigned n;
    enum fib_variant variant;
};

/*
 * 0 if s's variant is twin or belongs to the caller's executor family
 * (`family`: "serial" for gcc and loop, "stealing" for plain; NULL for an
 * executor with none); else -EINVAL with the reason in run->error: a
 * variant is never ignored silently.
 */
int fib_variant_check(const struct fib_state *s, const char *family, const char *exec,
                      struct work_run *run);

/* fib_stealing(), fib_openmp(), fib_tbb(): the VARIANTS of fib's registry line. */
WL_DECLARE_VARIANTS(fib)

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_WORKLOADS_FIB_H */
