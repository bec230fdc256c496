/*
 * test_grain.c - the granularity workload: its checksum of every kernel's
 * output is checked on every model's path (flat, a tree of spawns, a tree
 * cut into pieces) and a wrong answer fails; the kernel's calibration
 * against its own request.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "exec/exec.h"
#include "workloads/grain/grain.h"

extern const struct exec_ops exec_serial, exec_threadpool, exec_stealing;
extern const struct workload workload_grain;

static const char *const params[] = {
    "ns:200/tasks:300",
    "ns:200/tasks:300/shape:tree",
    "ns:1000/tasks:1/shape:tree",
    "ns:50/tasks:1000/shape:tree",
};

/* exec_serial, but one piece's result is off by one: a map() that lies. */
static int lying_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n)
{
    int r = exec_serial.map(x, fn, pieces, n);
    if (r == 0 && n > 0 && pieces[n - 1].res_len >= 1)
        ((unsigned char *)pieces[n - 1].res)[0] ^= 1;
    return r;
}

/* exec_serial, but forkn drops its last child: a tree with a leaf lost. */
static void lossy_forkn(struct exec *x, size_t n, exec_fork_fn fn, void *arg)
{
    exec_serial.forkn(x, n > 1 ? n - 1 : n, fn, arg);
}

static void run_ok(const struct exec_ops *ops, unsigned workers, void *state, const char *p)
{
    struct exec *x = NULL;
    struct exec_config cfg = {.workers = workers};
    struct work_run run;
    memset(&run, 0, sizeof(run));
    REQUIRE(ops->create(&x, &cfg) == 0);
    int e = workload_run(&workload_grain, state, ops, x, &run);
    if (e != 0)
        CHECK_FAIL_("grain %s on %s: %d (%s)", p, ops->name, e, run.error);
    ops->destroy(x);
}

static void run_wrong(const struct exec_ops *ops, void *state, const char *p)
{
    struct exec *x = NULL;
    struct work_run run;
    memset(&run, 0, sizeof(run));
    REQUIRE(ops->create(&x, NULL) == 0);
    CHECK_EQ(workload_run(&workload_grain, state, ops, x, &run), -EPROTO);
    if (strstr(run.error, "grain") == NULL || strstr(run.error, ops->name) == NULL ||
        strstr(run.error, "expected") == NULL)
        CHECK_FAIL_("grain %s on %s: error \"%s\" does not say what was wrong", p, ops->name,
                    run.error);
    ops->destroy(x);
}

static void test_checksum(void)
{
    struct exec_ops liar = exec_serial, lossy = exec_serial;
    liar.name = "liar";
    liar.flags &= ~EXEC_NESTS; /* the tree reaches it cut into pieces, through map() */
    liar.run = NULL;
    liar.forkn = NULL;
    liar.map = lying_map;
    lossy.name = "lossy";
    lossy.forkn = lossy_forkn;
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        char err[256] = "";
        void *state = NULL;
        struct work_run run;
        REQUIRE(workload_grain.prepare(&state, params[i], err, sizeof(err)) == 0);
        memset(&run, 0, sizeof(run));
        CHECK_EQ(workload_grain.serial(state, &run), 0);
        run_ok(&exec_serial, 1, state, params[i]);
        run_ok(&exec_threadpool, 3, state, params[i]);
        run_ok(&exec_stealing, 2, state, params[i]);
        run_wrong(&liar, state, params[i]);
        /* Only a tree of more than one leaf has a child to lose. */
        if (strstr(params[i], "tree") != NULL && strstr(params[i], "tasks:1/") == NULL)
            run_wrong(&lossy, state, params[i]);
        workload_grain.release(state);
    }
}

static double thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * The calibration against its request: 20 tasks of 1 ms must take 20 ms of
 * this thread's CPU, within 20%. A machine too noisy to calibrate on (the
 * tries disagree among themselves by more than that) is a warning, never a
 * failure; a consistent miss is one.
 */
static void test_calibration(void)
{
    enum { TRIES = 5 };
    const double want = 20 * 1e6;
    char err[256] = "";
    void *state = NULL;
    double lo = 0, hi = 0, best = 0;
    REQUIRE(workload_grain.prepare(&state, "ns:1000000/tasks:20", err, sizeof(err)) == 0);
    CHECK(grain_calibration() > 0);
    CHECK_EQ(grain_iters_for(1000000), grain_iters_for(1000000)); /* measured once */
    for (int t = 0; t < TRIES; t++) {
        struct work_run run;
        memset(&run, 0, sizeof(run));
        double t0 = thread_cpu_ns();
        CHECK_EQ(workload_grain.serial(state, &run), 0);
        double got = thread_cpu_ns() - t0;
        lo = t ? fmin(lo, got) : got;
        hi = t ? fmax(hi, got) : got;
        if (fabs(got / want - 1) < fabs(best / want - 1))
            best = got;
    }
    workload_grain.release(state);
    printf("calibration: %.4f iterations/ns; 20 x 1 ms took %.2f .. %.2f ms of CPU\n",
           grain_calibration(), lo / 1e6, hi / 1e6);
    if (fabs(best / want - 1) <= 0.2)
        return;
    if (hi / lo > 1.2) {
        printf("warning: too noisy to check the calibration (tries %.2f .. %.2f ms)\n", lo / 1e6,
               hi / 1e6);
        return;
    }
    CHECK_FAIL_("calibration off: 20 x 1 ms took %.2f ms of CPU at best (want 20 ms +- 20%%)",
                best / 1e6);
}

int main(void)
{
    test_checksum();
    test_calibration();
    return check_report("test_grain");
}
