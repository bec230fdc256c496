/*
 * test_head.c - the head (ws_head) where it is hardest to keep right:
 *  1. library entries that get no head (ws_run nested in a task, ws_job_wait
 *     on a worker) while the task has k = 0..200 spawns outstanding, within
 *     a 32-slot deque and past its end, with fork-join inside the entry;
 *     then ws_blocking, which publishes those spawns for a spare to steal;
 *  2. task groups of 10^4 children on a 32-slot deque, between plain spawns
 *     and syncs, with plain spawns between group spawns and nested groups;
 *  3. ws_blocking while the task has spawns outstanding, fn spawning too;
 *  4. ws_reclaim's two outcomes (mine = 1 with no thief, mine = 0 once a
 *     thief ran the child) and the head it returns, used at once.
 * Every child counts its runs: each must run exactly once, and every
 * answer (fib(15) = 610) must be right. Pools of 1 and 2 workers, with a
 * 32-slot deque (deque_log2 4, deque_max_log2 5) and the default.
 *
 * Atomics: the tallies are relaxed counters read after the syncs, waits or
 * ws_run that order every task's effects before the read.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "api_check.h"
#include "watchdog.h"

#define KMAX  200 /* outstanding spawns in 1 */
#define EXTRA 40  /* spawns inside the nested entry: past 32 slots with k */
#define FIB_N 15
#define FIB_V 610

static ws_pool *make_pool(unsigned workers, int small)
{
    struct ws_config cfg = WS_CONFIG_INIT;
    ws_pool *p = NULL;
    cfg.workers = workers;
    if (small) {
        cfg.deque_log2 = 4;
        cfg.deque_max_log2 = 5; /* 32 slots: k > 31 goes past the end */
    }
    int e = ws_pool_create(&p, &cfg);
    if (e != 0)
        fprintf(stderr, "ws_pool_create(%u, %s): %s\n", workers, small ? "32 slots" : "default",
                ws_strerror(e));
    REQUIRE(e == 0 && p != NULL);
    return p;
}

/* A child that counts its runs and, to give thieves something, computes fib(5). */
struct counted {
    ws_task task;
    _Atomic int runs;
    long fib;
};

static void counted_fn(ws_worker *w, ws_head h, ws_task *t)
{
    struct counted *c = WS_CONTAINER_OF(t, struct counted, task);
    c->fib = fib_sync(w, h, 5);
    atomic_fetch_add_explicit(&c->runs, 1, memory_order_relaxed);
}

/* Spawns n counted children into c[0, n): leaves them outstanding in *h. */
static void spawn_counted(ws_worker *w, ws_head *h, struct counted *c, int n)
{
    ws_head x = *h;
    for (int i = 0; i < n; i++) {
        atomic_init(&c[i].runs, 0);
        c[i].fib = -1;
        x = ws_spawn(w, x, &c[i].task, counted_fn);
    }
    *h = x;
}

/* Syncs c[n-1] down to c[0] and counts the children that did not run
 * exactly once or got a wrong answer. */
static long sync_counted(ws_worker *w, ws_head *h, struct counted *c, int n)
{
    ws_head x = *h;
    long bad = 0;
    for (int i = n; i-- > 0;) {
        x = ws_sync(w, x, &c[i].task);
        bad += atomic_load_explicit(&c[i].runs, memory_order_relaxed) != 1 || c[i].fib != 5;
    }
    *h = x;
    return bad;
}

/* ---- 1. entry without a head, with spawns outstanding ------------------- */

struct inner {
    ws_pool *pool;
    long fib;
    long bad;
    int ran;
};

/* A nested ws_run's body, a job's and a ws_blocking call's: spawns EXTRA
 * children, computes fib(15) in both styles, then syncs them. */
static void inner_fn(ws_worker *w, ws_head h, void *arg)
{
    struct inner *in = arg;
    struct counted c[EXTRA];
    in->ran++;
    spawn_counted(w, &h, c, EXTRA);
    long a = fib_sync(w, h, FIB_N), b = fib_reclaim(w, h, FIB_N);
    in->bad += sync_counted(w, &h, c, EXTRA);
    in->fib = a == b ? a : -1;
}

struct entry_root {
    ws_pool *pool;
    int k;
    long bad;        /* children wrong, and entries that failed */
    long inline_fib; /* from the nested ws_run */
    long job_fib;    /* from the job */
    int inline_ran, job_ran;
};

static void entry_root_fn(ws_worker *w, ws_head h, void *arg)
{
    struct entry_root *r = arg;
    struct counted c[KMAX];
    spawn_counted(w, &h, c, r->k);
    /* The library has no head from these: it must find it (k deep). */
    struct inner a = {.pool = r->pool, .fib = -1};
    if (ws_run(r->pool, inner_fn, &a) != 0)
        r->bad++;
    struct inner b = {.pool = r->pool, .fib = -1};
    ws_job *j = NULL;
    if (ws_submit(r->pool, &j, inner_fn, &b) != 0 || ws_job_wait(j) != 0)
        r->bad++;
    ws_job_release(j);
    /* ws_blocking publishes every private task below h, for a spare to
     * steal: a slot the entries wrongly reused would be found here. */
    struct inner x = {.pool = r->pool, .fib = -1};
    if (ws_blocking(w, h, inner_fn, &x) != 0 || x.ran != 1 || x.fib != FIB_V)
        r->bad++;
    r->bad += sync_counted(w, &h, c, r->k) + a.bad + b.bad + x.bad;
    r->inline_fib = a.fib;
    r->job_fib = b.fib;
    r->inline_ran = a.ran;
    r->job_ran = b.ran;
}

static void test_entry_no_head(ws_pool *p, const char *what)
{
    long failed = 0;
    for (int k = 0; k <= KMAX; k++) {
        struct entry_root r = {.pool = p, .k = k, .inline_fib = -1, .job_fib = -1};
        CHECK_EQ(ws_run(p, entry_root_fn, &r), 0);
        CHECK_EQ(r.bad, 0);
        CHECK_EQ(r.inline_fib, FIB_V);
        CHECK_EQ(r.job_fib, FIB_V);
        CHECK_EQ(r.inline_ran, 1);
        CHECK_EQ(r.job_ran, 1);
        if (r.bad || r.inline_fib != FIB_V || r.job_fib != FIB_V) {
            fprintf(stderr, "  entry without a head, %s: k = %d wrong\n", what, k);
            if (++failed > 5)
                break;
        }
    }
    printf("  entry without a head, k = 0..%d outstanding: %s\n", KMAX, failed ? "FAIL" : "ok");
}

/* ---- 2. groups on a 32-slot deque --------------------------------------- */

#define GROUP_N    10000
#define NESTED_N   50
#define NEST_EVERY 1000 /* every so many children opens a group of its own */

struct group_ctx {
    _Atomic int runs[GROUP_N];
    _Atomic long nested_runs, bad;
};

struct gchild {
    struct group_ctx *g;
    int i;
};

static void nested_child(ws_worker *w, ws_head h, void *arg)
{
    struct group_ctx *g = arg;
    (void)w;
    (void)h;
    atomic_fetch_add_explicit(&g->nested_runs, 1, memory_order_relaxed);
}

static void group_child(ws_worker *w, ws_head h, void *arg)
{
    struct gchild *c = arg;
    struct group_ctx *g = c->g;
    atomic_fetch_add_explicit(&g->runs[c->i], 1, memory_order_relaxed);
    if (c->i % NEST_EVERY != 0)
        return;
    /* A group inside a child, between a plain spawn and its sync. */
    struct counted x;
    spawn_counted(w, &h, &x, 1);
    ws_group in;
    ws_group_init(&in);
    for (int i = 0; i < NESTED_N; i++)
        if (ws_group_spawn(w, &h, &in, nested_child, g) != 0)
            atomic_fetch_add_explicit(&g->bad, 1, memory_order_relaxed);
    if (ws_group_wait(w, &h, &in) != NESTED_N)
        atomic_fetch_add_explicit(&g->bad, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g->bad, sync_counted(w, &h, &x, 1), memory_order_relaxed);
}

static struct gchild g_args[GROUP_N];

static void group_root(ws_worker *w, ws_head h, void *arg)
{
    struct group_ctx *g = arg;
    long bad = 0;
    struct counted before[3], between;
    spawn_counted(w, &h, before, 3); /* outstanding across the whole group */
    ws_group grp;
    ws_group_init(&grp);
    for (int i = 0; i < GROUP_N; i++) {
        g_args[i] = (struct gchild){g, i};
        if (ws_group_spawn(w, &h, &grp, group_child, &g_args[i]) != 0)
            bad++;
        if (i % 97 == 0) { /* a plain spawn and sync among the group's */
            spawn_counted(w, &h, &between, 1);
            bad += fib_sync(w, h, 10) != 55;
            bad += sync_counted(w, &h, &between, 1);
        }
    }
    bad += ws_group_wait(w, &h, &grp) != GROUP_N;
    bad += fib_reclaim(w, h, FIB_N) != FIB_V; /* the head after the wait */
    bad += sync_counted(w, &h, before, 3);
    atomic_fetch_add_explicit(&g->bad, bad, memory_order_relaxed);
}

static void test_groups(ws_pool *p)
{
    static struct group_ctx g;
    for (int i = 0; i < GROUP_N; i++)
        atomic_init(&g.runs[i], 0);
    atomic_init(&g.nested_runs, 0);
    atomic_init(&g.bad, 0);
    CHECK_EQ(ws_run(p, group_root, &g), 0);
    long wrong = 0;
    for (int i = 0; i < GROUP_N; i++)
        wrong += atomic_load(&g.runs[i]) != 1;
    CHECK_EQ(wrong, 0);
    CHECK_EQ(atomic_load(&g.bad), 0);
    CHECK_EQ(atomic_load(&g.nested_runs), (long)(GROUP_N / NEST_EVERY) * NESTED_N);
    printf("  group of %d among plain spawns: %s\n", GROUP_N,
           wrong || atomic_load(&g.bad) ? "FAIL" : "ok");
}

/* ---- 3. ws_blocking with spawns outstanding ----------------------------- */

struct block_root {
    int k;
    long bad;
};

static void block_root_fn(ws_worker *w, ws_head h, void *arg)
{
    struct block_root *r = arg;
    struct counted c[KMAX];
    spawn_counted(w, &h, c, r->k);
    struct inner b = {.fib = -1}; /* the same body as a nested entry's */
    r->bad += ws_blocking(w, h, inner_fn, &b) != 0;
    r->bad += b.ran != 1 || b.fib != FIB_V || b.bad != 0;
    r->bad += fib_sync(w, h, FIB_N) != FIB_V; /* h is still right after it */
    r->bad += sync_counted(w, &h, c, r->k);
}

static void test_blocking_outstanding(ws_pool *p)
{
    static const int ks[] = {0, 1, 5, 31, 32, 33, 40, 100, KMAX};
    long bad = 0;
    for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
        struct block_root r = {.k = ks[i]};
        CHECK_EQ(ws_run(p, block_root_fn, &r), 0);
        CHECK_EQ(r.bad, 0);
        if (r.bad)
            fprintf(stderr, "  ws_blocking with %d outstanding: wrong\n", ks[i]);
        bad += r.bad;
    }
    printf("  ws_blocking with spawns outstanding: %s\n", bad ? "FAIL" : "ok");
}

/* ---- 4. ws_reclaim's two outcomes --------------------------------------- */

struct probe {
    ws_task task;
    _Atomic int started, done, ran_on;
    unsigned owner;          /* the spawner's worker id */
    _Atomic int *reclaiming; /* the owner is about to reclaim */
};

/* On a thief, holds on (bounded) until the owner is reclaiming, so that the
 * reclaim finds it running. */
static void probe_fn(ws_worker *w, ws_head h, ws_task *t)
{
    struct probe *pr = WS_CONTAINER_OF(t, struct probe, task);
    (void)h;
    atomic_store_explicit(&pr->ran_on, (int)ws_worker_id(w), memory_order_relaxed);
    /* release: the owner's acquire of started sees ran_on. */
    atomic_store_explicit(&pr->started, 1, memory_order_release);
    double until = api_now() + 1.0;
    /* acquire: pairs with the owner's release of reclaiming. */
    while (ws_worker_id(w) != pr->owner &&
           !atomic_load_explicit(pr->reclaiming, memory_order_acquire) && api_now() < until)
        ;
    atomic_fetch_add_explicit(&pr->done, 1, memory_order_relaxed);
}

struct reclaim_ctx {
    int want_stolen;   /* 1: retry until a thief takes the child */
    long mine1, mine0; /* outcomes seen */
    long bad;
    long tries;
};

/* After a reclaim: spawn and sync more on the head it returned. */
static long use_head(ws_worker *w, ws_head h)
{
    struct counted c[EXTRA];
    long bad = 0;
    spawn_counted(w, &h, c, EXTRA);
    bad += fib_sync(w, h, 12) != 144;
    bad += sync_counted(w, &h, c, EXTRA);
    return bad;
}

static void reclaim_root(ws_worker *w, ws_head h, void *arg)
{
    struct reclaim_ctx *r = arg;
    unsigned me = ws_worker_id(w);
    /* mine = 1: nobody took it; with an older spawn outstanding under it. */
    for (int round = 0; round < 100 && !r->want_stolen; round++) {
        _Atomic int reclaiming = 0;
        struct counted older;
        spawn_counted(w, &h, &older, 1);
        struct probe pr = {.owner = me, .reclaiming = &reclaiming};
        h = ws_spawn(w, h, &pr.task, probe_fn);
        /* release: a thief that took it may finish now. */
        atomic_store_explicit(&reclaiming, 1, memory_order_release);
        int mine = -1;
        h = ws_reclaim(w, h, &pr.task, &mine);
        if (mine == 1) {
            r->mine1++;
            r->bad += atomic_load(&pr.started) != 0; /* handed back unrun */
            probe_fn(w, h, &pr.task);                /* the caller runs it */
        } else {
            r->mine0++; /* a thief took it (2 workers): it must have finished */
        }
        r->bad += mine != 0 && mine != 1;
        r->bad += atomic_load(&pr.done) != 1;
        r->bad += use_head(w, h);
        r->bad += sync_counted(w, &h, &older, 1);
    }
    /* mine = 0: spawn until a thief runs the child (bounded). */
    double until = api_now() + 60;
    while (r->want_stolen && r->mine0 == 0 && api_now() < until) {
        _Atomic int reclaiming = 0;
        struct probe pr = {.owner = me, .reclaiming = &reclaiming};
        r->tries++;
        h = ws_spawn(w, h, &pr.task, probe_fn);
        double wait = api_now() + 0.001;
        /* acquire: pairs with the release in probe_fn. */
        while (!atomic_load_explicit(&pr.started, memory_order_acquire) && api_now() < wait)
            ;
        int started = atomic_load_explicit(&pr.started, memory_order_acquire);
        /* release: the probe on the thief may finish now. */
        atomic_store_explicit(&reclaiming, 1, memory_order_release);
        int mine = -1;
        h = ws_reclaim(w, h, &pr.task, &mine);
        if (mine == 1) {
            r->mine1++;
            r->bad += started; /* it started, yet came back unrun */
            probe_fn(w, h, &pr.task);
        } else if (mine == 0) {
            r->mine0++;
            /* relaxed: ws_reclaim ordered the thief's stores before these. */
            r->bad += atomic_load_explicit(&pr.ran_on, memory_order_relaxed) == (int)me;
        }
        r->bad += mine != 0 && mine != 1;
        r->bad += atomic_load(&pr.done) != 1;
        r->bad += use_head(w, h);
    }
}

static void test_reclaim(ws_pool *p, int stolen)
{
    struct reclaim_ctx r = {.want_stolen = stolen};
    CHECK_EQ(ws_run(p, reclaim_root, &r), 0);
    CHECK_EQ(r.bad, 0);
    if (stolen) {
        CHECK_EQ(r.mine0, 1);
        printf("  ws_reclaim, mine = 0: a thief took the child after %ld spawn(s), %ld back "
               "unrun before\n",
               r.tries, r.mine1);
    } else {
        CHECK_EQ(r.mine1 + r.mine0, 100);
        if (ws_pool_workers(p) == 1)
            CHECK_EQ(r.mine1, 100); /* no thief at all */
        printf("  ws_reclaim: %ld back unrun (mine = 1), %ld stolen\n", r.mine1, r.mine0);
    }
}

int main(void)
{
    static const unsigned workers[] = {1, 2};
    for (size_t i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
        for (int small = 1; small >= 0; small--) {
            const char *what = small ? "32 slots" : "default deque";
            printf("%u worker(s), %s:\n", workers[i], what);
            watchdog_arm(300, "%u worker(s), %s", workers[i], what);
            ws_pool *p = make_pool(workers[i], small);
            test_entry_no_head(p, what);
            test_groups(p);
            test_blocking_outstanding(p);
            test_reclaim(p, 0);
            if (workers[i] > 1)
                test_reclaim(p, 1);
            CHECK_EQ(ws_pool_destroy(p), 0);
            watchdog_disarm();
        }
    }
    return check_report("test_head");
}
