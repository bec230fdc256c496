/*
 * report.h - what the parts of wsreport (bench/report/) share: the rows of
 * results.csv, the report they make, and each part's entry points.
 *
 *   csv.c          results.csv -> rows (core/schema.h's columns)
 *   select.c       one statistic per benchmark, order, cases
 *   chart.c        chart files and gnuplot pieces; chart_*.c one chart kind each
 *   gnuplot.c      drawing the SVGs
 *   verdict.c      verdicts
 *   readme.c       README.md
 *   util.c         memory, strings, numbers
 *   wsreport.c     the command line
 */
#ifndef WSBENCH_REPORT_H
#define WSBENCH_REPORT_H

/*
 * wsreport.c - turns a wsbench results directory into charts and a README.
 *
 *   wsreport <results-dir> [--no-charts] [--index FILE]
 *
 * Reads <dir>/results.csv (the format is fixed in results.h), and
 * <dir>/context.txt and <dir>/command.txt where present. Writes:
 *   <dir>/charts/<chart>.dat and .gp  gnuplot data and scripts, kept so that
 *                                     anyone can redraw or tweak a chart
 *   <dir>/charts/<chart>.svg          drawn by running gnuplot on each script
 *   <dir>/README.md                   the charts, commentary and verdicts
 *   FILE (--index; beside <dir>)      the same page, its links led into <dir>
 *                                     (wsbench keeps results/README.md so)
 * and prints the verdict table (markdown) on stdout.
 *
 * Every sentence of commentary and every verdict is computed from the
 * numbers in results.csv; none is written in advance.
 *
 * Structure: CSV parsing (csv_*), choosing one statistic per benchmark
 * (select_*), grouping into cases (one workload with one parameter set), one
 * function per chart kind (chart_*), running gnuplot (gnuplot_*), verdicts
 * (verdict_*) and the README (readme_*).
 *
 * Exit status: 0 done; 1 bad or unreadable input, a write error, or a chart
 * gnuplot failed to draw; 2 bad arguments.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/schema.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Appends val to a growable array arr of n elements and capacity cap. */
#define PUSH(arr, n, cap, val)                                                                     \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            (cap) = (cap) ? 2 * (cap) : 16;                                                        \
            (arr) = xrealloc((arr), (cap) * sizeof(*(arr)));                                       \
        }                                                                                          \
        (arr)[(n)++] = (val);                                                                      \
    } while (0)

/* A growable string. */
struct sbuf {
    char *s;
    size_t len, cap;
};

/* A formatted number, returned by value so that several fit in one printf. */
struct num {
    char s[64];
};

struct unit {
    double div;
    const char *name;
};

struct row {
    unsigned line; /* in results.csv, from 1 (the header) */
    char *buf;     /* the line, split in place: the text fields point into it */
    const char *name, *workload, *kind, *executor, *params, *stat, *error;
    unsigned workers, reps;
    double real_ns, cpu_ns, tasks, tasks_per_s;
    double pct_ns[4]; /* p50, p90, p99, p99.9 */
    double speedup_serial, speedup_1, max_rss_kb;
    double spread; /* computed, on picks: (max - min) / median of the repetitions' wall
                      times; 0 with fewer than 2 repetitions */
};

struct results {
    struct row *rows;
    size_t n, cap;
};

struct exec_style {
    const char *name;
    const char *color;
    int pt; /* gnuplot point type */
};

/* One workload with one parameter set: a chart of each kind, a verdict. */
struct wcase {
    const char *workload, *params, *kind;
    char label[160];         /* "fib", or "uts (tree:T3)" when uts has several parameter sets */
    char slug[160];          /* for file names: "fib", "uts_tree-T3" */
    const struct row **rows; /* executors in palette order, then workers ascending */
    size_t n;
};

enum section { SEC_SPEEDUP, SEC_THROUGHPUT, SEC_LATENCY, SEC_OVERHEAD, SEC_CPUWALL, NSEC };

struct chart {
    enum section sec;
    char base[200];    /* file name in charts/, without extension */
    char heading[200]; /* the README's sub-heading */
    struct sbuf text;  /* generated commentary */
    int drawn;         /* the SVG was drawn by this run */
};

enum draw_state { DRAW_YES, DRAW_DISABLED, DRAW_NO_GNUPLOT };

struct report {
    const char *dir;
    char csv_path[PATH_MAX], charts_dir[PATH_MAX];
    struct results res;
    const struct row **picks; /* the chosen row of each benchmark, sorted by cmp_key */
    size_t npicks, cap_picks;
    const struct row **failed; /* rows with an error */
    size_t nfailed, cap_failed;
    const struct row **fallback; /* picks that are not medians */
    size_t nfallback, cap_fallback;
    const struct row **unusable; /* benchmarks with only stddev/min/max rows */
    size_t nunusable, cap_unusable;
    const struct row **noisy; /* picks whose spread exceeds NOISY_SPREAD */
    size_t nnoisy, cap_noisy;
    unsigned reps_min, reps_max; /* over the median picks */
    struct wcase *cases;
    size_t ncases, cap_cases;
    struct chart *charts;
    size_t ncharts, cap_charts;
    enum draw_state draw;
    int draw_failures;
};

/* Repetitions this far apart (relative to the median) make a benchmark noisy. */
#define NOISY_SPREAD 0.10

/* One executor's rows of a case, workers ascending. */
struct series {
    const char *exec;
    const struct row **rows;
    size_t n;
};

/* The best (highest) value of metric over a series, and its first and last
 * points; rows where the metric is 0 are ignored. */
struct summary {
    const struct row *best, *first, *last;
    double best_v, first_v, last_v;
};

typedef double (*metric_fn)(const struct row *r, const struct row *ctx);

struct verdict {
    const struct wcase *c;
    int by_tps; /* 1: throughput decides (IO-bound, mixed); 0: wall time (CPU-bound) */
    const struct row *win, *runner, *serial;
    double win_v, runner_v, serial_v; /* scores: higher is better */
};

void *xrealloc(void *p, size_t n);

char *xstrdup(const char *s);

void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *sb_str(const struct sbuf *b);

/* 3 significant digits, no exponent: 1.85, 54.0, 123, 12300. */
struct num fmt_sig3(double v);

/* "54.0 ms" */
struct num fmt_ns(double ns);

/* "40.0k tasks/s" */
struct num fmt_rate(double per_s);

/* A count of things: "64", "756", "1.35M" */
struct num fmt_count(double v);

/* "1.85x" */
struct num fmt_ratio(double r);

/* "1 worker", "64 workers" */
struct num fmt_workers(unsigned w);

/* The whole of a small text file, NUL-terminated, or NULL if it does not
 * exist (*err = 0) or cannot be read (*err = errno). */
char *read_text(const char *path, int *err);

/* Reads path into res. 0, or -1 after printing the error with its line. */
int csv_load(const char *path, struct results *res);

struct exec_style exec_style(const char *name);

int exec_rank(const char *name);

int is_serial(const char *exec);

/* A benchmark: workload, params, executor, workers. */
int cmp_key(const struct row *a, const struct row *b);

/* Preference among the rows of one benchmark: lower is better; >= 4 unusable. */
int stat_rank(const char *stat);

int cmp_rows(const void *pa, const void *pb);

/*
 * Chooses one row per benchmark: the median, else the mean, else rep0 (or
 * the first repetition). A benchmark with any failed row is left out and its
 * failed rows listed. 0, or -1 after printing an error (a duplicate row, a
 * workload with two kinds).
 */
int select_rows(struct report *rp);

/* Groups the picks into cases (they are sorted by workload, then params). */
void build_cases(struct report *rp);

/* Splits a case into series; returns their count and a malloc'd array. */
size_t case_series(const struct wcase *c, struct series **out);

const struct series *find_serial(const struct series *s, size_t ns);

double row_tps(const struct row *r);

/* Speedup against the serial twin's row ser, or the speedup_serial column
 * when this case has no serial twin; 0 if neither is known. */
double row_speedup(const struct row *r, const struct row *ser);

/* Sorted distinct worker counts of a case, in a malloc'd array. */
size_t case_workers(const struct wcase *c, unsigned **out);

/* Closes f; -1 (with a message) if anything written to it was lost. */
int file_close(FILE *f, const char *what);

int chart_close(const struct chart *c, FILE *dat, FILE *gp);

/* Adds a chart and opens its data file and script; NULL on failure. */
struct chart *chart_begin(struct report *rp, enum section sec, const char *heading,
                          const char *kind, const char *slug, FILE **dat, FILE **gp);

/* A gnuplot string literal: single quotes, with embedded quotes doubled. */
void gp_string(FILE *f, const char *s);

/* Terminal, output, title, labels and the common look of every chart. */
void gp_preamble(FILE *f, const struct chart *c, int width, const char *title, const char *xlabel,
                 const char *ylabel);

/* A log axis range of whole decades around [lo, hi] (both > 0), with room
 * below lo so that the smallest bar still shows. */
void decades(double lo, double hi, double *dlo, double *dhi);

/* A log y axis over [dlo, dhi]; ticks at 1, 2 and 5 of each decade when the
 * axis spans at most two decades (else gnuplot's decades), labelled with SI
 * prefixes and unit (e.g. "s": "100 ms"). */
void gp_log_y(FILE *gp, double dlo, double dhi, const char *unit);

/* One plot clause of a line chart: a series' points and line in style st,
 * titled st.name (chart.c's executor lines, the servers suite's models). */
void gp_styled_line_clause(struct sbuf *plot, const struct chart *c, int block,
                           struct exec_style st);

/* One plot clause of a bar chart: an executor's bars (boxxyerror columns). */
void gp_bar_clause(struct sbuf *plot, const struct chart *c, int block, const char *exec);

/* Writes one bar: x centre, half width, value, and the bar's foot on the axis. */
void dat_bar(FILE *dat, double x, double half, double v, double foot);

void gp_xtics_workers(FILE *gp, const unsigned *w, size_t nw);

struct summary summarise(const struct series *s,
                         double (*metric)(const struct row *, const struct row *),
                         const struct row *ctx);

/* For each series with a value of metric: a data block (workers, value,
 * real_ns) and its line in the plot command. */
void lines_write(FILE *dat, struct sbuf *plot, const struct chart *ch, const struct series *s,
                 size_t ns, metric_fn metric, const struct row *ctx);

double metric_tps(const struct row *r, const struct row *unused);

int chart_speedup(struct report *rp, const struct wcase *c);

int chart_throughput(struct report *rp, const struct wcase *c);

int chart_latency(struct report *rp, const struct wcase *c);

int chart_overhead(struct report *rp);

int chart_cpuwall(struct report *rp);

/* Writes the .dat and .gp files of every chart. 0, or -1 on a write error. */
int charts_write(struct report *rp);

void gnuplot_draw_all(struct report *rp);

/* Each executor at its best worker count; the two best, and serial. */
int verdict_compute(const struct wcase *c, struct verdict *v);

/* The verdict table and one sentence per workload, in markdown. */
void verdict_write(FILE *f, const struct verdict *v, size_t nv);

/* Writes path through a temporary file: the run's README or, with index set,
 * the same page for the directory above the run, its links led into the
 * run. 0 or -1. */
int readme_write(const struct report *rp, const struct verdict *v, size_t nv, const char *ctx,
                 const char *cmd, const char *path, int index);

#endif /* WSBENCH_REPORT_H */
