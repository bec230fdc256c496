/*
 * test_blocking.c - ws_blocking: a worker that blocks keeps the pool at its
 * parallelism, through the public API only.
 *
 *  - Stand-in: on a 1-worker pool, a task blocks (in ws_blocking) until a
 *    job queued behind it has run: only a spare can run that job, so the
 *    test ends only if one stood in (and a watchdog says where it hung).
 *    The blocked task's own spawns, published before the block, are run by
 *    the spare too.
 *  - Nesting with fork-join: 8 nested ws_blocking calls, each spawning
 *    fib and syncing it, on a 1-worker pool; every result checked.
 *  - Exactly once: --tasks tasks, each a ws_blocking sleep of 0-200 us and
 *    a fork-join fib inside and around it, on 2 workers: every task once
 *    (a bitmap), every fib right; the spare count never exceeds
 *    max_blocking.
 *  - Spares exhausted: one worker, max_blocking 1, and two tasks that
 *    block until both are blocking: the second is uncompensated (counted),
 *    and both finish.
 *  - A blocking call while another worker is idle needs no spare (that
 *    worker stands by): none is started, none is counted missing.
 *  - A spare that cannot start (a child process under RLIMIT_NPROC, as an
 *    unprivileged user, since root ignores the limit): fn runs anyway and
 *    is counted uncompensated.
 *  - Spares retire: after spare_keepalive_ms idle, no spare thread is left.
 *  - Outside any pool fn just runs; NULL fn and a worker that is not the
 *    caller give -EINVAL.
 *  - ws_pool_destroy while a blocking call is in flight waits for it.
 *
 * usage: test_blocking [--tasks=N] [--seed=N]
 *
 * Atomics: flags and tallies written by tasks and read by the test thread
 * (relaxed, or release/acquire where the reader then relies on data).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_check.h"
#include "sanitize.h"
#include "watchdog.h"

static long long opt_tasks = 4000, opt_seed = 0;

static ws_pool *pool_with(unsigned workers, unsigned max_blocking, unsigned keepalive_ms)
{
    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.workers = workers;
    cfg.max_blocking = max_blocking;
    cfg.spare_keepalive_ms = keepalive_ms;
    ws_pool *p = NULL;
    int e = ws_pool_create(&p, &cfg);
    if (e != 0)
        fprintf(stderr, "ws_pool_create: %s\n", ws_strerror(e));
    REQUIRE(e == 0);
    return p;
}

static struct ws_worker_stats blocking_stats(ws_pool *p)
{
    struct ws_pool_info info;
    REQUIRE(ws_pool_info(p, &info) == 0);
    unsigned n = info.workers + info.max_blocking;
    struct ws_worker_stats *s = calloc(n, sizeof(*s)), t = {0};
    REQUIRE(s != NULL);
    int got = ws_pool_stats(p, s, n);
    REQUIRE(got >= (int)info.workers);
    for (int i = 0; i < got; i++) {
        t.blocking += s[i].blocking;
        t.uncompensated += s[i].uncompensated;
    }
    free(s);
    return t;
}

/* ---- a stand-in runs what queues behind a blocked worker ---------------- */

struct standin {
    ws_pool *pool;
    _Atomic int released; /* set by the job queued behind the blocker */
    long fib_result;
};

static void release_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    /* release: pairs with the acquire in wait_released(). */
    atomic_store_explicit(&((struct standin *)arg)->released, 1, memory_order_release);
}

static void wait_released(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    struct standin *s = arg;
    /* acquire: pairs with release_fn(). */
    while (!atomic_load_explicit(&s->released, memory_order_acquire))
        api_sleep_ms(1);
}

static void standin_root(ws_worker *w, ws_head h, void *arg)
{
    struct standin *s = arg;
    /* A child spawned before the block: private until ws_blocking
     * publishes it, then run by the spare (or by us, after). */
    struct fib_frame a = {.n = 20};
    h = ws_spawn(w, h, &a.task, fib_sync_task);
    CHECK_EQ(ws_submit(s->pool, NULL, release_fn, s), 0);
    CHECK_EQ(ws_blocking(w, h, wait_released, s), 0);
    h = ws_sync(w, h, &a.task);
    s->fib_result = a.result;
}

static void test_standin(void)
{
    ws_pool *p = pool_with(1, 0, 0);
    struct standin s = {.pool = p};
    atomic_init(&s.released, 0);
    watchdog_arm(60, "a blocked worker of a 1-worker pool waiting for a job queued behind it");
    CHECK_EQ(ws_run(p, standin_root, &s), 0);
    watchdog_disarm();
    CHECK_EQ(s.fib_result, fib_serial(20));
    struct ws_worker_stats t = blocking_stats(p);
    CHECK_EQU(t.blocking, 1);
    CHECK_EQU(t.uncompensated, 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    printf("a spare stood in for a blocked worker of a 1-worker pool\n");
}

/* ---- back-to-back blocking calls ------------------------------------------ */

struct b2b_kid {
    ws_task task;
    atomic_int ran;
};

static void b2b_kid_fn(ws_worker *w, ws_head h, ws_task *t)
{
    (void)w;
    (void)h;
    /* release: the blocked caller's acquire below sees it. */
    atomic_store_explicit(&WS_CONTAINER_OF(t, struct b2b_kid, task)->ran, 1, memory_order_release);
}

static void b2b_wait(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    struct b2b_kid *k = arg;
    /* Only a spare can run the kid while we block here. */
    while (!atomic_load_explicit(&k->ran, memory_order_acquire))
        api_sleep_ms(1);
}

static void b2b_root(ws_worker *w, ws_head h, void *arg)
{
    (void)arg;
    struct b2b_kid k;
    atomic_init(&k.ran, 0);
    h = ws_spawn(w, h, &k.task, b2b_kid_fn);
    CHECK_EQ(ws_blocking(w, h, b2b_wait, &k), 0);
    h = ws_sync(w, h, &k.task);
}

/* A blocking call right after another, on a 1-worker pool: the first one's
 * spare is idle and about to retire (permits are overdrawn until it does),
 * so the second must not count on it. Until 2026-12-01 it did, and every
 * other call's published kid waited for the whole call (here: forever). */
static void test_back_to_back(void)
{
    ws_pool *p = pool_with(1, 0, 0);
    watchdog_arm(60, "a blocking call right after another, its kid run by no spare");
    for (int i = 0; i < 50; i++)
        CHECK_EQ(ws_run(p, b2b_root, NULL), 0);
    watchdog_disarm();
    struct ws_worker_stats t = blocking_stats(p);
    CHECK_EQU(t.blocking, 50);
    CHECK_EQU(t.uncompensated, 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    printf("50 back-to-back blocking calls, each kid run by a spare meanwhile\n");
}

/* ---- nested blocking calls with fork-join work ---------------------------- */

struct nest {
    int depth;
    long sum;
    int failures;
};

static void nest_fn(ws_worker *w, ws_head h, void *arg)
{
    struct nest *n = arg;
    /* Fork-join inside the blocking call: spawn, block some more (deeper),
     * then sync. */
    struct fib_frame a = {.n = 18};
    h = ws_spawn(w, h, &a.task, fib_sync_task);
    long b = fib_reclaim(w, h, 17);
    if (n->depth > 0) {
        struct nest inner = {.depth = n->depth - 1};
        api_sleep_ms(1); /* it does block */
        if (ws_blocking(w, h, nest_fn, &inner) != 0)
            n->failures++;
        n->sum += inner.sum;
        n->failures += inner.failures;
    }
    h = ws_sync(w, h, &a.task);
    if (a.result != fib_serial(18) || b != fib_serial(17))
        n->failures++;
    n->sum += a.result + b;
}

static void nest_root(ws_worker *w, ws_head h, void *arg)
{
    if (ws_blocking(w, h, nest_fn, arg) != 0)
        ((struct nest *)arg)->failures++;
}

static void test_nested(void)
{
    ws_pool *p = pool_with(1, 0, 0);
    struct nest n = {.depth = 7}; /* 8 calls in all */
    watchdog_arm(60, "8 nested ws_blocking calls with fork-join work on 1 worker");
    CHECK_EQ(ws_run(p, nest_root, &n), 0);
    watchdog_disarm();
    CHECK_EQ(n.failures, 0);
    CHECK_EQ(n.sum, 8 * (fib_serial(18) + fib_serial(17)));
    struct ws_worker_stats t = blocking_stats(p);
    CHECK_EQU(t.blocking, 1); /* the outermost call only */
    CHECK_EQ(ws_pool_destroy(p), 0);
    printf("8 nested ws_blocking calls, each with fork-join work, on a 1-worker pool\n");
}

/* ---- exactly once, many blocking tasks ----------------------------------- */

struct many {
    _Atomic uint8_t *seen;
    _Atomic int failures;
    uint64_t seed;
};

struct many_task {
    ws_task task;
    struct many *m;
    uint32_t idx;
    unsigned sleep_us;
};

static void many_block(ws_worker *w, ws_head h, void *arg)
{
    struct many_task *t = arg;
    long f = fib_sync(w, h, 10); /* fork-join inside the block */
    if (t->sleep_us)
        usleep(t->sleep_us);
    if (f != fib_serial(10))
        atomic_fetch_add_explicit(&t->m->failures, 1, memory_order_relaxed);
}

static void many_fn(ws_worker *w, ws_head h, ws_task *task)
{
    struct many_task *t = WS_CONTAINER_OF(task, struct many_task, task);
    long f = fib_reclaim(w, h, 12);
    if (ws_blocking(w, h, many_block, t) != 0 || f != fib_serial(12))
        atomic_fetch_add_explicit(&t->m->failures, 1, memory_order_relaxed);
    if (atomic_fetch_add_explicit(&t->m->seen[t->idx], 1, memory_order_relaxed) != 0)
        atomic_fetch_add_explicit(&t->m->failures, 1, memory_order_relaxed);
}

static void test_many(void)
{
    enum { MAX_BLOCKING = 64 };
    ws_pool *p = pool_with(2, MAX_BLOCKING, 0);
    size_t n = (size_t)opt_tasks;
    struct many m = {.seed = (uint64_t)opt_seed | 1};
    m.seen = calloc(n ? n : 1, 1);
    struct many_task *t = calloc(n ? n : 1, sizeof(*t));
    REQUIRE(m.seen != NULL && t != NULL);
    atomic_init(&m.failures, 0);
    unsigned max_spares = 0;
    for (size_t i = 0; i < n; i++) {
        m.seed ^= m.seed << 13;
        m.seed ^= m.seed >> 7;
        m.seed ^= m.seed << 17;
        t[i] = (struct many_task){.m = &m, .idx = (uint32_t)i, .sleep_us = m.seed % 201};
        CHECK_EQ(ws_post(p, &t[i].task, many_fn), 0);
        if (i % 256 == 0) {
            struct ws_pool_info info;
            ws_pool_info(p, &info);
            max_spares = info.spares > max_spares ? info.spares : max_spares;
        }
    }
    watchdog_arm(300, "%zu tasks blocking in ws_blocking on 2 workers", n);
    struct ws_worker_stats st = {0};
    /* Wait for all (the pool is drained by destroy; stats first). */
    for (;;) {
        size_t done = 0;
        for (size_t i = 0; i < n; i++)
            done += atomic_load_explicit(&m.seen[i], memory_order_relaxed) != 0;
        struct ws_pool_info info;
        ws_pool_info(p, &info);
        max_spares = info.spares > max_spares ? info.spares : max_spares;
        if (done == n)
            break;
        api_sleep_ms(5);
    }
    st = blocking_stats(p);
    CHECK_EQ(ws_pool_destroy(p), 0);
    watchdog_disarm();
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += atomic_load_explicit(&m.seen[i], memory_order_relaxed) != 1;
    CHECK_EQU(bad, 0);
    CHECK_EQ(atomic_load(&m.failures), 0);
    CHECK_EQU(st.blocking, n);
    CHECK(max_spares <= MAX_BLOCKING);
    printf("%zu blocking tasks with fork-join on 2 workers: each once; at most %u spares seen, "
           "%llu calls uncompensated\n",
           n, max_spares, (unsigned long long)st.uncompensated);
    free(m.seen);
    free(t);
}

/* ---- spares exhausted ------------------------------------------------------ */

struct both {
    _Atomic int blocking; /* tasks inside their blocking call */
};

static void until_both(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    struct both *b = arg;
    atomic_fetch_add(&b->blocking, 1);
    while (atomic_load(&b->blocking) < 2)
        api_sleep_ms(1);
}

static void both_fn(ws_worker *w, ws_head h, void *arg)
{
    CHECK_EQ(ws_blocking(w, h, until_both, arg), 0);
}

static void test_idle_other(void)
{
    /* Two workers, one blocking call while the other is idle. */
    ws_pool *p = pool_with(2, 0, 0);
    struct both b;
    atomic_init(&b.blocking, 1); /* one is enough to pass until_both() */
    api_sleep_ms(50);            /* both workers go idle */
    CHECK_EQ(ws_run(p, both_fn, &b), 0);
    struct ws_worker_stats t = blocking_stats(p);
    struct ws_pool_info info;
    ws_pool_info(p, &info);
    CHECK_EQU(t.blocking, 1);
    CHECK_EQU(t.uncompensated, 0);
    CHECK_EQ(info.spares, 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    printf("a blocking call with another worker idle started no spare\n");
}

static void test_exhausted(void)
{
    /* One worker, one spare: the first blocker gets the spare (no other
     * worker is idle), which runs the second; that one finds no spare left
     * and blocks on its core, counted. Both must still finish. */
    ws_pool *p = pool_with(1, 1, 0);
    struct both b;
    atomic_init(&b.blocking, 0);
    ws_job *j1, *j2;
    REQUIRE(ws_submit(p, &j1, both_fn, &b) == 0);
    REQUIRE(ws_submit(p, &j2, both_fn, &b) == 0);
    watchdog_arm(60, "two blocking calls with one spare");
    CHECK_EQ(ws_job_wait(j1), 0);
    CHECK_EQ(ws_job_wait(j2), 0);
    watchdog_disarm();
    ws_job_release(j1);
    ws_job_release(j2);
    struct ws_worker_stats t = blocking_stats(p);
    CHECK_EQU(t.blocking, 2);
    CHECK_EQU(t.uncompensated, 1);
    CHECK_EQ(ws_pool_destroy(p), 0);
    printf("spares exhausted: the second blocking call ran on its core, counted\n");
}

/* ---- a spare that cannot start ---------------------------------------------- */

static void nop_block(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    *(int *)arg += 1;
}

static void try_block(ws_worker *w, ws_head h, void *arg)
{
    CHECK_EQ(ws_blocking(w, h, nop_block, arg), 0);
}

static int nproc_child(void)
{
    /* Root ignores RLIMIT_NPROC: become nobody first. */
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
        fprintf(stderr, "nproc child: cannot drop to uid 65534\n");
        return 1;
    }
    ws_pool *p = pool_with(1, 4, 0);
    struct rlimit rl = {1, 1}; /* this user may not start another thread */
    if (setrlimit(RLIMIT_NPROC, &rl) != 0) {
        fprintf(stderr, "nproc child: setrlimit: %s\n", strerror(errno));
        return 1;
    }
    int calls = 0;
    alarm(60);
    CHECK_EQ(ws_run(p, try_block, &calls), 0);
    CHECK_EQ(calls, 1);
    struct ws_worker_stats t = blocking_stats(p);
    CHECK_EQU(t.blocking, 1);
    CHECK_EQU(t.uncompensated, 1);
    struct ws_pool_info info;
    ws_pool_info(p, &info);
    CHECK_EQ(info.spares, 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    return check_failures;
}

static void test_spare_cannot_start(void)
{
    if (WS_TEST_SANITIZED) {
        /* The sanitizers' own threads and the uid switch do not mix. */
        printf("SKIP: RLIMIT_NPROC child (sanitizer build)\n");
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int failures = nproc_child();
        _exit(failures > 100 ? 100 : failures);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        REQUIRE(errno == EINTR);
    CHECK(WIFEXITED(st));
    if (WIFEXITED(st))
        CHECK_EQ(WEXITSTATUS(st), 0);
    printf("a spare that cannot start (RLIMIT_NPROC): fn ran, counted uncompensated\n");
}

/* ---- spares retire --------------------------------------------------------- */

static void short_block(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    (void)arg;
    api_sleep_ms(2);
}

static void burst_fn(ws_worker *w, ws_head h, ws_task *t)
{
    (void)t;
    CHECK_EQ(ws_blocking(w, h, short_block, NULL), 0);
}

static void test_retire(void)
{
    ws_pool *p = pool_with(2, 16, 50);
    ws_task t[32];
    for (int i = 0; i < 32; i++)
        CHECK_EQ(ws_post(p, &t[i], burst_fn), 0);
    struct ws_pool_info info;
    unsigned seen = 0;
    watchdog_arm(60, "spares retiring after 50 ms idle");
    for (int k = 0; k < 2000; k++) {
        ws_pool_info(p, &info);
        seen = info.spares > seen ? info.spares : seen;
        if (seen > 0 && info.spares == 0)
            break;
        api_sleep_ms(5);
    }
    watchdog_disarm();
    CHECK(seen > 0);
    CHECK_EQ(info.spares, 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    printf("spares retire: up to %u ran, none left after the keep-alive\n", seen);
}

/* ---- edges ------------------------------------------------------------------- */

struct other {
    ws_worker *first;
    int rc;
};

static void record_worker(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    ((struct other *)arg)->first = w;
}

static void use_other(ws_worker *w, ws_head h, void *arg)
{
    struct other *o = arg;
    (void)w;
    o->rc = ws_blocking(o->first, h, nop_block, &o->rc); /* h is ours, o->first not */
}

static void outside_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    if (w == NULL)
        *(int *)arg = 1;
}

static void test_edges(void)
{
    int ran = 0;
    CHECK_EQ(ws_blocking(NULL, NULL, outside_fn, &ran), 0);
    CHECK_EQ(ran, 1);
    CHECK_EQ(ws_blocking(NULL, NULL, NULL, NULL), -EINVAL);
    /* A worker of another pool is not the caller. */
    ws_pool *a = pool_with(1, 0, 0), *b = pool_with(1, 0, 0);
    struct other o = {0};
    CHECK_EQ(ws_run(a, record_worker, &o), 0);
    CHECK_EQ(ws_run(b, use_other, &o), 0);
    CHECK_EQ(o.rc, -EINVAL);
    CHECK_EQ(ws_pool_destroy(a), 0);
    CHECK_EQ(ws_pool_destroy(b), 0);
}

/* ---- destroy while a blocking call is in flight ------------------------------ */

static void slow_block(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    api_sleep_ms(100);
    /* release: pairs with the acquire after ws_pool_destroy. */
    atomic_store_explicit((_Atomic int *)arg, 1, memory_order_release);
}

static void slow_fn(ws_worker *w, ws_head h, void *arg)
{
    CHECK_EQ(ws_blocking(w, h, slow_block, arg), 0);
}

static void test_destroy_in_flight(void)
{
    ws_pool *p = pool_with(2, 0, 0);
    _Atomic int done = 0;
    CHECK_EQ(ws_submit(p, NULL, slow_fn, &done), 0);
    api_sleep_ms(20);
    watchdog_arm(60, "ws_pool_destroy with a blocking call in flight");
    CHECK_EQ(ws_pool_destroy(p), 0);
    watchdog_disarm();
    /* acquire: pairs with slow_block(). */
    CHECK_EQ(atomic_load_explicit(&done, memory_order_acquire), 1);
    printf("ws_pool_destroy waited for a blocking call in flight\n");
}

int main(int argc, char **argv)
{
    opt_seed = (long long)time(NULL);
    const struct api_opt opts[] = {
        {"tasks", &opt_tasks, 0, 100000000, "blocking tasks in the exactly-once test"},
        {"seed", &opt_seed, 0, INT64_MAX, "random seed (sleep lengths)"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    printf("test_blocking: --tasks=%lld --seed=%lld\n", opt_tasks, opt_seed);
    test_spare_cannot_start(); /* first: it forks, best done with one thread */
    test_edges();
    test_standin();
    test_back_to_back();
    test_nested();
    test_exhausted();
    test_idle_other();
    test_many();
    test_retire();
    test_destroy_in_flight();
    return check_report("test_blocking");
}
