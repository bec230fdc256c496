/*
 * job.c - entry from any thread: ws_run (run and wait) and ws_submit (a job
 * handle to wait on or poll).
 *
 * A root is a frame that travels through the injection queue as a ws_task
 * whose body, ws__root_run, runs the user's function and then signals
 * completion. A ws_run frame lives on the caller's stack: storing `done`
 * ([J1]) is the completer's last access to it. A job lives on the heap with
 * a reference for its handle and one for its entry in the queue, so its
 * completer may still wake waiters after [J1].
 *
 * A worker that waits for a job of its own pool which has not started runs
 * it at once: it claims the job ([J5]) and runs it inline, and the queue
 * entry, when a worker pops it, finds the job claimed and only drops its
 * reference. Without that, a chain of jobs each waiting for the next would
 * need a worker free to pop each one; on a small pool the chain can be
 * deeper than the pool. Entries left in the queue at destroy are drained.
 *
 *  [J1] release (seq_cst) store of done; pairs with [J2]; seq_cst also pairs
 *       with [J4], so a helping worker that registered is seen and woken
 *  [J2] acquire loads of done; the function's effects are visible
 *  [J3] release decrement of pending; pairs with the acquire in
 *       ws_pool_destroy's wait
 *  [J4] seq_cst increment of helpers; pairs with [J1]
 *  [U2] seq_cst increment of users before looking at stopping; pairs with
 *       [U1] in ws_pool_destroy
 *  [J5] acq_rel exchange of claimed: exactly one runner; the winner sees
 *       the submitter's writes (they were released by the queue hand-off or
 *       are the waiter's own)
 *  refs: acq_rel decrement, so the last owner sees every write before free
 */
#define CK_BACKOFF_CEILING ((1u << 13) - 1)
#include <ck_backoff.h>

#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "pool.h"

struct ws__root {
    ws_task task; /* first: the injection queue carries it as a ws_task */
    ws_fn fn;
    void *arg;
    struct ws_pool *pool;
    _Atomic uint32_t done;
    _Atomic uint32_t claimed; /* [J5]: someone runs it */
    /* Jobs only. */
    _Atomic uint32_t refs;
    _Atomic uint32_t helpers; /* workers of the pool helping in ws_job_wait */
    struct ck_ec32 ec;                  /* outside threads in ws_job_wait sleep here */
    bool heap;
};

struct ws_job {
    struct ws__root root;
};

static void ws__job_unref(struct ws_job *j)
{
    /* acq_rel: the last one to drop a reference sees all writes to the job. */
    if (atomic_fetch_sub_explicit(&j->root.refs, 1, memory_order_acq_rel) == 1)
        free(j);
}

/* Runs a claimed root and signals its completion. */
static void ws__root_execute(struct ws_worker *w, struct ws__root *r)
{
    struct ws_pool *p = r->pool;
    r->fn(w, r->arg);
    /* relaxed, released by [J1]: the count includes the root's own spawns
     * by the time its waiter returns. */
    atomic_store_explicit(&w->stats.spawns, w->dq.own.nspawn, memory_order_relaxed);
    if (r->heap) {
        /* [J1] */
        atomic_store_explicit(&r->done, 1, memory_order_seq_cst);
        /* seq_cst, after [J1]: pairs with [J4]; a helper that registered
         * before [J1] is seen here, or it sees done itself. */
        if (atomic_load_explicit(&r->helpers, memory_order_seq_cst) != 0)
            ws__wake_all(p); /* rare: a worker waits on a job of its own pool */
        ck_ec32_inc(&r->ec, &ws__ec_mode);
    } else {
        /* [J1]: after this store the frame may be gone. */
        atomic_store_explicit(&r->done, 1, memory_order_seq_cst);
    }
    /* [J3] */
    atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    ck_ec32_inc(&p->ext, &ws__ec_mode);
}

static bool ws__root_claim(struct ws__root *r)
{
    /* [J5] */
    return atomic_exchange_explicit(&r->claimed, 1, memory_order_acq_rel) == 0;
}

void ws__root_run(struct ws_worker *w, ws_task *t)
{
    struct ws__root *r = WS_CONTAINER_OF(t, struct ws__root, task);
    bool heap = r->heap;
    if (ws__root_claim(r))
        ws__root_execute(w, r);
    if (heap)
        ws__job_unref(WS_CONTAINER_OF(r, struct ws_job, root)); /* the queue's reference */
}

void ws__inject_drain(struct ws_pool *p)
{
    struct ws__root *r;
    while ((r = ws__inject_pop(&p->inject)) != NULL)
        if (r->heap) /* only jobs run by their waiters are left behind */
            ws__job_unref(WS_CONTAINER_OF(r, struct ws_job, root));
}

/* Counts the caller in `users` unless the pool is being destroyed. */
static int ws__enter(struct ws_pool *p)
{
    /* [U2] */
    atomic_fetch_add_explicit(&p->users, 1, memory_order_seq_cst);
    /* seq_cst, after [U2]: pairs with [U1] (see the table above). */
    if (atomic_load_explicit(&p->stopping, memory_order_seq_cst) != 0) {
        /* seq_cst: backs out [U2]; pairs with the users poll after [U1]. */
        atomic_fetch_sub_explicit(&p->users, 1, memory_order_seq_cst);
        return -ESHUTDOWN;
    }
    return 0;
}

static void ws__leave(struct ws_pool *p)
{
    /* seq_cst: the destroyer polls users; this is our last access to p. */
    atomic_fetch_sub_explicit(&p->users, 1, memory_order_seq_cst);
}

/* Queues a root; blocks (or, on a worker of the pool, helps) while full. */
static void ws__inject(struct ws_pool *p, struct ws__root *r)
{
    /* relaxed: the caller is counted in users ([U2]); its decrement in
     * ws__leave() orders this before ws_pool_destroy's users poll and second
     * wait on pending. [J3] releases the matching decrement. */
    atomic_fetch_add_explicit(&p->pending, 1, memory_order_relaxed);
    r->task.ws__fn = ws__root_run;
    ck_backoff_t bo = 64;
    while (!ws__inject_push(&p->inject, r)) {
        struct ws_worker *self = ws__self;
        if (self != NULL && self->pool == p) {
            struct ws__root *other = ws__inject_pop(&p->inject);
            if (other != NULL)
                ws__run_found(self, &other->task, true);
        } else if (bo >= 4096) {
            sched_yield();
        } else {
            ck_backoff_eb(&bo);
        }
    }
    ws__wake_one(p);
}

static bool ws__root_done(const struct ws__root *r)
{
    /* [J2] */
    return atomic_load_explicit(&((struct ws__root *)r)->done, memory_order_acquire) != 0;
}

int ws_run(ws_pool *p, ws_fn fn, void *arg)
{
    if (p == NULL || fn == NULL)
        return -EINVAL;
    struct ws_worker *self = ws__self;
    if (self != NULL && self->pool == p) {
        fn(self, arg);
        return 0;
    }
    int err = ws__enter(p);
    if (err != 0)
        return err;
    struct ws__root r = {.fn = fn, .arg = arg, .pool = p, .heap = false};
    atomic_init(&r.done, 0);
    atomic_init(&r.claimed, 0);
    atomic_init(&r.refs, 0);
    atomic_init(&r.helpers, 0);
    ws__inject(p, &r);
    for (;;) {
        if (ws__root_done(&r))
            break;
        uint32_t v = ck_ec32_value(&p->ext);
        if (ws__root_done(&r))
            break;
        ck_ec32_wait(&p->ext, &ws__ec_mode, v, NULL);
    }
    ws__leave(p);
    return 0;
}

int ws_submit(ws_pool *p, ws_job **out, ws_fn fn, void *arg)
{
    if (out != NULL)
        *out = NULL;
    if (p == NULL || fn == NULL)
        return -EINVAL;
    int err = ws__enter(p);
    if (err != 0)
        return err;
    struct ws_job *j = malloc(sizeof(*j));
    if (j == NULL) {
        ws__leave(p);
        return -ENOMEM;
    }
    struct ws__root *r = &j->root;
    r->fn = fn;
    r->arg = arg;
    r->pool = p;
    r->heap = true;
    atomic_init(&r->done, 0);
    atomic_init(&r->claimed, 0);
    /* The queue entry's reference, and the handle's. */
    atomic_init(&r->refs, out != NULL ? 2 : 1);
    atomic_init(&r->helpers, 0);
    ck_ec32_init(&r->ec, 0);
    if (out != NULL)
        *out = j;
    ws__inject(p, r);
    ws__leave(p);
    return 0;
}

static bool ws__job_done_cb(void *arg)
{
    return ws__root_done(arg);
}

int ws_job_wait(ws_job *j)
{
    if (j == NULL)
        return -EINVAL;
    struct ws__root *r = &j->root;
    if (ws__root_done(r))
        return 0;
    struct ws_worker *self = ws__self;
    if (self != NULL && self->pool == r->pool) {
        /* Not started yet: run it here, however deep the waits nest. */
        if (ws__root_claim(r)) {
            ws__root_execute(self, r);
            return 0;
        }
        /* [J4] */
        atomic_fetch_add_explicit(&r->helpers, 1, memory_order_seq_cst);
        ws__help_until(self, ws__job_done_cb, r);
        /* relaxed: a stale count only costs the completer a spurious
         * ws__wake_all() after [J1]. */
        atomic_fetch_sub_explicit(&r->helpers, 1, memory_order_relaxed);
        return 0;
    }
    for (;;) {
        uint32_t v = ck_ec32_value(&r->ec);
        if (ws__root_done(r))
            return 0;
        ck_ec32_wait(&r->ec, &ws__ec_mode, v, NULL);
    }
}

int ws_job_poll(const ws_job *j)
{
    if (j == NULL)
        return -EINVAL;
    return ws__root_done(&j->root) ? 1 : 0;
}

void ws_job_release(ws_job *j)
{
    if (j != NULL)
        ws__job_unref(j);
}
