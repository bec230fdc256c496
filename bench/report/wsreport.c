/*
 * wsreport.c - turns a wsbench results directory into charts and a README.
 *
 *   wsreport <results-dir> [--no-charts] [--index FILE]
 *
 * Reads <dir>/results.csv (the format is fixed in core/schema.h), and
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
#include "report/report.h"

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

static void report_free(struct report *rp)
{
    for (size_t i = 0; i < rp->res.n; i++)
        free(rp->res.rows[i].buf);
    free(rp->res.rows);
    free(rp->picks);
    free(rp->failed);
    free(rp->fallback);
    free(rp->noisy);
    free(rp->rep_ns);
    free(rp->unusable);
    free(rp->cases);
    for (size_t i = 0; i < rp->ncharts; i++)
        free(rp->charts[i].text.s);
    free(rp->charts);
    extras_free(rp);
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
    if (rc != 0 || extras_prepare(&rp, ctx) != 0 || charts_write(&rp) != 0) {
        rc = 1;
        goto out;
    }
    gnuplot_draw_all(&rp);

    v = xrealloc(NULL, (rp.ncases ? rp.ncases : 1) * sizeof(*v));
    for (size_t i = 0; i < rp.ncases; i++)
        if (strcmp(rp.cases[i].kind, "micro") != 0 &&
            verdict_compute(&rp, &rp.cases[i], &v[nv]) == 0)
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
