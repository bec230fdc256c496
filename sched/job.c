/*
 * job.c - entry from any thread: ws_run (run and wait), ws_submit (a job
 * handle to wait on or poll) and ws_post (a caller-owned task, no
 * allocation); admission and the pool's count of unfinished frames.
 *
 * Admission
 * ---------
 * One 32-bit word, `gate`, holds a CLOSED bit and a count: every frame
 * admitted and not yet finished counts 1, and every caller inside an entry
 * call counts 1 while it touches the pool. An entry adds 2 by CAS unless
 * CLOSED is set ([G1]); the caller drops its own 1 after its last access to
 * the pool ([G2]), and the worker that finishes the frame drops the frame's
 * ([G2] in ws__gate_leave, called by the worker loop). ws_pool_destroy sets
 * CLOSED with one RMW ([G4]), so admission stops at once: an entry either
 * came earlier in the word's modification order (and is counted) or sees
 * CLOSED. Then it waits for the count to reach zero ([G3]): every admitted
 * frame has run exactly once and no caller still touches the pool. The
 * count can only fall once CLOSED is set, so the wait ends as soon as the
 * admitted frames are done, however many callers keep trying.
 * sched/shutdown.pml models this protocol for the model checker spin.
 *
 * The count doubles as the workers' hint that roots may be queued: zero
 * means nothing is, so an idle worker skips the inboxes (worker.c).
 *
 * Completion
 * ----------
 * A root (ws_run's frame on the caller's stack, or a ws_submit job on the
 * heap) is a ws_task whose body, ws__root_run, runs the user's function and
 * then sets DONE in the frame's state word with one RMW ([J1]). The old
 * value says who must be woken: outside waiters sleep on the state word
 * itself (a futex), and workers of the pool waiting in ws_job_wait (which
 * run other work meanwhile and park as idle workers do) set HELPERS. After
 * [J1] the completer touches the frame no more: the futex wake uses only its
 * address (FUTEX_WAKE on a private futex reads no memory, and a spurious
 * wake-up of whatever waits there later is harmless: every futex wait here
 * re-checks its word), so a ws_run frame may be gone already. Each frame
 * has its own word: a completion wakes its own waiters, not every thread in
 * ws_run (the pool-wide event count this replaces was woken with INT_MAX
 * on every completion).
 *
 * A worker that waits for a job of its own pool which has not started runs
 * it at once: it claims the job ([J5]) and runs it inline; the queue entry,
 * when a worker pops it, finds the job claimed and only drops its
 * reference. Without that, a chain of jobs each waiting for the next would
 * need a worker free to pop each one, and on a small pool the chain can be
 * deeper than the pool. Jobs live on the heap with references for the
 * handle, the queue entry and each waiter, so a claimed entry can still be
 * popped after its job finished, and ws_job_release may overlap a wait.
 *
 *  [G1] seq_cst CAS adding 2 unless CLOSED; seq_cst so that it precedes the
 *       push in the order S that park.c's sleepers rely on (a sleeper that
 *       reads the count as 0 after its fence must not miss the push)
 *  [G2] release decrement; pairs with [G3]: the caller's accesses and the
 *       frame's effects happen before destroy frees the pool
 *  [G3] acquire load of the count in ws_pool_destroy; pairs with [G2]
 *  [G4] seq_cst fetch_or CLOSED; ordered against [G1] by the word's RMW order
 *  [G5] relaxed load of the count: a hint for idle workers (see above)
 *  [J1] release fetch_or DONE; pairs with [J2]: the function's effects are
 *       visible to the waiter; its old value is ordered after [J4]/[J6] by
 *       the word's RMW order
 *  [J2] acquire loads of the state; pairs with [J1]
 *  [J4] acquire CAS setting SLEEPERS; the RMW order on the word decides
 *       whether [J1] sees it (then it wakes) or it sees DONE, and when it
 *       fails because DONE is set it pairs with [J1] as [J2] does
 *  [J6] relaxed fetch_or HELPERS; likewise
 *  [J5] acq_rel exchange of claimed: exactly one runner; the winner sees
 *       the submitter's writes (released through the queue, or its own)
 *  refs: relaxed increments by holders of a reference; acq_rel decrements,
 *       so the last owner sees every write before free
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pool.h"

#define WS__GATE_CLOSED ((uint32_t)1 << 31)
#define WS__GATE_MAX    ((uint32_t)1 << 30) /* frames and callers at once */

#define WS__R_DONE     ((uint32_t)1)
#define WS__R_SLEEPERS ((uint32_t)2) /* outside threads sleep on the word */
#define WS__R_HELPERS  ((uint32_t)4) /* workers of the pool wait, parked as idle */
#define WS__R_CANCELED ((uint32_t)8) /* with DONE: ws_pool_cancel() ran it not */

struct ws__root {
    ws_task task; /* first: queued as a ws_task whose body is ws__root_run */
    ws_fn fn;
    void *arg;
    struct ws_pool *pool;
    _Atomic uint32_t state;   /* WS__R_*: a futex word */
    _Atomic uint32_t claimed; /* [J5]: someone runs it */
    _Atomic uint32_t refs;    /* jobs only */
    bool heap;
};

struct ws_job {
    struct ws__root root;
};

static void ws__futex_wait(_Atomic uint32_t *word, uint32_t expected)
{
    /* Any return is fine: every caller re-checks its word. */
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, expected, NULL, NULL, 0);
}

/* Reads no memory at word: it may already be freed (see the top). */
static void ws__futex_wake_all(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Admission                                                          */

int ws__gate_enter(struct ws_pool *p)
{
    /* relaxed: validated by [G1]. */
    uint32_t v = atomic_load_explicit(&p->gate, memory_order_relaxed);
    do {
        if (v & WS__GATE_CLOSED)
            return -ESHUTDOWN;
        if ((v & ~WS__GATE_CLOSED) > WS__GATE_MAX - 2)
            return -EAGAIN;
        /* [G1] */
    } while (!atomic_compare_exchange_weak_explicit(&p->gate, &v, v + 2, memory_order_seq_cst,
                                                    memory_order_relaxed));
    return 0;
}

void ws__gate_leave(struct ws_pool *p, uint32_t n)
{
    /* [G2]: after this the pool may be freed; the wake reads no memory. */
    uint32_t old = atomic_fetch_sub_explicit(&p->gate, n, memory_order_release);
    if (old - n == WS__GATE_CLOSED)
        ws__futex_wake_all(&p->gate);
}

bool ws__gate_busy(struct ws_pool *p)
{
    /* [G5] */
    return (atomic_load_explicit(&p->gate, memory_order_relaxed) & ~WS__GATE_CLOSED) != 0;
}

void ws__gate_close_and_wait(struct ws_pool *p)
{
    /* [G4] */
    atomic_fetch_or_explicit(&p->gate, WS__GATE_CLOSED, memory_order_seq_cst);
    /* Armed waits may never complete by themselves: complete them now
     * (-ECANCELED), as tasks; arming after this sees the reactor closed. */
    ws__reactor_cancel_all(p);
    for (;;) {
        /* [G3] */
        uint32_t v = atomic_load_explicit(&p->gate, memory_order_acquire);
        if (v == WS__GATE_CLOSED)
            return;
        ws__futex_wait(&p->gate, v);
    }
}

/* Which inbox an outside caller uses: a hash of its stack's address, so a
 * thread keeps to one inbox and threads spread over them. */
unsigned ws__inbox_index_for_caller(struct ws_pool *p)
{
    uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    uint64_t h = (sp >> 16) * 0x9e3779b97f4a7c15ull;
    return (unsigned)(((h >> 32) * p->nworkers) >> 32);
}

static struct ws__inbox *ws__inbox_for_caller(struct ws_pool *p)
{
    return &p->workers[ws__inbox_index_for_caller(p)].inbox;
}

/* Queues an admitted frame and wakes a worker for it. */
static void ws__enqueue(struct ws_pool *p, ws_task *t)
{
    struct ws_worker *self = ws__self;
    if (self != NULL && self->pool == p && ws__rootq_push_owner(&self->rq, t)) {
        ws__wake_one(p); /* after a release store: the fence is needed */
        return;
    }
    ws__inbox_push(self != NULL && self->pool == p ? &self->inbox : ws__inbox_for_caller(p), t,
                   ws__hooks(p));
    ws__wake_one_after_rmw(p); /* [I2] was a seq_cst RMW */
}

/* ------------------------------------------------------------------ */
/* Roots and jobs                                                     */

static void ws__job_unref(struct ws_job *j)
{
    /* acq_rel: the last one to drop a reference sees all writes to the job. */
    if (atomic_fetch_sub_explicit(&j->root.refs, 1, memory_order_acq_rel) == 1)
        free(j);
}

/* Signals a claimed root's completion (DONE, and CANCELED if it did not run). */
static void ws__root_finish(struct ws__root *r, uint32_t done)
{
    struct ws_pool *p = r->pool;
    /* [J1]: after this, the frame may be gone (a ws_run frame). */
    uint32_t old = atomic_fetch_or_explicit(&r->state, done, memory_order_release);
    if (old & WS__R_SLEEPERS)
        ws__futex_wake_all(&r->state);
    if (old & WS__R_HELPERS)
        ws__wake_all(p); /* rare: a worker waits on a job of its own pool */
}

/* Runs a claimed root and signals its completion. */
static void ws__root_execute(struct ws_worker *w, ws_head h, struct ws__root *r)
{
    r->fn(w, h, r->arg);
    /* relaxed, released by [J1]: the count includes the root's own spawns
     * by the time its waiter returns. */
    atomic_store_explicit(&w->stats.spawns, w->dq.own.nspawn, memory_order_relaxed);
    ws__root_finish(r, WS__R_DONE);
}

static bool ws__root_claim(struct ws__root *r)
{
    /* [J5] */
    return atomic_exchange_explicit(&r->claimed, 1, memory_order_acq_rel) == 0;
}

static void ws__root_run(ws_worker *w, ws_head h, ws_task *t)
{
    struct ws__root *r = WS_CONTAINER_OF(t, struct ws__root, task);
    bool heap = r->heap;
    if (ws__root_claim(r))
        ws__root_execute(w, h, r);
    if (heap)
        ws__job_unref(WS_CONTAINER_OF(r, struct ws_job, root)); /* the queue's reference */
}

static void ws__root_init(struct ws__root *r, struct ws_pool *p, ws_fn fn, void *arg, bool heap,
                          uint32_t refs)
{
    r->task.ws__fn = ws__root_run;
    r->fn = fn;
    r->arg = arg;
    r->pool = p;
    r->heap = heap;
    atomic_init(&r->state, 0);
    atomic_init(&r->claimed, 0);
    atomic_init(&r->refs, refs);
}

static bool ws__root_done(const struct ws__root *r)
{
    /* [J2] */
    return atomic_load_explicit(&((struct ws__root *)r)->state, memory_order_acquire) & WS__R_DONE;
}

/* A finished root's outcome: 0, or -ECANCELED. */
static int ws__root_status(const struct ws__root *r)
{
    /* relaxed: read after [J2] saw DONE, which the same RMW set. */
    return atomic_load_explicit(&((struct ws__root *)r)->state, memory_order_relaxed) &
                   WS__R_CANCELED
               ? -ECANCELED
               : 0;
}

/* An outside thread: sleeps on the frame's state word until DONE. */
static void ws__root_sleep(struct ws__root *r)
{
    /* [J2] */
    uint32_t s = atomic_load_explicit(&r->state, memory_order_acquire);
    while (!(s & WS__R_DONE)) {
        /* [J4]; acquire, as [J2], because a failed CAS may be what sees DONE. */
        if (!(s & WS__R_SLEEPERS) &&
            !atomic_compare_exchange_weak_explicit(&r->state, &s, s | WS__R_SLEEPERS,
                                                   memory_order_acquire, memory_order_acquire))
            continue;
        ws__futex_wait(&r->state, s | WS__R_SLEEPERS);
        s = atomic_load_explicit(&r->state, memory_order_acquire); /* [J2] */
    }
}

int ws_run(ws_pool *p, ws_fn fn, void *arg)
{
    if (p == NULL || fn == NULL)
        return -EINVAL;
    struct ws_worker *self = ws__self;
    if (self != NULL && self->pool == p) {
        /* Nested in a task, whose head we were not given: it is found in
         * the deque (ws__deque_find_head), and fn runs on top of it. */
        fn(self, ws__enter_find(self), arg);
        return 0;
    }
    int err = ws__gate_enter(p);
    if (err != 0)
        return err;
    struct ws__root r;
    ws__root_init(&r, p, fn, arg, false, 0);
    ws__enqueue(p, &r.task);
    ws__gate_leave(p, 1); /* the frame's count is dropped by the worker that runs it */
    ws__root_sleep(&r);
    return ws__root_status(&r);
}

int ws_submit(ws_pool *p, ws_job **out, ws_fn fn, void *arg)
{
    if (out != NULL)
        *out = NULL;
    if (p == NULL || fn == NULL)
        return -EINVAL;
    int err = ws__gate_enter(p);
    if (err != 0)
        return err;
    struct ws_job *j = malloc(sizeof(*j));
    if (j == NULL) {
        ws__gate_leave(p, 2);
        return -ENOMEM;
    }
    /* The queue entry's reference, and the handle's. */
    ws__root_init(&j->root, p, fn, arg, true, out != NULL ? 2 : 1);
    if (out != NULL)
        *out = j;
    ws__enqueue(p, &j->root.task);
    ws__gate_leave(p, 1);
    return 0;
}

int ws_post(ws_pool *p, ws_task *t, ws_task_fn fn)
{
    if (p == NULL || t == NULL || fn == NULL)
        return -EINVAL;
    int err = ws__gate_enter(p);
    if (err != 0)
        return err;
    t->ws__fn = fn;
    ws__enqueue(p, t);
    ws__gate_leave(p, 1);
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
        return ws__root_status(r);
    /* relaxed: the caller's handle keeps the job alive until here; the
     * waiter's own reference lets a release overlap the wait. */
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    struct ws_worker *self = ws__self;
    if (self != NULL && self->pool == r->pool) {
        /* Not started yet: run it here, however deep the waits nest. We
         * are in a task whose head we were not given: it is found. */
        ws_head h = ws__enter_find(self);
        if (ws__root_claim(r)) {
            ws__root_execute(self, h, r);
        } else {
            /* [J6] */
            atomic_fetch_or_explicit(&r->state, WS__R_HELPERS, memory_order_relaxed);
            ws__help_until(self, ws__job_done_cb, r);
        }
    } else {
        ws__root_sleep(r);
    }
    int status = ws__root_status(r);
    ws__job_unref(j);
    return status;
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

/* ------------------------------------------------------------------ */
/* Cancellation                                                       */

/* A queued frame that will not run: its owner learns it exactly once. */
static void ws__cancel_frame(struct ws_pool *p, ws_task *t)
{
    if (t->ws__fn == ws__root_run) {
        struct ws__root *r = WS_CONTAINER_OF(t, struct ws__root, task);
        bool heap = r->heap;
        if (ws__root_claim(r)) /* lost: a waiting worker runs it inline */
            ws__root_finish(r, WS__R_DONE | WS__R_CANCELED);
        if (heap)
            ws__job_unref(WS_CONTAINER_OF(r, struct ws_job, root)); /* the queue's reference */
    } else {
        t->ws__fn(NULL, NULL, t); /* a posted task: w == NULL says "cancelled" */
    }
    ws__gate_leave(p, 1); /* the frame's count */
}

int ws_pool_cancel(ws_pool *p)
{
    if (p == NULL)
        return -EINVAL;
    /* [G4] */
    atomic_fetch_or_explicit(&p->gate, WS__GATE_CLOSED, memory_order_seq_cst);
    /* Armed waits complete with -ECANCELED, as tasks (queued below: they
     * are then cancelled here too, with w NULL, or run first). */
    int n = ws__reactor_cancel_all(p);
    for (unsigned i = 0; i < p->nworkers; i++) {
        struct ws_worker *v = &p->workers[i];
        ws_task *t = ws__inbox_take(&v->inbox);
        while (t != NULL) {
            ws_task *next = t->ws__link;
            n += !ws__reactor_owns(t); /* the waits were counted above */
            ws__cancel_frame(p, t);
            t = next;
        }
        while (ws__rootq_nonempty(&v->rq)) {
            if ((t = ws__rootq_pop(&v->rq)) != NULL) { /* NULL: a worker won it */
                n += !ws__reactor_owns(t);
                ws__cancel_frame(p, t);
            }
        }
    }
    return n;
}
