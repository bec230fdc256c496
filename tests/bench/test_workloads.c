/*
 * test_workloads.c - the workloads of wsbench_workloads (matmul, sort,
 * sleep, pipe, socket, file, mixed): each, prepared with small parameters,
 * gives its known answer and the right task count on its serial twin, on
 * the serial executor (fork-join for the CPU workloads), on the threadpool
 * with 2 and 8 threads, on the procpool with 2 processes, on stealing
 * (its blocking calls through ws_blocking, mixed fork-join) and
 * stealing-async (the IO workloads event-driven) with 2 workers, and on the
 * event loops: eventloop and eventloop-cores with 2 loops (the IO workloads
 * event-driven on libuv, the CPU ones in turn on the loops) and
 * eventloop-offload (every piece on libuv's pool), and records one latency
 * per task where it promises to; bad parameters are -EINVAL with a
 * message naming the workload; prepare/release cycles leave no descriptor,
 * thread or temporary file behind. A file changed behind the file
 * workload's back fails its runs, naming workload and executor; a process
 * pool forked before prepare() fails a CPU run instead of computing from
 * memory it never inherited.
 *
 * No timing is asserted, except the workloads' own answer checks that a
 * blocking piece blocked at least as long as it was told to.
 *
 * Usage: test_workloads [--quick]
 *   --quick  smaller inputs, for sanitizer builds.
 * Temporary files go to a private directory under $TMPDIR (or /tmp).
 */
#include <fcntl.h>
#include <pthread.h>

#include "check.h"
#include "sanitize.h"
#include "exec_check.h"
#include "core/hist.h"
#include "workloads/workload.h"

extern const struct exec_ops exec_serial, exec_threadpool, exec_procpool, exec_stealing,
    exec_stealing_async, exec_eventloop, exec_eventloop_cores, exec_eventloop_offload;
unsigned exec_eventloop_pool_threads(void); /* exec/eventloop.h, which needs <uv.h> */
extern const struct workload workload_grain, workload_matmul, workload_sort, workload_sleep,
    workload_pipe, workload_socket, workload_file, workload_mixed;

static int quick;
static char tmpdir[256]; /* this test's $TMPDIR */

/* One prepared configuration and the task counts its runs must report. */
struct wcase {
    const struct workload *w;
    const char *params;       /* normal build */
    const char *params_quick; /* --quick */
    uint64_t tasks;           /* serial twin, fork-join and map-only runs */
    uint64_t tasks_quick;
    uint64_t flat_per_worker; /* 0: flat runs have `tasks` tasks; else P x this (at most n) */
    uint64_t n_quick_cap;     /* the flat count's cap in a --quick run (sort's n) */
    uint64_t n_cap;
};

/* Leaves of a halving recursion over n elements down to cutoff (sort.c's shape). */
static uint64_t leaves(uint64_t n, uint64_t cutoff)
{
    return n <= cutoff ? 1 : leaves(n / 2, cutoff) + leaves(n - n / 2, cutoff);
}

static uint64_t want_tasks(const struct wcase *c, const struct exec_ops *ops, unsigned workers)
{
    uint64_t flat, cap = quick ? c->n_quick_cap : c->n_cap;

    if (ops == NULL || c->flat_per_worker == 0 || (ops->flags & EXEC_NESTS))
        return quick ? c->tasks_quick : c->tasks;
    flat = (uint64_t)workers * c->flat_per_worker;
    return flat < cap ? flat : cap;
}

/* Does this workload record one latency per task on ops (NULL: the twin)? */
static int records_latency(const struct wcase *c, const struct exec_ops *ops)
{
    int io = strcmp(c->w->kind, "cpu") != 0;
    return io ? 1 : ops != NULL && !(ops->flags & EXEC_NESTS);
}

/* One run on ops/x (NULL: the serial twin): 0, the task count, one latency per task. */
static void run_once(const struct wcase *c, void *state, const struct exec_ops *ops, struct exec *x,
                     unsigned workers)
{
    struct work_run run;
    struct hist *h;
    int e;

    REQUIRE(hist_create(&h, HIST_ONE_HOUR_NS) == 0);
    memset(&run, 0, sizeof(run));
    run.latency = h;
    e = ops ? workload_run(c->w, state, ops, x, &run) : c->w->serial(state, &run);
    if (e != 0)
        fprintf(stderr, "%s on %s/%u: %s\n", c->w->name, ops ? ops->name : "twin", workers,
                run.error);
    CHECK_EQ(e, 0);
    CHECK_STREQ(run.error, "");
    CHECK_EQU(run.tasks, want_tasks(c, ops, workers));
    if (records_latency(c, ops))
        CHECK_EQU(hist_count(h), run.tasks);
    hist_destroy(h);
}

static void run_on(const struct wcase *c, void *state, const struct exec_ops *ops, unsigned workers)
{
    struct exec *x = texec_make(ops, workers);

    run_once(c, state, ops, x, workers);
    run_once(c, state, ops, x, workers); /* a second run of the same state */
    ops->destroy(x);
}

/* Entries of this test's temporary directory. */
static size_t count_tmp(void)
{
    return tdir_entries(tmpdir);
}

static void test_case(const struct wcase *c)
{
    const char *params = quick ? c->params_quick : c->params;
    size_t fds = count_fds(), threads = count_threads_settled(SIZE_MAX);
    char err[256] = "";
    void *state = NULL;
    int e;

    printf("%s/%s\n", c->w->name, params);
    fflush(stdout); /* the procpool forks */
    e = c->w->prepare(&state, params, err, sizeof(err));
    if (e != 0)
        fprintf(stderr, "prepare %s/%s: %s\n", c->w->name, params, err);
    CHECK_EQ(e, 0);
    REQUIRE(e == 0);
    run_once(c, state, NULL, NULL, 1);
    run_on(c, state, &exec_serial, 1);
    run_on(c, state, &exec_threadpool, 2);
    run_on(c, state, &exec_threadpool, 8);
    run_on(c, state, &exec_procpool, 2); /* forked after prepare(): it inherits the inputs */
    run_on(c, state, &exec_stealing, 2);
    run_on(c, state, &exec_stealing_async, 2);
    run_on(c, state, &exec_eventloop, 1);
    run_on(c, state, &exec_eventloop_cores, 2);
    run_on(c, state, &exec_eventloop_offload, exec_eventloop_pool_threads());
    c->w->release(state);
    CHECK_EQU(count_fds(), fds);
    CHECK_LE(count_threads_settled(threads), threads); /* none left behind (see proc_check.h) */
    CHECK_EQU(count_tmp(), 0);
}

/* ---- cases --------------------------------------------------------------------------------- */

#define CASE(w_, p_, pq_, t_, tq_)                                                                 \
    {                                                                                              \
        .w = &(w_), .params = (p_), .params_quick = (pq_), .tasks = (t_), .tasks_quick = (tq_)     \
    }
/* Sort's task counts follow from its parameters: see fill_sort(). */
#define SORT(p_, pq_, per_worker_)                                                                 \
    {                                                                                              \
        .w = &workload_sort, .params = (p_), .params_quick = (pq_),                                \
        .flat_per_worker = (per_worker_)                                                           \
    }

/* A cut tree's pieces: 16 per worker, at most one per leaf (t_ and tq_). */
#define GRAIN_TREE(p_, pq_, t_, tq_)                                                               \
    {                                                                                              \
        .w = &workload_grain, .params = (p_), .params_quick = (pq_), .tasks = (t_),                \
        .tasks_quick = (tq_), .flat_per_worker = 16, .n_cap = (t_), .n_quick_cap = (tq_)           \
    }

static const struct wcase cases[] = {
    /* 200 = 6 x 32 + 8: edge blocks. 7 x 7 blocks; quick: 48 / 16 = 3 x 3. */
    CASE(workload_matmul, "n:200/block:32", "n:48/block:16", 49, 9),
    CASE(workload_matmul, "n:64", "n:20/block:64", 1, 1),
    /* tasks: the kernels; a tree cut for a flat model: 16 pieces per worker at most. */
    CASE(workload_grain, "ns:200/tasks:1000", "ns:200/tasks:100", 1000, 100),
    GRAIN_TREE("ns:2000/tasks:300/shape:tree", "ns:500/tasks:37/shape:tree", 300, 37),
    GRAIN_TREE("ns:30/tasks:1/shape:tree", "ns:30/tasks:1/shape:tree", 1, 1),
    SORT("n:200000/cutoff:4096", "n:5000/cutoff:512", 4),
    SORT("n:100000/cutoff:1000/distinct:50/per_worker:3",
         "n:3000/cutoff:100/distinct:7/per_worker:3", 3),
    SORT("n:5/cutoff:2/per_worker:8", "n:5/cutoff:2/per_worker:8", 8), /* fewer keys than chunks */
    CASE(workload_sleep, "tasks:40/us:2000", "tasks:20/us:2000", 40, 20),
    CASE(workload_sleep, "tasks:3/us:0", "tasks:3/us:0", 3, 3),
    /* slots:4 < 8 threads: pieces wait for a pair. */
    CASE(workload_pipe, "tasks:40/rounds:20/slots:4", "tasks:16/rounds:5/slots:4", 40, 16),
    CASE(workload_pipe, "tasks:20/rounds:3/bytes:4096/slots:8",
         "tasks:10/rounds:2/bytes:4096/slots:8", 20, 10),
    CASE(workload_pipe, "tasks:10/rounds:3/bytes:1/slots:16", "tasks:5/rounds:3/bytes:1/slots:16",
         10, 5),
    CASE(workload_socket, "tasks:40/reqs:5/delay_us:200", "tasks:16/reqs:3/delay_us:200", 40, 16),
    CASE(workload_socket, "tasks:30/reqs:20/delay_us:0", "tasks:10/reqs:5/delay_us:0", 30, 10),
    CASE(workload_file, "files:4/kb:64/tasks:12", "files:3/kb:8/tasks:7", 12, 7),
    CASE(workload_file, "files:2/kb:1", "files:2/kb:1", 8, 8), /* tasks: 4 x files */
    CASE(workload_mixed, "tasks:40/us:300/cpu_n:18/cutoff:12", "tasks:12/us:300/cpu_n:14/cutoff:10",
         40, 12),
    CASE(workload_mixed, "tasks:5/us:10/cpu_n:3/cutoff:5", "tasks:5/us:10/cpu_n:3/cutoff:5", 5, 5),
};

/* Sort's counts: leaves of the recursion (twin, fork-join); flat chunks are capped at n. */
static void fill_sort(struct wcase *c)
{
    uint64_t n, cutoff;

    REQUIRE(param_u64(c->params, "n", 1, UINT64_MAX, &n) == 0);
    REQUIRE(param_u64(c->params, "cutoff", 1, UINT64_MAX, &cutoff) == 0);
    c->tasks = leaves(n, cutoff);
    c->n_cap = n;
    REQUIRE(param_u64(c->params_quick, "n", 1, UINT64_MAX, &n) == 0);
    REQUIRE(param_u64(c->params_quick, "cutoff", 1, UINT64_MAX, &cutoff) == 0);
    c->tasks_quick = leaves(n, cutoff);
    c->n_quick_cap = n;
}

/* ---- bad parameters ------------------------------------------------------------------------ */

static void test_bad_params(void)
{
    static const struct {
        const struct workload *w;
        const char *params;
        const char *says; /* the message mentions it */
    } bad[] = {
        {&workload_matmul, "n:0", "n"},
        {&workload_grain, "ns:10", "ns"},
        {&workload_grain, "ns:100/shape:ring", "shape"},
        {&workload_grain, "tasks:0", "tasks"},
        {&workload_matmul, "n:5000", "n"},
        {&workload_matmul, "n:4096/block:2", "blocks"},
        {&workload_matmul, "size:10", "size"},
        {&workload_sort, "n:x", "n"},
        {&workload_sort, "n:100/cutoff:0", "cutoff"},
        {&workload_sort, "per_worker:2000", "per_worker"},
        {&workload_sort, "n", "unknown"},
        {&workload_sleep, "tasks:0", "tasks"},
        {&workload_sleep, "us:-1", "us"},
        {&workload_sleep, "tasks:5/ms:3", "ms"},
        {&workload_pipe, "bytes:5000", "bytes"},
        {&workload_pipe, "rounds:0", "rounds"},
        {&workload_pipe, "slots:0", "slots"},
        {&workload_pipe, "tasks:1/x:", "x"},
        {&workload_socket, "reqs:0", "reqs"},
        {&workload_socket, "delay_us:1e3", "delay_us"},
        {&workload_socket, "delay:100", "delay"},
        {&workload_file, "files:0", "files"},
        {&workload_file, "kb:0", "kb"},
        {&workload_file, "files:4096/kb:1048576", "4 GiB"},
        {&workload_file, "tasks:0", "tasks"},
        {&workload_mixed, "cpu_n:41", "cpu_n"},
        {&workload_mixed, "cutoff:0", "cutoff"},
        {&workload_mixed, "us:10000001", "us"},
        {&workload_mixed, "tasks:10//us:1", "unknown"},
    };
    size_t fds = count_fds(), threads = count_threads_settled(SIZE_MAX);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256] = "";
        void *state = (void *)&err; /* must stay untouched */

        CHECK_EQ(bad[i].w->prepare(&state, bad[i].params, err, sizeof(err)), -EINVAL);
        CHECK(state == (void *)&err);
        if (strncmp(err, bad[i].w->name, strlen(bad[i].w->name)) != 0 ||
            strstr(err, bad[i].says) == NULL)
            CHECK_FAIL_("%s/%s: message \"%s\" does not name the workload and \"%s\"",
                        bad[i].w->name, bad[i].params, err, bad[i].says);
    }
    CHECK_EQU(count_fds(), fds);
    CHECK_LE(count_threads_settled(threads), threads); /* none left behind (see proc_check.h) */
    CHECK_EQU(count_tmp(), 0);
}

/* ---- prepare/release cycles ---------------------------------------------------------------- */

static void test_cycles(void)
{
    static const struct {
        const struct workload *w;
        const char *params;
    } small[] = {
        {&workload_matmul, "n:16"},    {&workload_sort, "n:100"},
        {&workload_sleep, "tasks:1"},  {&workload_pipe, "slots:32"},
        {&workload_socket, "tasks:1"}, {&workload_file, "files:3/kb:4"},
        {&workload_mixed, "tasks:1"},  {&workload_pipe, ""},
        {&workload_socket, ""},        {&workload_sleep, NULL}, /* NULL: the defaults */
    };
    size_t fds = count_fds(), threads = count_threads_settled(SIZE_MAX);

    for (int round = 0; round < (quick ? 3 : 10); round++) {
        for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
            char err[256] = "";
            void *state = NULL;
            int e = small[i].w->prepare(&state, small[i].params, err, sizeof(err));

            if (e != 0)
                fprintf(stderr, "prepare %s/%s: %s\n", small[i].w->name,
                        small[i].params ? small[i].params : "(null)", err);
            CHECK_EQ(e, 0);
            if (e == 0)
                small[i].w->release(state);
        }
    }
    CHECK_EQU(count_fds(), fds);
    CHECK_LE(count_threads_settled(threads), threads); /* none left behind (see proc_check.h) */
    CHECK_EQU(count_tmp(), 0);
}

/* ---- wrong answers ------------------------------------------------------------------------- */

/* The path of the one wsbench-file-* directory in tmpdir. */
static void find_file_dir(char *path, size_t len)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;

    REQUIRE(d != NULL);
    path[0] = '\0';
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "wsbench-file-", 13) == 0)
            snprintf(path, len, "%s/%s", tmpdir, e->d_name);
    closedir(d);
    REQUIRE(path[0] != '\0');
}

static void expect_failure(const struct workload *w, void *state, const struct exec_ops *ops,
                           unsigned workers, const char *says)
{
    struct work_run run;
    struct exec *x = ops ? texec_make(ops, workers) : NULL;
    const char *ename = ops ? ops->name : "the serial twin";
    int e;

    memset(&run, 0, sizeof(run));
    e = ops ? workload_run(w, state, ops, x, &run) : w->serial(state, &run);
    CHECK_NE(e, 0);
    if (strncmp(run.error, w->name, strlen(w->name)) != 0 || strstr(run.error, ename) == NULL ||
        strstr(run.error, says) == NULL)
        CHECK_FAIL_("error \"%s\" does not name %s, %s and \"%s\"", run.error, w->name, ename,
                    says);
    if (ops)
        ops->destroy(x);
}

/* A byte of one file changes after prepare(): every run must fail, naming the file. */
static void test_file_changed(void)
{
    const struct workload *w = &workload_file;
    char err[256] = "", dir[512], path[600];
    void *state = NULL;
    unsigned char byte;
    int fd;

    REQUIRE(w->prepare(&state, "files:3/kb:4", err, sizeof(err)) == 0);
    find_file_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/f1", dir);
    fd = open(path, O_RDWR);
    REQUIRE(fd >= 0);
    REQUIRE(pread(fd, &byte, 1, 1000) == 1);
    byte ^= 0x40;
    REQUIRE(pwrite(fd, &byte, 1, 1000) == 1);
    close(fd);
    fflush(stdout);
    expect_failure(w, state, NULL, 1, "/f1: 4096 bytes with checksum");
    expect_failure(w, state, &exec_threadpool, 2, "/f1: 4096 bytes with checksum");
    expect_failure(w, state, &exec_procpool, 2, "/f1: 4096 bytes with checksum");
    expect_failure(w, state, &exec_eventloop, 1, "/f1: 4096 bytes with checksum");
    /* A file that is gone: the piece's own error. */
    REQUIRE(unlink(path) == 0);
    expect_failure(w, state, &exec_threadpool, 2, "No such file");
    w->release(state);
    CHECK_EQU(count_tmp(), 0);
}

#if !WS_TEST_SANITIZED
/* A process pool forked before prepare(): its workers never saw the inputs. */
static void test_pool_before_prepare(const struct workload *w, const char *params)
{
    struct exec *x = texec_make(&exec_procpool, 2);
    struct work_run run;
    char err[256] = "";
    void *state = NULL;

    REQUIRE(w->prepare(&state, params, err, sizeof(err)) == 0);
    memset(&run, 0, sizeof(run));
    CHECK_NE(workload_run(w, state, &exec_procpool, x, &run), 0);
    if (strstr(run.error, "procpool") == NULL || strstr(run.error, w->name) == NULL ||
        (strstr(run.error, "forked before prepare()") == NULL && strstr(run.error, "died") == NULL))
        CHECK_FAIL_("error \"%s\" does not name %s and procpool, and say why", run.error, w->name);
    exec_procpool.destroy(x);
    w->release(state);
}
#endif

static void *warm_up(void *arg)
{
    return arg;
}

static void warm_up_libuv(void)
{
    static _Atomic uint32_t runs[1];
    struct exec *x = texec_make(&exec_eventloop_offload, exec_eventloop_pool_threads());
    struct tbatch b;

    tpiece_runs = runs;
    tbatch_init(&b, 1, 64);
    texec_map_ok(&exec_eventloop_offload, x, &b);
    tbatch_free(&b);
    tpiece_runs = NULL;
    exec_eventloop_offload.destroy(x);
}

int main(int argc, char **argv)
{
    struct wcase all[sizeof(cases) / sizeof(cases[0])];
    pthread_t t;

    quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    if (argc > 2 || (argc == 2 && !quick)) {
        fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
        return 2;
    }
    {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof(tmpdir), "%s/test_workloads-XXXXXX",
                 base && base[0] ? base : "/tmp");
        REQUIRE(mkdtemp(tmpdir) != NULL);
        REQUIRE(setenv("TMPDIR", tmpdir, 1) == 0);
    }
    /* A first thread, so that a sanitizer's helper thread is there before any baseline. */
    REQUIRE(pthread_create(&t, NULL, warm_up, NULL) == 0);
    pthread_join(t, NULL);
    /* And libuv's thread pool and signal pipe, which last as long as the process. */
    warm_up_libuv();

    memcpy(all, cases, sizeof(cases));
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (all[i].w == &workload_sort)
            fill_sort(&all[i]);
        test_case(&all[i]);
    }
    test_bad_params();
    test_cycles();
    test_file_changed();
#if !WS_TEST_SANITIZED
    /* A worker reading a pointer from a parent it forked before: -ESTALE, or a crash the pool
     * reports. Sanitizers would print a report for the crash, so only plain builds try it. */
    test_pool_before_prepare(&workload_matmul, "n:64/block:16");
    test_pool_before_prepare(&workload_sort, "n:1000");
#endif
    rmdir(tmpdir);
    return check_report("test_workloads");
}
