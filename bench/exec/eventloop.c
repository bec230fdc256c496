/*
 * eventloop.c - the event-loop executors, on libuv (the loop under Node.js
 * and uvloop, the fair stand-in for asyncio's loop in C):
 *
 *  "eventloop"          asyncio: one loop on one thread, always, whatever
 *                       exec_config.workers asks (workers() is 1).
 *  "eventloop-cores"    nginx's workers, Node's cluster: `workers` loops (0:
 *                       one per online CPU), each its own thread and
 *                       uv_loop_t, unpinned. Work is dealt to them round-robin
 *                       once (piece or task i to loop i mod k) and never
 *                       rebalanced: a loop that drew the long pieces finishes
 *                       last, as an nginx worker with the slow connections.
 *  "eventloop-offload"  asyncio's run_in_executor (EXEC_VARIANT): one loop
 *                       that hands every map() piece to uv_queue_work(), i.e.
 *                       to libuv's thread pool (UV_THREADPOOL_SIZE threads,
 *                       4 by default, shared by the whole process; workers()
 *                       is that count). It has no event-driven side of its
 *                       own: its IO programs would be eventloop's exactly, so
 *                       IO workloads run their flat form on it, each blocking
 *                       piece on a pool thread, as asyncio.to_thread() would.
 *
 *  map():   the caller stamps t_submit, deals the pieces into one share per
 *           loop (struct ev_ctx), puts each share in its loop's inbox under
 *           x->mu, wakes the loop with uv_async_send() and waits on x->done.
 *           The loop's wake-up callback takes its inbox and runs each piece
 *           of the share itself, in turn, on the loop thread: a CPU piece
 *           holds the loop as a CPU-bound coroutine holds asyncio's. (The
 *           offload variant instead posts every piece with ev_ops.offload
 *           and its share ends when the last one is back.)
 *  run():   no EXEC_NESTS: fork-join workloads reach these models through
 *           their flat forms, as the thread pool's.
 *  events:  exec/events.h on libuv (eventloop_ev.c): ev run() deals tasks to
 *           the loops like map() deals pieces, and returns when every
 *           loop's share of tasks has called done() and no callback of it
 *           is still to come.
 *
 * Synchronization. libuv is not built for ThreadSanitizer: what it does
 * inside (uv_async_send's atomics, its pool's queue) is invisible to TSan,
 * so no data of ours crosses threads on it. Everything that does goes
 * through x->mu (and x->done), or through the acquire/release pairs of
 * eventloop_ev.c for offloaded work:
 *   caller -> loop: a share and everything it points to (pieces, tasks) is
 *     written before the caller appends it to the inbox under x->mu; the
 *     loop takes the inbox under x->mu.
 *   loop -> caller: everything a loop wrote for a share (results, statuses,
 *     times) comes before its el_share_done(), which decrements the batch's
 *     shares_left under x->mu; the caller reads the results after it saw
 *     shares_left == 0 under x->mu.
 *   destroy: x->stop is set under x->mu and read under it by the wake-up
 *     callback; the rest is ordered by pthread_create and pthread_join.
 * uv_async_send() is only the wake-up: several coalesce into one callback,
 * which drains the whole inbox.
 *
 * Errors: create() returns uv_loop_init's or pthread_create's error
 * (negative errno) after undoing all it did; map() and ev run() called from
 * one of the executor's own loop threads would wait for themselves, and
 * return -EDEADLK instead (map() gives every piece that status).
 *
 * Lifetimes: destroy() closes every handle of each loop (uv_walk), runs the
 * closes to completion, uv_loop_close()s it (four descriptors: epoll, a
 * signal pipe, an eventfd) and joins its thread. libuv's pool threads, and
 * the pipe libuv makes at its first loop for signals, belong to the process
 * and stay until it exits.
 */
#include "exec/eventloop.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/fj.h"

/* ---- libuv's pool ------------------------------------------------------------------------ */

static pthread_once_t el_pool_once = PTHREAD_ONCE_INIT;
static unsigned el_pool_threads; /* written once under el_pool_once */

/* As libuv 1.44's init_threads() (src/threadpool.c) counts them. */
static void el_pool_count(void)
{
    const char *v = getenv("UV_THREADPOOL_SIZE");
    unsigned n = v != NULL ? (unsigned)atoi(v) : 4;

    el_pool_threads = n == 0 ? 1 : n > 1024 ? 1024 : n;
}

unsigned exec_eventloop_pool_threads(void)
{
    pthread_once(&el_pool_once, el_pool_count);
    return el_pool_threads;
}

/* ---- the loops --------------------------------------------------------------------------- */

static _Thread_local struct el_loop *el_current; /* set by el_loop_main() */

struct el_loop *el_self(void)
{
    return el_current;
}

static void el_map_share(struct ev_ctx *c);

void el_share_done(struct ev_ctx *c)
{
    struct exec *x = c->l->x;
    struct el_batch *b = c->b;

    pthread_mutex_lock(&x->mu);
    /* b belongs to a caller that returns once shares_left is 0: last touch here. */
    if (--b->shares_left == 0)
        pthread_cond_broadcast(&x->done);
    pthread_mutex_unlock(&x->mu);
}

void el_share_check(struct ev_ctx *c)
{
    if (c->left == 0 && c->armed == 0)
        el_share_done(c);
}

/* The callers' wake-up: every share in the inbox, in order; then, if destroy() asked, the close. */
static void el_wake(uv_async_t *h)
{
    struct el_loop *l = h->loop->data;
    struct exec *x = l->x;
    struct ev_ctx *c;
    int stop;

    pthread_mutex_lock(&x->mu);
    c = l->inbox_head;
    l->inbox_head = l->inbox_tail = NULL;
    stop = x->stop;
    pthread_mutex_unlock(&x->mu);
    while (c != NULL) {
        struct ev_ctx *next = c->next; /* c is its caller's again once done */
        if (c->b->start != NULL)
            el_program_start(c);
        else
            el_map_share(c);
        c = next;
    }
    if (stop)
        el_loop_close_all(l); /* uv_run() returns once the closes are through */
}

static void el_loop_finish(struct el_loop *l)
{
    el_loop_free_closed(l);
    l->close_err = uv_loop_close(&l->uv);
}

static void *el_loop_main(void *arg)
{
    struct el_loop *l = arg;

    el_current = l;
    /* Until el_wake() has closed every handle: the wake-up stays active till then. */
    (void)uv_run(&l->uv, UV_RUN_DEFAULT);
    el_loop_finish(l);
    return NULL;
}

/*
 * After a failed uv_loop_init(): libuv before 1.51 leaks the loop's epoll
 * descriptor when the init fails after making it (libuv issue #4755: its
 * signal pipe or eventfd find the descriptor table full), and
 * uv_backend_fd() still names it. Closed here if it is an epoll instance;
 * 0 is what the init's memset left when it failed before making one.
 */
static void el_loop_init_failed(const uv_loop_t *uv)
{
    char path[40], link[64];
    int fd = uv_backend_fd(uv);
    ssize_t n;

    if (uv_version() >= 0x013300 || fd <= 0)
        return;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof(link) - 1);
    if (n > 0 && (size_t)n == strlen("anon_inode:[eventpoll]") &&
        memcmp(link, "anon_inode:[eventpoll]", (size_t)n) == 0)
        close(fd);
}

static int el_loop_init(struct exec *x, struct el_loop *l, unsigned index)
{
    int e;

    l->x = x;
    l->index = index;
    if ((e = uv_loop_init(&l->uv)) != 0) {
        el_loop_init_failed(&l->uv);
        return e; /* libuv's errors are negative errno on Unix */
    }
    l->uv.data = l;
    if ((e = uv_async_init(&l->uv, &l->wake, el_wake)) != 0) {
        (void)uv_loop_close(&l->uv); /* nothing of ours in it yet: 0 */
        return e;
    }
    (void)uv_idle_init(&l->uv, &l->later); /* cannot fail */
    return 0;
}

/* Stops and joins the started loops, closes the rest of the first `made` here, frees x. */
static void el_teardown(struct exec *x, unsigned made)
{
    pthread_mutex_lock(&x->mu);
    x->stop = 1;
    pthread_mutex_unlock(&x->mu);
    for (unsigned i = 0; i < x->started; i++)
        (void)uv_async_send(&x->loops[i].wake); /* 0 on Unix */
    for (unsigned i = 0; i < made; i++) {
        struct el_loop *l = &x->loops[i];
        if (i < x->started) {
            pthread_join(l->thread, NULL);
        } else {
            el_loop_close_all(l);
            (void)uv_run(&l->uv, UV_RUN_DEFAULT);
            el_loop_finish(l);
        }
        /* Every handle was closed and run to completion: libuv has nothing left to say no to. */
        assert(l->close_err == 0);
    }
    pthread_cond_destroy(&x->done);
    pthread_mutex_destroy(&x->mu);
    free(x->loops);
    free(x);
}

static int el_create_loops(struct exec **out, unsigned nloops, int offload)
{
    struct exec *x;
    unsigned i;
    int e;

    if (nloops == 0 || nloops > EL_MAX_LOOPS)
        return -EINVAL;
    x = calloc(1, sizeof(*x));
    if (x == NULL)
        return -ENOMEM;
    /* One aligned block: a loop's hot fields share no line with its neighbour's. */
    x->loops = aligned_alloc(alignof(struct el_loop), nloops * sizeof(struct el_loop));
    if (x->loops == NULL) {
        free(x);
        return -ENOMEM;
    }
    memset(x->loops, 0, nloops * sizeof(struct el_loop));
    x->nloops = nloops;
    x->offload = offload;
    if ((e = pthread_mutex_init(&x->mu, NULL)) != 0) {
        free(x->loops);
        free(x);
        return -e;
    }
    if ((e = pthread_cond_init(&x->done, NULL)) != 0) {
        pthread_mutex_destroy(&x->mu);
        free(x->loops);
        free(x);
        return -e;
    }
    for (i = 0; i < nloops; i++) {
        if ((e = el_loop_init(x, &x->loops[i], i)) != 0) {
            el_teardown(x, i); /* EMFILE: a loop holds four descriptors */
            return e;
        }
    }
    for (i = 0; i < nloops; i++) {
        if ((e = pthread_create(&x->loops[i].thread, NULL, el_loop_main, &x->loops[i])) != 0) {
            el_teardown(x, nloops);
            return -e; /* EAGAIN when out of threads or memory for stacks */
        }
        x->started = i + 1;
    }
    *out = x;
    return 0;
}

static unsigned el_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static int el_create(struct exec **out, const struct exec_config *cfg)
{
    (void)cfg; /* one loop, whatever it asks */
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    return el_create_loops(out, 1, 0);
}

static int el_create_cores(struct exec **out, const struct exec_config *cfg)
{
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    return el_create_loops(out, cfg != NULL && cfg->workers != 0 ? cfg->workers : el_online_cpus(),
                           0);
}

static int el_create_offload(struct exec **out, const struct exec_config *cfg)
{
    (void)cfg; /* libuv's pool has the size UV_THREADPOOL_SIZE gave it, once per process */
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    (void)exec_eventloop_pool_threads(); /* read the variable as libuv will */
    return el_create_loops(out, 1, 1);
}

static void el_destroy(struct exec *x)
{
    if (x != NULL)
        el_teardown(x, x->nloops);
}

static unsigned el_workers(const struct exec *x)
{
    if (x == NULL)
        return 0;
    return x->offload ? exec_eventloop_pool_threads() : x->nloops;
}

/* ---- the hand-off ------------------------------------------------------------------------ */

/*
 * Deals b's n pieces or tasks to min(n, loops) shares, hands each to its
 * loop and waits until all are done. 0, -EDEADLK (from one of x's own
 * loops) or -ENOMEM; on an error nothing was handed over.
 */
static int el_hand_off(struct exec *x, struct el_batch *b)
{
    struct el_loop *self = el_self();
    unsigned k = b->n < x->nloops ? (unsigned)b->n : x->nloops;
    struct ev_ctx *shares;

    if (self != NULL && self->x == x)
        return -EDEADLK;
    shares = calloc(k, sizeof(*shares));
    if (shares == NULL)
        return -ENOMEM;
    b->step = k;
    b->shares_left = k;
    for (unsigned j = 0; j < k; j++)
        shares[j] = (struct ev_ctx){.l = &x->loops[j], .b = b, .first = j};
    pthread_mutex_lock(&x->mu);
    for (unsigned j = 0; j < k; j++) {
        struct el_loop *l = &x->loops[j];
        if (l->inbox_tail != NULL)
            l->inbox_tail->next = &shares[j];
        else
            l->inbox_head = &shares[j];
        l->inbox_tail = &shares[j];
    }
    pthread_mutex_unlock(&x->mu);
    for (unsigned j = 0; j < k; j++)
        (void)uv_async_send(&x->loops[j].wake); /* 0 on Unix */
    pthread_mutex_lock(&x->mu);
    while (b->shares_left != 0)
        pthread_cond_wait(&x->done, &x->mu);
    pthread_mutex_unlock(&x->mu);
    free(shares);
    return 0;
}

int el_run(struct exec *x, size_t n, ev_start_fn start, void *arg)
{
    struct el_batch b = {.n = n, .start = start, .arg = arg};

    if (x == NULL || start == NULL)
        return -EINVAL;
    if (n == 0)
        return 0;
    return el_hand_off(x, &b);
}

/* ---- map --------------------------------------------------------------------------------- */

/* An offloaded piece: its request first, so that the request's address is the work's. */
struct el_work {
    struct ev_req req;
    exec_piece_fn fn;
    struct exec_piece *p;
};

/* On a pool thread. */
static int el_work_piece(void *arg)
{
    struct el_work *w = arg;
    exec_fj_piece(w->fn, w->p);
    return 0;
}

/* Back on the loop: when asyncio's future would be resolved. */
static void el_work_back(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct el_work *w = (struct el_work *)(void *)r;
    struct exec_piece *p = w->p;

    (void)c;
    if (result != 0) { /* never started: only a cancel does that, and map() cancels nothing */
        p->status = result;
        p->res_len = 0;
        p->t_start_ns = exec_now_ns();
    }
    p->t_done_ns = exec_now_ns();
}

/* Fails a piece that never reached a loop. */
static void el_piece_refused(struct exec_piece *p, int e)
{
    p->status = e;
    p->res_len = 0;
    p->t_start_ns = p->t_done_ns = exec_now_ns();
}

/* A share of a map(), on its loop: every piece in turn here, or posted to the pool. */
static void el_map_share(struct ev_ctx *c)
{
    const struct el_batch *b = c->b;

    if (b->works == NULL) {
        for (size_t i = c->first; i < b->n; i += b->step)
            exec_fj_piece(b->fn, &b->pieces[i]);
        el_share_done(c);
        return;
    }
    c->armed = 1; /* the posting: its share cannot end before it has posted all */
    for (size_t i = c->first; i < b->n; i += b->step) {
        struct el_work *w = &b->works[i];
        w->fn = b->fn;
        w->p = &b->pieces[i];
        int e = el_events.offload(c, &w->req, el_work_piece, w, el_work_back);
        if (e != 0)
            el_piece_refused(w->p, e);
    }
    c->armed--;
    el_share_check(c);
}

static int el_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n)
{
    struct el_batch b = {.n = n, .fn = fn, .pieces = pieces};
    uint64_t now;
    int e = 0;

    if (x == NULL || fn == NULL || (n != 0 && pieces == NULL))
        return -EINVAL;
    if (n == 0)
        return 0;
    now = exec_now_ns();
    for (size_t i = 0; i < n; i++)
        pieces[i].t_submit_ns = now;
    if (x->offload && (b.works = calloc(n, sizeof(*b.works))) == NULL)
        e = -ENOMEM;
    if (e == 0)
        e = el_hand_off(x, &b);
    free(b.works);
    if (e != 0) {
        for (size_t i = 0; i < n; i++)
            el_piece_refused(&pieces[i], e);
        return e;
    }
    return exec_fj_first_failure(pieces, n);
}

/* ---- the executors ----------------------------------------------------------------------- */

const struct exec_ops exec_eventloop = {
    .name = "eventloop",
    .flags = EXEC_FIXED_SIZE,
    .create = el_create,
    .destroy = el_destroy,
    .map = el_map,
    .workers = el_workers,
    .events = &el_events,
};

const struct exec_ops exec_eventloop_cores = {
    .name = "eventloop-cores",
    .flags = 0,
    .create = el_create_cores,
    .destroy = el_destroy,
    .map = el_map,
    .workers = el_workers,
    .events = &el_events,
};

const struct exec_ops exec_eventloop_offload = {
    .name = "eventloop-offload",
    .flags = EXEC_VARIANT | EXEC_FIXED_SIZE,
    .create = el_create_offload,
    .destroy = el_destroy,
    .map = el_map,
    .workers = el_workers,
};
