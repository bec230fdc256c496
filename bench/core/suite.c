/*
 * suite.c - the suites: which (workload, parameters, executor, workers)
 * benchmarks a run is made of, after the command line's filters.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* ---- the suites --------------------------------------------------------------------------- */

/* Worker counts, 0-terminated. */
/* On the 2-core reference machine one oversubscribed count (4) shows what
 * oversubscription costs; 8 added little but time (issue 12's budget). */
static const unsigned W_CPU[] = {1, 2, 4, 0};
static const unsigned W_CPU8[] = {1, 2, 4, 8, 0}; /* the sched suite's sweep */
static const unsigned W_THREADS_IO[] = {1, 16, 256, 0};
static const unsigned W_PROCS_IO[] = {1, 16, 64, 0};
static const unsigned W_FJ_IO[] = {1, 2, 8, 0};
static const unsigned W_QUICK[] = {2, 0};
static const unsigned W_ONE[] = {1, 0};
static const unsigned W_ONE_TWO[] = {1, 2, 0};
static const unsigned W_TWO[] = {2, 0};
static const unsigned W_EIGHT[] = {8, 0};
static const unsigned W_MIXED_IO[] = {16, 256, 0};
static const unsigned W_GRAIN[] = {1, 2, 4, 0}; /* 4: oversubscribed on 2 cores */

/* The grain sweep's models in the default suite: all but the serial twin. */
#define G_MODELS "threadpool,procpool,stealing,openmp,tbb,eventloop,eventloop-cores"

/* One line of a suite: a workload with parameters on some executors. */
struct suite_line {
    const char *workload;
    const char *params;          /* NULL: the workload's default (or quick) parameters */
    const char *executors;       /* comma-separated, or "all" */
    const unsigned *workers_cpu; /* for executors that are not IO pools */
    const unsigned *workers_io;  /* for IO pools on IO workloads; NULL: their sweep */
};

/* The default suite, the README's main command: at most ~10 min on 2 cores
 * with the build. Six repetitions of everything (wsbench.c's rounds) fit
 * because the IO workloads, the sort and mixed run smaller here than their
 * defaults (a quarter of the tasks, a fifth of the keys): each of their
 * runs at one worker was 1-1.4 s, six of them per model too many. */
#define MIXED "tasks:250/us:20000/cpu_n:21/cutoff:15"
/* clang-format off */
static const struct suite_line suite_default[] = {
    {"fib", "n:30", "all", W_CPU, NULL},
    {"nqueens", "n:12", "all", W_CPU, NULL},
    {"uts", "tree:T3", "all", W_CPU, NULL},
    {"uts", "tree:T1", "serial,stealing,openmp,tbb", W_CPU, NULL},
    {"matmul", "n:1024", "all", W_CPU, NULL},
    {"sort", "n:2M", "all", W_CPU, NULL},
    {"sleep", "tasks:250/us:1000", "all", W_FJ_IO, NULL},
    {"pipe", "tasks:64/rounds:100/bytes:64", "all", W_FJ_IO, NULL},
    {"socket", "tasks:250/reqs:10/delay_us:100", "all", W_FJ_IO, NULL},
    {"file", NULL, "all", W_FJ_IO, NULL},
    /* mixed waits 20 ms per task: a model that cannot overlap many waits
     * takes tasks x 20 ms / workers (the serial twin 20 s), so each model
     * runs only at the sizes where it can overlap them. */
    {"mixed", MIXED, "threadpool,procpool,stealing,stealing-async", W_TWO, W_MIXED_IO},
    {"mixed", MIXED, "openmp,tbb", W_EIGHT, NULL},
    /* An event loop overlaps every wait and computes on its one thread. */
    {"mixed", MIXED, "eventloop,eventloop-cores", W_CPU, NULL},
    /* The granularity sweep, coarse: one point a decade from 100 ns to 10 ms
     * and one at 30 ns, the kernel's floor (below 100 ns the fork-join
     * models still reach 50%: the first reference run had them all at
     * "< 100 ns", which ranks nothing),
     * both shapes, all cores (--suite grain has the fine sweep). tasks is
     * GRAIN_SWEEP_NS / ns within [16, 20000] (grain_sweep_tasks()); each
     * benchmark then runs in the rounds: a timed warm-up and 6 repetitions
     * of about 50 ms (an iteration's kernels are at most 16 x 10 ms / 2 =
     * 80 ms), about 0.4 s: 6 points x 2 shapes x 7 models (eventloop at
     * its 1 worker; no serial twin: efficiency is against the calibrated
     * kernel) = 98 benchmarks, about 40 s. */
    {"grain", "ns:30/tasks:20000", G_MODELS, W_TWO, NULL},
    {"grain", "ns:30/tasks:20000/shape:tree", G_MODELS, W_TWO, NULL},
    {"grain", "ns:100/tasks:20000", G_MODELS, W_TWO, NULL},
    {"grain", "ns:100/tasks:20000/shape:tree", G_MODELS, W_TWO, NULL},
    {"grain", "ns:1000/tasks:20000", G_MODELS, W_TWO, NULL},
    {"grain", "ns:1000/tasks:20000/shape:tree", G_MODELS, W_TWO, NULL},
    {"grain", "ns:10000/tasks:2000", G_MODELS, W_TWO, NULL},
    {"grain", "ns:10000/tasks:2000/shape:tree", G_MODELS, W_TWO, NULL},
    {"grain", "ns:100000/tasks:200", G_MODELS, W_TWO, NULL},
    {"grain", "ns:100000/tasks:200/shape:tree", G_MODELS, W_TWO, NULL},
    {"grain", "ns:1000000/tasks:20", G_MODELS, W_TWO, NULL},
    {"grain", "ns:1000000/tasks:20/shape:tree", G_MODELS, W_TWO, NULL},
    {"grain", "ns:10000000/tasks:16", G_MODELS, W_TWO, NULL},
    {"grain", "ns:10000000/tasks:16/shape:tree", G_MODELS, W_TWO, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
/* clang-format on */

/*
 * The granularity sweep (--suite grain): task durations from 31.6 ns (the
 * kernel's floor is 30) to 10 ms, GRAIN_STEPS_PER_DECADE points a decade (12 a decade-pair, Task
 * Bench's density), both shapes, at 1, 2 and 4 workers. Each point does
 * GRAIN_SWEEP_NS of kernels, but at least 16 tasks (so that 4 workers get
 * 4 each) and at most 20,000: the slowest model's cost per task (a process
 * pool's round trip, tens of microseconds) then bounds an iteration at
 * 20,000 x ~30 us = 0.6 s where the kernels alone would be 2 ms.
 */
#define GRAIN_SWEEP_NS         20000000ull /* 20 ms of kernels a point */
#define GRAIN_SWEEP_MIN_TASKS  16
#define GRAIN_SWEEP_MAX_TASKS  20000
#define GRAIN_STEPS_PER_DECADE 6
#define GRAIN_DECADES          5 /* 100 ns .. 10 ms, and half a decade below */

static uint64_t grain_sweep_tasks(uint64_t ns)
{
    uint64_t n = GRAIN_SWEEP_NS / ns;
    return n < GRAIN_SWEEP_MIN_TASKS   ? GRAIN_SWEEP_MIN_TASKS
           : n > GRAIN_SWEEP_MAX_TASKS ? GRAIN_SWEEP_MAX_TASKS
                                       : n;
}

static int add_line(const struct suite_line *l, const struct options *o);

/* Every point of the fine sweep, both shapes, on every model. */
static int add_grain_sweep(const struct options *o)
{
    for (int k = -GRAIN_STEPS_PER_DECADE / 2; k <= GRAIN_STEPS_PER_DECADE * GRAIN_DECADES; k++) {
        /* 100 x 10^(k/6), rounded: 32, 46, 68, 100, 147, 215, 316, ... */
        double f = 1;
        for (int i = 0; i < (k < 0 ? -k : k); i++)
            f = k < 0 ? f / 1.4677992676220695 : f * 1.4677992676220695; /* 10^(1/6) */
        uint64_t ns = (uint64_t)(100 * f + 0.5);
        for (int tree = 0; tree < 2; tree++) {
            char params[96];
            snprintf(params, sizeof(params), "ns:%" PRIu64 "/tasks:%" PRIu64 "%s", ns,
                     grain_sweep_tasks(ns), tree ? "/shape:tree" : "");
            struct suite_line l = {"grain", params, "all", W_GRAIN, NULL};
            if (add_line(&l, o) != 0)
                return -1;
        }
    }
    return 0;
}

/* Issue 2's targets: spawn overhead, scaling, nqueens (plus micro.c). */
static const struct suite_line suite_sched[] = {
    {"fib", "n:40", "serial,stealing", W_ONE_TWO, NULL},
    {"fib", "n:40/variant:gcc", "serial", W_ONE, NULL},
    {"fib", "n:40/variant:loop", "serial", W_ONE, NULL},
    {"fib", "n:40/variant:plain", "stealing", W_ONE_TWO, NULL},
    {"nqueens", "n:12", "serial,stealing", W_ONE_TWO, NULL},
    /* The victim policies side by side: nearest first against random. */
    {"uts", "tree:T1", "stealing,stealing-random", W_CPU8, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* The large trees (issue 11): 10^8 nodes each; T3L is 17,844 levels deep,
 * which a fork-join walk survives only on threads with the stack for it. */
static const struct suite_line suite_large[] = {
    {"uts", "tree:T1L", "serial,stealing,openmp,tbb", W_ONE_TWO, NULL},
    {"uts", "tree:T3L", "serial,stealing,openmp,tbb", W_ONE_TWO, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

#define MAX_BMS 2048 /* --suite grain: 31 points x 2 shapes x 19 */

static struct bm g_bms[MAX_BMS];
static size_t g_nbms;

int suite_list_has(const char *list, const char *name)
{
    if (list == NULL || strcmp(list, "all") == 0)
        return 1;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = e ? e + 1 : p + len;
    }
    return 0;
}

static int add_bm(const struct workload *w, const struct exec_ops *ops, const char *params,
                  unsigned workers)
{
    if (g_nbms == MAX_BMS) {
        fprintf(stderr, "wsbench: too many benchmarks (at most %d)\n", MAX_BMS);
        return -1;
    }
    struct bm *b = &g_bms[g_nbms];
    b->w = w;
    b->ops = ops;
    snprintf(b->params, sizeof(b->params), "%s", params);
    wl_label(b->label, sizeof(b->label), w->name, params);
    b->workers = workers;
    snprintf(b->name, sizeof(b->name), "%s/%s/%s%sworkers:%u", w->name, ops ? ops->name : "serial",
             params, params[0] ? "/" : "", workers);
    for (size_t i = 0; i < g_nbms; i++)
        if (strcmp(g_bms[i].name, b->name) == 0)
            return 0; /* the same benchmark twice (two lines share it) */
    g_nbms++;
    return 0;
}

/* The --params override for w, or NULL. */
static const char *override_for(const struct options *o, const struct workload *w)
{
    for (size_t i = 0; i < o->novr; i++)
        if (o->ovr[i].w == w)
            return o->ovr[i].params;
    return NULL;
}

/* Does list name name itself ("all" does not)? */
static int list_names(const char *list, const char *name)
{
    return list != NULL && strcmp(list, "all") != 0 && suite_list_has(list, name);
}

/* Is ops an event-driven form of a model that the registry also has without
 * one (stealing-async of stealing: one family, that one without events)? */
static int repeats_base(const struct exec_ops *ops)
{
    if (ops->events == NULL || ops->family == NULL)
        return 0;
    for (size_t e = 0; exec_all[e] != NULL; e++)
        if (exec_all[e]->events == NULL && exec_all[e]->family != NULL &&
            strcmp(exec_all[e]->family, ops->family) == 0)
            return 1;
    return 0;
}

/* Adds a suite line's benchmarks that pass the --executors/--workloads filters;
 * a variant executor only where the line or --executors names it. */
static int add_line(const struct suite_line *l, const struct options *o)
{
    const struct workload *w = workload_find(l->workload);
    if (w == NULL || !suite_list_has(o->workloads, w->name))
        return 0;
    const char *params = override_for(o, w);
    if (params == NULL)
        params = o->quick ? w->params_quick : (l->params ? l->params : w->params_default);
    if (suite_list_has(l->executors, "serial") && suite_list_has(o->executors, "serial") &&
        add_bm(w, NULL, params, 1) != 0)
        return -1;
    for (size_t e = 0; exec_all[e] != NULL; e++) {
        const struct exec_ops *ops = exec_all[e];
        if (strcmp(ops->name, "serial") == 0 || !suite_list_has(l->executors, ops->name) ||
            !suite_list_has(o->executors, ops->name))
            continue;
        if ((ops->flags & EXEC_VARIANT) && !o->quick && !list_names(l->executors, ops->name) &&
            !list_names(o->executors, ops->name))
            continue;
        /* An event-driven variant of a model (stealing-async) on a workload
         * without an event-driven form would repeat that model: only where
         * named. The event loops are models of their own there. */
        if (repeats_base(ops) && w->run_events == NULL && !list_names(l->executors, ops->name) &&
            !list_names(o->executors, ops->name))
            continue;
        const unsigned *ws = o->workers ? o->workers : o->quick ? W_QUICK : l->workers_cpu;
        if (!o->quick && !o->workers && (ops->flags & EXEC_BLOCKING_OK) &&
            strcmp(w->kind, "cpu") != 0)
            ws = l->workers_io                   ? l->workers_io
                 : (ops->flags & EXEC_PROCESSES) ? W_PROCS_IO
                                                 : W_THREADS_IO;
        if (ops->flags & EXEC_FIXED_SIZE)
            ws = W_ONE; /* one size whatever it is asked: any other would repeat it */
        for (size_t i = 0; ws[i] != 0; i++)
            if (add_bm(w, ops, params, ws[i]) != 0)
                return -1;
    }
    return 0;
}

/* w on every executor with the default sweep of its kind. */
static int add_line_all(const struct workload *w, const struct options *o)
{
    struct suite_line l = {w->name, NULL, "all", strcmp(w->kind, "cpu") == 0 ? W_CPU : W_FJ_IO,
                           NULL};
    return add_line(&l, o);
}

int suite_build(const struct options *o)
{
    const struct suite_line *lines = suite_default;
    if (strcmp(o->suite, "sched") == 0)
        lines = suite_sched;
    else if (strcmp(o->suite, "large") == 0)
        lines = suite_large;
    if (o->quick) {
        /* Every executor x workload pair, small, once. */
        for (size_t i = 0; workload_all[i] != NULL; i++) {
            struct suite_line l = {workload_all[i]->name, NULL, "all", W_QUICK, NULL};
            if (add_line(&l, o) != 0)
                return -1;
        }
        return 0;
    }
    if (strcmp(o->suite, "grain") == 0)
        return add_grain_sweep(o);
    /* A workload with --params runs once, on its first line's executors;
     * one the suite lacks, on all executors with the default sweep. */
    int done[sizeof(o->ovr) / sizeof(o->ovr[0])] = {0}; /* per override: has run */
    for (size_t i = 0; lines[i].workload != NULL; i++) {
        const struct workload *w = workload_find(lines[i].workload);
        size_t k = 0;
        while (k < o->novr && o->ovr[k].w != w)
            k++;
        if (k < o->novr && done[k]++)
            continue;
        if (add_line(&lines[i], o) != 0)
            return -1;
    }
    for (size_t k = 0; k < o->novr; k++) {
        if (!done[k] && add_line_all(o->ovr[k].w, o) != 0)
            return -1;
    }
    /* A registered workload the default suite's table does not list yet
     * runs there too, with its default parameters: registering it is enough. */
    for (size_t i = 0; lines == suite_default && workload_all[i] != NULL; i++) {
        const struct workload *w = workload_all[i];
        size_t j = 0;
        while (lines[j].workload != NULL && strcmp(lines[j].workload, w->name) != 0)
            j++;
        if (lines[j].workload == NULL && override_for(o, w) == NULL && add_line_all(w, o) != 0)
            return -1;
    }
    return 0;
}

/* Parses "W=P" into o->ovr. 0, or -1 after saying why. */
int suite_parse_override(const char *v, struct options *o)
{
    const char *eq = strchr(v, '=');
    char name[64];
    if (eq == NULL || eq == v || (size_t)(eq - v) >= sizeof(name) || eq[1] == '\0') {
        fprintf(stderr, "wsbench: --params wants WORKLOAD=PARAMS, e.g. uts=tree:T2\n");
        return -1;
    }
    snprintf(name, sizeof(name), "%.*s", (int)(eq - v), v);
    const struct workload *w = workload_find(name);
    if (w == NULL) {
        fprintf(stderr, "wsbench: --params: unknown workload '%s'\n", name);
        return -1;
    }
    if (strlen(eq + 1) >= sizeof(((struct bm *)0)->params)) {
        fprintf(stderr, "wsbench: --params: parameters for %s too long\n", name);
        return -1;
    }
    if (override_for(o, w) != NULL) {
        fprintf(stderr, "wsbench: --params: %s given twice\n", name);
        return -1;
    }
    if (o->novr == sizeof(o->ovr) / sizeof(o->ovr[0])) {
        fprintf(stderr, "wsbench: --params: too many\n");
        return -1;
    }
    o->ovr[o->novr].w = w;
    o->ovr[o->novr].params = eq + 1;
    o->novr++;
    return 0;
}

struct bm *suite_bms(size_t *n)
{
    *n = g_nbms;
    return g_bms;
}
