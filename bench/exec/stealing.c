/*
 * stealing.c - the "stealing" executor: libwsched, the work-stealing
 * scheduler of this project (sched/include/wsched.h).
 *
 * One ws_pool per executor, created with the library's defaults but for the
 * worker count (so workers are pinned one per core, WS_PIN_CORE, and an idle
 * pool sleeps). destroy() joins every worker: nothing stays behind.
 * "stealing-random" is the same with WS_VICTIM_RANDOM instead of the
 * nearest-first victim order, run only when named (--executors), so that
 * the two policies can be compared.
 *
 *  run():   ws_run() of the root; the calling thread blocks until it is done.
 *  forkn(): [0, n) halved recursively; each upper half is a ws_spawn of a
 *           frame on the caller's stack, the lower half runs in place, and
 *           ws_reclaim() takes the upper half back to run it by a direct call
 *           when no thief took it. The exec.h bodies carry neither the worker
 *           nor its head, so each body gets, as its `struct exec *`, a view
 *           on the range's stack that holds them (the pool's fields copied):
 *           a forkn() on a view spawns on that head directly. On the pool's
 *           own exec (an outside thread, or a caller that kept it) forkn()
 *           enters by ws_run(), which from a worker of this pool runs inline
 *           on the head the library finds.
 *  map():   every piece a task: ws_parallel_for() with a grain of 1 inside
 *           one ws_run(). All pieces are submitted at once (one t_submit).
 *
 * Workloads' native variants for this family ("stealing", for
 * stealing-random and stealing-async too) reach the pool with
 * exec_stealing_pool() (workloads/fib/fib_stealing.c). The IO workloads'
 * blocking calls go through ws_blocking() on a worker (workloads/io/io.c),
 * so a spare thread stands in while a piece blocks.
 *
 * "stealing-async" is the same pool run event-driven (exec/events.h): a
 * program's tasks arm waits and timers on libwsched's reactor
 * (ws_io_wait, ws_timer_after), whose continuations run as tasks on any
 * worker and may fork-join (forkn below); an offloaded call (a file read) is
 * a posted task that calls ws_blocking(). Nothing blocks a worker.
 */
#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "exec/fj.h"
#include "exec/stealing.h"

struct exec {
    ws_pool *pool;
    unsigned workers;
    /* A body's view (see forkn() above): the pool's exec, and the worker
     * and head the body runs on; NULL in the pool's own exec. */
    struct exec *pool_x;
    ws_worker *w;
    ws_head h;
};

static int st_create_policy(struct exec **out, const struct exec_config *cfg,
                            enum ws_victim_policy victim)
{
    struct ws_config wc = WS_CONFIG_INIT;
    struct exec *x;
    int e;

    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    wc.victim = victim;
    wc.workers =
        cfg != NULL ? cfg->workers : 0; /* 0: one per core; above WS_MAX_WORKERS: -EINVAL */
    x = malloc(sizeof(*x));
    if (x == NULL)
        return -ENOMEM;
    e = ws_pool_create(&x->pool, &wc);
    if (e != 0) {
        free(x);
        return e;
    }
    x->workers = ws_pool_workers(x->pool);
    x->pool_x = NULL;
    x->w = NULL;
    x->h = NULL;
    *out = x;
    return 0;
}

static int st_create(struct exec **out, const struct exec_config *cfg)
{
    return st_create_policy(out, cfg, WS_VICTIM_NEAREST);
}

static int st_create_random(struct exec **out, const struct exec_config *cfg)
{
    return st_create_policy(out, cfg, WS_VICTIM_RANDOM);
}

static void st_destroy(struct exec *x)
{
    if (x == NULL)
        return;
    /* Only -EDEADLK (called from one of its own workers) can fail: a misuse we cannot undo. */
    (void)ws_pool_destroy(x->pool);
    free(x);
}

ws_pool *exec_stealing_pool(struct exec *x)
{
    return x != NULL ? x->pool : NULL;
}

static unsigned st_workers(const struct exec *x)
{
    return x != NULL ? x->workers : 0;
}

/* ---- run and forkn ------------------------------------------------------ */

/* One forkn() (or run(), n = 1) call: lives on its caller's stack until all its bodies are done. */
struct st_fork {
    struct exec *x;
    exec_fork_fn fn;
    void *arg;
    size_t n;
};

/* The spawned upper half [lo, hi) of a range. */
struct st_fork_frame {
    ws_task task;
    const struct st_fork *f;
    size_t lo, hi;
};

static void st_fork_range(ws_worker *w, ws_head h, const struct st_fork *f, size_t lo, size_t hi);

static void st_fork_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct st_fork_frame *fr = WS_CONTAINER_OF(t, struct st_fork_frame, task);
    st_fork_range(w, h, fr->f, fr->lo, fr->hi);
}

/* Runs bodies [lo, hi), hi > lo, spawning upper halves: depth log2(hi - lo). */
static void st_fork_range(ws_worker *w, ws_head h, const struct st_fork *f, size_t lo, size_t hi)
{
    struct st_fork_frame fr;
    size_t mid;

    if (hi - lo == 1) {
        /* The view lives until the body returns, which is as long as a
         * body may use its exec (exec.h: forkn() from inside run()). */
        struct exec view = {.pool = f->x->pool,
                            .workers = f->x->workers,
                            .pool_x = f->x->pool_x != NULL ? f->x->pool_x : f->x,
                            .w = w,
                            .h = h};
        f->fn(&view, f->arg, lo);
        return;
    }
    mid = lo + (hi - lo) / 2;
    fr.f = f;
    fr.lo = mid;
    fr.hi = hi;
    h = ws_spawn(w, h, &fr.task, st_fork_task);
    st_fork_range(w, h, f, lo, mid);
    int mine;
    h = ws_reclaim(w, h, &fr.task, &mine);
    if (mine)
        st_fork_range(w, h, f, mid, hi);
}

static void st_fork_root(ws_worker *w, ws_head h, void *arg)
{
    const struct st_fork *f = arg;
    st_fork_range(w, h, f, 0, f->n);
}

static int st_run(struct exec *x, exec_fork_fn root, void *arg)
{
    struct st_fork f = {.x = x, .fn = root, .arg = arg, .n = 1};

    if (x == NULL || root == NULL)
        return -EINVAL;
    return ws_run(x->pool, st_fork_root, &f);
}

static void st_forkn(struct exec *x, size_t n, exec_fork_fn fn, void *arg)
{
    struct st_fork f = {.x = x, .fn = fn, .arg = arg, .n = n};

    if (x == NULL || fn == NULL || n == 0)
        return;
    /* A body's view: its head is exact, since a body spawns only through
     * forkn(), whose spawns are all synced when it returns. */
    if (x->w != NULL) {
        st_fork_range(x->w, x->h, &f, 0, n);
        return;
    }
    /* Nested on one of the pool's workers, ws_run runs the root inline on
     * the head the library finds; it fails only with -ESHUTDOWN: destroy()
     * racing an outside caller. */
    (void)ws_run(x->pool, st_fork_root, &f);
}

/* ---- map ---------------------------------------------------------------- */

struct st_map {
    exec_piece_fn fn;
    struct exec_piece *pieces;
    size_t n;
    int err; /* of ws_parallel_for */
};

static void st_map_range(ws_worker *w, ws_head h, size_t begin, size_t end, void *arg)
{
    const struct st_map *m = arg;
    (void)w;
    (void)h;
    for (size_t i = begin; i < end; i++)
        exec_fj_piece(m->fn, &m->pieces[i]);
}

static void st_map_root(ws_worker *w, ws_head h, void *arg)
{
    struct st_map *m = arg;
    m->err = ws_parallel_for(w, h, 0, m->n, 1, st_map_range, m);
}

static int st_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n)
{
    struct st_map m = {.fn = fn, .pieces = pieces, .n = n, .err = 0};
    uint64_t now;
    int e;

    if (x == NULL || fn == NULL || (n != 0 && pieces == NULL))
        return -EINVAL;
    if (n == 0)
        return 0;
    now = exec_now_ns();
    for (size_t i = 0; i < n; i++)
        pieces[i].t_submit_ns = now;
    e = ws_run(x->pool, st_map_root, &m);
    if (e == 0)
        e = m.err;
    if (e != 0) {
        /* Nothing ran: ws_run and ws_parallel_for fail only before they start. */
        now = exec_now_ns();
        for (size_t i = 0; i < n; i++) {
            pieces[i].status = e;
            pieces[i].res_len = 0;
            pieces[i].t_start_ns = pieces[i].t_done_ns = now;
        }
        return e;
    }
    return exec_fj_first_failure(pieces, n);
}

/* ---- stealing-async: the event-driven form (exec/events.h) --------------- */

/* One program run: the context every callback gets. */
struct ev_ctx {
    struct exec *x;
    ev_start_fn start;
    void *arg;
    size_t n;
    _Atomic size_t left; /* tasks not done yet */
    sem_t all_done;      /* posted by the last done() */
};

/* What an ev_req holds for this model. */
struct st_req {
    ws_io io;  /* a wait or a timer */
    ws_task t; /* an offloaded call, posted */
    ev_fn fn;
    struct ev_ctx *c;
    int (*work)(void *arg);
    void *warg;
    int status;
};
_Static_assert(sizeof(struct st_req) <= EV_REQ_SIZE, "an st_req fits in an ev_req");

static struct st_req *st_req_of(struct ev_req *r)
{
    return (struct st_req *)(void *)r->opaque;
}

static struct ev_req *st_ev_req(struct st_req *q)
{
    return (struct ev_req *)(void *)q;
}

static void st_ev_root(ws_worker *w, ws_head h, void *arg)
{
    struct ev_ctx *c = arg;
    (void)w;
    (void)h;
    for (size_t i = 0; i < c->n; i++)
        c->start(c, c->arg, i);
}

static int st_ev_run(struct exec *x, size_t n, ev_start_fn start, void *arg)
{
    if (x == NULL || start == NULL)
        return -EINVAL;
    /* The pool's own exec, never a body's view: continuations run on other
     * workers and heads, and their forkn() must enter by ws_run. */
    struct ev_ctx c = {.x = x->pool_x != NULL ? x->pool_x : x, .start = start, .arg = arg, .n = n};
    if (n == 0)
        return 0;
    atomic_init(&c.left, n);
    if (sem_init(&c.all_done, 0, 0) != 0)
        return -errno;
    /* The starts run as one root task; each task's later steps are
     * continuations. The last done() posts the semaphore. */
    int e = ws_run(x->pool, st_ev_root, &c);
    if (e == 0)
        while (sem_wait(&c.all_done) != 0)
            ;
    sem_destroy(&c.all_done);
    return e;
}

static void st_ev_done(struct ev_ctx *c)
{
    /* acq_rel: the last one sees every task's writes before run() returns
     * (and sem_post orders them for the waiter). */
    if (atomic_fetch_sub_explicit(&c->left, 1, memory_order_acq_rel) == 1)
        sem_post(&c->all_done);
}

static void st_ev_fired(ws_worker *w, ws_head h, ws_io *io, int revents)
{
    struct st_req *q = WS_CONTAINER_OF(io, struct st_req, io);
    (void)w;
    (void)h;
    q->fn(q->c, st_ev_req(q), revents);
}

static int st_ev_timer(struct ev_ctx *c, struct ev_req *r, uint64_t ns, ev_fn fn)
{
    struct st_req *q = st_req_of(r);
    ws_worker *w = ws_worker_self();
    q->fn = fn;
    q->c = c;
    return w != NULL ? ws_timer_after(w, &q->io, ns, st_ev_fired)
                     : ws_timer_after_on(c->x->pool, &q->io, ns, st_ev_fired);
}

static int st_ev_wait(struct ev_ctx *c, struct ev_req *r, int fd, unsigned events, ev_fn fn)
{
    struct st_req *q = st_req_of(r);
    ws_worker *w = ws_worker_self();
    unsigned e = (events & EV_READ ? WS_IO_READ : 0) | (events & EV_WRITE ? WS_IO_WRITE : 0);
    q->fn = fn;
    q->c = c;
    return w != NULL ? ws_io_wait(w, &q->io, fd, e, st_ev_fired)
                     : ws_io_wait_on(c->x->pool, &q->io, fd, e, st_ev_fired);
}

static int st_ev_cancel(struct ev_ctx *c, struct ev_req *r)
{
    (void)c;
    int e = ws_io_cancel(&st_req_of(r)->io);
    return e == -EALREADY ? 0 : e; /* fired first: its callback runs, as promised */
}

static void st_ev_blocking(ws_worker *w, ws_head h, void *arg)
{
    struct st_req *q = arg;
    (void)w;
    (void)h;
    q->status = q->work(q->warg);
}

static void st_ev_offloaded(ws_worker *w, ws_head h, ws_task *t)
{
    struct st_req *q = WS_CONTAINER_OF(t, struct st_req, t);
    if (w == NULL) /* cancelled by ws_pool_cancel: the executor never does that */
        q->status = -ECANCELED;
    else
        ws_blocking(w, h, st_ev_blocking, q);
    q->fn(q->c, st_ev_req(q), q->status);
}

static int st_ev_offload(struct ev_ctx *c, struct ev_req *r, int (*work)(void *arg), void *arg,
                         ev_fn fn)
{
    struct st_req *q = st_req_of(r);
    q->fn = fn;
    q->c = c;
    q->work = work;
    q->warg = arg;
    q->status = 0;
    return ws_post(c->x->pool, &q->t, st_ev_offloaded);
}

struct st_ev_fork {
    struct ev_ctx *c;
    ev_start_fn fn;
    void *arg;
};

static void st_ev_fork_part(struct exec *x, void *arg, size_t i)
{
    const struct st_ev_fork *f = arg;
    (void)x;
    f->fn(f->c, f->arg, i);
}

static void st_ev_forkn(struct ev_ctx *c, size_t n, ev_start_fn fn, void *arg)
{
    struct st_ev_fork f = {c, fn, arg};
    st_forkn(c->x, n, st_ev_fork_part, &f);
}

static const struct ev_ops st_events = {
    .run = st_ev_run,
    .done = st_ev_done,
    .timer = st_ev_timer,
    .wait = st_ev_wait,
    .cancel = st_ev_cancel,
    .offload = st_ev_offload,
    .forkn = st_ev_forkn,
};

const struct exec_ops exec_stealing = {
    .name = "stealing",
    .flags = EXEC_NESTS,
    .family = "stealing",
    .create = st_create,
    .destroy = st_destroy,
    .map = st_map,
    .run = st_run,
    .forkn = st_forkn,
    .workers = st_workers,
};

const struct exec_ops exec_stealing_async = {
    .name = "stealing-async",
    .flags = EXEC_NESTS,
    .family = "stealing", /* CPU workloads: exactly stealing's forms */
    .create = st_create,
    .destroy = st_destroy,
    .map = st_map,
    .run = st_run,
    .forkn = st_forkn,
    .workers = st_workers,
    .events = &st_events,
};

const struct exec_ops exec_stealing_random = {
    .name = "stealing-random",
    .flags = EXEC_NESTS | EXEC_VARIANT,
    .family = "stealing", /* the same native variants as stealing */
    .create = st_create_random,
    .destroy = st_destroy,
    .map = st_map,
    .run = st_run,
    .forkn = st_forkn,
    .workers = st_workers,
};
