/*
 * chart_speedup.c - (a) speedup against the serial twin, per CPU-bound case.
 */
#include "report/report.h"

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
    fprintf(dat, "# %s: speedup over the serial twin\n# workers speedup real_ns\n", c->label);
    struct sbuf plot = {0};
    lines_write(dat, &plot, ch, s, ns, row_speedup, ser);
    unsigned *w;
    size_t nw = case_workers(c, &w);
    char title[256];
    snprintf(title, sizeof(title), "%s: speedup over the serial twin", c->label);
    gp_preamble(gp, ch, 900, title, "workers (threads or processes)",
                "speedup (serial time / time)");
    gp_xtics_workers(gp, w, nw);
    fprintf(gp, "set xrange [0:%.6g]\nset yrange [0:%.6g]\n", w[nw - 1] * 1.05,
            fmax(1.5, ceil(max_sp * 1.2 * 2.0) / 2.0));
    fprintf(gp, "%s, \\\n     x with lines dt 2 lw 1.5 lc rgb '#888888' title 'ideal (y = x)'\n",
            sb_str(&plot));
    speedup_commentary(&ch->text, s, ns, ser);
    free(plot.s);
    free(w);
    free(s);
    return chart_close(ch, dat, gp);
}
