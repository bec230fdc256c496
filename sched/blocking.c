/*
 * blocking.c - managed blocking: ws_blocking() and the spare threads that
 * keep the pool at its configured parallelism while a worker blocks.
 *
 * Theory
 * ------
 * A worker about to block publishes its private tasks (so nothing waits
 * behind the block) and, unless another worker (not a spare, which may be
 * about to retire) is idle (then the pool still has a thread free to run
 * whatever comes), hands its permit to run
 * to a spare: an idle spare thread, or a new one in a free spare slot. A spare is a worker like any
 * other, in a slot of its own after the pool's workers: its own deque and
 * root queue, a victim and a thief. When fn returns, the blocked worker
 * goes on at once (its frames are on its stack) and overdraws the permits
 * by one and wakes an active spare (one asleep as an idle worker would
 * otherwise keep its permit); the first spare to reach an idle point while
 * permits are overdrawn gives one back and retires. Retired spares wait to be handed a
 * permit again, and exit after `spare_keepalive_ms` without one.
 *
 * Frames never move. The blocked worker's deque stays its own: it only
 * publishes tasks (the deque's ordinary publish, a release store of
 * bottom), which thieves, spares among them, then steal by the ordinary
 * Chase-Lev protocol; when it returns it syncs them as after any steal. So
 * the deque's exactly-once argument (sched/README.md) covers every frame,
 * and a spare only ever runs frames it stole or spawned itself. A spare
 * retires only from its idle loop, where its own deque is empty; frames left
 * in its root queue or inbox go to a worker's inbox before it leaves the set
 * of active spares, whose root queues thieves scan.
 *
 * Permits: `permits` is minus the number of threads running beyond the
 * configured parallelism. A hand-off leaves it unchanged (the spare now
 * holds the blocked worker's permit); the blocked worker's return
 * decrements it; a retiring spare increments it by CAS, only while it is
 * negative. Between the return and the retirement the pool runs one thread
 * too many, as Java's ForkJoinPool does after managedBlock.
 *
 * States of a spare slot (`spare`):
 *   FREE    no thread;          -> ACTIVE by an activator, which starts one
 *   IDLE    a retired thread;   -> ACTIVE by an activator, which wakes it;
 *                                  -> FREE by the thread itself on time-out
 *   ACTIVE  running as a worker -> IDLE by the thread itself (retire)
 * Every transition is a CAS, so an activator and a timing-out spare cannot
 * both win.
 *
 * Atomics and their pairs
 * -----------------------
 *  [M1] acq_rel CAS of a slot's state by an activator: its writes to the
 *       slot (first use: the deque) happen before the spare runs; pairs
 *       with [M2]
 *  [M2] acquire load of its own state by a waiting spare; pairs with [M1]
 *  [M3] release CAS of its own state by a spare (retire, time-out): its
 *       last writes to the slot happen before an activator's [M1]
 *  [M4] relaxed RMWs of permits: a count that steers retirement; no data
 *       rides on it
 *  [M5] RMWs of spare_mask and spares_active: hints for thieves, which
 *       find an empty deque if they look too early or too late; setting a
 *       bit is a release and ws__spare_next() reads with acquire, so the
 *       slot's queues, made on its first use before the bit is set, are
 *       initialised for a thief that finds the bit (until c9e662e the bit
 *       came first: a formal race with the init's plain stores, found by
 *       a review); the rest relaxed
 *  [M6] release decrement of spares_live by an exiting spare; pairs with
 *       [M7]: its last accesses to the pool happen before the free
 *  [M7] acquire load of spares_live in ws__spares_stop
 *  [M8] relaxed loads of searching_workers and the workers' sleeper bits:
 *       a hint (see ws__some_worker_idle)
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

#define WS__SPARE_FREE   0u
#define WS__SPARE_IDLE   1u
#define WS__SPARE_ACTIVE 2u

int ws__spares_init(struct ws_pool *p)
{
    unsigned m = p->nslots - p->nworkers;
    p->spare_words = (m + 63) / 64;
    p->spare_mask = calloc(p->spare_words ? p->spare_words : 1, sizeof(*p->spare_mask));
    if (p->spare_mask == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < p->spare_words; i++)
        atomic_init(&p->spare_mask[i], 0);
    atomic_init(&p->permits, 0);
    atomic_init(&p->spares_active, 0);
    atomic_init(&p->spares_live, 0);
    atomic_init(&p->spares_used, 0);
    return 0;
}

void ws__spares_destroy(struct ws_pool *p)
{
    free(p->spare_mask);
    p->spare_mask = NULL;
}

int ws__spare_next(struct ws_pool *p, int after)
{
    unsigned s = (unsigned)(after + 1);
    for (unsigned i = s / 64; i < p->spare_words; i++) {
        /* [M5]; acquire: pairs with the release in ws__spare_mark(), so the
         * queues of a slot whose bit we see are initialised. */
        uint64_t m = atomic_load_explicit(&p->spare_mask[i], memory_order_acquire);
        if (i == s / 64)
            m &= ~(uint64_t)0 << (s % 64);
        if (m != 0)
            return (int)(i * 64 + (unsigned)__builtin_ctzll(m));
    }
    return -1;
}

static void ws__spare_mark(struct ws_pool *p, int s, bool active)
{
    uint64_t bit = (uint64_t)1 << (s % 64);
    /* [M5] */
    if (active) {
        /* release: the slot's queues, initialised before, are visible to a
         * thief that finds the bit with ws__spare_next()'s acquire. */
        atomic_fetch_or_explicit(&p->spare_mask[s / 64], bit, memory_order_release);
        atomic_fetch_add_explicit(&p->spares_active, 1, memory_order_relaxed);
    } else {
        atomic_fetch_and_explicit(&p->spare_mask[s / 64], ~bit, memory_order_relaxed);
        atomic_fetch_sub_explicit(&p->spares_active, 1, memory_order_relaxed);
    }
}

static bool ws__spare_cas(struct ws_worker *s, uint32_t from, uint32_t to, memory_order mo)
{
    return atomic_compare_exchange_strong_explicit(&s->spare, &from, to, mo, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* A spare thread                                                     */

static uint64_t ws__mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool ws__pool_exiting(struct ws_pool *p)
{
    /* acquire: pairs with [E0] in ws_pool_destroy(). */
    return atomic_load_explicit(&p->exit, memory_order_acquire) != 0;
}

/* Frames left in a retiring spare's root queue and inbox go to a worker's
 * inbox, where everyone looks. */
static void ws__spare_hand_back(struct ws_worker *w)
{
    struct ws_pool *p = w->pool;
    struct ws__inbox *to = &p->workers[w->id % p->nworkers].inbox;
    ws_task *t;
    bool moved = false;
    while (ws__rootq_nonempty(&w->rq))
        if ((t = ws__rootq_pop(&w->rq)) != NULL) {
            ws__inbox_push(to, t, NULL);
            moved = true;
        }
    ws_task *chain = ws__inbox_take(&w->inbox);
    while (chain != NULL) {
        ws_task *next = chain->ws__link;
        ws__inbox_push(to, chain, NULL);
        chain = next;
        moved = true;
    }
    if (moved)
        ws__wake_one_after_rmw(p);
}

bool ws__spare_retire(struct ws_worker *w)
{
    struct ws_pool *p = w->pool;
    int s = ws__spare_index(w);
    if (s < 0)
        return false;
    /* [M4] */
    int32_t v = atomic_load_explicit(&p->permits, memory_order_relaxed);
    do {
        if (v >= 0)
            return false;
    } while (!atomic_compare_exchange_weak_explicit(&p->permits, &v, v + 1, memory_order_relaxed,
                                                    memory_order_relaxed));
    ws__spare_hand_back(w);
    ws__spare_mark(p, s, false);
    /* [M3] */
    ws__spare_cas(w, WS__SPARE_ACTIVE, WS__SPARE_IDLE, memory_order_release);
    /* Still overdrawn: wake the next active spare, which may be asleep
     * (ws_blocking woke the first one, which may have been busy). */
    if (atomic_load_explicit(&p->permits, memory_order_relaxed) < 0) { /* [M4] */
        int next = ws__spare_next(p, -1);
        if (next >= 0)
            ws__wake_worker(&p->workers[p->nworkers + (unsigned)next]);
    }
    /* It may have been woken for work it now leaves: pass the wake-up on. */
    if (ws__work_visible(p))
        ws__wake_one(p);
    return true;
}

/* A retired spare: waits to be handed a permit (true) or times out and
 * frees its slot (false). Also false once the pool is exiting. */
static bool ws__spare_wait(struct ws_worker *w)
{
    struct ws_pool *p = w->pool;
    uint64_t deadline = ws__mono_ns() + p->spare_keepalive_ns;
    for (;;) {
        uint32_t v = ck_ec32_value(&w->park);
        /* [M2] */
        if (atomic_load_explicit(&w->spare, memory_order_acquire) == WS__SPARE_ACTIVE)
            return true;
        if (ws__pool_exiting(p))
            return false;
        uint64_t now = ws__mono_ns();
        if (now >= deadline) {
            /* [M3] */
            if (ws__spare_cas(w, WS__SPARE_IDLE, WS__SPARE_FREE, memory_order_release))
                return false;
            continue; /* an activator won: we are ACTIVE */
        }
        struct timespec ts = {(time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u)};
        ck_ec32_wait(&w->park, &ws__ec_mode, v, &ts);
    }
}

static void *ws__spare_main(void *arg)
{
    struct ws_worker *w = arg;
    struct ws_pool *p = w->pool;
    ws__worker_enter(w);
    while (!ws__pool_exiting(p)) {
        ws__idle_loop(w); /* returns on exit, or once it retired */
        if (!ws__spare_wait(w))
            break;
    }
    /* Exiting: an ACTIVE or IDLE slot becomes FREE (destroy, no activator
     * can race now); a timed-out one is FREE already. */
    int s = ws__spare_index(w);
    if (atomic_load_explicit(&w->spare, memory_order_relaxed) == WS__SPARE_ACTIVE)
        ws__spare_mark(p, s, false);
    atomic_store_explicit(&w->spare, WS__SPARE_FREE, memory_order_relaxed);
    ws__worker_leave(w);
    /* [M6]: our last access to the pool; the wake reads no memory. */
    if (atomic_fetch_sub_explicit(&p->spares_live, 1, memory_order_release) == 1)
        syscall(SYS_futex, (uint32_t *)&p->spares_live, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX,
                NULL, NULL, 0);
    return NULL;
}

/* Starts a thread in a slot just taken FREE -> ACTIVE. */
static int ws__spare_start(struct ws_pool *p, struct ws_worker *w)
{
    pthread_attr_t attr;
    int err = pthread_attr_init(&attr);
    if (err != 0)
        return -err;
    err = pthread_attr_setstacksize(&attr, p->stack_size);
    if (err == 0)
        err = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* relaxed: destroy waits for it only after every frame (ours too) is
     * done, and reads it with [M7]. */
    atomic_fetch_add_explicit(&p->spares_live, 1, memory_order_relaxed);
    pthread_t th;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* spares take no signals, as workers */
    if (err == 0)
        err = pthread_create(&th, &attr, ws__spare_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0)
        atomic_fetch_sub_explicit(&p->spares_live, 1, memory_order_relaxed);
    return -err;
}

/* Hands the caller's permit to a spare; false if none could take it. */
static bool ws__spare_activate(struct ws_pool *p)
{
    unsigned m = p->nslots - p->nworkers;
    /* A retired spare first, then a free slot. */
    for (uint32_t want = WS__SPARE_IDLE;; want = WS__SPARE_FREE) {
        for (unsigned s = 0; s < m; s++) {
            struct ws_worker *w = &p->workers[p->nworkers + s];
            /* relaxed: a look; [M1] decides. */
            if (atomic_load_explicit(&w->spare, memory_order_relaxed) != want)
                continue;
            /* [M1] */
            if (!ws__spare_cas(w, want, WS__SPARE_ACTIVE, memory_order_acq_rel))
                continue;
            /* A slot's queues are made on its first use, before its bit
             * shows it to thieves ([M5]): a thief that saw the bit first
             * would read the queues while they are initialised. */
            if (w->dq.buf == NULL && ws__worker_queues_init(p, w) != 0) {
                atomic_store_explicit(&w->spare, WS__SPARE_FREE, memory_order_release);
                return false;
            }
            ws__spare_mark(p, (int)s, true);
            if (want == WS__SPARE_IDLE) {
                ws__wake_worker(w);
                return true;
            }
            if (ws__spare_start(p, w) == 0) {
                /* relaxed: a statistic (ws_pool_stats reports that many slots). */
                uint32_t used = atomic_load_explicit(&p->spares_used, memory_order_relaxed);
                while (used < s + 1 && !atomic_compare_exchange_weak_explicit(
                                           &p->spares_used, &used, s + 1, memory_order_relaxed,
                                           memory_order_relaxed))
                    ;
                return true;
            }
            /* No thread (RLIMIT_NPROC, memory): give the slot back. */
            ws__spare_mark(p, (int)s, false);
            atomic_store_explicit(&w->spare, WS__SPARE_FREE, memory_order_release);
            return false;
        }
        if (want == WS__SPARE_FREE)
            return false;
    }
}

void ws__spares_stop(struct ws_pool *p)
{
    for (unsigned i = p->nworkers; i < p->nslots; i++)
        ws__wake_worker(&p->workers[i]);
    for (;;) {
        /* [M7] */
        uint32_t v = atomic_load_explicit(&p->spares_live, memory_order_acquire);
        if (v == 0)
            return;
        syscall(SYS_futex, (uint32_t *)&p->spares_live, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, v, NULL,
                NULL, 0);
    }
}

/* ------------------------------------------------------------------ */
/* ws_blocking                                                        */

/* Is a worker (not a spare) other than the caller looking for work or
 * asleep? A hint ([M8] relaxed loads): a worker that goes idle just after
 * is one the pool did not need; one that stops being idle just after found
 * work, and the next blocking call compensates. Spares do not count: an
 * idle spare is about to retire when permits are overdrawn, which they are
 * right after a blocking call returned, so a second call that counted on
 * it found its published tasks run by no one until it returned (seen as a
 * stall of the whole call on a 1-worker pool by a review, 2026-12-01;
 * test_blocking's back-to-back case). */
static bool ws__some_worker_idle(struct ws_pool *p)
{
    /* The sleeper bits of workers [0, nworkers): spares' slots come after. */
    return atomic_load_explicit(&p->searching_workers, memory_order_relaxed) != 0 ||
           ws__sleepers_among(&p->sleepers, p->nworkers, UINT_MAX) != 0;
}

int ws_blocking(ws_worker *w, ws_head h, ws_fn fn, void *arg)
{
    if (fn == NULL)
        return -EINVAL;
    if (w == NULL) {
        fn(NULL, NULL, arg); /* outside any pool: nothing to compensate */
        return 0;
    }
    if (w != ws__self)
        return -EINVAL;
    ws__enter(w, h); /* ws__publish_all works on own.head */
    struct ws_pool *p = w->pool;
    bool outer = w->blocking_depth++ == 0;
    ws__publish_all(w); /* nothing may wait behind the block */
    bool handed = false;
    if (outer) {
        ws__stat_add(&w->stats.blocking, 1);
        /* Another worker (not a spare) idle (searching, or asleep and so
         * woken by new work): the pool keeps its parallelism without a spare, and a
         * call that does not block costs no wake-up. Otherwise a spare. */
        if (!ws__some_worker_idle(p)) {
            handed = p->nslots > p->nworkers && ws__spare_activate(p);
            if (!handed)
                ws__stat_add(&w->stats.uncompensated, 1);
        }
    }
    fn(w, h, arg); /* publishing left the head where it was */
    if (--w->blocking_depth == 0 && handed) {
        /* [M4]: overdrawn until a spare retires. One may be asleep as an
         * idle worker, holding a permit; wake it so that it retires (one
         * that is busy retires at its next idle point instead). */
        atomic_fetch_sub_explicit(&p->permits, 1, memory_order_relaxed);
        int s = ws__spare_next(p, -1);
        if (s >= 0)
            ws__wake_worker(&p->workers[p->nworkers + (unsigned)s]);
    }
    return 0;
}
