/*
 * mixed.c - the "mixed" workload: every task waits on IO, then computes,
 * and its computation is fork-join: the shape of a request handler that
 * calls a backend and then crunches what came back. One model rarely fits
 * both halves: a pool sized for the cores starves while tasks block, one
 * sized for the waits oversubscribes the cores and cannot fork-join, and an
 * event loop computes on its one thread.
 *
 * Task i blocks (or, event-driven, waits on a timer) for L microseconds,
 * then computes fib(cpu_n) by the doubly recursive definition, fork-join
 * above a serial cut-off (calls of fib(k), k <= cutoff, run serially).
 *
 * Parameters: tasks:<1..10^6> (default 1000), us:<0..10^7> (default
 * 20000: a backend's 20 ms), cpu_n:<1..40> (default 21: some 50 us
 * serially on the reference machine), cutoff:<1..40> (default 15). A
 * thousand tasks each waiting 20 ms need hundreds of waits at once, more
 * than a thread pool sized for the cores has; their computing is small
 * beside the waits but adds up to most of two cores.
 *
 * The forms: flat (threadpool, procpool, serial twin): a piece blocks, then
 * computes serially. Fork-join (stealing, openmp, tbb): forkn() over the
 * tasks; each blocks (through ws_blocking on libwsched: a spare thread
 * stands in), then forks its fib with forkn() above the cut-off.
 * Event-driven (stealing-async, the event loops): a timer, then a callback
 * that forks its fib with ev_ops.forkn() above the cut-off (on an event
 * loop those parts run in turn).
 *
 * The known answer: each task returns fib(cpu_n) (computed in prepare by
 * iteration) and the time it waited, at least L. run->tasks = N; each
 * task's submit-to-done time goes to run->latency.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "workloads/io/io.h"

struct mixed_res {
    uint32_t id;
    uint32_t pad;
    uint64_t fib;
    uint64_t blocked_ns;
};

struct mixed_state {
    struct io_head h;
    uint64_t ns, cpu_n, cutoff;
    uint64_t fib;          /* fib(cpu_n) */
    struct mixed_res *res; /* the fork-join form's answers, tasks of them */
    uint64_t *t_done_ns;   /* and when each finished */
};

struct mixed_arg {
    uint32_t id;
    uint32_t cpu_n;
    uint32_t cutoff;
    uint32_t pad;
    uint64_t ns;
};

/*
 * fib by the doubly recursive definition. noinline and the empty asm keep
 * both calls real calls (gcc would otherwise turn one into a loop), so the
 * work per task is what cpu_n says on any compiler setting.
 */
__attribute__((noinline)) static uint64_t mixed_fib(uint32_t n)
{
    uint64_t a, b;

    if (n < 2)
        return n;
    a = mixed_fib(n - 1);
    b = mixed_fib(n - 2);
    __asm__("" : "+r"(a));
    return a + b;
}

/* ---- the flat form and the answer ------------------------------------------------------- */

/* exec_piece_fn: block, then compute serially. */
static int mixed_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct mixed_arg a;
    struct mixed_res r = {0};

    int e = io_piece_start(&a, sizeof(a), arg, arg_len, sizeof(r), res_cap);

    if (e != 0)
        return e;
    if (a.cpu_n > 40)
        return -EINVAL;
    r.id = a.id;
    r.blocked_ns = io_block_ns(a.ns);
    r.fib = mixed_fib(a.cpu_n);
    memcpy(res, &r, sizeof(r));
    *res_len = sizeof(r);
    return 0;
}

static void mixed_fill(const void *state, size_t i, void *arg)
{
    const struct mixed_state *s = state;
    struct mixed_arg a = {.id = (uint32_t)i,
                          .cpu_n = (uint32_t)s->cpu_n,
                          .cutoff = (uint32_t)s->cutoff,
                          .pad = 0,
                          .ns = s->ns};

    memcpy(arg, &a, sizeof(a));
}

static int mixed_check(const void *state, const void *arg, const void *res, char *why,
                       size_t whylen)
{
    const struct mixed_state *s = state;
    const struct mixed_res *r = res;

    (void)arg;
    if (r->fib != s->fib) {
        snprintf(why, whylen, "fib(%" PRIu64 ") = %" PRIu64 ", expected %" PRIu64, s->cpu_n, r->fib,
                 s->fib);
        return -EPROTO;
    }
    return io_check_blocked(r->blocked_ns, s->ns, why, whylen);
}

/* ---- the event-driven form --------------------------------------------------------------- */

struct mixed_ev {
    char unused;
};

/* One fib(n) of the fork-join recursion, event-driven: its result. */
struct mixed_evfib {
    struct ev_ctx *c;
    const struct ev_ops *ops;
    uint32_t n, cutoff;
    uint64_t part[2];
};

static uint64_t mixed_ev_fib(struct ev_ctx *c, const struct ev_ops *ops, uint32_t n,
                             uint32_t cutoff);

static void mixed_ev_part(struct ev_ctx *c, void *arg, size_t i)
{
    struct mixed_evfib *f = arg;
    f->part[i] = mixed_ev_fib(c, f->ops, f->n - 1 - (uint32_t)i, f->cutoff);
}

static uint64_t mixed_ev_fib(struct ev_ctx *c, const struct ev_ops *ops, uint32_t n,
                             uint32_t cutoff)
{
    if (n <= cutoff || n < 2)
        return mixed_fib(n);
    struct mixed_evfib f = {.c = c, .ops = ops, .n = n, .cutoff = cutoff};
    ops->forkn(c, 2, mixed_ev_part, &f);
    return f.part[0] + f.part[1];
}

static void mixed_ev_waited(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct io_task *t = io_task_of(r);
    const struct mixed_arg *a = t->arg;
    struct mixed_res res = {.id = a->id, .blocked_ns = exec_now_ns() - t->t_start_ns};

    if (result != (int)EV_TIMER) {
        io_task_finish(c, t, result < 0 ? result : -EPROTO);
        return;
    }
    res.fib = mixed_ev_fib(c, t->ops, a->cpu_n, a->cutoff);
    memcpy(t->res, &res, sizeof(res));
    io_task_finish(c, t, 0);
}

static void mixed_ev_start(struct ev_ctx *c, struct io_task *t)
{
    const struct mixed_arg *a = t->arg;
    int e = io_task_timer(c, t, a->ns, mixed_ev_waited);

    if (e != 0)
        io_task_finish(c, t, e);
}

static const char *const mixed_keys[] = {"tasks", "us", "cpu_n", "cutoff", NULL};

static const struct io_desc mixed_desc = IO_DESC(mixed, "mixed", mixed_keys, 1000);

/* ---- the fork-join form ------------------------------------------------------------------ */

struct mixed_run {
    struct mixed_state *s;
    const struct exec_ops *ops;
    struct exec *x;
};

struct mixed_fjfib {
    const struct mixed_run *m;
    uint32_t n;
    uint64_t part[2];
};

static uint64_t mixed_fj_fib(const struct mixed_run *m, uint32_t n);

static void mixed_fj_part(struct exec *x, void *arg, size_t i)
{
    struct mixed_fjfib *f = arg;
    (void)x;
    f->part[i] = mixed_fj_fib(f->m, f->n - 1 - (uint32_t)i);
}

static uint64_t mixed_fj_fib(const struct mixed_run *m, uint32_t n)
{
    if (n <= m->s->cutoff || n < 2)
        return mixed_fib(n);
    struct mixed_fjfib f = {.m = m, .n = n};
    m->ops->forkn(m->x, 2, mixed_fj_part, &f);
    return f.part[0] + f.part[1];
}

static void mixed_fj_task(struct exec *x, void *arg, size_t i)
{
    const struct mixed_run *m = arg;
    struct mixed_state *s = m->s;
    (void)x;
    s->res[i].id = (uint32_t)i;
    s->res[i].blocked_ns = io_block_ns(s->ns);
    s->res[i].fib = mixed_fj_fib(m, (uint32_t)s->cpu_n);
    s->t_done_ns[i] = exec_now_ns();
}

static void mixed_fj_root(struct exec *x, void *arg, size_t i)
{
    const struct mixed_run *m = arg;
    (void)i;
    m->ops->forkn(x, m->s->h.tasks, mixed_fj_task, (void *)m);
}

static int mixed_run_nested(void *state, const struct exec_ops *ops, struct exec *x,
                            struct work_run *run)
{
    struct mixed_state *s = state;
    struct mixed_run m = {s, ops, x};

    memset(s->res, 0, s->h.tasks * sizeof(*s->res));
    uint64_t t0 = exec_now_ns();
    int e = ops->run(x, mixed_fj_root, &m);
    if (e != 0)
        return e;
    for (uint64_t i = 0; i < s->h.tasks && run->latency; i++)
        hist_record(run->latency, s->t_done_ns[i] - t0);
    return 0;
}

static int mixed_nested_check(void *state, const char *exec_name, struct work_run *run)
{
    struct mixed_state *s = state;
    char why[160];

    for (uint64_t i = 0; i < s->h.tasks; i++) {
        why[0] = '\0';
        if (s->res[i].id != i || mixed_check(s, NULL, &s->res[i], why, sizeof(why)) != 0) {
            snprintf(run->error, sizeof(run->error), "%s on %s: task %" PRIu64 ": %s", s->h.label,
                     exec_name, i, why[0] ? why : "not run");
            return -EPROTO;
        }
    }
    run->tasks = s->h.tasks;
    return 0;
}

/* ---- prepare and release ----------------------------------------------------------------- */

static void mixed_release(void *state)
{
    struct mixed_state *s = state;

    if (!s)
        return;
    free(s->res);
    free(s->t_done_ns);
    free(s);
}

static int mixed_prepare(void **state, const char *params, char *err, size_t errlen)
{
    struct mixed_state *s;
    uint64_t tasks, us, cpu_n, cutoff, a = 0, b = 1, i;

    if (io_params(&mixed_desc, params, &tasks, err, errlen) ||
        wl_param_u64("mixed", params, "us", 0, 10000000, 20000, &us, err, errlen) ||
        wl_param_u64("mixed", params, "cpu_n", 1, 40, 21, &cpu_n, err, errlen) ||
        wl_param_u64("mixed", params, "cutoff", 1, 40, 15, &cutoff, err, errlen))
        return -EINVAL;
    s = io_state_new(sizeof(*s), &mixed_desc, params, tasks, err, errlen);
    if (!s)
        return -ENOMEM;
    s->ns = us * 1000u;
    s->cpu_n = cpu_n;
    s->cutoff = cutoff;
    for (i = 0; i < cpu_n; i++) { /* the known answer, by iteration */
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    s->fib = a;
    s->res = calloc(tasks, sizeof(*s->res));
    s->t_done_ns = calloc(tasks, sizeof(*s->t_done_ns));
    if (!s->res || !s->t_done_ns) {
        mixed_release(s);
        snprintf(err, errlen, "mixed: out of memory");
        return -ENOMEM;
    }
    *state = s;
    return 0;
}

const struct workload workload_mixed = {
    .name = "mixed",
    .kind = "mixed",
    .params_default = "tasks:1000/us:20000/cpu_n:21/cutoff:15",
    .params_quick = "tasks:40/us:2000/cpu_n:20/cutoff:15",
    .prepare = mixed_prepare,
    .release = mixed_release,
    .run_flat = io_run,
    .run_nested = mixed_run_nested,
    .check = mixed_nested_check,
    .serial = io_serial,
    .run_events = io_run_events,
};
