/*
 * select.c - the order of executors and workloads (from the registries), one
 * statistic per benchmark, the spread of its repetitions, and benchmarks
 * grouped into cases.
 */
#include "report/report.h"
#include "report/stats.h"
#include "wsbench_registry.h"

/* The registered executors in display order, with the colour and point
 * type their wsbench_executor() line gives (bench/exec/CMakeLists.txt). */
static const struct exec_style registered[] = {
#define EXEC_STYLE_(sym, name, color, point) {name, color, point},
    WSBENCH_EXECUTORS(EXEC_STYLE_)
#undef EXEC_STYLE_
};

/* Executors with no colour of their own (none given, or not registered:
 * results from another build) get one from their name, so it is also the
 * same in every chart. */
static const char *const spare_colors[] = {"#56b4e9", "#999933", "#882255", "#44aa99"};

struct exec_style exec_style(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(registered); i++)
        if (strcmp(name, registered[i].name) == 0 && registered[i].color[0] != '\0')
            return registered[i];
    unsigned h = 5381;
    for (const char *p = name; *p; p++)
        h = h * 33 + (unsigned char)*p;
    struct exec_style s = {name, spare_colors[h % ARRAY_LEN(spare_colors)], 6};
    return s;
}

/* The registry's order, then the others. */
int exec_rank(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(registered); i++)
        if (strcmp(name, registered[i].name) == 0)
            return (int)i;
    return (int)ARRAY_LEN(registered);
}

int is_serial(const char *exec)
{
    return strcmp(exec, "serial") == 0;
}

/* Workloads in the registry's order (bench/workloads/CMakeLists.txt: CPU, IO,
 * mixed), others after. */
static int workload_rank(const char *name)
{
    static const char *const order[] = {
#define WL_NAME_(sym, name) name,
        WSBENCH_WORKLOADS(WL_NAME_)
#undef WL_NAME_
    };
    for (size_t i = 0; i < ARRAY_LEN(order); i++)
        if (strcmp(name, order[i]) == 0)
            return (int)i;
    return (int)ARRAY_LEN(order);
}

static int cmp_int(int a, int b)
{
    return (a > b) - (a < b);
}

/* A benchmark: workload, params, executor, workers. */
int cmp_key(const struct row *a, const struct row *b)
{
    int c = cmp_int(workload_rank(a->workload), workload_rank(b->workload));
    if (c == 0)
        c = strcmp(a->workload, b->workload);
    if (c == 0)
        c = strverscmp(a->params, b->params);
    if (c == 0)
        c = cmp_int(exec_rank(a->executor), exec_rank(b->executor));
    if (c == 0)
        c = strcmp(a->executor, b->executor);
    if (c == 0)
        c = cmp_int((int)a->workers, (int)b->workers);
    return c;
}

/* Preference among the rows of one benchmark: lower is better; >= 4 unusable. */
int stat_rank(const char *stat)
{
    if (strcmp(stat, "median") == 0)
        return 0;
    if (strcmp(stat, "mean") == 0)
        return 1;
    if (strcmp(stat, "rep0") == 0)
        return 2;
    if (strncmp(stat, "rep", 3) == 0)
        return 3;
    return 4;
}

int cmp_rows(const void *pa, const void *pb)
{
    const struct row *a = *(const struct row *const *)pa, *b = *(const struct row *const *)pb;
    int c = cmp_key(a, b);
    if (c == 0)
        c = cmp_int(stat_rank(a->stat), stat_rank(b->stat));
    if (c == 0)
        c = strverscmp(a->stat, b->stat);
    if (c == 0)
        c = cmp_int((int)a->line, (int)b->line);
    return c;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The spread of the wall times of rows [i, j) that are repetitions. */
static double rep_spread(const struct row *const *rows, size_t i, size_t j)
{
    double lo = INFINITY, hi = 0, v[64];
    size_t n = 0;
    for (size_t k = i; k < j; k++) {
        if (strncmp(rows[k]->stat, "rep", 3) != 0 || !(rows[k]->real_ns > 0))
            continue;
        lo = fmin(lo, rows[k]->real_ns);
        hi = fmax(hi, rows[k]->real_ns);
        if (n < ARRAY_LEN(v))
            v[n++] = rows[k]->real_ns;
    }
    if (n < 2)
        return 0;
    /* The median of the repetitions (of the first 64: enough to scale by). */
    qsort(v, n, sizeof(v[0]), cmp_double);
    double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return (hi - lo) / med;
}

/* Keeps the wall times of rows [i, j) that are repetitions on pick, in round
 * order (the rows sort rep0, rep1, ..., rep10), and gives a pick without an
 * interval in results.csv (older runs, gbench's mean) one computed from
 * them; a point interval of confidence 0 with fewer than two. */
static void keep_reps(struct report *rp, struct row *pick, const struct row *const *rows, size_t i,
                      size_t j)
{
    pick->rep_off = rp->nrep_ns;
    pick->nrep = 0;
    for (size_t k = i; k < j; k++)
        if (strncmp(rows[k]->stat, "rep", 3) == 0 && rows[k]->real_ns > 0) {
            PUSH(rp->rep_ns, rp->nrep_ns, rp->cap_rep_ns, rows[k]->real_ns);
            pick->nrep++;
        }
    if (pick->ci_conf > 0 && pick->ci_lo > 0)
        return;
    pick->ci_lo = pick->ci_hi = pick->real_ns;
    pick->ci_conf = 0;
    if (pick->nrep < 2)
        return;
    double *v = xrealloc(NULL, pick->nrep * sizeof(*v));
    memcpy(v, &rp->rep_ns[pick->rep_off], pick->nrep * sizeof(*v));
    struct stats_ci ci;
    if (stats_median_ci(v, pick->nrep, STATS_CONF, &ci) == 0) {
        /* The interval is the median's; the pick's own value stays in it. */
        pick->ci_lo = fmin(ci.lo, pick->real_ns);
        pick->ci_hi = fmax(ci.hi, pick->real_ns);
        pick->ci_conf = ci.conf;
    }
    free(v);
}

/*
 * Chooses one row per benchmark: the median, else the mean, else rep0 (or
 * the first repetition). A benchmark with any failed row is left out and its
 * failed rows listed. 0, or -1 after printing an error (a duplicate row, a
 * workload with two kinds).
 */
int select_rows(struct report *rp)
{
    size_t n = rp->res.n;
    const struct row **idx = xrealloc(NULL, n * sizeof(*idx));
    for (size_t i = 0; i < n; i++)
        idx[i] = &rp->res.rows[i];
    qsort(idx, n, sizeof(*idx), cmp_rows);

    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0 && strcmp(idx[i]->workload, idx[i - 1]->workload) == 0 &&
            strcmp(idx[i]->kind, idx[i - 1]->kind) != 0) {
            fprintf(stderr,
                    "wsreport: %s: workload %s has two kinds: %s on line %u, %s on line %u\n",
                    rp->csv_path, idx[i]->workload, idx[i - 1]->kind, idx[i - 1]->line,
                    idx[i]->kind, idx[i]->line);
            rc = -1;
        }
    }
    for (size_t i = 0, j; i < n && rc == 0; i = j) {
        int failed = 0;
        for (j = i; j < n && cmp_key(idx[i], idx[j]) == 0; j++) {
            if (j > i && strcmp(idx[j]->stat, idx[j - 1]->stat) == 0) {
                fprintf(stderr, "wsreport: %s:%u: duplicate of line %u (%s, stat %s)\n",
                        rp->csv_path, idx[j]->line, idx[j - 1]->line, idx[j]->name, idx[j]->stat);
                rc = -1;
            }
            if (*idx[j]->error) {
                PUSH(rp->failed, rp->nfailed, rp->cap_failed, idx[j]);
                failed = 1;
            }
        }
        if (failed)
            continue;
        const struct row *best = idx[i]; /* the best statistic sorts first */
        if (stat_rank(best->stat) >= 4) {
            PUSH(rp->unusable, rp->nunusable, rp->cap_unusable, best);
            continue;
        }
        PUSH(rp->picks, rp->npicks, rp->cap_picks, best);
        struct row *pick = (struct row *)best; /* a row of rp->res */
        pick->spread = rep_spread(idx, i, j);
        keep_reps(rp, pick, idx, i, j);
        if (best->spread > NOISY_SPREAD)
            PUSH(rp->noisy, rp->nnoisy, rp->cap_noisy, best);
        if (stat_rank(best->stat) > 0) {
            PUSH(rp->fallback, rp->nfallback, rp->cap_fallback, best);
        } else {
            if (rp->reps_max == 0 || best->reps < rp->reps_min)
                rp->reps_min = best->reps;
            if (best->reps > rp->reps_max)
                rp->reps_max = best->reps;
        }
    }
    free(idx);
    return rc;
}

static void slugify(char *out, size_t outlen, const char *workload, const char *params)
{
    if (*params == '\0') {
        snprintf(out, outlen, "%s", workload);
    } else {
        snprintf(out, outlen, "%s_%s", workload, params);
    }
    for (char *p = out; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            *p = '-';
}

/* Groups the picks into cases (they are sorted by workload, then params). */
void build_cases(struct report *rp)
{
    for (size_t i = 0, j; i < rp->npicks; i = j) {
        const struct row *r = rp->picks[i];
        for (j = i; j < rp->npicks && strcmp(rp->picks[j]->workload, r->workload) == 0 &&
                    strcmp(rp->picks[j]->params, r->params) == 0;
             j++)
            ;
        struct wcase c = {r->workload, r->params, r->kind, "", "", &rp->picks[i], j - i};
        PUSH(rp->cases, rp->ncases, rp->cap_cases, c);
    }
    for (size_t i = 0; i < rp->ncases; i++) {
        struct wcase *c = &rp->cases[i];
        int several = (i > 0 && strcmp(rp->cases[i - 1].workload, c->workload) == 0) ||
                      (i + 1 < rp->ncases && strcmp(rp->cases[i + 1].workload, c->workload) == 0);
        if (several) {
            snprintf(c->label, sizeof(c->label), "%s (%s)", c->workload, c->params);
            slugify(c->slug, sizeof(c->slug), c->workload, c->params);
        } else {
            snprintf(c->label, sizeof(c->label), "%s", c->workload);
            slugify(c->slug, sizeof(c->slug), c->workload, "");
        }
    }
}

/* Splits a case into series; returns their count and a malloc'd array. */
size_t case_series(const struct wcase *c, struct series **out)
{
    struct series *s = xrealloc(NULL, (c->n ? c->n : 1) * sizeof(*s));
    size_t ns = 0;
    for (size_t i = 0, j; i < c->n; i = j) {
        for (j = i; j < c->n && strcmp(c->rows[j]->executor, c->rows[i]->executor) == 0; j++)
            ;
        s[ns++] = (struct series){c->rows[i]->executor, &c->rows[i], j - i};
    }
    *out = s;
    return ns;
}

const struct series *find_serial(const struct series *s, size_t ns)
{
    for (size_t i = 0; i < ns; i++)
        if (is_serial(s[i].exec))
            return &s[i];
    return NULL;
}

double row_tps(const struct row *r)
{
    if (r->tasks_per_s > 0)
        return r->tasks_per_s;
    if (r->real_ns > 0 && r->tasks > 0)
        return r->tasks * 1e9 / r->real_ns;
    return 0;
}

/* Speedup against the serial twin's row ser, or the speedup_serial column
 * when this case has no serial twin; 0 if neither is known. */
double row_speedup(const struct row *r, const struct row *ser)
{
    if (ser != NULL && ser->real_ns > 0 && r->real_ns > 0)
        return ser->real_ns / r->real_ns;
    return r->speedup_serial;
}

/* Sorted distinct worker counts of a case, in a malloc'd array. */
size_t case_workers(const struct wcase *c, unsigned **out)
{
    unsigned *w = xrealloc(NULL, (c->n ? c->n : 1) * sizeof(*w));
    size_t nw = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t k = 0;
        while (k < nw && w[k] < c->rows[i]->workers)
            k++;
        if (k < nw && w[k] == c->rows[i]->workers)
            continue;
        memmove(&w[k + 1], &w[k], (nw - k) * sizeof(*w));
        w[k] = c->rows[i]->workers;
        nw++;
    }
    *out = w;
    return nw;
}
