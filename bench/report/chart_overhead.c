/*
 * chart_overhead.c - (d) overhead per task, from fib with one worker.
 */
#include "report/report.h"

struct per_task {
    const struct row *r;
    double tasks, ns; /* the task count used, and wall time per task */
};

static void overhead_commentary(struct sbuf *t, const struct per_task *p, size_t m,
                                int serial_borrowed)
{
    const struct per_task *ser = NULL, *cheap = NULL, *dear = NULL;
    for (size_t j = 0; j < m; j++) {
        if (is_serial(p[j].r->executor)) {
            ser = &p[j];
            continue;
        }
        if (cheap == NULL || p[j].ns < cheap->ns)
            cheap = &p[j];
        if (dear == NULL || p[j].ns > dear->ns)
            dear = &p[j];
    }
    if (cheap == NULL) {
        sb_printf(t, "Only the serial twin ran with one worker: %s per task.", fmt_ns(ser->ns).s);
        return;
    }
    if (ser == NULL && cheap == dear)
        sb_printf(t,
                  "With one worker, %s takes %s per task; this run has no serial twin to "
                  "compare with.",
                  cheap->r->executor, fmt_ns(cheap->ns).s);
    else if (ser != NULL && cheap == dear)
        sb_printf(t, "With one worker, %s takes %s per task against serial's %s (%s).",
                  cheap->r->executor, fmt_ns(cheap->ns).s, fmt_ns(ser->ns).s,
                  fmt_ratio(cheap->ns / ser->ns).s);
    else if (ser != NULL)
        sb_printf(t,
                  "With one worker, serial takes %s per task; the cheapest other model is %s at "
                  "%s (%s serial's) and the dearest %s at %s (%s).",
                  fmt_ns(ser->ns).s, cheap->r->executor, fmt_ns(cheap->ns).s,
                  fmt_ratio(cheap->ns / ser->ns).s, dear->r->executor, fmt_ns(dear->ns).s,
                  fmt_ratio(dear->ns / ser->ns).s);
    else
        sb_printf(t,
                  "With one worker, the cheapest model is %s at %s per task and the dearest "
                  "%s at %s, %s apart; this run has no serial twin to compare with.",
                  cheap->r->executor, fmt_ns(cheap->ns).s, dear->r->executor, fmt_ns(dear->ns).s,
                  fmt_ratio(dear->ns / cheap->ns).s);

    /* Different task counts mean different task sizes. */
    int differ = 0;
    for (size_t j = 1; j < m; j++)
        differ |= p[j].tasks != p[0].tasks;
    if (differ) {
        struct sbuf counts = {0};
        for (size_t j = 0; j < m; j++)
            sb_printf(&counts, "%s%s %s", j ? ", " : "", p[j].r->executor, fmt_count(p[j].tasks).s);
        sb_printf(t,
                  " The models ran different numbers of tasks (%s): one that cuts the work "
                  "into fewer pieces runs larger tasks, so its time per task holds more of "
                  "the work.",
                  sb_str(&counts));
        free(counts.s);
    }
    if (serial_borrowed)
        sb_printf(t, " The serial row reports no task count; its time is divided by the largest "
                     "count here.");
}

/* The fib case with the most executors that ran with one worker. */
static const struct wcase *overhead_case(const struct report *rp)
{
    const struct wcase *best = NULL;
    size_t best_n = 0;
    for (size_t i = 0; i < rp->ncases; i++) {
        const struct wcase *c = &rp->cases[i];
        if (strcmp(c->workload, "fib") != 0)
            continue;
        size_t n = 0;
        for (size_t k = 0; k < c->n; k++)
            n += c->rows[k]->workers == 1 && c->rows[k]->real_ns > 0;
        if (n > best_n) {
            best = c;
            best_n = n;
        }
    }
    return best;
}

int chart_overhead(struct report *rp)
{
    const struct wcase *c = overhead_case(rp);
    if (c == NULL)
        return 0;
    struct per_task *p = xrealloc(NULL, c->n * sizeof(*p));
    size_t m = 0;
    double max_tasks = 0;
    for (size_t k = 0; k < c->n; k++)
        if (c->rows[k]->workers == 1 && c->rows[k]->real_ns > 0)
            max_tasks = fmax(max_tasks, c->rows[k]->tasks);
    int borrowed = 0;
    for (size_t k = 0; k < c->n && max_tasks > 0; k++) {
        const struct row *r = c->rows[k];
        if (r->workers != 1 || r->real_ns <= 0)
            continue;
        double tasks = r->tasks;
        if (tasks <= 0) {
            if (!is_serial(r->executor))
                continue;
            tasks = max_tasks;
            borrowed = 1;
        }
        p[m++] = (struct per_task){r, tasks, r->real_ns / tasks};
    }
    if (m == 0) {
        free(p);
        return 0;
    }
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_OVERHEAD, c->label, "overhead", c->slug, &dat, &gp);
    if (ch == NULL) {
        free(p);
        return -1;
    }
    double lo = p[0].ns, hi = p[0].ns, dlo, dhi;
    for (size_t j = 1; j < m; j++) {
        lo = fmin(lo, p[j].ns);
        hi = fmax(hi, p[j].ns);
    }
    decades(lo * 1e-9, hi * 3e-9, &dlo, &dhi);
    fprintf(dat,
            "# %s: wall time per task with one worker (real_ns / tasks), in seconds\n"
            "# x y xlow xhigh ylow yhigh label tasks real_ns\n",
            c->label);
    struct sbuf plot = {0};
    for (size_t j = 0; j < m; j++) {
        fprintf(dat, "# executor: %s\n%.6g %.6g %.6g %.6g %.6g %.6g \"%s\" %.6g %.6g\n\n\n",
                p[j].r->executor, (double)j, p[j].ns * 1e-9, j - 0.35, j + 0.35, dlo,
                p[j].ns * 1e-9, fmt_ns(p[j].ns).s, p[j].tasks, p[j].r->real_ns);
        gp_bar_clause(&plot, ch, (int)j, p[j].r->executor);
    }
    char title[256];
    snprintf(title, sizeof(title), "%s: wall time per task with one worker", c->label);
    gp_preamble(gp, ch, 900, title, "executor", "time per task (log scale)");
    fputs("set xtics (", gp);
    for (size_t j = 0; j < m; j++) {
        fprintf(gp, "%s", j ? ", " : "");
        gp_string(gp, p[j].r->executor);
        fprintf(gp, " %zu", j);
    }
    fprintf(gp, ") scale 0\nset xrange [-0.7:%.6g]\n", m - 0.3);
    gp_log_y(gp, dlo, dhi, "s");
    fprintf(gp,
            "%s, \\\n     '%s.dat' index 0:%zu using 1:6:7 with labels offset 0,0.8 "
            "notitle\n",
            sb_str(&plot), ch->base, m - 1);
    overhead_commentary(&ch->text, p, m, borrowed);
    free(plot.s);
    free(p);
    return chart_close(ch, dat, gp);
}
