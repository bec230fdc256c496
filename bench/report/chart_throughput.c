/*
 * chart_throughput.c - (b) throughput against concurrency, per IO-bound or
 * mixed case.
 */
#include "report/report.h"

static void throughput_commentary(struct sbuf *t, const struct series *s, size_t ns)
{
    struct summary top = {0}, second = {0};
    const char *top_exec = NULL, *second_exec = NULL;
    for (size_t i = 0; i < ns; i++) {
        struct summary m = summarise(&s[i], metric_tps, NULL);
        if (m.best == NULL)
            continue;
        if (top.best == NULL || m.best_v > top.best_v) {
            second = top;
            second_exec = top_exec;
            top = m;
            top_exec = s[i].exec;
        } else if (second.best == NULL || m.best_v > second.best_v) {
            second = m;
            second_exec = s[i].exec;
        }
    }
    if (top.best == NULL) {
        sb_printf(t, "No run of this workload reports a throughput.");
        return;
    }
    sb_printf(t, "%s reaches the highest throughput: %s at %s", top_exec, fmt_rate(top.best_v).s,
              fmt_workers(top.best->workers).s);
    if (second.best != NULL)
        sb_printf(t, ", %s the best of %s (%s at %s).", fmt_ratio(top.best_v / second.best_v).s,
                  second_exec, fmt_rate(second.best_v).s, fmt_workers(second.best->workers).s);
    else
        sb_printf(t, ".");
    if (top.first != top.last)
        sb_printf(t, " %s goes from %s at %s to %s at %s (%s).", top_exec, fmt_rate(top.first_v).s,
                  fmt_workers(top.first->workers).s, fmt_rate(top.last_v).s,
                  fmt_workers(top.last->workers).s, fmt_ratio(top.last_v / top.first_v).s);

    struct sbuf peak = {0};
    int n_peak = 0;
    for (size_t i = 0; i < ns; i++) {
        struct summary m = summarise(&s[i], metric_tps, NULL);
        if (m.best && m.last->workers > m.best->workers && m.last_v < 0.9 * m.best_v)
            sb_printf(&peak, "%s%s at %s (%s, then %s at %s)", n_peak++ ? "; " : "", s[i].exec,
                      fmt_workers(m.best->workers).s, fmt_rate(m.best_v).s, fmt_rate(m.last_v).s,
                      fmt_workers(m.last->workers).s);
    }
    if (n_peak > 0)
        sb_printf(t, " Throughput peaks before the largest worker count for %s.", sb_str(&peak));
    free(peak.s);
    const struct series *ss = find_serial(s, ns);
    if (ss != NULL && row_tps(ss->rows[0]) > 0)
        sb_printf(t, " The serial twin completes %s.", fmt_rate(row_tps(ss->rows[0])).s);
}

int chart_throughput(struct report *rp, const struct wcase *c)
{
    struct series *s;
    size_t ns = case_series(c, &s);
    double lo = 0, hi = 0;
    for (size_t i = 0; i < c->n; i++) {
        double v = row_tps(c->rows[i]);
        if (v > 0) {
            lo = lo == 0 ? v : fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    const struct series *ss = find_serial(s, ns);
    if (hi == 0 || ns == (ss ? 1u : 0u)) {
        free(s);
        return 0;
    }
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_THROUGHPUT, c->label, "throughput", c->slug, &dat, &gp);
    if (ch == NULL) {
        free(s);
        return -1;
    }
    fprintf(dat, "# %s: throughput against concurrency\n# workers tasks_per_s real_ns\n", c->label);
    struct sbuf plot = {0};
    lines_write(dat, &plot, ch, s, ns, metric_tps, NULL);
    unsigned *w;
    size_t nw = case_workers(c, &w);
    char title[256];
    snprintf(title, sizeof(title), "%s: throughput against concurrency", c->label);
    int logy = hi / lo > 20.0;
    gp_preamble(gp, ch, 900, title, "workers (threads or processes, log2 scale)",
                logy ? "throughput (tasks/s, log scale)" : "throughput (tasks/s)");
    fputs("set logscale x 2\n", gp);
    gp_xtics_workers(gp, w, nw);
    fprintf(gp, "set xrange [%.6g:%.6g]\n", w[0] / 1.4, w[nw - 1] * 1.4);
    if (logy) {
        double dlo, dhi;
        decades(lo, hi, &dlo, &dhi);
        gp_log_y(gp, dlo, dhi, "");
    } else {
        fprintf(gp, "set yrange [0:%.6g]\nset format y '%%.3s %%c'\n", hi * 1.15);
    }
    fprintf(gp, "%s\n", sb_str(&plot));
    throughput_commentary(&ch->text, s, ns);
    free(plot.s);
    free(w);
    free(s);
    return chart_close(ch, dat, gp);
}
