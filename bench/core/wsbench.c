/*
 * wsbench.c - the benchmark suite's command line: the same workloads on
 * every concurrency model, through Google Benchmark (bench/shim/gbench.h),
 * with results and charts written to a results directory (bench/results.h).
 *
 * Each benchmark is one (workload, parameters, executor, workers) and is
 * named <workload>/<executor>/<params>/workers:<P>. One iteration is one
 * whole computation (a run of the workload), timed in real time; process CPU
 * time is recorded too. Every run checks its answer; a wrong answer fails
 * that benchmark, naming workload and executor, and makes the exit status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <hwloc.h>
#include <wsched.h>

#include "exec/exec.h"
#include "gbench.h"
#include "core/hist.h"
#include "micro/micro.h"
#include "core/schema.h"
#include "workloads/workload.h"

#ifndef WSBENCH_BUILD_FLAGS
#define WSBENCH_BUILD_FLAGS "unknown"
#endif
#ifndef WSBENCH_VERSIONS
#define WSBENCH_VERSIONS "unknown"
#endif

#define MAX_BMS 1024
#define LATENCY_MAX_NS (3600ull * 1000000000ull)
#define DEFAULT_REPETITIONS 3 /* unless --benchmark_repetitions says otherwise */
#define DEFAULT_MIN_TIME 0.2  /* seconds per repetition, unless --benchmark_min_time */

/* ---- the suites --------------------------------------------------------------------------- */

/* Worker counts, 0-terminated. */
static const unsigned W_CPU[] = {1, 2, 4, 8, 0};
static const unsigned W_THREADS_IO[] = {1, 4, 16, 64, 256, 0};
static const unsigned W_PROCS_IO[] = {1, 4, 16, 64, 0};
static const unsigned W_FJ_IO[] = {1, 2, 4, 8, 0};
static const unsigned W_QUICK[] = {2, 0};
static const unsigned W_ONE[] = {1, 0};
static const unsigned W_ONE_TWO[] = {1, 2, 0};

/* One line of a suite: a workload with parameters on some executors. */
struct suite_line {
    const char *workload;
    const char *params;    /* NULL: the workload's default (or quick) parameters */
    const char *executors; /* comma-separated, or "all" */
    const unsigned *workers_cpu; /* for executors that are not IO pools */
};

/* The default suite, the README's main command: at most ~10 min on 2 cores. */
static const struct suite_line suite_default[] = {
    {"fib", "n:30", "all", W_CPU},
    {"nqueens", "n:12", "all", W_CPU},
    {"uts", "tree:T3", "all", W_CPU},
    {"uts", "tree:T1", "serial,stealing,openmp,tbb", W_CPU},
    {"matmul", "n:1024", "all", W_CPU},
    {"sort", "n:10M", "all", W_CPU},
    {"sleep", NULL, "all", W_FJ_IO},
    {"pipe", NULL, "all", W_FJ_IO},
    {"socket", NULL, "all", W_FJ_IO},
    {"file", NULL, "all", W_FJ_IO},
    {"mixed", NULL, "all", W_FJ_IO},
    {NULL, NULL, NULL, NULL},
};

/* Issue 2's targets: spawn overhead, scaling, nqueens (plus micro.c). */
static const struct suite_line suite_sched[] = {
    {"fib", "n:40", "serial,stealing", W_ONE_TWO},
    {"fib", "n:40/variant:gcc", "serial", W_ONE},
    {"nqueens", "n:12", "serial,stealing", W_ONE_TWO},
    /* The victim policies side by side: nearest first against random. */
    {"uts", "tree:T1", "stealing,stealing-random", W_CPU},
    {NULL, NULL, NULL, NULL},
};

struct bm {
    const struct workload *w;
    const struct exec_ops *ops; /* NULL: the serial twin */
    char params[128];
    unsigned workers;
    char name[256];
};

static struct bm g_bms[MAX_BMS];
static size_t g_nbms;

static int is_io_pool(const struct exec_ops *ops)
{
    return ops != NULL && (strcmp(ops->name, "threadpool") == 0 || strcmp(ops->name, "procpool") == 0);
}

static int list_has(const char *list, const char *name)
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
    b->workers = workers;
    snprintf(b->name, sizeof(b->name), "%s/%s/%s%sworkers:%u", w->name, ops ? ops->name : "serial",
             params, params[0] ? "/" : "", workers);
    for (size_t i = 0; i < g_nbms; i++)
        if (strcmp(g_bms[i].name, b->name) == 0)
            return 0; /* the same benchmark twice (two lines share it) */
    g_nbms++;
    return 0;
}

struct options {
    int quick;
    const char *suite;
    const char *executors;
    const char *workloads;
    const unsigned *workers; /* NULL: the suite's */
    unsigned workers_buf[32];
    const char *out;
    int report;
    int micro;
    struct {
        const struct workload *w;
        const char *params;
    } ovr[16]; /* --params W=P: P replaces the suite's parameters for W */
    size_t novr;
};

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
    return list != NULL && strcmp(list, "all") != 0 && list_has(list, name);
}

/* Adds a suite line's benchmarks that pass the --executors/--workloads filters;
 * a variant executor only where the line or --executors names it. */
static int add_line(const struct suite_line *l, const struct options *o)
{
    const struct workload *w = workload_find(l->workload);
    if (w == NULL || !list_has(o->workloads, w->name))
        return 0;
    const char *params = override_for(o, w);
    if (params == NULL)
        params = o->quick ? w->params_quick : (l->params ? l->params : w->params_default);
    if (list_has(l->executors, "serial") && list_has(o->executors, "serial") &&
        add_bm(w, NULL, params, 1) != 0)
        return -1;
    for (size_t e = 0; exec_all[e] != NULL; e++) {
        const struct exec_ops *ops = exec_all[e];
        if (strcmp(ops->name, "serial") == 0 || !list_has(l->executors, ops->name) ||
            !list_has(o->executors, ops->name))
            continue;
        if (ops->extra && !o->quick && !list_names(l->executors, ops->name) &&
            !list_names(o->executors, ops->name))
            continue;
        const unsigned *ws = o->workers ? o->workers : o->quick ? W_QUICK : l->workers_cpu;
        if (!o->quick && !o->workers && is_io_pool(ops) && strcmp(w->kind, "cpu") != 0)
            ws = strcmp(ops->name, "procpool") == 0 ? W_PROCS_IO : W_THREADS_IO;
        for (size_t i = 0; ws[i] != 0; i++)
            if (add_bm(w, ops, params, ws[i]) != 0)
                return -1;
    }
    return 0;
}

static int build_suite(const struct options *o)
{
    const struct suite_line *lines = suite_default;
    if (strcmp(o->suite, "sched") == 0)
        lines = suite_sched;
    if (o->quick) {
        /* Every executor x workload pair, small, once. */
        for (size_t i = 0; workload_all[i] != NULL; i++) {
            struct suite_line l = {workload_all[i]->name, NULL, "all", W_QUICK};
            if (add_line(&l, o) != 0)
                return -1;
        }
        return 0;
    }
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
        const struct workload *w = o->ovr[k].w;
        struct suite_line l = {w->name, NULL, "all", strcmp(w->kind, "cpu") == 0 ? W_CPU : W_FJ_IO};
        if (!done[k] && add_line(&l, o) != 0)
            return -1;
    }
    return 0;
}

/* Parses "W=P" into o->ovr. 0, or -1 after saying why. */
static int parse_override(const char *v, struct options *o)
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

/* ---- running one benchmark ----------------------------------------------------------------- */

/* Prepared workloads, kept for the whole run: several benchmarks share one. */
static struct prepared {
    const struct workload *w;
    char params[128];
    void *state;
} g_prep[64];
static size_t g_nprep;

static void drop_exec(void);

/* The prepared state of b's workload and parameters, prepared now if new. A
 * process pool forked before a state was prepared cannot see its inputs
 * (its workers inherited memory at fork), so a new state drops the live
 * executor first. */
static int get_state(const struct bm *b, void **state, char *err, size_t errlen)
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
    drop_exec();
    int e = b->w->prepare(state, b->params, err, errlen);
    if (e != 0)
        return e;
    g_prep[g_nprep].w = b->w;
    snprintf(g_prep[g_nprep].params, sizeof(g_prep[g_nprep].params), "%s", b->params);
    g_prep[g_nprep].state = *state;
    g_nprep++;
    return 0;
}

static void release_states(void)
{
    for (size_t i = 0; i < g_nprep; i++)
        g_prep[i].w->release(g_prep[i].state);
    g_nprep = 0;
}

/* One executor alive at a time: a process pool must fork with no other
 * pool's threads around, and pools must not compete for the cores. */
static struct {
    const struct exec_ops *ops;
    unsigned workers;
    struct exec *x;
} g_exec;

static void drop_exec(void)
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
    drop_exec();
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

static struct hist *g_latency;

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

static void bm_run(bench_state *s, void *user)
{
    struct bm *b = user;
    char err[256] = "";
    void *state;
    struct exec *x = NULL;
    int e = get_state(b, &state, err, sizeof(err));
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
        struct work_run run = {.latency = g_latency};
        e = b->ops ? b->w->run(state, b->ops, x, &run) : b->w->serial(state, &run);
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

/* ---- results ------------------------------------------------------------------------------- */

struct row {
    char name[256];
    char stat[32];
    int64_t reps;
    double real_ns, cpu_ns, tasks, tasks_per_s, p50, p90, p99, p999, rss_kb;
    char error[256];
};

static struct row *g_rows;
static size_t g_nrows, g_caprows;
static size_t g_errors;

static double counter(const struct bench_result *r, const char *name)
{
    for (size_t i = 0; i < r->ncounters; i++)
        if (strcmp(r->counters[i].name, name) == 0)
            return r->counters[i].value;
    return 0;
}

/* Text for a CSV field: no commas, quotes or newlines. */
static void csv_clean(char *dst, size_t cap, const char *src)
{
    size_t j = 0;
    for (size_t i = 0; src != NULL && src[i] != '\0' && j + 1 < cap; i++)
        dst[j++] = (src[i] == ',' || src[i] == '"' || src[i] == '\n' || src[i] == '\r') ? ';' : src[i];
    dst[j] = '\0';
}

static void on_result(const struct bench_result *r, void *user)
{
    (void)user;
    if (r->aggregate_is_ratio)
        return; /* cv: a ratio, not a time */
    if (g_nrows == g_caprows) {
        size_t cap = g_caprows ? 2 * g_caprows : 256;
        struct row *n = realloc(g_rows, cap * sizeof(*n));
        if (n == NULL)
            return;
        g_rows = n;
        g_caprows = cap;
    }
    struct row *w = &g_rows[g_nrows++];
    memset(w, 0, sizeof(*w));
    snprintf(w->name, sizeof(w->name), "%s", r->name);
    if (r->aggregate[0] != '\0')
        snprintf(w->stat, sizeof(w->stat), "%s", r->aggregate);
    else
        snprintf(w->stat, sizeof(w->stat), "rep%" PRId64, r->repetition < 0 ? 0 : r->repetition);
    w->reps = r->repetitions;
    w->real_ns = r->real_ns;
    w->cpu_ns = r->cpu_ns + counter(r, "child_cpu_ns"); /* a process pool's children */
    w->tasks = counter(r, "tasks");
    w->tasks_per_s = counter(r, "tasks_per_s");
    w->p50 = counter(r, "p50_ns");
    w->p90 = counter(r, "p90_ns");
    w->p99 = counter(r, "p99_ns");
    w->p999 = counter(r, "p999_ns");
    w->rss_kb = counter(r, "max_rss_kb");
    csv_clean(w->error, sizeof(w->error), r->error);
    if (r->error != NULL && r->aggregate[0] == '\0')
        g_errors++;
}

/* Splits "<workload>/<executor>/<params...>/workers:<P>". */
static void split_name(const char *name, char *workload, char *executor, char *params,
                       unsigned *workers)
{
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", name);
    *workers = 1;
    workload[0] = executor[0] = params[0] = '\0';
    char *last = strrchr(tmp, '/');
    if (last != NULL && strncmp(last + 1, "workers:", 8) == 0) {
        *workers = (unsigned)strtoul(last + 9, NULL, 10);
        *last = '\0';
    }
    char *a = strchr(tmp, '/');
    if (a == NULL) {
        strcpy(workload, tmp);
        return;
    }
    *a = '\0';
    strcpy(workload, tmp);
    char *b = strchr(a + 1, '/');
    if (b != NULL)
        *b = '\0';
    strcpy(executor, a + 1);
    if (b != NULL)
        strcpy(params, b + 1);
}

static const struct row *find_row(const char *name, const char *stat)
{
    for (size_t i = 0; i < g_nrows; i++)
        if (strcmp(g_rows[i].name, name) == 0 && strcmp(g_rows[i].stat, stat) == 0)
            return &g_rows[i];
    return NULL;
}

static int write_csv(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "wsbench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%s\n", WSBENCH_CSV_HEADER);
    for (size_t i = 0; i < g_nrows; i++) {
        const struct row *r = &g_rows[i];
        char wl[64], ex[64], params[160], ref[256];
        unsigned workers;
        split_name(r->name, wl, ex, params, &workers);
        const struct workload *w = workload_find(wl);
        const char *kind = w ? w->kind : "micro";
        double sp_serial = 0, sp_1 = 0;
        snprintf(ref, sizeof(ref), "%s/serial/%s%sworkers:1", wl, params, params[0] ? "/" : "");
        const struct row *s = find_row(ref, r->stat);
        if (s != NULL && s->error[0] == '\0' && r->real_ns > 0)
            sp_serial = s->real_ns / r->real_ns;
        snprintf(ref, sizeof(ref), "%s/%s/%s%sworkers:1", wl, ex, params, params[0] ? "/" : "");
        const struct row *one = find_row(ref, r->stat);
        if (one != NULL && one->error[0] == '\0' && r->real_ns > 0)
            sp_1 = one->real_ns / r->real_ns;
        fprintf(f, "%s,%s,%s,%s,%s,%u,%s,%" PRId64 ",%.1f,%.1f,%.0f,%.1f,%.0f,%.0f,%.0f,%.0f,%.4f,%.4f,%.0f,%s\n",
                r->name, wl, kind, ex, params, workers, r->stat, r->reps, r->real_ns, r->cpu_ns,
                r->tasks, r->tasks_per_s, r->p50, r->p90, r->p99, r->p999, sp_serial, sp_1,
                r->rss_kb, r->error);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- context ------------------------------------------------------------------------------- */

/* First line of a command's output, or "" (no shell metacharacters from users here). */
static void run_line(const char *cmd, char *out, size_t cap)
{
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    if (fgets(out, (int)cap, p) == NULL)
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
}

static void git_commit(char *out, size_t cap)
{
    char dirty[8];
    run_line("git rev-parse --short=12 HEAD 2>/dev/null", out, cap);
    if (out[0] == '\0') {
        snprintf(out, cap, "unknown");
        return;
    }
    /* Dirty if any tracked file but results/ (runs land there) has changed. */
    run_line("git status --porcelain --untracked-files=no -- ':/' ':(top,exclude)results' "
             "2>/dev/null | head -c1",
             dirty, sizeof(dirty));
    if (dirty[0] != '\0')
        strncat(out, "-dirty", cap - strlen(out) - 1);
}

static void cpu_model(char *out, size_t cap)
{
    char line[256];
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && c != NULL) {
            snprintf(out, cap, "%s", c + 2);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

/* The machine's topology as hwloc sees it, one line per level. */
static void topology_text(char *out, size_t cap)
{
    hwloc_topology_t t;
    size_t len = 0;
    out[0] = '\0';
    if (hwloc_topology_init(&t) != 0)
        return;
    if (hwloc_topology_load(t) == 0) {
        int depth = hwloc_topology_get_depth(t);
        for (int d = 0; d < depth && len + 64 < cap; d++) {
            hwloc_obj_t o = hwloc_get_obj_by_depth(t, d, 0);
            char type[64] = "";
            if (o != NULL)
                hwloc_obj_type_snprintf(type, sizeof(type), o, 1);
            int n = hwloc_get_nbobjs_by_depth(t, d);
            char attr[128] = "";
            if (o != NULL)
                hwloc_obj_attr_snprintf(attr, sizeof(attr), o, " ", 0);
            len += (size_t)snprintf(out + len, cap - len, "%s%d x %s%s%s%s", len ? "; " : "", n,
                                    type, attr[0] ? " (" : "", attr, attr[0] ? ")" : "");
        }
    }
    hwloc_topology_destroy(t);
}

static time_t g_started; /* when write_context() wrote the date */

static int write_context(const char *dir, int argc, char **argv)
{
    char path[PATH_MAX], commit[64], model[256], topo[2048], date[32];
    struct utsname u;
    time_t now = g_started = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
    git_commit(commit, sizeof(commit));
    cpu_model(model, sizeof(model));
    topology_text(topo, sizeof(topo));
    uname(&u);
    snprintf(path, sizeof(path), "%s/context.txt", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "date: %s\ngit_commit: %s\ncompiler: gcc %s\nbuild_flags: %s\nversions: %s\n", date,
            commit, __VERSION__, WSBENCH_BUILD_FLAGS, WSBENCH_VERSIONS);
    fprintf(f, "kernel: %s %s %s\ncpu: %s\nonline_cpus: %ld\ntopology: %s\n", u.sysname,
            u.release, u.machine, model, sysconf(_SC_NPROCESSORS_ONLN), topo);
    fclose(f);
    snprintf(path, sizeof(path), "%s/command.txt", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    for (int i = 0; i < argc; i++)
        fprintf(f, "%s%s", i ? " " : "", argv[i]);
    fprintf(f, "\n");
    fclose(f);
    bench_add_context("git_commit", commit);
    bench_add_context("build_flags", WSBENCH_BUILD_FLAGS);
    bench_add_context("versions", WSBENCH_VERSIONS);
    bench_add_context("topology", topo);
    return 0;
}

/* Adds when the run finished and how long it took to dir's context.txt. */
static void finish_context(const char *dir)
{
    char path[PATH_MAX], date[32];
    time_t now = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
    snprintf(path, sizeof(path), "%s/context.txt", dir);
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return;
    fprintf(f, "finished: %s\nwall_seconds: %lld\n", date, (long long)(now - g_started));
    fclose(f);
}

static int mkdir_p(const char *dir)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(tmp, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* ---- the command line ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wsbench [options] [gbench flags]\n"
            "  --quick              smoke run: every executor x workload, small, once; checks answers\n"
            "  --suite NAME         default (the README's), sched (libwsched's targets), micro\n"
            "  --executors A,B      only these (serial threadpool procpool stealing openmp tbb;\n"
            "                       the variant stealing-random runs only when named)\n"
            "  --workloads A,B      only these (fib nqueens uts matmul sort sleep pipe socket file mixed)\n"
            "  --workers N,M        worker counts instead of the suite's sweep\n"
            "  --params W=P         parameters P for workload W instead of the suite's, e.g.\n"
            "                       uts=tree:T2, uts=spec:-t_1_-a_3_-d_10_-b_4_-r_19 (UTS's own\n"
            "                       arguments, '_' for space), sleep=tasks:500/us:200; repeatable\n"
            "  --no-micro           leave out the scheduler microbenchmarks\n"
            "  --out DIR            results directory (default results/<date>_<commit>); '-': none\n"
            "  --no-report          do not run wsreport on the results\n"
            "  --help               this text and gbench's flags\n"
            "Benchmarks are named <workload>/<executor>/<params>/workers:<P>; gbench's own flags\n"
            "(--benchmark_filter, --benchmark_repetitions, --benchmark_format=json, ...) work as usual;\n"
            "without them each benchmark runs 3 times for at least 0.2 s and reports the median.\n");
}

static int parse_workers(const char *s, struct options *o)
{
    size_t n = 0;
    for (const char *p = s; *p;) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0 || v > WS_MAX_WORKERS || n + 1 >= 32 || (*end != ',' && *end != '\0'))
            return -1;
        o->workers_buf[n++] = (unsigned)v;
        p = *end ? end + 1 : end;
    }
    if (n == 0)
        return -1;
    o->workers_buf[n] = 0;
    o->workers = o->workers_buf;
    return 0;
}

static int check_names(const char *list, int executors)
{
    if (list == NULL)
        return 0;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[64];
        if (len == 0 || len >= sizeof(name))
            return -1;
        memcpy(name, p, len);
        name[len] = '\0';
        if (executors ? exec_find(name) == NULL : workload_find(name) == NULL) {
            fprintf(stderr, "wsbench: unknown %s '%s'\n", executors ? "executor" : "workload", name);
            return -1;
        }
        p = e ? e + 1 : p + len;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0)
            o->quick = 1;
        else if (strcmp(a, "--no-report") == 0)
            o->report = 0;
        else if (strcmp(a, "--no-micro") == 0)
            o->micro = 0;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        else if (v != NULL && strcmp(a, "--suite") == 0 && (i++, 1))
            o->suite = v;
        else if (v != NULL && strcmp(a, "--executors") == 0 && (i++, 1))
            o->executors = v;
        else if (v != NULL && strcmp(a, "--workloads") == 0 && (i++, 1))
            o->workloads = v;
        else if (v != NULL && strcmp(a, "--out") == 0 && (i++, 1))
            o->out = v;
        else if (v != NULL && strcmp(a, "--params") == 0 && (i++, 1)) {
            if (parse_override(v, o) != 0)
                return -1;
        }
        else if (v != NULL && strcmp(a, "--workers") == 0 && (i++, 1)) {
            if (parse_workers(v, o) != 0) {
                fprintf(stderr, "wsbench: --workers wants positive counts like 1,2,4\n");
                return -1;
            }
        } else {
            static const char *const valued[] = {"--suite",   "--executors", "--workloads",
                                                 "--out",     "--workers",   "--params"};
            int wants = 0;
            for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
                wants |= strcmp(a, valued[k]) == 0;
            if (wants)
                fprintf(stderr, "wsbench: %s wants a value\n", a);
            else if (strncmp(a, "--benchmark_", 12) == 0)
                fprintf(stderr, "wsbench: '%s': not a gbench flag, or a bad value for one\n", a);
            else
                fprintf(stderr, "wsbench: unknown argument '%s'\n", a);
            return -1;
        }
    }
    if (strcmp(o->suite, "default") != 0 && strcmp(o->suite, "sched") != 0 &&
        strcmp(o->suite, "micro") != 0) {
        fprintf(stderr, "wsbench: unknown suite '%s'\n", o->suite);
        return -1;
    }
    if (check_names(o->executors, 1) != 0 || check_names(o->workloads, 0) != 0)
        return -1;
    return 0;
}

/* Has the user given a gbench flag starting with prefix? */
static int has_flag(int argc, char **argv, const char *prefix)
{
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], prefix, strlen(prefix)) == 0)
            return 1;
    return 0;
}

static void default_out(char *out, size_t cap)
{
    char commit[64], date[16];
    time_t now = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%d", localtime(&now));
    git_commit(commit, sizeof(commit));
    snprintf(out, cap, "results/%s_%s", date, commit);
}

/* Is this the whole default suite, unfiltered: a run results/README.md may show? */
static int full_default(const struct options *o, int argc0, char **argv0)
{
    return strcmp(o->suite, "default") == 0 && !o->quick && o->executors == NULL &&
           o->workloads == NULL && o->workers == NULL && o->novr == 0 && o->micro &&
           !has_flag(argc0, argv0, "--benchmark_filter");
}

/* Runs wsreport on dir; index: also rewrite results/README.md from it. */
static void run_report(const char *argv0, const char *dir, int index)
{
    char exe[PATH_MAX], cmd[2 * PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    (void)argv0;
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return;
    snprintf(slash + 1, sizeof(exe) - (size_t)(slash + 1 - exe), "wsreport");
    if (access(exe, X_OK) != 0) {
        fprintf(stderr, "wsbench: %s not found: no charts (run it by hand later)\n", exe);
        return;
    }
    snprintf(cmd, sizeof(cmd), "'%s' '%s'%s", exe, dir, index ? " --index results/README.md" : "");
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "wsbench: wsreport exited with status %d\n", rc);
}

/* IO workloads hold descriptors while prepared (pipes, sockets, a server):
 * allow as many as the hard limit lets us. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* The whole run; argv0 is the command line before gbench edits argv, and
 * *defs what it allocates for main() to free on every way out. */
static int wsbench(int argc, char **argv, char **argv0, struct bench_def **defs_out)
{
    struct options o = {.suite = "default", .report = 1, .micro = 1};
    raise_nofile();
    char outbuf[PATH_MAX];
    int argc0 = argc;

    int e = bench_init(&argc, argv);
    if (e != 0) {
        fprintf(stderr, "wsbench: %s\n", strerror(-e));
        usage(stderr);
        return 2;
    }
    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        usage(pr > 0 ? stdout : stderr);
        if (pr > 0)
            bench_print_flags_help();
        return pr > 0 ? 0 : 2;
    }
    int listing = has_flag(argc0, argv0, "--benchmark_list_tests");
    if (o.out == NULL) {
        default_out(outbuf, sizeof(outbuf));
        o.out = outbuf;
    }
    int write_out = strcmp(o.out, "-") != 0 && !listing;

    if (build_suite(&o) != 0)
        return 2;
    /* Bad --params are bad arguments: prepare them now (the state is kept
     * for the run), and refuse them before anything runs. */
    for (size_t i = 0; i < o.novr && !listing; i++) {
        struct bm b = {.w = o.ovr[i].w};
        char err[256] = "";
        void *state;
        if (!list_has(o.workloads, b.w->name))
            continue;
        snprintf(b.params, sizeof(b.params), "%s", o.ovr[i].params);
        if (get_state(&b, &state, err, sizeof(err)) != 0) {
            fprintf(stderr, "wsbench: --params %s=%s: %s\n", b.w->name, b.params, err);
            usage(stderr);
            release_states();
            return 2;
        }
    }
    struct bench_def *defs = *defs_out = calloc(g_nbms + 8, sizeof(*defs));
    if (defs == NULL || hist_create(&g_latency, LATENCY_MAX_NS) != 0)
        return 2;
    /* A median needs repetitions: unless the user chose them (by flag or by
     * gbench's environment variables), each benchmark runs 3 times for at
     * least 0.2 s, which keeps the default suite within 10 minutes. */
    int reps = o.quick ? 1 : 0;
    double min_time = 0;
    if (!o.quick && !has_flag(argc0, argv0, "--benchmark_repetitions") &&
        getenv("BENCHMARK_REPETITIONS") == NULL)
        reps = DEFAULT_REPETITIONS;
    if (!o.quick && !has_flag(argc0, argv0, "--benchmark_min_time") &&
        getenv("BENCHMARK_MIN_TIME") == NULL)
        min_time = DEFAULT_MIN_TIME;
    size_t nd = 0;
    if (strcmp(o.suite, "micro") != 0)
        for (size_t i = 0; i < g_nbms; i++)
            defs[nd++] = (struct bench_def){.name = g_bms[i].name, .fn = bm_run, .user = &g_bms[i],
                                            .iterations = o.quick ? 1 : 0,
                                            .min_time = min_time, .repetitions = reps};
    if (o.micro && !o.quick && (strcmp(o.suite, "default") == 0 || strcmp(o.suite, "sched") == 0 ||
                                strcmp(o.suite, "micro") == 0) &&
        list_has(o.executors, "stealing")) {
        size_t nm;
        const struct bench_def *m = micro_defs(&nm);
        for (size_t i = 0; i < nm; i++) {
            defs[nd] = m[i];
            if (defs[nd].repetitions == 0)
                defs[nd].repetitions = reps;
            nd++;
        }
    }
    if ((e = bench_register(defs, nd)) != 0) {
        fprintf(stderr, "wsbench: registering benchmarks: %s\n", strerror(-e));
        return 2;
    }

    /* gbench writes its own JSON next to ours unless told otherwise. */
    if (write_out) {
        if (mkdir_p(o.out) != 0) {
            fprintf(stderr, "wsbench: cannot create %s: %s\n", o.out, strerror(errno));
            return 2;
        }
        write_context(o.out, argc0, argv0);
        if (!has_flag(argc0, argv0, "--benchmark_out=")) {
            static char flag[PATH_MAX + 32];
            char *extra[3] = {argv[0], flag, (char *)"--benchmark_out_format=json"};
            int n = 3;
            snprintf(flag, sizeof(flag), "--benchmark_out=%s/raw.json", o.out);
            if ((e = bench_init(&n, extra)) != 0) {
                fprintf(stderr, "wsbench: %s\n", strerror(-e));
                return 2;
            }
        }
    }

    struct bench_summary sum;
    struct bench_run_opts ro = {.on_result = on_result};
    e = bench_run(&ro, &sum);
    drop_exec();
    release_states();
    hist_destroy(g_latency);
    if (e != 0) {
        fprintf(stderr, "wsbench: %s\n", strerror(-e));
        return 2;
    }
    if (write_out) {
        char path[PATH_MAX];
        finish_context(o.out);
        snprintf(path, sizeof(path), "%s/results.csv", o.out);
        if (write_csv(path) == 0)
            fprintf(stderr, "wsbench: %zu results in %s\n", g_nrows, path);
        if (o.report)
            run_report(argv0[0], o.out, o.out == outbuf && full_default(&o, argc0, argv0));
    }
    if (g_errors != 0 || sum.errors != 0) {
        fprintf(stderr, "wsbench: %zu run(s) failed; see the errors above\n",
                g_errors > sum.errors ? g_errors : sum.errors);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    char **argv0 = malloc(((size_t)argc + 3) * sizeof(*argv0));
    if (argv0 == NULL)
        return 2;
    for (int i = 0; i < argc; i++)
        argv0[i] = argv[i];
    struct bench_def *defs = NULL;
    int rc = wsbench(argc, argv, argv0, &defs);
    free(defs);
    free(argv0);
    return rc;
}
