/*
 * runner.c - running one benchmark: its workload prepared once (states are
 * shared by the benchmarks that use the same parameters), one executor
 * alive at a time, each iteration one whole run of the workload with its
 * answer checked, and the counters the results are made of.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int get_exec(const struct bm *b, struct exec **x)
{
    if (g_exec.x != NULL && g_exec.ops == b->ops && g_exec.workers == b->workers) {
        *x = g_exec.x;
        return 0;
    }
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

void runner_bm(bench_state *s, void *user)
{
    struct bm *b = user;
    char err[256] = "";
    void *state;
    struct exec *x = NULL;
    int e = runner_state(b, &state, err, sizeof(err));
    if (e != 0) {
        skip_loop(s, err[0] ? err : strerror(-e));
        return;
    }
    if (b->ops != NULL && (e = get_exec(b, &x)) != 0) {
        snprintf(err, sizeof(err), "%s: cannot start %u workers: %s", b->ops->name, b->workers,
                 strerror(-e));
        skip_loop(s, err);
        return;
    }
    hist_reset(g_latency);
    rss_reset();
    uint64_t tasks = 0;
    /* A process pool's work runs in its children: gbench's process CPU
     * time does not see it, so add theirs. */
    uint64_t child0 = b->ops && b->ops->child_cpu_ns ? b->ops->child_cpu_ns(x) : 0;
    while (bench_keep_running(s)) {
        struct work_run run = {.latency = g_latency, .label = b->label};
        e = b->ops ? workload_run(b->w, state, b->ops, x, &run) : b->w->serial(state, &run);
        if (e != 0) {
            bench_skip_with_error(s, run.error[0] ? run.error : strerror(-e));
            break;
        }
        tasks += run.tasks;
    }
    int64_t it = bench_iterations(s);
    if (it > 0) {
        bench_counter(s, "tasks", (double)tasks / (double)it, BENCH_COUNTER_DEFAULT);
        if (b->ops && b->ops->child_cpu_ns)
            bench_counter(s, "child_cpu_ns",
                          (double)(b->ops->child_cpu_ns(x) - child0) / (double)it,
                          BENCH_COUNTER_DEFAULT);
    }
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
