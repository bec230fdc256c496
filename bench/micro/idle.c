/*
 * idle.c - wsbench-idle: what one model costs when it has nothing to do,
 * and what a waiting task costs it in memory. One model per process, so
 * that no other pool's threads (libgomp's, oneTBB's stay after their work)
 * are counted; wsbench runs it (micro/idle_bench.c) once per model.
 *
 *   wsbench-idle idle EXEC WORKERS
 *     A burst of short tasks, then the CPU time the process (all threads,
 *     and a process pool's live workers, from /proc) burns over the next
 *     IDLE_WINDOW_NS; then the latency from idle to the start of a single
 *     task, IDLE_WAKE_SAMPLES times after a pause each. Prints
 *       burst <workers> <cpu_s> <window_s> <wake_p50_ns> <wake_p99_ns> <samples>
 *     then waits for a line on stdin (wsbench lets every model's process
 *     reach this point first, so that these windows, long after the burst,
 *     overlap), sleeps IDLE_SETTLE_NS, measures one more window and prints
 *       steady <cpu_s> <window_s>
 *
 *   wsbench-idle memory EXEC
 *     The resident set (the process's and its children's, sampled every
 *     MEM_SAMPLE_NS) before the pool is made and its peak while MEM_TASKS
 *     tasks of the sleep workload are outstanding. Prints
 *       memory <workers> <tasks> <base_kb> <peak_kb> <what outstanding means>
 *
 * Errors: a line "error <why>" and exit status 1; bad arguments, 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec/exec.h"
#include "micro/procstat.h"
#include "workloads/workload.h"

#define IDLE_WINDOW_NS     2000000000ull /* issue 12: 2 s */
#define IDLE_SETTLE_NS     500000000ull  /* before the steady window */
#define IDLE_BURST_NS      100000000ull  /* a burst of this much wall time */
#define IDLE_PIECE_NS      20000ull      /* of 20 us pieces */
#define IDLE_BURST_PIECES  256           /* per map() */
#define IDLE_WAKE_SAMPLES  40
#define IDLE_WAKE_PAUSE_NS 5000000ull /* long enough for a worker to park */
#define MEM_TASKS          10000
#define MEM_SAMPLE_NS      10000000ull

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int fail(const char *fmt, const char *a, int err)
{
    printf("error ");
    printf(fmt, a);
    printf(": %s\n", strerror(-err));
    return 1;
}

/* exec_piece_fn: spins for the argument's nanoseconds of wall time. */
static int spin_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    uint64_t ns;
    (void)res;
    (void)res_cap;
    if (arg_len != sizeof(ns))
        return -EINVAL;
    memcpy(&ns, arg, sizeof(ns));
    uint64_t end = exec_now_ns() + ns;
    while (exec_now_ns() < end)
        ;
    *res_len = 0;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int idle_main(const struct exec_ops *ops, unsigned workers)
{
    struct exec *x;
    struct exec_config cfg = {.workers = workers};
    int err = ops->create(&x, &cfg);
    if (err != 0)
        return fail("%s: create", ops->name, err);
    static struct exec_piece pieces[IDLE_BURST_PIECES];
    static const uint64_t piece_ns = IDLE_PIECE_NS, zero = 0;
    for (size_t i = 0; i < IDLE_BURST_PIECES; i++)
        pieces[i] = (struct exec_piece){.id = (uint32_t)i, .arg = &piece_ns, .arg_len = 8};
    /* The burst: every worker busy until its end. */
    for (uint64_t t0 = exec_now_ns(); exec_now_ns() - t0 < IDLE_BURST_NS;)
        if ((err = ops->map(x, spin_piece, pieces, IDLE_BURST_PIECES)) != 0) {
            ops->destroy(x);
            return fail("%s: map", ops->name, err);
        }
    int64_t c0 = procstat_tree_cpu_ns();
    uint64_t w0 = exec_now_ns();
    sleep_ns(IDLE_WINDOW_NS);
    int64_t c1 = procstat_tree_cpu_ns();
    uint64_t w1 = exec_now_ns();
    /* Wake-up: one task after a pause, its start against its submission. */
    uint64_t lat[IDLE_WAKE_SAMPLES];
    for (size_t i = 0; i < IDLE_WAKE_SAMPLES; i++) {
        struct exec_piece p = {.id = 0, .arg = &zero, .arg_len = 8};
        sleep_ns(IDLE_WAKE_PAUSE_NS);
        if ((err = ops->map(x, spin_piece, &p, 1)) != 0) {
            ops->destroy(x);
            return fail("%s: map", ops->name, err);
        }
        if (p.t_start_ns < p.t_submit_ns || p.t_submit_ns == 0) {
            ops->destroy(x);
            return fail("%s: no start time from map()", ops->name, -EPROTO);
        }
        lat[i] = p.t_start_ns - p.t_submit_ns;
    }
    qsort(lat, IDLE_WAKE_SAMPLES, sizeof(lat[0]), cmp_u64);
    /* Nearest rank: p99 of 40 samples is the largest. */
    size_t r99 = (99 * IDLE_WAKE_SAMPLES + 99) / 100;
    printf("burst %u %.6f %.6f %" PRIu64 " %" PRIu64 " %d\n", ops->workers(x),
           (double)(c1 - c0) * 1e-9, (double)(w1 - w0) * 1e-9, lat[IDLE_WAKE_SAMPLES / 2],
           lat[r99 - 1], IDLE_WAKE_SAMPLES);
    fflush(stdout);
    char line[16];
    if (fgets(line, sizeof(line), stdin) == NULL) {
        ops->destroy(x);
        return 0; /* no steady window wanted */
    }
    sleep_ns(IDLE_SETTLE_NS);
    c0 = procstat_tree_cpu_ns();
    w0 = exec_now_ns();
    sleep_ns(IDLE_WINDOW_NS);
    c1 = procstat_tree_cpu_ns();
    w1 = exec_now_ns();
    printf("steady %.6f %.6f\n", (double)(c1 - c0) * 1e-9, (double)(w1 - w0) * 1e-9);
    fflush(stdout);
    ops->destroy(x);
    return 0;
}

/* ---- memory ------------------------------------------------------------------------------ */

struct sampler {
    _Atomic int stop;
    int64_t peak_kb; /* read after the join */
};

static void *sampler_run(void *arg)
{
    struct sampler *s = arg;
    /* relaxed: a flag polled until set; the join orders peak_kb. */
    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
        int64_t kb = procstat_tree_rss_kb();
        if (kb > s->peak_kb)
            s->peak_kb = kb;
        sleep_ns(MEM_SAMPLE_NS);
    }
    return NULL;
}

/*
 * How each model holds 10,000 outstanding tasks, chosen so that each run
 * takes about a second: a thread pool needs a thread per blocked task, and
 * threadpool has at most 4,096 (TP_MAX_WORKERS), so 4,096 of the 10,000 are
 * blocked at a time and the rest queued; the fork-join pools keep their cores'
 * workers (and stealing its 256 spares for ws_blocking) with the rest
 * queued; the process pool 64 processes (its IO sweep's largest); the
 * event-driven models wait on 10,000 timers at once, but eventloop-offload,
 * whose waits block its libuv pool's threads.
 */
static const struct {
    const char *exec;
    unsigned workers;
    unsigned us; /* each task's sleep */
    const char *how;
} mem_plans[] = {
    /* how: no commas (a CSV field) */
    {"threadpool", 4096, 400000, "4096 threads (its most) for 10000 tasks queued or blocked"},
    {"procpool", 64, 6000, "64 processes for 10000 tasks queued or blocked"},
    {"stealing", 2, 25000,
     "2 workers and up to 256 spares (ws_blocking) for 10000 tasks queued or blocked"},
    {"stealing-async", 2, 1000000, "10000 reactor timers pending at once"},
    {"openmp", 64, 6000, "64 threads for 10000 tasks queued or blocked"},
    {"tbb", 64, 6000, "64 threads for 10000 tasks queued or blocked"},
    {"eventloop", 1, 1000000, "10000 libuv timers pending at once"},
    {"eventloop-cores", 2, 1000000, "10000 libuv timers pending at once over 2 loops"},
    /* Its waits are blocking calls on libuv's pool, UV_THREADPOOL_SIZE at a time. */
    {"eventloop-offload", 1, 400, "libuv's pool threads for 10000 tasks queued or blocked"},
};

static int memory_main(const struct exec_ops *ops)
{
    size_t k = 0;
    while (k < sizeof(mem_plans) / sizeof(mem_plans[0]) &&
           strcmp(mem_plans[k].exec, ops->name) != 0)
        k++;
    if (k == sizeof(mem_plans) / sizeof(mem_plans[0]))
        return fail("%s: no memory plan for this model", ops->name, -EINVAL);
    const struct workload *w = workload_find("sleep");
    char params[64], err_s[256] = "";
    void *state = NULL;
    snprintf(params, sizeof(params), "tasks:%d/us:%u", MEM_TASKS, mem_plans[k].us);
    /* Prepared before the pool: a process pool's workers must see it. */
    int err = w->prepare(&state, params, err_s, sizeof(err_s));
    if (err != 0) {
        printf("error %s\n", err_s);
        return 1;
    }
    int64_t base = procstat_tree_rss_kb();
    struct sampler s = {.peak_kb = base};
    pthread_t t;
    atomic_init(&s.stop, 0);
    if ((err = -pthread_create(&t, NULL, sampler_run, &s)) != 0) {
        w->release(state);
        return fail("%s: sampler thread", ops->name, err);
    }
    struct exec *x = NULL;
    struct exec_config cfg = {.workers = mem_plans[k].workers};
    struct work_run run;
    memset(&run, 0, sizeof(run));
    err = ops->create(&x, &cfg);
    if (err == 0)
        err = workload_run(w, state, ops, x, &run);
    atomic_store_explicit(&s.stop, 1, memory_order_relaxed);
    pthread_join(t, NULL);
    unsigned got = x ? ops->workers(x) : 0;
    ops->destroy(x);
    w->release(state);
    if (err != 0) {
        printf("error %s: %s\n", ops->name, run.error[0] ? run.error : strerror(-err));
        return 1;
    }
    printf("memory %u %d %" PRId64 " %" PRId64 " %s\n", got, MEM_TASKS, base, s.peak_kb,
           mem_plans[k].how);
    return 0;
}

int main(int argc, char **argv)
{
    const struct exec_ops *ops = argc >= 3 ? exec_find(argv[2]) : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(120); /* a model that hangs dies, and wsbench reports it, rather than wait forever */
    if (argc == 4 && strcmp(argv[1], "idle") == 0 && ops != NULL && atoi(argv[3]) > 0)
        return idle_main(ops, (unsigned)atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "memory") == 0 && ops != NULL)
        return memory_main(ops);
    fprintf(stderr, "usage: wsbench-idle idle EXEC WORKERS | memory EXEC\n");
    return 2;
}
