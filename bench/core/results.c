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
        dst[j++] =
            (src[i] == ',' || src[i] == '"' || src[i] == '\n' || src[i] == '\r') ? ';' : src[i];
    dst[j] = '\0';
}

void results_on_result(const struct bench_result *r, void *user)
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

int results_write_csv(const char *path, size_t *rows)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "wsbench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%s\n", wsbench_csv_header());
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
        struct wsbench_result out = {
            .name = r->name,
            .workload = wl,
            .kind = kind,
            .executor = ex,
            .params = params,
            .workers = workers,
            .stat = r->stat,
            .reps = r->reps,
            .real_ns = r->real_ns,
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
    *rows = g_nrows;
    return fclose(f) == 0 ? 0 : -1;
}

size_t results_errors(void)
{
    return g_errors;
}
