/*
 * api_check.h - what the API tests of libwsched share: fib in three
 * fork-join styles (ws_sync, ws_reclaim, and ws_reclaim with the frame's
 * scope closed before the direct call) with its spawn count, a root
 * task that runs it, pool helpers and --name=value options (sanitizer
 * detection is sanitize.h's). Like the tests, it sees only the public
 * header <wsched.h>.
 */
#ifndef WS_API_CHECK_H
#define WS_API_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wsched.h>

#include "check.h"
#include "sanitize.h"

/* ---- fib: spawn fib(n-1), call fib(n-2) -------------------------------- */

/* FIB_SCOPED is sched/README.md's fast shape: the compiler may turn the
 * direct call into a loop that reuses the dead frame for the next spawn. */
enum fib_style { FIB_SYNC, FIB_RECLAIM, FIB_SCOPED, FIB_NSTYLES };
static const char *const fib_style_name[] = {"sync", "reclaim", "scoped"};

struct fib_frame {
    ws_task task;
    int n;
    long result;
};

static inline long fib_sync(ws_worker *w, ws_head h, int n);
static inline long fib_reclaim(ws_worker *w, ws_head h, int n);
static long fib_scoped_node(ws_worker *w, ws_head h, int n);

static inline void fib_sync_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct fib_frame *f = WS_CONTAINER_OF(t, struct fib_frame, task);
    f->result = fib_sync(w, h, f->n);
}

static inline long fib_sync(ws_worker *w, ws_head h, int n)
{
    if (n < 2)
        return n;
    struct fib_frame a = {.n = n - 1};
    h = ws_spawn(w, h, &a.task, fib_sync_task);
    long b = fib_sync(w, h, n - 2);
    h = ws_sync(w, h, &a.task);
    return a.result + b;
}

static inline void fib_reclaim_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct fib_frame *f = WS_CONTAINER_OF(t, struct fib_frame, task);
    f->result = fib_reclaim(w, h, f->n);
}

static inline long fib_reclaim(ws_worker *w, ws_head h, int n)
{
    if (n < 2)
        return n;
    struct fib_frame a = {.n = n - 1};
    h = ws_spawn(w, h, &a.task, fib_reclaim_task);
    long b = fib_reclaim(w, h, n - 2);
    int mine;
    h = ws_reclaim(w, h, &a.task, &mine);
    if (mine)
        a.result = fib_reclaim(w, h, n - 1);
    return a.result + b;
}

static inline long fib_scoped(ws_worker *w, ws_head h, int n)
{
    return n < 2 ? n : fib_scoped_node(w, h, n);
}

static inline void fib_scoped_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct fib_frame *f = WS_CONTAINER_OF(t, struct fib_frame, task);
    f->result = fib_scoped(w, h, f->n);
}

static long fib_scoped_node(ws_worker *w, ws_head h, int n)
{
    long b;
    {
        struct fib_frame a;
        int mine;
        a.n = n - 1;
        h = ws_spawn(w, h, &a.task, fib_scoped_task);
        b = fib_scoped(w, h, n - 2);
        h = ws_reclaim(w, h, &a.task, &mine);
        if (!mine)
            return a.result + b;
    }
    return fib_scoped(w, h, n - 1) + b;
}

/* The answer, by iteration. */
static inline long fib_serial(int n)
{
    long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long c = a + b;
        a = b;
        b = c;
    }
    return a;
}

/* Spawns made by fib(n) in any style: s(n) = s(n-1) + s(n-2) + 1. */
static inline uint64_t fib_spawns(int n)
{
    return n < 1 ? 0 : (uint64_t)fib_serial(n + 1) - 1;
}

/* A root (ws_run, ws_submit) computing fib(n) in one style. */
struct fib_root {
    int n;
    enum fib_style style;
    long result;
};

static inline void fib_root_fn(ws_worker *w, ws_head h, void *arg)
{
    struct fib_root *r = arg;
    r->result = r->style == FIB_SYNC      ? fib_sync(w, h, r->n)
                : r->style == FIB_RECLAIM ? fib_reclaim(w, h, r->n)
                                          : fib_scoped(w, h, r->n);
}

/* ---- pools ------------------------------------------------------------- */

/* A pool that must be created; workers 0 means the default. */
static inline ws_pool *api_pool(unsigned workers, enum ws_pin_policy pin,
                                enum ws_victim_policy victim)
{
    struct ws_config cfg = WS_CONFIG_INIT;
    ws_pool *p = NULL;
    cfg.workers = workers;
    cfg.pin = pin;
    cfg.victim = victim;
    int e = ws_pool_create(&p, &cfg);
    if (e != 0)
        fprintf(stderr, "ws_pool_create(workers %u): %s\n", workers, ws_strerror(e));
    REQUIRE(e == 0 && p != NULL);
    return p;
}

/* Runs fib(n) as a root and checks the answer; returns 0 or -1. */
static inline int api_run_fib(ws_pool *p, int n, enum fib_style style)
{
    struct fib_root r = {.n = n, .style = style, .result = -1};
    int e = ws_run(p, fib_root_fn, &r);
    CHECK_EQ(e, 0);
    CHECK_EQ(r.result, fib_serial(n));
    return e == 0 && r.result == fib_serial(n) ? 0 : -1;
}

/* The counters of every worker, in a fresh array the caller frees. */
static inline struct ws_worker_stats *api_stats(const ws_pool *p, unsigned *n)
{
    *n = ws_pool_workers(p);
    struct ws_worker_stats *s = calloc(*n ? *n : 1, sizeof(*s));
    REQUIRE(s != NULL);
    int got = ws_pool_stats(p, s, *n);
    CHECK_EQ(got, *n);
    return s;
}

/* Every counter summed over the workers (cpu: the number of workers). */
static inline struct ws_worker_stats api_stats_sum(const ws_pool *p)
{
    unsigned n;
    struct ws_worker_stats *s = api_stats(p, &n), t = {.cpu = (int)n};
    for (unsigned i = 0; i < n; i++) {
        t.spawns += s[i].spawns;
        t.steals += s[i].steals;
        t.steal_fails += s[i].steal_fails;
        t.leapfrogs += s[i].leapfrogs;
        t.publishes += s[i].publishes;
        t.injected += s[i].injected;
        t.sleeps += s[i].sleeps;
        t.idle_ns += s[i].idle_ns;
    }
    free(s);
    return t;
}

/* Spawns counted over all workers. */
static inline uint64_t api_spawns(const ws_pool *p)
{
    return api_stats_sum(p).spawns;
}

/*
 * A job that, at depth > 0, submits a job one level down on its own pool
 * and waits for it - from a worker of that pool, so the wait must help -
 * and at depth 0 computes fib(12). Counts what went wrong in failures.
 */
struct job_nest {
    ws_pool *pool;
    int depth;
    long result;
    int failures;
};

static inline void job_nest_fn(ws_worker *w, ws_head h, void *arg)
{
    struct job_nest *in = arg;
    if (ws_worker_pool(w) != in->pool || ws_worker_self() != w)
        in->failures++;
    if (in->depth == 0) {
        in->result = fib_sync(w, h, 12);
        return;
    }
    struct job_nest down = {.pool = in->pool, .depth = in->depth - 1};
    ws_job *j = NULL;
    if (ws_submit(in->pool, &j, job_nest_fn, &down) != 0 || ws_job_wait(j) != 0 ||
        ws_job_poll(j) != 1)
        in->failures++;
    ws_job_release(j);
    in->result = down.result;
    in->failures += down.failures;
}

static inline double api_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void api_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* ---- options: --name=value (integers) and --name (flags) --------------- */

struct api_opt {
    const char *name;
    long long *value;
    long long min, max; /* a flag has min == max == 1 */
    const char *help;
};

/* Parses argv against opts; prints the usage and exits 2 on anything else. */
static inline void api_options(int argc, char **argv, const struct api_opt *opts, size_t n)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t k = 0;
        for (; k < n; k++) {
            size_t len = strlen(opts[k].name);
            if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, opts[k].name, len) != 0)
                continue;
            const char *rest = a + 2 + len;
            if (opts[k].min == 1 && opts[k].max == 1 && *rest == '\0') {
                *opts[k].value = 1;
                break;
            }
            if (*rest != '=')
                continue;
            char *end;
            long long v = strtoll(rest + 1, &end, 10);
            if (end == rest + 1 || *end != '\0' || v < opts[k].min || v > opts[k].max) {
                fprintf(stderr, "%s: bad value in %s (%lld..%lld)\n", argv[0], a, opts[k].min,
                        opts[k].max);
                exit(2);
            }
            *opts[k].value = v;
            break;
        }
        if (k == n) {
            fprintf(stderr, "%s: unknown argument '%s'\nusage: %s", argv[0], a, argv[0]);
            for (size_t j = 0; j < n; j++) {
                if (opts[j].min == 1 && opts[j].max == 1)
                    fprintf(stderr, " [--%s]", opts[j].name);
                else
                    fprintf(stderr, " [--%s=N]", opts[j].name);
            }
            fprintf(stderr, "\n");
            for (size_t j = 0; j < n; j++)
                fprintf(stderr, "  --%-10s %s (default %lld)\n", opts[j].name, opts[j].help,
                        *opts[j].value);
            exit(2);
        }
    }
}

#endif /* WS_API_CHECK_H */
