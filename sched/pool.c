/*
 * pool.c - creating and destroying pools; configuration and information.
 *
 * Start-up is a two-phase handshake so that ws_pool_create returns with every
 * worker running and the binding outcome known: each worker binds itself,
 * reports ([B1]) and waits for `go`; the creator collects the reports ([B2]),
 * decides whether the pool runs pinned, and releases the workers ([B4]). If
 * a thread cannot be started, `go` tells the started ones to exit instead,
 * and the creator joins them and frees everything.
 *
 *  [B1] release increment of started; pairs with [B2]
 *  [B2] acquire load of started; pairs with [B1]: bind_err is visible
 *  [B3] acquire load of go (worker.c); pairs with [B4]
 *  [B4] release store of go; pin_error and the victim order are visible
 */
#include <assert.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define WS__DEFAULT_DEQUE_LOG2 12u
/* Slots reserved per deque by default (32 MiB of address space, committed
 * as used): 4M spawns outstanding on one worker before overflow mode. */
#define WS__DEFAULT_DEQUE_MAX_LOG2 22u
#define WS__DEFAULT_INJECT_LOG2    10u
#define WS__DEFAULT_SPIN_ROUNDS    64u
#define WS__DEFAULT_STACK          ((size_t)64 << 20)
#define WS__MIN_STACK              ((size_t)64 << 10)
/* Spare threads at most. Java's ForkJoinPool keeps 256 spares, and 256
 * threads is where the thread pool stopped gaining on this machine's
 * blocking workloads (results/README.md: sleep and socket); each spare
 * reserves a worker stack, which costs address space, not memory. */
#define WS__DEFAULT_MAX_BLOCKING       256u
#define WS__MAX_BLOCKING               4096u
#define WS__DEFAULT_SPARE_KEEPALIVE_MS 10000u

static int ws__check_config(const struct ws_config *c)
{
    if (c->workers > WS_MAX_WORKERS)
        return -EINVAL;
    if ((unsigned)c->pin > WS_PIN_PU || (unsigned)c->victim > WS_VICTIM_RANDOM)
        return -EINVAL;
    if (c->deque_log2 != 0 && (c->deque_log2 < 4 || c->deque_log2 > 26))
        return -EINVAL;
    unsigned log2 = c->deque_log2 ? c->deque_log2 : WS__DEFAULT_DEQUE_LOG2;
    if (c->deque_max_log2 != 0 && (c->deque_max_log2 < log2 || c->deque_max_log2 > 32))
        return -EINVAL;
    if (c->inject_log2 != 0 && (c->inject_log2 < 4 || c->inject_log2 > 20))
        return -EINVAL;
    if (c->stack_size != 0 && c->stack_size < WS__MIN_STACK)
        return -EINVAL;
    if (c->spin_rounds > 1u << 20)
        return -EINVAL;
    if (c->max_blocking > WS__MAX_BLOCKING)
        return -EINVAL;
    if (c->spare_keepalive_ms > 24u * 3600u * 1000u)
        return -EINVAL;
    return 0;
}

static uint64_t ws__splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void ws__free_arena(struct ws_worker *w)
{
    void *slab = w->slabs;
    while (slab != NULL) {
        void *next = *(void **)slab;
        free(slab);
        slab = next;
    }
    w->slabs = NULL;
    w->free_frames = NULL;
}

/* Frees everything; workers must have been joined (or never started). */
void ws__pool_free(struct ws_pool *p)
{
    if (p->workers != NULL) {
        for (unsigned i = 0; i < p->nslots; i++) {
            ws__deque_destroy(&p->workers[i].dq);
            ws__rootq_destroy(&p->workers[i].rq);
            ws__free_arena(&p->workers[i]);
        }
        free(p->workers);
    }
    ws__spares_destroy(p);
    if (p->reactor_ready)
        ws__reactor_destroy(&p->reactor);
    ws__sleepers_destroy(&p->sleepers);
    ws__topo_destroy(&p->topo);
    free(p);
}

static void ws__wait_started(struct ws_pool *p, unsigned n)
{
    for (;;) {
        uint32_t v = ck_ec32_value(&p->ext);
        /* [B2] acquire: pairs with [B1]. */
        if (atomic_load_explicit(&p->started, memory_order_acquire) >= n)
            return;
        ck_ec32_wait(&p->ext, &ws__ec_mode, v, NULL);
    }
}

static void ws__release_workers(struct ws_pool *p, uint32_t go)
{
    /* [B4] release: pairs with [B3]. */
    atomic_store_explicit(&p->go, go, memory_order_release);
    ck_ec32_inc(&p->ext, &ws__ec_mode);
}

static int ws__start_threads(struct ws_pool *p, size_t stack, unsigned *started)
{
    pthread_attr_t attr;
    int err = pthread_attr_init(&attr);
    if (err != 0)
        return -err;
    err = pthread_attr_setstacksize(&attr, stack);
    /* Workers take no signals: they stay with the application's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (unsigned i = 0; i < p->nworkers && err == 0; i++) {
        err = pthread_create(&p->workers[i].thread, &attr, ws__worker_main, &p->workers[i]);
        if (err == 0)
            (*started)++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return -err;
}

int ws__worker_queues_init(struct ws_pool *p, struct ws_worker *w)
{
    int err = ws__deque_init(&w->dq, p->deque_log2, p->deque_max_log2, w->id);
    if (err == 0 && (err = ws__rootq_init(&w->rq, p->inject_log2)) != 0) {
        ws__deque_destroy(&w->dq);
        w->dq.buf = NULL;
    }
    return err;
}

static int ws__pool_init(struct ws_pool *p, const struct ws_config *c)
{
    unsigned n = c->workers;
    /* A quota of 1.5 CPUs gets 2 workers: the half is worth a worker
     * more than the throttling it costs. */
    p->cpu_quota = ws__cpu_quota();
    unsigned cap = (unsigned)p->cpu_quota;
    if ((double)cap < p->cpu_quota)
        cap++;
    int err = ws__topo_init(&p->topo, c->hwloc_topology, p->pin, p->victim, &n, cap);
    if (err != 0)
        return err;
    p->nworkers = n;
    /* More workers than CPUs to run them (PUs of the binding, or fewer
     * under a quota): idle workers then yield instead of spinning. */
    unsigned cpus = cap != 0 && cap < p->topo.npus ? cap : p->topo.npus;
    p->oversubscribed = cpus != 0 && n > cpus;
    p->nslots = n + (c->max_blocking ? c->max_blocking : WS__DEFAULT_MAX_BLOCKING);
    p->deque_log2 = c->deque_log2 ? c->deque_log2 : WS__DEFAULT_DEQUE_LOG2;
    p->deque_max_log2 = c->deque_max_log2                            ? c->deque_max_log2
                        : p->deque_log2 > WS__DEFAULT_DEQUE_MAX_LOG2 ? p->deque_log2
                                                                     : WS__DEFAULT_DEQUE_MAX_LOG2;
    p->inject_log2 = c->inject_log2 ? c->inject_log2 : WS__DEFAULT_INJECT_LOG2;
    p->workers = aligned_alloc(WS__LINE, p->nslots * sizeof(struct ws_worker));
    if (p->workers == NULL)
        return -ENOMEM;
    memset(p->workers, 0, p->nslots * sizeof(struct ws_worker));
    uint64_t seed = c->seed ? c->seed : 0x5eed5eed5eedull;
    for (unsigned i = 0; i < p->nslots; i++) {
        struct ws_worker *w = &p->workers[i];
        w->pool = p;
        w->id = i;
        w->rng = ws__splitmix(&seed) | 1;
        ck_ec32_init(&w->park, 0);
        ws__inbox_init(&w->inbox);
        atomic_init(&w->spare, 0);
        /* Spare slots get their queues on first use (blocking.c). */
        if (i < n && (err = ws__worker_queues_init(p, w)) != 0)
            return err; /* the caller's ws__pool_free() frees what was made: the rest is zero */
    }
    if ((err = ws__sleepers_init(&p->sleepers, p->nslots)) != 0 ||
        (err = ws__spares_init(p)) != 0 || (err = ws__reactor_init(&p->reactor)) != 0)
        return err;
    p->reactor_ready = true;
    atomic_init(&p->searching, 0);
    atomic_init(&p->searching_workers, 0);
    atomic_init(&p->gate, 0);
    atomic_init(&p->exit, 0);
    atomic_init(&p->hooks, NULL);
    atomic_init(&p->started, 0);
    atomic_init(&p->go, 0);
    ck_ec32_init(&p->ext, 0);
    return 0;
}

/* After start-up: decide whether the pool runs pinned. */
static void ws__settle_binding(struct ws_pool *p)
{
    if (p->topo.error != 0) {
        p->pin_error = p->topo.error;
        snprintf(p->pin_message, sizeof(p->pin_message), "%s", p->topo.message);
        return;
    }
    for (unsigned i = 0; i < p->nworkers; i++) {
        if (p->workers[i].bind_err != 0) {
            int e = p->workers[i].bind_err;
            ws__topo_fail(&p->topo, e,
                          "worker %u could not be bound to CPU %d (%s); running unpinned", i,
                          p->topo.wcpu ? p->topo.wcpu[i] : -1, strerror(-e));
            p->pin_error = e;
            snprintf(p->pin_message, sizeof(p->pin_message), "%s", p->topo.message);
            return;
        }
    }
}

int ws__pool_alloc(struct ws_pool **out, const struct ws_config *c)
{
    int err = ws__check_config(c);
    if (err != 0)
        return err;
    struct ws_pool *p = aligned_alloc(WS__LINE, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    memset(p, 0, sizeof(*p));
    p->pin = c->pin == WS_PIN_DEFAULT ? WS_PIN_CORE : c->pin;
    p->victim = c->victim == WS_VICTIM_DEFAULT ? WS_VICTIM_NEAREST : c->victim;
    p->spin_rounds = c->spin_rounds ? c->spin_rounds : WS__DEFAULT_SPIN_ROUNDS;
    p->stack_size = c->stack_size ? c->stack_size : WS__DEFAULT_STACK;
    p->nest_reserve = p->stack_size / 4;
    p->spare_keepalive_ns =
        (uint64_t)(c->spare_keepalive_ms ? c->spare_keepalive_ms : WS__DEFAULT_SPARE_KEEPALIVE_MS) *
        1000000u;
    if ((err = ws__pool_init(p, c)) != 0) {
        ws__pool_free(p);
        return err;
    }
    *out = p;
    return 0;
}

int ws_pool_create(ws_pool **out, const struct ws_config *cfg)
{
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    struct ws_config c = WS_CONFIG_INIT;
    if (cfg != NULL)
        c = *cfg;
    struct ws_pool *p;
    int err = ws__pool_alloc(&p, &c);
    if (err != 0)
        return err;

    unsigned started = 0;
    err = ws__start_threads(p, p->stack_size, &started);
    ws__wait_started(p, started);
    if (err != 0) {
        ws__release_workers(p, 2);
        for (unsigned i = 0; i < started; i++)
            pthread_join(p->workers[i].thread, NULL);
        ws__pool_free(p);
        return err;
    }
    ws__settle_binding(p);
    ws__release_workers(p, 1);
    *out = p;
    return 0;
}

int ws_pool_destroy(ws_pool *p)
{
    if (p == NULL)
        return 0;
    if (ws__self != NULL && ws__self->pool == p)
        return -EDEADLK;
    /* Admission stops here; every admitted frame runs, then the count is 0. */
    ws__gate_close_and_wait(p);
    /* [E0] release: pairs with [E1] in worker.c (no data rides on it: the
     * pool is idle; pthread_join orders the workers' last accesses before
     * the frees below). ws__wake_all's fence orders it before the wake-ups,
     * and a parking worker's ready() looks at it after its own fence. */
    atomic_store_explicit(&p->exit, 1, memory_order_release);
    ws__wake_all(p);
    for (unsigned i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i].thread, NULL);
    ws__spares_stop(p);
    for (unsigned i = 0; i < p->nslots; i++) {
        assert(!ws__inbox_nonempty(&p->workers[i].inbox) &&
               (p->workers[i].dq.buf == NULL || !ws__rootq_nonempty(&p->workers[i].rq)) &&
               "a frame left behind at destroy");
    }
    const struct ws__hooks *h = ws__hooks(p);
    if (h != NULL && h->before_free != NULL)
        h->before_free(h->arg);
    ws__pool_free(p);
    return 0;
}

int ws_pool_info(const ws_pool *p, struct ws_pool_info *info)
{
    if (p == NULL || info == NULL)
        return -EINVAL;
    memset(info, 0, sizeof(*info));
    info->workers = p->nworkers;
    info->cores = p->topo.ncores;
    info->pus = p->topo.npus;
    info->numa_nodes = p->topo.nnuma;
    info->max_blocking = p->nslots - p->nworkers;
    /* relaxed: a snapshot. */
    info->spares = atomic_load_explicit(&((struct ws_pool *)p)->spares_live, memory_order_relaxed);
    info->pin = p->pin;
    info->victim = p->victim;
    info->pinned = p->pin != WS_PIN_NONE && p->pin_error == 0 && p->topo.wset != NULL;
    info->pin_error = p->pin_error;
    info->cpu_quota = p->cpu_quota;
    snprintf(info->pin_message, sizeof(info->pin_message), "%s", p->pin_message);
    return 0;
}

unsigned ws_pool_workers(const ws_pool *p)
{
    return p != NULL ? p->nworkers : 0;
}

ws_worker *ws_worker_self(void)
{
    return ws__self;
}

unsigned ws_worker_id(const ws_worker *w)
{
    return w != NULL ? w->id : 0;
}

ws_pool *ws_worker_pool(const ws_worker *w)
{
    return w != NULL ? w->pool : NULL;
}
