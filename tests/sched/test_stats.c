/*
 * test_stats.c - the per-worker counters are exact once the work that
 * made them has been waited for: right after ws_run (or ws_job_wait)
 * returns, the spawns summed over the workers equal the spawns the root
 * made, and `injected` counts every root. Nothing else runs on the pool,
 * so it is idle from the caller's point of view.
 *
 * usage: test_stats [--rounds=N]
 */
#include "api_check.h"

static long long opt_rounds = 300;

static void run_rounds(unsigned workers, int submit)
{
    ws_pool *p = api_pool(workers, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    uint64_t spawns = 0, roots = 0;
    long long late_spawns = 0, late_roots = 0;
    for (long long i = 0; i < opt_rounds; i++) {
        struct fib_root r = {.n = 10 + (int)(i % 8), .style = FIB_SYNC};
        if (submit) {
            ws_job *j = NULL;
            CHECK_EQ(ws_submit(p, &j, fib_root_fn, &r), 0);
            CHECK_EQ(ws_job_wait(j), 0);
            ws_job_release(j);
        } else {
            CHECK_EQ(ws_run(p, fib_root_fn, &r), 0);
        }
        CHECK_EQ(r.result, fib_serial(r.n));
        spawns += fib_spawns(r.n);
        roots++;
        /* At once: the root and everything it spawned have finished. */
        struct ws_worker_stats sum = api_stats_sum(p);
        late_spawns += sum.spawns != spawns;
        late_roots += sum.injected != roots;
        /* Let late counts arrive, so that the next round starts exact. */
        double deadline = api_now() + 10;
        while (api_spawns(p) != spawns && api_now() < deadline)
            api_sleep_ms(1);
        REQUIRE(api_spawns(p) == spawns);
    }
    printf("%u workers, %s: %lld of %lld rounds saw a short spawn count, %lld a short root "
           "count\n",
           workers, submit ? "ws_submit + ws_job_wait" : "ws_run", late_spawns, opt_rounds,
           late_roots);
    CHECK_EQ(late_spawns, 0);
    CHECK_EQ(late_roots, 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

int main(int argc, char **argv)
{
    const struct api_opt opts[] = {
        {"rounds", &opt_rounds, 1, 100000000, "roots per pool"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    for (int submit = 0; submit <= 1; submit++) {
        run_rounds(1, submit);
        run_rounds(2, submit);
        run_rounds(8, submit);
    }
    return check_report("test_stats");
}
