/*
 * verdict.c - the verdict per case: winner, runner-up, serial, ties.
 */
#include "report/report.h"

static double verdict_score(const struct row *r, int by_tps)
{
    if (by_tps)
        return row_tps(r);
    return r->real_ns > 0 ? 1e9 / r->real_ns : 0;
}

/* Each executor at its best worker count; the two best, and serial. */
int verdict_compute(const struct wcase *c, struct verdict *v)
{
    *v = (struct verdict){.c = c, .by_tps = strcmp(c->kind, "cpu") != 0};
    struct series *s;
    size_t ns = case_series(c, &s);
    for (size_t i = 0; i < ns; i++) {
        const struct row *best = NULL;
        double best_v = 0;
        for (size_t k = 0; k < s[i].n; k++) {
            double x = verdict_score(s[i].rows[k], v->by_tps);
            if (x > best_v) {
                best = s[i].rows[k];
                best_v = x;
            }
        }
        if (best == NULL)
            continue;
        if (is_serial(s[i].exec)) {
            v->serial = best;
            v->serial_v = best_v;
        }
        if (best_v > v->win_v) {
            v->runner = v->win;
            v->runner_v = v->win_v;
            v->win = best;
            v->win_v = best_v;
        } else if (best_v > v->runner_v) {
            v->runner = best;
            v->runner_v = best_v;
        }
    }
    free(s);
    return v->win ? 0 : -1;
}

/* Is the winner's margin over the runner-up within the spread of either? */
static int verdict_tie(const struct verdict *v)
{
    return v->runner != NULL &&
           v->win_v / v->runner_v - 1 < fmax(v->win->spread, v->runner->spread);
}

static struct num verdict_value(const struct verdict *v, const struct row *r)
{
    return v->by_tps ? fmt_rate(row_tps(r)) : fmt_ns(r->real_ns);
}

static void verdict_sentence(FILE *f, const struct verdict *v)
{
    const struct row *w = v->win;
    if (v->runner == NULL) {
        fprintf(f, "- %s: only %s ran (%s at %s); nothing to compare.\n", v->c->label, w->executor,
                verdict_value(v, w).s, fmt_workers(w->workers).s);
        return;
    }
    fprintf(f, "- %s: %s %s, %s over %s (%s at %s against %s at %s)", v->c->label, w->executor,
            verdict_tie(v) ? "ties for first" : "wins", fmt_ratio(v->win_v / v->runner_v).s,
            v->runner->executor, verdict_value(v, w).s, fmt_workers(w->workers).s,
            verdict_value(v, v->runner).s, fmt_workers(v->runner->workers).s);
    if (verdict_tie(v))
        fprintf(f, ", a margin within the spread of their repetitions (%.1f%% and %.1f%%)",
                w->spread * 100, v->runner->spread * 100);
    if (w == v->serial)
        fprintf(f, "; no parallel model beats the serial twin.");
    else if (v->runner == v->serial)
        fprintf(f, ".");
    else if (v->serial == NULL)
        fprintf(f, "; this run has no serial twin.");
    else if (v->by_tps)
        fprintf(f, "; %s the throughput of serial.", fmt_ratio(v->win_v / v->serial_v).s);
    else
        fprintf(f, "; %s faster than serial.", fmt_ratio(v->win_v / v->serial_v).s);
    /* A model that cannot nest runs the same work as fewer, larger tasks
     * and pays no per-spawn cost: a reader must know when that decided. */
    const struct row *r = v->runner;
    if (w->tasks > 0 && r->tasks > 0 && w->tasks != r->tasks)
        fprintf(f, " %s ran the work as %s tasks, %s as %s.", w->executor, fmt_count(w->tasks).s,
                r->executor, fmt_count(r->tasks).s);
    fputc('\n', f);
}

/* The verdict table and one sentence per workload, in markdown. */
void verdict_write(FILE *f, const struct verdict *v, size_t nv)
{
    fputs("| Workload | Kind | Winner | Its best | Runner-up | Its best | Winner over runner-up "
          "| Winner over serial |\n"
          "|---|---|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < nv; i++) {
        const struct verdict *x = &v[i];
        fprintf(f, "| %s | %s | %s, %s | %s | ", x->c->label, x->c->kind, x->win->executor,
                fmt_workers(x->win->workers).s, verdict_value(x, x->win).s);
        if (x->runner)
            fprintf(f, "%s, %s | %s | %s%s | ", x->runner->executor,
                    fmt_workers(x->runner->workers).s, verdict_value(x, x->runner).s,
                    fmt_ratio(x->win_v / x->runner_v).s, verdict_tie(x) ? " (tie)" : "");
        else
            fputs("none | | | ", f);
        if (x->serial == NULL)
            fputs("no serial run |\n", f);
        else if (x->serial == x->win)
            fputs("(is serial) |\n", f);
        else
            fprintf(f, "%s |\n", fmt_ratio(x->win_v / x->serial_v).s);
    }
    fputc('\n', f);
    for (size_t i = 0; i < nv; i++)
        verdict_sentence(f, &v[i]);
}
