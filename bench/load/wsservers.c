/*
 * wsservers.c - wsbench-servers, the servers suite: wsserve on every model,
 * loaded by wrk (closed loop), by wsopen (open loop, at a ladder of offered
 * rates) and, at a few points, by h2load (a second real client); results,
 * charts and verdicts in results/<date>_<commit>-servers/.
 *
 *   wsbench-servers [--quick] [--models A,B] [--costs 0,100,2000:2] ...
 *   wsbench-servers --report DIR     redraws DIR's charts and README
 *   (bash scripts/bench.sh --suite servers runs it through wsbench)
 *
 * The plan, model by model and cost by cost (a cost is work_us[:fanout]):
 *   1. wrk at each connection count, server pinned to its CPUs and the
 *      client to the others ("pinned"). A count is left out where one round
 *      of requests, one per connection, would take the server longer than
 *      the run (10,000 connections at 2 ms: 20 s of CPU, so no connection
 *      would get a second reply: that measures the queue, not the model),
 *      and after the model failed at a smaller count (it did not survive).
 *   2. wsopen at --open-connections connections, at fractions (--ladder) of
 *      the wrk throughput just measured at that many connections (the
 *      best at any count if that point failed or was not run).
 *   3. For costs with fanout > 1 on two or more CPUs, wrk again with the
 *      server on every CPU ("shared"; the client keeps its own): pinned to
 *      one CPU, a request's parts can only run in turn, so only this
 *      placement shows whether fork-join inside a request helps.
 *   4. h2load at the --crosscheck points, against the wrk row there.
 * Every point is a fresh server (its counts are that run's), started with
 * the same --iters-per-us (calibrated once on the server's CPUs) so that
 * every model does the same work per request. A point that fails (the
 * server dies, does not start or stop, a client hangs) is a row with its
 * error; the suite goes on. ^C or SIGTERM stops every child and keeps the
 * rows written so far.
 *
 * Exit status: 0 the plan ran (whatever the servers did); 1 the suite could
 * not run (no wsserve, wrk, calibration, output directory) or was
 * interrupted, or the report failed; 2 bad arguments.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "load/numarg.h"
#include "load/servers.h"

#define MAX_LIST 16

static const char *const all_models[] = {"thread-per-conn", "threadpool",      "prefork",
                                         "eventloop",       "eventloop-cores", "wsched"};

struct cost {
    unsigned work_us, fanout;
};

struct xpoint {
    unsigned work_us, connections;
};

struct suite_opts {
    int quick, dry_run, open, crosscheck, report, draw;
    const char *models[MAX_LIST];
    size_t nmodels;
    struct cost costs[MAX_LIST];
    size_t ncosts;
    unsigned conns[MAX_LIST];
    size_t nconns;
    double ladder[MAX_LIST];
    size_t nladder;
    struct xpoint xpoints[MAX_LIST];
    size_t nxpoints;
    double duration, open_duration, timeout, iters_per_us;
    unsigned open_conns, reps;
    const char *out, *server, *report_dir, *server_cpus, *client_cpus;
    int shared;     /* run the shared placement (fanout > 1) */
    unsigned given; /* G_* bits: what the command line set */
};

enum {
    G_COSTS = 1,
    G_CONNS = 2,
    G_LADDER = 4,
    G_XPOINTS = 8,
    G_DURATION = 16,
    G_OPEN_DURATION = 32
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wsbench-servers [options]        (bash scripts/bench.sh --suite servers)\n"
            "       wsbench-servers --report DIR [--no-charts]\n"
            "  The servers suite: wsserve on each model under wrk (closed loop), wsopen (open\n"
            "  loop, a ladder of offered rates) and h2load (a cross-check); results, charts\n"
            "  and verdicts in results/<date>_<commit>-servers/.\n"
            "  --quick               a few points, in under a minute\n"
            "  --models A,B          of thread-per-conn, threadpool, prefork, eventloop,\n"
            "                        eventloop-cores, wsched (default: all)\n"
            "  --costs LIST          CPU work per request, us[:fanout] (default 0,100,2000:2)\n"
            "  --connections LIST    wrk's connection counts (default 1,16,64,256,1024,10000)\n"
            "  --duration S          seconds per wrk and h2load run (default 3)\n"
            "  --timeout S           the clients' request timeout, whole seconds (default 5)\n"
            "  --repetitions N       runs of each wrk point (default 1)\n"
            "  --ladder F,F          open-loop rates, as fractions of wrk's throughput at the\n"
            "                        same model, cost and connections (default\n"
            "                        0.25,0.5,0.75,0.9,1.1)\n"
            "  --open-connections C  wsopen's connections (default 64)\n"
            "  --open-duration S     seconds per open-loop rate (default 2)\n"
            "  --crosscheck LIST     h2load's points, work_us:connections (default 0:64,0:1024)\n"
            "  --no-open, --no-crosscheck, --no-shared   leave out those runs\n"
            "  --server-cpus L, --client-cpus L   CPU lists like 1 or 2-3 (default: the client\n"
            "                        the first quarter of this process's CPUs, at least one,\n"
            "                        the server the rest)\n"
            "  --server PATH         wsserve (default: beside this program)\n"
            "  --iters-per-us X      wsserve's work calibration (default: wsserve --calibrate)\n"
            "  --out DIR             results directory (default results/<date>_<commit>-servers)\n"
            "  --no-report           no charts and README\n"
            "  --dry-run             print the plan and run nothing\n"
            "  --report DIR          only redraw DIR's charts and README from its results.csv\n");
}

/* ---- arguments ------------------------------------------------------------------------------ */

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    uint64_t v;
    if (arg_u64(s, lo, hi, &v) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Splits a comma list into items (copied into buf); their count, or -1. */
static int split(const char *list, char *buf, size_t cap, char **items, size_t max)
{
    if (list == NULL || *list == '\0' || strlen(list) >= cap)
        return -1;
    strcpy(buf, list);
    size_t n = 0;
    for (char *p = buf;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0' || n == max)
            return -1;
        items[n++] = p;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return (int)n;
}

static int parse_list(const char *opt, const char *v, struct suite_opts *o)
{
    static char bufs[8][512];
    static int nb;
    char *items[MAX_LIST], *buf = bufs[nb++ % 8];
    int n = split(v, buf, sizeof(bufs[0]), items, MAX_LIST);
    if (n < 0) {
        fprintf(stderr,
                "wsbench-servers: %s wants a comma-separated list of at most %d, not '%s'\n", opt,
                MAX_LIST, v ? v : "");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char *it = items[i];
        if (strcmp(opt, "--models") == 0) {
            size_t k = 0;
            while (k < sizeof(all_models) / sizeof(all_models[0]) && strcmp(all_models[k], it))
                k++;
            if (k == sizeof(all_models) / sizeof(all_models[0])) {
                fprintf(stderr, "wsbench-servers: unknown model '%s'\n", it);
                return -1;
            }
            o->models[i] = all_models[k];
            o->nmodels = (size_t)n;
        } else if (strcmp(opt, "--costs") == 0) {
            char *colon = strchr(it, ':');
            unsigned fan = 1;
            if (colon)
                *colon = '\0';
            if (parse_uint(it, 0, 1000000, &o->costs[i].work_us) != 0 ||
                (colon && parse_uint(colon + 1, 1, 64, &fan) != 0)) {
                fprintf(stderr,
                        "wsbench-servers: --costs wants work_us[:fanout] items, work 0..1000000, "
                        "fanout 1..64, not '%s'\n",
                        v);
                return -1;
            }
            o->costs[i].fanout = fan;
            o->ncosts = (size_t)n;
            o->given |= G_COSTS;
        } else if (strcmp(opt, "--connections") == 0) {
            if (parse_uint(it, 1, 100000, &o->conns[i]) != 0) {
                fprintf(stderr, "wsbench-servers: --connections wants counts 1..100000, not '%s'\n",
                        v);
                return -1;
            }
            o->nconns = (size_t)n;
            o->given |= G_CONNS;
        } else if (strcmp(opt, "--ladder") == 0) {
            if (arg_double(it, 0.001, 100, &o->ladder[i]) != 0) {
                fprintf(stderr, "wsbench-servers: --ladder wants fractions 0.001..100, not '%s'\n",
                        v);
                return -1;
            }
            o->nladder = (size_t)n;
            o->given |= G_LADDER;
        } else { /* --crosscheck */
            char *colon = strchr(it, ':');
            if (colon)
                *colon = '\0';
            if (colon == NULL || parse_uint(it, 0, 1000000, &o->xpoints[i].work_us) != 0 ||
                parse_uint(colon + 1, 1, 100000, &o->xpoints[i].connections) != 0) {
                fprintf(stderr,
                        "wsbench-servers: --crosscheck wants work_us:connections items, not '%s'\n",
                        v);
                return -1;
            }
            o->nxpoints = (size_t)n;
            o->given |= G_XPOINTS;
        }
    }
    return 0;
}

/* 0, 1 (--help) or -1 after saying why. */
static int parse_args(int argc, char **argv, struct suite_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        static const char *const flags[] = {"--quick",         "--dry-run",   "--no-open",
                                            "--no-crosscheck", "--no-report", "--no-charts",
                                            "--no-shared",     "--help",      "-h"};
        int flag = 0;
        for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
            flag |= strcmp(a, flags[k]) == 0;
        if (flag) {
            if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
                return 1;
            if (strcmp(a, "--quick") == 0)
                o->quick = 1;
            else if (strcmp(a, "--dry-run") == 0)
                o->dry_run = 1;
            else if (strcmp(a, "--no-open") == 0)
                o->open = 0;
            else if (strcmp(a, "--no-crosscheck") == 0)
                o->crosscheck = 0;
            else if (strcmp(a, "--no-report") == 0)
                o->report = 0;
            else if (strcmp(a, "--no-shared") == 0)
                o->shared = 0;
            else
                o->draw = 0;
            continue;
        }
        static const char *const valued[] = {
            "--models",        "--costs",        "--connections", "--duration",
            "--timeout",       "--repetitions",  "--ladder",      "--open-connections",
            "--open-duration", "--crosscheck",   "--server-cpus", "--client-cpus",
            "--server",        "--iters-per-us", "--out",         "--report"};
        int known = 0;
        for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
            known |= strcmp(a, valued[k]) == 0;
        if (!known) {
            fprintf(stderr, "wsbench-servers: unknown argument '%s'\n", a);
            return -1;
        }
        if (v == NULL || *v == '\0') {
            fprintf(stderr, "wsbench-servers: %s wants a value\n", a);
            return -1;
        }
        i++;
        if (!strcmp(a, "--models") || !strcmp(a, "--costs") || !strcmp(a, "--connections") ||
            !strcmp(a, "--ladder") || !strcmp(a, "--crosscheck")) {
            if (parse_list(a, v, o) != 0)
                return -1;
        } else if (!strcmp(a, "--duration") || !strcmp(a, "--open-duration") ||
                   !strcmp(a, "--timeout")) {
            double *d = !strcmp(a, "--duration")        ? &o->duration
                        : !strcmp(a, "--open-duration") ? &o->open_duration
                                                        : &o->timeout;
            /* wrk and h2load take whole seconds */
            if (arg_double(v, d == &o->open_duration ? 0.1 : 1, 3600, d) != 0 ||
                (d != &o->open_duration && *d != floor(*d))) {
                fprintf(stderr, "wsbench-servers: %s wants %s, not '%s'\n", a,
                        d == &o->open_duration ? "seconds 0.1..3600" : "whole seconds 1..3600", v);
                return -1;
            }
            o->given |= d == &o->duration        ? G_DURATION
                        : d == &o->open_duration ? G_OPEN_DURATION
                                                 : 0;
        } else if (!strcmp(a, "--repetitions") || !strcmp(a, "--open-connections")) {
            unsigned *u = a[2] == 'r' ? &o->reps : &o->open_conns;
            if (parse_uint(v, 1, u == &o->reps ? 100 : 100000, u) != 0) {
                fprintf(stderr, "wsbench-servers: %s wants a positive count, not '%s'\n", a, v);
                return -1;
            }
        } else if (!strcmp(a, "--iters-per-us")) {
            if (arg_double(v, 1e-6, 1e9, &o->iters_per_us) != 0) {
                fprintf(stderr,
                        "wsbench-servers: --iters-per-us wants a positive number, not "
                        "'%s'\n",
                        v);
                return -1;
            }
        } else if (!strcmp(a, "--server-cpus")) {
            o->server_cpus = v;
        } else if (!strcmp(a, "--client-cpus")) {
            o->client_cpus = v;
        } else if (!strcmp(a, "--server")) {
            o->server = v;
        } else if (!strcmp(a, "--out")) {
            o->out = v;
        } else {
            o->report_dir = v;
        }
    }
    if (o->quick) {
        /* Unless given: two costs, two connection counts, short runs, two
         * rungs, one cross-check, no shared placement. */
        if (!(o->given & G_COSTS))
            o->costs[0] = (struct cost){0, 1}, o->costs[1] = (struct cost){2000, 2}, o->ncosts = 2;
        if (!(o->given & G_CONNS))
            o->conns[0] = 16, o->conns[1] = 256, o->nconns = 2;
        if (!(o->given & G_LADDER))
            o->ladder[0] = 0.5, o->ladder[1] = 1.1, o->nladder = 2;
        if (!(o->given & G_XPOINTS))
            o->xpoints[0] = (struct xpoint){0, 16}, o->nxpoints = 1;
        if (!(o->given & G_DURATION))
            o->duration = 1;
        if (!(o->given & G_OPEN_DURATION))
            o->open_duration = 0.5;
        o->shared = 0;
    }
    return 0;
}

static void defaults(struct suite_opts *o)
{
    *o = (struct suite_opts){.open = 1,
                             .crosscheck = 1,
                             .report = 1,
                             .draw = 1,
                             .shared = 1,
                             .duration = 3,
                             .open_duration = 2,
                             .timeout = 5,
                             .reps = 1,
                             .open_conns = 64};
    for (size_t i = 0; i < sizeof(all_models) / sizeof(all_models[0]); i++)
        o->models[o->nmodels++] = all_models[i];
    static const struct cost costs[] = {{0, 1}, {100, 1}, {2000, 2}};
    static const unsigned conns[] = {1, 16, 64, 256, 1024, 10000};
    static const double ladder[] = {0.25, 0.5, 0.75, 0.9, 1.1};
    static const struct xpoint xp[] = {{0, 64}, {0, 1024}};
    memcpy(o->costs, costs, sizeof(costs));
    o->ncosts = sizeof(costs) / sizeof(costs[0]);
    memcpy(o->conns, conns, sizeof(conns));
    o->nconns = sizeof(conns) / sizeof(conns[0]);
    memcpy(o->ladder, ladder, sizeof(ladder));
    o->nladder = sizeof(ladder) / sizeof(ladder[0]);
    memcpy(o->xpoints, xp, sizeof(xp));
    o->nxpoints = sizeof(xp) / sizeof(xp[0]);
}

/* "1", "2-3,5": into set; 0 or -1. */
static int parse_cpus(const char *s, cpu_set_t *set)
{
    CPU_ZERO(set);
    for (const char *p = s; *p;) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p || a < 0 || a >= CPU_SETSIZE)
            return -1;
        if (*end == '-') {
            p = end + 1;
            b = strtol(p, &end, 10);
            if (end == p || b < a || b >= CPU_SETSIZE)
                return -1;
        }
        for (long c = a; c <= b; c++)
            CPU_SET((int)c, set);
        if (*end != ',' && *end != '\0')
            return -1;
        p = *end ? end + 1 : end;
    }
    return CPU_COUNT(set) > 0 ? 0 : -1;
}

/* ---- the tools --------------------------------------------------------------------------------
 */

static int in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    for (const char *p = path; p != NULL && *p;) {
        const char *colon = strchr(p, ':');
        int len = colon ? (int)(colon - p) : (int)strlen(p);
        if (snprintf(buf, sizeof(buf), "%.*s/%s", len, len ? p : ".", prog) < (int)sizeof(buf) &&
            access(buf, X_OK) == 0)
            return 1;
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* path = this program's directory + "/" + name, if that exists; 0 or -1. */
static int beside_me(const char *name, char *path, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    if (snprintf(path, cap, "%s/%s", exe, name) >= (int)cap)
        return -1;
    return access(path, F_OK) == 0 ? 0 : -1;
}

static int find_tools(const struct suite_opts *o, struct tools *t)
{
    *t = (struct tools){0};
    if (o->server != NULL) {
        snprintf(t->wsserve, sizeof(t->wsserve), "%s", o->server);
        if (access(t->wsserve, X_OK) != 0) {
            fprintf(stderr, "wsbench-servers: --server %s: %s\n", o->server, strerror(errno));
            return -1;
        }
    } else if (beside_me("wsserve", t->wsserve, sizeof(t->wsserve)) != 0 &&
               beside_me("serve/wsserve", t->wsserve, sizeof(t->wsserve)) != 0) {
        fprintf(stderr, "wsbench-servers: wsserve not found beside this program (build the "
                        "tree, or give --server PATH)\n");
        return -1;
    }
    if (beside_me("wsopen", t->wsopen, sizeof(t->wsopen)) != 0 ||
        beside_me("wrk-report.lua", t->wrk_lua, sizeof(t->wrk_lua)) != 0) {
        fprintf(stderr, "wsbench-servers: wsopen or wrk-report.lua is missing beside this "
                        "program (rebuild the tree)\n");
        return -1;
    }
    t->wrk = in_path("wrk") ? "wrk" : NULL;
    t->h2load = in_path("h2load") ? "h2load" : NULL;
    if (t->wrk == NULL) {
        fprintf(stderr, "wsbench-servers: wrk not found in PATH (apt-get install wrk; "
                        "scripts/setup.sh installs it)\n");
        return -1;
    }
    if (t->h2load == NULL && o->crosscheck)
        fprintf(stderr, "wsbench-servers: h2load not found in PATH (apt-get install "
                        "nghttp2-client): no cross-check\n");
    return 0;
}

/* The first line a tool prints about its version ("" if none). */
static void tool_version(const char *prog, const char *flag, char *out, size_t cap)
{
    struct child c;
    char err[256];
    char *argv[] = {(char *)prog, (char *)flag, NULL};
    out[0] = '\0';
    if (child_spawn(&c, argv, NULL, err, sizeof(err)) != 0)
        return;
    child_wait(&c, 10, NULL, 0);
    const char *s = c.o.len ? c.o.s : c.e.s ? c.e.s : "";
    snprintf(out, cap, "%.*s", (int)strcspn(s, "\n"), s);
    child_release(&c);
}

/* ---- the run -------------------------------------------------------------------------------- */

struct suite {
    const struct suite_opts *o;
    struct tools t;
    cpu_set_t server_cpus, client_cpus, all_cpus;
    double ipu;
    FILE *csv, *cmds;
    struct srow *rows; /* every row so far: the ladder and checks read them */
    size_t nrows, cap;
    size_t done, total;
    double started;
};

static const char *client_name(enum client_kind k)
{
    return k == CLIENT_WRK ? "wrk" : k == CLIENT_OPEN ? "open" : "h2load";
}

/* Keeps r, and writes it at once (a crash or ^C later loses nothing). */
static void keep_row(struct suite *s, const struct srow *r, const char *cmdline,
                     const char *server_line)
{
    if (s->nrows == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        struct srow *g = realloc(s->rows, s->cap * sizeof(*g));
        if (g == NULL) {
            fprintf(stderr, "wsbench-servers: out of memory\n");
            exit(1);
        }
        s->rows = g;
    }
    s->rows[s->nrows++] = *r;
    if (s->csv) {
        row_write(s->csv, r);
        fflush(s->csv);
    }
    if (s->cmds) {
        fprintf(s->cmds,
                "# %s %s work=%lld fanout=%lld connections=%lld rep=%lld; server: %s\n%s\n",
                r->model, r->placement, (long long)r->work_us, (long long)r->fanout,
                (long long)r->connections, (long long)r->rep, server_line,
                cmdline[0] ? cmdline : "(not run)");
        fflush(s->cmds);
    }
}

static void progress(struct suite *s, const struct srow *r)
{
    s->done++;
    double el = now_s() - s->started;
    fprintf(stderr, "[%zu/%zu %3.0fs] %-15s %-6s work=%-4lld c=%-5lld %-6s", s->done, s->total, el,
            r->model, r->placement, (long long)r->work_us, (long long)r->connections, r->client);
    if (isfinite(r->offered_rps))
        fprintf(stderr, " offered %.0f/s", r->offered_rps);
    if (isfinite(r->throughput_rps))
        fprintf(stderr, " %.0f req/s", r->throughput_rps);
    if (isfinite(r->p99_ns))
        fprintf(stderr, " p99 %.3g ms", r->p99_ns / 1e6);
    long long errs = (r->err_connect > 0 ? r->err_connect : 0) +
                     (r->err_read > 0 ? r->err_read : 0) + (r->err_write > 0 ? r->err_write : 0) +
                     (r->err_timeout > 0 ? r->err_timeout : 0) +
                     (r->err_other > 0 ? r->err_other : 0);
    if (errs > 0)
        fprintf(stderr, " errors %lld", errs);
    fprintf(stderr, " [%s]%s%s\n", r->count_check[0] ? r->count_check : "-",
            r->error[0] ? " ERROR: " : "", r->error);
}

/* One client run at a fresh server: the row, kept. */
static const struct srow *run_one(struct suite *s, const char *model, int shared,
                                  const struct cost *c, enum client_kind kind, unsigned conns,
                                  unsigned rep, double rate)
{
    const struct suite_opts *o = s->o;
    struct server_spec spec = {.model = model,
                               .iters_per_us = s->ipu,
                               .cpus = shared ? s->all_cpus : s->server_cpus,
                               .work_us = c->work_us,
                               .fanout = c->fanout};
    struct client_run a = {.kind = kind,
                           .work_us = c->work_us,
                           .fanout = c->fanout,
                           .connections = conns,
                           .timeout_s = o->timeout,
                           .rate = rate,
                           .duration_s = kind == CLIENT_OPEN ? o->open_duration : o->duration};
    struct srow r;
    row_init(&r);
    snprintf(r.model, sizeof(r.model), "%s", model);
    snprintf(r.placement, sizeof(r.placement), "%s", shared ? "shared" : "pinned");
    snprintf(r.client, sizeof(r.client), "%s", client_name(kind));
    r.work_us = c->work_us;
    r.fanout = c->fanout;
    r.connections = conns;
    r.rep = rep;
    cpus_text(&spec.cpus, r.server_cpus, sizeof(r.server_cpus));
    cpus_text(&s->client_cpus, r.client_cpus, sizeof(r.client_cpus));
    char cmdline[4096] = "", server_line[256];
    snprintf(server_line, sizeof(server_line),
             "wsserve --model %s --port 0 --iters-per-us %.9g on CPUs %s", model, s->ipu,
             r.server_cpus);
    if (o->dry_run) {
        a.port = 1;
        struct cmd cc;
        client_cmd(&s->t, &a, &cc);
        cmd_text(&cc, cmdline, sizeof(cmdline));
        printf("%s %s work=%u:%u c=%u %s rep=%u%s%s\n  server: %s\n  client: %s\n", model,
               r.placement, c->work_us, c->fanout, conns, r.client, rep,
               kind == CLIENT_OPEN ? " rate from the wrk results" : "", "", server_line, cmdline);
        s->done++;
        return NULL;
    }
    if (kind == CLIENT_OPEN)
        r.offered_rps = rate;
    point_run(&s->t, &spec, &a, &s->client_cpus, &r, cmdline, sizeof(cmdline));
    keep_row(s, &r, cmdline, server_line);
    progress(s, &r);
    return &s->rows[s->nrows - 1];
}

/* Would one round of requests, one per connection, outlast the run? */
static int too_slow(const struct suite *s, const struct cost *c, unsigned conns, int shared)
{
    double cpus = CPU_COUNT(shared ? &s->all_cpus : &s->server_cpus);
    return conns * (c->work_us / 1e6) / cpus > s->o->duration;
}

static int row_failed(const struct srow *r)
{
    return r == NULL || r->error[0] != '\0';
}

/* wrk at each connection count of one model, cost and placement. */
static void run_wrk_sweep(struct suite *s, const char *model, const struct cost *c, int shared)
{
    const struct suite_opts *o = s->o;
    int failed_at = 0;
    for (size_t k = 0; k < o->nconns && !proc_interrupted(); k++) {
        unsigned conns = o->conns[k];
        if (too_slow(s, c, conns, shared)) {
            if (o->dry_run)
                printf("%s work=%u c=%u: left out (one round of requests would outlast the run)\n",
                       model, c->work_us, conns);
            s->total -= o->reps;
            continue;
        }
        if (failed_at) {
            fprintf(stderr, "%s work=%u c=%u: left out, as it failed at %d connections\n", model,
                    c->work_us, conns, failed_at);
            s->total -= o->reps;
            continue;
        }
        for (unsigned rep = 1; rep <= o->reps && !proc_interrupted(); rep++) {
            const struct srow *r = run_one(s, model, shared, c, CLIENT_WRK, conns, rep, 0);
            if (!o->dry_run && row_failed(r))
                failed_at = (int)conns;
        }
    }
}

/* What the ladder's fractions are of: the wrk throughput of a model and
 * cost, pinned, at the open loop's connection count (the same concurrency;
 * the median of its repetitions), else the best at any count. */
static double ladder_base(const struct suite *s, const char *model, const struct cost *c)
{
    double best = 0, at[128];
    size_t n = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        const struct srow *r = &s->rows[i];
        if (strcmp(r->model, model) || strcmp(r->client, "wrk") || strcmp(r->placement, "pinned") ||
            r->work_us != c->work_us || r->fanout != c->fanout || r->error[0] != '\0' ||
            !(r->throughput_rps > 0))
            continue;
        best = fmax(best, r->throughput_rps);
        if (r->connections == s->o->open_conns && n < sizeof(at) / sizeof(at[0]))
            at[n++] = r->throughput_rps;
    }
    if (n == 0)
        return best;
    for (size_t i = 1; i < n; i++) /* sort: n is the few repetitions */
        for (size_t j = i; j > 0 && at[j - 1] > at[j]; j--) {
            double t = at[j];
            at[j] = at[j - 1];
            at[j - 1] = t;
        }
    return at[(n - 1) / 2];
}

static void run_ladder(struct suite *s, const char *model, const struct cost *c)
{
    const struct suite_opts *o = s->o;
    double best = o->dry_run ? 1 : ladder_base(s, model, c);
    if (!(best > 0)) {
        fprintf(stderr, "%s work=%u: no open-loop ladder: no wrk point succeeded\n", model,
                c->work_us);
        s->total -= o->nladder;
        return;
    }
    for (size_t i = 0; i < o->nladder && !proc_interrupted(); i++)
        run_one(s, model, 0, c, CLIENT_OPEN, o->open_conns, 1, o->ladder[i] * best);
}

static void run_model(struct suite *s, const char *model)
{
    const struct suite_opts *o = s->o;
    for (size_t i = 0; i < o->ncosts && !proc_interrupted(); i++) {
        const struct cost *c = &o->costs[i];
        run_wrk_sweep(s, model, c, 0);
        if (o->open)
            run_ladder(s, model, c);
        if (o->shared && c->fanout > 1 && CPU_COUNT(&s->all_cpus) > CPU_COUNT(&s->server_cpus))
            run_wrk_sweep(s, model, c, 1);
    }
    for (size_t i = 0; o->crosscheck && s->t.h2load && i < o->nxpoints && !proc_interrupted();
         i++) {
        struct cost c = {o->xpoints[i].work_us, 1};
        for (size_t k = 0; k < o->ncosts; k++)
            if (o->costs[k].work_us == c.work_us)
                c = o->costs[k];
        run_one(s, model, 0, &c, CLIENT_H2LOAD, o->xpoints[i].connections, 1, 0);
    }
}

/* Points the plan will run at most (the sweep's exclusions lower it). */
static size_t plan_size(const struct suite *s)
{
    const struct suite_opts *o = s->o;
    size_t per_model = 0;
    int shared_ok = CPU_COUNT(&s->all_cpus) > CPU_COUNT(&s->server_cpus);
    for (size_t i = 0; i < o->ncosts; i++) {
        per_model += o->nconns * o->reps + (o->open ? o->nladder : 0);
        if (o->shared && o->costs[i].fanout > 1 && shared_ok)
            per_model += o->nconns * o->reps;
    }
    if (o->crosscheck && s->t.h2load)
        per_model += o->nxpoints;
    return per_model * o->nmodels;
}

static int setup_cpus(struct suite *s)
{
    const struct suite_opts *o = s->o;
    if (sched_getaffinity(0, sizeof(s->all_cpus), &s->all_cpus) != 0) {
        fprintf(stderr, "wsbench-servers: sched_getaffinity: %s\n", strerror(errno));
        return -1;
    }
    int n = CPU_COUNT(&s->all_cpus), nclient = n / 4 > 0 ? n / 4 : 1, k = 0;
    CPU_ZERO(&s->server_cpus);
    CPU_ZERO(&s->client_cpus);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &s->all_cpus)) {
            if (k++ < nclient)
                CPU_SET(c, &s->client_cpus);
            if (k > nclient || n == 1)
                CPU_SET(c, &s->server_cpus);
        }
    if ((o->server_cpus && parse_cpus(o->server_cpus, &s->server_cpus) != 0) ||
        (o->client_cpus && parse_cpus(o->client_cpus, &s->client_cpus) != 0)) {
        fprintf(stderr, "wsbench-servers: --server-cpus and --client-cpus want CPU lists like "
                        "1 or 0-3,6\n");
        return -1;
    }
    cpu_set_t both;
    CPU_AND(&both, &s->server_cpus, &s->all_cpus);
    if (!CPU_EQUAL(&both, &s->server_cpus)) {
        fprintf(stderr, "wsbench-servers: --server-cpus outside this process's CPUs\n");
        return -1;
    }
    CPU_AND(&both, &s->client_cpus, &s->all_cpus);
    if (!CPU_EQUAL(&both, &s->client_cpus)) {
        fprintf(stderr, "wsbench-servers: --client-cpus outside this process's CPUs\n");
        return -1;
    }
    return 0;
}

/* dir/name into out (PATH_MAX); 0, or -1 if too long. */
static int path_in(char *out, const char *dir, const char *name)
{
    if (snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX)
        return 0;
    fprintf(stderr, "wsbench-servers: path too long: %s/%s\n", dir, name);
    return -1;
}

/* The suite's own facts, after what context_write() records for every run. */
static void context_servers(const struct suite *s, const char *dir, long nofile)
{
    char path[PATH_MAX], wrk[256], h2[256], sc[64], cc[64], ac[64], line[256] = "";
    FILE *f = path_in(path, dir, "context.txt") == 0 ? fopen(path, "a") : NULL;
    if (f == NULL)
        return;
    tool_version(s->t.wrk, "--version", wrk, sizeof(wrk));
    if (s->t.h2load)
        tool_version(s->t.h2load, "--version", h2, sizeof(h2));
    else
        snprintf(h2, sizeof(h2), "not installed");
    cpus_text(&s->server_cpus, sc, sizeof(sc));
    cpus_text(&s->client_cpus, cc, sizeof(cc));
    cpus_text(&s->all_cpus, ac, sizeof(ac));
    FILE *m = fopen("/proc/sys/net/core/somaxconn", "r");
    if (m != NULL) {
        if (fgets(line, sizeof(line), m) == NULL)
            line[0] = '\0';
        line[strcspn(line, "\n")] = '\0';
        fclose(m);
    }
    fprintf(f, "suite: servers\nwsserve: %s\niters_per_us: %.9g (%s)\n", s->t.wsserve, s->ipu,
            s->o->iters_per_us > 0 ? "given" : "wsserve --calibrate, on the server's CPUs");
    fprintf(f,
            "client_wrk: %s\nclient_h2load: %s\nclient_open: wsopen (bench/load/wsopen.c, "
            "this commit)\n",
            wrk, h2);
    fprintf(f,
            "placement_pinned: server on CPUs %s; clients and this driver on CPUs %s "
            "(sched_setaffinity before exec)\n",
            sc, cc);
    fprintf(f, "placement_shared: server on CPUs %s; clients on CPUs %s (costs with fanout > 1)\n",
            ac, cc);
    if (CPU_COUNT(&s->all_cpus) <= 2)
        fprintf(f,
                "note: on %d CPUs the client shares the machine: it has its own core, but "
                "caches, memory bandwidth and the kernel's network stack are shared, and "
                "a client that needs more than its core caps the throughput\n",
                CPU_COUNT(&s->all_cpus));
    fprintf(f,
            "rlimit_nofile: %ld (soft raised to hard, inherited by servers and clients)\n"
            "somaxconn: %s\n",
            nofile, line[0] ? line : "unknown");
    fclose(f);
}

static int run_suite(const struct suite_opts *o, int argc, char **argv)
{
    static struct suite s;
    s.o = o;
    if (find_tools(o, &s.t) != 0 || setup_cpus(&s) != 0)
        return 2;
    if (proc_init() != 0) {
        fprintf(stderr, "wsbench-servers: cannot install signal handlers\n");
        return 1;
    }
    long nofile = raise_nofile();
    unsigned most = 0;
    for (size_t i = 0; i < o->nconns; i++)
        most = o->conns[i] > most ? o->conns[i] : most;
    if (nofile >= 0 && (long)most + 64 > nofile)
        fprintf(stderr,
                "wsbench-servers: RLIMIT_NOFILE is %ld: %u connections will fail to open "
                "(raise the hard limit)\n",
                nofile, most);
    s.total = plan_size(&s);
    if (o->dry_run) {
        s.ipu = o->iters_per_us > 0 ? o->iters_per_us : 1;
        for (size_t i = 0; i < o->nmodels; i++)
            run_model(&s, o->models[i]);
        printf("%zu client runs\n", s.done);
        return 0;
    }

    char outbuf[PATH_MAX], err[512];
    const char *dir = o->out;
    if (dir == NULL) {
        context_default_out(outbuf, sizeof(outbuf), "-servers");
        dir = outbuf;
    }
    if (context_mkdir_p(dir) != 0) {
        fprintf(stderr, "wsbench-servers: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    if (o->iters_per_us > 0) {
        s.ipu = o->iters_per_us;
    } else if (calibrate(&s.t, &s.server_cpus, &s.ipu, err, sizeof(err)) != 0) {
        fprintf(stderr, "wsbench-servers: %s\n", err);
        return 1;
    }
    /* This driver samples and waits on the client's CPUs, not the server's. */
    sched_setaffinity(0, sizeof(s.client_cpus), &s.client_cpus);
    if (context_write(dir, argc, argv) != 0) {
        fprintf(stderr, "wsbench-servers: cannot write %s/context.txt\n", dir);
        return 1;
    }
    context_servers(&s, dir, nofile);
    char path[PATH_MAX];
    if (path_in(path, dir, "results.csv") != 0)
        return 1;
    s.csv = fopen(path, "w");
    if (path_in(path, dir, "clients.txt") != 0)
        return 1;
    s.cmds = fopen(path, "w");
    if (s.csv == NULL || s.cmds == NULL) {
        fprintf(stderr, "wsbench-servers: cannot write in %s: %s\n", dir, strerror(errno));
        return 1;
    }
    fprintf(s.csv, "%s\n", rows_header());
    fprintf(s.cmds, "# The client command lines of this run, one per row of results.csv, in "
                    "order; each ran against a fresh wsserve (its port in the URL).\n");
    fprintf(stderr, "wsbench-servers: up to %zu client runs into %s (iters_per_us %.6g)\n", s.total,
            dir, s.ipu);
    s.started = now_s();
    for (size_t i = 0; i < o->nmodels && !proc_interrupted(); i++)
        run_model(&s, o->models[i]);
    int bad = ferror(s.csv) | ferror(s.cmds);
    bad |= fclose(s.csv) != 0;
    bad |= fclose(s.cmds) != 0;
    context_finish(dir);
    fprintf(stderr, "wsbench-servers: %zu rows in %s/results.csv, %.0f s\n", s.nrows, dir,
            now_s() - s.started);
    free(s.rows);
    if (bad) {
        fprintf(stderr, "wsbench-servers: error writing %s\n", dir);
        return 1;
    }
    if (proc_interrupted()) {
        fprintf(stderr, "wsbench-servers: interrupted; the rows so far are in %s\n", dir);
        return 1;
    }
    return o->report && s.nrows > 0 ? servers_report(dir, o->draw) : 0;
}

int main(int argc, char **argv)
{
    static struct suite_opts o;
    defaults(&o);
    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        usage(pr > 0 ? stdout : stderr);
        return pr > 0 ? 0 : 2;
    }
    if (o.report_dir != NULL)
        return servers_report(o.report_dir, o.draw);
    return run_suite(&o, argc, argv);
}
