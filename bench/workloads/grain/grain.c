/*
 * grain.c - the granularity workload: N independent tasks of one chosen
 * duration, to find each model's minimum effective task granularity (METG,
 * Task Bench's measure: Slaughter et al., SC 2020): the smallest task at
 * which it still reaches 50% efficiency, efficiency being the serial
 * twin's time over P x the model's (speedup / P).
 *
 * Parameters: ns:<30..10^7> the task's duration (default 1000); tasks:<N>
 * (default: enough for GRAIN_TOTAL_NS of work, at least GRAIN_MIN_TASKS);
 * shape:flat|tree (default flat).
 *
 * The task is a kernel of dependent arithmetic (an LCG step per iteration:
 * each multiply waits for the one before, so the compiler can neither
 * vectorise nor shorten it), never a sleep. Its iterations per nanosecond
 * are measured once per process (grain_calibration(), recorded in
 * context.txt) and every task of one parameter set does the same count.
 * The answer is the sum of every task's final value, checked on every run.
 *
 *  shape:flat  N pieces through map(): every model's flat path.
 *  shape:tree  a balanced binary tree of spawns over the N tasks (leaves do
 *              the work, inner nodes only fork): fork-join models through
 *              run()/forkn(2); flat models get the tree cut into
 *              GRAIN_FLAT_PER_WORKER x workers subtrees, each a piece that
 *              runs its leaves in order.
 * run->tasks is the kernels, or the pieces of a cut tree.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/grain/grain.h"

#define GRAIN_TOTAL_NS        10000000ull /* work per run: 10 ms of kernels */
#define GRAIN_MIN_TASKS       16
#define GRAIN_MAX_TASKS       (1u << 22)
#define GRAIN_FLAT_PER_WORKER 16
#define GRAIN_LCG_A           UINT64_C(6364136223846793005)
#define GRAIN_LCG_C           UINT64_C(1442695040888963407)

struct grain_state {
    char label[96];
    uint64_t ns, tasks, iters;
    int tree;
    int64_t want;
    int64_t got; /* the fork-join form's sum */
};

/* One task: iters dependent LCG steps from its own seed. */
__attribute__((noinline)) static uint64_t grain_kernel(uint64_t task, uint64_t iters)
{
    uint64_t x = wl_mix64(task + 1);
    for (uint64_t i = 0; i < iters; i++) {
        x = x * GRAIN_LCG_A + GRAIN_LCG_C;
        __asm__("" : "+r"(x)); /* one step per iteration, as written */
    }
    return x;
}

/* Tasks [lo, hi) in order: their sum. */
static int64_t grain_range(uint64_t lo, uint64_t hi, uint64_t iters)
{
    uint64_t s = 0;
    for (uint64_t t = lo; t < hi; t++)
        s += grain_kernel(t, iters);
    return (int64_t)s;
}

/* ---- the calibration ---------------------------------------------------------------------- */

static double thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static _Atomic double g_iters_per_ns; /* 0 until measured */

double grain_calibration(void)
{
    /* relaxed: a value computed the same way by whichever thread comes first. */
    double v = atomic_load_explicit(&g_iters_per_ns, memory_order_relaxed);
    if (v > 0)
        return v;
    /* Doubling batches until one takes 20 ms of this thread's CPU (not
     * wall: a preempted batch would look slow); the best of three such. */
    volatile uint64_t sink = 0;
    double best = 0;
    for (int round = 0; round < 3; round++) {
        for (uint64_t n = 1u << 12;; n *= 2) {
            double t0 = thread_cpu_ns();
            sink ^= grain_kernel(n, n);
            double dt = thread_cpu_ns() - t0;
            if (dt >= 20e6) {
                if ((double)n / dt > best)
                    best = (double)n / dt;
                break;
            }
        }
    }
    atomic_store_explicit(&g_iters_per_ns, best, memory_order_relaxed);
    return best;
}

uint64_t grain_iters_for(uint64_t ns)
{
    double it = (double)ns * grain_calibration();
    return it < 1 ? 1 : (uint64_t)(it + 0.5);
}

/* ---- flat ---------------------------------------------------------------------------------- */

struct grain_arg {
    uint64_t lo, hi, iters;
};

static int grain_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct grain_arg a;
    if (arg_len != sizeof(a) || res_cap < sizeof(int64_t))
        return -EINVAL;
    memcpy(&a, arg, sizeof(a));
    int64_t v = grain_range(a.lo, a.hi, a.iters);
    memcpy(res, &v, sizeof(v));
    *res_len = sizeof(v);
    return 0;
}

static int grain_run_flat(void *state, const struct exec_ops *ops, struct exec *x,
                          struct work_run *run)
{
    struct grain_state *s = state;
    uint64_t n = s->tasks;
    if (s->tree) {
        /* The tree cut into GRAIN_FLAT_PER_WORKER subtrees per worker (as
         * many as the leaves at most), each the leaves of one range. */
        uint64_t want = GRAIN_FLAT_PER_WORKER * (ops->workers ? ops->workers(x) : 1);
        n = want < s->tasks ? want : s->tasks;
    }
    struct grain_arg *args = malloc(n * sizeof(*args));
    int64_t sum = 0;
    if (args == NULL) {
        snprintf(run->error, sizeof(run->error), "%s: out of memory", run->label);
        return -ENOMEM;
    }
    /* Piece i: tasks [i*N/n, (i+1)*N/n): one task each when flat, a subtree's leaves when not. */
    for (uint64_t i = 0; i < n; i++)
        args[i] = (struct grain_arg){i * s->tasks / n, (i + 1) * s->tasks / n, s->iters};
    int err = wl_map_sum(ops, x, grain_piece, args, sizeof(*args), n, &sum, run);
    free(args);
    if (err == 0 && sum != s->want) {
        snprintf(run->error, sizeof(run->error), "%s on %s: sum %" PRId64 ", expected %" PRId64,
                 s->label, ops->name, sum, s->want);
        err = -EPROTO;
    }
    return err; /* run->tasks: the pieces (wl_batch_map) */
}

/* ---- the tree, fork-join -------------------------------------------------------------------- */

struct grain_fj {
    const struct exec_ops *ops;
    struct grain_state *s;
    uint64_t lo, hi; /* the leaves under this node */
    int64_t sum;
};

static void grain_fj_node(struct exec *x, void *arg, size_t i);

static void grain_fj_kids(struct exec *x, void *arg, size_t i)
{
    grain_fj_node(x, &((struct grain_fj *)arg)[i], 0);
}

static void grain_fj_node(struct exec *x, void *arg, size_t i)
{
    struct grain_fj *f = arg;
    (void)i;
    if (f->hi - f->lo == 1) {
        f->sum = (int64_t)grain_kernel(f->lo, f->s->iters);
        return;
    }
    uint64_t mid = f->lo + (f->hi - f->lo) / 2;
    struct grain_fj kids[2] = {{f->ops, f->s, f->lo, mid, 0}, {f->ops, f->s, mid, f->hi, 0}};
    f->ops->forkn(x, 2, grain_fj_kids, kids);
    f->sum = (int64_t)((uint64_t)kids[0].sum + (uint64_t)kids[1].sum);
}

static int grain_run_nested(void *state, const struct exec_ops *ops, struct exec *x,
                            struct work_run *run)
{
    struct grain_state *s = state;
    struct grain_fj root = {ops, s, 0, s->tasks, 0};
    if (!s->tree)
        return grain_run_flat(state, ops, x, run); /* flat is map() on every model */
    int err = ops->run(x, grain_fj_node, &root);
    s->got = root.sum; /* run() returned: every task's write is visible */
    return err;
}

static int grain_check(void *state, const char *exec_name, struct work_run *run)
{
    struct grain_state *s = state;
    int64_t got = s->got;
    run->tasks = s->tasks;
    if (!s->tree)
        return 0; /* the flat form judged its own sum */
    if (got != s->want) {
        snprintf(run->error, sizeof(run->error), "%s on %s: sum %" PRId64 ", expected %" PRId64,
                 s->label, exec_name, got, s->want);
        return -EPROTO;
    }
    return 0;
}

/* ---- the workload -------------------------------------------------------------------------- */

static int grain_prepare(void **state, const char *params, char *err, size_t errlen)
{
    static const char *const keys[] = {"ns", "tasks", "shape", NULL};
    uint64_t ns, tasks;
    char shape[16] = "flat";
    if (wl_params_known("grain", params, keys, err, errlen) != 0 ||
        wl_param_u64("grain", params, "ns", 30, 10000000, 1000, &ns, err, errlen) != 0)
        return -EINVAL;
    uint64_t dflt = GRAIN_TOTAL_NS / ns;
    if (dflt < GRAIN_MIN_TASKS)
        dflt = GRAIN_MIN_TASKS;
    if (dflt > GRAIN_MAX_TASKS)
        dflt = GRAIN_MAX_TASKS;
    if (wl_param_u64("grain", params, "tasks", 1, GRAIN_MAX_TASKS, dflt, &tasks, err, errlen) != 0)
        return -EINVAL;
    if (param_str(params, "shape", shape, sizeof(shape)) < 0 ||
        (strcmp(shape, "flat") != 0 && strcmp(shape, "tree") != 0)) {
        snprintf(err, errlen, "grain: shape must be flat or tree");
        return -EINVAL;
    }
    struct grain_state *s = wl_state_new(sizeof(*s), "grain", err, errlen);
    if (s == NULL)
        return -ENOMEM;
    s->ns = ns;
    s->tasks = tasks;
    s->tree = strcmp(shape, "tree") == 0;
    s->iters = grain_iters_for(ns);
    s->want = grain_range(0, tasks, s->iters);
    wl_label(s->label, sizeof(s->label), "grain", params);
    *state = s;
    return 0;
}

static int grain_serial(void *state, struct work_run *run)
{
    struct grain_state *s = state;
    int64_t got = grain_range(0, s->tasks, s->iters);
    run->tasks = s->tasks;
    if (got != s->want) {
        snprintf(run->error, sizeof(run->error), "%s on serial: sum %" PRId64 ", expected %" PRId64,
                 s->label, got, s->want);
        return -EPROTO;
    }
    return 0;
}

const struct workload workload_grain = {
    .name = "grain",
    .kind = "cpu",
    .params_default = "ns:1000",
    .params_quick = "ns:1000/tasks:64",
    .prepare = grain_prepare,
    .release = free,
    .run_flat = grain_run_flat,
    .run_nested = grain_run_nested,
    .check = grain_check,
    .serial = grain_serial,
};
