/*
 * chart_latency.c - (c) latency percentiles per executor, per IO-bound or
 * mixed case.
 */
#include "report/report.h"

static const char *const pct_names[4] = {"p50", "p90", "p99", "p99.9"};

/* The row of series s at w workers with latencies, or NULL. */
static const struct row *row_at(const struct series *s, unsigned w)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->rows[k]->workers == w && s->rows[k]->pct_ns[0] > 0)
            return s->rows[k];
    return NULL;
}

static int has_latency(const struct series *s)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->rows[k]->pct_ns[0] > 0)
            return 1;
    return 0;
}

/*
 * The worker count to compare latencies at: the largest that every executor
 * with latencies ran (serial counts only if nothing else has latencies). If
 * that is 1 and two or more executors share a larger count, the largest such
 * count, so that one short sweep does not hide the others' concurrency.
 */
static unsigned latency_workers(const struct series *s, size_t ns, const unsigned *w, size_t nw)
{
    int any_parallel = 0;
    for (size_t i = 0; i < ns; i++)
        if (!is_serial(s[i].exec) && has_latency(&s[i]))
            any_parallel = 1;
    unsigned common = 0, shared = 0, any = 0;
    for (size_t j = 0; j < nw; j++) {
        int have = 0, with_lat = 0;
        for (size_t i = 0; i < ns; i++) {
            if ((any_parallel && is_serial(s[i].exec)) || !has_latency(&s[i]))
                continue;
            with_lat++;
            have += row_at(&s[i], w[j]) != NULL;
        }
        if (with_lat > 0 && have == with_lat)
            common = w[j];
        if (have >= 2)
            shared = w[j];
        if (have >= 1)
            any = w[j];
    }
    if (common <= 1 && shared > 1)
        return shared;
    if (common > 0)
        return common;
    return shared > 0 ? shared : any;
}

static void latency_commentary(struct sbuf *t, const struct series *s, size_t ns, unsigned w)
{
    const struct row *lo50 = NULL, *lo999 = NULL, *wide = NULL, *narrow = NULL;
    double wide_v = 0, narrow_v = 0;
    struct sbuf absent = {0};
    int shown = 0, n_absent = 0;
    for (size_t i = 0; i < ns; i++) {
        const struct row *r = row_at(&s[i], w);
        if (r == NULL) {
            if (has_latency(&s[i]) && !is_serial(s[i].exec))
                sb_printf(&absent, "%s%s", n_absent++ ? ", " : "", s[i].exec);
            continue;
        }
        shown++;
        if (lo50 == NULL || r->pct_ns[0] < lo50->pct_ns[0])
            lo50 = r;
        if (r->pct_ns[3] > 0 && (lo999 == NULL || r->pct_ns[3] < lo999->pct_ns[3]))
            lo999 = r;
        if (r->pct_ns[3] > 0) {
            double spread = r->pct_ns[3] / r->pct_ns[0];
            if (wide == NULL || spread > wide_v) {
                wide = r;
                wide_v = spread;
            }
            if (narrow == NULL || spread < narrow_v) {
                narrow = r;
                narrow_v = spread;
            }
        }
    }
    if (lo50 == NULL) {
        sb_printf(t, "No executor reports latencies at %s.", fmt_workers(w).s);
    } else if (shown == 1) {
        sb_printf(t, "At %s only %s reports latencies: p50 %s", fmt_workers(w).s, lo50->executor,
                  fmt_ns(lo50->pct_ns[0]).s);
        if (lo50->pct_ns[3] > 0)
            sb_printf(t, ", p99.9 %s", fmt_ns(lo50->pct_ns[3]).s);
        sb_printf(t, ".");
    } else if (lo999 == NULL || lo999 == lo50) {
        sb_printf(t, "At %s, %s has both the lowest median latency (%s) and the lowest p99.9 (%s).",
                  fmt_workers(w).s, lo50->executor, fmt_ns(lo50->pct_ns[0]).s,
                  fmt_ns(lo50->pct_ns[3]).s);
    } else {
        sb_printf(t, "At %s, %s has the lowest median latency (%s) and %s the lowest p99.9 (%s).",
                  fmt_workers(w).s, lo50->executor, fmt_ns(lo50->pct_ns[0]).s, lo999->executor,
                  fmt_ns(lo999->pct_ns[3]).s);
    }
    if (shown >= 2 && wide != NULL && wide != narrow)
        sb_printf(t,
                  " The tail, p99.9 over p50, is widest for %s (%s: %s to %s) and narrowest "
                  "for %s (%s).",
                  wide->executor, fmt_ratio(wide_v).s, fmt_ns(wide->pct_ns[0]).s,
                  fmt_ns(wide->pct_ns[3]).s, narrow->executor, fmt_ratio(narrow_v).s);
    if (n_absent > 0)
        sb_printf(t, " Not shown, for want of a run at %s: %s.", fmt_workers(w).s, sb_str(&absent));
    free(absent.s);
}

int chart_latency(struct report *rp, const struct wcase *c)
{
    struct series *s;
    size_t ns = case_series(c, &s);
    unsigned *w;
    size_t nw = case_workers(c, &w);
    unsigned at = latency_workers(s, ns, w, nw);
    const struct row **shown = xrealloc(NULL, (ns ? ns : 1) * sizeof(*shown));
    size_t m = 0;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < ns; i++) {
        const struct row *r = at ? row_at(&s[i], at) : NULL;
        if (r == NULL)
            continue;
        shown[m++] = r;
        for (int k = 0; k < 4; k++)
            if (r->pct_ns[k] > 0) {
                lo = lo == 0 ? r->pct_ns[k] : fmin(lo, r->pct_ns[k]);
                hi = fmax(hi, r->pct_ns[k]);
            }
    }
    if (m == 0) {
        free(shown);
        free(w);
        free(s);
        return 0;
    }
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_LATENCY, c->label, "latency", c->slug, &dat, &gp);
    if (ch == NULL) {
        free(shown);
        free(w);
        free(s);
        return -1;
    }
    double dlo, dhi;
    decades(lo * 1e-9, hi * 1e-9, &dlo, &dhi);
    fprintf(dat,
            "# %s: latency per task at %u workers, in seconds\n"
            "# x y xlow xhigh ylow yhigh (boxxyerror); x: 0 p50, 1 p90, 2 p99, 3 p99.9\n",
            c->label, at);
    struct sbuf plot = {0};
    double bw = 0.8 / (double)m;
    for (size_t j = 0; j < m; j++) {
        fprintf(dat, "# executor: %s\n", shown[j]->executor);
        for (int k = 0; k < 4; k++)
            if (shown[j]->pct_ns[k] > 0)
                dat_bar(dat, k + ((double)j - (double)(m - 1) / 2.0) * bw, bw * 0.45,
                        shown[j]->pct_ns[k] * 1e-9, dlo);
        fputs("\n\n", dat);
        gp_bar_clause(&plot, ch, (int)j, shown[j]->executor);
    }
    char title[256];
    snprintf(title, sizeof(title), "%s: latency per task at %s", c->label, fmt_workers(at).s);
    gp_preamble(gp, ch, 900, title, "percentile", "latency, submit to done (log scale)");
    fputs("set xtics (", gp);
    for (int k = 0; k < 4; k++)
        fprintf(gp, "%s'%s' %d", k ? ", " : "", pct_names[k], k);
    fputs(") scale 0\nset xrange [-0.6:3.6]\n", gp);
    gp_log_y(gp, dlo, dhi, "s");
    fprintf(gp, "%s\n", sb_str(&plot));
    latency_commentary(&ch->text, s, ns, at);
    free(plot.s);
    free(shown);
    free(w);
    free(s);
    return chart_close(ch, dat, gp);
}
