/*
 * chart_cpuwall.c - (e) CPU time against wall time, at each executor's
 * highest worker count.
 */
#include "report/report.h"

static double cpu_wall(const struct row *r)
{
    return r->real_ns > 0 && r->cpu_ns > 0 ? r->cpu_ns / r->real_ns : 0;
}

/* The row of series s with the most workers that has both times, or NULL. */
static const struct row *series_top(const struct series *s)
{
    for (size_t k = s->n; k-- > 0;)
        if (cpu_wall(s->rows[k]) > 0)
            return s->rows[k];
    return NULL;
}

/* Executor names over the cases, in palette order. */
static size_t all_execs(const struct report *rp, const char ***out)
{
    const char **e = xrealloc(NULL, (rp->npicks ? rp->npicks : 1) * sizeof(*e));
    size_t ne = 0;
    for (size_t i = 0; i < rp->npicks; i++) {
        const char *x = rp->picks[i]->executor;
        size_t k = 0;
        while (k < ne && (exec_rank(e[k]) < exec_rank(x) ||
                          (exec_rank(e[k]) == exec_rank(x) && strcmp(e[k], x) < 0)))
            k++;
        if (k < ne && strcmp(e[k], x) == 0)
            continue;
        memmove(&e[k + 1], &e[k], (ne - k) * sizeof(*e));
        e[k] = x;
        ne++;
    }
    *out = e;
    return ne;
}

struct cw_point {
    const struct wcase *c;
    const struct row *r;
    double v;
};

/* Highest and lowest ratio among the points of one kind (NULL: any kind),
 * serial left out unless it is all there is. */
static void cpuwall_extremes(const struct cw_point *pt, size_t n, const char *kind,
                             const struct cw_point **hi, const struct cw_point **lo)
{
    *hi = *lo = NULL;
    for (size_t i = 0; i < n; i++) {
        if ((kind && strcmp(pt[i].c->kind, kind) != 0) || is_serial(pt[i].r->executor))
            continue;
        if (*hi == NULL || pt[i].v > (*hi)->v)
            *hi = &pt[i];
        if (*lo == NULL || pt[i].v < (*lo)->v)
            *lo = &pt[i];
    }
}

static void cpuwall_commentary(struct sbuf *t, const struct cw_point *pt, size_t n)
{
    const struct cw_point *hi, *lo;
    cpuwall_extremes(pt, n, NULL, &hi, &lo);
    if (hi == NULL) {
        sb_printf(t, "Only the serial twin reports both CPU and wall time.");
        return;
    }
    sb_printf(t, "The highest ratio is %s's on %s: %s at %s (CPU %s over wall %s).",
              hi->r->executor, hi->c->label, fmt_sig3(hi->v).s, fmt_workers(hi->r->workers).s,
              fmt_ns(hi->r->cpu_ns).s, fmt_ns(hi->r->real_ns).s);
    cpuwall_extremes(pt, n, "io", &hi, &lo);
    if (hi != NULL && hi != lo)
        sb_printf(t,
                  " On IO-bound work, %s keeps the CPU busiest (%s on %s at %s) and %s the "
                  "least (%s on %s at %s).",
                  hi->r->executor, fmt_sig3(hi->v).s, hi->c->label, fmt_workers(hi->r->workers).s,
                  lo->r->executor, fmt_sig3(lo->v).s, lo->c->label, fmt_workers(lo->r->workers).s);
    cpuwall_extremes(pt, n, "cpu", &hi, &lo);
    if (hi != NULL && hi != lo)
        sb_printf(t,
                  " On CPU-bound work the ratios run from %s (%s on %s at %s) to %s (%s on %s "
                  "at %s).",
                  fmt_sig3(lo->v).s, lo->r->executor, lo->c->label, fmt_workers(lo->r->workers).s,
                  fmt_sig3(hi->v).s, hi->r->executor, hi->c->label, fmt_workers(hi->r->workers).s);
}

int chart_cpuwall(struct report *rp)
{
    const struct wcase **cl = xrealloc(NULL, (rp->ncases ? rp->ncases : 1) * sizeof(*cl));
    struct cw_point *pt = xrealloc(NULL, (rp->npicks ? rp->npicks : 1) * sizeof(*pt));
    size_t ncl = 0, npt = 0;
    double hi = 0;
    for (size_t i = 0; i < rp->ncases; i++) {
        const struct wcase *c = &rp->cases[i];
        if (strcmp(c->kind, "micro") == 0)
            continue;
        struct series *s;
        size_t ns = case_series(c, &s);
        size_t before = npt;
        for (size_t k = 0; k < ns; k++) {
            const struct row *r = series_top(&s[k]);
            if (r != NULL) {
                pt[npt++] = (struct cw_point){c, r, cpu_wall(r)};
                hi = fmax(hi, cpu_wall(r));
            }
        }
        if (npt > before)
            cl[ncl++] = c;
        free(s);
    }
    if (npt == 0) {
        free(cl);
        free(pt);
        return 0;
    }
    const char **ex;
    size_t ne = all_execs(rp, &ex);
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_CPUWALL, "All workloads", "cpu_wall", NULL, &dat, &gp);
    if (ch == NULL) {
        free(cl);
        free(pt);
        free(ex);
        return -1;
    }
    fprintf(dat, "# CPU time / wall time at each executor's highest worker count\n"
                 "# x y xlow xhigh ylow yhigh workers cpu_ns real_ns (x: the workload)\n");
    struct sbuf plot = {0};
    double bw = 0.8 / (double)ne;
    int block = 0;
    for (size_t j = 0; j < ne; j++) {
        int any = 0;
        for (size_t i = 0; i < ncl; i++)
            for (size_t k = 0; k < npt; k++) {
                if (pt[k].c != cl[i] || strcmp(pt[k].r->executor, ex[j]) != 0)
                    continue;
                if (!any)
                    fprintf(dat, "# executor: %s\n", ex[j]);
                any = 1;
                double x = i + ((double)j - (double)(ne - 1) / 2.0) * bw;
                fprintf(dat, "%.6g %.6g %.6g %.6g 0 %.6g %u %.6g %.6g\n", x, pt[k].v, x - bw * 0.45,
                        x + bw * 0.45, pt[k].v, pt[k].r->workers, pt[k].r->cpu_ns,
                        pt[k].r->real_ns);
            }
        if (any) {
            fputs("\n\n", dat);
            gp_bar_clause(&plot, ch, block++, ex[j]);
        }
    }
    int width = (int)(300 + ncl * (40 + 14 * ne));
    gp_preamble(gp, ch, width < 900 ? 900 : width,
                "CPU time / wall time at each executor's highest worker count", "workload",
                "CPU time / wall time (cores busy)");
    fputs("set xtics (", gp);
    for (size_t i = 0; i < ncl; i++) {
        fprintf(gp, "%s", i ? ", " : "");
        gp_string(gp, cl[i]->label);
        fprintf(gp, " %zu", i);
    }
    fputs(") scale 0\n", gp);
    if (ncl > 5)
        fputs("set xtics rotate by 30 right\n", gp);
    fprintf(gp, "set xrange [-0.6:%.6g]\nset yrange [0:%.6g]\n%s\n", ncl - 0.4,
            fmax(1.2, hi * 1.15), sb_str(&plot));
    cpuwall_commentary(&ch->text, pt, npt);
    free(plot.s);
    free(cl);
    free(pt);
    free(ex);
    return chart_close(ch, dat, gp);
}
