/*
 * test_storm.c - submit storms: more outside threads than cores, all
 * submitting at once, through the public API only.
 *
 * 16 threads each hand a pool --per frames as fast as they can: tracked
 * posts (ws_post), detached jobs and jobs with a handle (ws_submit, the
 * handles waited for at the end), and roots (ws_run). On 1 and 2 workers,
 * --rounds times each. Every frame runs exactly once: a bitmap of the
 * posts, a counter of the rest. At 7b23bf3 the injection ring made a
 * preempted submitter stall all the others (one such run took over 30 s);
 * a watchdog reports a storm that does not end within 120 s, naming it.
 * The longest single ws_post or ws_submit is printed, never asserted:
 * timings do not decide tests.
 *
 * usage: test_storm [--threads=N] [--per=N] [--rounds=N] [--seed=N]
 *
 * Atomics: the bitmap and counters are tallies read after the storm's
 * threads are joined and the pool destroyed: relaxed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "api_check.h"
#include "watchdog.h"

static long long opt_threads = 16, opt_per = 5000, opt_rounds = 20, opt_seed = 0;

struct storm;

struct post {
    ws_task task;
    struct storm *st;
    uint32_t idx; /* in the storm's bitmap */
};

struct storm {
    ws_pool *pool;
    pthread_barrier_t start;
    struct post *posts;    /* threads * per */
    _Atomic uint8_t *seen; /* one per post */
    _Atomic uint64_t jobs_ran;
    _Atomic int duplicates;
    _Atomic uint64_t longest_ns;
};

struct storm_thread {
    struct storm *st;
    pthread_t thread;
    uint64_t rng;
    uint32_t first; /* its posts: [first, first + per) */
    uint64_t jobs;  /* detached jobs, handles and roots it made */
    ws_job **handles;
    unsigned nhandles;
    int failures;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void post_fn(ws_worker *w, ws_head h, ws_task *t)
{
    (void)h;
    struct post *p = WS_CONTAINER_OF(t, struct post, task);
    if (w == NULL || atomic_fetch_add_explicit(&p->st->seen[p->idx], 1, memory_order_relaxed))
        atomic_fetch_add_explicit(&p->st->duplicates, 1, memory_order_relaxed);
}

static void job_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    atomic_fetch_add_explicit(&((struct storm *)arg)->jobs_ran, 1, memory_order_relaxed);
}

static void *storm_main(void *arg)
{
    struct storm_thread *t = arg;
    struct storm *st = t->st;
    uint64_t longest = 0;
    pthread_barrier_wait(&st->start);
    for (long long i = 0; i < opt_per; i++) {
        uint64_t x = t->rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        t->rng = x;
        unsigned k = (unsigned)(x >> 32) % 16;
        uint64_t t0 = now_ns();
        int err;
        if (k < 10) {
            struct post *p = &st->posts[t->first + (uint32_t)i];
            p->st = st;
            p->idx = t->first + (uint32_t)i;
            err = ws_post(st->pool, &p->task, post_fn);
        } else if (k < 14) {
            err = ws_submit(st->pool, NULL, job_fn, st);
            t->jobs += err == 0;
        } else if (k < 15) {
            err = ws_submit(st->pool, &t->handles[t->nhandles], job_fn, st);
            t->nhandles += err == 0;
            t->jobs += err == 0;
        } else {
            err = ws_run(st->pool, job_fn, st);
            t->jobs += err == 0;
            t0 = 0; /* ws_run waits for its root by design: not timed */
        }
        uint64_t d = t0 ? now_ns() - t0 : 0;
        longest = d > longest ? d : longest;
        if (err != 0) {
            fprintf(stderr, "storm: call %lld of a thread: %s\n", i, ws_strerror(err));
            t->failures++;
        }
    }
    for (unsigned h = 0; h < t->nhandles; h++) {
        if (ws_job_wait(t->handles[h]) != 0)
            t->failures++;
        ws_job_release(t->handles[h]);
    }
    uint64_t m = atomic_load_explicit(&st->longest_ns, memory_order_relaxed);
    while (longest > m &&
           !atomic_compare_exchange_weak_explicit(&st->longest_ns, &m, longest,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
    return NULL;
}

static void storms(unsigned workers, uint64_t *seed)
{
    unsigned n = (unsigned)opt_threads;
    size_t nposts = (size_t)n * (size_t)opt_per;
    struct storm st;
    struct storm_thread *th = calloc(n, sizeof(*th));
    st.posts = calloc(nposts ? nposts : 1, sizeof(*st.posts));
    st.seen = calloc(nposts ? nposts : 1, sizeof(*st.seen));
    REQUIRE(th != NULL && st.posts != NULL && st.seen != NULL);
    for (unsigned i = 0; i < n; i++) {
        th[i].handles = calloc((size_t)opt_per + 1, sizeof(ws_job *));
        REQUIRE(th[i].handles != NULL);
    }
    uint64_t longest = 0, frames = 0;
    double t0 = api_now();
    for (long long r = 0; r < opt_rounds && check_failures == 0; r++) {
        watchdog_arm(120, "storm %lld: %u threads x %lld frames on %u workers", r, n, opt_per,
                     workers);
        st.pool = api_pool(workers, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
        pthread_barrier_init(&st.start, NULL, n);
        memset(st.seen, 0, nposts);
        atomic_init(&st.jobs_ran, 0);
        atomic_init(&st.duplicates, 0);
        atomic_init(&st.longest_ns, 0);
        uint64_t jobs = 0, posted = 0;
        for (unsigned i = 0; i < n; i++) {
            th[i].st = &st;
            th[i].rng = (*seed += 0x9e3779b97f4a7c15ull) | 1;
            th[i].first = i * (uint32_t)opt_per;
            th[i].jobs = 0;
            th[i].nhandles = 0;
            th[i].failures = 0;
            REQUIRE(pthread_create(&th[i].thread, NULL, storm_main, &th[i]) == 0);
        }
        int failures = 0;
        for (unsigned i = 0; i < n; i++) {
            pthread_join(th[i].thread, NULL);
            jobs += th[i].jobs;
            failures += th[i].failures;
        }
        CHECK_EQ(ws_pool_destroy(st.pool), 0); /* runs the detached jobs and posts left */
        watchdog_disarm();
        CHECK_EQ(failures, 0);
        CHECK_EQ(atomic_load_explicit(&st.duplicates, memory_order_relaxed), 0);
        CHECK_EQU(atomic_load_explicit(&st.jobs_ran, memory_order_relaxed), jobs);
        /* Posts were made where the draw said so: each exactly once. */
        size_t bad = 0;
        for (size_t k = 0; k < nposts; k++) {
            uint8_t v = atomic_load_explicit(&st.seen[k], memory_order_relaxed);
            posted += v == 1;
            bad += v > 1;
        }
        CHECK_EQU(bad, 0);
        frames += jobs + posted;
        uint64_t l = atomic_load_explicit(&st.longest_ns, memory_order_relaxed);
        longest = l > longest ? l : longest;
        pthread_barrier_destroy(&st.start);
    }
    /* Every post slot not drawn as a post stayed 0: count the draws. */
    printf("%lld storms of %u threads x %lld frames on %u workers: %llu frames, each once, "
           "%.2f s; longest post or submit %.2f ms (not asserted)\n",
           opt_rounds, n, opt_per, workers, (unsigned long long)frames, api_now() - t0,
           (double)longest / 1e6);
    for (unsigned i = 0; i < n; i++)
        free(th[i].handles);
    free(th);
    free(st.posts);
    free(st.seen);
}

int main(int argc, char **argv)
{
    opt_seed = (long long)time(NULL);
    const struct api_opt opts[] = {
        {"threads", &opt_threads, 1, 256, "outside threads"},
        {"per", &opt_per, 0, 10000000, "frames per thread and storm"},
        {"rounds", &opt_rounds, 0, 100000000, "storms per pool size"},
        {"seed", &opt_seed, 0, INT64_MAX, "random seed (frame kinds)"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    printf("test_storm: --threads=%lld --per=%lld --rounds=%lld --seed=%lld\n", opt_threads,
           opt_per, opt_rounds, opt_seed);
    uint64_t seed = (uint64_t)opt_seed * 0x2545f4914f6cdd1dull + 1;
    storms(1, &seed);
    storms(2, &seed);
    return check_report("test_storm");
}
