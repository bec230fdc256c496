/*
 * test_pin_refused.c - a pool whose workers cannot be bound runs, and says
 * so. A synthetic hwloc topology ("pack:2 core:2 pu:1") describes no real
 * machine: hwloc's binding calls on it do nothing and report success.
 * Borrowed as cfg.hwloc_topology by a 4-worker pool:
 *  - the pool runs (fib correct), its workers where the process may run;
 *  - ws_pool_info says it runs unpinned: pinned 0, a negative pin_error
 *    and a pin_message; every worker's stats.cpu is -1;
 *  - the topology stays the caller's: usable after ws_pool_destroy.
 *
 * Atomics: counters and flags that tasks update are tallies, relaxed (or
 * plain seq_cst), read after ws_run, ws_job_wait or pthread_join has
 * returned, which orders them; where one publishes data it says so.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <hwloc.h>

#include "api_check.h"

struct affinity {
    cpu_set_t process;
    _Atomic int differs; /* a worker's mask is not the process's */
};

static void affinity_body(ws_worker *w, ws_head h, size_t b, size_t e, void *arg)
{
    (void)h;
    struct affinity *a = arg;
    cpu_set_t set;
    (void)w;
    (void)b;
    (void)e;
    if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) != 0 ||
        !CPU_EQUAL(&set, &a->process))
        atomic_store_explicit(&a->differs, 1, memory_order_relaxed);
}

static void affinity_fn(ws_worker *w, ws_head h, void *arg)
{
    ws_parallel_for(w, h, 0, 1000, 1, affinity_body, arg);
}

int main(void)
{
    hwloc_topology_t t;
    REQUIRE(hwloc_topology_init(&t) == 0);
    REQUIRE(hwloc_topology_set_synthetic(t, "pack:2 core:2 pu:1") == 0);
    REQUIRE(hwloc_topology_load(t) == 0);
    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.workers = 4;
    cfg.hwloc_topology = t;
    ws_pool *p = NULL;
    REQUIRE(ws_pool_create(&p, &cfg) == 0);
    api_run_fib(p, 25, FIB_SYNC);
    api_run_fib(p, 25, FIB_RECLAIM);

    struct affinity a;
    atomic_init(&a.differs, 0);
    REQUIRE(sched_getaffinity(0, sizeof(a.process), &a.process) == 0);
    CHECK_EQ(ws_run(p, affinity_fn, &a), 0);
    CHECK_EQ(atomic_load(&a.differs), 0);

    struct ws_pool_info info;
    CHECK_EQ(ws_pool_info(p, &info), 0);
    printf("synthetic topology: %u workers, %u cores, %u PUs, pinned %d, pin_error %d, "
           "pin_message \"%s\"\n",
           info.workers, info.cores, info.pus, info.pinned, info.pin_error, info.pin_message);
    CHECK_EQU(info.workers, 4);
    CHECK_EQ(info.pinned, 0);
    CHECK(info.pin_error < 0);
    CHECK(info.pin_message[0] != '\0');
    unsigned n;
    struct ws_worker_stats *s = api_stats(p, &n);
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ(s[i].cpu, -1);
    free(s);
    CHECK_EQ(ws_pool_destroy(p), 0);
    CHECK_EQ(hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU), 4); /* borrowed: still ours */
    hwloc_topology_destroy(t);
    return check_report("test_pin_refused");
}
