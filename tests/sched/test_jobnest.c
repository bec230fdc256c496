/*
 * test_jobnest.c - a worker waiting for a job of its own pool helps run
 * it, however deeply such waits nest: a job that submits a job and waits
 * for it, 40 levels deep, on a 1-worker pool (where nobody else can run
 * the inner jobs) and 80 deep on a 2-worker pool. A hang is reported by
 * a watchdog after 20 s instead of the ctest timeout.
 */
#include <signal.h>
#include <unistd.h>

#include "api_check.h"

static const char *g_running = "";

static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "test_jobnest: hung for 20 s in: ";
    ssize_t r = write(2, msg, sizeof(msg) - 1);
    r += write(2, g_running, strlen(g_running));
    r += write(2, "\n", 1);
    _exit(r > 0 ? 1 : 2);
}

static void run(unsigned workers, int depth, const char *what)
{
    ws_pool *p = api_pool(workers, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct job_nest top = {.pool = p, .depth = depth};
    g_running = what;
    alarm(20);
    CHECK_EQ(ws_run(p, job_nest_fn, &top), 0);
    alarm(0);
    CHECK_EQ(top.failures, 0);
    CHECK_EQ(top.result, fib_serial(12));
    printf("%s: done\n", what);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* the watchdog exits without flushing */
    signal(SIGALRM, watchdog);
    run(1, 8, "1 worker, 8 nested job waits");
    run(1, 40, "1 worker, 40 nested job waits");
    run(2, 80, "2 workers, 80 nested job waits");
    return check_report("test_jobnest");
}
