/*
 * verdict.c - the verdict per case: winner, runner-up, serial, ties.
 */
#include "report/report.h"
#include "report/stats.h"

double verdict_score(const struct row *r, int by_tps, double *lo, double *hi)
{
    /* Runs per second, or tasks per second: a constant over one run's wall
     * time either way, so the time's interval maps onto the score's. */
    double scale = by_tps ? row_tps(r) * r->real_ns : 1e9;
    double v = r->real_ns > 0 ? scale / r->real_ns : 0;
    if (lo != NULL)
        *lo = r->ci_hi > 0 ? scale / r->ci_hi : v;
    if (hi != NULL)
        *hi = r->ci_lo > 0 ? scale / r->ci_lo : v;
    return v;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* r's score over half h (0: the first, 1: the last n/2 repetitions); its
 * whole score when it has fewer than two repetitions. */
static double half_score(const struct report *rp, const struct row *r, int by_tps, int h)
{
    if (r->nrep < 2)
        return verdict_score(r, by_tps, NULL, NULL);
    size_t m = r->nrep / 2;
    const double *x = &rp->rep_ns[r->rep_off + (h ? r->nrep - m : 0)];
    double v[64];
    if (m > ARRAY_LEN(v))
        m = ARRAY_LEN(v);
    memcpy(v, x, m * sizeof(*v));
    qsort(v, m, sizeof(*v), cmp_double);
    double med = m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
    double scale = by_tps ? row_tps(r) * r->real_ns : 1e9;
    return med > 0 ? scale / med : 0;
}

/* Each executor at its best worker count; the two best, and serial. */
int verdict_compute(const struct report *rp, const struct wcase *c, struct verdict *v)
{
    *v = (struct verdict){.c = c, .by_tps = strcmp(c->kind, "cpu") != 0};
    struct series *s;
    size_t ns = case_series(c, &s);
    double half_v[2] = {0, 0};
    for (size_t i = 0; i < ns; i++) {
        const struct row *best = NULL;
        double best_v = 0, hbest[2] = {0, 0};
        for (size_t k = 0; k < s[i].n; k++) {
            double x = verdict_score(s[i].rows[k], v->by_tps, NULL, NULL);
            if (x > best_v) {
                best = s[i].rows[k];
                best_v = x;
            }
            for (int h = 0; h < 2; h++)
                hbest[h] = fmax(hbest[h], half_score(rp, s[i].rows[k], v->by_tps, h));
        }
        if (best == NULL)
            continue;
        for (int h = 0; h < 2; h++)
            if (hbest[h] > half_v[h]) {
                half_v[h] = hbest[h];
                v->half_win[h] = s[i].exec;
            }
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

/* Do the winner's and the runner-up's intervals overlap? (Each interval
 * holds its median with the confidence it states, so overlapping ones
 * leave the order of the two medians open.) */
int verdict_tie(const struct verdict *v)
{
    if (v->runner == NULL)
        return 0;
    double wlo, whi, rlo, rhi;
    verdict_score(v->win, v->by_tps, &wlo, &whi);
    verdict_score(v->runner, v->by_tps, &rlo, &rhi);
    return stats_overlap(wlo, whi, rlo, rhi);
}

static struct num verdict_value(const struct verdict *v, const struct row *r)
{
    return v->by_tps ? fmt_rate(row_tps(r)) : fmt_ns(r->real_ns);
}

/* "[95%: 53.0 ms to 55.0 ms]": r's interval, its confidence stated as
 * reached (95%) or, from too few repetitions, as it is. */
struct ival {
    char s[160]; /* room for two struct num and the words */
};

static struct ival verdict_interval(const struct verdict *v, const struct row *r)
{
    struct ival n;
    double lo, hi;
    verdict_score(r, v->by_tps, &lo, &hi);
    if (!(r->ci_conf > 0)) {
        snprintf(n.s, sizeof(n.s), "%s",
                 r->reps >= 2 ? "[no interval recorded]" : "[no interval: one repetition]");
        return n;
    }
    char conf[16];
    if (r->ci_conf >= STATS_CONF)
        snprintf(conf, sizeof(conf), "%.0f%%", STATS_CONF * 100);
    else
        snprintf(conf, sizeof(conf), "only %.0f%%", r->ci_conf * 100);
    if (v->by_tps)
        snprintf(n.s, sizeof(n.s), "[%s: %s to %s]", conf, fmt_rate(lo).s, fmt_rate(hi).s);
    else
        snprintf(n.s, sizeof(n.s), "[%s: %s to %s]", conf, fmt_ns(r->ci_lo).s, fmt_ns(r->ci_hi).s);
    return n;
}

static void verdict_sentence(FILE *f, const struct verdict *v)
{
    const struct row *w = v->win;
    if (v->runner == NULL) {
        fprintf(f, "- %s: only %s ran (%s at %s); nothing to compare.\n", v->c->label, w->executor,
                verdict_value(v, w).s, fmt_workers(w->workers).s);
        return;
    }
    fprintf(f, "- %s: %s %s, %s over %s (%s at %s %s against %s at %s %s)", v->c->label,
            w->executor, verdict_tie(v) ? "ties for first" : "wins",
            fmt_ratio(v->win_v / v->runner_v).s, v->runner->executor, verdict_value(v, w).s,
            fmt_workers(w->workers).s, verdict_interval(v, w).s, verdict_value(v, v->runner).s,
            fmt_workers(v->runner->workers).s, verdict_interval(v, v->runner).s);
    if (verdict_tie(v))
        fprintf(f, ": the intervals overlap");
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

void verdict_stability(FILE *f, const struct verdict *v, size_t nv)
{
    size_t judged = 0, kept = 0, changed_ties = 0;
    struct sbuf changed = {0};
    for (size_t i = 0; i < nv; i++) {
        const struct verdict *x = &v[i];
        if (x->runner == NULL || x->half_win[0] == NULL || x->half_win[1] == NULL ||
            x->win->nrep < 2)
            continue;
        judged++;
        if (strcmp(x->half_win[0], x->half_win[1]) == 0) {
            kept++;
            continue;
        }
        changed_ties += verdict_tie(x);
        sb_printf(&changed, "%s%s (%s, then %s%s)", changed.len ? ", " : "", x->c->label,
                  x->half_win[0], x->half_win[1], verdict_tie(x) ? "; a tie" : "");
    }
    if (judged == 0) {
        fputs("Stability: no verdict has the repetitions to split in halves.\n", f);
        return;
    }
    fprintf(f,
            "Stability: %zu of %zu verdicts name the same winner from the first half of the "
            "repetitions as from the second (the rounds in time order, each half judged by its "
            "own medians)",
            kept, judged);
    if (kept < judged)
        fprintf(f, "; %zu change%s, %zu of them a tie: %s", judged - kept,
                judged - kept == 1 ? "s" : "", changed_ties, sb_str(&changed));
    fputs(".\n", f);
    free(changed.s);
}
