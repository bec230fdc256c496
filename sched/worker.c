/*
 * worker.c - the worker loop: slow paths of spawn and sync, stealing,
 * waiting for stolen children (leapfrogging), and going idle.
 *
 * A stolen task's completion
 * --------------------------
 * The owner of a public task initialised its state word when it published
 * it ([P0] in deque.c): owner id, no thief, not done. The thief records its
 * id ([X1]), runs the task, then sets DONE with a release RMW ([X2]); after
 * [X2] it never touches the frame again, because the owner may return and
 * pop it off its stack. The owner, whose take failed, reads the word with
 * acquire ([W1]): once it sees DONE, the task's results are visible. While
 * waiting it steals from the thief first (leapfrogging), then from anyone
 * if fewer than WS__WAIT_NEST_MAX waits are already nested on its stack;
 * either only while a quarter of its stack is left (ws__may_nest: the bound
 * on helping is in bytes, see sched/README.md). With nothing to
 * do it sets SLEEPER by CAS ([W2], only once the thief id is known, since
 * [X1] is a plain store) and parks; a thief that sees SLEEPER in the value
 * its [X2] replaced wakes the owner.
 *
 *  [X1] relaxed store of the thief id: a leapfrog hint; no data rides on it,
 *       and the owner writes the word only after seeing it.
 *  [X2] release fetch_or DONE; pairs with [W1]. Its old value tells the
 *       thief whether to wake the owner ([W2] happened before it).
 *  [W1] acquire load of the state; pairs with [X2].
 *  [W2] seq_cst CAS setting SLEEPER; ordered against [X2] by the RMW order
 *       on the word: the one that comes second sees the other.
 */
#define CK_BACKOFF_CEILING ((1u << 13) - 1)
#include <ck_backoff.h>

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

#include "pool.h"
#include "rng.h"

#define WS__BACKOFF_MIN 64u
/* Spins of a back-off between two looks for work (see ws__idle_pause). */
#define WS__WATCH_EVERY 16u
/* Waits nested on one worker's stack beyond which it only leapfrogs. */
#define WS__WAIT_NEST_MAX 32u

_Thread_local struct ws_worker *ws__self WS__TLS_IE;

static uint64_t ws__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t ws__rand(struct ws_worker *w)
{
    return (uint32_t)(ws__xorshift64s(&w->rng) >> 32);
}

static bool ws__exiting(struct ws_pool *p)
{
    /* [E1] acquire: pairs with [E0] in ws_pool_destroy(). */
    return atomic_load_explicit(&p->exit, memory_order_acquire) != 0;
}

size_t ws_worker_stack_left(const ws_worker *w)
{
    if (w == NULL)
        return 0;
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    return w->stack_lo != 0 && sp > w->stack_lo ? sp - w->stack_lo : SIZE_MAX;
}

/* May a waiter run other work on top of its stack? Only while a quarter of
 * the stack is left (see sched/README.md, "How deep helping goes"). */
static bool ws__may_nest(struct ws_worker *w)
{
    return ws_worker_stack_left(w) >= w->pool->nest_reserve;
}

/* May it run any work, not only its thief's? Also only while fewer than
 * WS__WAIT_NEST_MAX such waits are nested. */
static bool ws__may_nest_any(struct ws_worker *w)
{
    return w->wait_depth <= WS__WAIT_NEST_MAX && ws__may_nest(w);
}

/* ------------------------------------------------------------------ */
/* Owner slow paths                                                   */

/* Serves thieves' demands (publishing the oldest private task, but never
 * the newest `keep`), makes room for the next spawn, and restores the fast
 * path's split and limit. */
static void ws__owner_slow(struct ws_worker *w, uint64_t keep)
{
    struct ws__deque *d = &w->dq;
    bool unserved = false;
    /* relaxed: a statistic with one writer (see ws__stat_add). */
    atomic_store_explicit(&w->stats.spawns, d->own.nspawn, memory_order_relaxed);
    /* Two rounds at most: a poison overwritten by the refresh means a
     * thief asked again meanwhile ([R1] makes its flag visible), so serve it
     * once more; looping further would race thieves that keep asking while
     * there is nothing to publish (a livelock). */
    for (int round = 0; round < 2; round++) {
        if (ws__deque_take_demand(d)) {
            if (ws__deque_publish_owner(d, keep)) {
                ws__stat_add(&w->stats.publishes, 1);
                ws__wake_one(w->pool);
                unserved = false;
            } else {
                unserved = true;
            }
        }
        if (ws__deque_refresh_owner(d) <= 0 || !ws__deque_demand_pending(d))
            break;
    }
    /* A request still pending, or one with nothing to publish yet: keep it,
     * so that the next spawn is published at once (a thief that asked may
     * be asleep by then). */
    if (unserved || ws__deque_demand_pending(d))
        ws__deque_rearm_demand(d);
}

void ws__run_task(struct ws_worker *w, ws_task *t)
{
    _Atomic(ws_task *) *h = w->dq.own.head;
    t->ws__fn(w, ws__head_of(h), t);
    w->dq.own.head = h; /* the body's own entries moved it; it is h again */
}

ws_head ws__spawn_slow(ws_worker *w, ws_head head)
{
    struct ws__deque *d = &w->dq;
    ws__enter(w, head);
    if (d->overflow) {
        /* The fast path wrote the task to the sink: keep it on the private
         * spill stack instead. */
        ws__deque_spill_sink(d);
    } else if (ws__deque_full(d)) {
        ws__deque_enter_overflow(d); /* this spawn filled the array's last slot */
    }
    ws__owner_slow(w, 0);
    return ws__head_of(d->own.head);
}

static void ws__wait_stolen(struct ws_worker *w, ws_task *t);

/* The slow path of ws_reclaim and ws_sync: 1 if the newest unsynced spawn
 * was taken back unrun (the caller runs it), 0 once a thief has finished
 * it. `expect` is that spawn if the caller knows it (ws_sync), for
 * assertions; NULL from ws_reclaim. */
static int ws__reclaim(struct ws_worker *w, ws_task *expect)
{
    struct ws__deque *d = &w->dq;
    ws_task *t;
    (void)expect;
    if (d->overflow) {
        ws_task *s = ws__deque_unspill(d);
        if (s != NULL) {
            assert((expect == NULL || s == expect) && "ws_sync: not the newest unsynced spawn");
            return 1;
        }
        /* Nothing spilled is left: this sync is for the task that filled the
         * array, and no task holds the sink as its head once it is synced. */
        ws__deque_leave_overflow(d);
    }
    ws__owner_slow(w, 1);
    assert((expect == NULL || ws__deque_empty_owner(d) || ws__deque_newest_owner(d) == expect) &&
           "ws_sync: not the newest unsynced spawn");
    if (ws__deque_pop_private_owner(d))
        return 1;
    if (!ws__deque_empty_owner(d)) {
        /* The newest task is public: race thieves for it. */
        t = ws__deque_newest_owner(d);
        bool got = ws__deque_take_owner(d);
        ws__owner_slow(w, 0); /* bottom moved: bring split back to it */
        if (got)
            return 1;
    } else {
        /* Stolen earlier: off the stolen list, where it is the newest. */
        t = ws__deque_pop_stolen_owner(d);
    }
    assert(t != NULL && (expect == NULL || t == expect) &&
           "ws_sync: not the newest unsynced spawn");
    ws__wait_stolen(w, t);
    return 0;
}

struct ws__reclaimed ws__reclaim_slow(ws_worker *w, ws_head head)
{
    ws__enter(w, head);
    int got = ws__reclaim(w, NULL);
    return (struct ws__reclaimed){ws__head_of(w->dq.own.head), got};
}

ws_head ws__sync_slow(ws_worker *w, ws_task *t, ws_head head)
{
    ws__enter(w, head);
    if (ws__reclaim(w, t))
        ws__run_task(w, t);
    return ws__head_of(w->dq.own.head);
}

ws_head ws_spawn_noinline(ws_worker *w, ws_head h, ws_task *t, ws_task_fn fn)
{
    return ws_spawn(w, h, t, fn);
}

ws_head ws_sync_noinline(ws_worker *w, ws_head h, ws_task *t)
{
    return ws_sync(w, h, t);
}

ws_head ws_reclaim_noinline(ws_worker *w, ws_head h, ws_task *t, int *mine)
{
    return ws_reclaim(w, h, t, mine);
}

/* ------------------------------------------------------------------ */
/* Stealing                                                           */

static ws_task *ws__try_steal(struct ws_worker *w, struct ws_worker *v)
{
    ws_task *x;
    switch (ws__deque_steal(&v->dq, &x)) {
    case WS__STEAL_OK:
        ws__stat_add(&w->stats.steals, 1);
        return x;
    case WS__STEAL_EMPTY:
        ws__deque_demand(&v->dq);
        break;
    case WS__STEAL_ABORT:
        break;
    }
    ws__stat_add(&w->stats.steal_fails, 1);
    return NULL;
}

/* The active spares, from a random one on, as victims of w. */
static ws_task *ws__steal_spares(struct ws_worker *w)
{
    struct ws_pool *p = w->pool;
    /* [M5] relaxed: a hint (blocking.c). */
    if (atomic_load_explicit(&p->spares_active, memory_order_relaxed) == 0)
        return NULL;
    int self = ws__spare_index(w);
    for (int s = -1; (s = ws__spare_next(p, s)) >= 0;) {
        if (s == self)
            continue;
        ws_task *x = ws__try_steal(w, &p->workers[p->nworkers + (unsigned)s]);
        if (x != NULL)
            return x;
    }
    return NULL;
}

/* One pass over all victims, level by level, from a random member of each;
 * then the active spares. A spare tries the workers in one level. */
static ws_task *ws__steal_round(struct ws_worker *w)
{
    struct ws_pool *p = w->pool;
    unsigned n = p->nworkers;
    if (ws__spare_index(w) >= 0) {
        unsigned start = ws__rand(w) % n;
        for (unsigned k = 0; k < n; k++) {
            ws_task *x = ws__try_steal(w, &p->workers[(start + k) % n]);
            if (x != NULL)
                return x;
        }
        return ws__steal_spares(w);
    }
    if (n < 2)
        return ws__steal_spares(w);
    const uint32_t *row = p->topo.victims + (size_t)w->id * (n - 1);
    const uint32_t *ends = p->topo.level_end + (size_t)w->id * n;
    unsigned begin = 0;
    for (unsigned l = 0; l < p->topo.nlevels[w->id]; l++) {
        unsigned len = ends[l] - begin;
        unsigned start = ws__rand(w) % len;
        for (unsigned k = 0; k < len; k++) {
            unsigned idx = start + k < len ? start + k : start + k - len;
            ws_task *x = ws__try_steal(w, &p->workers[row[begin + idx]]);
            if (x != NULL)
                return x;
        }
        begin = ends[l];
    }
    return ws__steal_spares(w);
}

/* Frames from outside: this worker's root queue, then every worker's inbox
 * (its own first) and root queue, then the active spares' root queues. */
static ws_task *ws__find_root(struct ws_worker *w)
{
    struct ws_pool *p = w->pool;
    if (!ws__gate_busy(p))
        return NULL; /* nothing admitted and unfinished: nothing queued */
    ws_task *x = ws__rootq_pop(&w->rq);
    if (x != NULL)
        return x;
    unsigned n = p->nworkers;
    for (unsigned k = 0, i = w->id % n; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
        struct ws_worker *v = &p->workers[i];
        ws_task *chain = ws__inbox_take(&v->inbox);
        if (chain != NULL) {
            bool more;
            x = ws__rootq_transfer_owner(&w->rq, chain, &w->inbox, ws__hooks(p), &more);
            if (more)
                ws__wake_one(p); /* the rest is in our root queue: share it */
            return x;
        }
        if (v != w && (x = ws__rootq_pop(&v->rq)) != NULL)
            return x;
    }
    /* [M5] relaxed: a hint (blocking.c). */
    if (atomic_load_explicit(&p->spares_active, memory_order_relaxed) != 0)
        for (int s = -1; (s = ws__spare_next(p, s)) >= 0;) {
            struct ws_worker *v = &p->workers[n + (unsigned)s];
            if (v != w && (x = ws__rootq_pop(&v->rq)) != NULL)
                return x;
        }
    return NULL;
}

ws_task *ws__find_work(struct ws_worker *w, bool allow_inject, bool *root)
{
    if (allow_inject) {
        ws_task *r = ws__find_root(w);
        if (r != NULL) {
            *root = true;
            return r;
        }
    }
    *root = false;
    return ws__steal_round(w);
}

void ws__run_stolen(struct ws_worker *w, ws_task *x)
{
    struct ws_pool *p = w->pool;
    /* relaxed: written at [P0], visible since [S3]. */
    uint64_t s = atomic_load_explicit(&x->ws__state, memory_order_relaxed);
    /* [X1] relaxed: see the header comment. */
    atomic_store_explicit(&x->ws__state, s | ((uint64_t)(w->id + 1) << WS__ST_THIEF_SHIFT),
                          memory_order_relaxed);
    ws__run_task(w, x);
    /* relaxed, then released by [X2]: the counter includes this task's
     * spawns by the time its owner can see it finished. */
    atomic_store_explicit(&w->stats.spawns, w->dq.own.nspawn, memory_order_relaxed);
    /* We are about to look for work (our deque is empty: x synced all its
     * children), and the owner, once it sees x done, goes on and likely
     * spawns again. Ask it now, before [X2], so that its next spawn is
     * published: asking after, as the search would, loses the race with
     * that spawn about half the time, and the spawn then stays private
     * until the owner's next spawn or sync (bench/micro/micro.c's
     * steal_latency counts such misses). [X2] releases the ask with x. */
    ws__deque_demand(&p->workers[(s >> WS__ST_OWNER_SHIFT) - 1].dq);
    /* [X2] release: the task's writes happen before the owner's [W1]. */
    uint64_t old = atomic_fetch_or_explicit(&x->ws__state, WS__ST_DONE, memory_order_release);
    if (old & WS__ST_SLEEPER)
        ws__wake_worker(&p->workers[(old >> WS__ST_OWNER_SHIFT) - 1]);
}

void ws__run_found(struct ws_worker *w, ws_task *x, bool root)
{
    if (root) {
        struct ws_pool *p = w->pool;
        ws__stat_add(&w->stats.injected, 1);
        /* A root signals its own completion; a posted task may free x. */
        ws__run_task(w, x);
        ws__gate_leave(p, 1); /* the frame's count ([G2] in job.c) */
    } else {
        ws__run_stolen(w, x);
    }
}

static bool ws__has_work(struct ws_worker *v)
{
    return ws__inbox_nonempty(&v->inbox) || ws__rootq_nonempty(&v->rq) ||
           ws__deque_has_public(&v->dq);
}

bool ws__work_visible(struct ws_pool *p)
{
    /* Every queued frame, and every public task (which belongs to a
     * running frame), is counted in the gate ([G1] is seq_cst: a sleeper's
     * look after its fence sees the count if it could see the push). */
    if (!ws__gate_busy(p))
        return false;
    for (unsigned i = 0; i < p->nworkers; i++)
        if (ws__has_work(&p->workers[i]))
            return true;
    /* [M5] relaxed: a hint; a spare's public tasks were published by it
     * after it was marked active, and a retiring spare hands its queued
     * frames to a worker's inbox before it is unmarked. */
    if (atomic_load_explicit(&p->spares_active, memory_order_relaxed) != 0)
        for (int s = -1; (s = ws__spare_next(p, s)) >= 0;)
            if (ws__has_work(&p->workers[p->nworkers + (unsigned)s]))
                return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Waiting                                                            */

/*
 * Between two failed steal rounds: a back-off of *bo spins, doubled for the
 * next time up to CK_BACKOFF_CEILING (as ck_backoff_eb), that ends as soon
 * as ready(w, arg) holds, which it checks every WS__WATCH_EVERY spins (every
 * nworkers in a larger pool). A thief that asked an owner to publish ([D1]
 * in deque.c) so sees the publication within a few spins instead of at the
 * end of a back-off of up to 8191 spins (microseconds). The watched words
 * (top, bottom, queue ends) are read, not written, so watching them costs
 * the owner nothing until it publishes. In an oversubscribed pool (more
 * workers than CPUs), spinning would hold a CPU that a descheduled worker
 * with work needs: there each back-off is one sched_yield() instead.
 */
static void ws__idle_pause(struct ws_worker *w, ck_backoff_t *bo,
                           bool (*ready)(struct ws_worker *, void *), void *arg)
{
    struct ws_pool *p = w->pool;
    if (p->oversubscribed) {
        sched_yield();
        return;
    }
    /* A look reads a few words of every worker: in a large pool, look less
     * often, so that looking does not outlast the spins. */
    unsigned n = *bo, every = p->nworkers > WS__WATCH_EVERY ? p->nworkers : WS__WATCH_EVERY;
    for (unsigned i = 0; i < n; i += every) {
        for (unsigned k = 0; k < every; k++)
            ck_pr_barrier(); /* ck_backoff_eb's spin, so a back-off lasts as long */
        if (ready(w, arg))
            break;
    }
    *bo = n << (n < CK_BACKOFF_CEILING);
}

/* Should a waiter for stolen t stay awake? Only for what it may take:
 * t done, work to leapfrog, or (if it may nest) any work. */
static bool ws__stolen_ready(struct ws_worker *w, void *arg)
{
    ws_task *t = arg;
    /* acquire: as [W1]. */
    uint64_t s = atomic_load_explicit(&t->ws__state, memory_order_acquire);
    if (s & WS__ST_DONE)
        return true;
    if (!ws__may_nest(w))
        return false;
    unsigned thief = (unsigned)((s & WS__ST_THIEF_MASK) >> WS__ST_THIEF_SHIFT);
    if (thief != 0 && ws__deque_has_public(&w->pool->workers[thief - 1].dq))
        return true;
    return w->wait_depth <= WS__WAIT_NEST_MAX && ws__work_visible(w->pool);
}

static void ws__wait_stolen(struct ws_worker *w, ws_task *t)
{
    struct ws_pool *p = w->pool;
    unsigned idle = 0;
    ck_backoff_t bo = WS__BACKOFF_MIN;
    uint64_t t0 = 0;
    w->wait_depth++;
    for (;;) {
        /* [W1] acquire: pairs with [X2]. */
        uint64_t s = atomic_load_explicit(&t->ws__state, memory_order_acquire);
        if (s & WS__ST_DONE)
            break;
        unsigned thief = (unsigned)((s & WS__ST_THIEF_MASK) >> WS__ST_THIEF_SHIFT);
        ws_task *x = NULL;
        bool nest = ws__may_nest(w);
        if (thief != 0 && nest) {
            x = ws__try_steal(w, &p->workers[thief - 1]);
            if (x != NULL)
                ws__stat_add(&w->stats.leapfrogs, 1);
        }
        if (x == NULL && nest && w->wait_depth <= WS__WAIT_NEST_MAX)
            x = ws__steal_round(w);
        if (x != NULL) {
            if (t0 != 0) {
                ws__stat_add(&w->stats.idle_ns, ws__now_ns() - t0);
                t0 = 0;
            }
            ws__run_stolen(w, x);
            idle = 0;
            bo = WS__BACKOFF_MIN;
            continue;
        }
        if (t0 == 0)
            t0 = ws__now_ns();
        if (++idle < p->spin_rounds || thief == 0) {
            ws__idle_pause(w, &bo, ws__stolen_ready, t);
            continue;
        }
        /* [W2] seq_cst: see the header comment. */
        if (atomic_compare_exchange_strong_explicit(&t->ws__state, &s, s | WS__ST_SLEEPER,
                                                    memory_order_seq_cst, memory_order_relaxed))
            ws__park(w, ws__stolen_ready, t);
        idle = 0;
        bo = WS__BACKOFF_MIN;
    }
    if (t0 != 0)
        ws__stat_add(&w->stats.idle_ns, ws__now_ns() - t0);
    w->wait_depth--;
}

struct ws__help {
    bool (*done)(void *);
    void *arg;
};

/* Should a helper stay awake? Only for what it may take (as above). */
static bool ws__help_ready(struct ws_worker *w, void *arg)
{
    struct ws__help *h = arg;
    return h->done(h->arg) || (ws__may_nest_any(w) && ws__work_visible(w->pool));
}

void ws__help_until(struct ws_worker *w, bool (*done)(void *), void *arg)
{
    struct ws_pool *p = w->pool;
    struct ws__help h = {done, arg};
    unsigned idle = 0;
    ck_backoff_t bo = WS__BACKOFF_MIN;
    w->wait_depth++;
    while (!done(arg)) {
        bool root = false;
        ws_task *x = ws__may_nest_any(w) ? ws__find_work(w, true, &root) : NULL;
        if (x != NULL) {
            ws__run_found(w, x, root);
            idle = 0;
            bo = WS__BACKOFF_MIN;
        } else if (++idle < p->spin_rounds) {
            ws__idle_pause(w, &bo, ws__help_ready, &h);
        } else {
            ws__park(w, ws__help_ready, &h);
            idle = 0;
            bo = WS__BACKOFF_MIN;
        }
    }
    w->wait_depth--;
}

/* ------------------------------------------------------------------ */
/* The worker thread                                                  */

static bool ws__idle_ready(struct ws_worker *w, void *arg)
{
    (void)arg;
    struct ws_pool *p = w->pool;
    /* [M4] relaxed: a spare with a permit too many retires instead of
     * sleeping, so that it can be handed the next one. */
    return ws__exiting(p) || ws__work_visible(p) ||
           (ws__spare_index(w) >= 0 && atomic_load_explicit(&p->permits, memory_order_relaxed) < 0);
}

/* May the last searcher, which found work, leave the Go rule's wake-up to
 * the found task's first spawn? Only if it did not just leave the poller's
 * role, no wait is armed, no spare is active, every other worker is asleep
 * (so no busy deque holds private work that needs a thief to ask) and no
 * work is visible. Each look is a hint: a wrong "yes" costs parallelism
 * until the task spawns, never liveness (whoever makes work visible wakes
 * a sleeper); a wrong "no" costs one wake-up, as before. */
static bool ws__may_defer_wake(struct ws_worker *w, bool left_poller)
{
    struct ws_pool *p = w->pool;
    if (left_poller || ws__spare_index(w) >= 0)
        return false;
    /* relaxed: hints, as above ([Y1] and [M5] are read the same way). */
    if (atomic_load_explicit(&p->reactor.armed, memory_order_relaxed) != 0 ||
        atomic_load_explicit(&p->spares_active, memory_order_relaxed) != 0)
        return false;
    if (ws__sleepers_among(&p->sleepers, p->nworkers, w->id) != p->nworkers - 1)
        return false;
    return !ws__work_visible(p);
}

/* Adds d to the count of searchers (and of searching workers, for a
 * worker that is not a spare); returns the count before. relaxed: hints
 * that steer wake-ups and ws_blocking's choice (blocking.c's [M8]); a
 * sleeper rechecks for work after [K2], so a wake-up they make us miss is
 * caught there. ws_blocking reads searching_workers alone: a difference of
 * two counters read at two moments could show a worker searching when only
 * a spare was (a review's probe: 6 whole-call stalls in 200,000 calls). */
static uint32_t ws__searching_add(struct ws_worker *w, int32_t d)
{
    struct ws_pool *p = w->pool;
    if (ws__spare_index(w) < 0)
        atomic_fetch_add_explicit(&p->searching_workers, (uint32_t)d, memory_order_relaxed);
    return atomic_fetch_add_explicit(&p->searching, (uint32_t)d, memory_order_relaxed);
}

void ws__idle_loop(struct ws_worker *w)
{
    struct ws_pool *p = w->pool;
    for (;;) {
        uint64_t t0 = ws__now_ns();
        /* relaxed: a statistic with one writer (see ws__stat_add). */
        atomic_store_explicit(&w->stats.spawns, w->dq.own.nspawn, memory_order_relaxed);
        ws__searching_add(w, 1);
        ws_task *x = NULL;
        bool root = false, left_poller = false;
        unsigned rounds = 0;
        ck_backoff_t bo = WS__BACKOFF_MIN;
        while (!ws__exiting(p) && !ws__spare_retire(w)) {
            x = ws__find_work(w, true, &root);
            if (x != NULL)
                break;
            ws__reactor_poll(w); /* armed waits: look for events between rounds */
            if (++rounds < p->spin_rounds) {
                ws__idle_pause(w, &bo, ws__idle_ready, NULL);
                continue;
            }
            ws__searching_add(w, -1);
            left_poller = ws__park(w, ws__idle_ready, NULL);
            ws__searching_add(w, 1);
            rounds = 0;
            bo = WS__BACKOFF_MIN;
        }
        /* At worst one wake-up too many or few (see ws__searching_add). */
        uint32_t before = ws__searching_add(w, -1);
        ws__stat_add(&w->stats.idle_ns, ws__now_ns() - t0);
        if (x == NULL)
            return; /* exiting, or a spare that retired */
        /* The last searcher found work: a sleeper should keep looking, in
         * case there is more (the rule of Go's scheduler), and, with waits
         * armed, take over epoll_wait if we held it (reactor.c). Only when
         * the pool was wholly asleep with nothing else in sight can more
         * come from the task we found alone: then its first spawn is
         * published at once, and the publication wakes a sleeper
         * (ws__owner_slow). Waking at once there would put a futex wake-up
         * (~10 us on a VM, whose idle vCPU takes an IPI) between finding
         * a job and running it, for a job that may never spawn. */
        if (before == 1) {
            if (ws__may_defer_wake(w, left_poller))
                ws__deque_rearm_demand(&w->dq);
            else
                ws__wake_one(p);
        }
        ws__run_found(w, x, root);
        /* A busy pool polls too, so that events are not left waiting for
         * an idle worker (Tokio's workers do likewise, every 61 tasks). */
        if (++w->since_poll >= 32) {
            w->since_poll = 0;
            ws__reactor_poll(w);
        }
    }
}

/* The lowest address of this thread's stack that a frame may use (above
 * the guard), or 0 if pthread cannot say. */
static uintptr_t ws__stack_low(void)
{
    pthread_attr_t a;
    void *lo;
    size_t size, guard = 0;
    if (pthread_getattr_np(pthread_self(), &a) != 0)
        return 0;
    int err = pthread_attr_getstack(&a, &lo, &size);
    pthread_attr_getguardsize(&a, &guard);
    pthread_attr_destroy(&a);
    return err == 0 ? (uintptr_t)lo + guard : 0;
}

void ws__worker_enter(struct ws_worker *w)
{
    ws__self = w;
    w->stack_lo = ws__stack_low();
}

void ws__worker_leave(struct ws_worker *w)
{
    /* relaxed: a statistic; ws_pool_destroy reads it after pthread_join
     * (a spare's, after its [M6]). */
    atomic_store_explicit(&w->stats.spawns, w->dq.own.nspawn, memory_order_relaxed);
    ws__self = NULL;
}

void *ws__worker_main(void *arg)
{
    struct ws_worker *w = arg;
    struct ws_pool *p = w->pool;
    ws__worker_enter(w);
    w->bind_err = ws__topo_bind(&p->topo, w->id);
    /* [B1] release: publishes bind_err; pairs with [B2] in ws_pool_create(). */
    atomic_fetch_add_explicit(&p->started, 1, memory_order_release);
    ck_ec32_inc(&p->ext, &ws__ec_mode);
    uint32_t go;
    for (;;) {
        uint32_t v = ck_ec32_value(&p->ext);
        /* [B3] acquire: pairs with [B4]; pin_error is visible. */
        go = atomic_load_explicit(&p->go, memory_order_acquire);
        if (go != 0)
            break;
        ck_ec32_wait(&p->ext, &ws__ec_mode, v, NULL);
    }
    if (go == 1) {
        if (p->pin_error != 0)
            ws__topo_unbind(&p->topo);
        ws__idle_loop(w);
    }
    ws__worker_leave(w);
    return NULL;
}

void ws__publish_all(struct ws_worker *w)
{
    struct ws__deque *d = &w->dq;
    bool any = false;
    while (ws__deque_publish_owner(d, 0))
        any = true;
    if (!any)
        return;
    ws__stat_add(&w->stats.publishes, 1);
    ws__owner_slow(w, 0); /* split back to bottom, and any demand served */
    ws__wake_one(w->pool);
}
