/*
 * results.c - the results writer: one row per gbench result, written to
 * results.csv in the columns of core/schema.h, with the speedups computed
 * from the serial twin's and one worker's rows.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/schema.h"
#include "report/stats.h"

/* ---- results ------------------------------------------------------------------------------- */

/* One result as gbench reported it: a repetition (stat rep<k>) or one of
 * gbench's aggregates (mean, stddev; its median is replaced by ours). */
struct row {
    char name[256]; /* the benchmark's, without a round's "/round:<k>" */
    char stat[32];
    int64_t reps;
    double real_ns, cpu_ns, tasks, tasks_per_s, p50, p90, p99, p999, rss_kb;
    double ci_lo, ci_hi, ci_conf; /* on our median rows only */
    char error[256];
};

static struct row *g_rows;
static size_t g_nrows, g_caprows;
static size_t g_errors;

static double counter(const struct bench_result *r, const char *name, double absent)
{
    for (size_t i = 0; i < r->ncounters; i++)
        if (strcmp(r->counters[i].name, name) == 0)
            return r->counters[i].value;
    return absent;
}

/* Text for a CSV field: no commas, quotes or newlines. */
static void csv_clean(char *dst, size_t cap, const char *src)
{
    size_t j = 0;
    for (size_t i = 0; src != NULL && src[i] != '\0' && j + 1 < cap; i++)
        dst[j++] =
            (src[i] == ',' || src[i] == '"' || src[i] == '\n' || src[i] == '\r') ? ';' : src[i];
    dst[j] = '\0';
}

void results_on_result(const struct bench_result *r, void *user)
{
    (void)user;
    if (r->aggregate_is_ratio || strcmp(r->aggregate, "median") == 0)
        return; /* cv: a ratio, not a time; the median: ours, with its interval */
    /* A round's instance that was not needed (an adaptive round the
     * benchmark did not get) ran no workload: nothing to keep. */
    double runs = counter(r, "runs", 1);
    if (r->error == NULL && runs == 0)
        return;
    if (g_nrows == g_caprows) {
        size_t cap = g_caprows ? 2 * g_caprows : 256;
        struct row *n = realloc(g_rows, cap * sizeof(*n));
        if (n == NULL) {
            fprintf(stderr, "wsbench: out of memory: the result of %s is lost\n", r->name);
            g_errors++;
            return;
        }
        g_rows = n;
        g_caprows = cap;
    }
    struct row *w = &g_rows[g_nrows++];
    memset(w, 0, sizeof(*w));
    snprintf(w->name, sizeof(w->name), "%s", r->name);
    char *round = NULL; /* the last "/round:": parameters may hold "/rounds:" */
    for (char *p = strstr(w->name, "/round:"); p != NULL; p = strstr(p + 1, "/round:"))
        round = p;
    int64_t rep = r->repetition < 0 ? 0 : r->repetition;
    if (round != NULL) {
        rep = strtoll(round + 7, NULL, 10);
        *round = '\0';
    }
    if (r->aggregate[0] != '\0')
        snprintf(w->stat, sizeof(w->stat), "%s", r->aggregate);
    else
        snprintf(w->stat, sizeof(w->stat), "rep%" PRId64, rep);
    w->reps = r->repetitions;
    /* In rounds, one gbench iteration is `runs` whole runs (runner.c):
     * the columns are per run. Counters are per run already. */
    if (!(runs > 0))
        runs = 1;
    w->real_ns = r->real_ns / runs;
    w->cpu_ns = r->cpu_ns / runs + counter(r, "child_cpu_ns", 0); /* a process pool's children */
    w->tasks = counter(r, "tasks", 0);
    w->tasks_per_s = counter(r, "tasks_per_s", 0);
    w->p50 = counter(r, "p50_ns", 0);
    w->p90 = counter(r, "p90_ns", 0);
    w->p99 = counter(r, "p99_ns", 0);
    w->p999 = counter(r, "p999_ns", 0);
    w->rss_kb = counter(r, "max_rss_kb", 0);
    csv_clean(w->error, sizeof(w->error), r->error);
    if (r->error != NULL && r->aggregate[0] == '\0')
        g_errors++;
}

/* The repetitions of name kept so far, and whether one failed. */
static size_t rep_rows(const char *name, const struct row **out, size_t cap, int *failed)
{
    size_t n = 0;
    *failed = 0;
    for (size_t i = 0; i < g_nrows; i++) {
        const struct row *r = &g_rows[i];
        if (strcmp(r->name, name) != 0 || strncmp(r->stat, "rep", 3) != 0)
            continue;
        *failed |= r->error[0] != '\0';
        if (n < cap)
            out[n++] = r;
    }
    return n;
}

#define MAX_REPS                                                                                   \
    64 /* DEFAULT_ROUNDS + EXTRA_ROUNDS in wsbench.c, with room for --benchmark_repetitions */

/* The median row of name: the median of each column over its repetitions,
 * and the interval of real_ns's; 0, or -1 with fewer than two repetitions
 * or a failed one. */
static int median_row(const char *name, struct row *m, struct stats_ci *ci)
{
    const struct row *reps[MAX_REPS];
    int failed;
    size_t n = rep_rows(name, reps, MAX_REPS, &failed);
    if (n > MAX_REPS)
        n = MAX_REPS;
    if (n < 2 || failed)
        return -1;
    *m = *reps[0];
    snprintf(m->stat, sizeof(m->stat), "median");
    m->reps = (int64_t)n;
    static const size_t cols[] = {
        offsetof(struct row, real_ns), offsetof(struct row, cpu_ns),
        offsetof(struct row, tasks),   offsetof(struct row, tasks_per_s),
        offsetof(struct row, p50),     offsetof(struct row, p90),
        offsetof(struct row, p99),     offsetof(struct row, p999),
        offsetof(struct row, rss_kb),
    };
    for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
        double v[MAX_REPS];
        struct stats_ci x;
        for (size_t i = 0; i < n; i++)
            memcpy(&v[i], (const char *)reps[i] + cols[c], sizeof(double));
        if (stats_median_ci(v, n, STATS_CONF, &x) != 0)
            return -1;
        memcpy((char *)m + cols[c], &x.median, sizeof(double));
        if (cols[c] == offsetof(struct row, real_ns))
            *ci = x;
    }
    return 0;
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

/* Appends a median row (with its interval) for every benchmark with two or
 * more repetitions, all of them good, once. */
static void add_medians(void)
{
    static int done;
    if (done++)
        return;
    size_t n0 = g_nrows;
    for (size_t i = 0; i < n0; i++) {
        struct row m;
        struct stats_ci ci;
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(g_rows[j].name, g_rows[i].name) != 0;
        if (!first || median_row(g_rows[i].name, &m, &ci) != 0)
            continue;
        m.ci_lo = ci.lo;
        m.ci_hi = ci.hi;
        m.ci_conf = ci.conf;
        if (g_nrows == g_caprows) {
            struct row *nr = realloc(g_rows, 2 * g_caprows * sizeof(*nr));
            if (nr == NULL) {
                fprintf(stderr, "wsbench: out of memory: no median row for %s\n", m.name);
                continue;
            }
            g_rows = nr;
            g_caprows *= 2;
        }
        g_rows[g_nrows++] = m;
    }
}

/* The order of a benchmark's rows: repetitions, our median, gbench's aggregates. */
static int stat_order(const char *stat)
{
    return strncmp(stat, "rep", 3) == 0 ? 0 : strcmp(stat, "median") == 0 ? 1 : 2;
}

static void write_row(FILE *f, const struct row *r, int64_t reps)
{
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
    struct wsbench_result out = {
        .name = r->name,
        .workload = wl,
        .kind = kind,
        .executor = ex,
        .params = params,
        .workers = workers,
        .stat = r->stat,
        .reps = reps,
        .real_ns = r->real_ns,
        .ci_lo = r->ci_lo,
        .ci_hi = r->ci_hi,
        .ci_conf = r->ci_conf,
        .cpu_ns = r->cpu_ns,
        .tasks = r->tasks,
        .tasks_per_s = r->tasks_per_s,
        .p50_ns = r->p50,
        .p90_ns = r->p90,
        .p99_ns = r->p99,
        .p999_ns = r->p999,
        .speedup_serial = sp_serial,
        .speedup_1 = sp_1,
        .max_rss_kb = r->rss_kb,
        .error = r->error,
    };
    wsbench_csv_row(f, &out);
}

int results_write_csv(const char *path, size_t *rows)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "wsbench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    add_medians();
    fprintf(f, "%s\n", wsbench_csv_header());
    size_t written = 0, nbms;
    const struct bm *bms = suite_bms(&nbms);
    /* Each benchmark's rows together: the suite's in its order (rounds ran
     * them shuffled), then the others (the microbenchmarks) as they ran. */
    for (size_t i = 0, b = 0; i < g_nrows || b < nbms;) {
        const char *name = NULL;
        if (b < nbms) {
            name = bms[b++].name;
        } else {
            int first = 1, suite = 0;
            for (size_t j = 0; j < i && first; j++)
                first = strcmp(g_rows[j].name, g_rows[i].name) != 0;
            for (size_t k = 0; k < nbms && !suite; k++)
                suite = strcmp(bms[k].name, g_rows[i].name) == 0;
            name = first && !suite ? g_rows[i].name : NULL;
            i++;
        }
        if (name == NULL)
            continue;
        const struct row *reps[MAX_REPS];
        int failed;
        size_t nreps = rep_rows(name, reps, MAX_REPS, &failed);
        for (int order = 0; order < 3; order++)
            for (size_t k = 0; k < g_nrows; k++)
                if (strcmp(g_rows[k].name, name) == 0 && stat_order(g_rows[k].stat) == order) {
                    write_row(f, &g_rows[k], (int64_t)nreps);
                    written++;
                }
    }
    *rows = written;
    return fclose(f) == 0 ? 0 : -1;
}

size_t results_errors(void)
{
    return g_errors;
}

/* A benchmark's score (higher is better: runs per second for CPU-bound
 * work, tasks per second otherwise, as wsreport's verdicts) and the
 * score's interval, from its median row; 0, or -1 if it has none. */
static int score(const char *name, const struct workload *w, double *v, double *lo, double *hi)
{
    struct row m;
    struct stats_ci ci;
    if (median_row(name, &m, &ci) != 0 || !(ci.lo > 0) || !(m.real_ns > 0))
        return -1;
    /* Both are a constant over the wall time of one run, so the interval
     * of the time's median maps to the score's (order statistics keep
     * their order under a monotone map). */
    double scale = strcmp(w->kind, "cpu") == 0 ? 1e9 : m.tasks_per_s * m.real_ns;
    *v = scale / m.real_ns;
    *lo = scale / ci.hi;
    *hi = scale / ci.lo;
    return 0;
}

size_t results_contested(const struct bm *bms, size_t n, int *want)
{
    size_t marked = 0;
    for (size_t i = 0; i < n; i++)
        want[i] = 0;
    for (size_t i = 0; i < n; i++) {
        /* The first benchmark of each case (workload and parameters) judges it. */
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = bms[j].w != bms[i].w || strcmp(bms[j].params, bms[i].params) != 0;
        if (!first)
            continue;
        /* Per executor its best worker count, then the best two executors. */
        size_t win = n, run = n;
        double wv = 0, wlo = 0, whi = 0, rv = 0, rlo = 0, rhi = 0;
        for (size_t j = i; j < n; j++) {
            double v, lo, hi;
            if (bms[j].w != bms[i].w || strcmp(bms[j].params, bms[i].params) != 0 ||
                score(bms[j].name, bms[j].w, &v, &lo, &hi) != 0)
                continue;
            int better_same = 0;
            for (size_t k = i; k < n; k++) {
                double v2, lo2, hi2;
                if (k == j || bms[k].ops != bms[j].ops || bms[k].w != bms[j].w ||
                    strcmp(bms[k].params, bms[j].params) != 0 ||
                    score(bms[k].name, bms[k].w, &v2, &lo2, &hi2) != 0)
                    continue;
                better_same |= v2 > v || (v2 == v && k < j);
            }
            if (better_same)
                continue; /* not this executor's best worker count */
            if (win == n || v > wv) {
                run = win, rv = wv, rlo = wlo, rhi = whi;
                win = j, wv = v, wlo = lo, whi = hi;
            } else if (run == n || v > rv) {
                run = j, rv = v, rlo = lo, rhi = hi;
            }
        }
        if (win < n && run < n && stats_overlap(wlo, whi, rlo, rhi)) {
            marked += !want[win] + !want[run];
            want[win] = want[run] = 1;
        }
    }
    return marked;
}
