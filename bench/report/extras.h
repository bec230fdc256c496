/*
 * extras.h - what the report's parts for issue 12's extras share: the
 * granularity sweep (chart_grain.c, metg.c), idle cost (chart_idle.c) and
 * memory per task (chart_memory.c), gathered by extras.c.
 */
#ifndef WSBENCH_REPORT_EXTRAS_H
#define WSBENCH_REPORT_EXTRAS_H

#include "report/report.h"

/* One grain result: a model, a shape, a worker count, a duration. */
struct gpt {
    const char *exec;
    int tree;
    unsigned workers;
    double ns, eff;
};

/* One model's METG at one shape and worker count. */
struct metg {
    const char *exec;
    int tree;
    unsigned workers;
    enum metg_result r;
    double ns; /* FOUND: the METG; BELOW/ABOVE: the bound */
};

/* A line of idle.csv (bench/micro/idle.c writes it). */
struct idle_row {
    char exec[64], error[256];
    unsigned workers, samples;
    double window_s, burst_cpu_s, steady_cpu_s, wake_p50_ns, wake_p99_ns;
};

/* A line of memory.csv (bench/micro/idle.c writes it). */
struct mem_row {
    char exec[64], how[160], error[256];
    unsigned workers;
    double tasks, base_kb, peak_kb, bytes_per_task;
};

struct extras {
    unsigned ncpus; /* context.txt's online_cpus, 0 if unknown */
    struct gpt *g;  /* sorted by shape, workers, model, ns once charted */
    size_t ng, capg;
    struct metg *m; /* by shape, workers, model */
    size_t nm, capm;
    struct idle_row *idle;
    size_t nidle, capidle;
    struct mem_row *mem;
    size_t nmem, capmem;
    int idle_read, mem_read; /* the file was there */
};

void grain_take(struct report *rp, struct extras *x);
int grain_charts(struct report *rp, struct extras *x);
void grain_readme(FILE *f, const struct extras *x);
const struct metg *metg_find(const struct extras *x, const char *exec, int tree, unsigned workers);
struct num metg_text(const struct metg *m);

/* Splits a CSV line in place at commas (no quoting: the writers never emit
 * commas in fields); returns the field count, at most cap. */
size_t csv_fields(char *line, char **f, size_t cap);

/* One line of a CSV file: its fields. */
typedef void (*extras_row_fn)(struct extras *x, char **v);

/* Reads rp->dir/name: each line after the header must have nf fields and is
 * given to row. 0 (*found: whether the file is there), or -1 after saying why. */
int extras_csv(const struct report *rp, const char *name, size_t nf, extras_row_fn row,
               struct extras *x, int *found);

int idle_load(const struct report *rp, struct extras *x);
int idle_chart(struct report *rp, struct extras *x);
void idle_readme(FILE *f, const struct extras *x);
int memory_load(const struct report *rp, struct extras *x);
int memory_chart(struct report *rp, struct extras *x);
void memory_readme(FILE *f, const struct extras *x);

#endif /* WSBENCH_REPORT_EXTRAS_H */
