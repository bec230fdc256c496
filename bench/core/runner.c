/*
 * runner.c - running one benchmark: its workload prepared once (states are
 * shared by the benchmarks that use the same parameters), one executor
 * alive at a time, each iteration one whole run of the workload with its
 * answer checked (in rounds, a fixed number of runs), and the counters the
 * results are made of.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "core/hist.h"

/* ---- running one benchmark ----------------------------------------------------------------- */

/* Prepared workloads, kept for the whole run: several benchmarks share one. */
static struct prepared {
    const struct workload *w;
    char params[128];
    void *state;
} g_prep[64];
static size_t g_nprep;

/* One executor alive at a time: a process pool must fork with no other
 * pool's threads around, and pools must not compete for the cores. */
static struct {
    const struct exec_ops *ops;
    unsigned workers;
    struct exec *x;
} g_exec;

void runner_drop_exec(void);

/* The prepared state of b's workload and parameters, prepared now if new. A
 * process pool forked before a state was prepared cannot see its inputs
 * (its workers inherited memory at fork), so a new state drops a live
 * executor of processes first. */
int runner_state(const struct bm *b, void **state, char *err, size_t errlen)
{
    for (size_t i = 0; i < g_nprep; i++) {
        if (g_prep[i].w == b->w && strcmp(g_prep[i].params, b->params) == 0) {
            *state = g_prep[i].state;
            return 0;
        }
    }
    if (g_nprep == sizeof(g_prep) / sizeof(g_prep[0])) {
        snprintf(err, errlen, "too many prepared workloads");
        return -ENOMEM;
    }
    if (g_exec.ops != NULL && (g_exec.ops->flags & EXEC_PROCESSES))
        runner_drop_exec();
    int e = b->w->prepare(state, b->params, err, errlen);
    if (e != 0)
        return e;
    g_prep[g_nprep].w = b->w;
    snprintf(g_prep[g_nprep].params, sizeof(g_prep[g_nprep].params), "%s", b->params);
    g_prep[g_nprep].state = *state;
    g_nprep++;
    return 0;
}

void runner_release_states(void)
{
    for (size_t i = 0; i < g_nprep; i++)
        g_prep[i].w->release(g_prep[i].state);
    g_nprep = 0;
}

void runner_drop_exec(void)
{
    if (g_exec.x != NULL)
        g_exec.ops->destroy(g_exec.x);
    g_exec.x = NULL;
    g_exec.ops = NULL;
}

/* b's executor: the live one if it is b's, else a new one (*created 1). */
static int get_exec(const struct bm *b, struct exec **x, int *created)
{
    *created = 0;
    if (g_exec.x != NULL && g_exec.ops == b->ops && g_exec.workers == b->workers) {
        *x = g_exec.x;
        return 0;
    }
    *created = 1;
    runner_drop_exec();
    struct exec_config cfg = {.workers = b->workers};
    int e = b->ops->create(&g_exec.x, &cfg);
    if (e != 0) {
        g_exec.x = NULL;
        return e;
    }
    g_exec.ops = b->ops;
    g_exec.workers = b->workers;
    *x = g_exec.x;
    return 0;
}

#define LATENCY_MAX_NS (3600ull * 1000000000ull)

static struct hist *g_latency;

int runner_init(void)
{
    return hist_create(&g_latency, LATENCY_MAX_NS);
}

void runner_fini(void)
{
    hist_destroy(g_latency);
    g_latency = NULL;
}

/* Peak resident set since the last reset, in KiB (Linux: VmHWM). */
static void rss_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f != NULL) {
        fputs("5", f);
        fclose(f);
    }
}

static long rss_peak_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void skip_loop(bench_state *s, const char *msg)
{
    bench_skip_with_error(s, msg);
    while (bench_keep_running(s))
        ;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One whole run of b, its answer checked: 0 or the run's error. */
static int run_once(const struct bm *b, void *state, struct exec *x, struct work_run *run)
{
    return b->ops ? workload_run(b->w, state, b->ops, x, run) : b->w->serial(state, run);
}

#define RUNS_MAX 10000 /* per repetition: a bound on a run that timed as ~0 */

/*
 * The body of both: b's state and executor, then `runs` whole runs per gbench
 * iteration. warmup: first one untimed run when the executor is new (its
 * threads' first steal, page faults of its stacks: costs a benchmark in
 * rounds would pay each round) or b->runs is 0 (then b->runs is chosen from
 * that run's time, for rep_seconds per repetition).
 */
static void measure(bench_state *s, struct bm *b, int warmup, double rep_seconds)
{
    char err[256] = "";
    void *state;
    struct exec *x = NULL;
    int created = 0;
    int e = runner_state(b, &state, err, sizeof(err));
    if (e != 0) {
        skip_loop(s, err[0] ? err : strerror(-e));
        return;
    }
    if (b->ops == NULL && warmup)
        runner_drop_exec(); /* in rounds: no idle pool beside the serial twin */
    if (b->ops != NULL && (e = get_exec(b, &x, &created)) != 0) {
        snprintf(err, sizeof(err), "%s: cannot start %u workers: %s", b->ops->name, b->workers,
                 strerror(-e));
        skip_loop(s, err);
        return;
    }
    hist_reset(g_latency);
    if (warmup && (created || b->runs == 0)) {
        struct work_run run = {.latency = g_latency, .label = b->label};
        double t0 = now_seconds();
        e = run_once(b, state, x, &run);
        double t = now_seconds() - t0;
        if (e != 0) {
            skip_loop(s, run.error[0] ? run.error : strerror(-e));
            return;
        }
        if (b->runs == 0)
            b->runs =
                t * RUNS_MAX < rep_seconds ? RUNS_MAX : (unsigned)fmax(1.0, ceil(rep_seconds / t));
        hist_reset(g_latency);
    }
    unsigned runs = warmup ? b->runs : 1;
    rss_reset();
    uint64_t tasks = 0;
    /* A process pool's work runs in its children: gbench's process CPU
     * time does not see it, so add theirs. */
    uint64_t child0 = b->ops && b->ops->child_cpu_ns ? b->ops->child_cpu_ns(x) : 0;
    double t0 = now_seconds();
    while (bench_keep_running(s)) {
        for (unsigned k = 0; k < runs && e == 0; k++) {
            struct work_run run = {.latency = g_latency, .label = b->label};
            e = run_once(b, state, x, &run);
            if (e != 0)
                bench_skip_with_error(s, run.error[0] ? run.error : strerror(-e));
            tasks += run.tasks;
        }
        if (e != 0)
            break;
    }
    if (warmup)
        b->rep_seconds = now_seconds() - t0; /* what an adaptive round will cost */
    /* Counters per whole run; real and CPU time gbench gives per iteration,
     * which results.c divides by the counter runs. */
    double done = (double)bench_iterations(s) * runs;
    if (done > 0) {
        bench_counter(s, "tasks", (double)tasks / done, BENCH_COUNTER_DEFAULT);
        if (b->ops && b->ops->child_cpu_ns)
            bench_counter(s, "child_cpu_ns", (double)(b->ops->child_cpu_ns(x) - child0) / done,
                          BENCH_COUNTER_DEFAULT);
    }
    bench_counter(s, "runs", runs, BENCH_COUNTER_DEFAULT);
    bench_counter(s, "tasks_per_s", (double)tasks, BENCH_COUNTER_RATE);
    bench_counter(s, "workers", b->workers, BENCH_COUNTER_DEFAULT);
    bench_counter(s, "max_rss_kb", (double)rss_peak_kb(), BENCH_COUNTER_DEFAULT);
    if (hist_count(g_latency) > 0) {
        static const struct {
            const char *name;
            double p;
        } pct[] = {{"p50_ns", 50}, {"p90_ns", 90}, {"p99_ns", 99}, {"p999_ns", 99.9}};
        for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++) {
            uint64_t v = 0;
            hist_percentile(g_latency, pct[i].p, &v);
            bench_counter(s, pct[i].name, (double)v, BENCH_COUNTER_DEFAULT);
        }
    }
}

void runner_bm(bench_state *s, void *user)
{
    measure(s, user, 0, 0);
}

void runner_round(bench_state *s, struct bm *b, double rep_seconds, int skip)
{
    if (skip) {
        while (bench_keep_running(s))
            ;
        bench_counter(s, "runs", 0, BENCH_COUNTER_DEFAULT);
        return;
    }
    measure(s, b, 1, rep_seconds);
}
