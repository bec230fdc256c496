/*
 * fib_openmp.c - fib as OpenMP tasks (compiled with -fopenmp): spawn
 * fib(n-1) as a task, call fib(n-2), taskwait; no cut-off, no if() clause.
 * The region opens on the calling thread with the executor's P threads.
 */
#include "workloads/fib/fib.h"

static int64_t fib_om_rec(unsigned n)
{
    int64_t a, b;

    if (n < 2)
        return n;
#pragma omp task default(none) shared(a) firstprivate(n)
    a = fib_om_rec(n - 1);
    b = fib_om_rec(n - 2);
#pragma omp taskwait
    return a + b;
}

/* The whole region: callgrind's toggle point (the region runs on this thread). */
__attribute__((noinline)) static int64_t fib_openmp_root(unsigned workers, unsigned n)
{
    int64_t r = 0;

#pragma omp parallel num_threads(workers) default(none) shared(r, n)
#pragma omp single
    r = fib_om_rec(n);
    return r;
}

int fib_openmp(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    struct fib_state *s = state;
    int err = fib_variant_check(s, NULL, ops->name, run);

    if (err != 0)
        return err;
    s->a.got = fib_openmp_root(ops->workers(x), s->n);
    return 0;
}
