/*
 * fib_stealing.c - fib on libwsched in its own idiom: frames on the stack,
 * fields set one by one (a whole-frame initialiser would zero the frame's
 * private words too, instructions on the fast path for nothing), the
 * head passed by value and taken back from each ws_spawn and ws_reclaim
 * (never through &h, which would keep GCC from inlining the base case),
 * and ws_reclaim() with the child's work done by a direct call.
 */
#include <wsched.h>

#include "exec/stealing.h"
#include "workloads/fib/fib.h"

struct fib_st_frame {
    ws_task task;
    unsigned n;
    int64_t r;
};

static int64_t fib_st_rec(ws_worker *w, ws_head h, unsigned n);

static void fib_st_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct fib_st_frame *f = WS_CONTAINER_OF(t, struct fib_st_frame, task);
    f->r = fib_st_rec(w, h, f->n);
}

/* spawn fib(n-1), call fib(n-2), no cut-off. */
static int64_t fib_st_rec(ws_worker *w, ws_head h, unsigned n)
{
    struct fib_st_frame f;
    int64_t y;

    if (n < 2)
        return n;
    f.n = n - 1;
    h = ws_spawn(w, h, &f.task, fib_st_task);
    y = fib_st_rec(w, h, n - 2);
    int mine;
    h = ws_reclaim(w, h, &f.task, &mine);
    if (mine)
        f.r = fib_st_rec(w, h, n - 1);
    return f.r + y;
}

/* The root task, run on a worker: callgrind's toggle point. */
static void fib_stealing_root(ws_worker *w, ws_head h, void *arg)
{
    struct fib_state *s = arg;
    s->a.got = fib_st_rec(w, h, s->n);
}

int fib_stealing(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    (void)ops;
    (void)run;
    return ws_run(exec_stealing_pool(x), fib_stealing_root, state);
}
