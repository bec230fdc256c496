/*
 * extras.c - issue 12's parts of the report, gathered: the granularity
 * sweep (chart_grain.c), idle cost (chart_idle.c) and memory per task
 * (chart_memory.c). wsreport calls extras_prepare() once, before the other
 * charts; readme.c calls extras_readme() after the verdicts.
 */
#include "report/extras.h"

size_t csv_fields(char *line, char **f, size_t cap)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < cap;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

int extras_csv(const struct report *rp, const char *name, size_t nf, extras_row_fn row,
               struct extras *x, int *found)
{
    char path[PATH_MAX], line[1024], *v[16];
    snprintf(path, sizeof(path), "%s/%s", rp->dir, name);
    FILE *f = fopen(path, "r");
    *found = f != NULL;
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "wsreport: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (unsigned ln = 1; fgets(line, sizeof(line), f) != NULL; ln++) {
        if (ln == 1)
            continue; /* the header */
        size_t n = csv_fields(line, v, nf < ARRAY_LEN(v) ? nf : ARRAY_LEN(v));
        if (n != nf) {
            fprintf(stderr, "wsreport: %s:%u: %zu fields, want %zu\n", path, ln, n, nf);
            fclose(f);
            return -1;
        }
        row(x, v);
    }
    fclose(f);
    return 0;
}

int extras_prepare(struct report *rp, const char *ctx)
{
    struct extras *x = rp->extras = xrealloc(NULL, sizeof(*x));
    memset(x, 0, sizeof(*x));
    const char *c = ctx ? strstr(ctx, "online_cpus:") : NULL;
    if (c != NULL)
        x->ncpus = (unsigned)strtoul(c + strlen("online_cpus:"), NULL, 10);
    grain_take(rp, x);
    if (idle_load(rp, x) != 0 || memory_load(rp, x) != 0)
        return -1;
    if (x->ng == 0 && !x->idle_read && !x->mem_read)
        return 0;
    if (mkdir(rp->charts_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "wsreport: cannot create %s: %s\n", rp->charts_dir, strerror(errno));
        return -1;
    }
    return grain_charts(rp, x) || idle_chart(rp, x) || memory_chart(rp, x) ? -1 : 0;
}

/* The charts whose file names start with kind, each under its heading. */
static void extras_charts(FILE *f, const struct report *rp, const char *kind, const char *link)
{
    for (size_t i = 0; i < rp->ncharts; i++) {
        const struct chart *c = &rp->charts[i];
        if (c->sec != SEC_EXTRA || strncmp(c->base, kind, strlen(kind)) != 0)
            continue;
        fprintf(f, "#### %s\n\n", c->heading);
        if (c->drawn)
            fprintf(f, "![%s](%scharts/%s.svg)\n\n", c->heading, link, c->base);
        else
            fprintf(f,
                    "Not drawn: data [charts/%s.dat](%scharts/%s.dat), script "
                    "[charts/%s.gp](%scharts/%s.gp).\n\n",
                    c->base, link, c->base, c->base, link, c->base);
        fprintf(f, "%s\n\n", sb_str(&c->text));
    }
}

void extras_readme(FILE *f, const struct report *rp, const char *link)
{
    const struct extras *x = rp->extras;
    if (x == NULL)
        return;
    if (x->nm > 0) {
        grain_readme(f, x);
        extras_charts(f, rp, "grain_eff", link);
        extras_charts(f, rp, "grain_metg", link);
    }
    if (x->idle_read) {
        idle_readme(f, x);
        extras_charts(f, rp, "idle", link);
    }
    if (x->mem_read) {
        memory_readme(f, x);
        extras_charts(f, rp, "memory", link);
    }
}

void extras_free(struct report *rp)
{
    struct extras *x = rp->extras;
    if (x == NULL)
        return;
    free(x->g);
    free(x->m);
    free(x->idle);
    free(x->mem);
    free(x);
    rp->extras = NULL;
}
