/*
 * chart_grain.c - the granularity sweep (workload grain): efficiency
 * against task duration, one chart per shape and worker count, one line
 * per model; METG(50%) per model, shape and worker count; and METG
 * against workers.
 *
 * Efficiency at a point is the ideal time over the measured one:
 * (tasks x ns / P) / real_ns, where ns is the kernel's calibrated duration
 * and P = min(workers, the machine's online CPUs): more workers than cores
 * (oversubscribed) cannot do more than the cores can, so their ideal is the
 * cores'.
 */
#include "report/extras.h"

/* The value of key in "a:1/key:v/b:2", copied to out; 0 if absent. */
static int param_get(const char *params, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = params; p != NULL && *p;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == ':') {
            snprintf(out, cap, "%.*s", (int)(len - kl - 1), p + kl + 1);
            return 1;
        }
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* The grain rows among the picks, as points; each case of grain leaves the cases. */
void grain_take(struct report *rp, struct extras *x)
{
    for (size_t i = 0; i < rp->npicks; i++) {
        const struct row *r = rp->picks[i];
        char v[32];
        if (strcmp(r->workload, "grain") != 0 || !(r->real_ns > 0))
            continue;
        double ns = param_get(r->params, "ns", v, sizeof(v)) ? strtod(v, NULL) : 1000;
        double tasks = param_get(r->params, "tasks", v, sizeof(v)) ? strtod(v, NULL) : r->tasks;
        int tree = param_get(r->params, "shape", v, sizeof(v)) && strcmp(v, "tree") == 0;
        unsigned p = r->workers ? r->workers : 1;
        if (x->ncpus > 0 && p > x->ncpus)
            p = x->ncpus;
        if (!(ns > 0) || !(tasks > 0))
            continue;
        struct gpt g = {r->executor, tree, r->workers, ns, tasks * ns / p / r->real_ns};
        PUSH(x->g, x->ng, x->capg, g);
    }
    size_t k = 0;
    for (size_t i = 0; i < rp->ncases; i++)
        if (strcmp(rp->cases[i].workload, "grain") != 0)
            rp->cases[k++] = rp->cases[i];
    rp->ncases = k;
}

static int cmp_gpt(const void *pa, const void *pb)
{
    const struct gpt *a = pa, *b = pb;
    int c = a->tree - b->tree;
    if (c == 0)
        c = (a->workers > b->workers) - (a->workers < b->workers);
    if (c == 0)
        c = exec_rank(a->exec) - exec_rank(b->exec);
    if (c == 0)
        c = strcmp(a->exec, b->exec);
    if (c == 0)
        c = (a->ns > b->ns) - (a->ns < b->ns);
    return c;
}

/* One model's curve at one shape and worker count: x->g[lo, hi). */
static size_t curve_end(const struct extras *x, size_t lo)
{
    size_t hi = lo;
    while (hi < x->ng && x->g[hi].tree == x->g[lo].tree && x->g[hi].workers == x->g[lo].workers &&
           strcmp(x->g[hi].exec, x->g[lo].exec) == 0)
        hi++;
    return hi;
}

static void metg_of(const struct extras *x, size_t lo, size_t hi, struct metg *m)
{
    struct grain_point *p = xrealloc(NULL, (hi - lo) * sizeof(*p));
    for (size_t i = lo; i < hi; i++)
        p[i - lo] = (struct grain_point){x->g[i].ns, x->g[i].eff};
    m->exec = x->g[lo].exec;
    m->tree = x->g[lo].tree;
    m->workers = x->g[lo].workers;
    m->r = metg_interpolate(p, hi - lo, 0.5, &m->ns);
    free(p);
}

/* "1.23 us", "< 100 ns", "> 10.0 ms" */
struct num metg_text(const struct metg *m)
{
    struct num n;
    if (m == NULL || m->r == METG_NONE)
        snprintf(n.s, sizeof(n.s), "-");
    else
        snprintf(n.s, sizeof(n.s), "%s%.32s",
                 m->r == METG_BELOW   ? "< "
                 : m->r == METG_ABOVE ? "> "
                                      : "",
                 fmt_ns(m->ns).s);
    return n;
}

const struct metg *metg_find(const struct extras *x, const char *exec, int tree, unsigned workers)
{
    for (size_t i = 0; i < x->nm; i++)
        if (x->m[i].tree == tree && x->m[i].workers == workers && strcmp(x->m[i].exec, exec) == 0)
            return &x->m[i];
    return NULL;
}

static void gp_ns_axis(FILE *gp, double lo, double hi)
{
    double dlo, dhi;
    decades(lo, hi, &dlo, &dhi);
    fprintf(gp, "set logscale x\nset xrange [%g:%g]\nset xtics (", dlo, dhi);
    int first = 1;
    for (double d = dlo; d <= dhi * 1.001; d *= 10) {
        fprintf(gp, "%s'%s' %g", first ? "" : ", ", fmt_ns(d).s, d);
        first = 0;
    }
    fputs(")\n", gp);
}

/* Efficiency against duration at one shape and worker count: x->g[lo, hi). */
static int chart_eff(struct report *rp, struct extras *x, size_t lo, size_t hi)
{
    int tree = x->g[lo].tree;
    unsigned w = x->g[lo].workers;
    char slug[64], heading[160], title[200];
    snprintf(slug, sizeof(slug), "%s_w%u", tree ? "tree" : "flat", w);
    snprintf(heading, sizeof(heading), "%s shape, %s%s", tree ? "Tree" : "Flat", fmt_workers(w).s,
             x->ncpus > 0 && w > x->ncpus ? " (oversubscribed)" : "");
    snprintf(title, sizeof(title), "grain (%s): efficiency against task duration, %s",
             tree ? "tree" : "flat", fmt_workers(w).s);
    FILE *dat, *gp;
    struct chart *ch = chart_begin(rp, SEC_EXTRA, heading, "grain_eff", slug, &dat, &gp);
    if (ch == NULL)
        return -1;
    double nlo = x->g[lo].ns, nhi = x->g[lo].ns, emax = 1;
    struct sbuf plot = {0};
    int block = 0;
    fputs("# efficiency = tasks x ns / min(workers, cpus) / real_ns\n# ns efficiency\n", dat);
    for (size_t a = lo; a < hi;) {
        size_t b = curve_end(x, a);
        fprintf(dat, "# executor: %s\n", x->g[a].exec);
        for (size_t i = a; i < b; i++) {
            fprintf(dat, "%.6g %.6g\n", x->g[i].ns, x->g[i].eff);
            nlo = fmin(nlo, x->g[i].ns);
            nhi = fmax(nhi, x->g[i].ns);
            emax = fmax(emax, x->g[i].eff);
        }
        fputs("\n\n", dat);
        struct exec_style st = exec_style(x->g[a].exec);
        st.name = x->g[a].exec;
        gp_styled_line_clause(&plot, ch, block++, st);
        a = b;
    }
    gp_preamble(gp, ch, 900, title, "task duration (log scale)", "efficiency");
    gp_ns_axis(gp, nlo, nhi);
    fprintf(gp,
            "set yrange [0:%.2f]\n"
            "set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 2 lc rgb "
            "'#808080'\n",
            fmin(emax * 1.1, 2));
    fprintf(gp, "%s\n", sb_str(&plot));
    free(plot.s);
    ch = &rp->charts[rp->ncharts - 1];
    /* One sentence on what to read, from the numbers: the smallest METG here. */
    const struct metg *best = NULL;
    for (size_t i = 0; i < x->nm; i++) {
        const struct metg *m = &x->m[i];
        if (m->tree == tree && m->workers == w && m->r != METG_NONE && m->r != METG_ABOVE &&
            (best == NULL || m->ns < best->ns))
            best = m;
    }
    sb_printf(&ch->text,
              "Each line is a model's efficiency (ideal time over measured) as tasks shrink; "
              "where a line crosses the dashed 50%% line is its METG.");
    if (best != NULL)
        sb_printf(&ch->text, " The smallest here is %s's, %s.", best->exec, metg_text(best).s);
    return chart_close(ch, dat, gp);
}

/* METG against workers for one shape: a line per model, only where it crosses. */
static int chart_metg_workers(struct report *rp, struct extras *x, int tree)
{
    double lo = 0, hi = 0;
    size_t nw = 0;
    unsigned ws[16];
    for (size_t i = 0; i < x->nm; i++) {
        const struct metg *m = &x->m[i];
        if (m->tree != tree)
            continue;
        size_t k = 0;
        while (k < nw && ws[k] != m->workers)
            k++;
        if (k == nw && nw < ARRAY_LEN(ws))
            ws[nw++] = m->workers;
        if (m->r == METG_FOUND) {
            lo = lo > 0 ? fmin(lo, m->ns) : m->ns;
            hi = fmax(hi, m->ns);
        }
    }
    if (nw < 2 || !(lo > 0))
        return 0; /* one worker count: the table says it all */
    for (size_t i = 1; i < nw; i++)
        for (size_t j = i; j > 0 && ws[j - 1] > ws[j]; j--) {
            unsigned t = ws[j];
            ws[j] = ws[j - 1];
            ws[j - 1] = t;
        }
    FILE *dat, *gp;
    char heading[96], title[160];
    snprintf(heading, sizeof(heading), "METG(50%%) against workers, %s shape",
             tree ? "tree" : "flat");
    snprintf(title, sizeof(title), "grain (%s): METG(50%%) against workers%s",
             tree ? "tree" : "flat",
             x->ncpus > 0 && ws[nw - 1] > x->ncpus ? " (beyond the cores: oversubscribed)" : "");
    struct chart *ch =
        chart_begin(rp, SEC_EXTRA, heading, "grain_metg", tree ? "tree" : "flat", &dat, &gp);
    if (ch == NULL)
        return -1;
    struct sbuf plot = {0};
    int block = 0;
    fputs("# workers metg_s (only where the efficiency crosses 50%)\n", dat);
    for (size_t i = 0; i < x->nm;) {
        size_t j = i;
        int any = 0;
        while (j < x->nm && strcmp(x->m[j].exec, x->m[i].exec) == 0)
            j++;
        for (size_t k = i; k < j; k++)
            if (x->m[k].tree == tree && x->m[k].r == METG_FOUND) {
                if (!any++)
                    fprintf(dat, "# executor: %s\n", x->m[i].exec);
                fprintf(dat, "%u %.6g\n", x->m[k].workers, x->m[k].ns / 1e9);
            }
        if (any) {
            fputs("\n\n", dat);
            struct exec_style st = exec_style(x->m[i].exec);
            st.name = x->m[i].exec;
            gp_styled_line_clause(&plot, ch, block++, st);
        }
        i = j;
    }
    double dlo, dhi;
    decades(lo, hi, &dlo, &dhi);
    gp_preamble(gp, ch, 900, title, "workers", "METG(50%) (log scale)");
    fprintf(gp, "set logscale x 2\nset xrange [%g:%g]\n", ws[0] / 1.3, ws[nw - 1] * 1.3);
    gp_xtics_workers(gp, ws, nw);
    gp_log_y(gp, dlo / 1e9, dhi / 1e9, "s");
    fprintf(gp, "%s\n", sb_str(&plot));
    free(plot.s);
    ch = &rp->charts[rp->ncharts - 1];
    sb_printf(&ch->text,
              "Lower is better: the smallest task each model still runs at 50%% efficiency, as "
              "workers are added%s; a model whose curve does not cross 50%% has no point.",
              x->ncpus > 0 && ws[nw - 1] > x->ncpus ? " (past the cores, oversubscribed)" : "");
    return chart_close(ch, dat, gp);
}

int grain_charts(struct report *rp, struct extras *x)
{
    if (x->ng == 0)
        return 0;
    qsort(x->g, x->ng, sizeof(*x->g), cmp_gpt);
    for (size_t a = 0; a < x->ng;) {
        size_t b = curve_end(x, a);
        struct metg m;
        metg_of(x, a, b, &m);
        PUSH(x->m, x->nm, x->capm, m);
        a = b;
    }
    /* x->m: by shape, workers, model; the workers chart wants model, then workers. */
    for (size_t a = 0; a < x->ng;) {
        size_t b = a;
        while (b < x->ng && x->g[b].tree == x->g[a].tree && x->g[b].workers == x->g[a].workers)
            b++;
        if (chart_eff(rp, x, a, b) != 0)
            return -1;
        a = b;
    }
    struct metg *byexec = xrealloc(NULL, x->nm * sizeof(*byexec));
    memcpy(byexec, x->m, x->nm * sizeof(*byexec));
    for (size_t i = 1; i < x->nm; i++)
        for (size_t j = i; j > 0; j--) {
            const struct metg *p = &byexec[j - 1], *q = &byexec[j];
            int c = exec_rank(p->exec) - exec_rank(q->exec);
            if (c == 0)
                c = strcmp(p->exec, q->exec);
            if (c == 0)
                c = (p->workers > q->workers) - (p->workers < q->workers);
            if (c <= 0)
                break;
            struct metg t = byexec[j];
            byexec[j] = byexec[j - 1];
            byexec[j - 1] = t;
        }
    struct metg *keep = x->m;
    x->m = byexec;
    int rc = chart_metg_workers(rp, x, 0) || chart_metg_workers(rp, x, 1) ? -1 : 0;
    x->m = keep;
    free(byexec);
    return rc;
}

/* The worker count of "all cores": the CPUs if a point has them, else the
 * largest count not beyond them. */
static unsigned all_cores(const struct extras *x)
{
    unsigned best = 0;
    for (size_t i = 0; i < x->nm; i++)
        if ((x->ncpus == 0 || x->m[i].workers <= x->ncpus) && x->m[i].workers > best)
            best = x->m[i].workers;
    return best;
}

void grain_readme(FILE *f, const struct extras *x)
{
    if (x->nm == 0)
        return;
    unsigned ws[16];
    size_t nw = 0;
    for (size_t i = 0; i < x->nm; i++) {
        size_t k = 0;
        while (k < nw && ws[k] != x->m[i].workers)
            k++;
        if (k == nw && nw < ARRAY_LEN(ws))
            ws[nw++] = x->m[i].workers;
    }
    for (size_t i = 1; i < nw; i++)
        for (size_t j = i; j > 0 && ws[j - 1] > ws[j]; j--) {
            unsigned t = ws[j];
            ws[j] = ws[j - 1];
            ws[j - 1] = t;
        }
    fputs("### Granularity: METG(50%)\n\n"
          "The smallest task (a calibrated arithmetic kernel) at which each model still reaches "
          "50% efficiency, efficiency being (tasks x duration / P) over the measured time, P "
          "the workers but at most the cores; interpolated in log scale between the two "
          "durations around the crossing. \"<\" and \">\": it does not cross within the sweep. "
          "Flat: independent tasks through map(); tree: a binary tree of spawns (the flat "
          "models get it cut into pieces).\n\n| Model |",
          f);
    for (int tree = 0; tree < 2; tree++)
        for (size_t k = 0; k < nw; k++)
            fprintf(f, " %s, %s%s |", tree ? "tree" : "flat", fmt_workers(ws[k]).s,
                    x->ncpus > 0 && ws[k] > x->ncpus ? " (oversubscribed)" : "");
    fputs("\n|---|", f);
    for (size_t k = 0; k < 2 * nw; k++)
        fputs("---|", f);
    fputc('\n', f);
    /* The models, in the registry's order. */
    const char **ex = xrealloc(NULL, x->nm * sizeof(*ex));
    size_t ne = 0;
    for (size_t i = 0; i < x->nm; i++) {
        size_t k = 0;
        while (k < ne && strcmp(ex[k], x->m[i].exec) != 0)
            k++;
        if (k < ne)
            continue;
        for (k = ne++; k > 0 && exec_rank(ex[k - 1]) > exec_rank(x->m[i].exec); k--)
            ex[k] = ex[k - 1];
        ex[k] = x->m[i].exec;
    }
    for (size_t i = 0; i < ne; i++) {
        fprintf(f, "| %s |", ex[i]);
        for (int tree = 0; tree < 2; tree++)
            for (size_t k = 0; k < nw; k++)
                fprintf(f, " %s |", metg_text(metg_find(x, ex[i], tree, ws[k])).s);
        fputc('\n', f);
    }
    free(ex);
    fputc('\n', f);
    /* The target: stealing's tree METG at all cores, against each peer. */
    unsigned w = all_cores(x);
    const struct metg *me = metg_find(x, "stealing", 1, w);
    if (me == NULL || me->r == METG_NONE) {
        fputs("No METG for stealing on the tree shape: no target line.\n\n", f);
        return;
    }
    fprintf(f, "**Target (tree shape, %s):** stealing's METG(50%%) is %s;", fmt_workers(w).s,
            metg_text(me).s);
    int n = 0;
    for (size_t i = 0; i < x->nm; i++) {
        const struct metg *m = &x->m[i];
        if (!m->tree || m->workers != w || strcmp(m->exec, "stealing") == 0 || m->r == METG_NONE)
            continue;
        if (m->r != METG_FOUND && me->r != METG_FOUND) {
            fprintf(f, "%s %s's is %s%s", n++ ? "," : "", m->exec, metg_text(m).s,
                    m->r == me->r ? " too" : "");
            continue;
        }
        /* A bound on either side makes the ratio a bound: "> 10 ms" over a
         * found METG is more than the ratio of 10 ms to it. */
        int more = m->r == METG_ABOVE || me->r == METG_BELOW;
        int less = m->r == METG_BELOW || me->r == METG_ABOVE;
        fprintf(f, "%s %s's is %s%s", n++ ? "," : "", m->exec,
                more   ? "more than "
                : less ? "less than "
                       : "",
                fmt_ratio(m->ns / me->ns).s);
    }
    fprintf(f,
            "%s (a peer's METG over stealing's: above 1x, stealing runs smaller tasks "
            "efficiently).\n\n",
            n ? "" : " no peer ran the tree shape at this worker count");
}
