/*
 * sleep.c - the "sleep" workload: N tasks that each block for L
 * microseconds in clock_nanosleep(), standing in for a blocking call (a
 * database query, a remote procedure call) that uses no CPU while it waits.
 * For every executor each task is one piece of one map(): a pool with P
 * workers can have P tasks waiting at once, so the run takes about
 * N x L / P.
 *
 * Parameters: tasks:<1..10^6> (default 1000), us:<0..10^7> (default 1000).
 *
 * Event-driven (stealing-async, the event loops): each task arms a timer of
 * L and finishes when it fires; nothing blocks a thread meanwhile.
 *
 * The known answer: each piece returns its own id and the time it measured
 * itself blocked, which must be at least L (an absolute deadline on
 * CLOCK_MONOTONIC cannot end early; a timer cannot fire early either).
 * run->tasks = N; each piece's submit-to-done time goes to run->latency.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/io/io.h"

struct sleep_state {
    struct io_head h;
    uint64_t ns; /* L, in nanoseconds */
};

struct sleep_arg {
    uint32_t id;
    uint32_t pad; /* zero */
    uint64_t ns;
};

struct sleep_res {
    uint32_t id;
    uint32_t pad;
    uint64_t blocked_ns;
};

/* exec_piece_fn: one blocking call. */
static int sleep_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct sleep_arg a;
    struct sleep_res r = {0, 0, 0};

    int e = io_piece_start(&a, sizeof(a), arg, arg_len, sizeof(r), res_cap);

    if (e != 0)
        return e;
    r.id = a.id;
    r.blocked_ns = io_block_ns(a.ns);
    memcpy(res, &r, sizeof(r));
    *res_len = sizeof(r);
    return 0;
}

/* The event-driven form: a timer. */
struct sleep_ev {
    char unused;
};

static void sleep_ev_fired(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct io_task *t = io_task_of(r);
    const struct sleep_arg *a = t->arg;
    struct sleep_res res = {.id = a->id, .blocked_ns = exec_now_ns() - t->t_start_ns};

    memcpy(t->res, &res, sizeof(res));
    io_task_finish(c, t, result == (int)EV_TIMER ? 0 : result < 0 ? result : -EPROTO);
}

static void sleep_ev_start(struct ev_ctx *c, struct io_task *t)
{
    const struct sleep_arg *a = t->arg;
    int e = io_task_timer(c, t, a->ns, sleep_ev_fired);

    if (e != 0)
        io_task_finish(c, t, e);
}

static void sleep_fill(const void *state, size_t i, void *arg)
{
    const struct sleep_state *s = state;
    struct sleep_arg a = {.id = (uint32_t)i, .pad = 0, .ns = s->ns};

    memcpy(arg, &a, sizeof(a));
}

static int sleep_check(const void *state, const void *arg, const void *res, char *why,
                       size_t whylen)
{
    const struct sleep_state *s = state;
    const struct sleep_res *r = res;

    (void)arg;
    return io_check_blocked(r->blocked_ns, s->ns, why, whylen);
}

static const char *const sleep_keys[] = {"tasks", "us", NULL};

static const struct io_desc sleep_desc = IO_DESC(sleep, "sleep", sleep_keys, 1000);

static int sleep_prepare(void **state, const char *params, char *err, size_t errlen)
{
    struct sleep_state *s;
    uint64_t tasks, us;

    if (io_params(&sleep_desc, params, &tasks, err, errlen) ||
        wl_param_u64("sleep", params, "us", 0, 10000000, 1000, &us, err, errlen))
        return -EINVAL;
    s = io_state_new(sizeof(*s), &sleep_desc, params, tasks, err, errlen);
    if (!s)
        return -ENOMEM;
    s->ns = us * 1000u;
    *state = s;
    return 0;
}

/* free: the state is one allocation. */
const struct workload workload_sleep =
    IO_WORKLOAD("sleep", "io", "tasks:1000/us:1000", "tasks:50/us:1000", sleep_prepare, free);
