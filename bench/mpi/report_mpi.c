/*
 * report_mpi.c - wsreport-mpi: the MPI suite's results directory to charts
 * and a README.
 *
 *   wsreport-mpi <results-dir> [--no-charts]
 *
 * Reads results.csv (core/schema.h, through wsreport's own reader) and
 * ranks.csv (mpi/ranks_schema.h). For each case (a workload with one
 * parameter set) it draws, with wsreport's chart files and gnuplot runner:
 *   scaling_<case>  speedup over the serial twin against ranks x workers,
 *                   one line per executor and workers per rank; past the
 *                   machine's cores the points are oversubscribed;
 *   idle_<case>     each rank's idle fraction (thread-time without an item
 *                   over threads x wall time), per configuration;
 *   traffic_<case>  steal requests, successful steals, lifeline requests and
 *                   chunks moved, summed over ranks, per configuration;
 *   bytes_<case>    bytes sent between ranks, per configuration;
 * and writes README.md: a table per case with every number the charts
 * show. Medians only; runs past the cores are marked as load-balance and
 * overhead data, not speedup.
 */
#include "mpi/ranks_schema.h"
#include "report/report.h"

/* One rank's row of ranks.csv. */
struct rrow {
    char name[256], stat[16];
#define RR_FIELD_(c) uint64_t c;
    WSBENCH_RANK_COLUMNS(RR_FIELD_)
#undef RR_FIELD_
};

static struct rrow *g_rr;
static size_t g_nrr, g_caprr;

static int ranks_load(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    if (f == NULL) {
        fprintf(stderr, "wsreport-mpi: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (getline(&line, &cap, f) != -1) {
        if (++lineno == 1)
            continue;
        struct rrow r;
        memset(&r, 0, sizeof(r));
        char *save = NULL, *tok = strtok_r(line, ",\n", &save);
        int col = 0, ok = tok != NULL;
        if (ok)
            snprintf(r.name, sizeof(r.name), "%s", tok);
        tok = strtok_r(NULL, ",\n", &save);
        ok = ok && tok != NULL;
        if (ok)
            snprintf(r.stat, sizeof(r.stat), "%s", tok);
#define RR_PARSE_(c)                                                                               \
    tok = ok ? strtok_r(NULL, ",\n", &save) : NULL;                                                \
    ok = ok && tok != NULL;                                                                        \
    if (ok)                                                                                        \
        r.c = strtoull(tok, NULL, 10);                                                             \
    col++;
        WSBENCH_RANK_COLUMNS(RR_PARSE_)
#undef RR_PARSE_
        (void)col;
        if (!ok) {
            fprintf(stderr, "wsreport-mpi: %s:%u: not a row of ranks_schema.h's columns\n", path,
                    lineno);
            free(line);
            fclose(f);
            return -1;
        }
        PUSH(g_rr, g_nrr, g_caprr, r);
    }
    free(line);
    fclose(f);
    return 0;
}

/* A configuration: an executor at some workers per rank, a line of the scaling chart. */
struct config {
    const char *exec;
    unsigned wpr; /* workers per rank */
    const char *color;
    int pt;
};

static const struct config configs[] = {
    {"mpi", 1, "#d55e00", 7},           {"mpi+stealing", 1, "#0072b2", 5},
    {"mpi+stealing", 2, "#56b4e9", 13}, {"mpi-static", 1, "#4d4d4d", 9},
    {"mpi-static", 2, "#999999", 11},
};

/* ranks: from params "<...>/ranks:<P>"; base: params without it. */
static unsigned params_ranks(const char *params, char *base, size_t cap)
{
    const char *r = strstr(params, "ranks:");
    unsigned n = r ? (unsigned)strtoul(r + 6, NULL, 10) : 1;
    size_t len = r ? (size_t)(r - params) : strlen(params);
    if (len > 0 && params[len - 1] == '/')
        len--;
    snprintf(base, cap, "%.*s", (int)len, params);
    return n;
}

struct pick {
    const struct row *row;
    unsigned ranks, wpr;
    char base[160];
};

static const struct rrow *rank_rows(const char *name, const char *stat, size_t *n)
{
    for (size_t i = 0; i < g_nrr; i++)
        if (strcmp(g_rr[i].name, name) == 0 && strcmp(g_rr[i].stat, stat) == 0) {
            size_t k = 0;
            while (i + k < g_nrr && strcmp(g_rr[i + k].name, name) == 0 &&
                   strcmp(g_rr[i + k].stat, stat) == 0)
                k++;
            *n = k;
            return &g_rr[i];
        }
    *n = 0;
    return NULL;
}

static double idle_frac(const struct rrow *r)
{
    double denom = (double)r->wall_ns * (double)(r->workers ? r->workers : 1);
    return denom > 0 ? (double)r->idle_ns / denom : 0;
}

static int cmp_pick(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;
    int c = strcmp(x->row->workload, y->row->workload);
    if (c == 0)
        c = strcmp(x->base, y->base);
    if (c == 0)
        c = strcmp(x->row->executor, y->row->executor);
    if (c == 0)
        c = (int)x->wpr - (int)y->wpr;
    if (c == 0)
        c = (int)x->ranks - (int)y->ranks;
    return c;
}

static void slugify(char *dst, size_t cap, const char *wl, const char *base)
{
    size_t j = (size_t)snprintf(dst, cap, "%s_", wl);
    for (const char *p = base; *p && j + 1 < cap; p++)
        dst[j++] = (char)(isalnum((unsigned char)*p) ? *p : '-');
    dst[j] = '\0';
}

/* The preamble and axes of a chart with one group of bars per configuration. */
static void gp_axes(FILE *gp, const struct chart *ch, const char *xtics, int x, const char *ylabel,
                    const char *yset)
{
    gp_preamble(gp, ch, 1000, ch->heading, "configuration (executor ranks x workers)", ylabel);
    fprintf(gp, "set xtics (%s) rotate by -30\nset xrange [-0.6:%d]\n%s\n", xtics, x, yset);
}

/* A chart of plain bars (dat_bar() rows): its script, and its line in the README. */
static void bars_finish(struct sbuf *md, const struct chart *ch, FILE *dat, FILE *gp,
                        const char *xtics, int x, const char *ylabel, const char *yset,
                        const char *color)
{
    if (ch == NULL)
        return;
    gp_axes(gp, ch, xtics, x, ylabel, yset);
    fprintf(gp,
            "unset key\nplot '%s.dat' using 1:2:3:4:5:6 with boxxyerror fs solid 0.85 noborder "
            "lc rgb '%s'\n",
            ch->base, color);
    chart_close(ch, dat, gp);
    sb_printf(md, "\n![%s](charts/%s.svg)\n", ch->heading, ch->base);
}

/* Charts and the README's section for the picks [b, e) of one case. */
static void one_case(struct report *rp, struct sbuf *md, const struct pick *p, size_t n,
                     unsigned cores)
{
    char slug[200], title[256];
    const struct row *serial = NULL;
    slugify(slug, sizeof(slug), p[0].row->workload, p[0].base);
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].row->executor, "serial") == 0)
            serial = p[i].row;
    sb_printf(md, "\n## %s (%s)\n\n", p[0].row->workload, p[0].base);
    if (serial)
        sb_printf(md, "Serial twin: %s.\n\n", fmt_ns(serial->real_ns).s);

    /* The scaling chart. */
    FILE *dat, *gp;
    struct chart *ch;
    snprintf(title, sizeof(title), "%s (%s): speedup over the serial twin", p[0].row->workload,
             p[0].base);
    ch = serial ? chart_begin(rp, SEC_SPEEDUP, title, "scaling", slug, &dat, &gp) : NULL;
    if (ch != NULL) {
        struct sbuf plot = {0};
        int block = 0;
        unsigned xmax = 1;
        for (size_t c = 0; c < ARRAY_LEN(configs); c++) {
            int any = 0;
            for (size_t i = 0; i < n; i++) {
                if (strcmp(p[i].row->executor, configs[c].exec) != 0 || p[i].wpr != configs[c].wpr)
                    continue;
                fprintf(dat, "%u %.6g\n", p[i].row->workers, serial->real_ns / p[i].row->real_ns);
                xmax = p[i].row->workers > xmax ? p[i].row->workers : xmax;
                any = 1;
            }
            if (!any)
                continue;
            fprintf(dat, "\n\n");
            sb_printf(&plot,
                      "%s'%s.dat' index %d using 1:2 with linespoints lw 2.5 pt %d ps 1.4 lc rgb "
                      "'%s' title '%s, %u worker%s/rank'",
                      plot.len ? ", \\\n     " : "plot ", ch->base, block++, configs[c].pt,
                      configs[c].color, configs[c].exec, configs[c].wpr,
                      configs[c].wpr > 1 ? "s" : "");
        }
        gp_preamble(gp, ch, 900, title, "ranks x workers (threads)", "speedup over serial");
        fprintf(gp, "set logscale x 2\nset xrange [0.8:%u]\nset yrange [0:*]\n", xmax * 5 / 4 + 1);
        fprintf(gp,
                "set arrow from %u, graph 0 to %u, graph 1 nohead dt 2 lc rgb '#aa0000'\n"
                "set label 'cores: beyond, oversubscribed' at %u, graph 0.95 offset 0.5,0 "
                "tc rgb '#aa0000'\n",
                cores, cores, cores);
        fprintf(gp, "%s\n", plot.len ? plot.s : "plot 0 notitle");
        free(plot.s);
        chart_close(ch, dat, gp);
        sb_printf(md, "![scaling](charts/%s.svg)\n\n", ch->base);
    }

    /* The table, and the per-rank charts' data. */
    sb_printf(md, "| executor | ranks x workers | median | speedup | idle per rank | steals (ok) | "
                  "lifelines | chunks moved | bytes moved | |\n"
                  "|---|---|---|---|---|---|---|---|---|---|\n");
    FILE *idat = NULL, *igp = NULL, *tdat = NULL, *tgp = NULL, *bdat = NULL, *bgp = NULL;
    struct chart *ich, *tch, *bch;
    snprintf(title, sizeof(title), "%s (%s): idle fraction of each rank", p[0].row->workload,
             p[0].base);
    ich = chart_begin(rp, SEC_OVERHEAD, title, "idle", slug, &idat, &igp);
    snprintf(title, sizeof(title), "%s (%s): steals and chunks, all ranks", p[0].row->workload,
             p[0].base);
    tch = chart_begin(rp, SEC_OVERHEAD, title, "traffic", slug, &tdat, &tgp);
    snprintf(title, sizeof(title), "%s (%s): bytes sent between ranks", p[0].row->workload,
             p[0].base);
    bch = chart_begin(rp, SEC_OVERHEAD, title, "bytes", slug, &bdat, &bgp);
    struct sbuf xt = {0};
    int x = 0;
    double maxbytes = 1;
    for (size_t i = 0; i < n; i++) {
        const struct row *r = p[i].row;
        size_t nr;
        const struct rrow *rr = rank_rows(r->name, "median", &nr);
        uint64_t steals = 0, ok = 0, lifelines = 0, chunks = 0, bytes = 0;
        struct sbuf idle = {0};
        for (size_t k = 0; k < nr; k++) {
            steals += rr[k].steals;
            ok += rr[k].steals_ok;
            lifelines += rr[k].lifelines;
            chunks += rr[k].chunks_sent;
            bytes += rr[k].bytes_sent;
            sb_printf(&idle, "%s%.0f%%", k ? " " : "", 100 * idle_frac(&rr[k]));
        }
        int over = r->workers > cores;
        sb_printf(md, "| %s | %u x %u | %s | %s | %s | %llu (%llu) | %llu | %llu | %s | %s |\n",
                  r->executor, p[i].ranks, p[i].wpr, fmt_ns(r->real_ns).s,
                  serial ? fmt_ratio(serial->real_ns / r->real_ns).s : "-", idle.len ? idle.s : "-",
                  (unsigned long long)steals, (unsigned long long)ok, (unsigned long long)lifelines,
                  (unsigned long long)chunks, fmt_count((double)bytes).s,
                  over ? "oversubscribed" : "");
        free(idle.s);
        if (strcmp(r->executor, "serial") == 0 || nr == 0)
            continue;
        sb_printf(&xt, "%s'%s %ux%u' %d", xt.len ? ", " : "", r->executor, p[i].ranks, p[i].wpr, x);
        for (size_t k = 0; idat && k < nr; k++) {
            double w = 0.8 / (double)nr, cx = x - 0.4 + w * ((double)k + 0.5);
            dat_bar(idat, cx, w / 2 * 0.9, idle_frac(&rr[k]), 0);
        }
        if (tdat) {
            double v[4] = {(double)steals, (double)ok, (double)lifelines, (double)chunks};
            for (int k = 0; k < 4; k++)
                fprintf(tdat, "%d %d %.6g\n", x, k, v[k]);
        }
        if (bdat)
            dat_bar(bdat, x, 0.35, (double)bytes, 0);
        maxbytes = (double)bytes > maxbytes ? (double)bytes : maxbytes;
        x++;
    }
    const char *xtics = xt.len ? xt.s : "'' 0";
    char yset[64];
    snprintf(yset, sizeof(yset), "set yrange [0:%.6g]\nset format y '%%.0s %%cB'", maxbytes * 1.15);
    bars_finish(md, ich, idat, igp, xtics, x, "idle fraction (thread-time without an item)",
                "set yrange [0:1]", "#0072b2");
    bars_finish(md, bch, bdat, bgp, xtics, x, "bytes sent, all ranks", yset, "#cc79a7");
    if (tch) {
        gp_axes(tgp, tch, xtics, x, "count, summed over ranks", "set yrange [0:*]");
        fprintf(tgp,
                "set style fill solid 0.85 noborder\nset boxwidth 0.18\nplot "
                "'%s.dat' using ($1-0.3+0.2*$2):($2==0?$3:1/0) with boxes lc rgb '#e69f00' title "
                "'steal requests', '' using ($1-0.3+0.2*$2):($2==1?$3:1/0) with boxes lc rgb "
                "'#009e73' title 'answered with work', '' using ($1-0.3+0.2*$2):($2==2?$3:1/0) "
                "with boxes lc rgb '#cc79a7' title 'lifeline requests', '' using "
                "($1-0.3+0.2*$2):($2==3?$3:1/0) with boxes lc rgb '#0072b2' title 'chunks "
                "moved'\n",
                tch->base);
        chart_close(tch, tdat, tgp);
        sb_printf(md, "\n![%s](charts/%s.svg)\n", tch->heading, tch->base);
    }
    free(xt.s);
}

int main(int argc, char **argv)
{
    struct report rp;
    memset(&rp, 0, sizeof(rp));
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--no-charts") != 0)) {
        fprintf(stderr, "usage: wsreport-mpi <results-dir> [--no-charts]\n");
        return 2;
    }
    rp.dir = argv[1];
    rp.draw = argc == 3 ? DRAW_DISABLED : DRAW_YES;
    snprintf(rp.csv_path, sizeof(rp.csv_path), "%s/results.csv", rp.dir);
    snprintf(rp.charts_dir, sizeof(rp.charts_dir), "%s/charts", rp.dir);
    char rpath[PATH_MAX];
    snprintf(rpath, sizeof(rpath), "%s/ranks.csv", rp.dir);
    if (csv_load(rp.csv_path, &rp.res) != 0 || ranks_load(rpath) != 0)
        return 1;
    mkdir(rp.charts_dir, 0777);

    /* The median row of each benchmark. */
    struct pick *p = NULL;
    size_t n = 0, cap = 0;
    unsigned cores = 0;
    int failed = 0;
    for (size_t i = 0; i < rp.res.n; i++) {
        const struct row *r = &rp.res.rows[i];
        if (r->error[0] != '\0')
            failed++;
        if (strcmp(r->stat, "median") != 0)
            continue;
        struct pick k = {.row = r};
        k.ranks = params_ranks(r->params, k.base, sizeof(k.base));
        k.wpr = k.ranks ? r->workers / k.ranks : r->workers;
        PUSH(p, n, cap, k);
    }
    for (size_t i = 0; i < g_nrr; i++)
        cores = g_rr[i].cores > cores ? (unsigned)g_rr[i].cores : cores;
    qsort(p, n, sizeof(*p), cmp_pick);

    struct sbuf md = {0};
    sb_printf(&md,
              "# The MPI suite\n\nGenerated by wsreport-mpi from results.csv and ranks.csv; "
              "every number is a median of the repetitions. The machine has %u cores: runs "
              "with more ranks x workers than that oversubscribe it, and measure load balance "
              "and overhead (messages, idle fraction, chunks moved), not speedup.\n",
              cores);
    if (failed)
        sb_printf(&md, "\n**%d rows of results.csv carry an error**: see its error column.\n",
                  failed);
    for (size_t b = 0; b < n;) {
        size_t e = b + 1;
        while (e < n && strcmp(p[e].row->workload, p[b].row->workload) == 0 &&
               strcmp(p[e].base, p[b].base) == 0)
            e++;
        one_case(&rp, &md, p + b, e - b, cores);
        b = e;
    }
    gnuplot_draw_all(&rp);
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/README.md", rp.dir);
    FILE *f = fopen(out, "w");
    if (f == NULL || fputs(md.s, f) < 0 || file_close(f, out) != 0) {
        fprintf(stderr, "wsreport-mpi: cannot write %s\n", out);
        return 1;
    }
    fprintf(stderr, "wsreport-mpi: %zu benchmarks, %zu charts, %s\n", n, rp.ncharts, out);
    free(md.s);
    free(p);
    return rp.draw_failures ? 1 : 0;
}
