/*
 * chart_idle.c - what an idle pool costs (idle.csv, written by
 * bench/micro/idle.c): the CPU it burns over a window right after a burst
 * of work and over one of steady idleness, as a share of one core, and the
 * latency from idle to the first task running.
 */
#include "report/extras.h"

#define IDLE_TARGET 0.01 /* issue 12: wsched's idle CPU after a burst, at most 1% of a core */

static void idle_row(struct extras *x, char **v)
{
    struct idle_row r = {.workers = (unsigned)strtoul(v[1], NULL, 10),
                         .window_s = strtod(v[2], NULL),
                         .burst_cpu_s = strtod(v[3], NULL),
                         .steady_cpu_s = strtod(v[4], NULL),
                         .wake_p50_ns = strtod(v[5], NULL),
                         .wake_p99_ns = strtod(v[6], NULL),
                         .samples = (unsigned)strtoul(v[7], NULL, 10)};
    snprintf(r.exec, sizeof(r.exec), "%s", v[0]);
    snprintf(r.error, sizeof(r.error), "%s", v[8]);
    PUSH(x->idle, x->nidle, x->capidle, r);
}

int idle_load(const struct report *rp, struct extras *x)
{
    return extras_csv(rp, "idle.csv", 9, idle_row, x, &x->idle_read);
}

/* CPU seconds over the window as a share of one core. */
static double share(double cpu_s, double window_s)
{
    return window_s > 0 ? cpu_s / window_s : 0;
}

/* Bars can only start above 0 on a log axis. */
#define IDLE_FLOOR 1e-5

int idle_chart(struct report *rp, struct extras *x)
{
    size_t n = 0;
    double hi = IDLE_TARGET;
    for (size_t i = 0; i < x->nidle; i++)
        if (x->idle[i].error[0] == '\0') {
            n++;
            hi = fmax(hi, share(x->idle[i].burst_cpu_s, x->idle[i].window_s));
            hi = fmax(hi, share(x->idle[i].steady_cpu_s, x->idle[i].window_s));
        }
    if (n == 0)
        return 0;
    FILE *dat, *gp;
    struct chart *ch =
        chart_begin(rp, SEC_EXTRA, "CPU burned by an idle pool", "idle", NULL, &dat, &gp);
    if (ch == NULL)
        return -1;
    fputs("# x share_of_a_core xlow xhigh ylow yhigh (block 0: after a burst, 1: steady)\n", dat);
    for (int blk = 0; blk < 2; blk++) {
        size_t k = 0;
        for (size_t i = 0; i < x->nidle; i++) {
            const struct idle_row *r = &x->idle[i];
            if (r->error[0] != '\0')
                continue;
            double v = share(blk ? r->steady_cpu_s : r->burst_cpu_s, r->window_s);
            dat_bar(dat, (double)k + (blk ? 0.2 : -0.2), 0.18, fmax(v, IDLE_FLOOR), IDLE_FLOOR);
            k++;
        }
        fputs("\n\n", dat);
    }
    gp_preamble(gp, ch, 1000, "CPU burned while idle (share of one core, log scale)", "",
                "CPU time / wall time");
    fputs("set xtics (", gp);
    size_t k = 0;
    for (size_t i = 0; i < x->nidle; i++)
        if (x->idle[i].error[0] == '\0') {
            fprintf(gp, "%s", k ? ", " : "");
            gp_string(gp, x->idle[i].exec);
            fprintf(gp, " %zu", k++);
        }
    fprintf(gp, ") rotate by -30\nset xrange [-0.7:%zu.7]\n", n - 1);
    double dlo, dhi;
    decades(IDLE_FLOOR, hi, &dlo, &dhi);
    fprintf(gp,
            "set logscale y\nset yrange [%g:%g]\nset format y '%%g'\n"
            "set arrow from graph 0, first %g to graph 1, first %g nohead dt 2 lc rgb '#808080'\n"
            "plot '%s.dat' index 0 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb "
            "'#d55e00' title 'the 2 s after a burst', \\\n"
            "     '%s.dat' index 1 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb "
            "'#0072b2' title 'the 2 s after those'\n",
            dlo, dhi, IDLE_TARGET, IDLE_TARGET, ch->base, ch->base);
    ch = &rp->charts[rp->ncharts - 1];
    sb_printf(&ch->text,
              "Read how much of a core each pool keeps busy once its work is done: a tall "
              "left bar is a pool that spins after a burst, a tall right one a pool that never "
              "sleeps; the dashed line is 1%% of a core (bars are floored at %g).",
              IDLE_FLOOR);
    return chart_close(ch, dat, gp);
}

void idle_readme(FILE *f, const struct extras *x)
{
    fputs("### Idle cost\n\n"
          "Each model in a process of its own, with a pool of the machine's cores: a burst of "
          "short tasks, then the pool's CPU time (all its threads, and a process pool's live "
          "workers read from /proc) over the 2 s right after it and over the 2 s after those; "
          "then the latency from idle to a task's start (a single task submitted after a "
          "pause), p50 and p99 by nearest rank.\n\n"
          "| Model | Workers | CPU after a burst | CPU, steady | Wake-up p50 | Wake-up p99 |\n"
          "|---|---|---|---|---|---|\n",
          f);
    const struct idle_row *me = NULL;
    for (size_t i = 0; i < x->nidle; i++) {
        const struct idle_row *r = &x->idle[i];
        if (r->error[0] != '\0') {
            fprintf(f, "| %s | %u | failed: %s | | | |\n", r->exec, r->workers, r->error);
            continue;
        }
        if (strcmp(r->exec, "stealing") == 0)
            me = r;
        fprintf(f, "| %s | %u | %s%% of a core | %s%% | %s | %s |\n", r->exec, r->workers,
                fmt_sig3(100 * share(r->burst_cpu_s, r->window_s)).s,
                fmt_sig3(100 * share(r->steady_cpu_s, r->window_s)).s, fmt_ns(r->wake_p50_ns).s,
                fmt_ns(r->wake_p99_ns).s);
    }
    if (x->nidle > 0 && x->idle[0].samples > 0)
        fprintf(f, "\nWake-up samples per model: %u (below 100, the p99 is the largest).\n",
                x->idle[0].samples);
    fputc('\n', f);
    if (me == NULL) {
        fputs("No idle result for stealing: no target line.\n\n", f);
        return;
    }
    double mine = share(me->burst_cpu_s, me->window_s);
    fprintf(f,
            "**Target (idle CPU after a burst, at most 1%% of a core):** stealing's is %s%% (%s);",
            fmt_sig3(100 * mine).s, mine <= IDLE_TARGET ? "met" : "missed");
    int n = 0;
    for (size_t i = 0; i < x->nidle; i++) {
        const struct idle_row *r = &x->idle[i];
        if (r == me || r->error[0] != '\0')
            continue;
        fprintf(f, "%s %s's %s%%", n++ ? "," : "", r->exec,
                fmt_sig3(100 * share(r->burst_cpu_s, r->window_s)).s);
    }
    fputs(n ? ".\n\n" : " no peer was measured.\n\n", f);
}
