/*
 * chart.c - what every chart shares: its files (charts/<chart>.dat and .gp),
 * gnuplot script pieces, series, and writing every chart of the report.
 */
#include "report/report.h"

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
int file_close(FILE *f, const char *what)
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

int chart_close(const struct chart *c, FILE *dat, FILE *gp)
{
    int a = file_close(dat, c->base), b = file_close(gp, c->base);
    return a || b ? -1 : 0;
}

/* Adds a chart and opens its data file and script; NULL on failure. */
struct chart *chart_begin(struct report *rp, enum section sec, const char *heading,
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
void gp_string(FILE *f, const char *s)
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
void gp_preamble(FILE *f, const struct chart *c, int width, const char *title, const char *xlabel,
                 const char *ylabel)
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
void decades(double lo, double hi, double *dlo, double *dhi)
{
    *dlo = pow(10.0, floor(log10(lo / 1.5)));
    *dhi = pow(10.0, ceil(log10(hi)));
    if (*dhi <= *dlo * 1.0001)
        *dhi = *dlo * 10.0;
}

/* A log y axis over [dlo, dhi]; ticks at 1, 2 and 5 of each decade when the
 * axis spans at most two decades (else gnuplot's decades), labelled with SI
 * prefixes and unit (e.g. "s": "100 ms"). */
void gp_log_y(FILE *gp, double dlo, double dhi, const char *unit)
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

/* One plot clause of a line chart: a series' points and line, in style st. */
void gp_styled_line_clause(struct sbuf *plot, const struct chart *c, int block,
                           struct exec_style st)
{
    sb_printf(plot,
              "%s'%s.dat' index %d using 1:2 with linespoints lw 2.5 pt %d ps 1.4 lc rgb '%s' "
              "title '%s'",
              plot->len ? ", \\\n     " : "plot ", c->base, block, st.pt, st.color, st.name);
}

/* One plot clause of a line chart: an executor's points and line. */
static void gp_line_clause(struct sbuf *plot, const struct chart *c, int block, const char *exec)
{
    struct exec_style st = exec_style(exec);
    st.name = exec;
    gp_styled_line_clause(plot, c, block, st);
}

/* One plot clause of a bar chart: an executor's bars (boxxyerror columns). */
void gp_bar_clause(struct sbuf *plot, const struct chart *c, int block, const char *exec)
{
    struct exec_style st = exec_style(exec);
    sb_printf(plot,
              "%s'%s.dat' index %d using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder "
              "lc rgb '%s' title '%s'",
              plot->len ? ", \\\n     " : "plot ", c->base, block, st.color, exec);
}

/* Writes one bar: x centre, half width, value, and the bar's foot on the axis. */
void dat_bar(FILE *dat, double x, double half, double v, double foot)
{
    fprintf(dat, "%.6g %.6g %.6g %.6g %.6g %.6g\n", x, v, x - half, x + half, foot, v);
}

void gp_xtics_workers(FILE *gp, const unsigned *w, size_t nw)
{
    fputs("set xtics (", gp);
    for (size_t i = 0; i < nw; i++)
        fprintf(gp, "%s%u", i ? ", " : "", w[i]);
    fputs(")\n", gp);
}

struct summary summarise(const struct series *s,
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

/* For each series with a value of metric: a data block (workers, value,
 * real_ns) and its line in the plot command. */
void lines_write(FILE *dat, struct sbuf *plot, const struct chart *ch, const struct series *s,
                 size_t ns, metric_fn metric, const struct row *ctx)
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

double metric_tps(const struct row *r, const struct row *unused)
{
    (void)unused;
    return row_tps(r);
}

/* Writes the .dat and .gp files of every chart. 0, or -1 on a write error. */
int charts_write(struct report *rp)
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
