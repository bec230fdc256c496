/*
 * chart_memory.c - memory per concurrent task (memory.csv, written by
 * bench/micro/idle.c): the peak resident set with 10,000 tasks outstanding
 * on each model, less the process's before its pool, per task.
 */
#include "report/extras.h"

static void memory_row(struct extras *x, char **v)
{
    struct mem_row r = {.workers = (unsigned)strtoul(v[1], NULL, 10),
                        .tasks = strtod(v[2], NULL),
                        .base_kb = strtod(v[3], NULL),
                        .peak_kb = strtod(v[4], NULL),
                        .bytes_per_task = strtod(v[5], NULL)};
    snprintf(r.exec, sizeof(r.exec), "%s", v[0]);
    snprintf(r.how, sizeof(r.how), "%s", v[6]);
    snprintf(r.error, sizeof(r.error), "%s", v[7]);
    PUSH(x->mem, x->nmem, x->capmem, r);
}

int memory_load(const struct report *rp, struct extras *x)
{
    return extras_csv(rp, "memory.csv", 8, memory_row, x, &x->mem_read);
}

int memory_chart(struct report *rp, struct extras *x)
{
    size_t n = 0;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < x->nmem; i++)
        if (x->mem[i].error[0] == '\0' && x->mem[i].bytes_per_task > 0) {
            n++;
            lo = lo > 0 ? fmin(lo, x->mem[i].bytes_per_task) : x->mem[i].bytes_per_task;
            hi = fmax(hi, x->mem[i].bytes_per_task);
        }
    if (n == 0)
        return 0;
    FILE *dat, *gp;
    struct chart *ch =
        chart_begin(rp, SEC_EXTRA, "Memory per outstanding task", "memory", NULL, &dat, &gp);
    if (ch == NULL)
        return -1;
    fputs("# x bytes_per_task xlow xhigh ylow yhigh\n", dat);
    double dlo, dhi;
    decades(lo, hi, &dlo, &dhi);
    size_t k = 0;
    for (size_t i = 0; i < x->nmem; i++)
        if (x->mem[i].error[0] == '\0' && x->mem[i].bytes_per_task > 0)
            dat_bar(dat, (double)k++, 0.35, x->mem[i].bytes_per_task, dlo);
    gp_preamble(gp, ch, 1000, "Resident memory per outstanding task (log scale)", "", "bytes");
    fputs("set xtics (", gp);
    k = 0;
    for (size_t i = 0; i < x->nmem; i++)
        if (x->mem[i].error[0] == '\0' && x->mem[i].bytes_per_task > 0) {
            fprintf(gp, "%s", k ? ", " : "");
            gp_string(gp, x->mem[i].exec);
            fprintf(gp, " %zu", k++);
        }
    fprintf(gp, ") rotate by -30\nset xrange [-0.7:%zu.7]\nunset key\n", n - 1);
    gp_log_y(gp, dlo, dhi, "B");
    fprintf(gp,
            "plot '%s.dat' using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb "
            "'#0072b2'\n",
            ch->base);
    ch = &rp->charts[rp->ncharts - 1];
    sb_printf(&ch->text, "Read what one more waiting task costs in resident memory on each "
                         "model: a thread's stack and its kernel side on a thread pool, a "
                         "timer and its continuation on an event loop (lower is better).");
    return chart_close(ch, dat, gp);
}

void memory_readme(FILE *f, const struct extras *x)
{
    fputs("### Memory per concurrent task\n\n"
          "The peak resident set (a process pool's workers' summed in) while 10,000 tasks "
          "are outstanding, less the process's before its pool was made, over 10,000. What "
          "outstanding means differs by model and is said on each line.\n\n"
          "| Model | Workers | Before | Peak | Per task | Outstanding means |\n"
          "|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < x->nmem; i++) {
        const struct mem_row *r = &x->mem[i];
        if (r->error[0] != '\0') {
            fprintf(f, "| %s | %u | failed: %s | | | |\n", r->exec, r->workers, r->error);
            continue;
        }
        fprintf(f, "| %s | %u | %s MiB | %s MiB | %s B | %s |\n", r->exec, r->workers,
                fmt_sig3(r->base_kb / 1024).s, fmt_sig3(r->peak_kb / 1024).s,
                fmt_count(r->bytes_per_task).s, r->how);
    }
    fputc('\n', f);
}
