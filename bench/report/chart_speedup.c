/*
 * chart_speedup.c - (a) speedup against the serial twin, per CPU-bound case,
 * with each point's interval, and its companion: efficiency, speedup / P.
 */
#include "report/report.h"

double speedup_ci(const struct row *r, const struct row *ser, double *lo, double *hi)
{
    double v = row_speedup(r, ser);
    *lo = *hi = v;
    /* The far ends of both intervals: if each holds its median (95% or more
     * each), the ratio of the medians lies between them. */
    if (v > 0 && ser != NULL && r->ci_lo > 0 && ser->ci_lo > 0) {
        *lo = ser->ci_lo / r->ci_hi;
        *hi = ser->ci_hi / r->ci_lo;
    }
    return v;
}

/* For each series with a speedup: a data block (workers, value, low, high,
 * real_ns), per worker when per_p, and its clause with error bars. */
static void ci_lines_write(FILE *dat, struct sbuf *plot, const struct chart *ch,
                           const struct series *s, size_t ns, const struct row *ser, int per_p)
{
    int block = 0, nblocks = 0;
    for (size_t i = 0; i < ns; i++)
        nblocks += summarise(&s[i], row_speedup, ser).best != NULL;
    for (size_t i = 0; i < ns; i++) {
        if (summarise(&s[i], row_speedup, ser).best == NULL)
            continue;
        fprintf(dat, "# executor: %s\n", s[i].exec);
        for (size_t k = 0; k < s[i].n; k++) {
            const struct row *r = s[i].rows[k];
            double lo, hi, v = speedup_ci(r, ser, &lo, &hi), d = per_p ? r->workers : 1;
            if (v > 0)
                fprintf(dat, "%u %.6g %.6g %.6g %.6g\n", r->workers, v / d, lo / d, hi / d,
                        r->real_ns);
        }
        fputs("\n\n", dat);
        struct exec_style st = exec_style(s[i].exec);
        /* Side by side, a little apart, so that bars at one worker count
         * can be compared rather than drawn over each other. */
        double shift = 0.04 * (block - (nblocks - 1) / 2.0);
        sb_printf(plot,
                  "%s'%s.dat' index %d using ($1%+.3f):2:3:4 with yerrorlines lw 2.5 pt %d "
                  "ps 1.4 lc rgb '%s' title '%s'",
                  plot->len ? ", \\\n     " : "plot ", ch->base, block, shift, st.pt, st.color,
                  s[i].exec);
        block++;
    }
}

/* Efficiency at the largest worker count that two models share (else any). */
static void efficiency_commentary(struct sbuf *t, const struct series *s, size_t ns,
                                  const struct row *ser, const unsigned *w, size_t nw)
{
    for (size_t k = nw; k-- > 0;) {
        const struct row *best = NULL, *worst = NULL;
        double bv = 0, wv = 0;
        int n = 0;
        for (size_t i = 0; i < ns; i++)
            for (size_t j = 0; j < s[i].n; j++) {
                const struct row *r = s[i].rows[j];
                double v = row_speedup(r, ser) / r->workers;
                if (is_serial(s[i].exec) || r->workers != w[k] || !(v > 0))
                    continue;
                n++;
                if (best == NULL || v > bv)
                    best = r, bv = v;
                if (worst == NULL || v < wv)
                    worst = r, wv = v;
            }
        if (n < 2 && k > 0)
            continue;
        if (best == NULL)
            break;
        sb_printf(t, "At %s, %s keeps the highest efficiency, %s of ideal", fmt_workers(w[k]).s,
                  best->executor, fmt_sig3(bv).s);
        if (worst != best)
            sb_printf(t, ", %s the lowest, %s", worst->executor, fmt_sig3(wv).s);
        sb_printf(t, ".");
        return;
    }
    sb_printf(t, "No efficiency could be computed.");
}

static void speedup_commentary(struct sbuf *t, const struct series *s, size_t ns,
                               const struct row *ser)
{
    struct summary top = {0};
    const char *top_exec = NULL;
    for (size_t i = 0; i < ns; i++) {
        struct summary m = summarise(&s[i], row_speedup, ser);
        if (!is_serial(s[i].exec) && m.best && (top.best == NULL || m.best_v > top.best_v)) {
            top = m;
            top_exec = s[i].exec;
        }
    }
    if (top.best == NULL) {
        sb_printf(t, "No speedup could be computed: no run has both a time and a serial twin.");
        return;
    }
    if (ser != NULL)
        sb_printf(t,
                  "%s reaches the highest speedup over the serial twin: %s at %s (%s against "
                  "serial's %s).",
                  top_exec, fmt_ratio(top.best_v).s, fmt_workers(top.best->workers).s,
                  fmt_ns(top.best->real_ns).s, fmt_ns(ser->real_ns).s);
    else
        sb_printf(t,
                  "%s reaches the highest speedup, %s at %s (from the speedup_serial column: "
                  "this run has no serial twin for these parameters).",
                  top_exec, fmt_ratio(top.best_v).s, fmt_workers(top.best->workers).s);

    /* One worker: what each model costs against the plain recursion. */
    struct sbuf one = {0};
    int n_one = 0;
    for (size_t i = 0; i < ns; i++) {
        if (is_serial(s[i].exec) || s[i].rows[0]->workers != 1)
            continue;
        double v = row_speedup(s[i].rows[0], ser);
        if (v > 0) {
            sb_printf(&one, "%s%s %s", n_one ? ", " : "", s[i].exec, fmt_ratio(v).s);
            n_one++;
        }
    }
    if (n_one > 0)
        sb_printf(t, " With one worker, against serial: %s.", sb_str(&one));
    free(one.s);

    /* Workers past the best count. */
    struct sbuf drop = {0}, never = {0};
    int n_drop = 0, n_never = 0, beyond = 0;
    for (size_t i = 0; i < ns; i++) {
        if (is_serial(s[i].exec))
            continue;
        struct summary m = summarise(&s[i], row_speedup, ser);
        if (m.best == NULL)
            continue;
        if (m.best_v < 1.0)
            sb_printf(&never, "%s%s (best %s)", n_never++ ? ", " : "", s[i].exec,
                      fmt_ratio(m.best_v).s);
        if (m.last->workers > m.best->workers) {
            beyond = 1;
            if (m.last_v < 0.9 * m.best_v)
                sb_printf(&drop, "%s%s falls from %s at %s to %s at %s", n_drop++ ? "; " : "",
                          s[i].exec, fmt_ratio(m.best_v).s, fmt_workers(m.best->workers).s,
                          fmt_ratio(m.last_v).s, fmt_workers(m.last->workers).s);
        }
    }
    if (n_drop > 0)
        sb_printf(t, " More workers than the best count cost speed: %s.", sb_str(&drop));
    else if (beyond)
        sb_printf(t, " Past its best worker count, no executor loses more than 10%%.");
    if (n_never > 0)
        sb_printf(t, " Never faster than serial: %s.", sb_str(&never));
    free(drop.s);
    free(never.s);
}

int chart_speedup(struct report *rp, const struct wcase *c)
{
    struct series *s;
    size_t ns = case_series(c, &s);
    const struct series *ss = find_serial(s, ns);
    const struct row *ser = ss ? ss->rows[0] : NULL;
    int any = 0;
    double max_sp = 1.0;
    for (size_t i = 0; i < ns; i++) {
        struct summary m = summarise(&s[i], row_speedup, ser);
        any |= !is_serial(s[i].exec) && m.best != NULL;
        max_sp = fmax(max_sp, m.best_v);
    }
    if (!any) {
        free(s);
        return 0; /* nothing to compare */
    }
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_SPEEDUP, c->label, "speedup", c->slug, &dat, &gp);
    if (ch == NULL) {
        free(s);
        return -1;
    }
    fprintf(dat, "# %s: speedup over the serial twin\n# workers speedup low high real_ns\n",
            c->label);
    struct sbuf plot = {0};
    ci_lines_write(dat, &plot, ch, s, ns, ser, 0);
    unsigned *w;
    size_t nw = case_workers(c, &w);
    double max_hi = max_sp;
    for (size_t i = 0; i < ns; i++)
        for (size_t k = 0; k < s[i].n; k++) {
            double lo, hi;
            if (speedup_ci(s[i].rows[k], ser, &lo, &hi) > 0)
                max_hi = fmax(max_hi, hi);
        }
    char title[256];
    snprintf(title, sizeof(title), "%s: speedup over the serial twin", c->label);
    gp_preamble(gp, ch, 900, title, "workers (threads or processes)",
                "speedup (serial time / time)");
    gp_xtics_workers(gp, w, nw);
    fprintf(gp, "set xrange [0:%.6g]\nset yrange [0:%.6g]\n", w[nw - 1] * 1.05,
            fmax(1.5, ceil(fmin(max_hi, 2 * max_sp) * 1.2 * 2.0) / 2.0));
    fprintf(gp, "%s, \\\n     x with lines dt 2 lw 1.5 lc rgb '#888888' title 'ideal (y = x)'\n",
            sb_str(&plot));
    speedup_commentary(&ch->text, s, ns, ser);
    free(plot.s);
    int rc = chart_close(ch, dat, gp);

    /* The companion: the same points over P, against the ideal of 1. */
    char heading[200];
    snprintf(heading, sizeof(heading), "%s: efficiency", c->label);
    struct chart *ef =
        rc ? NULL : chart_begin(rp, SEC_SPEEDUP, heading, "efficiency", c->slug, &dat, &gp);
    if (ef != NULL) {
        struct sbuf eplot = {0};
        double max_e = 1.0;
        fprintf(dat,
                "# %s: efficiency, speedup over the serial twin / workers\n"
                "# workers efficiency low high real_ns\n",
                c->label);
        ci_lines_write(dat, &eplot, ef, s, ns, ser, 1);
        for (size_t i = 0; i < ns; i++)
            for (size_t k = 0; k < s[i].n; k++)
                max_e = fmax(max_e, row_speedup(s[i].rows[k], ser) / s[i].rows[k]->workers);
        snprintf(title, sizeof(title), "%s: efficiency (speedup / workers)", c->label);
        gp_preamble(gp, ef, 900, title, "workers (threads or processes)",
                    "efficiency (speedup / workers)");
        gp_xtics_workers(gp, w, nw);
        fprintf(gp, "set xrange [0:%.6g]\nset yrange [0:%.6g]\n", w[nw - 1] * 1.05,
                ceil(fmin(max_e, 4.0) * 1.15 * 10.0) / 10.0);
        fprintf(gp, "%s, \\\n     1 with lines dt 2 lw 1.5 lc rgb '#888888' title 'ideal (1)'\n",
                sb_str(&eplot));
        efficiency_commentary(&ef->text, s, ns, ser, w, nw);
        free(eplot.s);
        rc = chart_close(ef, dat, gp);
    } else {
        rc = -1;
    }
    free(w);
    free(s);
    return rc;
}
