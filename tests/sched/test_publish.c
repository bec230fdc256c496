/*
 * test_publish.c - lazy publication's window, closed where it costs
 * nothing: a thief that finishes a stolen child asks its owner for work
 * before it reports the child done, so the owner's first spawn after the
 * sync is published at once, during the spawn (the owner's `publishes`
 * counter moves by one inside ws_spawn). Before, the thief asked only once
 * its search reached the owner, which raced that spawn and lost about half
 * the time; the spawn then stayed private until the owner's next spawn or
 * sync, however long the owner worked in between.
 *
 * Each round: spawn a child and wait (without syncing) until it starts on
 * the other worker, retrying until a thief takes one; sync it; spawn a
 * second child and look at the counter. No timing is asserted: a round
 * whose child the thief does not take within 1 ms is retried, and the
 * watchdog turns a hang into a failure.
 *
 * usage: test_publish [--rounds=N]
 */
#include <stdatomic.h>

#include "api_check.h"
#include "watchdog.h"

static long long opt_rounds = 2000;

struct child {
    ws_task task;
    _Atomic int ran_on; /* the id of the worker that ran it, -1 before */
};

static void child_fn(ws_worker *w, ws_head h, ws_task *t)
{
    (void)h;
    struct child *c = WS_CONTAINER_OF(t, struct child, task);
    /* release: pairs with the acquire in steal_one() (ws_sync orders it too). */
    atomic_store_explicit(&c->ran_on, (int)ws_worker_id(w), memory_order_release);
}

static uint64_t own_publishes(ws_worker *w)
{
    struct ws_worker_stats st[2];
    REQUIRE(ws_pool_stats(ws_worker_pool(w), st, 2) == 2);
    return st[ws_worker_id(w)].publishes;
}

/* Spawns children until the other worker runs one; syncs each. The number
 * of tries. */
static long long steal_one(ws_worker *w, ws_head h)
{
    long long tries = 0;
    for (;;) {
        struct child c;
        tries++;
        atomic_init(&c.ran_on, -1);
        h = ws_spawn(w, h, &c.task, child_fn);
        double until = api_now() + 0.001;
        /* acquire: pairs with the release in child_fn(). */
        while (atomic_load_explicit(&c.ran_on, memory_order_acquire) < 0 && api_now() < until)
            ;
        h = ws_sync(w, h, &c.task);
        /* relaxed: ws_sync ordered the child's store before this load. */
        if (atomic_load_explicit(&c.ran_on, memory_order_relaxed) != (int)ws_worker_id(w))
            return tries;
    }
}

struct rounds {
    long long tries, published;
};

static void root_fn(ws_worker *w, ws_head h, void *arg)
{
    struct rounds *r = arg;
    for (long long i = 0; i < opt_rounds; i++) {
        r->tries += steal_one(w, h);
        struct child c;
        atomic_init(&c.ran_on, -1);
        uint64_t before = own_publishes(w);
        h = ws_spawn(w, h, &c.task, child_fn);
        r->published += own_publishes(w) == before + 1;
        h = ws_sync(w, h, &c.task);
    }
}

int main(int argc, char **argv)
{
    const struct api_opt opts[] = {
        {"rounds", &opt_rounds, 1, 100000000, "stolen children, each followed by a spawn"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    watchdog_arm(240, "%lld rounds on 2 workers", opt_rounds);
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct rounds r = {0};
    CHECK_EQ(ws_run(p, root_fn, &r), 0);
    watchdog_disarm();
    printf("%lld rounds (%lld spawns until a thief took one): the spawn after the stolen "
           "child's sync was published at once in %lld\n",
           opt_rounds, r.tries, r.published);
    CHECK_EQ(r.published, opt_rounds);
    CHECK_EQ(ws_pool_destroy(p), 0);
    return check_report("test_publish");
}
