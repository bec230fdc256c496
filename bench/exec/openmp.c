/*
 * openmp.c - the "openmp" executor: OpenMP tasks on gcc's libgomp.
 * Compiled with -fopenmp (OpenMP::OpenMP_C).
 *
 * Workers are the threads of a parallel region: every entry (run, map, and
 * the workloads' native variants, workloads/<name>/<name>_openmp.c) opens
 * `#pragma omp parallel num_threads(P)`, one thread of which (`single`)
 * runs the root while the others take tasks at the single's barrier.
 *
 *  create(): P = cfg->workers, or 0 for omp_get_max_threads() (which reads
 *            OMP_NUM_THREADS, else one per CPU). One empty region starts the
 *            team, and workers() reports the team size it got.
 *  run():    the root in `single`; the region's closing barriers wait for
 *            every task it made.
 *  forkn():  bodies [0, n-1) as tasks, the last one inline, then taskwait.
 *            Outside any parallel region it opens one, as run() does.
 *  map():    every piece an explicit task, created by the `single` thread
 *            (the idiom of "OpenMP tasks", and what fib pays per task), not
 *            a worksharing `omp for`. All pieces are submitted at once (one
 *            t_submit). libgomp queues at most 64 * P of them; beyond that
 *            the creating thread runs the next one itself (undeferred).
 *
 * The environment is the user's: apart from num_threads(P) on each region,
 * nothing here overrides OMP_NUM_THREADS, OMP_WAIT_POLICY, OMP_DYNAMIC or
 * GOMP_SPINCOUNT.
 *
 * What stays behind after destroy(). libgomp owns its threads, not this
 * executor: destroy() frees only the struct. The threads of the last team of
 * more than one (P - 1 besides the thread that opened the region) stay in
 * libgomp's pool of that thread, docked for its next region, until a smaller
 * team releases the surplus, that thread exits, or the process does.
 * Measured here: after P = 4 then P = 2 regions, the caller and one more
 * thread remain; a P = 1 region does not touch the pool.
 *
 * CPU time and the wait policy. With OMP_WAIT_POLICY unset, a waiting libgomp
 * thread (at a barrier, docked between regions, idle in a taskwait) busy-waits
 * GOMP_SPINCOUNT = 300,000 rounds before it sleeps on a futex; on this
 * machine one idle thread after a region burnt 3.5 to 8 ms of CPU that way
 * (/tmp measurement, 2-thread regions, 300 ms apart). That is process CPU
 * time (user) with no wall time to show for it, every time a thread runs out
 * of work. With more threads than CPUs the count drops to 100 rounds.
 * OMP_WAIT_POLICY=ACTIVE spins 30 billion rounds (in effect, one full core
 * per idle thread); PASSIVE sleeps at once (0.05 ms measured in the same
 * test). The benchmark records CPU time next to wall time so that this shows.
 *
 * Thread start failure: libgomp cannot report it; it prints and exits the
 * process (gomp_fatal). create() cannot turn that into an error.
 */
#include <errno.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "exec/fj.h"

struct exec {
    unsigned workers; /* P, the num_threads of every region */
};

static int om_create(struct exec **out, const struct exec_config *cfg)
{
    struct exec *x;
    unsigned p, got;
    int limit = omp_get_thread_limit();

    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    p = cfg != NULL && cfg->workers != 0 ? cfg->workers : (unsigned)omp_get_max_threads();
    if (p > EXEC_FJ_MAX_WORKERS || (limit > 0 && p > (unsigned)limit))
        return -EINVAL;
    x = malloc(sizeof(*x));
    if (x == NULL)
        return -ENOMEM;
    got = 0; /* the region below starts the team now: the first timed one does not pay for it */
#pragma omp parallel num_threads(p) default(none) shared(got)
#pragma omp master
    got = (unsigned)omp_get_num_threads();
    x->workers = got;
    *out = x;
    return 0;
}

static void om_destroy(struct exec *x)
{
    free(x); /* libgomp's threads stay, docked: see the top of the file */
}

static unsigned om_workers(const struct exec *x)
{
    return x != NULL ? x->workers : 0;
}

/* ---- run and forkn ------------------------------------------------------ */

static int om_run(struct exec *x, exec_fork_fn root, void *arg)
{
    if (x == NULL || root == NULL)
        return -EINVAL;
#pragma omp parallel num_threads(x->workers) default(none) shared(x, root, arg)
#pragma omp single
    root(x, arg, 0);
    return 0;
}

static void om_forkn(struct exec *x, size_t n, exec_fork_fn fn, void *arg);

/* forkn() from outside any region: the call, carried into one by run(). */
struct om_fork {
    size_t n;
    exec_fork_fn fn;
    void *arg;
};

static void om_fork_root(struct exec *x, void *arg, size_t i)
{
    const struct om_fork *f = arg;
    (void)i;
    om_forkn(x, f->n, f->fn, f->arg);
}

static void om_forkn(struct exec *x, size_t n, exec_fork_fn fn, void *arg)
{
    if (x == NULL || fn == NULL || n == 0)
        return;
    /* Not omp_in_parallel(): a team of one thread is not an active region. */
    if (omp_get_level() == 0) {
        struct om_fork f = {.n = n, .fn = fn, .arg = arg};
        om_run(x, om_fork_root, &f);
        return;
    }
    for (size_t i = 0; i + 1 < n; i++) {
#pragma omp task default(none) firstprivate(x, fn, arg, i)
        fn(x, arg, i);
    }
    fn(x, arg, n - 1);
#pragma omp taskwait
}

/* ---- map ---------------------------------------------------------------- */

static int om_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n)
{
    uint64_t now;

    if (x == NULL || fn == NULL || (n != 0 && pieces == NULL))
        return -EINVAL;
    if (n == 0)
        return 0;
    now = exec_now_ns();
    for (size_t i = 0; i < n; i++)
        pieces[i].t_submit_ns = now;
#pragma omp parallel num_threads(x->workers) default(none) shared(fn, pieces, n)
#pragma omp single
    for (size_t i = 0; i < n; i++) {
#pragma omp task default(none) firstprivate(fn, pieces, i)
        exec_fj_piece(fn, &pieces[i]);
    }
    return exec_fj_first_failure(pieces, n);
}

const struct exec_ops exec_openmp = {
    .name = "openmp",
    .flags = EXEC_NESTS,
    .family = "openmp",
    .create = om_create,
    .destroy = om_destroy,
    .map = om_map,
    .run = om_run,
    .forkn = om_forkn,
    .workers = om_workers,
};
