/*
 * rows.c - servers.csv: the columns of SERVERS_COLUMNS (servers.h), one row
 * per client run, written as each run ends and read back by the report.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "load/servers.h"

enum kind { S, I, N };

static const struct col {
    const char *name;
    enum kind kind;
    size_t off, size;
} cols[] = {
#define COL_(name, kind)                                                                           \
    {#name, kind, offsetof(struct srow, name), sizeof(((struct srow *)0)->name)},
    SERVERS_COLUMNS(COL_)
#undef COL_
};

#define NCOLS (sizeof(cols) / sizeof(cols[0]))

/* Each kind has the field type it needs. */
#define CHECK_KIND_(name, kind)                                                                    \
    _Static_assert(kind != I || sizeof(((struct srow *)0)->name) == sizeof(int64_t), #name);       \
    _Static_assert(kind != N || sizeof(((struct srow *)0)->name) == sizeof(double), #name);
SERVERS_COLUMNS(CHECK_KIND_)
#undef CHECK_KIND_

void row_init(struct srow *r)
{
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < NCOLS; i++) {
        char *p = (char *)r + cols[i].off;
        if (cols[i].kind == I) {
            int64_t v = -1;
            memcpy(p, &v, sizeof(v));
        } else if (cols[i].kind == N) {
            double v = NAN;
            memcpy(p, &v, sizeof(v));
        }
    }
}

const char *rows_header(void)
{
    static char h[2048];
    if (h[0] == '\0') {
        size_t len = 0;
        for (size_t i = 0; i < NCOLS; i++)
            len += (size_t)snprintf(h + len, sizeof(h) - len, "%s%s", i ? "," : "", cols[i].name);
    }
    return h;
}

void csv_safe(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        char ch = *s;
        if (ch == ',')
            ch = ';';
        else if ((unsigned char)ch < 0x20 || ch == 0x7f)
            ch = ' ';
        dst[n++] = ch;
    }
    dst[n] = '\0';
}

void row_write(FILE *f, const struct srow *r)
{
    for (size_t i = 0; i < NCOLS; i++) {
        const char *p = (const char *)r + cols[i].off;
        if (i)
            fputc(',', f);
        if (cols[i].kind == S) {
            char safe[1024];
            csv_safe(safe, sizeof(safe), p);
            fputs(safe, f);
        } else if (cols[i].kind == I) {
            int64_t v;
            memcpy(&v, p, sizeof(v));
            if (v >= 0)
                fprintf(f, "%lld", (long long)v);
        } else {
            double v;
            memcpy(&v, p, sizeof(v));
            if (isfinite(v))
                fprintf(f, "%.6g", v);
        }
    }
    fputc('\n', f);
}

/* One field into its place in r; 0, or -1 with err filled. */
static int parse_field(const struct col *c, const char *s, struct srow *r, char *err, size_t len)
{
    char *p = (char *)r + c->off, *end;
    if (c->kind == S) {
        if (strlen(s) >= c->size) {
            snprintf(err, len, "'%s' is longer than %zu characters", c->name, c->size - 1);
            return -1;
        }
        for (const char *q = s; *q; q++)
            if ((unsigned char)*q < 0x20 || *q == 0x7f) {
                snprintf(err, len, "'%s' contains a control character", c->name);
                return -1;
            }
        memcpy(p, s, strlen(s) + 1);
        return 0;
    }
    if (*s == '\0')
        return 0; /* unknown: row_init's -1 or NAN stays */
    errno = 0;
    if (c->kind == I) {
        long long v = isdigit((unsigned char)*s) ? strtoll(s, &end, 10) : -1;
        if (v < 0 || *end != '\0' || errno != 0) {
            snprintf(err, len, "'%s' must be a non-negative integer or empty, not \"%.40s\"",
                     c->name, s);
            return -1;
        }
        int64_t x = v;
        memcpy(p, &x, sizeof(x));
        return 0;
    }
    double v = isdigit((unsigned char)*s) || *s == '.' ? strtod(s, &end) : -1;
    if (!(v >= 0) || !isfinite(v) || *end != '\0' || errno != 0) {
        snprintf(err, len, "'%s' must be a non-negative number or empty, not \"%.40s\"", c->name,
                 s);
        return -1;
    }
    memcpy(p, &v, sizeof(v));
    return 0;
}

/* The row's own sense: names, and the keys a report groups by. */
static int row_valid(const struct srow *r, char *err, size_t len)
{
    if (r->model[0] == '\0' || r->client[0] == '\0' || r->placement[0] == '\0') {
        snprintf(err, len, "'model', 'placement' and 'client' must not be empty");
        return -1;
    }
    for (const char *p = r->model; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.+-", *p)) {
            snprintf(err, len, "'model' must be letters, digits and _.+-, not \"%s\"", r->model);
            return -1;
        }
    if (strcmp(r->client, "wrk") && strcmp(r->client, "open") && strcmp(r->client, "h2load")) {
        snprintf(err, len, "'client' must be wrk, open or h2load, not \"%s\"", r->client);
        return -1;
    }
    if (strcmp(r->placement, "pinned") && strcmp(r->placement, "shared")) {
        snprintf(err, len, "'placement' must be pinned or shared, not \"%s\"", r->placement);
        return -1;
    }
    if (r->work_us < 0 || r->fanout < 1 || r->connections < 1 || r->rep < 1) {
        snprintf(err, len,
                 "'work_us', 'fanout' (>= 1), 'connections' (>= 1) and 'rep' (>= 1) "
                 "must be given");
        return -1;
    }
    if (strcmp(r->client, "open") == 0 && !(r->offered_rps > 0) && r->error[0] == '\0') {
        snprintf(err, len, "an open-loop row needs 'offered_rps'");
        return -1;
    }
    return 0;
}

int rows_read(const char *path, struct srow **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "wsbench-servers: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL, err[256];
    size_t cap = 0, rcap = 0;
    ssize_t len;
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) != -1) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp(line, rows_header()) != 0) {
                fprintf(stderr,
                        "wsbench-servers: %s:1: not the header of servers.csv (bench/load/"
                        "servers.h)\n  expected: %s\n  found:    %.400s\n",
                        path, rows_header(), line);
                rc = -1;
            }
            continue;
        }
        if (strlen(line) != (size_t)len) {
            fprintf(stderr, "wsbench-servers: %s:%u: the line contains a NUL byte\n", path, lineno);
            rc = -1;
            break;
        }
        struct srow r;
        row_init(&r);
        r.line = lineno;
        size_t nf = 0;
        char *p = line;
        err[0] = '\0';
        for (;; nf++) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            if (nf < NCOLS && parse_field(&cols[nf], p, &r, err, sizeof(err)) != 0)
                break;
            if (comma == NULL)
                break;
            p = comma + 1;
        }
        nf++;
        if (err[0] == '\0' && nf != NCOLS)
            snprintf(err, sizeof(err), "expected %zu comma-separated fields, found %zu", NCOLS, nf);
        if (err[0] == '\0')
            row_valid(&r, err, sizeof(err));
        if (err[0] != '\0') {
            fprintf(stderr, "wsbench-servers: %s:%u: %s\n", path, lineno, err);
            rc = -1;
            break;
        }
        if (*n == rcap) {
            rcap = rcap ? 2 * rcap : 64;
            struct srow *grown = realloc(*rows, rcap * sizeof(**rows));
            if (grown == NULL) {
                fprintf(stderr, "wsbench-servers: out of memory\n");
                rc = -1;
                break;
            }
            *rows = grown;
        }
        (*rows)[(*n)++] = r;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "wsbench-servers: error reading %s\n", path);
        rc = -1;
    }
    if (rc == 0 && lineno == 0) {
        fprintf(stderr, "wsbench-servers: %s is empty (expected the header line)\n", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc != 0) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}
