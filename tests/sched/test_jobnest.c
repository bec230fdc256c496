/*
 * test_jobnest.c - a worker waiting for a job of its own pool helps run
 * it, however deeply such waits nest: a job that submits a job and waits
 * for it, 40 levels deep, on a 1-worker pool (where nobody else can run
 * the inner jobs) and 80 deep on a 2-worker pool. A hang is reported by
 * a watchdog after 20 s instead of the ctest timeout.
 */
#include "api_check.h"
#include "watchdog.h"

static void run(unsigned workers, int depth, const char *what)
{
    ws_pool *p = api_pool(workers, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct job_nest top = {.pool = p, .depth = depth};
    watchdog_arm(20, "%s", what);
    CHECK_EQ(ws_run(p, job_nest_fn, &top), 0);
    watchdog_disarm();
    CHECK_EQ(top.failures, 0);
    CHECK_EQ(top.result, fib_serial(12));
    printf("%s: done\n", what);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

int main(void)
{
    run(1, 8, "1 worker, 8 nested job waits");
    run(1, 40, "1 worker, 40 nested job waits");
    run(2, 80, "2 workers, 80 nested job waits");
    return check_report("test_jobnest");
}
