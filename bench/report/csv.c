/*
 * csv.c - reading results.csv, by the columns of core/schema.h.
 */
#include "report/report.h"

/* The columns, in order: core/schema.h's list, the one wsbench writes by. */
enum col {
#define COL_ENUM_(col, type) COL_##col,
    WSBENCH_RESULT_COLUMNS(COL_ENUM_)
#undef COL_ENUM_
        NCOLS
};

static const char *const col_names[NCOLS] = {
#define COL_NAME_(col, type) #col,
    WSBENCH_RESULT_COLUMNS(COL_NAME_)
#undef COL_NAME_
};

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

    r->name = f[COL_name];
    r->workload = f[COL_workload];
    r->kind = f[COL_kind];
    r->executor = f[COL_executor];
    r->params = f[COL_params];
    r->stat = f[COL_stat];
    r->error = f[COL_error];
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
    if (parse_count(f[COL_workers], failed, 1, &r->workers)) {
        snprintf(err, errlen, "'workers' must be an integer >= 1, not \"%.40s\"", f[COL_workers]);
        return -1;
    }
    if (parse_count(f[COL_reps], failed, 0, &r->reps)) {
        snprintf(err, errlen, "'reps' must be an integer >= 0, not \"%.40s\"", f[COL_reps]);
        return -1;
    }
    static const struct {
        enum col col;
        size_t off;
    } nums[] = {
        {COL_real_ns, offsetof(struct row, real_ns)},
        {COL_ci_lo, offsetof(struct row, ci_lo)},
        {COL_ci_hi, offsetof(struct row, ci_hi)},
        {COL_ci_conf, offsetof(struct row, ci_conf)},
        {COL_cpu_ns, offsetof(struct row, cpu_ns)},
        {COL_tasks, offsetof(struct row, tasks)},
        {COL_tasks_per_s, offsetof(struct row, tasks_per_s)},
        {COL_p50_ns, offsetof(struct row, pct_ns[0])},
        {COL_p90_ns, offsetof(struct row, pct_ns[1])},
        {COL_p99_ns, offsetof(struct row, pct_ns[2])},
        {COL_p999_ns, offsetof(struct row, pct_ns[3])},
        {COL_speedup_serial, offsetof(struct row, speedup_serial)},
        {COL_speedup_1, offsetof(struct row, speedup_1)},
        {COL_max_rss_kb, offsetof(struct row, max_rss_kb)},
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
    if (r->ci_conf > 1 || r->ci_lo > r->ci_hi) {
        snprintf(err, errlen, "'ci_lo' must not exceed 'ci_hi', nor 'ci_conf' 1 (got %s, %s, %s)",
                 f[COL_ci_lo], f[COL_ci_hi], f[COL_ci_conf]);
        return -1;
    }
    return 0;
}

/* results.csv before ci_lo, ci_hi and ci_conf (the committed runs up to
 * 2026-12-01): still read, as rows without intervals (select.c then
 * computes them from the repetitions' rows). */
#define HEADER_BEFORE_CI                                                                           \
    "name,workload,kind,executor,params,workers,stat,reps,real_ns,cpu_ns,tasks,tasks_per_s,"       \
    "p50_ns,p90_ns,p99_ns,p999_ns,speedup_serial,speedup_1,max_rss_kb,error"

/* A copy of such a line with no interval (0, 0, 0) after real_ns (the ninth). */
static char *with_ci(const char *line)
{
    const char *p = line;
    for (int commas = 0; *p && commas < 9; p++)
        commas += *p == ',';
    if (*p == '\0' && (p == line || p[-1] != ','))
        return xstrdup(line); /* too few fields: csv_parse_line() says so */
    size_t head = (size_t)(p - line);
    char *out = xrealloc(NULL, strlen(line) + 7);
    memcpy(out, line, head);
    memcpy(out + head, "0,0,0,", 6);
    strcpy(out + head + 6, p);
    return out;
}

/* Reads path into res. 0, or -1 after printing the error with its line. */
int csv_load(const char *path, struct results *res)
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
    int rc = 0, before_ci = 0; /* 1: a run from before the interval columns */
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
            before_ci = strcmp(line, HEADER_BEFORE_CI) == 0;
            if (!before_ci && strcmp(line, wsbench_csv_header()) != 0) {
                fprintf(stderr,
                        "wsreport: %s:1: the header is not the one in core/schema.h\n"
                        "  expected: %s\n  found:    %.300s\n",
                        path, wsbench_csv_header(), line);
                rc = -1;
            }
            continue;
        }
        struct row r = {.line = lineno, .buf = before_ci ? with_ci(line) : xstrdup(line)};
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
