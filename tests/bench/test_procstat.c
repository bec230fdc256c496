/*
 * test_procstat.c - the idle micro-benchmark's CPU-time reading
 * (bench/micro/procstat.c): a live child's CPU time read from /proc agrees
 * with the child's own clock, and the process tree's reading includes it.
 * No threshold on a timed figure: the child burns what it burns, and the
 * reading is compared with its own account of it.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "micro/procstat.h"

static int64_t process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void)
{
    int up[2], down[2];
    REQUIRE(pipe(up) == 0 && pipe(down) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* The child: burn 200 ms of its own CPU, say how much it used, and
         * wait, alive, until told to go. */
        char c;
        while (process_cpu_ns() < 200000000)
            ;
        int64_t own = process_cpu_ns();
        if (write(up[1], &own, sizeof(own)) != sizeof(own))
            _exit(1);
        _exit(read(down[0], &c, 1) == 1 ? 0 : 2);
    }
    int64_t own = 0;
    REQUIRE(read(up[0], &own, sizeof(own)) == sizeof(own));

    /* It is a live child of this process. */
    pid_t kids[16];
    size_t n = procstat_children(kids, 16);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        found |= kids[i] == pid;
    CHECK(found);

    /* /proc's user + system time is kept in clock ticks: allow two of them
     * each way, and its own reading of what it has used since (a read, a
     * write: nothing measurable). */
    long hz = sysconf(_SC_CLK_TCK);
    int64_t tick = 1000000000 / (hz > 0 ? hz : 100);
    int64_t got = procstat_cpu_ns(pid);
    if (got < own - 2 * tick || got > own + 2 * tick)
        CHECK_FAIL_("child's CPU from /proc %" PRId64 " ns, its own clock %" PRId64 " ns", got,
                    own);

    /* The tree: this process's own CPU and the child's. */
    int64_t mine = process_cpu_ns(), tree = procstat_tree_cpu_ns();
    if (tree < mine + own - 2 * tick)
        CHECK_FAIL_("tree CPU %" PRId64 " ns < own %" PRId64 " + child's %" PRId64, tree, mine,
                    own);
    /* Resident memory: both are there, and the tree sums them. */
    int64_t rss_me = procstat_rss_kb(getpid()), rss_kid = procstat_rss_kb(pid);
    CHECK(rss_me > 0);
    CHECK(rss_kid > 0);
    CHECK(procstat_tree_rss_kb() >= rss_kid);

    REQUIRE(write(down[1], "x", 1) == 1);
    int st = 0;
    REQUIRE(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Gone: no reading, no child. */
    CHECK_EQ(procstat_cpu_ns(pid), -1);
    CHECK_EQU(procstat_children(kids, 16), 0);
    return check_report("test_procstat");
}
