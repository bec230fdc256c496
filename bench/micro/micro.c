/*
 * micro.c - microbenchmarks of libwsched's mechanisms, timed per event with
 * manual time (the time gbench reports is the latency of one event):
 *
 *   steal_latency/stealing/workers:2
 *       a task spawns a child while the other worker is idle but awake
 *       (spinning): time from the spawn to the child starting on the thief;
 *       an iteration is one root task of 63 timed probes (see bm_probe),
 *       its time their mean.
 *   wake_latency/stealing/from:submit/workers:2
 *       the pool is asleep; an outside thread submits a job: time from
 *       ws_submit to the job starting on a worker.
 *   wake_latency/stealing/from:spawn/workers:2
 *       one worker runs a task while the other has gone to sleep; the task
 *       spawns a child: time from the spawn to the child starting on the
 *       woken thief.
 *   blocking_cost/stealing/fn:nop/workers:2 (and .../fn:direct/...)
 *       a task calls ws_blocking() on a function that returns at once, in
 *       a loop: the cost per call of a ws_blocking that does not block
 *       (publishing, handing the permit to a spare and taking it back),
 *       beside the same loop calling the function directly.
 *   io_latency/stealing-async/from:spinning/workers:2 (and from:sleeping)
 *       a wait armed on a pipe's read end; an outside thread writes a
 *       byte: time from the write to the continuation starting, with the
 *       pool still spinning after the previous event, or asleep (one worker
 *       blocked in epoll_wait, the other on its event count).
 *
 * The steal, wake and io latencies also report the counters p50_ns and
 * p99_ns, over the iterations of a repetition.
 *
 * Each iteration also checks that the event happened as described (the
 * child ran on the other worker); an iteration where the owner had to take
 * its child back is counted in the counter "not_stolen" and timed as zero
 * would be wrong, so it is retried instead (at most MICRO_RETRIES times).
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wsched.h>

#include "gbench.h"
#include "micro/idle_bench.h"
#include "micro/micro.h"

#define MICRO_RETRIES 100
/* How long a probe waits for a thief before syncing anyway (and retrying):
 * for an awake thief, less than the ~300 us it spins before it sleeps, so
 * that a probe it missed is retried while it is still awake (a missed
 * probe: its demand came just after the spawn, see bm_probe); for a
 * sleeping one, many wake-ups. */
#define MICRO_SPIN_AWAKE_NS  100000u
#define MICRO_SPIN_ASLEEP_NS 2000000u
#define MICRO_ASLEEP_NS      20000000u /* idle this long and a worker is asleep */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

struct probe {
    ws_task task;
    uint64_t t_spawn;
    _Atomic uint64_t t_start; /* written by whoever runs the probe */
    _Atomic int on_worker;    /* the id of that worker */
};

static void probe_run(ws_worker *w, ws_head h, ws_task *t)
{
    struct probe *p = WS_CONTAINER_OF(t, struct probe, task);
    (void)h;
    /* relaxed: released by the store of t_start below. */
    atomic_store_explicit(&p->on_worker, (int)ws_worker_id(w), memory_order_relaxed);
    /* release: publishes on_worker; pairs with the acquire loads of t_start
     * in probe_root(). */
    atomic_store_explicit(&p->t_start, now_ns(), memory_order_release);
}

/* Probes per root task in steal_latency, the first a warm-up (below). */
#define MICRO_STEAL_BATCH 64

struct probe_root {
    int sleep_first;    /* 1: idle long enough for the other worker to sleep */
    unsigned count;     /* probes to take, each retried until a thief runs it */
    unsigned got;       /* probes a thief ran, their latencies in lat[] */
    int64_t not_stolen; /* probes the owner took back (retried) */
    uint64_t lat[MICRO_STEAL_BATCH];
};

/* Spawns a probe, waits (without syncing) until someone starts it, syncs.
 * True if a thief ran it, with the time from the spawn to its start. */
static bool probe_once(ws_worker *w, ws_head h, int sleep_first, uint64_t *latency_ns)
{
    struct probe p;
    if (sleep_first)
        sleep_ns(MICRO_ASLEEP_NS);
    atomic_init(&p.t_start, 0);
    atomic_init(&p.on_worker, -1);
    p.t_spawn = now_ns();
    h = ws_spawn(w, h, &p.task, probe_run);
    uint64_t start;
    /* acquire: pairs with the release in probe_run(). */
    while ((start = atomic_load_explicit(&p.t_start, memory_order_acquire)) == 0 &&
           now_ns() - p.t_spawn < (sleep_first ? MICRO_SPIN_ASLEEP_NS : MICRO_SPIN_AWAKE_NS))
        ;
    h = ws_sync(w, h, &p.task);
    (void)h; /* spawn-sync balanced: the caller's head is its own again */
    /* acquire: pairs with the release in probe_run() (ws_sync orders it too). */
    start = atomic_load_explicit(&p.t_start, memory_order_acquire);
    *latency_ns = start - p.t_spawn;
    /* relaxed: ordered by the acquire of t_start just above. */
    return atomic_load_explicit(&p.on_worker, memory_order_relaxed) != (int)ws_worker_id(w);
}

/* A root task: r->count probes, each retried (MICRO_RETRIES times at most)
 * until a thief runs it. */
static void probe_root(ws_worker *w, ws_head h, void *arg)
{
    struct probe_root *r = arg;
    for (unsigned i = 0; i < r->count; i++) {
        int tries = 0;
        while (!probe_once(w, h, r->sleep_first, &r->lat[r->got])) {
            r->not_stolen++;
            if (++tries == MICRO_RETRIES)
                return;
        }
        r->got++;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The iterations' latencies of one repetition, for their p50 and p99
 * (gbench reports their mean as the time, which one slow wake-up in a
 * thousand can move). */
struct lat_log {
    uint64_t *v;
    size_t n, cap;
};

static void lat_log_add(struct lat_log *l, uint64_t ns)
{
    if (l->n == l->cap) {
        uint64_t *grown = realloc(l->v, (l->cap ? 2 * l->cap : 256) * sizeof(*l->v));
        if (grown == NULL)
            return; /* the counters then miss this one; the time does not */
        l->v = grown;
        l->cap = l->cap ? 2 * l->cap : 256;
    }
    l->v[l->n++] = ns;
}

/* Reports the log's p50 and p99 as counters, and frees it. */
static void lat_log_report(bench_state *s, struct lat_log *l)
{
    if (l->n > 0) {
        qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
        bench_counter(s, "p50_ns", (double)l->v[(l->n - 1) / 2], BENCH_COUNTER_DEFAULT);
        bench_counter(s, "p99_ns", (double)l->v[(size_t)((double)(l->n - 1) * 0.99)],
                      BENCH_COUNTER_DEFAULT);
    }
    free(l->v);
    *l = (struct lat_log){0};
}

/* A 2-worker pool, or NULL after failing the benchmark with the reason. */
static ws_pool *micro_pool(bench_state *s)
{
    struct ws_config c = WS_CONFIG_INIT;
    c.workers = 2;
    ws_pool *pool;
    int err = ws_pool_create(&pool, &c);
    if (err == 0)
        return pool;
    bench_skip_with_error(s, ws_strerror(err));
    while (bench_keep_running(s))
        ;
    return NULL;
}

static void bm_probe(bench_state *s, int sleep_first)
{
    ws_pool *pool = micro_pool(s);
    if (pool == NULL)
        return;
    int64_t not_stolen = 0;
    struct lat_log lat = {0};
    /* steal_latency takes a batch of probes in one root task, so that the
     * thread that submits it is asleep in ws_run meanwhile: with one probe
     * per ws_run, that thread, woken at every end on one of the two CPUs,
     * had just taken the thief's CPU at the next spawn, and the latency
     * measured its hand-off back (1.9 us of the 1.95 us median). The
     * batch's first probe still races that hand-off: a warm-up, not timed.
     * A probe the thief misses (counted in not_stolen, and retried) is one
     * spawned just before the thief asked for work: lazy publication makes
     * a spawn stealable at the owner's next spawn or sync after the ask,
     * and this owner spins instead. */
    unsigned batch = sleep_first ? 1 : MICRO_STEAL_BATCH, first = batch > 1;
    while (bench_keep_running(s)) {
        struct probe_root r = {.sleep_first = sleep_first, .count = batch};
        ws_run(pool, probe_root, &r);
        not_stolen += r.not_stolen;
        if (r.got < r.count) {
            bench_skip_with_error(s, "the probe was never stolen: no thief got to it");
            break;
        }
        uint64_t sum = 0;
        for (unsigned i = first; i < r.got; i++) {
            sum += r.lat[i];
            lat_log_add(&lat, r.lat[i]);
        }
        /* One iteration is one root task: the mean of its timed probes. */
        bench_set_iteration_time(s, (double)sum * 1e-9 / (double)(r.got - first));
    }
    bench_counter(s, "not_stolen", (double)not_stolen, BENCH_COUNTER_DEFAULT);
    lat_log_report(s, &lat);
    ws_pool_destroy(pool);
}

static void bm_steal_latency(bench_state *s, void *user)
{
    (void)user;
    bm_probe(s, 0);
}

static void bm_wake_spawn(bench_state *s, void *user)
{
    (void)user;
    bm_probe(s, 1);
}

struct job_probe {
    _Atomic uint64_t t_start;
};

static void job_probe_run(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    /* release: pairs with the acquire in bm_wake_submit() (ws_job_wait's own
     * acquire of the job's completion already orders it). */
    atomic_store_explicit(&((struct job_probe *)arg)->t_start, now_ns(), memory_order_release);
}

static void bm_wake_submit(bench_state *s, void *user)
{
    (void)user;
    ws_pool *pool = micro_pool(s);
    struct lat_log lat = {0};
    if (pool == NULL)
        return;
    while (bench_keep_running(s)) {
        struct job_probe jp;
        ws_job *job;
        atomic_init(&jp.t_start, 0);
        sleep_ns(MICRO_ASLEEP_NS); /* every worker goes to sleep */
        uint64_t t0 = now_ns();
        int err = ws_submit(pool, &job, job_probe_run, &jp);
        if (err != 0) {
            bench_skip_with_error(s, ws_strerror(err));
            break;
        }
        ws_job_wait(job);
        ws_job_release(job);
        /* acquire: pairs with the release in job_probe_run(). */
        uint64_t ns = atomic_load_explicit(&jp.t_start, memory_order_acquire) - t0;
        bench_set_iteration_time(s, (double)ns * 1e-9);
        lat_log_add(&lat, ns);
    }
    lat_log_report(s, &lat);
    ws_pool_destroy(pool);
}

/* ---- ws_blocking that does not block ---------------------------------- */

static void nop_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    /* relaxed: a tally that keeps the calls from being optimized away. */
    atomic_fetch_add_explicit((_Atomic uint64_t *)arg, 1, memory_order_relaxed);
}

struct blocking_loop {
    int through_blocking;
    uint64_t calls;
    uint64_t ns;
    _Atomic uint64_t count;
};

static void blocking_loop_root(ws_worker *w, ws_head h, void *arg)
{
    struct blocking_loop *b = arg;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < b->calls; i++) {
        if (b->through_blocking)
            ws_blocking(w, h, nop_fn, &b->count);
        else
            nop_fn(w, h, &b->count);
    }
    b->ns = now_ns() - t0;
}

static void bm_blocking(bench_state *s, int through_blocking)
{
    ws_pool *pool = micro_pool(s);
    if (pool == NULL)
        return;
    while (bench_keep_running(s)) {
        struct blocking_loop b = {.through_blocking = through_blocking, .calls = 1000};
        atomic_init(&b.count, 0);
        ws_run(pool, blocking_loop_root, &b);
        /* One iteration is one call: the loop's time over its calls. */
        bench_set_iteration_time(s, (double)b.ns * 1e-9 / (double)b.calls);
    }
    ws_pool_destroy(pool);
}

static void bm_blocking_nop(bench_state *s, void *user)
{
    (void)user;
    bm_blocking(s, 1);
}

static void bm_blocking_direct(bench_state *s, void *user)
{
    (void)user;
    bm_blocking(s, 0);
}

/* ---- readiness to continuation ------------------------------------------ */

struct io_probe {
    ws_io io;
    int fd;
    _Atomic uint64_t t_start;
};

static void io_probe_run(ws_worker *w, ws_head h, ws_io *req, int revents)
{
    struct io_probe *p = WS_CONTAINER_OF(req, struct io_probe, io);
    char c;
    (void)w;
    (void)h;
    uint64_t t = now_ns();
    if (revents > 0 && read(p->fd, &c, 1) != 1)
        t = 1; /* an impossible time: the iteration fails below */
    /* release: pairs with the acquire in bm_io_latency(). */
    atomic_store_explicit(&p->t_start, revents > 0 ? t : 1, memory_order_release);
}

static void bm_io_latency(bench_state *s, int sleeping)
{
    ws_pool *pool = micro_pool(s);
    int fds[2];
    struct lat_log lat = {0};
    if (pool == NULL)
        return;
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        bench_skip_with_error(s, strerror(errno));
        ws_pool_destroy(pool);
        return;
    }
    while (bench_keep_running(s)) {
        struct io_probe p = {.fd = fds[0]};
        atomic_init(&p.t_start, 0);
        int err = ws_io_wait_on(pool, &p.io, fds[0], WS_IO_READ, io_probe_run);
        if (err != 0) {
            bench_skip_with_error(s, ws_strerror(err));
            break;
        }
        /* Spinning: the wait was just armed and the workers are looking for
         * work; sleeping: long enough for all of them to give up. */
        sleep_ns(sleeping ? MICRO_ASLEEP_NS : 20000u);
        char c = 1;
        uint64_t t0 = now_ns();
        if (write(fds[1], &c, 1) != 1) {
            bench_skip_with_error(s, strerror(errno));
            break;
        }
        uint64_t t;
        /* acquire: pairs with the release in io_probe_run(). Yielding: a
         * spinning wait here would hold the poller's core for a time slice
         * whenever the scheduler put this thread on it (3.5 ms, every other
         * iteration, before it yielded). */
        while ((t = atomic_load_explicit(&p.t_start, memory_order_acquire)) == 0)
            sched_yield();
        if (t == 1) {
            bench_skip_with_error(s, "the wait failed or read nothing");
            break;
        }
        bench_set_iteration_time(s, (double)(t - t0) * 1e-9);
        lat_log_add(&lat, t - t0);
    }
    lat_log_report(s, &lat);
    ws_pool_destroy(pool);
    close(fds[0]);
    close(fds[1]);
}

static void bm_io_spinning(bench_state *s, void *user)
{
    (void)user;
    bm_io_latency(s, 0);
}

static void bm_io_sleeping(bench_state *s, void *user)
{
    (void)user;
    bm_io_latency(s, 1);
}

static const struct bench_def micro_table[] = {
    {.name = "steal_latency/stealing/workers:2",
     .fn = bm_steal_latency,
     .use_manual_time = 1,
     .iterations = 500},
    {.name = "wake_latency/stealing/from:submit/workers:2",
     .fn = bm_wake_submit,
     .use_manual_time = 1,
     .iterations = 50},
    {.name = "wake_latency/stealing/from:spawn/workers:2",
     .fn = bm_wake_spawn,
     .use_manual_time = 1,
     .iterations = 50},
    {.name = "blocking_cost/stealing/fn:nop/workers:2",
     .fn = bm_blocking_nop,
     .use_manual_time = 1,
     .iterations = 200},
    {.name = "blocking_cost/stealing/fn:direct/workers:2",
     .fn = bm_blocking_direct,
     .use_manual_time = 1,
     .iterations = 200},
    {.name = "io_latency/stealing-async/from:spinning/workers:2",
     .fn = bm_io_spinning,
     .use_manual_time = 1,
     .iterations = 500},
    {.name = "io_latency/stealing-async/from:sleeping/workers:2",
     .fn = bm_io_sleeping,
     .use_manual_time = 1,
     .iterations = 50},
};

const struct bench_def *micro_defs(size_t *n)
{
    /* libwsched's own, then every model's idle cost and memory per task. */
    static struct bench_def all[sizeof(micro_table) / sizeof(micro_table[0]) + 8];
    size_t ni, nt = sizeof(micro_table) / sizeof(micro_table[0]);
    const struct bench_def *idle = idle_defs(&ni);
    memcpy(all, micro_table, sizeof(micro_table));
    for (size_t i = 0; i < ni && nt < sizeof(all) / sizeof(all[0]); i++)
        all[nt++] = idle[i];
    *n = nt;
    return all;
}
