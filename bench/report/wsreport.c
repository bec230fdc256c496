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

static void usage(FILE *f)
{
    fprintf(f, "usage: wsreport <results-dir> [--no-charts] [--index FILE]\n"
               "  Reads <results-dir>/results.csv (written by wsbench), context.txt and\n"
               "  command.txt; writes charts/*.dat, *.gp and (with gnuplot) *.svg, and\n"
               "  README.md; prints the verdict table on stdout.\n"
               "  --no-charts    write the gnuplot data and scripts but do not run gnuplot\n"
               "  --index FILE   also write the page as FILE, in the directory holding\n"
               "                 <results-dir>, its links led into <results-dir>\n");
}

/* ------------------------------------------------------------------------ */
/* Memory, strings and numbers                                               */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "wsreport: out of memory\n");
        exit(1);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

/* A growable string. */
struct sbuf {
    char *s;
    size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = 2 * (b->len + (size_t)n + 1);
        b->s = xrealloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static const char *sb_str(const struct sbuf *b)
{
    return b->s ? b->s : "";
}

/* A formatted number, returned by value so that several fit in one printf. */
struct num {
    char s[64];
};

/* v rounded to 3 significant digits. */
static double round_sig3(double v)
{
    if (v == 0.0 || !isfinite(v))
        return v;
    double scale = pow(10.0, floor(log10(fabs(v))) - 2.0);
    return round(v / scale) * scale;
}

/* 3 significant digits, no exponent: 1.85, 54.0, 123, 12300. */
static struct num fmt_sig3(double v)
{
    struct num n;
    double r = round_sig3(v);
    if (!isfinite(r)) {
        snprintf(n.s, sizeof(n.s), "n/a");
    } else if (r == 0.0) {
        snprintf(n.s, sizeof(n.s), "0");
    } else {
        int e = (int)floor(log10(fabs(r)) + 1e-9);
        int decimals = e >= 2 ? 0 : 2 - e;
        snprintf(n.s, sizeof(n.s), "%.*f", decimals, r);
    }
    return n;
}

struct unit {
    double div;
    const char *name;
};

static const struct unit time_units[] = {{1, "ns"}, {1e3, "us"}, {1e6, "ms"}, {1e9, "s"}};
static const struct unit count_units[] = {{1, ""}, {1e3, "k"}, {1e6, "M"}, {1e9, "G"}};

/* 3 significant digits in the largest unit that keeps the value >= 1. */
static struct num fmt_scaled(double v, const struct unit *u, size_t nu, const char *sep,
                             const char *suffix)
{
    double r = round_sig3(v);
    size_t i = 0;
    while (i + 1 < nu && fabs(r) >= u[i + 1].div)
        i++;
    struct num a = fmt_sig3(r / u[i].div), n;
    snprintf(n.s, sizeof(n.s), "%.32s%s%s%s", a.s, sep, u[i].name, suffix);
    return n;
}

/* "54.0 ms" */
static struct num fmt_ns(double ns)
{
    return fmt_scaled(ns, time_units, ARRAY_LEN(time_units), " ", "");
}

/* "40.0k tasks/s" */
static struct num fmt_rate(double per_s)
{
    return fmt_scaled(per_s, count_units, ARRAY_LEN(count_units), "", " tasks/s");
}

/* A count of things: "64", "756", "1.35M" */
static struct num fmt_count(double v)
{
    struct num n;
    if (v >= 0 && v < 1000 && v == floor(v)) {
        snprintf(n.s, sizeof(n.s), "%.0f", v);
        return n;
    }
    return fmt_scaled(v, count_units, ARRAY_LEN(count_units), "", "");
}

/* "1.85x" */
static struct num fmt_ratio(double r)
{
    struct num a = fmt_sig3(r), n;
    snprintf(n.s, sizeof(n.s), "%.32sx", a.s);
    return n;
}

/* "1 worker", "64 workers" */
static struct num fmt_workers(unsigned w)
{
    struct num n;
    snprintf(n.s, sizeof(n.s), "%u worker%s", w, w == 1 ? "" : "s");
    return n;
}

/* The whole of a small text file, NUL-terminated, or NULL if it does not
 * exist (*err = 0) or cannot be read (*err = errno). */
static char *read_text(const char *path, int *err)
{
    *err = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno != ENOENT)
            *err = errno;
        return NULL;
    }
    struct sbuf b = {0};
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        sb_printf(&b, "%.*s", (int)got, chunk);
    if (ferror(f))
        *err = EIO;
    fclose(f);
    if (*err) {
        free(b.s);
        return NULL;
    }
    if (b.s == NULL)
        b.s = xstrdup("");
    while (b.len > 0 && (b.s[b.len - 1] == '\n' || b.s[b.len - 1] == '\r'))
        b.s[--b.len] = '\0';
    return b.s;
}

/* ------------------------------------------------------------------------ */
/* results.csv                                                                */

enum col {
    COL_NAME,
    COL_WORKLOAD,
    COL_KIND,
    COL_EXECUTOR,
    COL_PARAMS,
    COL_WORKERS,
    COL_STAT,
    COL_REPS,
    COL_REAL,
    COL_CPU,
    COL_TASKS,
    COL_TPS,
    COL_P50,
    COL_P90,
    COL_P99,
    COL_P999,
    COL_SP_SERIAL,
    COL_SP_1,
    COL_RSS,
    COL_ERROR,
    NCOLS
};

/* The column names in enum order; checked against WSBENCH_CSV_HEADER at
 * start-up, so a change to results.h cannot silently shift columns. */
static const char *const col_names[NCOLS] = {
    "name",   "workload", "kind",           "executor",  "params",      "workers", "stat",
    "reps",   "real_ns",  "cpu_ns",         "tasks",     "tasks_per_s", "p50_ns",  "p90_ns",
    "p99_ns", "p999_ns",  "speedup_serial", "speedup_1", "max_rss_kb",  "error"};

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

static int header_matches_enum(void)
{
    char hdr[] = WSBENCH_CSV_HEADER;
    char *save = NULL, *tok = strtok_r(hdr, ",", &save);
    for (size_t i = 0; i < NCOLS; i++, tok = strtok_r(NULL, ",", &save))
        if (tok == NULL || strcmp(tok, col_names[i]) != 0)
            return 0;
    return tok == NULL;
}

/* Letters, digits and _ . + - : the names of workloads, kinds, executors. */
static int is_ident(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.+-", *s))
            return 0;
    return 1;
}

/* "key:value" pairs joined by '/', or empty. */
static int is_params(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.+-:/=", *s))
            return 0;
    return 1;
}

static int is_stat(const char *s)
{
    static const char *const aggregates[] = {"median", "mean", "stddev", "min", "max"};
    for (size_t i = 0; i < ARRAY_LEN(aggregates); i++)
        if (strcmp(s, aggregates[i]) == 0)
            return 1;
    if (strncmp(s, "rep", 3) != 0 || s[3] == '\0')
        return 0;
    for (s += 3; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* A non-negative finite decimal number; "" is 0 when allow_empty. */
static int parse_num(const char *s, int allow_empty, double *out)
{
    if (*s == '\0') {
        *out = 0;
        return allow_empty ? 0 : -1;
    }
    if (!isdigit((unsigned char)*s) && *s != '.')
        return -1; /* no sign, space, "nan" or "inf" */
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_count(const char *s, int allow_empty, unsigned lo, unsigned *out)
{
    double v;
    if (parse_num(s, allow_empty, &v) != 0 || v != floor(v) || v > 1e7)
        return -1;
    if (*s != '\0' && v < lo)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Splits one data line (in place) into r; 0, or -1 with err filled. */
static int csv_parse_line(char *buf, struct row *r, char *err, size_t errlen)
{
    char *f[NCOLS];
    size_t nf = 0;
    for (char *p = buf;;) {
        char *comma = strchr(p, ',');
        if (nf < NCOLS)
            f[nf] = p;
        nf++;
        if (comma == NULL)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    if (nf != NCOLS) {
        snprintf(err, errlen, "expected %d comma-separated fields, found %zu", NCOLS, nf);
        return -1;
    }
    for (size_t i = 0; i < NCOLS; i++)
        for (const char *c = f[i]; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                snprintf(err, errlen, "field '%s' contains a control character", col_names[i]);
                return -1;
            }

    r->name = f[COL_NAME];
    r->workload = f[COL_WORKLOAD];
    r->kind = f[COL_KIND];
    r->executor = f[COL_EXECUTOR];
    r->params = f[COL_PARAMS];
    r->stat = f[COL_STAT];
    r->error = f[COL_ERROR];
    if (*r->name == '\0') {
        snprintf(err, errlen, "empty 'name'");
        return -1;
    }
    if (!is_ident(r->workload) || !is_ident(r->executor)) {
        snprintf(err, errlen,
                 "'workload' and 'executor' must be non-empty names of letters, "
                 "digits and _.+- (got \"%.40s\", \"%.40s\")",
                 r->workload, r->executor);
        return -1;
    }
    if (strcmp(r->kind, "cpu") && strcmp(r->kind, "io") && strcmp(r->kind, "mixed") &&
        strcmp(r->kind, "micro")) {
        snprintf(err, errlen, "'kind' must be cpu, io, mixed or micro, not \"%.40s\"", r->kind);
        return -1;
    }
    if (!is_params(r->params)) {
        snprintf(err, errlen, "'params' must be key:value pairs joined by '/', not \"%.60s\"",
                 r->params);
        return -1;
    }
    if (!is_stat(r->stat)) {
        snprintf(err, errlen,
                 "'stat' must be median, mean, stddev, min, max or rep<k>, not \"%.40s\"", r->stat);
        return -1;
    }

    /* A failed run may leave its measurements empty. */
    int failed = *r->error != '\0';
    if (parse_count(f[COL_WORKERS], failed, 1, &r->workers)) {
        snprintf(err, errlen, "'workers' must be an integer >= 1, not \"%.40s\"", f[COL_WORKERS]);
        return -1;
    }
    if (parse_count(f[COL_REPS], failed, 0, &r->reps)) {
        snprintf(err, errlen, "'reps' must be an integer >= 0, not \"%.40s\"", f[COL_REPS]);
        return -1;
    }
    static const struct {
        enum col col;
        size_t off;
    } nums[] = {
        {COL_REAL, offsetof(struct row, real_ns)},
        {COL_CPU, offsetof(struct row, cpu_ns)},
        {COL_TASKS, offsetof(struct row, tasks)},
        {COL_TPS, offsetof(struct row, tasks_per_s)},
        {COL_P50, offsetof(struct row, pct_ns[0])},
        {COL_P90, offsetof(struct row, pct_ns[1])},
        {COL_P99, offsetof(struct row, pct_ns[2])},
        {COL_P999, offsetof(struct row, pct_ns[3])},
        {COL_SP_SERIAL, offsetof(struct row, speedup_serial)},
        {COL_SP_1, offsetof(struct row, speedup_1)},
        {COL_RSS, offsetof(struct row, max_rss_kb)},
    };
    for (size_t i = 0; i < ARRAY_LEN(nums); i++) {
        double v;
        if (parse_num(f[nums[i].col], failed, &v)) {
            snprintf(err, errlen, "'%s' must be a non-negative number, not \"%.40s\"",
                     col_names[nums[i].col], f[nums[i].col]);
            return -1;
        }
        memcpy((char *)r + nums[i].off, &v, sizeof(v));
    }
    return 0;
}

/* Reads path into res. 0, or -1 after printing the error with its line. */
static int csv_load(const char *path, struct results *res)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "wsreport: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL, err[256];
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) != -1) {
        lineno++;
        if (strlen(line) != (size_t)len) {
            fprintf(stderr, "wsreport: %s:%u: the line contains a NUL byte\n", path, lineno);
            rc = -1;
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0) {
            fprintf(stderr, "wsreport: %s:%u: empty line\n", path, lineno);
            rc = -1;
            break;
        }
        if (lineno == 1) {
            if (strcmp(line, WSBENCH_CSV_HEADER) != 0) {
                fprintf(stderr,
                        "wsreport: %s:1: the header is not the one in results.h\n"
                        "  expected: %s\n  found:    %.300s\n",
                        path, WSBENCH_CSV_HEADER, line);
                rc = -1;
            }
            continue;
        }
        struct row r = {.line = lineno, .buf = xstrdup(line)};
        if (csv_parse_line(r.buf, &r, err, sizeof(err)) != 0) {
            fprintf(stderr, "wsreport: %s:%u: %s\n  the line: %.200s\n", path, lineno, err, line);
            free(r.buf);
            rc = -1;
            break;
        }
        PUSH(res->rows, res->n, res->cap, r);
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "wsreport: error reading %s\n", path);
        rc = -1;
    }
    if (rc == 0 && lineno == 0) {
        fprintf(stderr, "wsreport: %s is empty (expected the header line)\n", path);
        rc = -1;
    } else if (rc == 0 && res->n == 0) {
        fprintf(stderr, "wsreport: %s has a header but no rows\n", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Executors, workloads and their order                                      */

struct exec_style {
    const char *name;
    const char *color;
    int pt; /* gnuplot point type */
};

/* One colour per executor, the same in every chart: the Okabe-Ito palette,
 * which stays distinguishable with the common colour-vision deficiencies. */
static const struct exec_style known_execs[] = {
    {"serial", "#4d4d4d", 7},     /* grey, filled circle */
    {"threadpool", "#e69f00", 5}, /* orange, filled square */
    {"procpool", "#cc79a7", 9},   /* reddish purple, filled triangle */
    {"stealing", "#0072b2", 13},  /* blue, filled diamond */
    {"openmp", "#d55e00", 11},    /* vermilion, filled inverted triangle */
    {"tbb", "#009e73", 15},       /* bluish green, filled pentagon */
};

/* Executors not in the table get a colour from their name, so it is also
 * the same in every chart. */
static const char *const spare_colors[] = {"#56b4e9", "#999933", "#882255", "#44aa99"};

static struct exec_style exec_style(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(known_execs); i++)
        if (strcmp(name, known_execs[i].name) == 0)
            return known_execs[i];
    unsigned h = 5381;
    for (const char *p = name; *p; p++)
        h = h * 33 + (unsigned char)*p;
    struct exec_style s = {name, spare_colors[h % ARRAY_LEN(spare_colors)], 6};
    return s;
}

static int exec_rank(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(known_execs); i++)
        if (strcmp(name, known_execs[i].name) == 0)
            return (int)i;
    return (int)ARRAY_LEN(known_execs);
}

static int is_serial(const char *exec)
{
    return strcmp(exec, "serial") == 0;
}

/* Workloads in the order of results.h (CPU, IO, mixed), others after. */
static int workload_rank(const char *name)
{
    static const char *const order[] = {"fib",   "nqueens", "uts",    "matmul", "sort",
                                        "sleep", "pipe",    "socket", "file",   "mixed"};
    for (size_t i = 0; i < ARRAY_LEN(order); i++)
        if (strcmp(name, order[i]) == 0)
            return (int)i;
    return (int)ARRAY_LEN(order);
}

static int cmp_int(int a, int b)
{
    return (a > b) - (a < b);
}

/* A benchmark: workload, params, executor, workers. */
static int cmp_key(const struct row *a, const struct row *b)
{
    int c = cmp_int(workload_rank(a->workload), workload_rank(b->workload));
    if (c == 0)
        c = strcmp(a->workload, b->workload);
    if (c == 0)
        c = strverscmp(a->params, b->params);
    if (c == 0)
        c = cmp_int(exec_rank(a->executor), exec_rank(b->executor));
    if (c == 0)
        c = strcmp(a->executor, b->executor);
    if (c == 0)
        c = cmp_int((int)a->workers, (int)b->workers);
    return c;
}

/* Preference among the rows of one benchmark: lower is better; >= 4 unusable. */
static int stat_rank(const char *stat)
{
    if (strcmp(stat, "median") == 0)
        return 0;
    if (strcmp(stat, "mean") == 0)
        return 1;
    if (strcmp(stat, "rep0") == 0)
        return 2;
    if (strncmp(stat, "rep", 3) == 0)
        return 3;
    return 4;
}

static int cmp_rows(const void *pa, const void *pb)
{
    const struct row *a = *(const struct row *const *)pa, *b = *(const struct row *const *)pb;
    int c = cmp_key(a, b);
    if (c == 0)
        c = cmp_int(stat_rank(a->stat), stat_rank(b->stat));
    if (c == 0)
        c = strverscmp(a->stat, b->stat);
    if (c == 0)
        c = cmp_int((int)a->line, (int)b->line);
    return c;
}

/* ------------------------------------------------------------------------ */
/* The report: one statistic per benchmark, benchmarks grouped into cases    */

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

/* The spread of the wall times of rows [i, j) that are repetitions. */
static double rep_spread(const struct row *const *rows, size_t i, size_t j)
{
    double lo = INFINITY, hi = 0, v[64];
    size_t n = 0;
    for (size_t k = i; k < j; k++) {
        if (strncmp(rows[k]->stat, "rep", 3) != 0 || !(rows[k]->real_ns > 0))
            continue;
        lo = fmin(lo, rows[k]->real_ns);
        hi = fmax(hi, rows[k]->real_ns);
        if (n < ARRAY_LEN(v))
            v[n++] = rows[k]->real_ns;
    }
    if (n < 2)
        return 0;
    /* The median of the repetitions (of the first 64: enough to scale by). */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && v[b - 1] > v[b]; b--) {
            double t = v[b];
            v[b] = v[b - 1];
            v[b - 1] = t;
        }
    double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return (hi - lo) / med;
}

/*
 * Chooses one row per benchmark: the median, else the mean, else rep0 (or
 * the first repetition). A benchmark with any failed row is left out and its
 * failed rows listed. 0, or -1 after printing an error (a duplicate row, a
 * workload with two kinds).
 */
static int select_rows(struct report *rp)
{
    size_t n = rp->res.n;
    const struct row **idx = xrealloc(NULL, n * sizeof(*idx));
    for (size_t i = 0; i < n; i++)
        idx[i] = &rp->res.rows[i];
    qsort(idx, n, sizeof(*idx), cmp_rows);

    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0 && strcmp(idx[i]->workload, idx[i - 1]->workload) == 0 &&
            strcmp(idx[i]->kind, idx[i - 1]->kind) != 0) {
            fprintf(stderr,
                    "wsreport: %s: workload %s has two kinds: %s on line %u, %s on line %u\n",
                    rp->csv_path, idx[i]->workload, idx[i - 1]->kind, idx[i - 1]->line,
                    idx[i]->kind, idx[i]->line);
            rc = -1;
        }
    }
    for (size_t i = 0, j; i < n && rc == 0; i = j) {
        int failed = 0;
        for (j = i; j < n && cmp_key(idx[i], idx[j]) == 0; j++) {
            if (j > i && strcmp(idx[j]->stat, idx[j - 1]->stat) == 0) {
                fprintf(stderr, "wsreport: %s:%u: duplicate of line %u (%s, stat %s)\n",
                        rp->csv_path, idx[j]->line, idx[j - 1]->line, idx[j]->name, idx[j]->stat);
                rc = -1;
            }
            if (*idx[j]->error) {
                PUSH(rp->failed, rp->nfailed, rp->cap_failed, idx[j]);
                failed = 1;
            }
        }
        if (failed)
            continue;
        const struct row *best = idx[i]; /* the best statistic sorts first */
        if (stat_rank(best->stat) >= 4) {
            PUSH(rp->unusable, rp->nunusable, rp->cap_unusable, best);
            continue;
        }
        PUSH(rp->picks, rp->npicks, rp->cap_picks, best);
        ((struct row *)best)->spread = rep_spread(idx, i, j); /* a row of rp->res */
        if (best->spread > NOISY_SPREAD)
            PUSH(rp->noisy, rp->nnoisy, rp->cap_noisy, best);
        if (stat_rank(best->stat) > 0) {
            PUSH(rp->fallback, rp->nfallback, rp->cap_fallback, best);
        } else {
            if (rp->reps_max == 0 || best->reps < rp->reps_min)
                rp->reps_min = best->reps;
            if (best->reps > rp->reps_max)
                rp->reps_max = best->reps;
        }
    }
    free(idx);
    return rc;
}

static void slugify(char *out, size_t outlen, const char *workload, const char *params)
{
    if (*params == '\0') {
        snprintf(out, outlen, "%s", workload);
    } else {
        snprintf(out, outlen, "%s_%s", workload, params);
    }
    for (char *p = out; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            *p = '-';
}

/* Groups the picks into cases (they are sorted by workload, then params). */
static void build_cases(struct report *rp)
{
    for (size_t i = 0, j; i < rp->npicks; i = j) {
        const struct row *r = rp->picks[i];
        for (j = i; j < rp->npicks && strcmp(rp->picks[j]->workload, r->workload) == 0 &&
                    strcmp(rp->picks[j]->params, r->params) == 0;
             j++)
            ;
        struct wcase c = {r->workload, r->params, r->kind, "", "", &rp->picks[i], j - i};
        PUSH(rp->cases, rp->ncases, rp->cap_cases, c);
    }
    for (size_t i = 0; i < rp->ncases; i++) {
        struct wcase *c = &rp->cases[i];
        int several = (i > 0 && strcmp(rp->cases[i - 1].workload, c->workload) == 0) ||
                      (i + 1 < rp->ncases && strcmp(rp->cases[i + 1].workload, c->workload) == 0);
        if (several) {
            snprintf(c->label, sizeof(c->label), "%s (%s)", c->workload, c->params);
            slugify(c->slug, sizeof(c->slug), c->workload, c->params);
        } else {
            snprintf(c->label, sizeof(c->label), "%s", c->workload);
            slugify(c->slug, sizeof(c->slug), c->workload, "");
        }
    }
}

/* One executor's rows of a case, workers ascending. */
struct series {
    const char *exec;
    const struct row **rows;
    size_t n;
};

/* Splits a case into series; returns their count and a malloc'd array. */
static size_t case_series(const struct wcase *c, struct series **out)
{
    struct series *s = xrealloc(NULL, (c->n ? c->n : 1) * sizeof(*s));
    size_t ns = 0;
    for (size_t i = 0, j; i < c->n; i = j) {
        for (j = i; j < c->n && strcmp(c->rows[j]->executor, c->rows[i]->executor) == 0; j++)
            ;
        s[ns++] = (struct series){c->rows[i]->executor, &c->rows[i], j - i};
    }
    *out = s;
    return ns;
}

static const struct series *find_serial(const struct series *s, size_t ns)
{
    for (size_t i = 0; i < ns; i++)
        if (is_serial(s[i].exec))
            return &s[i];
    return NULL;
}

static double row_tps(const struct row *r)
{
    if (r->tasks_per_s > 0)
        return r->tasks_per_s;
    if (r->real_ns > 0 && r->tasks > 0)
        return r->tasks * 1e9 / r->real_ns;
    return 0;
}

/* Speedup against the serial twin's row ser, or the speedup_serial column
 * when this case has no serial twin; 0 if neither is known. */
static double row_speedup(const struct row *r, const struct row *ser)
{
    if (ser != NULL && ser->real_ns > 0 && r->real_ns > 0)
        return ser->real_ns / r->real_ns;
    return r->speedup_serial;
}

/* Sorted distinct worker counts of a case, in a malloc'd array. */
static size_t case_workers(const struct wcase *c, unsigned **out)
{
    unsigned *w = xrealloc(NULL, (c->n ? c->n : 1) * sizeof(*w));
    size_t nw = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t k = 0;
        while (k < nw && w[k] < c->rows[i]->workers)
            k++;
        if (k < nw && w[k] == c->rows[i]->workers)
            continue;
        memmove(&w[k + 1], &w[k], (nw - k) * sizeof(*w));
        w[k] = c->rows[i]->workers;
        nw++;
    }
    *out = w;
    return nw;
}

/* ------------------------------------------------------------------------ */
/* Chart files                                                                */

static struct chart *chart_add(struct report *rp, enum section sec, const char *heading,
                               const char *kind, const char *slug)
{
    struct chart c = {.sec = sec};
    if (slug != NULL)
        snprintf(c.base, sizeof(c.base), "%s_%s", kind, slug);
    else
        snprintf(c.base, sizeof(c.base), "%s", kind);
    snprintf(c.heading, sizeof(c.heading), "%s", heading);
    PUSH(rp->charts, rp->ncharts, rp->cap_charts, c);
    return &rp->charts[rp->ncharts - 1];
}

static FILE *chart_open(const struct report *rp, const struct chart *c, const char *ext)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s.%s", rp->charts_dir, c->base, ext) >=
        (int)sizeof(path)) {
        fprintf(stderr, "wsreport: path too long: %s/%s.%s\n", rp->charts_dir, c->base, ext);
        return NULL;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "wsreport: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

/* Closes f; -1 (with a message) if anything written to it was lost. */
static int file_close(FILE *f, const char *what)
{
    if (f == NULL)
        return -1;
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "wsreport: error writing %s\n", what);
        return -1;
    }
    return 0;
}

static int chart_close(const struct chart *c, FILE *dat, FILE *gp)
{
    int a = file_close(dat, c->base), b = file_close(gp, c->base);
    return a || b ? -1 : 0;
}

/* Adds a chart and opens its data file and script; NULL on failure. */
static struct chart *chart_begin(struct report *rp, enum section sec, const char *heading,
                                 const char *kind, const char *slug, FILE **dat, FILE **gp)
{
    struct chart *ch = chart_add(rp, sec, heading, kind, slug);
    *dat = chart_open(rp, ch, "dat");
    *gp = chart_open(rp, ch, "gp");
    if (*dat == NULL || *gp == NULL) {
        chart_close(ch, *dat, *gp);
        return NULL;
    }
    return ch;
}

/* A gnuplot string literal: single quotes, with embedded quotes doubled. */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static void gp_set(FILE *f, const char *what, const char *s)
{
    fprintf(f, "set %s ", what);
    gp_string(f, s);
    fputc('\n', f);
}

/* Terminal, output, title, labels and the common look of every chart. */
static void gp_preamble(FILE *f, const struct chart *c, int width, const char *title,
                        const char *xlabel, const char *ylabel)
{
    fprintf(f,
            "# %s\n"
            "# Written by wsreport from ../results.csv; data in %s.dat.\n"
            "# Redraw in this directory with: gnuplot %s.gp\n",
            title, c->base, c->base);
    fprintf(f,
            "set terminal svg size %d,540 dynamic noenhanced font 'sans-serif,14' "
            "background rgb 'white'\n"
            "set encoding utf8\n"
            "set output '%s.svg'\n",
            width, c->base);
    gp_set(f, "title", title);
    gp_set(f, "xlabel", xlabel);
    gp_set(f, "ylabel", ylabel);
    fputs("set title font 'sans-serif,16'\n"
          "set border 3\n"
          "set tics nomirror\n"
          "set grid ytics lc rgb '#d9d9d9' dt 3\n"
          "set key outside right top spacing 1.3\n",
          f);
}

/* A log axis range of whole decades around [lo, hi] (both > 0), with room
 * below lo so that the smallest bar still shows. */
static void decades(double lo, double hi, double *dlo, double *dhi)
{
    *dlo = pow(10.0, floor(log10(lo / 1.5)));
    *dhi = pow(10.0, ceil(log10(hi)));
    if (*dhi <= *dlo * 1.0001)
        *dhi = *dlo * 10.0;
}

/* A log y axis over [dlo, dhi]; ticks at 1, 2 and 5 of each decade when the
 * axis spans at most two decades (else gnuplot's decades), labelled with SI
 * prefixes and unit (e.g. "s": "100 ms"). */
static void gp_log_y(FILE *gp, double dlo, double dhi, const char *unit)
{
    fprintf(gp, "set logscale y 10\nset yrange [%.6g:%.6g]\nset format y '%%.0s %%c%s'\n", dlo, dhi,
            unit);
    if (dhi / dlo > 100.5)
        return;
    fputs("set ytics (", gp);
    int n = 0;
    for (double d = dlo; d <= dhi * 1.0001; d *= 10.0)
        for (int k = 0; k < 3; k++) {
            double t = d * (k == 0 ? 1.0 : k == 1 ? 2.0 : 5.0);
            if (t <= dhi * 1.0001)
                fprintf(gp, "%s%.6g", n++ ? ", " : "", t);
        }
    fputs(")\n", gp);
}

/* One plot clause of a line chart: an executor's points and line. */
static void gp_line_clause(struct sbuf *plot, const struct chart *c, int block, const char *exec)
{
    struct exec_style st = exec_style(exec);
    sb_printf(plot,
              "%s'%s.dat' index %d using 1:2 with linespoints lw 2.5 pt %d ps 1.4 lc rgb '%s' "
              "title '%s'",
              plot->len ? ", \\\n     " : "plot ", c->base, block, st.pt, st.color, exec);
}

/* One plot clause of a bar chart: an executor's bars (boxxyerror columns). */
static void gp_bar_clause(struct sbuf *plot, const struct chart *c, int block, const char *exec)
{
    struct exec_style st = exec_style(exec);
    sb_printf(plot,
              "%s'%s.dat' index %d using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder "
              "lc rgb '%s' title '%s'",
              plot->len ? ", \\\n     " : "plot ", c->base, block, st.color, exec);
}

/* Writes one bar: x centre, half width, value, and the bar's foot on the axis. */
static void dat_bar(FILE *dat, double x, double half, double v, double foot)
{
    fprintf(dat, "%.6g %.6g %.6g %.6g %.6g %.6g\n", x, v, x - half, x + half, foot, v);
}

static void gp_xtics_workers(FILE *gp, const unsigned *w, size_t nw)
{
    fputs("set xtics (", gp);
    for (size_t i = 0; i < nw; i++)
        fprintf(gp, "%s%u", i ? ", " : "", w[i]);
    fputs(")\n", gp);
}

/* The best (highest) value of metric over a series, and its first and last
 * points; rows where the metric is 0 are ignored. */
struct summary {
    const struct row *best, *first, *last;
    double best_v, first_v, last_v;
};

static struct summary summarise(const struct series *s,
                                double (*metric)(const struct row *, const struct row *),
                                const struct row *ctx)
{
    struct summary m = {0};
    for (size_t i = 0; i < s->n; i++) {
        double v = metric(s->rows[i], ctx);
        if (!(v > 0))
            continue;
        if (m.first == NULL) {
            m.first = s->rows[i];
            m.first_v = v;
        }
        m.last = s->rows[i];
        m.last_v = v;
        if (m.best == NULL || v > m.best_v) {
            m.best = s->rows[i];
            m.best_v = v;
        }
    }
    return m;
}

typedef double (*metric_fn)(const struct row *r, const struct row *ctx);

/* For each series with a value of metric: a data block (workers, value,
 * real_ns) and its line in the plot command. */
static void lines_write(FILE *dat, struct sbuf *plot, const struct chart *ch,
                        const struct series *s, size_t ns, metric_fn metric, const struct row *ctx)
{
    int block = 0;
    for (size_t i = 0; i < ns; i++) {
        if (summarise(&s[i], metric, ctx).best == NULL)
            continue;
        fprintf(dat, "# executor: %s\n", s[i].exec);
        for (size_t k = 0; k < s[i].n; k++) {
            double v = metric(s[i].rows[k], ctx);
            if (v > 0)
                fprintf(dat, "%u %.6g %.6g\n", s[i].rows[k]->workers, v, s[i].rows[k]->real_ns);
        }
        fputs("\n\n", dat);
        gp_line_clause(plot, ch, block++, s[i].exec);
    }
}

static double metric_tps(const struct row *r, const struct row *unused)
{
    (void)unused;
    return row_tps(r);
}

/* ------------------------------------------------------------------------ */
/* (a) Speedup against the serial twin, per CPU-bound case                   */

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

static int chart_speedup(struct report *rp, const struct wcase *c)
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

/* ------------------------------------------------------------------------ */
/* (b) Throughput against concurrency, per IO-bound or mixed case            */

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

static int chart_throughput(struct report *rp, const struct wcase *c)
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

/* ------------------------------------------------------------------------ */
/* (c) Latency percentiles per executor, per IO-bound or mixed case          */

static const char *const pct_names[4] = {"p50", "p90", "p99", "p99.9"};

/* The row of series s at w workers with latencies, or NULL. */
static const struct row *row_at(const struct series *s, unsigned w)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->rows[k]->workers == w && s->rows[k]->pct_ns[0] > 0)
            return s->rows[k];
    return NULL;
}

static int has_latency(const struct series *s)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->rows[k]->pct_ns[0] > 0)
            return 1;
    return 0;
}

/*
 * The worker count to compare latencies at: the largest that every executor
 * with latencies ran (serial counts only if nothing else has latencies). If
 * that is 1 and two or more executors share a larger count, the largest such
 * count, so that one short sweep does not hide the others' concurrency.
 */
static unsigned latency_workers(const struct series *s, size_t ns, const unsigned *w, size_t nw)
{
    int any_parallel = 0;
    for (size_t i = 0; i < ns; i++)
        if (!is_serial(s[i].exec) && has_latency(&s[i]))
            any_parallel = 1;
    unsigned common = 0, shared = 0, any = 0;
    for (size_t j = 0; j < nw; j++) {
        int have = 0, with_lat = 0;
        for (size_t i = 0; i < ns; i++) {
            if ((any_parallel && is_serial(s[i].exec)) || !has_latency(&s[i]))
                continue;
            with_lat++;
            have += row_at(&s[i], w[j]) != NULL;
        }
        if (with_lat > 0 && have == with_lat)
            common = w[j];
        if (have >= 2)
            shared = w[j];
        if (have >= 1)
            any = w[j];
    }
    if (common <= 1 && shared > 1)
        return shared;
    if (common > 0)
        return common;
    return shared > 0 ? shared : any;
}

static void latency_commentary(struct sbuf *t, const struct series *s, size_t ns, unsigned w)
{
    const struct row *lo50 = NULL, *lo999 = NULL, *wide = NULL, *narrow = NULL;
    double wide_v = 0, narrow_v = 0;
    struct sbuf absent = {0};
    int shown = 0, n_absent = 0;
    for (size_t i = 0; i < ns; i++) {
        const struct row *r = row_at(&s[i], w);
        if (r == NULL) {
            if (has_latency(&s[i]) && !is_serial(s[i].exec))
                sb_printf(&absent, "%s%s", n_absent++ ? ", " : "", s[i].exec);
            continue;
        }
        shown++;
        if (lo50 == NULL || r->pct_ns[0] < lo50->pct_ns[0])
            lo50 = r;
        if (r->pct_ns[3] > 0 && (lo999 == NULL || r->pct_ns[3] < lo999->pct_ns[3]))
            lo999 = r;
        if (r->pct_ns[3] > 0) {
            double spread = r->pct_ns[3] / r->pct_ns[0];
            if (wide == NULL || spread > wide_v) {
                wide = r;
                wide_v = spread;
            }
            if (narrow == NULL || spread < narrow_v) {
                narrow = r;
                narrow_v = spread;
            }
        }
    }
    if (lo50 == NULL) {
        sb_printf(t, "No executor reports latencies at %s.", fmt_workers(w).s);
    } else if (shown == 1) {
        sb_printf(t, "At %s only %s reports latencies: p50 %s", fmt_workers(w).s, lo50->executor,
                  fmt_ns(lo50->pct_ns[0]).s);
        if (lo50->pct_ns[3] > 0)
            sb_printf(t, ", p99.9 %s", fmt_ns(lo50->pct_ns[3]).s);
        sb_printf(t, ".");
    } else if (lo999 == NULL || lo999 == lo50) {
        sb_printf(t, "At %s, %s has both the lowest median latency (%s) and the lowest p99.9 (%s).",
                  fmt_workers(w).s, lo50->executor, fmt_ns(lo50->pct_ns[0]).s,
                  fmt_ns(lo50->pct_ns[3]).s);
    } else {
        sb_printf(t, "At %s, %s has the lowest median latency (%s) and %s the lowest p99.9 (%s).",
                  fmt_workers(w).s, lo50->executor, fmt_ns(lo50->pct_ns[0]).s, lo999->executor,
                  fmt_ns(lo999->pct_ns[3]).s);
    }
    if (shown >= 2 && wide != NULL && wide != narrow)
        sb_printf(t,
                  " The tail, p99.9 over p50, is widest for %s (%s: %s to %s) and narrowest "
                  "for %s (%s).",
                  wide->executor, fmt_ratio(wide_v).s, fmt_ns(wide->pct_ns[0]).s,
                  fmt_ns(wide->pct_ns[3]).s, narrow->executor, fmt_ratio(narrow_v).s);
    if (n_absent > 0)
        sb_printf(t, " Not shown, for want of a run at %s: %s.", fmt_workers(w).s, sb_str(&absent));
    free(absent.s);
}

static int chart_latency(struct report *rp, const struct wcase *c)
{
    struct series *s;
    size_t ns = case_series(c, &s);
    unsigned *w;
    size_t nw = case_workers(c, &w);
    unsigned at = latency_workers(s, ns, w, nw);
    const struct row **shown = xrealloc(NULL, (ns ? ns : 1) * sizeof(*shown));
    size_t m = 0;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < ns; i++) {
        const struct row *r = at ? row_at(&s[i], at) : NULL;
        if (r == NULL)
            continue;
        shown[m++] = r;
        for (int k = 0; k < 4; k++)
            if (r->pct_ns[k] > 0) {
                lo = lo == 0 ? r->pct_ns[k] : fmin(lo, r->pct_ns[k]);
                hi = fmax(hi, r->pct_ns[k]);
            }
    }
    if (m == 0) {
        free(shown);
        free(w);
        free(s);
        return 0;
    }
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_LATENCY, c->label, "latency", c->slug, &dat, &gp);
    if (ch == NULL) {
        free(shown);
        free(w);
        free(s);
        return -1;
    }
    double dlo, dhi;
    decades(lo * 1e-9, hi * 1e-9, &dlo, &dhi);
    fprintf(dat,
            "# %s: latency per task at %u workers, in seconds\n"
            "# x y xlow xhigh ylow yhigh (boxxyerror); x: 0 p50, 1 p90, 2 p99, 3 p99.9\n",
            c->label, at);
    struct sbuf plot = {0};
    double bw = 0.8 / (double)m;
    for (size_t j = 0; j < m; j++) {
        fprintf(dat, "# executor: %s\n", shown[j]->executor);
        for (int k = 0; k < 4; k++)
            if (shown[j]->pct_ns[k] > 0)
                dat_bar(dat, k + ((double)j - (double)(m - 1) / 2.0) * bw, bw * 0.45,
                        shown[j]->pct_ns[k] * 1e-9, dlo);
        fputs("\n\n", dat);
        gp_bar_clause(&plot, ch, (int)j, shown[j]->executor);
    }
    char title[256];
    snprintf(title, sizeof(title), "%s: latency per task at %s", c->label, fmt_workers(at).s);
    gp_preamble(gp, ch, 900, title, "percentile", "latency, submit to done (log scale)");
    fputs("set xtics (", gp);
    for (int k = 0; k < 4; k++)
        fprintf(gp, "%s'%s' %d", k ? ", " : "", pct_names[k], k);
    fputs(") scale 0\nset xrange [-0.6:3.6]\n", gp);
    gp_log_y(gp, dlo, dhi, "s");
    fprintf(gp, "%s\n", sb_str(&plot));
    latency_commentary(&ch->text, s, ns, at);
    free(plot.s);
    free(shown);
    free(w);
    free(s);
    return chart_close(ch, dat, gp);
}

/* ------------------------------------------------------------------------ */
/* (d) Overhead per task, from fib with one worker                           */

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
            sb_printf(&counts, "%s%s %s", j ? ", " : "", p[j].r->executor,
                      fmt_count(p[j].tasks).s);
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

static int chart_overhead(struct report *rp)
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

/* ------------------------------------------------------------------------ */
/* (e) CPU time against wall time, at each executor's highest worker count   */

static double cpu_wall(const struct row *r)
{
    return r->real_ns > 0 && r->cpu_ns > 0 ? r->cpu_ns / r->real_ns : 0;
}

/* The row of series s with the most workers that has both times, or NULL. */
static const struct row *series_top(const struct series *s)
{
    for (size_t k = s->n; k-- > 0;)
        if (cpu_wall(s->rows[k]) > 0)
            return s->rows[k];
    return NULL;
}

/* Executor names over the cases, in palette order. */
static size_t all_execs(const struct report *rp, const char ***out)
{
    const char **e = xrealloc(NULL, (rp->npicks ? rp->npicks : 1) * sizeof(*e));
    size_t ne = 0;
    for (size_t i = 0; i < rp->npicks; i++) {
        const char *x = rp->picks[i]->executor;
        size_t k = 0;
        while (k < ne && (exec_rank(e[k]) < exec_rank(x) ||
                          (exec_rank(e[k]) == exec_rank(x) && strcmp(e[k], x) < 0)))
            k++;
        if (k < ne && strcmp(e[k], x) == 0)
            continue;
        memmove(&e[k + 1], &e[k], (ne - k) * sizeof(*e));
        e[k] = x;
        ne++;
    }
    *out = e;
    return ne;
}

struct cw_point {
    const struct wcase *c;
    const struct row *r;
    double v;
};

/* Highest and lowest ratio among the points of one kind (NULL: any kind),
 * serial left out unless it is all there is. */
static void cpuwall_extremes(const struct cw_point *pt, size_t n, const char *kind,
                             const struct cw_point **hi, const struct cw_point **lo)
{
    *hi = *lo = NULL;
    for (size_t i = 0; i < n; i++) {
        if ((kind && strcmp(pt[i].c->kind, kind) != 0) || is_serial(pt[i].r->executor))
            continue;
        if (*hi == NULL || pt[i].v > (*hi)->v)
            *hi = &pt[i];
        if (*lo == NULL || pt[i].v < (*lo)->v)
            *lo = &pt[i];
    }
}

static void cpuwall_commentary(struct sbuf *t, const struct cw_point *pt, size_t n)
{
    const struct cw_point *hi, *lo;
    cpuwall_extremes(pt, n, NULL, &hi, &lo);
    if (hi == NULL) {
        sb_printf(t, "Only the serial twin reports both CPU and wall time.");
        return;
    }
    sb_printf(t, "The highest ratio is %s's on %s: %s at %s (CPU %s over wall %s).",
              hi->r->executor, hi->c->label, fmt_sig3(hi->v).s, fmt_workers(hi->r->workers).s,
              fmt_ns(hi->r->cpu_ns).s, fmt_ns(hi->r->real_ns).s);
    cpuwall_extremes(pt, n, "io", &hi, &lo);
    if (hi != NULL && hi != lo)
        sb_printf(t,
                  " On IO-bound work, %s keeps the CPU busiest (%s on %s at %s) and %s the "
                  "least (%s on %s at %s).",
                  hi->r->executor, fmt_sig3(hi->v).s, hi->c->label, fmt_workers(hi->r->workers).s,
                  lo->r->executor, fmt_sig3(lo->v).s, lo->c->label, fmt_workers(lo->r->workers).s);
    cpuwall_extremes(pt, n, "cpu", &hi, &lo);
    if (hi != NULL && hi != lo)
        sb_printf(t,
                  " On CPU-bound work the ratios run from %s (%s on %s at %s) to %s (%s on %s "
                  "at %s).",
                  fmt_sig3(lo->v).s, lo->r->executor, lo->c->label, fmt_workers(lo->r->workers).s,
                  fmt_sig3(hi->v).s, hi->r->executor, hi->c->label, fmt_workers(hi->r->workers).s);
}

static int chart_cpuwall(struct report *rp)
{
    const struct wcase **cl = xrealloc(NULL, (rp->ncases ? rp->ncases : 1) * sizeof(*cl));
    struct cw_point *pt = xrealloc(NULL, (rp->npicks ? rp->npicks : 1) * sizeof(*pt));
    size_t ncl = 0, npt = 0;
    double hi = 0;
    for (size_t i = 0; i < rp->ncases; i++) {
        const struct wcase *c = &rp->cases[i];
        if (strcmp(c->kind, "micro") == 0)
            continue;
        struct series *s;
        size_t ns = case_series(c, &s);
        size_t before = npt;
        for (size_t k = 0; k < ns; k++) {
            const struct row *r = series_top(&s[k]);
            if (r != NULL) {
                pt[npt++] = (struct cw_point){c, r, cpu_wall(r)};
                hi = fmax(hi, cpu_wall(r));
            }
        }
        if (npt > before)
            cl[ncl++] = c;
        free(s);
    }
    if (npt == 0) {
        free(cl);
        free(pt);
        return 0;
    }
    const char **ex;
    size_t ne = all_execs(rp, &ex);
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_CPUWALL, "All workloads", "cpu_wall", NULL, &dat, &gp);
    if (ch == NULL) {
        free(cl);
        free(pt);
        free(ex);
        return -1;
    }
    fprintf(dat, "# CPU time / wall time at each executor's highest worker count\n"
                 "# x y xlow xhigh ylow yhigh workers cpu_ns real_ns (x: the workload)\n");
    struct sbuf plot = {0};
    double bw = 0.8 / (double)ne;
    int block = 0;
    for (size_t j = 0; j < ne; j++) {
        int any = 0;
        for (size_t i = 0; i < ncl; i++)
            for (size_t k = 0; k < npt; k++) {
                if (pt[k].c != cl[i] || strcmp(pt[k].r->executor, ex[j]) != 0)
                    continue;
                if (!any)
                    fprintf(dat, "# executor: %s\n", ex[j]);
                any = 1;
                double x = i + ((double)j - (double)(ne - 1) / 2.0) * bw;
                fprintf(dat, "%.6g %.6g %.6g %.6g 0 %.6g %u %.6g %.6g\n", x, pt[k].v, x - bw * 0.45,
                        x + bw * 0.45, pt[k].v, pt[k].r->workers, pt[k].r->cpu_ns,
                        pt[k].r->real_ns);
            }
        if (any) {
            fputs("\n\n", dat);
            gp_bar_clause(&plot, ch, block++, ex[j]);
        }
    }
    int width = (int)(300 + ncl * (40 + 14 * ne));
    gp_preamble(gp, ch, width < 900 ? 900 : width,
                "CPU time / wall time at each executor's highest worker count", "workload",
                "CPU time / wall time (cores busy)");
    fputs("set xtics (", gp);
    for (size_t i = 0; i < ncl; i++) {
        fprintf(gp, "%s", i ? ", " : "");
        gp_string(gp, cl[i]->label);
        fprintf(gp, " %zu", i);
    }
    fputs(") scale 0\n", gp);
    if (ncl > 5)
        fputs("set xtics rotate by 30 right\n", gp);
    fprintf(gp, "set xrange [-0.6:%.6g]\nset yrange [0:%.6g]\n%s\n", ncl - 0.4,
            fmax(1.2, hi * 1.15), sb_str(&plot));
    cpuwall_commentary(&ch->text, pt, npt);
    free(plot.s);
    free(cl);
    free(pt);
    free(ex);
    return chart_close(ch, dat, gp);
}

/* Writes the .dat and .gp files of every chart. 0, or -1 on a write error. */
static int charts_write(struct report *rp)
{
    if (mkdir(rp->charts_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "wsreport: cannot create %s: %s\n", rp->charts_dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < rp->ncases; i++) {
        const struct wcase *c = &rp->cases[i];
        int rc = 0;
        if (strcmp(c->kind, "cpu") == 0)
            rc = chart_speedup(rp, c);
        else if (strcmp(c->kind, "io") == 0 || strcmp(c->kind, "mixed") == 0)
            rc = chart_throughput(rp, c) || chart_latency(rp, c);
        if (rc)
            return -1;
    }
    return chart_overhead(rp) || chart_cpuwall(rp) ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* gnuplot                                                                    */

/* 1 if an executable named prog is in $PATH. */
static int in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    struct stat st;
    for (const char *p = path; p != NULL && *p != '\0';) {
        const char *colon = strchr(p, ':');
        int len = colon ? (int)(colon - p) : (int)strlen(p);
        if (snprintf(buf, sizeof(buf), "%.*s/%s", len, len ? p : ".", prog) < (int)sizeof(buf) &&
            stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return 1;
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* Runs gnuplot on charts/<base>.gp in charts/; sets c->drawn. 0 or -1. */
static int gnuplot_run(const struct report *rp, struct chart *c)
{
    char svg[PATH_MAX], script[sizeof(c->base) + 4];
    if (snprintf(svg, sizeof(svg), "%s/%s.svg", rp->charts_dir, c->base) >= (int)sizeof(svg) ||
        snprintf(script, sizeof(script), "%s.gp", c->base) >= (int)sizeof(script)) {
        fprintf(stderr, "wsreport: path too long: %s/%s.svg\n", rp->charts_dir, c->base);
        return -1;
    }
    if (unlink(svg) != 0 && errno != ENOENT) {
        fprintf(stderr, "wsreport: cannot replace %s: %s\n", svg, strerror(errno));
        return -1;
    }
    fflush(NULL); /* nothing buffered may be written twice by the child */
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "wsreport: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* stdout is the verdict table's: gnuplot's chatter goes to stderr. */
        if (chdir(rp->charts_dir) != 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "wsreport: waitpid: %s\n", strerror(errno));
            return -1;
        }
    struct stat st;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(svg, &st) == 0 && st.st_size > 0) {
        c->drawn = 1;
        return 0;
    }
    if (WIFEXITED(status))
        fprintf(stderr, "wsreport: gnuplot %s in %s exited with status %d; no SVG\n", script,
                rp->charts_dir, WEXITSTATUS(status));
    else
        fprintf(stderr, "wsreport: gnuplot %s in %s was killed by signal %d; no SVG\n", script,
                rp->charts_dir, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

static void gnuplot_draw_all(struct report *rp)
{
    if (rp->draw != DRAW_YES)
        return;
    if (!in_path("gnuplot")) {
        fprintf(stderr,
                "wsreport: gnuplot not found in PATH: no SVG charts drawn; the gnuplot "
                "scripts are in %s\n",
                rp->charts_dir);
        rp->draw = DRAW_NO_GNUPLOT;
        return;
    }
    for (size_t i = 0; i < rp->ncharts; i++)
        if (gnuplot_run(rp, &rp->charts[i]) != 0)
            rp->draw_failures++;
}

/* ------------------------------------------------------------------------ */
/* Verdicts                                                                   */

struct verdict {
    const struct wcase *c;
    int by_tps; /* 1: throughput decides (IO-bound, mixed); 0: wall time (CPU-bound) */
    const struct row *win, *runner, *serial;
    double win_v, runner_v, serial_v; /* scores: higher is better */
};

static double verdict_score(const struct row *r, int by_tps)
{
    if (by_tps)
        return row_tps(r);
    return r->real_ns > 0 ? 1e9 / r->real_ns : 0;
}

/* Each executor at its best worker count; the two best, and serial. */
static int verdict_compute(const struct wcase *c, struct verdict *v)
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
        fprintf(f, " %s ran the work as %s tasks, %s as %s.", w->executor,
                fmt_count(w->tasks).s, r->executor, fmt_count(r->tasks).s);
    fputc('\n', f);
}

/* The verdict table and one sentence per workload, in markdown. */
static void verdict_write(FILE *f, const struct verdict *v, size_t nv)
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

/* ------------------------------------------------------------------------ */
/* README.md                                                                  */

/* Free text (error messages) as markdown: special characters escaped. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_[]<>|#", *s))
            fputc('\\', f);
        fputc(*s, f);
    }
}

/* The value of the first "key: value" line whose key contains one of the
 * words (case-insensitive), copied to out; 0 if none. */
static int context_find(const char *ctx, const char *const *words, size_t nwords, char *out,
                        size_t outlen)
{
    for (const char *line = ctx; line != NULL && *line;) {
        const char *end = strchr(line, '\n'), *colon = strchr(line, ':');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (colon != NULL && colon < line + len && colon > line) {
            char key[64];
            size_t klen =
                (size_t)(colon - line) < sizeof(key) - 1 ? (size_t)(colon - line) : sizeof(key) - 1;
            for (size_t i = 0; i < klen; i++)
                key[i] = (char)tolower((unsigned char)line[i]);
            key[klen] = '\0';
            for (size_t w = 0; w < nwords; w++)
                if (strstr(key, words[w])) {
                    const char *v = colon + 1;
                    while (v < line + len && (*v == ' ' || *v == '\t'))
                        v++;
                    size_t vlen = (size_t)(line + len - v);
                    while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
                        vlen--;
                    snprintf(out, outlen, "%.*s", (int)vlen, v);
                    return vlen > 0;
                }
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}

static void readme_summary(FILE *f, const char *ctx)
{
    static const char *const date[] = {"date"}, *const commit[] = {"commit"},
                             *const machine[] = {"cpu", "model", "machine"};
    static const struct {
        const char *label;
        const char *const *words;
        size_t n;
    } items[] = {{"Date", date, 1}, {"Commit", commit, 1}, {"Machine", machine, 3}};
    if (ctx == NULL) {
        fputs("No context.txt in this directory: date, commit and machine are unknown.\n\n", f);
        return;
    }
    int any = 0;
    char val[256];
    for (size_t i = 0; i < ARRAY_LEN(items); i++)
        if (context_find(ctx, items[i].words, items[i].n, val, sizeof(val))) {
            fprintf(f, "%s**%s:** ", any++ ? " · " : "", items[i].label);
            md_text(f, val);
        }
    fputs(any ? "\n\n" : "context.txt names no date, commit or machine; see Context below.\n\n", f);
}

static void readme_statistics(FILE *f, const struct report *rp)
{
    size_t nmed = rp->npicks - rp->nfallback;
    fprintf(f,
            "Generated by wsreport from `results.csv`: %zu rows, %zu benchmarks used, %zu "
            "failed. ",
            rp->res.n, rp->npicks, rp->nfailed);
    if (nmed > 0) {
        fprintf(f, "%s figure is the median over ",
                rp->nfallback ? "Where available, each" : "Each");
        if (rp->reps_min == rp->reps_max)
            fprintf(f, "%u repetitions", rp->reps_min);
        else
            fprintf(f, "%u to %u repetitions", rp->reps_min, rp->reps_max);
        fputs(" of the benchmark.", f);
    }
    if (rp->nfallback > 0) {
        fprintf(f, " %zu benchmark%s no median row and use%s another statistic: ", rp->nfallback,
                rp->nfallback == 1 ? " has" : "s have", rp->nfallback == 1 ? "s" : "");
        /* A long list says nothing a reader can use: name the first few. */
        size_t shown = rp->nfallback <= 12 ? rp->nfallback : 8;
        for (size_t i = 0; i < shown; i++)
            fprintf(f, "%s`%s` (%s)", i ? ", " : "", rp->fallback[i]->name, rp->fallback[i]->stat);
        if (shown < rp->nfallback)
            fprintf(f, " and %zu more (see `results.csv`)", rp->nfallback - shown);
        fputc('.', f);
    }
    if (rp->nnoisy > 0) {
        fprintf(f,
                " On a shared machine some runs are disturbed: %zu benchmark%s spread by more "
                "than %.0f%% of the median between fastest and slowest repetition: ",
                rp->nnoisy, rp->nnoisy == 1 ? "'s repetitions" : "s' repetitions",
                NOISY_SPREAD * 100);
        size_t shown = rp->nnoisy <= 12 ? rp->nnoisy : 8;
        for (size_t i = 0; i < shown; i++)
            fprintf(f, "%s`%s` (%.0f%%)", i ? ", " : "", rp->noisy[i]->name,
                    rp->noisy[i]->spread * 100);
        if (shown < rp->nnoisy)
            fprintf(f, " and %zu more (see `results.csv`)", rp->nnoisy - shown);
        fputs(". A verdict whose margin is smaller than the spread of the two results it "
              "compares is marked a tie.",
              f);
    }
    fputs("\n\n", f);
    if (rp->draw == DRAW_DISABLED)
        fputs("Charts were not drawn (wsreport --no-charts). Their gnuplot data and scripts are "
              "in `charts/`: run `gnuplot NAME.gp` there to draw each.\n\n",
              f);
    else if (rp->draw == DRAW_NO_GNUPLOT)
        fputs("Charts were not drawn: gnuplot was not found. Their gnuplot data and scripts are "
              "in `charts/`: run `gnuplot NAME.gp` there to draw each.\n\n",
              f);
    else if (rp->draw_failures > 0)
        fprintf(f, "gnuplot failed to draw %d chart%s; each is linked to its script below.\n\n",
                rp->draw_failures, rp->draw_failures == 1 ? "" : "s");
}

static const struct {
    const char *title;
    const char *intro;
} sections[NSEC] = {
    [SEC_SPEEDUP] = {"Speedup over the serial twin (CPU-bound work)",
                     "Speedup is the serial twin's wall time divided by the executor's, for the "
                     "same parameters; the dashed line is ideal linear speedup."},
    [SEC_THROUGHPUT] = {"Throughput against concurrency (IO-bound and mixed work)",
                        "Tasks completed per second of wall time, against the number of worker "
                        "threads or processes (log2 scale)."},
    [SEC_LATENCY] = {"Latency percentiles (IO-bound and mixed work)",
                     "Per-task latency from submit to completion (p50, p90, p99, p99.9; log "
                     "scale), each executor at the largest worker count the executors share."},
    [SEC_OVERHEAD] = {"Overhead per task",
                      "Wall time divided by tasks, fib with one worker (log scale); the serial "
                      "twin is the baseline."},
    [SEC_CPUWALL] = {"CPU time against wall time",
                     "Process CPU time (user + sys, all threads) over wall time, each executor "
                     "at its highest worker count. Above 1, more than one core was busy on "
                     "average; on IO-bound work a high ratio means workers burn CPU while they "
                     "wait."},
};

/* link: what relative links need in front ("" in the run's directory). */
static void readme_charts(FILE *f, const struct report *rp, const char *link)
{
    for (int sec = 0; sec < NSEC; sec++) {
        int header = 0;
        for (size_t i = 0; i < rp->ncharts; i++) {
            const struct chart *c = &rp->charts[i];
            if ((int)c->sec != sec)
                continue;
            if (!header++)
                fprintf(f, "## %s\n\n%s\n\n", sections[sec].title, sections[sec].intro);
            fprintf(f, "### %s\n\n", c->heading);
            if (c->drawn)
                fprintf(f, "![%s: %s](%scharts/%s.svg)\n\n", c->heading, sections[sec].title,
                        link, c->base);
            else
                fprintf(f,
                        "Not drawn: data [charts/%s.dat](%scharts/%s.dat), script "
                        "[charts/%s.gp](%scharts/%s.gp).\n\n",
                        c->base, link, c->base, c->base, link, c->base);
            fprintf(f, "%s\n\n", sb_str(&c->text));
        }
    }
}

static void readme_micro(FILE *f, const struct report *rp)
{
    int header = 0;
    for (size_t i = 0; i < rp->npicks; i++) {
        const struct row *r = rp->picks[i];
        if (strcmp(r->kind, "micro") != 0)
            continue;
        if (!header++)
            fputs("## Microbenchmarks\n\n| Benchmark | Executor | Workers | Wall time per run | "
                  "p50 | p99 |\n|---|---|---|---|---|---|\n",
                  f);
        fprintf(f, "| %s | %s | %u | %s | %s | %s |\n", r->name, r->executor, r->workers,
                fmt_ns(r->real_ns).s, r->pct_ns[0] > 0 ? fmt_ns(r->pct_ns[0]).s : "",
                r->pct_ns[2] > 0 ? fmt_ns(r->pct_ns[2]).s : "");
    }
    if (header)
        fputc('\n', f);
}

static void readme_failures(FILE *f, const struct report *rp)
{
    if (rp->nfailed == 0 && rp->nunusable == 0)
        return;
    fputs("## Failures\n\n", f);
    if (rp->nfailed > 0)
        fputs("These runs failed; their benchmarks are left out of the charts and verdicts.\n\n",
              f);
    for (size_t i = 0; i < rp->nfailed; i++) {
        const struct row *r = rp->failed[i];
        fprintf(f, "- `%s` (%s, results.csv line %u): ", r->name, r->stat, r->line);
        md_text(f, r->error);
        fputc('\n', f);
    }
    for (size_t i = 0; i < rp->nunusable; i++)
        fprintf(f, "- `%s`: only %s rows (no median, mean or repetition); left out.\n",
                rp->unusable[i]->name, rp->unusable[i]->stat);
    fputc('\n', f);
}

/* The results directory's own name, e.g. 2026-11-22_83ac766, also for ".". */
static void run_name(const char *dir_arg, char *out, size_t cap)
{
    char *real = realpath(dir_arg, NULL);
    const char *dir = real ? real : dir_arg, *base = dir + strlen(dir);
    while (base > dir && base[-1] == '/')
        base--;
    const char *end = base;
    while (base > dir && base[-1] != '/')
        base--;
    snprintf(out, cap, "%.*s", (int)(end - base), base);
    free(real);
}

/* Writes path through a temporary file: the run's README or, with index set,
 * the same page for the directory above the run, its links led into the
 * run. 0 or -1. */
static int readme_write(const struct report *rp, const struct verdict *v, size_t nv,
                        const char *ctx, const char *cmd, const char *path, int index)
{
    char tmp[PATH_MAX + 8], name[NAME_MAX + 1], link[NAME_MAX + 2] = "";
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        fprintf(stderr, "wsreport: path too long: %s\n", path);
        return -1;
    }
    run_name(rp->dir, name, sizeof(name));
    if (index)
        snprintf(link, sizeof(link), "%s/", name);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "wsreport: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    if (index)
        fprintf(f,
                "# wsbench results\n\n"
                "Each run of wsbench writes a directory `results/<date>_<commit>/` and rewrites "
                "this page from it. This page shows the latest: [%s](%sREADME.md).\n\n",
                name, link);
    else
        fprintf(f, "# wsbench results: %s\n\n", name);
    readme_summary(f, ctx);
    readme_statistics(f, rp);

    fputs("## Verdicts\n\n"
          "The winner of a CPU-bound workload has the lowest wall time, of an IO-bound or mixed "
          "one the highest throughput, each executor at its best worker count. The ratios "
          "compare the winner's best with the runner-up's best and with the serial twin.\n\n",
          f);
    if (nv > 0)
        verdict_write(f, v, nv);
    else
        fputs("No workload has a usable result.\n", f);
    fputc('\n', f);

    readme_charts(f, rp, link);
    readme_micro(f, rp);
    readme_failures(f, rp);

    fputs("## Context\n\n", f);
    if (ctx != NULL)
        fprintf(f, "From `context.txt`:\n\n```text\n%s\n```\n\n", ctx);
    else
        fputs("context.txt is missing from this directory.\n\n", f);

    fputs("## How to reproduce\n\n", f);
    if (cmd != NULL)
        fprintf(f, "Run, from the repository root:\n\n```sh\n%s\n```\n\n", cmd);
    else
        fputs("command.txt is missing from this directory, so the command that produced these "
              "results is not recorded.\n\n",
              f);
    fprintf(f,
            "Redraw the charts and this README from `results.csv` with `wsreport %s`. Each "
            "chart's data (`.dat`) and gnuplot script (`.gp`) are in `charts/`",
            rp->dir);
    if (rp->ncharts > 0)
        fprintf(f, ": for example `cd charts && gnuplot %s.gp`", rp->charts[0].base);
    fputs(".\n", f);
    if (file_close(f, tmp) != 0)
        return -1;
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "wsreport: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */

static void report_free(struct report *rp)
{
    for (size_t i = 0; i < rp->res.n; i++)
        free(rp->res.rows[i].buf);
    free(rp->res.rows);
    free(rp->picks);
    free(rp->failed);
    free(rp->fallback);
    free(rp->noisy);
    free(rp->unusable);
    free(rp->cases);
    for (size_t i = 0; i < rp->ncharts; i++)
        free(rp->charts[i].text.s);
    free(rp->charts);
}

/* Reads context.txt or command.txt; NULL if absent. -1 in *bad on a read error. */
static char *read_side_file(const struct report *rp, const char *name, int *bad)
{
    char path[PATH_MAX];
    int err;
    snprintf(path, sizeof(path), "%s/%s", rp->dir, name);
    char *s = read_text(path, &err);
    if (err) {
        fprintf(stderr, "wsreport: cannot read %s: %s\n", path, strerror(err));
        *bad = -1;
    }
    return s;
}

/* Is the file index in dir's parent directory (so its links lead into dir)? */
static int index_beside(const char *index, const char *dir)
{
    char where[PATH_MAX], up[PATH_MAX];
    const char *slash = strrchr(index, '/');
    if (slash == NULL)
        snprintf(where, sizeof(where), ".");
    else if (slash == index)
        snprintf(where, sizeof(where), "/");
    else if (snprintf(where, sizeof(where), "%.*s", (int)(slash - index), index) >=
             (int)sizeof(where))
        return 0;
    if (snprintf(up, sizeof(up), "%s/..", dir) >= (int)sizeof(up))
        return 0;
    char *a = realpath(where, NULL), *b = realpath(up, NULL);
    int ok = a != NULL && b != NULL && strcmp(a, b) == 0;
    free(a);
    free(b);
    return ok;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *index = NULL;
    int no_charts = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-charts") == 0) {
            no_charts = 1;
        } else if (strcmp(argv[i], "--index") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
            index = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' || dir != NULL) {
            fprintf(stderr, "wsreport: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (dir == NULL || *dir == '\0') {
        fprintf(stderr, "wsreport: no results directory given\n");
        usage(stderr);
        return 2;
    }
    if (!header_matches_enum()) {
        fprintf(stderr, "wsreport: internal error: WSBENCH_CSV_HEADER in results.h no longer "
                        "matches wsreport's columns; update col_names[] and enum col\n");
        return 1;
    }

    struct report rp = {.dir = dir, .draw = no_charts ? DRAW_DISABLED : DRAW_YES};
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "wsreport: %s is not a directory\n", dir);
        usage(stderr);
        return 2;
    }
    if (index != NULL && !index_beside(index, dir)) {
        fprintf(stderr, "wsreport: --index %s: the page must be in the directory that holds %s\n",
                index, dir);
        usage(stderr);
        return 2;
    }
    if (snprintf(rp.csv_path, sizeof(rp.csv_path), "%s/results.csv", dir) >=
            (int)sizeof(rp.csv_path) ||
        snprintf(rp.charts_dir, sizeof(rp.charts_dir), "%s/charts", dir) >=
            (int)sizeof(rp.charts_dir)) {
        fprintf(stderr, "wsreport: path too long: %s\n", dir);
        return 1;
    }

    int rc = 0;
    char *ctx = NULL, *cmd = NULL;
    struct verdict *v = NULL;
    size_t nv = 0;
    if (csv_load(rp.csv_path, &rp.res) != 0 || select_rows(&rp) != 0) {
        rc = 1;
        goto out;
    }
    build_cases(&rp);
    ctx = read_side_file(&rp, "context.txt", &rc);
    cmd = read_side_file(&rp, "command.txt", &rc);
    if (rc != 0 || charts_write(&rp) != 0) {
        rc = 1;
        goto out;
    }
    gnuplot_draw_all(&rp);

    v = xrealloc(NULL, (rp.ncases ? rp.ncases : 1) * sizeof(*v));
    for (size_t i = 0; i < rp.ncases; i++)
        if (strcmp(rp.cases[i].kind, "micro") != 0 && verdict_compute(&rp.cases[i], &v[nv]) == 0)
            nv++;
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/README.md", dir) >= (int)sizeof(path)) {
        fprintf(stderr, "wsreport: path too long: %s\n", dir);
        rc = 1;
        goto out;
    }
    if (readme_write(&rp, v, nv, ctx, cmd, path, 0) != 0 ||
        (index != NULL && readme_write(&rp, v, nv, ctx, cmd, index, 1) != 0)) {
        rc = 1;
        goto out;
    }
    printf("## Verdicts (%s)\n\n", dir);
    if (nv > 0)
        verdict_write(stdout, v, nv);
    else
        printf("No workload has a usable result.\n");
    if (rp.nfailed > 0)
        printf("\n%zu failed run%s: see Failures in %s/README.md\n", rp.nfailed,
               rp.nfailed == 1 ? "" : "s", dir);
    if (fflush(stdout) != 0)
        rc = 1;
    if (rp.draw_failures > 0)
        rc = 1;
out:
    free(v);
    free(ctx);
    free(cmd);
    report_free(&rp);
    return rc;
}
