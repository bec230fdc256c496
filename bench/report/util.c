/*
 * util.c - memory, growable strings, number formatting and small files.
 */
#include "report/report.h"

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "wsreport: out of memory\n");
        exit(1);
    }
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
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

const char *sb_str(const struct sbuf *b)
{
    return b->s ? b->s : "";
}

/* v rounded to 3 significant digits. */
static double round_sig3(double v)
{
    if (v == 0.0 || !isfinite(v))
        return v;
    double scale = pow(10.0, floor(log10(fabs(v))) - 2.0);
    return round(v / scale) * scale;
}

/* 3 significant digits, no exponent: 1.85, 54.0, 123, 12300. */
struct num fmt_sig3(double v)
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
struct num fmt_ns(double ns)
{
    return fmt_scaled(ns, time_units, ARRAY_LEN(time_units), " ", "");
}

/* "40.0k tasks/s" */
struct num fmt_rate(double per_s)
{
    return fmt_scaled(per_s, count_units, ARRAY_LEN(count_units), "", " tasks/s");
}

/* A count of things: "64", "756", "1.35M" */
struct num fmt_count(double v)
{
    struct num n;
    if (v >= 0 && v < 1000 && v == floor(v)) {
        snprintf(n.s, sizeof(n.s), "%.0f", v);
        return n;
    }
    return fmt_scaled(v, count_units, ARRAY_LEN(count_units), "", "");
}

/* "1.85x" */
struct num fmt_ratio(double r)
{
    struct num a = fmt_sig3(r), n;
    snprintf(n.s, sizeof(n.s), "%.32sx", a.s);
    return n;
}

/* "1 worker", "64 workers" */
struct num fmt_workers(unsigned w)
{
    struct num n;
    snprintf(n.s, sizeof(n.s), "%u worker%s", w, w == 1 ? "" : "s");
    return n;
}

/* The whole of a small text file, NUL-terminated, or NULL if it does not
 * exist (*err = 0) or cannot be read (*err = errno). */
char *read_text(const char *path, int *err)
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
