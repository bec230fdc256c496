/*
 * test_entry.c - entry into a pool from outside and from inside:
 *  - 8 outside threads at once, each running roots with ws_run and
 *    submitting jobs with ws_submit (waited with ws_job_wait, polled with
 *    ws_job_poll, or detached), every result checked; detached jobs have
 *    all run when ws_pool_destroy returns; also with 16-slot root queues,
 *    so that workers grow them;
 *  - ws_submit from a task and ws_job_wait from a worker of the same pool
 *    (the worker runs the job, or helps instead of blocking), on 1 and 2
 *    workers, also with jobs that submit and wait for jobs; detached jobs
 *    submitted from inside run by the time ws_pool_destroy returns;
 *  - ws_run from a worker of the same pool runs inline;
 *  - two pools at once: tasks of pool A run roots on pool B and wait for
 *    jobs of B, while outside threads use both;
 *  - create/destroy cycles leak no descriptor or thread (and, under
 *    AddressSanitizer, LeakSanitizer checks memory at exit);
 *  - job handles outlive their pool: poll, wait, then release;
 *  - a handle released while other threads (outside threads and a worker
 *    of the pool) are still in ws_job_wait on it: each wait ends normally
 *    (and AddressSanitizer sees no use after free).
 *
 * usage: test_entry [--roots=N] [--jobs=N] [--cycles=N] [--seed=N]
 *
 * Atomics: counters and flags that tasks update are tallies, relaxed (or
 * plain seq_cst), read after ws_run, ws_job_wait or pthread_join has
 * returned, which orders them; where one publishes data it says so.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "api_check.h"
#include "proc_check.h"

#define THREADS 8

static long long opt_roots = 100, opt_jobs = 200, opt_cycles = 1000, opt_seed = 0;

/* A 64-bit LCG (Knuth's MMIX constants); the high bits are good enough. */
static uint32_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(*s >> 33);
}

/* ---- 8 outside threads at once ----------------------------------------- */

/* What a detached job adds to: read after ws_pool_destroy returns, which
 * waits for every job (its acquire pairs with each job's completion). */
static _Atomic uint64_t g_detached_runs, g_detached_sum;

static void detached_fn(ws_worker *w, ws_head h, void *arg)
{
    struct fib_root *r = arg;
    fib_root_fn(w, h, r);
    atomic_fetch_add_explicit(&g_detached_sum, (uint64_t)r->result, memory_order_relaxed);
    /* release: our last access to *r; pairs with the acquire in inside_fn
     * that lets it free the frames. */
    atomic_fetch_add_explicit(&g_detached_runs, 1, memory_order_release);
}

struct outside {
    ws_pool *pool;
    pthread_barrier_t *start;
    uint64_t seed;
    long long roots, jobs;
    /* Detached jobs' frames: they must outlive the jobs, so the caller
     * frees them after ws_pool_destroy. */
    struct fib_root *detached;
    long long ndetached;
    uint64_t detached_want;
    int failures;
};

static void *outside_main(void *arg)
{
    struct outside *o = arg;
    uint64_t s = o->seed;
    struct fib_root *frames = calloc((size_t)o->jobs + 1, sizeof(*frames));
    ws_job **jobs = calloc((size_t)o->jobs + 1, sizeof(*jobs));
    REQUIRE(frames != NULL && jobs != NULL);
    pthread_barrier_wait(o->start);
    for (long long i = 0; i < o->roots || i < o->jobs; i++) {
        if (i < o->roots) {
            struct fib_root r = {.n = 4 + (int)(rng_next(&s) % 14),
                                 .style = (enum fib_style)(i & 1)};
            if (ws_run(o->pool, fib_root_fn, &r) != 0 || r.result != fib_serial(r.n))
                o->failures++;
        }
        if (i < o->jobs) {
            frames[i] = (struct fib_root){.n = 4 + (int)(rng_next(&s) % 14), .result = -1};
            if (i % 4 == 3) {
                /* Detached. */
                struct fib_root *d = &o->detached[o->ndetached++];
                *d = frames[i];
                o->detached_want += (uint64_t)fib_serial(d->n);
                if (ws_submit(o->pool, NULL, detached_fn, d) != 0)
                    o->failures++;
            } else if (ws_submit(o->pool, &jobs[i], fib_root_fn, &frames[i]) != 0) {
                o->failures++;
            }
        }
    }
    /* Half waited, half polled, in submission order. */
    for (long long i = 0; i < o->jobs; i++) {
        if (jobs[i] == NULL)
            continue;
        if (i % 2 == 0) {
            if (ws_job_wait(jobs[i]) != 0)
                o->failures++;
        } else {
            int r;
            while ((r = ws_job_poll(jobs[i])) == 0)
                sched_yield();
            if (r != 1)
                o->failures++;
        }
        if (ws_job_poll(jobs[i]) != 1 || frames[i].result != fib_serial(frames[i].n))
            o->failures++;
        ws_job_release(jobs[i]);
    }
    free(frames);
    free(jobs);
    return NULL;
}

static void test_outside_threads(unsigned workers, unsigned inject_log2)
{
    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.workers = workers;
    cfg.inject_log2 = inject_log2;
    ws_pool *p = NULL;
    REQUIRE(ws_pool_create(&p, &cfg) == 0);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    pthread_t th[THREADS];
    struct outside o[THREADS];
    atomic_store(&g_detached_runs, 0);
    atomic_store(&g_detached_sum, 0);
    for (unsigned i = 0; i < THREADS; i++) {
        o[i] = (struct outside){.pool = p,
                                .start = &start,
                                .seed = (uint64_t)opt_seed * 31 + i,
                                .roots = opt_roots,
                                .jobs = opt_jobs};
        o[i].detached = calloc((size_t)opt_jobs + 1, sizeof(*o[i].detached));
        REQUIRE(o[i].detached != NULL);
        REQUIRE(pthread_create(&th[i], NULL, outside_main, &o[i]) == 0);
    }
    uint64_t runs_want = 0, sum_want = 0;
    int failures = 0;
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        runs_want += (uint64_t)o[i].ndetached;
        sum_want += o[i].detached_want;
        failures += o[i].failures;
    }
    CHECK_EQ(failures, 0);
    /* Detached jobs may still run: destroy waits for them. */
    CHECK_EQ(ws_pool_destroy(p), 0);
    CHECK_EQU(atomic_load_explicit(&g_detached_runs, memory_order_relaxed), runs_want);
    CHECK_EQU(atomic_load_explicit(&g_detached_sum, memory_order_relaxed), sum_want);
    for (unsigned i = 0; i < THREADS; i++)
        free(o[i].detached);
    pthread_barrier_destroy(&start);
    printf("%d outside threads on %u workers (root queues 2^%u): %lld roots and %lld jobs "
           "each, %llu detached in all\n",
           THREADS, workers, inject_log2 ? inject_log2 : 10, opt_roots, opt_jobs,
           (unsigned long long)runs_want);
}

/* ---- jobs submitted and waited for inside the pool ---------------------- */

struct inside {
    ws_pool *pool;
    int depth; /* levels of jobs that submit a job and wait for it */
    int njobs;
    struct fib_root *detached; /* njobs frames for detached jobs: they outlive the pool */
    int failures;
};

/* Submits njobs fib jobs (plus detached ones), waits for them in reverse
 * order, and then for a job that nests `depth` levels of job waits. */
static void inside_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    struct inside *in = arg;
    if (ws_worker_pool(w) != in->pool)
        in->failures++;
    struct fib_root *frames = calloc((size_t)in->njobs, sizeof(*frames));
    ws_job **jobs = calloc((size_t)in->njobs, sizeof(*jobs));
    if (frames == NULL || jobs == NULL) {
        in->failures++;
        free(frames);
        free(jobs);
        return;
    }
    for (int i = 0; i < in->njobs; i++) {
        frames[i] = (struct fib_root){.n = 5 + i % 10, .result = -1};
        in->detached[i] = frames[i];
        if (ws_submit(in->pool, &jobs[i], fib_root_fn, &frames[i]) != 0)
            in->failures++;
        if (ws_submit(in->pool, NULL, detached_fn, &in->detached[i]) != 0)
            in->failures++;
    }
    for (int i = in->njobs - 1; i >= 0; i--) {
        if (ws_job_wait(jobs[i]) != 0 || ws_job_poll(jobs[i]) != 1 ||
            frames[i].result != fib_serial(frames[i].n))
            in->failures++;
        ws_job_release(jobs[i]);
    }
    struct job_nest nest = {.pool = in->pool, .depth = in->depth};
    ws_job *j = NULL;
    if (ws_submit(in->pool, &j, job_nest_fn, &nest) != 0 || ws_job_wait(j) != 0)
        in->failures++;
    ws_job_release(j);
    if (nest.result != fib_serial(12))
        in->failures++;
    in->failures += nest.failures;
    /* The detached jobs may not have run yet: on a 1-worker pool they wait
     * in this worker's queue until this task returns. ws_pool_destroy runs
     * them; test_inside() checks them after it. */
    free(frames);
    free(jobs);
}

static void test_inside(unsigned workers, unsigned inject_log2, int njobs, int depth)
{
    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.workers = workers;
    cfg.inject_log2 = inject_log2;
    ws_pool *p = NULL;
    REQUIRE(ws_pool_create(&p, &cfg) == 0);
    atomic_store(&g_detached_runs, 0);
    atomic_store(&g_detached_sum, 0);
    struct inside in = {.pool = p, .njobs = njobs, .depth = depth};
    in.detached = calloc((size_t)njobs, sizeof(*in.detached));
    REQUIRE(in.detached != NULL);
    CHECK_EQ(ws_run(p, inside_fn, &in), 0);
    CHECK_EQ(in.failures, 0);
    CHECK_EQ(ws_pool_destroy(p), 0); /* runs the detached jobs first */
    uint64_t want = 0;
    for (int i = 0; i < njobs; i++)
        want += (uint64_t)fib_serial(in.detached[i].n);
    CHECK_EQU(atomic_load(&g_detached_runs), njobs);
    CHECK_EQU(atomic_load(&g_detached_sum), want);
    free(in.detached);
    printf("inside a %u-worker pool (root queues 2^%u): %d jobs waited for, %d detached, "
           "%d nested job waits\n",
           workers, inject_log2, njobs, njobs, depth);
}

/* ---- ws_run from a worker of the same pool ------------------------------ */

struct inline_arg {
    ws_worker *outer;
    pthread_t thread;
    int ran, same_worker, same_thread;
    long fib;
};

static void inline_inner(ws_worker *w, ws_head h, void *arg)
{
    struct inline_arg *a = arg;
    a->ran = 1;
    a->same_worker = w == a->outer && ws_worker_self() == w;
    a->same_thread = pthread_equal(pthread_self(), a->thread);
    a->fib = fib_reclaim(w, h, 20);
}

static void inline_outer(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    struct inline_arg *a = arg;
    a->outer = w;
    a->thread = pthread_self();
    if (ws_run(ws_worker_pool(w), inline_inner, a) != 0)
        a->ran = -1;
}

static void test_run_inline(void)
{
    for (unsigned workers = 1; workers <= 2; workers++) {
        ws_pool *p = api_pool(workers, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
        struct inline_arg a = {0};
        CHECK_EQ(ws_run(p, inline_outer, &a), 0);
        CHECK_EQ(a.ran, 1);
        CHECK_EQ(a.same_worker, 1);
        CHECK_EQ(a.same_thread, 1);
        CHECK_EQ(a.fib, fib_serial(20));
        CHECK_EQ(ws_pool_destroy(p), 0);
    }
}

/* ---- two pools at once --------------------------------------------------- */

struct cross {
    ws_pool *a, *b;
    long long rounds;
    _Atomic int failures;
};

struct on_b {
    ws_pool *b;
    long result;
    int wrong_pool;
};

static void on_b_fn(ws_worker *w, ws_head h, void *arg)
{
    struct on_b *x = arg;
    x->wrong_pool = ws_worker_pool(w) != x->b;
    x->result = fib_sync(w, h, 18);
}

/* A task of pool A: runs a root on B, waits for a job of B, computes on A. */
static void on_a_fn(ws_worker *w, ws_head h, void *arg)
{
    struct cross *c = arg;
    struct on_b run = {.b = c->b}, job = {.b = c->b};
    ws_job *j = NULL;
    int bad = ws_worker_pool(w) != c->a;
    bad |= ws_submit(c->b, &j, on_b_fn, &job) != 0;
    bad |= ws_run(c->b, on_b_fn, &run) != 0;
    long mine = fib_sync(w, h, 16);
    bad |= ws_job_wait(j) != 0;
    ws_job_release(j);
    bad |= run.result != fib_serial(18) || job.result != fib_serial(18) || run.wrong_pool ||
           job.wrong_pool || mine != fib_serial(16) || ws_worker_pool(w) != c->a;
    if (bad)
        atomic_fetch_add_explicit(&c->failures, 1, memory_order_relaxed);
}

static void *cross_thread(void *arg)
{
    struct cross *c = arg;
    for (long long i = 0; i < c->rounds; i++) {
        if (ws_run(c->a, on_a_fn, c) != 0)
            atomic_fetch_add_explicit(&c->failures, 1, memory_order_relaxed);
        if (api_run_fib(c->b, 15, FIB_RECLAIM) != 0)
            atomic_fetch_add_explicit(&c->failures, 1, memory_order_relaxed);
    }
    return NULL;
}

static void test_two_pools(void)
{
    struct cross c = {.a = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT),
                      .b = api_pool(3, WS_PIN_NONE, WS_VICTIM_RANDOM),
                      .rounds = opt_roots};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        REQUIRE(pthread_create(&th[i], NULL, cross_thread, &c) == 0);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(atomic_load(&c.failures), 0);
    CHECK_EQU(ws_pool_workers(c.a), 2);
    CHECK_EQU(ws_pool_workers(c.b), 3);
    CHECK_EQ(ws_pool_destroy(c.b), 0);
    CHECK_EQ(ws_pool_destroy(c.a), 0);
}

/* ---- create/destroy cycles ----------------------------------------------- */

static void test_cycles(void)
{
    size_t fds = count_fds(), threads = count_threads_settled(SIZE_MAX);
    static struct fib_root detached[4];
    double t0 = api_now();
    for (long long i = 0; i < opt_cycles; i++) {
        struct ws_config cfg = WS_CONFIG_INIT;
        cfg.workers = 1 + (unsigned)(i % 4);
        cfg.pin = (enum ws_pin_policy)(i % 4);
        ws_pool *p = NULL;
        int e = ws_pool_create(&p, &cfg);
        CHECK_EQ(e, 0);
        if (e != 0)
            break;
        if (i % 10 == 0) {
            struct fib_root *d = &detached[i / 10 % 4];
            *d = (struct fib_root){.n = 10};
            CHECK_EQ(api_run_fib(p, 12, FIB_SYNC), 0);
            CHECK_EQ(ws_submit(p, NULL, fib_root_fn, d), 0);
        }
        CHECK_EQ(ws_pool_destroy(p), 0);
    }
    CHECK_EQU(count_fds(), fds);
    CHECK_LE(count_threads_settled(threads), threads); /* none left behind (see proc_check.h) */
    printf("%lld create/destroy cycles in %.1f s: %zu descriptors and %zu threads before and "
           "after\n",
           opt_cycles, api_now() - t0, fds, threads);
}

/* ---- job handles outlive their pool -------------------------------------- */

static void test_jobs_outlive_pool(void)
{
    enum { N = 16 };
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct fib_root r[N];
    ws_job *j[N];
    for (int i = 0; i < N; i++) {
        r[i] = (struct fib_root){.n = 10 + i, .result = -1};
        CHECK_EQ(ws_submit(p, &j[i], fib_root_fn, &r[i]), 0);
    }
    CHECK_EQ(ws_pool_destroy(p), 0); /* waits for the jobs; the handles stay */
    for (int i = 0; i < N; i++) {
        CHECK_EQ(ws_job_poll(j[i]), 1);
        if (i % 2 == 0)
            CHECK_EQ(ws_job_wait(j[i]), 0);
        CHECK_EQ(ws_job_poll(j[i]), 1);
        CHECK_EQ(r[i].result, fib_serial(r[i].n));
        ws_job_release(j[i]);
    }
}

/* ---- a handle released while others wait on it ---------------------------- */

struct gate_job {
    _Atomic int started, go;
};

static void gate_job_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    struct gate_job *g = arg;
    (void)w;
    atomic_store(&g->started, 1);
    while (!atomic_load(&g->go))
        api_sleep_ms(1);
}

struct waiter {
    ws_job *job;
    _Atomic int entered;
    int rc;
};

static void *waiter_main(void *arg)
{
    struct waiter *x = arg;
    atomic_store(&x->entered, 1);
    x->rc = ws_job_wait(x->job);
    return NULL;
}

static void waiter_task(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    waiter_main(arg);
}

static void test_release_while_waiting(void)
{
    enum { WAITERS = 4 };
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct gate_job g;
    atomic_init(&g.started, 0);
    atomic_init(&g.go, 0);
    ws_job *j = NULL;
    REQUIRE(ws_submit(p, &j, gate_job_fn, &g) == 0);
    while (!atomic_load(&g.started))
        api_sleep_ms(1);
    /* Outside threads, and a task on the other worker, all wait on j. */
    struct waiter x[WAITERS + 1];
    pthread_t th[WAITERS];
    for (int i = 0; i <= WAITERS; i++) {
        x[i].job = j;
        atomic_init(&x[i].entered, 0);
        x[i].rc = -1;
    }
    for (int i = 0; i < WAITERS; i++)
        REQUIRE(pthread_create(&th[i], NULL, waiter_main, &x[i]) == 0);
    ws_job *k = NULL;
    REQUIRE(ws_submit(p, &k, waiter_task, &x[WAITERS]) == 0);
    for (int i = 0; i <= WAITERS; i++)
        while (!atomic_load(&x[i].entered))
            api_sleep_ms(1);
    api_sleep_ms(20);  /* let them reach the wait proper (not needed for correctness) */
    ws_job_release(j); /* the handle goes; the waits hold the job */
    atomic_store(&g.go, 1);
    for (int i = 0; i < WAITERS; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(ws_job_wait(k), 0);
    ws_job_release(k);
    for (int i = 0; i <= WAITERS; i++)
        CHECK_EQ(x[i].rc, 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    printf("a handle released while %d threads and a worker waited on it: every wait ended\n",
           WAITERS);
}

int main(int argc, char **argv)
{
    opt_seed = (long long)time(NULL);
    const struct api_opt opts[] = {
        {"roots", &opt_roots, 0, 100000000, "roots per outside thread"},
        {"jobs", &opt_jobs, 0, 100000000, "jobs per outside thread"},
        {"cycles", &opt_cycles, 0, 100000000, "pool create/destroy cycles"},
        {"seed", &opt_seed, 0, INT64_MAX, "random seed (fib sizes)"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    printf("test_entry: --roots=%lld --jobs=%lld --cycles=%lld --seed=%lld\n", opt_roots, opt_jobs,
           opt_cycles, opt_seed);

    test_outside_threads(3, 0);
    test_outside_threads(2, 4);
    test_inside(1, 10, 200, 20);
    test_inside(1, 4, 100, 8);
    test_inside(2, 4, 100, 20);
    test_run_inline();
    test_two_pools();
    test_jobs_outlive_pool();
    test_release_while_waiting();
    test_cycles();
    return check_report("test_entry");
}
