/*
 * test_oversub.c - more workers than cores: 8 workers on this machine's
 * cores, pinned to cores, to hardware threads, and unpinned, with both
 * victim policies; each pool computes fib(27) in both styles and exact
 * parallel_for sums. Where the pool says it is pinned, each worker's CPU
 * (ws_worker_stats.cpu) follows the documented round robin over the
 * process's CPU set, and the thread's own affinity, seen from inside its
 * tasks, contains that CPU.
 *
 * With --taskset (ctest runs it under `taskset -c 0`): the process has one
 * CPU; ws_pool_info reports one core, the default pool has one worker, and
 * 8 workers still finish, all on that CPU or unpinned.
 *
 * usage: test_oversub [--taskset] [--workers=N] [--fib=N] [--sum=N]
 *
 * Atomics: what tasks record is read after ws_run has returned, which
 * orders it; their comments say where more is needed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "api_check.h"

static long long opt_taskset = 0, opt_workers = 8, opt_fib = 27, opt_sum = 1000000;

#define MAX_SEEN 1024

/* What a worker's thread saw of its own affinity, from inside a task. */
struct affinity_seen {
    _Atomic int count;             /* CPUs in the thread's mask, or 0 if it ran nothing */
    _Atomic long long cpu_mask_lo; /* CPUs 0..63 of the mask */
};

struct sum_ctx {
    _Atomic uint64_t sum;
    struct affinity_seen seen[MAX_SEEN];
};

static void sum_body(ws_worker *w, ws_head h, size_t b, size_t e, void *arg)
{
    (void)h;
    struct sum_ctx *c = arg;
    uint64_t s = 0;
    for (size_t i = b; i < e; i++)
        s += (uint64_t)i * i;
    /* relaxed: read after ws_run returns, which orders every piece. */
    atomic_fetch_add_explicit(&c->sum, s, memory_order_relaxed);
    unsigned id = ws_worker_id(w);
    cpu_set_t set;
    if (id < MAX_SEEN && pthread_getaffinity_np(pthread_self(), sizeof(set), &set) == 0) {
        long long lo = 0;
        for (int cpu = 0; cpu < 64; cpu++)
            if (CPU_ISSET(cpu, &set))
                lo |= 1ll << cpu;
        /* relaxed: one writer per slot (the worker), read after ws_run. */
        atomic_store_explicit(&c->seen[id].count, CPU_COUNT(&set), memory_order_relaxed);
        atomic_store_explicit(&c->seen[id].cpu_mask_lo, lo, memory_order_relaxed);
    }
}

struct pfor_root {
    struct sum_ctx *c;
    size_t n, grain;
    int err;
};

static void pfor_root_fn(ws_worker *w, ws_head h, void *arg)
{
    struct pfor_root *r = arg;
    r->err = ws_parallel_for(w, h, 0, r->n, r->grain, sum_body, r->c);
}

/* The process's CPUs, in order; returns how many. */
static int process_cpus(int *cpus, int cap)
{
    cpu_set_t set;
    int n = 0;
    REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
    for (int cpu = 0; cpu < CPU_SETSIZE && n < cap; cpu++)
        if (CPU_ISSET(cpu, &set))
            cpus[n++] = cpu;
    return n;
}

static void run_pool(unsigned workers, enum ws_pin_policy pin, enum ws_victim_policy victim)
{
    static const char *pin_name[] = {"default", "none", "core", "pu"};
    static const char *victim_name[] = {"default", "nearest", "random"};
    ws_pool *p = api_pool(workers, pin, victim);
    struct ws_pool_info info;
    CHECK_EQ(ws_pool_info(p, &info), 0);
    CHECK_EQU(info.workers, workers);
    CHECK_EQ(info.pin, pin);
    CHECK_EQ(info.victim, victim);
    CHECK(info.cores >= 1 && info.pus >= info.cores);
    CHECK_EQ(info.pinned, pin != WS_PIN_NONE && info.pin_error == 0);
    if (info.pin_error != 0)
        CHECK(info.pin_message[0] != '\0');

    for (int style = 0; style < FIB_NSTYLES; style++)
        api_run_fib(p, (int)opt_fib, (enum fib_style)style);

    static struct sum_ctx c;
    size_t n = (size_t)opt_sum;
    uint64_t want = 0;
    for (size_t i = 0; i < n; i++)
        want += (uint64_t)i * i;
    static const size_t grains[] = {0, 1, 100};
    for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++) {
        memset(&c, 0, sizeof(c));
        struct pfor_root r = {.c = &c, .n = grains[g] == 1 ? n / 100 : n, .grain = grains[g]};
        uint64_t w = 0;
        for (size_t i = 0; i < r.n; i++)
            w += (uint64_t)i * i;
        CHECK_EQ(ws_run(p, pfor_root_fn, &r), 0);
        CHECK_EQ(r.err, 0);
        CHECK_EQU(atomic_load(&c.sum), grains[g] == 1 ? w : want);
    }

    /* Where the workers are: the documented round robin over the
     * process's CPUs (cores and PUs are the same here unless SMT). */
    int cpus[CPU_SETSIZE];
    int ncpus = process_cpus(cpus, CPU_SETSIZE);
    unsigned nstats;
    struct ws_worker_stats *s = api_stats(p, &nstats);
    unsigned period = pin == WS_PIN_PU ? info.pus : info.cores, ran = 0;
    for (unsigned i = 0; i < nstats; i++) {
        int cpu = s[i].cpu;
        int in_set = 0;
        for (int k = 0; k < ncpus; k++)
            in_set |= cpus[k] == cpu;
        if (!info.pinned) {
            CHECK_EQ(cpu, -1);
            continue;
        }
        CHECK(in_set);
        /* Worker i on place i mod places: a period of `period`, distinct within it. */
        if (i >= period)
            CHECK_EQ(cpu, s[i % period].cpu);
        for (unsigned j = 0; i < period && j < i; j++)
            CHECK_NE(cpu, s[j].cpu);
        if (i < MAX_SEEN && atomic_load(&c.seen[i].count) != 0 && cpu < 64) {
            ran++;
            long long lo = atomic_load(&c.seen[i].cpu_mask_lo);
            CHECK(lo & (1ll << cpu)); /* the thread's mask holds its CPU */
            if (pin == WS_PIN_PU)
                CHECK_EQ(atomic_load(&c.seen[i].count), 1);
        }
    }
    free(s);
    printf("%u workers, pin %s, victims %s: %u cores, %u PUs, pinned %d%s%s; %u pinned workers "
           "checked from inside\n",
           workers, pin_name[pin], victim_name[victim], info.cores, info.pus, info.pinned,
           info.pin_error ? ": " : "", info.pin_message, ran);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* Under `taskset -c 0`: one CPU. */
static void run_taskset(void)
{
    int cpus[CPU_SETSIZE];
    int ncpus = process_cpus(cpus, CPU_SETSIZE);
    if (ncpus != 1) {
        fprintf(stderr, "--taskset: the process may run on %d CPUs; run it under taskset -c 0\n",
                ncpus);
        exit(2);
    }
    ws_pool *p = NULL;
    CHECK_EQ(ws_pool_create(&p, NULL), 0);
    REQUIRE(p != NULL);
    struct ws_pool_info info;
    CHECK_EQ(ws_pool_info(p, &info), 0);
    CHECK_EQU(info.cores, 1);
    CHECK_EQU(info.pus, 1);
    CHECK_EQU(info.workers, 1);
    CHECK_EQU(ws_pool_workers(p), 1);
    api_run_fib(p, (int)opt_fib, FIB_SYNC);
    printf("taskset: default pool: %u worker, %u core, %u PU, pinned %d %s\n", info.workers,
           info.cores, info.pus, info.pinned, info.pin_message);
    CHECK_EQ(ws_pool_destroy(p), 0);

    static const enum ws_pin_policy pins[] = {WS_PIN_CORE, WS_PIN_PU, WS_PIN_NONE};
    for (size_t k = 0; k < sizeof(pins) / sizeof(pins[0]); k++) {
        run_pool((unsigned)opt_workers, pins[k], WS_VICTIM_NEAREST);
        /* The round-robin check above, in short: every worker on the one CPU. */
        p = api_pool((unsigned)opt_workers, pins[k], WS_VICTIM_RANDOM);
        api_run_fib(p, (int)opt_fib, FIB_RECLAIM);
        unsigned n;
        struct ws_worker_stats *s = api_stats(p, &n);
        for (unsigned i = 0; i < n; i++)
            if (s[i].cpu != -1)
                CHECK_EQ(s[i].cpu, cpus[0]);
        free(s);
        CHECK_EQ(ws_pool_destroy(p), 0);
    }
}

int main(int argc, char **argv)
{
    const struct api_opt opts[] = {
        {"taskset", &opt_taskset, 1, 1, "the process runs under taskset -c 0"},
        {"workers", &opt_workers, 1, WS_MAX_WORKERS, "workers per pool"},
        {"fib", &opt_fib, 0, 40, "fib(N) on each pool"},
        {"sum", &opt_sum, 100, 1000000000, "parallel_for range"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    printf("test_oversub:%s --workers=%lld --fib=%lld --sum=%lld\n",
           opt_taskset ? " --taskset" : "", opt_workers, opt_fib, opt_sum);
    if (opt_taskset) {
        run_taskset();
    } else {
        static const enum ws_pin_policy pins[] = {WS_PIN_CORE, WS_PIN_PU, WS_PIN_NONE};
        for (size_t k = 0; k < sizeof(pins) / sizeof(pins[0]); k++)
            for (int v = WS_VICTIM_NEAREST; v <= WS_VICTIM_RANDOM; v++)
                run_pool((unsigned)opt_workers, pins[k], (enum ws_victim_policy)v);
    }
    return check_report(opt_taskset ? "test_oversub --taskset" : "test_oversub");
}
