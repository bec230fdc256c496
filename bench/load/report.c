/*
 * report.c - the servers suite's report: results.csv (servers.h's columns)
 * to charts (gnuplot, through wsreport's helpers in bench/report/) and
 * README.md, with verdicts computed from the numbers:
 *
 *   - throughput against connections, one chart per cost and placement,
 *     one line per model (wrk);
 *   - latency against offered load, p50 and p99, per cost (wsopen);
 *   - Pss against connections, and Pss per connection over the idle server;
 *   - the winner at each cost and connection count, by how much, and
 *     whether the margin is within the noise;
 *   - the three claims of the concurrency guides, each judged on the points
 *     that bear on it (see claims_write());
 *   - h2load against wrk where both ran, the count checks, and every error.
 *
 * Points. The rows of one (model, placement, cost, connections, client,
 * offered rate) are the repetitions of a point: its throughput is their
 * median, its spread (max - min) / median. A point with a failed row (an
 * error: the server died, did not start or stop, a client hung) is a
 * failure, shown as one and left out of charts and verdicts. A point whose
 * client saw socket errors, timeouts or non-2xx replies, or that left
 * connections unserved, is "unclean": it is drawn, but it wins no
 * comparison while a clean point exists (a server that starves connections
 * does not win on the throughput of the ones it serves).
 */
#include "report/report.h"
#include "load/servers.h"

/* Margins below this (or below the points' spread) are ties: one run each
 * on a shared machine moves by about this much from run to run. */
#define TIE_MARGIN 0.10
/* "Fine" for the claim about threads: this share of the best, clean. */
#define FINE_SHARE 0.75
/* Connection counts from here on are "many". */
#define MANY_CONNECTIONS 1024

static const char *const model_order[] = {"thread-per-conn", "threadpool",      "prefork",
                                          "eventloop",       "eventloop-cores", "wsched"};

struct pt {
    const struct srow *rows[64]; /* its repetitions, in file order */
    size_t n;
    const struct srow *med; /* the median row (by throughput) */
    double tput, spread;
    int failed; /* some repetition failed */
    long long errors;
};

struct data {
    struct srow *rows;
    size_t nrows;
    struct pt *pts;
    size_t npts, cap;
    const char *models[32];
    size_t nmodels;
};

/* ---- points ---------------------------------------------------------------------------------- */

static long long nz(int64_t v)
{
    return v > 0 ? (long long)v : 0;
}

static long long row_errors(const struct srow *r)
{
    return nz(r->err_connect) + nz(r->err_read) + nz(r->err_write) + nz(r->err_timeout) +
           nz(r->err_other) + nz(r->non2xx) + nz(r->unserved);
}

static int same_point(const struct srow *a, const struct srow *b)
{
    return !strcmp(a->model, b->model) && !strcmp(a->placement, b->placement) &&
           a->work_us == b->work_us && a->fanout == b->fanout && a->connections == b->connections &&
           !strcmp(a->client, b->client) &&
           (strcmp(a->client, "open") || a->offered_rps == b->offered_rps);
}

static int cmp_tput(const void *pa, const void *pb)
{
    const struct srow *a = *(const struct srow *const *)pa, *b = *(const struct srow *const *)pb;
    double x = isfinite(a->throughput_rps) ? a->throughput_rps : 0;
    double y = isfinite(b->throughput_rps) ? b->throughput_rps : 0;
    return (x > y) - (x < y);
}

static int model_rank(const char *m)
{
    for (size_t i = 0; i < ARRAY_LEN(model_order); i++)
        if (!strcmp(m, model_order[i]))
            return (int)i;
    return (int)ARRAY_LEN(model_order);
}

static void build_points(struct data *d)
{
    for (size_t i = 0; i < d->nrows; i++) {
        const struct srow *r = &d->rows[i];
        struct pt *p = NULL;
        for (size_t k = 0; k < d->npts && p == NULL; k++)
            if (same_point(d->pts[k].rows[0], r))
                p = &d->pts[k];
        if (p == NULL) {
            struct pt fresh = {.n = 0};
            PUSH(d->pts, d->npts, d->cap, fresh);
            p = &d->pts[d->npts - 1];
        }
        if (p->n < ARRAY_LEN(p->rows))
            p->rows[p->n++] = r;
        size_t m = 0;
        while (m < d->nmodels && strcmp(d->models[m], r->model))
            m++;
        if (m == d->nmodels && m < ARRAY_LEN(d->models)) {
            /* in model_order's order, others after */
            size_t at = m;
            while (at > 0 && model_rank(d->models[at - 1]) > model_rank(r->model))
                at--;
            memmove(&d->models[at + 1], &d->models[at], (m - at) * sizeof(d->models[0]));
            d->models[at] = r->model;
            d->nmodels++;
        }
    }
    for (size_t k = 0; k < d->npts; k++) {
        struct pt *p = &d->pts[k];
        const struct srow *sorted[64];
        memcpy(sorted, p->rows, p->n * sizeof(sorted[0]));
        qsort(sorted, p->n, sizeof(sorted[0]), cmp_tput);
        for (size_t i = 0; i < p->n; i++)
            p->failed |= p->rows[i]->error[0] != '\0';
        p->med = sorted[(p->n - 1) / 2];
        p->tput = isfinite(p->med->throughput_rps) ? p->med->throughput_rps : 0;
        double lo = sorted[0]->throughput_rps, hi = sorted[p->n - 1]->throughput_rps;
        p->spread = p->n > 1 && p->tput > 0 ? (hi - lo) / p->tput : 0;
        p->errors = row_errors(p->med);
    }
}

/* The wrk point of a model at a cost, placement and connection count, or NULL. */
static const struct pt *find_pt(const struct data *d, const char *model, const char *client,
                                const char *placement, int64_t work, int64_t fanout, int64_t conns)
{
    for (size_t k = 0; k < d->npts; k++) {
        const struct srow *r = d->pts[k].rows[0];
        if (!strcmp(r->model, model) && !strcmp(r->client, client) &&
            !strcmp(r->placement, placement) && r->work_us == work && r->fanout == fanout &&
            r->connections == conns)
            return &d->pts[k];
    }
    return NULL;
}

/* A cost with a placement: what one throughput chart and one winners table cover. */
struct group {
    int64_t work, fanout;
    const char *placement;
    int64_t conns[32];
    size_t nconns;
};

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* The (cost, placement) groups of the points of client, in order. */
static size_t groups_of(const struct data *d, const char *client, struct group *g, size_t max)
{
    size_t n = 0;
    for (size_t k = 0; k < d->npts; k++) {
        const struct srow *r = d->pts[k].rows[0];
        if (strcmp(r->client, client))
            continue;
        size_t i = 0;
        while (i < n && !(g[i].work == r->work_us && g[i].fanout == r->fanout &&
                          !strcmp(g[i].placement, r->placement)))
            i++;
        if (i == n) {
            if (n == max)
                continue;
            g[n++] = (struct group){r->work_us, r->fanout, r->placement, {0}, 0};
        }
        size_t c = 0;
        while (c < g[i].nconns && g[i].conns[c] != r->connections)
            c++;
        if (c == g[i].nconns && c < ARRAY_LEN(g[i].conns))
            g[i].conns[g[i].nconns++] = r->connections;
    }
    for (size_t i = 0; i < n; i++)
        qsort(g[i].conns, g[i].nconns, sizeof(g[i].conns[0]), cmp_i64);
    /* by work, fanout, then pinned before shared */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            struct group *a = &g[j - 1], *b = &g[j];
            int later = a->work > b->work || (a->work == b->work && a->fanout > b->fanout) ||
                        (a->work == b->work && a->fanout == b->fanout &&
                         strcmp(a->placement, b->placement) > 0);
            if (!later)
                break;
            struct group t = *a;
            *a = *b;
            *b = t;
        }
    return n;
}

static void group_label(const struct group *g, char *out, size_t cap)
{
    int n = snprintf(out, cap, "work %lld us", (long long)g->work);
    if (g->fanout > 1 && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, ", fanout %lld", (long long)g->fanout);
    if (!strcmp(g->placement, "shared") && n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, ", server on every CPU");
}

static void group_slug(const char *kind, const struct group *g, char *out, size_t cap)
{
    snprintf(out, cap, "%s_w%lld%s%s", kind, (long long)g->work, g->fanout > 1 ? "_f" : "",
             g->placement[0] == 's' ? "_shared" : "");
    if (g->fanout > 1) {
        char tail[32];
        snprintf(tail, sizeof(tail), "%lld%s", (long long)g->fanout,
                 g->placement[0] == 's' ? "_shared" : "");
        char *f = strstr(out, "_f");
        if (f != NULL)
            snprintf(f + 2, cap - (size_t)(f + 2 - out), "%s", tail);
    }
}

/* ---- styles and chart pieces ------------------------------------------------------------------
 */

/* A model's colour and point: those of its twin among wsbench's executors
 * (the same model on the workloads), else its own. */
static struct exec_style model_style(const char *model)
{
    static const struct {
        const char *model, *exec, *color;
        int pt;
    } map[] = {
        {"thread-per-conn", "thread-per-conn", "#d55e00", 11},
        {"threadpool", "threadpool", "", 0},
        {"prefork", "procpool", "", 0},
        {"eventloop", "eventloop", "#009e73", 15},
        {"eventloop-cores", "eventloop-cores", "#999933", 4},
        {"wsched", "stealing", "", 0},
    };
    int unregistered = exec_rank("");
    for (size_t i = 0; i < ARRAY_LEN(map); i++) {
        if (strcmp(model, map[i].model))
            continue;
        struct exec_style s = exec_style(map[i].exec);
        if (exec_rank(map[i].exec) == unregistered && map[i].color[0]) {
            s.color = map[i].color;
            s.pt = map[i].pt;
        }
        s.name = model;
        return s;
    }
    struct exec_style s = exec_style(model);
    s.name = model;
    return s;
}

static void line_clause(struct sbuf *plot, const struct chart *c, int block, const char *model)
{
    gp_styled_line_clause(plot, c, block, model_style(model));
}

static void xtics_conns(FILE *gp, const int64_t *c, size_t n)
{
    fputs("set logscale x 10\nset xtics (", gp);
    for (size_t i = 0; i < n; i++)
        fprintf(gp, "%s%lld", i ? ", " : "", (long long)c[i]);
    fprintf(gp, ")\nset xrange [%.6g:%.6g]\n", c[0] / 1.6, c[n - 1] * 1.6);
}

static struct num fmt_rps(double v)
{
    struct num a = fmt_count(v), n;
    snprintf(n.s, sizeof(n.s), "%.40s req/s", a.s);
    return n;
}

/* ---- throughput -------------------------------------------------------------------------------
 */

static int chart_tput(struct report *rp, const struct data *d, const struct group *g)
{
    char slug[96], label[96], title[200];
    group_slug("throughput", g, slug, sizeof(slug));
    group_label(g, label, sizeof(label));
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_THROUGHPUT, label, slug, NULL, &dat, &gp);
    if (ch == NULL)
        return -1;
    fprintf(dat,
            "# wrk: replies per second against connections, %s\n# connections "
            "throughput_rps p99_ns\n",
            label);
    struct sbuf plot = {0}, *t = &ch->text;
    double hi = 0, lo = 0;
    int block = 0;
    const struct pt *top = NULL;
    for (size_t m = 0; m < d->nmodels; m++) {
        int any = 0;
        for (size_t c = 0; c < g->nconns; c++) {
            const struct pt *p =
                find_pt(d, d->models[m], "wrk", g->placement, g->work, g->fanout, g->conns[c]);
            if (p == NULL || p->failed || !(p->tput > 0))
                continue;
            if (!any++)
                fprintf(dat, "# model: %s\n", d->models[m]);
            fprintf(dat, "%lld %.6g %.6g\n", (long long)g->conns[c], p->tput,
                    isfinite(p->med->p99_ns) ? p->med->p99_ns : 0);
            hi = fmax(hi, p->tput);
            lo = lo == 0 ? p->tput : fmin(lo, p->tput);
            if (top == NULL || p->tput > top->tput)
                top = p;
        }
        if (any) {
            fputs("\n\n", dat);
            line_clause(&plot, ch, block++, d->models[m]);
        }
    }
    snprintf(title, sizeof(title), "Throughput against connections (wrk): %s", label);
    gp_preamble(gp, ch, 900, title, "connections (log scale)",
                hi / lo > 20 ? "replies per second (log scale)" : "replies per second");
    xtics_conns(gp, g->conns, g->nconns);
    if (hi > 0 && hi / lo > 20) {
        double dlo, dhi;
        decades(lo, hi, &dlo, &dhi);
        gp_log_y(gp, dlo, dhi, "");
    } else {
        fprintf(gp, "set yrange [0:%.6g]\nset format y '%%.3s %%c'\n", hi > 0 ? hi * 1.15 : 1);
    }
    if (block > 0)
        fprintf(gp, "%s\n", sb_str(&plot));
    else
        fputs("set label 1 'no successful point' at graph 0.5, 0.5 center\nplot NaN notitle\n", gp);
    if (top != NULL) {
        sb_printf(t, "Highest: %s, %s at %lld connections%s.", top->med->model,
                  fmt_rps(top->tput).s, (long long)top->med->connections,
                  top->errors > 0 ? " (with errors or unserved connections)" : "");
        /* How each model goes from its fewest to its most connections. */
        for (size_t m = 0; m < d->nmodels; m++) {
            const struct pt *first = NULL, *last = NULL;
            for (size_t c = 0; c < g->nconns; c++) {
                const struct pt *p =
                    find_pt(d, d->models[m], "wrk", g->placement, g->work, g->fanout, g->conns[c]);
                if (p == NULL || p->failed || !(p->tput > 0))
                    continue;
                if (first == NULL)
                    first = p;
                last = p;
            }
            if (first != NULL && last != first)
                sb_printf(t, " %s: %s at %lld, %s at %lld%s.", d->models[m], fmt_rps(first->tput).s,
                          (long long)first->med->connections, fmt_rps(last->tput).s,
                          (long long)last->med->connections,
                          last->errors > 0 ? " (with errors or unserved connections)" : "");
        }
    } else {
        sb_printf(t, "No model completed a point here.");
    }
    free(plot.s);
    return chart_close(ch, dat, gp);
}

/* ---- latency against offered load --------------------------------------------------------------
 */

static int cmp_offered(const void *pa, const void *pb)
{
    double a = (*(const struct srow *const *)pa)->offered_rps;
    double b = (*(const struct srow *const *)pb)->offered_rps;
    return (a > b) - (a < b);
}

static int chart_open(struct report *rp, const struct data *d, const struct group *g, int p99)
{
    char slug[96], label[96], title[200], heading[160];
    group_slug(p99 ? "latency_p99" : "latency_p50", g, slug, sizeof(slug));
    group_label(g, label, sizeof(label));
    snprintf(heading, sizeof(heading), "%s, %s", label, p99 ? "p99" : "p50");
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_LATENCY, heading, slug, NULL, &dat, &gp);
    if (ch == NULL)
        return -1;
    fprintf(dat,
            "# wsopen: %s latency (s, from the due time) against the offered rate, %s\n"
            "# offered_rps latency_s achieved_rps unsent\n",
            p99 ? "p99" : "p50", label);
    struct sbuf plot = {0}, *t = &ch->text;
    double lo = 0, hi = 0, xmax = 0;
    int block = 0;
    for (size_t m = 0; m < d->nmodels; m++) {
        /* The model's rungs at this cost, by offered rate. */
        const struct srow *rungs[64];
        size_t nr = 0;
        for (size_t k = 0; k < d->npts && nr < ARRAY_LEN(rungs); k++) {
            const struct srow *r = d->pts[k].med;
            double v = p99 ? r->p99_ns : r->p50_ns;
            if (!strcmp(r->model, d->models[m]) && !strcmp(r->client, "open") &&
                r->work_us == g->work && r->fanout == g->fanout && !d->pts[k].failed &&
                isfinite(v) && v > 0)
                rungs[nr++] = r;
        }
        qsort(rungs, nr, sizeof(rungs[0]), cmp_offered);
        if (nr > 0)
            fprintf(dat, "# model: %s\n", d->models[m]);
        for (size_t i = 0; i < nr; i++) {
            const struct srow *r = rungs[i];
            double v = (p99 ? r->p99_ns : r->p50_ns) / 1e9;
            fprintf(dat, "%.6g %.6g %.6g %lld\n", r->offered_rps, v, r->throughput_rps,
                    nz(r->unsent));
            lo = lo == 0 ? v : fmin(lo, v);
            hi = fmax(hi, v);
            xmax = fmax(xmax, r->offered_rps);
        }
        if (nr > 0) {
            fputs("\n\n", dat);
            line_clause(&plot, ch, block++, d->models[m]);
        }
    }
    snprintf(title, sizeof(title), "Open loop (wsopen): %s latency against offered load, %s",
             p99 ? "p99" : "p50", label);
    gp_preamble(gp, ch, 900, title, "offered rate (requests per second)",
                p99 ? "p99 latency from the due time (log scale)"
                    : "p50 latency from the due time (log scale)");
    fprintf(gp, "set xrange [0:%.6g]\nset format x '%%.0s %%c'\n", xmax > 0 ? xmax * 1.05 : 1);
    if (hi > 0) {
        double dlo, dhi;
        decades(lo, hi, &dlo, &dhi);
        gp_log_y(gp, dlo, dhi, "s");
        fprintf(gp, "%s\n", sb_str(&plot));
    } else {
        fputs("set label 1 'no open-loop point' at graph 0.5, 0.5 center\nplot NaN notitle\n", gp);
    }
    /* Each model's highest rate served (achieved >= 95% of offered, nothing
     * left unsent), and its latency there. */
    int said = 0;
    for (size_t m = 0; m < d->nmodels; m++) {
        const struct srow *best = NULL, *first_sat = NULL;
        for (size_t k = 0; k < d->npts; k++) {
            const struct srow *r = d->pts[k].med;
            double v = p99 ? r->p99_ns : r->p50_ns;
            if (strcmp(r->model, d->models[m]) || strcmp(r->client, "open") ||
                r->work_us != g->work || r->fanout != g->fanout || d->pts[k].failed || !isfinite(v))
                continue;
            int kept_up = r->throughput_rps >= 0.95 * r->offered_rps && nz(r->unsent) == 0;
            if (kept_up && (best == NULL || r->offered_rps > best->offered_rps))
                best = r;
            if (!kept_up && (first_sat == NULL || r->offered_rps < first_sat->offered_rps))
                first_sat = r;
        }
        if (best == NULL && first_sat == NULL)
            continue;
        sb_printf(t, "%s%s: ", said++ ? "; " : "", d->models[m]);
        if (best != NULL)
            sb_printf(t, "kept up with %s (%s %s)", fmt_rps(best->offered_rps).s,
                      p99 ? "p99" : "p50", fmt_ns(p99 ? best->p99_ns : best->p50_ns).s);
        if (first_sat != NULL)
            sb_printf(t, "%sfell behind at %s (served %s, %s %s)", best ? ", " : "",
                      fmt_rps(first_sat->offered_rps).s, fmt_rps(first_sat->throughput_rps).s,
                      p99 ? "p99" : "p50", fmt_ns(p99 ? first_sat->p99_ns : first_sat->p50_ns).s);
    }
    sb_printf(t, said ? "." : "No open-loop point here.");
    free(plot.s);
    return chart_close(ch, dat, gp);
}

/* ---- memory ------------------------------------------------------------------------------------
 */

static int chart_mem(struct report *rp, const struct data *d, const struct group *g, int per_conn)
{
    char slug[96], label[96], title[200], heading[160];
    group_slug(per_conn ? "pss_per_conn" : "pss", g, slug, sizeof(slug));
    group_label(g, label, sizeof(label));
    snprintf(heading, sizeof(heading), "%s, %s", per_conn ? "Pss per connection" : "Pss", label);
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_OVERHEAD, heading, slug, NULL, &dat, &gp);
    if (ch == NULL)
        return -1;
    fprintf(dat, "# %s against connections (wrk), %s\n# connections value\n",
            per_conn ? "Pss per connection over the idle server (kB)" : "Pss (bytes)", label);
    struct sbuf plot = {0}, *t = &ch->text;
    double lo = 0, hi = 0;
    int block = 0;
    for (size_t m = 0; m < d->nmodels; m++) {
        int any = 0;
        for (size_t c = 0; c < g->nconns; c++) {
            const struct pt *p =
                find_pt(d, d->models[m], "wrk", g->placement, g->work, g->fanout, g->conns[c]);
            if (p == NULL || p->failed)
                continue;
            double v = per_conn ? p->med->pss_per_conn_kb : p->med->pss_kb * 1024;
            if (!isfinite(v) || (!per_conn && !(v > 0)))
                continue;
            if (!any++)
                fprintf(dat, "# model: %s\n", d->models[m]);
            fprintf(dat, "%lld %.6g\n", (long long)g->conns[c], v);
            if (v > 0) {
                lo = lo == 0 ? v : fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
        if (any) {
            fputs("\n\n", dat);
            line_clause(&plot, ch, block++, d->models[m]);
        }
    }
    snprintf(title, sizeof(title), "%s against connections: %s",
             per_conn ? "Pss per connection over idle" : "Server Pss (peak)", label);
    gp_preamble(gp, ch, 900, title, "connections (log scale)",
                per_conn ? "kB per connection" : "Pss of every server process (log scale)");
    xtics_conns(gp, g->conns, g->nconns);
    if (per_conn)
        fprintf(gp, "set yrange [*:%.6g]\nset format y '%%.3g'\n", hi > 0 ? hi * 1.15 : 1);
    else if (hi > 0) {
        double dlo, dhi;
        decades(lo, hi, &dlo, &dhi);
        gp_log_y(gp, dlo, dhi, "B");
    }
    if (block > 0)
        fprintf(gp, "%s\n", sb_str(&plot));
    else
        fputs("set label 1 'no successful point' at graph 0.5, 0.5 center\nplot NaN notitle\n", gp);
    /* At the most connections each model served. */
    int said = 0;
    for (size_t m = 0; m < d->nmodels; m++) {
        const struct pt *last = NULL;
        for (size_t c = 0; c < g->nconns; c++) {
            const struct pt *p =
                find_pt(d, d->models[m], "wrk", g->placement, g->work, g->fanout, g->conns[c]);
            if (p != NULL && !p->failed && isfinite(p->med->pss_kb))
                last = p;
        }
        if (last == NULL)
            continue;
        sb_printf(t, "%s%s at %lld: ",
                  said++ ? "; " : "At the most connections each model served: ", d->models[m],
                  (long long)last->med->connections);
        if (!per_conn)
            sb_printf(t, "%s MB (%s MB idle)", fmt_sig3(last->med->pss_kb / 1024).s,
                      fmt_sig3(last->med->pss_idle_kb / 1024).s);
        else if (isfinite(last->med->pss_per_conn_kb))
            sb_printf(t, "%s kB per connection", fmt_sig3(last->med->pss_per_conn_kb).s);
        if (last->errors > 0)
            sb_printf(t, " (with errors or unserved connections)");
    }
    sb_printf(t, said ? "." : "No memory samples here.");
    free(plot.s);
    return chart_close(ch, dat, gp);
}

/* ---- winners -----------------------------------------------------------------------------------
 */

struct win {
    const struct pt *best, *runner;
    int tie, all_unclean;
    double margin;     /* best / runner */
    char unclean[256]; /* models left out for errors */
};

/* The winner at one point of a group; 0, or -1 if nothing ran there. */
static int winner(const struct data *d, const struct group *g, int64_t conns, struct win *w)
{
    *w = (struct win){0};
    const struct pt *cand[32];
    size_t n = 0, clean = 0;
    for (size_t m = 0; m < d->nmodels && n < ARRAY_LEN(cand); m++) {
        const struct pt *p =
            find_pt(d, d->models[m], "wrk", g->placement, g->work, g->fanout, conns);
        if (p != NULL && !p->failed && p->tput > 0) {
            cand[n++] = p;
            clean += p->errors == 0;
        }
    }
    if (n == 0)
        return -1;
    w->all_unclean = clean == 0;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pt *p = cand[i];
        if (clean > 0 && p->errors > 0) {
            len += (size_t)snprintf(w->unclean + len,
                                    len < sizeof(w->unclean) ? sizeof(w->unclean) - len : 0, "%s%s",
                                    len ? ", " : "", p->med->model);
            continue;
        }
        if (w->best == NULL || p->tput > w->best->tput) {
            w->runner = w->best;
            w->best = p;
        } else if (w->runner == NULL || p->tput > w->runner->tput) {
            w->runner = p;
        }
    }
    if (w->runner != NULL) {
        w->margin = w->best->tput / w->runner->tput;
        w->tie = w->margin - 1 < fmax(TIE_MARGIN, fmax(w->best->spread, w->runner->spread));
    }
    return 0;
}

static void winners_write(FILE *f, const struct data *d, const struct group *g, size_t ng)
{
    fputs("| cost | connections | winner | throughput | p99 | runner-up | margin | notes |\n"
          "|---|---|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < ng; i++) {
        char label[96];
        group_label(&g[i], label, sizeof(label));
        for (size_t c = 0; c < g[i].nconns; c++) {
            struct win w;
            if (winner(d, &g[i], g[i].conns[c], &w) != 0) {
                fprintf(f, "| %s | %lld | (every model failed) | | | | | |\n", label,
                        (long long)g[i].conns[c]);
                continue;
            }
            const struct srow *b = w.best->med;
            fprintf(f, "| %s | %lld | %s%s | %s", label, (long long)g[i].conns[c],
                    w.tie ? "tie: " : "", b->model, fmt_rps(w.best->tput).s);
            if (w.best->spread > 0)
                fprintf(f, " ±%.0f%%", 50 * w.best->spread);
            fprintf(f, " | %s | ", isfinite(b->p99_ns) ? fmt_ns(b->p99_ns).s : "");
            if (w.runner != NULL)
                fprintf(f, "%s (%s) | %s%s |", w.runner->med->model, fmt_rps(w.runner->tput).s,
                        fmt_ratio(w.margin).s, w.tie ? ", within the noise" : "");
            else
                fputs("(no other model to compare) | |", f);
            if (w.unclean[0])
                fprintf(f, " left out for errors or unserved connections: %s", w.unclean);
            if (w.all_unclean)
                fputs(" every model had errors or unserved connections", f);
            fputs(" |\n", f);
        }
    }
}

/* ---- claims ------------------------------------------------------------------------------------
 */

static int is_event_loop(const char *m)
{
    return !strcmp(m, "eventloop") || !strcmp(m, "eventloop-cores");
}

static int is_thread(const char *m)
{
    return !strcmp(m, "thread-per-conn") || !strcmp(m, "threadpool");
}

static int is_process(const char *m)
{
    return !strcmp(m, "prefork");
}

/* At one point: the best clean throughput in the set and outside it. */
struct duel {
    const struct pt *in, *out;
    int outcome; /* 1 the set wins, 0 tie, -1 it loses; 2: not comparable */
};

static struct duel duel_at(const struct data *d, const struct group *g, int64_t conns,
                           int (*member)(const char *))
{
    struct duel u = {.outcome = 2};
    struct win w;
    if (winner(d, g, conns, &w) != 0)
        return u;
    int use_unclean = w.all_unclean;
    for (size_t m = 0; m < d->nmodels; m++) {
        const struct pt *p =
            find_pt(d, d->models[m], "wrk", g->placement, g->work, g->fanout, conns);
        if (p == NULL || p->failed || !(p->tput > 0) || (!use_unclean && p->errors > 0))
            continue;
        const struct pt **slot = member(d->models[m]) ? &u.in : &u.out;
        if (*slot == NULL || p->tput > (*slot)->tput)
            *slot = p;
    }
    if (u.in == NULL && u.out == NULL)
        return u;
    if (u.out == NULL)
        u.outcome = 1; /* the others failed or had errors */
    else if (u.in == NULL)
        u.outcome = -1;
    else {
        double r = u.in->tput / u.out->tput;
        double noise = fmax(TIE_MARGIN, fmax(u.in->spread, u.out->spread));
        u.outcome = r - 1 > noise ? 1 : 1 / r - 1 > noise ? -1 : 0;
    }
    return u;
}

/* Writes one claim judged on its points: the verdict and the evidence. */
static void claim_duels(FILE *f, const char *claim, const char *set_name, const struct data *d,
                        const struct group *g, size_t ng, int (*member)(const char *),
                        int (*applies)(const struct group *, int64_t), const char *which)
{
    int wins = 0, ties = 0, losses = 0;
    struct sbuf ev = {0};
    for (size_t i = 0; i < ng; i++)
        for (size_t c = 0; c < g[i].nconns; c++) {
            if (!applies(&g[i], g[i].conns[c]))
                continue;
            struct duel u = duel_at(d, &g[i], g[i].conns[c], member);
            if (u.outcome == 2)
                continue;
            char label[96];
            group_label(&g[i], label, sizeof(label));
            wins += u.outcome == 1;
            ties += u.outcome == 0;
            losses += u.outcome == -1;
            sb_printf(&ev, "%s%s, %lld connection%s: ", ev.len ? "; " : "", label,
                      (long long)g[i].conns[c], g[i].conns[c] == 1 ? "" : "s");
            if (u.in == NULL)
                sb_printf(&ev, "%s %s (no %s point completed clean)", u.out->med->model,
                          fmt_rps(u.out->tput).s, set_name);
            else if (u.out == NULL)
                sb_printf(&ev, "%s %s (no other model completed clean)", u.in->med->model,
                          fmt_rps(u.in->tput).s);
            else
                sb_printf(&ev, "%s %s against %s %s (%s)", u.in->med->model, fmt_rps(u.in->tput).s,
                          u.out->med->model, fmt_rps(u.out->tput).s,
                          u.outcome == 1    ? "wins"
                          : u.outcome == -1 ? "loses"
                                            : "a tie");
        }
    int n = wins + ties + losses;
    const char *verdict = n == 0                     ? "not tested"
                          : losses == 0 && wins > 0  ? "holds"
                          : wins == 0 && losses == 0 ? "neither: a tie"
                          : wins == 0                ? "does not hold"
                                                     : "partly";
    fprintf(f, "- **\"%s\": %s.** %s: %s wins %d, ties %d, loses %d of %d points", claim, verdict,
            which, set_name, wins, ties, losses, n);
    fprintf(f, "%s%s.\n", n ? ": " : "", sb_str(&ev));
    free(ev.s);
}

static int many_conns(const struct group *g, int64_t conns)
{
    return !strcmp(g->placement, "pinned") && conns >= MANY_CONNECTIONS;
}

static int cpu_bound(const struct group *g, int64_t conns)
{
    (void)conns;
    return g->work >= 1000;
}

/* "threads are fine for IO": at work 0 (the request is all IO), is the
 * better thread model clean and within FINE_SHARE of the best? */
static void claim_threads(FILE *f, const struct data *d, const struct group *g, size_t ng)
{
    int fine = 0, n = 0;
    struct sbuf ev = {0};
    for (size_t i = 0; i < ng; i++) {
        if (g[i].work != 0 || strcmp(g[i].placement, "pinned"))
            continue;
        for (size_t c = 0; c < g[i].nconns; c++) {
            struct win w;
            if (winner(d, &g[i], g[i].conns[c], &w) != 0)
                continue;
            const struct pt *th = NULL;
            for (size_t m = 0; m < d->nmodels; m++) {
                if (!is_thread(d->models[m]))
                    continue;
                const struct pt *p =
                    find_pt(d, d->models[m], "wrk", "pinned", 0, g[i].fanout, g[i].conns[c]);
                if (p == NULL || p->failed)
                    continue;
                /* a clean point beats an unclean one; then throughput */
                if (th == NULL || (th->errors > 0 && p->errors == 0) ||
                    ((th->errors > 0) == (p->errors > 0) && p->tput > th->tput))
                    th = p;
            }
            n++;
            sb_printf(&ev, "%s%lld connection%s: ", ev.len ? "; " : "", (long long)g[i].conns[c],
                      g[i].conns[c] == 1 ? "" : "s");
            if (th == NULL) {
                sb_printf(&ev, "no thread model completed");
                continue;
            }
            double share = th->tput / w.best->tput;
            int ok = th->errors == 0 && share >= FINE_SHARE;
            fine += ok;
            sb_printf(&ev, "%s %s, %.0f%% of the best (%s)%s", th->med->model, fmt_rps(th->tput).s,
                      100 * share, w.best->med->model,
                      th->errors > 0 ? ", with errors or unserved connections" : "");
        }
    }
    const char *verdict = n == 0      ? "not tested"
                          : fine == n ? "holds"
                          : fine == 0 ? "does not hold"
                                      : "partly";
    fprintf(f,
            "- **\"threads are fine for IO\": %s.** At work 0 (a request is all IO), the "
            "better thread model (thread-per-conn, threadpool) is clean and at least %.0f%% "
            "of the best at %d of %d connection counts%s%s.\n",
            verdict, FINE_SHARE * 100, fine, n, n ? ": " : "", sb_str(&ev));
    free(ev.s);
}

static void claims_write(FILE *f, const struct data *d, const struct group *g, size_t ng)
{
    claim_duels(f, "event loops win many connections", "an event loop", d, g, ng, is_event_loop,
                many_conns,
                "At 1024 connections and more, every cost, server pinned: the better event loop "
                "(eventloop, eventloop-cores) against the best other model");
    claim_threads(f, d, g, ng);
    claim_duels(f, "processes for CPU", "prefork", d, g, ng, is_process, cpu_bound,
                "At the CPU-heavy costs (work of 1 ms and more), both placements: prefork "
                "against the best other model");
}

/* ---- the rest of the README --------------------------------------------------------------------
 */

static void crosscheck_write(FILE *f, const struct data *d)
{
    int n = 0;
    double lo = 0, hi = 0;
    for (size_t k = 0; k < d->npts; k++) {
        const struct pt *h = &d->pts[k];
        const struct srow *r = h->med;
        if (strcmp(r->client, "h2load") || h->failed)
            continue;
        const struct pt *w =
            find_pt(d, r->model, "wrk", r->placement, r->work_us, r->fanout, r->connections);
        if (w == NULL || w->failed || !(w->tput > 0))
            continue;
        if (n++ == 0)
            fputs("| model | work | connections | wrk | h2load | h2load / wrk | client CPU per "
                  "reply: wrk, h2load | mean latency: wrk, h2load |\n"
                  "|---|---|---|---|---|---|---|---|\n",
                  f);
        double ratio = h->tput / w->tput;
        lo = n == 1 ? ratio : fmin(lo, ratio);
        hi = n == 1 ? ratio : fmax(hi, ratio);
        const struct srow *wr = w->med;
        fprintf(f, "| %s | %lld us | %lld | %s | %s | %s | %s, %s | %s, %s |\n", r->model,
                (long long)r->work_us, (long long)r->connections, fmt_rps(w->tput).s,
                fmt_rps(h->tput).s, fmt_ratio(ratio).s,
                wr->answered > 0 ? fmt_ns(wr->client_cpu_ns / (double)wr->answered).s : "",
                r->answered > 0 ? fmt_ns(r->client_cpu_ns / (double)r->answered).s : "",
                isfinite(wr->mean_ns) ? fmt_ns(wr->mean_ns).s : "",
                isfinite(r->mean_ns) ? fmt_ns(r->mean_ns).s : "");
    }
    if (n == 0) {
        fputs("No h2load point has a wrk point to compare with.\n\n", f);
        return;
    }
    int agree = lo >= 1 - TIE_MARGIN * 1.5 && hi <= 1 + TIE_MARGIN * 1.5;
    fprintf(f,
            "\nh2load's throughput is %s to %s wrk's over these %d points: they %s within "
            "%.0f%%. Both are closed-loop clients on the client's CPUs; where they differ, "
            "the client CPU per reply says whether the client, not the server, set the "
            "pace.\n\n",
            fmt_ratio(lo).s, fmt_ratio(hi).s, n, agree ? "agree" : "do not agree",
            TIE_MARGIN * 150);
}

static void checks_write(FILE *f, const struct data *d)
{
    int exact = 0, window = 0, mismatch = 0, na = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        const char *c = d->rows[i].count_check;
        exact += !strcmp(c, "exact");
        window += !strncmp(c, "window:", 7);
        mismatch += !strncmp(c, "mismatch:", 9);
        na += !strcmp(c, "n/a") || c[0] == '\0';
    }
    fprintf(f,
            "Every run compares the client's counts with the server's stopped line "
            "(bench/load/point.c says how): %d exact, %d within the in-flight window, %d "
            "mismatched, %d not checkable (the server gave no counts).",
            exact, window, mismatch, na);
    fputs(" wrk and h2load stop at their deadline with up to one request per connection "
          "outstanding: the server may have answered those (window) or never parsed them "
          "(unparsed: still queued in the server or the kernel).\n\n",
          f);
    for (size_t i = 0; i < d->nrows; i++) {
        const struct srow *r = &d->rows[i];
        if (!strncmp(r->count_check, "mismatch:", 9))
            fprintf(f, "- results.csv line %u, %s %s work %lld, %lld connections: `%s`\n", r->line,
                    r->model, r->client, (long long)r->work_us, (long long)r->connections,
                    r->count_check);
    }
    if (mismatch)
        fputc('\n', f);
}

/* An error message in a code span (backticks in it made quotes). */
static void code_span(FILE *f, const char *s)
{
    fputc('`', f);
    for (; *s; s++)
        fputc(*s == '`' ? '\'' : *s, f);
    fputc('`', f);
}

static void errors_write(FILE *f, const struct data *d)
{
    int failed = 0, unclean = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        const struct srow *r = &d->rows[i];
        if (r->error[0] == '\0')
            continue;
        if (failed++ == 0)
            fputs("Failed runs (left out of charts and verdicts):\n\n", f);
        fprintf(f, "- line %u: %s, %s, work %lld, %lld connections, %s: ", r->line, r->model,
                r->placement, (long long)r->work_us, (long long)r->connections, r->client);
        code_span(f, r->error);
        fputc('\n', f);
    }
    if (failed)
        fputc('\n', f);
    for (size_t i = 0; i < d->nrows; i++) {
        const struct srow *r = &d->rows[i];
        if (r->error[0] != '\0' || row_errors(r) == 0)
            continue;
        if (unclean++ == 0)
            fputs("Runs whose client saw errors or non-2xx replies, or with connections the "
                  "server never served (drawn, but they win no comparison):\n\n| line | model | "
                  "placement | work | connections | client | "
                  "connect | read | write | timeout | other | non-2xx | connections unserved |\n"
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
                  f);
        fprintf(f,
                "| %u | %s | %s | %lld | %lld | %s | %lld | %lld | %lld | %lld | %lld | %lld "
                "| %lld |\n",
                r->line, r->model, r->placement, (long long)r->work_us, (long long)r->connections,
                r->client, nz(r->err_connect), nz(r->err_read), nz(r->err_write),
                nz(r->err_timeout), nz(r->err_other), nz(r->non2xx), nz(r->unserved));
    }
    if (unclean)
        fputs("\nwrk's timeouts are replies slower than its --timeout; a request never "
              "answered is counted by no client: \"connections unserved\" are the server's "
              "sockets that had received a request but sent nothing, at half time and again "
              "at the end of the run.\n\n",
              f);
    if (!failed && !unclean)
        fputs("No run failed, and no client saw an error or a non-2xx reply.\n\n", f);
}

static void charts_md(FILE *f, const struct report *rp, enum section sec)
{
    for (size_t i = 0; i < rp->ncharts; i++) {
        const struct chart *c = &rp->charts[i];
        if (c->sec != sec)
            continue;
        fprintf(f, "### %s\n\n", c->heading);
        if (c->drawn)
            fprintf(f, "![%s](charts/%s.svg)\n\n", c->heading, c->base);
        else
            fprintf(f,
                    "Not drawn: [charts/%s.gp](charts/%s.gp), data [charts/%s.dat](charts/"
                    "%s.dat).\n\n",
                    c->base, c->base, c->base, c->base);
        fprintf(f, "%s\n\n", sb_str(&c->text));
    }
}

/* The value of "key: value" in context.txt, or "unknown". */
static void ctx_value(const char *ctx, const char *key, char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    size_t klen = strlen(key);
    for (const char *p = ctx; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, klen) && p[klen] == ':') {
            const char *v = p + klen + 1 + (p[klen + 1] == ' ');
            snprintf(out, cap, "%.*s", (int)strcspn(v, "\n"), v);
            return;
        }
}

static int readme(const struct report *rp, const struct data *d, const struct group *g, size_t ng,
                  const char *ctx, const char *cmd, const char *clients)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8], v[512];
    if (snprintf(path, sizeof(path), "%s/README.md", rp->dir) >= (int)sizeof(path) ||
        snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        fprintf(stderr, "wsbench-servers: path too long: %s\n", rp->dir);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "wsbench-servers: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    const char *base = strrchr(rp->dir, '/');
    fprintf(f, "# wsbench servers suite: %s\n\n", base && base[1] ? base + 1 : rp->dir);
    ctx_value(ctx ? ctx : "", "date", v, sizeof(v));
    fprintf(f, "**Date:** %s", v);
    ctx_value(ctx ? ctx : "", "git_commit", v, sizeof(v));
    fprintf(f, " · **Commit:** %s", v);
    ctx_value(ctx ? ctx : "", "cpu", v, sizeof(v));
    fprintf(f, " · **Machine:** %s", v);
    ctx_value(ctx ? ctx : "", "online_cpus", v, sizeof(v));
    fprintf(f, ", %s CPUs\n\n", v);
    ctx_value(ctx ? ctx : "", "placement_pinned", v, sizeof(v));
    fprintf(f, "Pinned placement: %s.", v);
    ctx_value(ctx ? ctx : "", "note", v, sizeof(v));
    if (strcmp(v, "unknown"))
        fprintf(f, " Note: %s.", v);
    ctx_value(ctx ? ctx : "", "iters_per_us", v, sizeof(v));
    fprintf(f, " Every server did the same work per request: --iters-per-us %s.\n\n", v);
    size_t failed = 0;
    for (size_t i = 0; i < d->nrows; i++)
        failed += d->rows[i].error[0] != '\0';
    fprintf(f,
            "Generated by `wsbench-servers --report` from `results.csv`: %zu client runs, %zu "
            "failed. Each point is one run unless repeated (then the median, ± half the "
            "spread). A margin under %.0f%% (or under the spread) is called a tie.\n\n",
            d->nrows, failed, TIE_MARGIN * 100);

    fputs("## The guides' claims\n\n", f);
    claims_write(f, d, g, ng);
    fputs("\n## Which model wins where (wrk)\n\n", f);
    winners_write(f, d, g, ng);
    fputs("\n## Throughput against connections (wrk, closed loop)\n\n", f);
    charts_md(f, rp, SEC_THROUGHPUT);
    fputs("## Latency against offered load (wsopen, open loop)\n\n"
          "Latency runs from each request's due time, so a server that falls behind is "
          "charged for the requests it held up (no coordinated omission). A rung \"fell "
          "behind\" where it served under 95% of the offered rate or left requests unsent.\n\n",
          f);
    charts_md(f, rp, SEC_LATENCY);
    fputs("## Memory against connections\n\n"
          "Pss (proportional set size: shared pages split among the processes that map them) "
          "summed over the server's processes, the highest sample during the run; per "
          "connection, over the idle server just started.\n\n",
          f);
    charts_md(f, rp, SEC_OVERHEAD);
    fputs("## Cross-check: h2load against wrk\n\n", f);
    crosscheck_write(f, d);
    fputs("## Count checks\n\n", f);
    checks_write(f, d);
    fputs("## Errors\n\n", f);
    errors_write(f, d);
    fputs("## Context\n\n", f);
    if (ctx)
        fprintf(f, "From `context.txt`:\n\n```text\n%s\n```\n\n", ctx);
    else
        fputs("context.txt is missing.\n\n", f);
    fputs("## How to reproduce\n\n", f);
    if (cmd)
        fprintf(f, "From the repository root:\n\n```sh\n%s\n```\n\n", cmd);
    if (clients) {
        /* The first command line of each client, as an example. */
        fputs("Every client command line is in [clients.txt](clients.txt); the first of each "
              "client:\n\n```sh\n",
              f);
        static const char *const names[] = {"wrk ", "h2load ", "/"};
        for (size_t k = 0; k < ARRAY_LEN(names); k++)
            for (const char *p = clients; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (!strncmp(p, names[k], strlen(names[k])) ||
                    (k == 2 && *p == '/' && strstr(p, "wsopen") != NULL &&
                     strstr(p, "wsopen") < p + strcspn(p, "\n"))) {
                    fprintf(f, "%.*s\n", (int)strcspn(p, "\n"), p);
                    break;
                }
        fputs("```\n\n", f);
    }
    fprintf(f,
            "Redraw the charts and this page from `results.csv` with `wsbench-servers "
            "--report %s`.\n",
            rp->dir);
    if (file_close(f, tmp) != 0)
        return -1;
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "wsbench-servers: cannot rename %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

int servers_report(const char *dir, int draw)
{
    struct report rp = {.dir = dir, .draw = draw ? DRAW_YES : DRAW_DISABLED};
    struct data d = {0};
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "wsbench-servers: --report %s: not a directory\n", dir);
        return 2;
    }
    char csv[PATH_MAX];
    if (snprintf(csv, sizeof(csv), "%s/results.csv", dir) >= (int)sizeof(csv) ||
        snprintf(rp.charts_dir, sizeof(rp.charts_dir), "%s/charts", dir) >=
            (int)sizeof(rp.charts_dir)) {
        fprintf(stderr, "wsbench-servers: path too long: %s\n", dir);
        return 1;
    }
    if (rows_read(csv, &d.rows, &d.nrows) != 0)
        return 1;
    if (d.nrows == 0) {
        fprintf(stderr, "wsbench-servers: %s has a header but no rows\n", csv);
        return 1;
    }
    build_points(&d);
    int rc = 0;
    if (mkdir(rp.charts_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "wsbench-servers: cannot create %s: %s\n", rp.charts_dir, strerror(errno));
        rc = 1;
    }
    struct group g[32], og[32];
    size_t ng = groups_of(&d, "wrk", g, ARRAY_LEN(g));
    size_t nog = groups_of(&d, "open", og, ARRAY_LEN(og));
    for (size_t i = 0; rc == 0 && i < ng; i++)
        rc = chart_tput(&rp, &d, &g[i]) ? 1 : 0;
    for (size_t i = 0; rc == 0 && i < nog; i++)
        rc = chart_open(&rp, &d, &og[i], 0) || chart_open(&rp, &d, &og[i], 1) ? 1 : 0;
    /* Memory at the cheapest cost, pinned: memory is about connections. */
    if (rc == 0 && ng > 0)
        rc = chart_mem(&rp, &d, &g[0], 0) || chart_mem(&rp, &d, &g[0], 1) ? 1 : 0;
    if (rc == 0)
        gnuplot_draw_all(&rp);
    int bad = 0, err;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/context.txt", dir);
    char *ctx = read_text(path, &err);
    bad |= err != 0;
    snprintf(path, sizeof(path), "%s/command.txt", dir);
    char *cmd = read_text(path, &err);
    bad |= err != 0;
    snprintf(path, sizeof(path), "%s/clients.txt", dir);
    char *clients = read_text(path, &err);
    bad |= err != 0;
    if (bad) {
        fprintf(stderr, "wsbench-servers: cannot read the side files in %s\n", dir);
        rc = 1;
    }
    if (rc == 0 && readme(&rp, &d, g, ng, ctx, cmd, clients) != 0)
        rc = 1;
    if (rc == 0) {
        printf("## The guides' claims (%s)\n\n", dir);
        claims_write(stdout, &d, g, ng);
        printf("\n## Which model wins where\n\n");
        winners_write(stdout, &d, g, ng);
        if (fflush(stdout) != 0)
            rc = 1;
    }
    if (rp.draw_failures > 0)
        rc = 1;
    free(ctx);
    free(cmd);
    free(clients);
    for (size_t i = 0; i < rp.ncharts; i++)
        free(rp.charts[i].text.s);
    free(rp.charts);
    free(d.pts);
    free(d.rows);
    return rc;
}
