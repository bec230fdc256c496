/*
 * park.c - sleeping and waking idle workers.
 *
 * Each worker sleeps on its own ck_ec event count (futex underneath), so a
 * wake-up reaches one worker, not a herd. The protocol is the usual one for
 * event counts, with a Dekker-style handshake on the sleeper set:
 *
 *   sleeper                               waker
 *   [K0] set own bit in mask (seq_cst)    make work visible (release)
 *   v = ck_ec_value(&park)                [K1] fence seq_cst
 *   [K2] fence seq_cst                    [K3] read count/mask (seq_cst); clear one bit
 *   if ready(): retract, return                (seq_cst RMW), then ck_ec_inc
 *   ck_ec_wait(&park, v)                       that worker's count
 *
 * Either the waker's [K3] sees the sleeper's bit (and its increment, coming
 * after the sleeper read v, ends the wait at once), or the sleeper's ready()
 * after [K2] sees the work. ck_ec's own barriers are invisible to
 * ThreadSanitizer; no data rides on them, only wake-ups.
 *
 * Pairs: [K0] with [K3]; [K1] with [K2]. A waker whose work was made
 * visible by a seq_cst RMW (an inbox push) needs no [K1]: see
 * ws__wake_one_after_rmw().
 */
#include "park.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

static int ws__ec_gettime(const struct ck_ec_ops *ops, struct timespec *out)
{
    (void)ops;
    return clock_gettime(CLOCK_MONOTONIC, out);
}

static void ws__ec_wait32(const struct ck_ec_wait_state *st, const uint32_t *addr,
                          uint32_t expected, const struct timespec *deadline)
{
    (void)st;
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, which is
     * what ck_ec passes. Any early return is fine: ck_ec re-checks. */
    syscall(SYS_futex, addr, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, deadline, NULL,
            FUTEX_BITSET_MATCH_ANY);
}

static void ws__ec_wake32(const struct ck_ec_ops *ops, const uint32_t *addr)
{
    (void)ops;
    syscall(SYS_futex, addr, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
}

static void ws__ec_wait64(const struct ck_ec_wait_state *st, const uint64_t *addr,
                          uint64_t expected, const struct timespec *deadline)
{
    /* ck_ec64 keeps its flag in the low bit and the futex word in the low
     * half on little-endian machines. */
    ws__ec_wait32(st, (const uint32_t *)(const void *)addr, (uint32_t)expected, deadline);
}

static void ws__ec_wake64(const struct ck_ec_ops *ops, const uint64_t *addr)
{
    ws__ec_wake32(ops, (const uint32_t *)(const void *)addr);
}

static const struct ck_ec_ops ws__ec_ops = {
    .gettime = ws__ec_gettime,
    .wait32 = ws__ec_wait32,
    .wait64 = ws__ec_wait64,
    .wake32 = ws__ec_wake32,
    .wake64 = ws__ec_wake64,
};

const struct ck_ec_mode ws__ec_mode = {.ops = &ws__ec_ops, .single_producer = false};

int ws__sleepers_init(struct ws__sleepers *s, unsigned nworkers)
{
    s->nwords = (nworkers + 63) / 64;
    s->mask = calloc(s->nwords, sizeof(*s->mask));
    if (s->mask == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < s->nwords; i++)
        atomic_init(&s->mask[i], 0);
    atomic_init(&s->count, 0);
    return 0;
}

void ws__sleepers_destroy(struct ws__sleepers *s)
{
    free(s->mask);
    s->mask = NULL;
}

unsigned ws__sleepers_among(struct ws__sleepers *s, unsigned n, unsigned except)
{
    unsigned count = 0;
    for (unsigned i = 0; i * 64 < n; i++) {
        /* relaxed: a hint; a bit says "may be asleep". */
        uint64_t m = atomic_load_explicit(&s->mask[i], memory_order_relaxed);
        if (n - i * 64 < 64)
            m &= ((uint64_t)1 << (n - i * 64)) - 1;
        if (except / 64 == i)
            m &= ~((uint64_t)1 << (except % 64));
        count += (unsigned)__builtin_popcountll(m);
    }
    return count;
}

static void ws__retract(struct ws__sleepers *s, unsigned id)
{
    /* relaxed: leaving the set needs no ordering; a waker that still picks
     * us only causes one spurious wake-up. */
    atomic_fetch_and_explicit(&s->mask[id / 64], ~((uint64_t)1 << (id % 64)), memory_order_relaxed);
    atomic_fetch_sub_explicit(&s->count, 1, memory_order_relaxed);
}

bool ws__park(struct ws_worker *w, bool (*ready)(struct ws_worker *, void *), void *arg)
{
    struct ws__sleepers *s = &w->pool->sleepers;
    /* [Y3] (reactor.c): with waits armed and no one blocked in epoll_wait,
     * sleep there instead. The claim comes before [K0], so a waker that
     * claims our bit at [K3] sees it and writes the eventfd. */
    bool poll = ws__reactor_claim_block(w);
    /* seq_cst: counts us for [K3]'s early out on count, with [K0]. */
    atomic_fetch_add_explicit(&s->count, 1, memory_order_seq_cst);
    /* [K0] seq_cst: announces us before ready() looks for work; pairs with [K3]. */
    atomic_fetch_or_explicit(&s->mask[w->id / 64], (uint64_t)1 << (w->id % 64),
                             memory_order_seq_cst);
    uint32_t v = ck_ec32_value(&w->park);
    /* [K2] seq_cst: the announcement and the read of v come before ready()'s
     * loads; pairs with [K1]. */
    atomic_thread_fence(memory_order_seq_cst);
    bool polled = false;
    if (!ready(w, arg)) {
        ws__stat_add(&w->stats.sleeps, 1);
        if (poll)
            ws__reactor_block(w);
        else
            ck_ec32_wait(&w->park, &ws__ec_mode, v, NULL);
        polled = poll;
    }
    if (poll)
        ws__reactor_unclaim_block(w);
    ws__retract(s, w->id);
    return polled;
}

void ws__wake_worker(struct ws_worker *w)
{
    ck_ec32_inc(&w->park, &ws__ec_mode);
    /* [Y3]: a worker sleeping in epoll_wait is woken through the eventfd. */
    if (ws__reactor_is_blocked(w))
        ws__reactor_wake(&w->pool->reactor);
}

/* The search for a sleeper, once the caller's publication is ordered
 * before it: by [K1], or by being a seq_cst RMW itself. */
static void ws__wake_one_ordered(struct ws_pool *p)
{
    struct ws__sleepers *s = &p->sleepers;
    /* [K3] seq_cst: pairs with [K0]; after [K1] or a seq_cst RMW that made
     * the work visible, a sleeper that announced itself is seen here. */
    if (atomic_load_explicit(&s->count, memory_order_seq_cst) == 0)
        return;
    for (unsigned i = 0; i < s->nwords; i++) {
        /* [K3] seq_cst, as above: a snapshot; the fetch_and decides. */
        uint64_t m = atomic_load_explicit(&s->mask[i], memory_order_seq_cst);
        while (m != 0) {
            uint64_t bit = m & -m;
            /* [K3] seq_cst: claiming the bit makes us the one waker of that
             * sleeper; a lost race moves on to the next. */
            uint64_t old = atomic_fetch_and_explicit(&s->mask[i], ~bit, memory_order_seq_cst);
            if (old & bit) {
                ws__wake_worker(&p->workers[i * 64 + (unsigned)__builtin_ctzll(bit)]);
                return;
            }
            m = old & ~bit;
        }
    }
}

void ws__wake_one(struct ws_pool *p)
{
    /* [K1] seq_cst: the work made visible before this call is ordered before
     * our look at the sleeper set; pairs with [K2]. */
    atomic_thread_fence(memory_order_seq_cst);
    ws__wake_one_ordered(p);
}

void ws__wake_one_after_rmw(struct ws_pool *p)
{
    /* No fence: the caller made its work visible with a seq_cst RMW, which
     * precedes [K3] in the single order S of seq_cst operations; a sleeper
     * whose [K2] came later in S sees the work, and one whose [K2] came
     * earlier announced itself ([K0]) before, so [K3] sees it. On x86 this
     * saves the mfence (13 ns) that [K1] costs. */
    ws__wake_one_ordered(p);
}

void ws__wake_all(struct ws_pool *p)
{
    atomic_thread_fence(memory_order_seq_cst); /* as [K1] */
    for (unsigned i = 0; i < p->nslots; i++)
        ws__wake_worker(&p->workers[i]);
}
