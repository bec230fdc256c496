/*
 * test_deque.c - white-box tests of the split Chase-Lev deque, through the
 * real fast path (ws_spawn/ws_sync/ws_reclaim) and the real thief side
 * (ws__deque_steal, ws__deque_demand, ws__run_stolen), on a pool whose
 * workers this test drives from its own threads.
 *
 * usage: test_deque [items] [seed]     (defaults: 1000000, time-based)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "pool.h"

struct item {
    ws_task task;
    uint32_t id;
};

/* Who ran what: a bitmap and counters shared by owner and thieves. Every
 * access to them is relaxed or a plain (seq_cst) atomic: they are tallies,
 * reset before the thieves start and read after pthread_join, which orders
 * both; no other data is published through them. */
static _Atomic uint64_t *g_bits;
static _Atomic uint64_t g_runs, g_dups;

static void mark(uint32_t id)
{
    uint64_t bit = (uint64_t)1 << (id % 64);
    if (atomic_fetch_or_explicit(&g_bits[id / 64], bit, memory_order_relaxed) & bit)
        atomic_fetch_add_explicit(&g_dups, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_runs, 1, memory_order_relaxed);
}

/* A little work per item, so that thieves have something to steal. */
static void spin(unsigned n)
{
    for (volatile unsigned i = 0; i < n; i++)
        ;
}

static void item_run(ws_worker *w, ws_head h, ws_task *t)
{
    (void)w;
    (void)h;
    spin(64);
    mark(WS_CONTAINER_OF(t, struct item, task)->id);
}

static void reset_marks(size_t n)
{
    free(g_bits);
    g_bits = calloc((n + 63) / 64, sizeof(*g_bits));
    REQUIRE(g_bits != NULL);
    atomic_store(&g_runs, 0);
    atomic_store(&g_dups, 0);
}

static int all_marked(size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(atomic_load(&g_bits[i / 64]) & ((uint64_t)1 << (i % 64))))
            return 0;
    return 1;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static struct ws_pool *make_pool(unsigned workers, unsigned log2, unsigned max_log2)
{
    struct ws_config c = WS_CONFIG_INIT;
    c.workers = workers;
    c.pin = WS_PIN_NONE;
    c.deque_log2 = log2;
    c.deque_max_log2 = max_log2;
    c.spin_rounds = 4;
    struct ws_pool *p = NULL;
    int err = ws__pool_alloc(&p, &c);
    CHECK_EQ(err, 0);
    REQUIRE(p != NULL);
    return p;
}

/* ------------------------------------------------------------------ */

/* The owner's head as these tests start it: where the library left it. */
static ws_head first_head(struct ws__deque *d)
{
    return (ws_head)(void *)d->own.head;
}

/* Owner-side queries read own.head: set it from h first, as every library
 * entry does. */
static struct ws__deque *at_head(struct ws__deque *d, ws_head h)
{
    d->own.head = (_Atomic(ws_task *) *)(void *)h;
    return d;
}

/* ws_reclaim, for CHECK_EQ: 1 if the owner got the task back unrun. */
static int reclaim(ws_worker *w, ws_head *h, ws_task *t)
{
    int mine;
    *h = ws_reclaim(w, *h, t, &mine);
    return mine;
}

/* The highest head seen on one array: how far up free slots are checked
 * (slots above it may not be committed yet). */
static const void *g_seen_slots;
static long g_seen_high;

/*
 * The head is the spawn depth: slots never move, so the head sits at the
 * array's start plus the number of unsynced spawns (overflow mode aside).
 * The head is the task's h: own.head is exact only while library code runs.
 * Below the head every slot holds a task, from it up NULL ([F4]): what an
 * entry without a head relies on to find it (ws__deque_find_head).
 */
static void check_depth(struct ws__deque *d, ws_head h, long depth)
{
    if (d->overflow)
        return;
    long at = (long)((_Atomic(ws_task *) *)(void *)h - d->buf->slots);
    CHECK_EQ(at, depth);
    if (g_seen_slots != d->buf->slots) {
        g_seen_slots = d->buf->slots;
        g_seen_high = 0;
    }
    if (at > g_seen_high)
        g_seen_high = at;
    if (at < 0 || at > (long)d->buf->cap)
        return;
    long bad = 0, top = g_seen_high < (long)d->buf->cap ? g_seen_high : (long)d->buf->cap;
    /* relaxed: only the owner (this thread) writes slots. */
    for (long i = 0; i < at; i++)
        bad += atomic_load_explicit(&d->buf->slots[i], memory_order_relaxed) == NULL;
    for (long i = at; i < top; i++)
        bad += atomic_load_explicit(&d->buf->slots[i], memory_order_relaxed) != NULL;
    if (bad != 0)
        CHECK_FAIL_("deque: %ld slot(s) break the NULL-above-the-head rule at depth %ld", bad, at);
}

/* LIFO order with no thief, 1000 spawns deep. */
static void test_lifo(void)
{
    enum { N = 1000 };
    struct ws_pool *p = make_pool(1, 4, 0);
    ws_worker *w = &p->workers[0];
    struct ws__deque *d = &w->dq;
    ws_head h = first_head(d);
    static struct item it[N];
    reset_marks(N);
    for (uint32_t i = 0; i < N; i++) {
        it[i].id = i;
        h = ws_spawn(w, h, &it[i].task, item_run);
    }
    CHECK(d->buf->cap >= N);
    check_depth(d, h, N);
    CHECK(!ws__deque_has_public(d)); /* nobody asked: all private */
    for (uint32_t i = N; i-- > 0;) {
        CHECK(ws__deque_newest_owner(at_head(d, h)) == &it[i].task);
        if (i % 3 == 0)
            h = ws_sync(w, h, &it[i].task); /* runs item_run itself */
        else
            CHECK_EQ(reclaim(w, &h, &it[i].task), 1);
    }
    CHECK(ws__deque_empty_owner(at_head(d, h)));
    CHECK_EQU(atomic_load(&g_runs), (N + 2) / 3);
    ws__pool_free(p);
}

/* Random spawn/sync walks against a shadow stack on a 16-slot array while
 * a thief (this thread) moves top forward: after every step the head is
 * the depth, and each stolen task synced moves the slots' mapping (base)
 * by one, never the slots. */
static void test_depth(uint64_t seed)
{
    enum { N = 200000, DEPTH = 6 };
    struct ws_pool *p = make_pool(2, 4, 4);
    ws_worker *w = &p->workers[0], *thief = &p->workers[1];
    struct ws__deque *d = &w->dq;
    ws_head h = first_head(d);
    struct item stack[DEPTH];
    int depth = 0;
    uint32_t issued = 0;
    uint64_t steals = 0, moves = 0, last_base = d->base, rng = seed | 1;
    reset_marks(N);
    while (issued < N || depth > 0) {
        uint64_t r = rng_next(&rng);
        if (depth < DEPTH && issued < N && (depth == 0 || (r & 3) != 0 || (r & 64))) {
            stack[depth].id = issued++;
            h = ws_spawn(w, h, &stack[depth].task, item_run);
            depth++;
        } else {
            depth--;
            if (reclaim(w, &h, &stack[depth].task))
                mark(stack[depth].id);
        }
        if ((r >> 8) % 5 == 0) {
            /* Thief: ask, and take whatever was published; run it at once so
             * that the owner never waits on this single thread. */
            ws_task *x;
            ws__deque_demand(d);
            if (ws__deque_steal(d, &x) == WS__STEAL_OK) {
                ws__run_stolen(thief, x);
                steals++;
            }
        }
        check_depth(d, h, depth);
        if (d->base != last_base) {
            CHECK_EQU(d->base, last_base + 1);
            moves++;
            last_base = d->base;
        }
    }
    CHECK_EQU(atomic_load(&g_runs), N);
    CHECK_EQU(atomic_load(&g_dups), 0);
    CHECK(all_marked(N));
    CHECK(steals > 1000);
    CHECK(moves > 1000); /* stolen tasks synced: the mapping moved, the slots did not */
    CHECK_EQU(d->buf->cap, 16);
    printf("depth: %u spawns, %llu stolen, %llu mapping steps\n", N, (unsigned long long)steals,
           (unsigned long long)moves);
    ws__pool_free(p);
}

/* Publish on demand, steal, and the owner's sync of a stolen task. */
static void test_publish_steal_take(void)
{
    struct ws_pool *p = make_pool(2, 4, 0);
    ws_worker *w = &p->workers[0], *thief = &p->workers[1];
    struct ws__deque *d = &w->dq;
    ws_head h = first_head(d);
    struct item it[4];
    ws_task *x = NULL;
    reset_marks(4);
    for (uint32_t i = 0; i < 3; i++) {
        it[i].id = i;
        h = ws_spawn(w, h, &it[i].task, item_run);
    }
    /* Nothing is public: a thief finds the deque empty and asks. */
    CHECK_EQ(ws__deque_steal(d, &x), WS__STEAL_EMPTY);
    ws__deque_demand(d);
    CHECK(ws__deque_demand_pending(d));
    /* The owner's next spawn publishes its oldest private task. */
    it[3].id = 3;
    h = ws_spawn(w, h, &it[3].task, item_run);
    CHECK(!ws__deque_demand_pending(d));
    CHECK(ws__deque_has_public(d));
    CHECK_EQ(ws__deque_steal(d, &x), WS__STEAL_OK);
    CHECK(x == &it[0].task);
    CHECK_EQ(ws__deque_steal(d, &x), WS__STEAL_EMPTY);
    /* Owner syncs 3, 2, 1 privately; then 0, which a thief holds. */
    for (int i = 3; i >= 1; i--)
        CHECK_EQ(reclaim(w, &h, &it[i].task), 1);
    ws__run_stolen(thief, x); /* the thief finishes before the owner waits */
    CHECK_EQ(reclaim(w, &h, &it[0].task), 0);
    CHECK_EQU(atomic_load(&g_runs), 1);
    CHECK(ws__deque_empty_owner(at_head(d, h)));

    /* A published task nobody steals is taken back by the owner (the
     * Chase-Lev take), and the owner runs it. */
    ws__deque_demand(d);
    it[0].id = 0;
    h = ws_spawn(w, h, &it[0].task, item_run); /* published at once: demand pending */
    CHECK(ws__deque_has_public(d));
    CHECK_EQ(reclaim(w, &h, &it[0].task), 1);
    CHECK(!ws__deque_has_public(d));
    ws__pool_free(p);
}

/* A thief delayed after reading top ([S1]) while 100 other steals and the
 * owner's syncs of them step the mapping: when it goes on, bottom is above
 * its stale top and base is above it too. It must give up without reading
 * slots[t - base], 100 slots before the array (the no-access page there
 * turns such a read into a fault), and the deque must work on. A
 * reviewer's replay found the read (commit ffa047f). */
static void test_delayed_thief(void)
{
    struct ws_pool *p = make_pool(2, 4, 5);
    ws_worker *w = &p->workers[0], *thief = &p->workers[1];
    struct ws__deque *d = &w->dq;
    ws_head h = first_head(d);
    struct item it = {.id = 0};
    ws_task *x = NULL;
    reset_marks(1);
    uint64_t stale = atomic_load(&d->top); /* the delayed thief's [S1] */
    for (int k = 0; k < 100; k++) {
        ws__deque_demand(d);                    /* a thief asks */
        h = ws_spawn(w, h, &it.task, item_run); /* published at once */
        CHECK_EQ(ws__deque_steal(d, &x), WS__STEAL_OK);
        ws__run_stolen(thief, x);
        CHECK_EQ(reclaim(w, &h, &it.task), 0); /* a stolen task synced: a step */
        check_depth(d, h, 0);
    }
    CHECK_EQU(d->base - stale, 100);
    ws__deque_demand(d);
    h = ws_spawn(w, h, &it.task, item_run); /* public again: bottom > stale */
    CHECK(atomic_load(&d->bottom) > stale);
    CHECK_EQ(ws__deque_steal_at(d, stale, &x), WS__STEAL_ABORT);
    CHECK_EQ(ws__deque_steal(d, &x), WS__STEAL_OK); /* an up-to-date thief gets it */
    CHECK(x == &it.task);
    ws__run_stolen(thief, x);
    CHECK_EQ(reclaim(w, &h, &it.task), 0);
    CHECK_EQU(atomic_load(&g_runs), 101);
    ws__pool_free(p);
}

/* Spawns past the array's end stay private (overflow mode) and still sync
 * in LIFO order. */
static void test_overflow(void)
{
    enum { N = 100 };
    struct ws_pool *p = make_pool(1, 4, 5); /* 32 slots, 16 touched at creation */
    ws_worker *w = &p->workers[0];
    struct ws__deque *d = &w->dq;
    ws_head h = first_head(d);
    static struct item it[N];
    reset_marks(N);
    for (uint32_t i = 0; i < N; i++) {
        it[i].id = i;
        h = ws_spawn(w, h, &it[i].task, item_run);
    }
    CHECK(d->overflow);
    CHECK_EQU(d->buf->cap, 32);
    for (uint32_t i = N; i-- > 0;) {
        if (i % 2)
            h = ws_sync(w, h, &it[i].task);
        else
            CHECK_EQ(reclaim(w, &h, &it[i].task), 1);
    }
    CHECK(!d->overflow);
    check_depth(d, h, 0);
    CHECK_EQU(atomic_load(&g_runs), N / 2);
    /* And the deque works normally afterwards. */
    h = ws_spawn(w, h, &it[0].task, item_run);
    CHECK(!d->overflow);
    h = ws_sync(w, h, &it[0].task);
    ws__pool_free(p);
}

/* ------------------------------------------------------------------ */
/* Owner against thieves                                              */

struct race {
    struct ws_pool *p;
    unsigned thieves;
    _Atomic int stop;
    _Atomic uint64_t steals;
};

struct thief_arg {
    struct race *r;
    unsigned id;
};

static void *thief_main(void *arg)
{
    struct thief_arg *a = arg;
    ws_worker *me = &a->r->p->workers[a->id];
    struct ws__deque *victim = &a->r->p->workers[0].dq;
    ws__self = me;
    uint64_t n = 0;
    /* acquire: pairs with the release store of stop in the owner's loop. */
    while (!atomic_load_explicit(&a->r->stop, memory_order_acquire)) {
        ws_task *x;
        switch (ws__deque_steal(victim, &x)) {
        case WS__STEAL_OK:
            ws__run_stolen(me, x);
            n++;
            break;
        case WS__STEAL_EMPTY:
            ws__deque_demand(victim);
            if ((n & 7) == 0)
                sched_yield(); /* more thieves than cores: let the owner run */
            break;
        case WS__STEAL_ABORT:
            break;
        }
    }
    atomic_fetch_add(&a->r->steals, n);
    return NULL;
}

/* An owner walks spawn/sync at random, to depth at most `depth`, on a
 * 32-slot deque (deeper than 32: overflow mode, with thieves stealing the
 * tasks below) while `thieves` threads steal and demand. */
static void race(unsigned thieves, int depth_max, size_t items, uint64_t seed)
{
    struct race r = {.thieves = thieves};
    r.p = make_pool(thieves + 1, 4, 5);
    ws_worker *w = &r.p->workers[0];
    ws__self = w;
    ws_head h = first_head(&w->dq);
    reset_marks(items);
    pthread_t th[8];
    struct thief_arg ta[8];
    for (unsigned i = 0; i < thieves; i++) {
        ta[i] = (struct thief_arg){&r, i + 1};
        REQUIRE(pthread_create(&th[i], NULL, thief_main, &ta[i]) == 0);
    }
    struct item stack[64];
    int depth = 0;
    size_t issued = 0;
    uint64_t rng = seed * 2654435761u + thieves, owner_runs = 0;
    while (issued < items || depth > 0) {
        uint64_t x = rng_next(&rng);
        if (depth < depth_max && issued < items && (depth == 0 || (x % 8) < 5)) {
            stack[depth].id = (uint32_t)issued++;
            h = ws_spawn(w, h, &stack[depth].task, item_run);
            depth++;
        } else {
            depth--;
            check_depth(&w->dq, h, depth + 1);
            if ((x >> 20) & 1) {
                h = ws_sync(w, h, &stack[depth].task);
            } else if (reclaim(w, &h, &stack[depth].task)) {
                spin(64);
                mark(stack[depth].id);
                owner_runs++;
            }
        }
        if ((issued & 4095) == 0 && thieves > 1)
            sched_yield(); /* more threads than cores: let thieves in */
    }
    /* release: pairs with the thieves' acquire loads; join orders the rest. */
    atomic_store_explicit(&r.stop, 1, memory_order_release);
    for (unsigned i = 0; i < thieves; i++)
        pthread_join(th[i], NULL);
    ws__self = NULL;
    CHECK_EQU(atomic_load(&g_runs), items);
    CHECK_EQU(atomic_load(&g_dups), 0);
    CHECK(all_marked(items));
    printf("race: 1 owner, %u thieves, depth <= %d, %zu items: %llu stolen, %llu run by the "
           "owner; every item run exactly once: %s\n",
           thieves, depth_max, items, (unsigned long long)atomic_load(&r.steals),
           (unsigned long long)owner_runs,
           atomic_load(&g_runs) == items && atomic_load(&g_dups) == 0 ? "yes" : "NO");
    ws__pool_free(r.p);
}

int main(int argc, char **argv)
{
    size_t items = 1000000;
    uint64_t seed = (uint64_t)time(NULL);
    if (argc > 1)
        items = strtoull(argv[1], NULL, 10);
    if (argc > 2)
        seed = strtoull(argv[2], NULL, 10);
    if (items == 0 || items > ((size_t)1 << 32)) {
        fprintf(stderr, "usage: %s [items 1..2^32] [seed]\n", argv[0]);
        return 2;
    }
    printf("test_deque: items %zu, seed %llu (rerun: %s %zu %llu)\n", items,
           (unsigned long long)seed, argv[0], items, (unsigned long long)seed);
    test_lifo();
    test_publish_steal_take();
    test_overflow();
    test_delayed_thief();
    test_depth(seed);
    for (unsigned k = 1; k <= 7; k++) {
        race(k, 6, items / 2, seed); /* within the array */
        race(k, 64, items, seed);    /* and past its end (overflow) */
    }
    free(g_bits);
    return check_report("test_deque");
}
