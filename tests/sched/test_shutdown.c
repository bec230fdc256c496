/*
 * test_shutdown.c - ws_pool_destroy and ws_pool_cancel while outside threads
 * submit as fast as they can.
 *
 * Each round starts a 2-worker pool and S submitter threads, which post
 * tracked tasks (ws_post), submit detached jobs and jobs with a handle
 * (ws_submit), and run roots (ws_run), without pause, until a call is
 * refused. After a random delay the main thread destroys the pool
 * (optionally cancelling first). Then, for every round:
 *  - every refusal is -ESHUTDOWN, and every submitter is refused;
 *  - every admitted frame ran exactly once (destroy), or ran or was
 *    cancelled exactly once, and the cancellations add up to what
 *    ws_pool_cancel returned (cancel); a bitmap of the tracked posts and
 *    counters of the rest show it; nothing refused ever ran;
 *  - ws_pool_destroy returned 0, and returned at all (a watchdog reports a
 *    hang with the round it happened in).
 * The rounds: --rounds with 1, 2 and 8 submitters and no-op frames (the
 * destroy of 7b23bf3 deadlocked in 12 of 20 such rounds), and --long rounds
 * with 8 submitters, frames of 20 us of work and a 2 ms delay, destroy and
 * cancel: submitters that keep up with the pool (there, destroy waited for
 * ever for a moment with nothing pending).
 *
 * The contract says no call may start after ws_pool_destroy returns. To
 * keep to it while submitters run until refused, a white-box hook holds the
 * pool's memory until the submitters have been joined: it runs inside
 * ws_pool_destroy after the workers stopped, just before the free. Nothing
 * else is changed.
 *
 * usage: test_shutdown [--rounds=N] [--long=N] [--seed=N]
 *
 * Atomics: the bitmap entries and counters are tallies written by tasks
 * and read after ws_pool_destroy returns (pthread_join and the pool's own
 * hand-offs order them): relaxed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "api_check.h"
#include "pool.h"
#include "watchdog.h"

#define MAX_SUBMITTERS 8
#define TRACKED        4096 /* tracked posts per submitter and round; later posts are untracked */
#define HANDLES        256  /* jobs with a handle per submitter and round */

static long long opt_rounds = 1000, opt_long = 20, opt_seed = 0;

struct sub;

struct rec {
    ws_task task;
    struct sub *s;
    uint32_t idx;
    _Atomic int busy; /* untracked frames: queued or running */
};

struct sub {
    ws_pool *pool;
    uint64_t rng;
    unsigned work_ns;
    pthread_t thread;
    struct rec recs[TRACKED];
    _Atomic uint8_t seen[TRACKED]; /* tracked posts: 1 ran, 2 cancelled; more is a duplicate */
    struct rec untracked[64];      /* reused frames of posts past TRACKED, counted only */
    _Atomic uint64_t untracked_ran, untracked_cancelled;
    _Atomic uint64_t jobs_ran; /* detached and handle jobs that ran */
    _Atomic int duplicates;
    ws_job *handles[HANDLES];
    /* Written by the submitter only, read after join. */
    uint32_t posts; /* tracked posts admitted: recs[0, posts) */
    uint64_t untracked_posts, detached, runs, runs_cancelled;
    unsigned nhandles;
    int refusal; /* the error that stopped it */
    int failures;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void work(unsigned ns)
{
    if (ns == 0)
        return;
    uint64_t end = now_ns() + ns;
    while (now_ns() < end)
        ;
}

static void rec_fn(ws_worker *w, ws_head h, ws_task *t)
{
    (void)h;
    struct rec *r = WS_CONTAINER_OF(t, struct rec, task);
    struct sub *s = r->s;
    if (w != NULL)
        work(s->work_ns);
    if (r->idx < TRACKED) {
        if (atomic_fetch_add_explicit(&s->seen[r->idx], w != NULL ? 1 : 2, memory_order_relaxed) !=
            0)
            atomic_fetch_add_explicit(&s->duplicates, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(w != NULL ? &s->untracked_ran : &s->untracked_cancelled, 1,
                                  memory_order_relaxed);
        /* release: our last access to *r; pairs with the submitter's
         * acquire before it reuses the frame. */
        atomic_store_explicit(&r->busy, 0, memory_order_release);
    }
}

static void job_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    struct sub *s = arg;
    (void)w;
    work(s->work_ns);
    atomic_fetch_add_explicit(&s->jobs_ran, 1, memory_order_relaxed);
}

static uint32_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (uint32_t)(*x >> 11);
}

static void *submitter(void *arg)
{
    struct sub *s = arg;
    int err = 0;
    for (uint64_t i = 0; err == 0; i++) {
        uint32_t k = rng_next(&s->rng) % 64;
        if (k < 40) {
            if (s->posts < TRACKED) {
                struct rec *r = &s->recs[s->posts];
                *r = (struct rec){.s = s, .idx = s->posts};
                if ((err = ws_post(s->pool, &r->task, rec_fn)) == 0)
                    s->posts++;
            } else {
                /* Untracked posts reuse a frame once its task has run. */
                struct rec *r = &s->untracked[s->untracked_posts % 64];
                /* acquire: pairs with the release in rec_fn(). */
                while (atomic_load_explicit(&r->busy, memory_order_acquire))
                    sched_yield();
                r->s = s;
                r->idx = TRACKED;
                atomic_store_explicit(&r->busy, 1, memory_order_relaxed);
                if ((err = ws_post(s->pool, &r->task, rec_fn)) == 0)
                    s->untracked_posts++;
                else
                    atomic_store_explicit(&r->busy, 0, memory_order_relaxed);
            }
        } else if (k < 60) {
            if ((err = ws_submit(s->pool, NULL, job_fn, s)) == 0)
                s->detached++;
        } else if (k < 63 && s->nhandles < HANDLES) {
            if ((err = ws_submit(s->pool, &s->handles[s->nhandles], job_fn, s)) == 0)
                s->nhandles++;
        } else {
            err = ws_run(s->pool, job_fn, s);
            if (err == 0 || err == -ECANCELED) {
                s->runs++;
                s->runs_cancelled += err == -ECANCELED;
                err = 0;
            }
        }
    }
    s->refusal = err;
    return NULL;
}

struct round {
    struct sub *subs;
    unsigned nsubs;
};

/* Inside ws_pool_destroy, just before the free: every submitter has been
 * refused by now (admission closed before the workers stopped). */
static void join_submitters(void *arg)
{
    struct round *r = arg;
    for (unsigned i = 0; i < r->nsubs; i++)
        pthread_join(r->subs[i].thread, NULL);
}

struct totals {
    uint64_t rounds, admitted, cancelled;
};

static void one_round(struct sub *subs, unsigned nsubs, unsigned work_ns, unsigned delay_us,
                      bool cancel, uint64_t *seed, struct totals *tot)
{
    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.workers = 2;
    ws_pool *p = NULL;
    REQUIRE(ws_pool_create(&p, &cfg) == 0);
    struct round rd = {subs, nsubs};
    struct ws__hooks hooks = {.before_free = join_submitters, .arg = &rd};
    /* release: pairs with ws__hooks()'s acquire: the hooks are visible. */
    atomic_store_explicit(&p->hooks, &hooks, memory_order_release);
    for (unsigned i = 0; i < nsubs; i++) {
        struct sub *s = &subs[i];
        memset(s, 0, sizeof(*s));
        s->pool = p;
        s->rng = (*seed += 0x9e3779b97f4a7c15ull) | 1;
        s->work_ns = work_ns;
        REQUIRE(pthread_create(&s->thread, NULL, submitter, s) == 0);
    }
    if (delay_us)
        usleep(delay_us);
    int cancelled = 0;
    if (cancel) {
        cancelled = ws_pool_cancel(p);
        CHECK(cancelled >= 0);
    }
    CHECK_EQ(ws_pool_destroy(p), 0); /* joins the submitters (the hook) */

    uint64_t cancelled_seen = 0;
    for (unsigned i = 0; i < nsubs; i++) {
        struct sub *s = &subs[i];
        CHECK_EQ(s->refusal, -ESHUTDOWN);
        CHECK_EQ(s->failures, 0);
        CHECK_EQ(atomic_load_explicit(&s->duplicates, memory_order_relaxed), 0);
        uint32_t bad = 0;
        for (uint32_t k = 0; k < TRACKED; k++) {
            uint8_t v = atomic_load_explicit(&s->seen[k], memory_order_relaxed);
            bool ok = k < s->posts ? (v == 1 || (cancel && v == 2)) : v == 0;
            bad += !ok;
            cancelled_seen += v == 2;
        }
        CHECK_EQU(bad, 0);
        uint64_t handles_cancelled = 0;
        for (unsigned k = 0; k < s->nhandles; k++) {
            int e = ws_job_wait(s->handles[k]); /* handles outlive the pool */
            CHECK(e == 0 || (cancel && e == -ECANCELED));
            handles_cancelled += e == -ECANCELED;
            CHECK_EQ(ws_job_poll(s->handles[k]), 1);
            ws_job_release(s->handles[k]);
        }
        uint64_t ut_ran = atomic_load_explicit(&s->untracked_ran, memory_order_relaxed);
        uint64_t ut_can = atomic_load_explicit(&s->untracked_cancelled, memory_order_relaxed);
        CHECK_EQU(ut_ran + ut_can, s->untracked_posts);
        if (!cancel)
            CHECK_EQU(ut_can, 0);
        /* Jobs that ran: detached, handles and ws_run roots, less those cancelled. */
        uint64_t jobs_ran = atomic_load_explicit(&s->jobs_ran, memory_order_relaxed);
        uint64_t jobs_admitted = s->detached + s->nhandles + s->runs;
        uint64_t jobs_cancelled = jobs_admitted - jobs_ran;
        CHECK(jobs_ran <= jobs_admitted);
        if (!cancel)
            CHECK_EQU(jobs_cancelled, 0);
        CHECK(jobs_cancelled >= handles_cancelled + s->runs_cancelled);
        cancelled_seen += ut_can + jobs_cancelled;
        tot->admitted += s->posts + s->untracked_posts + jobs_admitted;
    }
    CHECK_EQU(cancelled_seen, (uint64_t)cancelled);
    tot->cancelled += (uint64_t)cancelled;
    tot->rounds++;
}

static void rounds(unsigned nsubs, long long n, unsigned work_ns, unsigned max_delay_us,
                   bool cancel, uint64_t *seed)
{
    struct sub *subs = calloc(nsubs, sizeof(*subs));
    REQUIRE(subs != NULL);
    struct totals tot = {0};
    double t0 = api_now();
    for (long long i = 0; i < n && check_failures == 0; i++) {
        watchdog_arm(120, "round %lld of %u submitters, %s, %u ns frames", i, nsubs,
                     cancel ? "cancel then destroy" : "destroy", work_ns);
        unsigned delay = max_delay_us ? rng_next(seed) % (max_delay_us + 1) : 0;
        one_round(subs, nsubs, work_ns, delay, cancel, seed, &tot);
        watchdog_disarm();
    }
    printf("%llu rounds, %u submitters, %s, %u ns frames: %llu admitted, %llu cancelled, "
           "all once (%.1f s)\n",
           (unsigned long long)tot.rounds, nsubs, cancel ? "cancel then destroy" : "destroy",
           work_ns, (unsigned long long)tot.admitted, (unsigned long long)tot.cancelled,
           api_now() - t0);
    free(subs);
}

int main(int argc, char **argv)
{
    opt_seed = (long long)time(NULL);
    const struct api_opt opts[] = {
        {"rounds", &opt_rounds, 0, 100000000, "rounds per submitter count, no-op frames"},
        {"long", &opt_long, 0, 100000000, "rounds with 20 us frames, 8 submitters"},
        {"seed", &opt_seed, 0, INT64_MAX, "random seed (delays, frame kinds)"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    printf("test_shutdown: --rounds=%lld --long=%lld --seed=%lld\n", opt_rounds, opt_long,
           opt_seed);
    uint64_t seed = (uint64_t)opt_seed * 0x2545f4914f6cdd1dull + 1;
    const unsigned counts[] = {1, 2, MAX_SUBMITTERS};
    for (unsigned c = 0; c < 3; c++)
        rounds(counts[c], opt_rounds, 0, 300, false, &seed);
    for (unsigned c = 0; c < 3; c++)
        rounds(counts[c], opt_rounds / 5, 0, 300, true, &seed);
    rounds(MAX_SUBMITTERS, opt_long, 20000, 2000, false, &seed);
    rounds(MAX_SUBMITTERS, opt_long, 20000, 2000, true, &seed);
    return check_report("test_shutdown");
}
