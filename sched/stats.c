/*
 * stats.c - per-worker counters. Each counter has one writer (its worker);
 * readers load them relaxed: a snapshot, exact once the pool is idle.
 */
#include <errno.h>
#include <string.h>

#include "pool.h"

static uint64_t ws__read(const _Atomic uint64_t *c)
{
    /* relaxed: see ws__stat_add(). */
    return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

int ws_pool_stats(const ws_pool *p, struct ws_worker_stats *out, unsigned n)
{
    if (p == NULL || (out == NULL && n != 0))
        return -EINVAL;
    /* relaxed: a statistic. */
    unsigned filled = p->nworkers + atomic_load_explicit(&((struct ws_pool *)p)->spares_used,
                                                         memory_order_relaxed);
    for (unsigned i = 0; i < n && i < filled; i++) {
        const struct ws__stats *s = &p->workers[i].stats;
        memset(&out[i], 0, sizeof(out[i]));
        out[i].spawns = ws__read(&s->spawns);
        out[i].steals = ws__read(&s->steals);
        out[i].steal_fails = ws__read(&s->steal_fails);
        out[i].leapfrogs = ws__read(&s->leapfrogs);
        out[i].publishes = ws__read(&s->publishes);
        out[i].injected = ws__read(&s->injected);
        out[i].sleeps = ws__read(&s->sleeps);
        out[i].idle_ns = ws__read(&s->idle_ns);
        out[i].blocking = ws__read(&s->blocking);
        out[i].uncompensated = ws__read(&s->uncompensated);
        out[i].cpu =
            i < p->nworkers && p->pin_error == 0 && p->topo.wcpu != NULL ? p->topo.wcpu[i] : -1;
    }
    return (int)(n < filled ? n : filled);
}
