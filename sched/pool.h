/*
 * pool.h - the worker and pool structures shared by the library's files.
 */
#ifndef WS_POOL_H
#define WS_POOL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <ck_ec.h>

#include "deque.h"
#include "inject.h"
#include "park.h"
#include "topology.h"

/* Counters a worker writes and anyone may read: relaxed load + store, no
 * read-modify-write (one writer), so they cost a plain add. */
struct ws__stats {
    _Atomic uint64_t spawns; /* copy of own.nspawn, refreshed on slow paths */
    _Atomic uint64_t steals;
    _Atomic uint64_t steal_fails;
    _Atomic uint64_t leapfrogs;
    _Atomic uint64_t publishes;
    _Atomic uint64_t injected;
    _Atomic uint64_t sleeps;
    _Atomic uint64_t idle_ns;
};

static inline void ws__stat_add(_Atomic uint64_t *c, uint64_t n)
{
    /* relaxed: a statistic with a single writer; readers want any recent value. */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* A frame of the per-worker arena, for task-group children. */
struct ws__gframe {
    ws_task task;
    ws_fn fn;
    void *arg;
    struct ws__gframe *next; /* the group's list (newest first), or the free list */
};

struct ws_worker {
    struct ws__deque dq; /* first: the inline fast path casts ws_worker to ws__own */

    /* Owner-only, cold. */
    alignas(WS__LINE) struct ws_pool *pool;
    unsigned id;
    unsigned wait_depth;     /* nested waits for stolen children on this stack */
    uint64_t rng;            /* xorshift state for victim choice */
    struct ws__gframe *free_frames;
    void *slabs;             /* arena blocks, freed with the pool */
    pthread_t thread;
    int bind_err;            /* 0 or the negative errno of this worker's bind */

    /* Woken through this; written by wakers. */
    alignas(WS__LINE) struct ck_ec32 park;

    /* Written by the owner, read by ws_pool_stats(). */
    alignas(WS__LINE) struct ws__stats stats;
};

_Static_assert(offsetof(struct ws_worker, dq) == 0, "fast path casts the worker to its deque");
_Static_assert(sizeof(struct ws_worker) % WS__LINE == 0, "workers in an array keep their lines");

struct ws_pool {
    struct ws_worker *workers; /* nworkers, WS__LINE-aligned */
    unsigned nworkers;
    unsigned spin_rounds;
    enum ws_victim_policy victim;
    enum ws_pin_policy pin;
    struct ws__topo topo;
    struct ws__inject inject;
    struct ws__sleepers sleepers;

    alignas(WS__LINE) _Atomic uint32_t searching; /* workers looking for work */

    alignas(WS__LINE) _Atomic uint32_t stopping;  /* destroy has begun */
    _Atomic uint64_t pending;                     /* roots and jobs not yet finished */
    _Atomic uint32_t users;                       /* outside calls still touching the pool */
    _Atomic uint32_t started;                     /* workers past their start-up */
    _Atomic uint32_t go;                          /* 1: run; 2: start-up failed, exit */
    struct ck_ec32 ext;                           /* outside threads wait here */

    int pin_error;
    char pin_message[160];
};

/* pool.c: a pool with its workers' structures but no threads (ws_pool_create
 * starts them; white-box tests drive the workers from their own threads). */
int ws__pool_alloc(struct ws_pool **out, const struct ws_config *cfg);
void ws__pool_free(struct ws_pool *p);

/* The worker running this thread, or NULL. */
extern _Thread_local struct ws_worker *ws__self;

/* worker.c */
void *ws__worker_main(void *arg);
/* Runs a stolen task and signals its completion to the owner. */
void ws__run_stolen(struct ws_worker *w, ws_task *x);
/* One pass over the injection queue and the victims; a task to run or NULL.
 * *root is set if it came from the injection queue. */
ws_task *ws__find_work(struct ws_worker *w, bool allow_inject, bool *root);
/* Runs what ws__find_work() returned. */
void ws__run_found(struct ws_worker *w, ws_task *x, bool root);
/* Helps (runs other work) until done(arg) holds; sleeps when there is none. */
void ws__help_until(struct ws_worker *w, bool (*done)(void *), void *arg);
/* Is public or injected work visible anywhere? (A hint.) */
bool ws__work_visible(struct ws_pool *p);

/* job.c: the body of a root task or job, as it sits in the injection queue. */
void ws__root_run(struct ws_worker *w, ws_task *t);
/* job.c: drops the queue's references to jobs their waiters ran (destroy). */
void ws__inject_drain(struct ws_pool *p);

#endif /* WS_POOL_H */
