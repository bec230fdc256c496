/*
 * fib_stealing.c - fib on libwsched in its own idiom: frames on the stack,
 * fields set one by one (a whole-frame initialiser would zero the frame's
 * private words too, instructions on the fast path for nothing), the
 * head passed by value and taken back from each ws_spawn and ws_reclaim
 * (never through &h), and ws_reclaim() with the child's work done by a
 * direct call.
 *
 * The default form is written for the compiler, as sched/README.md's
 * "Recursive tasks: two rules of shape" recommends:
 *  - the frame's scope ends at the reclaim, so that the reclaimed child's
 *    direct call comes after the frame is dead, in tail position: gcc turns
 *    it into a loop with an accumulator, and the next spawn reuses the
 *    frame. (A frame whose address is in the deque and whose scope is still
 *    open could be read by any call, so gcc keeps every call a call.)
 *  - the n < 2 test is in an inline wrapper, at every call site. Once the
 *    second call is a loop, gcc no longer splits the test out by itself
 *    (ipa-split refuses a function whose entry test sits in a loop).
 * The algorithm is unchanged: every internal node spawns fib(n-1), leaves
 * included, and calls fib(n-2); there is no cut-off. Lace's fib gets both
 * transformations from gcc by itself, because its SYNC is a statement
 * expression whose result merges the inline call with the thief's.
 *
 * variant:plain is the same computation written naively (the frame in the
 * function's scope, the test in the function): every call a real call, as
 * measured at 1bad50b. It shows what the two rules are worth.
 */
#include <wsched.h>

#include "exec/stealing.h"
#include "workloads/fib/fib.h"

struct fib_st_frame {
    ws_task task;
    unsigned n;
    int64_t r;
};

static int64_t fib_st_node(ws_worker *w, ws_head h, unsigned n);

/* fib(n); n >= 2 goes to fib_st_node. */
static inline int64_t fib_st(ws_worker *w, ws_head h, unsigned n)
{
    if (n < 2)
        return n;
    return fib_st_node(w, h, n);
}

static void fib_st_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct fib_st_frame *f = WS_CONTAINER_OF(t, struct fib_st_frame, task);
    f->r = fib_st(w, h, f->n);
}

/* spawn fib(n-1), call fib(n-2), no cut-off; n >= 2. */
static int64_t fib_st_node(ws_worker *w, ws_head h, unsigned n)
{
    int64_t y;
    {
        struct fib_st_frame f;
        int mine;
        f.n = n - 1;
        h = ws_spawn(w, h, &f.task, fib_st_task);
        y = fib_st(w, h, n - 2);
        h = ws_reclaim(w, h, &f.task, &mine);
        if (!mine)
            return f.r + y; /* a thief ran it */
    }                       /* f is dead: the call below may reuse its stack */
    return fib_st(w, h, n - 1) + y;
}

/* ---- variant:plain ------------------------------------------------------------------------ */

static int64_t fib_pl_rec(ws_worker *w, ws_head h, unsigned n);

static void fib_pl_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct fib_st_frame *f = WS_CONTAINER_OF(t, struct fib_st_frame, task);
    f->r = fib_pl_rec(w, h, f->n);
}

static int64_t fib_pl_rec(ws_worker *w, ws_head h, unsigned n)
{
    struct fib_st_frame f;
    int64_t y;
    int mine;

    if (n < 2)
        return n;
    f.n = n - 1;
    h = ws_spawn(w, h, &f.task, fib_pl_task);
    y = fib_pl_rec(w, h, n - 2);
    h = ws_reclaim(w, h, &f.task, &mine);
    if (mine)
        f.r = fib_pl_rec(w, h, n - 1);
    return f.r + y;
}

/* The root task, run on a worker: callgrind's toggle point. */
static void fib_stealing_root(ws_worker *w, ws_head h, void *arg)
{
    struct fib_state *s = arg;
    s->a.got = s->variant == FIB_PLAIN ? fib_pl_rec(w, h, s->n) : fib_st(w, h, s->n);
}

int fib_stealing(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    int err = fib_variant_check(state, "stealing", ops->name, run);

    if (err != 0)
        return err;
    return ws_run(exec_stealing_pool(x), fib_stealing_root, state);
}
