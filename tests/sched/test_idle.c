/*
 * test_idle.c - an idle pool sleeps. After one small root, every worker of
 * a 2-worker pool goes to sleep (its `sleeps` counter grows; we wait for
 * that with a deadline, not a fixed delay), and a sleeping worker makes no
 * steal attempts: `steal_fails` stays put over 300 ms. The process's CPU
 * time over a 2 s idle window stays under 0.2 s (asserted with that wide
 * margin; CPU time, not wall time).
 *
 * usage: test_idle [--workers=N]
 */
#include <sys/resource.h>

#include "api_check.h"

static long long opt_workers = 2;

static double cpu_seconds(void)
{
    struct rusage ru;
    REQUIRE(getrusage(RUSAGE_SELF, &ru) == 0);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Waits (up to 10 s) until every worker has slept more often than in
 * `than`; returns the counters then. */
static struct ws_worker_stats *wait_asleep(ws_pool *p, const struct ws_worker_stats *than,
                                           const char *when)
{
    struct ws_worker_stats *s = NULL;
    double t0 = api_now(), deadline = t0 + 10;
    unsigned n = 0, asleep = 0;
    do {
        free(s);
        api_sleep_ms(2);
        s = api_stats(p, &n);
        asleep = 0;
        for (unsigned i = 0; i < n; i++)
            asleep += s[i].sleeps > than[i].sleeps;
    } while (asleep < n && api_now() < deadline);
    printf("%s: %u of %u workers went to sleep within %.3f s\n", when, asleep, n, api_now() - t0);
    CHECK_EQU(asleep, n);
    return s;
}

int main(int argc, char **argv)
{
    const struct api_opt opts[] = {
        {"workers", &opt_workers, 1, 256, "workers in the pool"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));

    ws_pool *p = api_pool((unsigned)opt_workers, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    unsigned n = ws_pool_workers(p);
    struct ws_worker_stats *zero = calloc(n, sizeof(*zero));
    REQUIRE(zero != NULL);
    /* A new pool's workers go to sleep; then a root wakes them (the one
     * that finds it wakes another, and the root's spawns wake the rest),
     * and they go to sleep again. */
    struct ws_worker_stats *before = wait_asleep(p, zero, "after creation");
    api_run_fib(p, 18, FIB_SYNC);
    struct ws_worker_stats *s = wait_asleep(p, before, "after a root");

    /* ...and then makes no steal attempt and no new sleep (no wake-up). */
    struct ws_worker_stats *a = api_stats(p, &n);
    api_sleep_ms(300);
    struct ws_worker_stats *b = api_stats(p, &n);
    for (unsigned i = 0; i < n; i++) {
        printf("worker %u: steal_fails %llu -> %llu, sleeps %llu -> %llu over 300 ms\n", i,
               (unsigned long long)a[i].steal_fails, (unsigned long long)b[i].steal_fails,
               (unsigned long long)a[i].sleeps, (unsigned long long)b[i].sleeps);
        CHECK_EQU(b[i].steal_fails, a[i].steal_fails);
        CHECK_EQU(b[i].sleeps, a[i].sleeps);
    }

    /* An idle pool uses about no CPU: the whole process's CPU time over a
     * 2 s idle window stays under 10% of one core (0.2 s), a margin wide
     * enough for a loaded machine: the workers are asleep and should take
     * about nothing. CPU time only, never wall time. */
    double c0 = cpu_seconds(), w0 = api_now();
    api_sleep_ms(2000);
    double c1 = cpu_seconds(), w1 = api_now();
    printf("idle pool: %.1f ms of CPU time over %.0f ms (%.2f%% of one core)\n", (c1 - c0) * 1e3,
           (w1 - w0) * 1e3, 100 * (c1 - c0) / (w1 - w0));
    CHECK(c1 - c0 < 0.2);

    free(zero);
    free(before);
    free(s);
    free(a);
    free(b);
    CHECK_EQ(ws_pool_destroy(p), 0);
    return check_report("test_idle");
}
