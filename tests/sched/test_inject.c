/*
 * test_inject.c - white box: a thread parked in the middle of the entry
 * path holds up nobody but itself.
 *
 *  - A submitter parked inside its inbox push (after it read the head,
 *    before its CAS: the window in which a ck_ring producer stalled every
 *    other producer and consumer) while other threads post --frames frames
 *    to the same inbox: all of them run; the parked frame runs once the
 *    submitter resumes (its CAS fails and retries).
 *  - A worker parked while it holds a chain it took from an inbox, before
 *    it appends it to its root queue: the other worker runs the --frames
 *    frames posted meanwhile; the frames the parked worker holds run once
 *    it resumes, and only then.
 * The parking is done with the test hooks of inject.h (struct ws__hooks).
 * A watchdog turns a hang into a failure that names the step.
 *
 * usage: test_inject [--frames=N]
 *
 * Atomics: counters of frames run, read while polling for the pool to go
 * on (relaxed; the semaphores and pthread_join order the rest).
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <unistd.h>

#include "api_check.h"
#include "pool.h"
#include "watchdog.h"

static long long opt_frames = 10000;

struct frame {
    ws_task task;
    _Atomic int *ran;
    int held; /* in the chain a parked worker holds (set by the hook) */
};

static void frame_fn(ws_worker *w, ws_head h, ws_task *t)
{
    (void)w;
    (void)h;
    atomic_fetch_add_explicit(WS_CONTAINER_OF(t, struct frame, task)->ran, 1, memory_order_relaxed);
}

/* One parking place: the first thread that reaches the hook parks until
 * released; with `only_marked`, only a thread that set g_park_me. */
struct park {
    _Atomic int armed; /* 1: the next matching thread parks */
    int only_marked;
    sem_t parked, release;
};

static _Thread_local int g_park_me;

static void park_here(void *arg)
{
    struct park *k = arg;
    if (k->only_marked && !g_park_me)
        return;
    int one = 1;
    if (!atomic_compare_exchange_strong(&k->armed, &one, 0))
        return;
    sem_post(&k->parked);
    while (sem_wait(&k->release) != 0)
        ;
}

/* The transfer hook: marks the frames of the chain it holds, then parks. */
static void park_holding(void *arg, ws_task *chain)
{
    struct park *k = arg;
    /* relaxed: only the first caller parks; the others pass at once. */
    if (atomic_load_explicit(&k->armed, memory_order_relaxed) == 0)
        return;
    for (ws_task *t = chain; t != NULL; t = t->ws__link)
        WS_CONTAINER_OF(t, struct frame, task)->held = 1;
    park_here(arg);
}

/* Waits (polling) until *n reaches want. */
static void wait_count(_Atomic int *n, int want, const char *step)
{
    watchdog_arm(60, "%s", step);
    while (atomic_load_explicit(n, memory_order_relaxed) < want)
        api_sleep_ms(1);
    watchdog_disarm();
}

/* Waits until a thread has parked at k. */
static void wait_parked(struct park *k, const char *step)
{
    watchdog_arm(60, "%s", step);
    while (sem_wait(&k->parked) != 0)
        ;
    watchdog_disarm();
}

struct poster {
    ws_pool *pool;
    struct frame *f;
    int err;
};

static void *post_one(void *arg)
{
    struct poster *p = arg;
    g_park_me = 1;
    p->err = ws_post(p->pool, &p->f->task, frame_fn);
    return NULL;
}

static struct frame *frames_new(size_t n, _Atomic int *ran)
{
    struct frame *f = calloc(n, sizeof(*f));
    REQUIRE(f != NULL);
    for (size_t i = 0; i < n; i++)
        f[i].ran = ran;
    return f;
}

/* A 2-worker pool with hooks that park at k. */
static ws_pool *park_pool(struct park *k, int only_marked, const struct ws__hooks *hooks)
{
    k->only_marked = only_marked;
    atomic_init(&k->armed, 1);
    sem_init(&k->parked, 0, 0);
    sem_init(&k->release, 0, 0);
    ws_pool *pool = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    /* release: pairs with ws__hooks()'s acquire: the hooks are visible. */
    atomic_store_explicit(&pool->hooks, hooks, memory_order_release);
    return pool;
}

static void test_parked_submitter(void)
{
    struct park k;
    struct ws__hooks hooks = {.push = park_here, .arg = &k};
    ws_pool *pool = park_pool(&k, 1, &hooks);

    _Atomic int parked_ran = 0, others_ran = 0;
    struct frame parked_frame = {.ran = &parked_ran};
    struct poster a = {.pool = pool, .f = &parked_frame};
    pthread_t ta;
    REQUIRE(pthread_create(&ta, NULL, post_one, &a) == 0);
    wait_parked(&k, "a submitter reaching the push hook");
    /* The submitter is parked between its read of the head and its CAS. */
    struct frame *f = frames_new((size_t)opt_frames, &others_ran);
    for (long long i = 0; i < opt_frames; i++)
        CHECK_EQ(ws_post(pool, &f[i].task, frame_fn), 0);
    wait_count(&others_ran, (int)opt_frames, "frames posted while a submitter is parked");
    CHECK_EQ(atomic_load(&parked_ran), 0);
    sem_post(&k.release);
    pthread_join(ta, NULL);
    CHECK_EQ(a.err, 0);
    wait_count(&parked_ran, 1, "the parked submitter's frame");
    CHECK_EQ(ws_pool_destroy(pool), 0);
    CHECK_EQ(atomic_load(&parked_ran), 1);
    CHECK_EQ(atomic_load(&others_ran), (int)opt_frames);
    printf("a submitter parked in its push: %lld other frames ran meanwhile; its own ran after\n",
           opt_frames);
    free(f);
    sem_destroy(&k.parked);
    sem_destroy(&k.release);
}

static void test_parked_taker(void)
{
    struct park k;
    struct ws__hooks hooks = {.transfer = park_holding, .arg = &k};
    ws_pool *pool = park_pool(&k, 0, &hooks);

    _Atomic int held_ran = 0, others_ran = 0;
    enum { HELD = 3 };
    struct frame *held = frames_new(HELD, &held_ran);
    for (int i = 0; i < HELD; i++)
        CHECK_EQ(ws_post(pool, &held[i].task, frame_fn), 0);
    wait_parked(&k, "a worker taking the first frames");
    /* One worker holds the chain it took (all or some of the HELD frames,
     * marked by the hook); the other must run the rest, and everything
     * posted from now on. */
    int nheld = 0;
    for (int i = 0; i < HELD; i++)
        nheld += held[i].held;
    CHECK(nheld >= 1);
    struct frame *f = frames_new((size_t)opt_frames, &others_ran);
    for (long long i = 0; i < opt_frames; i++)
        CHECK_EQ(ws_post(pool, &f[i].task, frame_fn), 0);
    wait_count(&others_ran, (int)opt_frames, "frames posted while a worker is parked");
    wait_count(&held_ran, HELD - nheld, "the first frames the parked worker did not take");
    api_sleep_ms(10);
    CHECK_EQ(atomic_load(&held_ran), HELD - nheld); /* the held ones have not run */
    sem_post(&k.release);
    wait_count(&held_ran, HELD, "the frames the parked worker held");
    CHECK_EQ(ws_pool_destroy(pool), 0);
    CHECK_EQ(atomic_load(&held_ran), HELD);
    CHECK_EQ(atomic_load(&others_ran), (int)opt_frames);
    printf("a worker parked holding %d taken frames: the other ran %lld frames meanwhile\n", nheld,
           opt_frames);
    free(f);
    free(held);
    sem_destroy(&k.parked);
    sem_destroy(&k.release);
}

int main(int argc, char **argv)
{
    const struct api_opt opts[] = {
        {"frames", &opt_frames, 1, 100000000, "frames posted while a thread is parked"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    test_parked_submitter();
    test_parked_taker();
    return check_report("test_inject");
}
