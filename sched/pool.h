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
#include "reactor.h"
#include "quota.h"
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
    _Atomic uint64_t blocking;      /* outermost ws_blocking calls */
    _Atomic uint64_t uncompensated; /* of those, calls no spare could take over */
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
    unsigned blocking_depth; /* nested ws_blocking calls on this thread */
    unsigned since_poll;     /* tasks run from the idle loop since it last polled */
    uint64_t rng;            /* xorshift state for victim choice */
    struct ws__gframe *free_frames;
    void *slabs; /* arena blocks, freed with the pool */
    pthread_t thread;
    uintptr_t stack_lo; /* lowest usable address of the worker's stack, or 0 */
    int bind_err;       /* 0 or the negative errno of this worker's bind */

    /* Woken through this; written by wakers. */
    alignas(WS__LINE) struct ck_ec32 park;
    _Atomic uint32_t spare; /* spare slots: WS__SPARE_* (blocking.c) */

    /* Written by the owner, read by ws_pool_stats(). */
    alignas(WS__LINE) struct ws__stats stats;

    /* Entry from outside (inject.c): the inbox is written by submitters and
     * takers, rq.top by consumers, rq.bottom and rq.buf by the owner. */
    alignas(WS__LINE) struct ws__inbox inbox;
    struct ws__rootq rq; /* its fields are on lines of their own */
};

_Static_assert(offsetof(struct ws_worker, dq) == 0, "fast path casts the worker to its deque");
_Static_assert(sizeof(struct ws_worker) % WS__LINE == 0, "workers in an array keep their lines");

struct ws_pool {
    struct ws_worker *workers; /* nslots: the workers, then the spare slots; WS__LINE-aligned */
    unsigned nworkers;
    unsigned nslots; /* nworkers + max_blocking */
    unsigned deque_log2, deque_max_log2, inject_log2;
    size_t stack_size;
    uint64_t spare_keepalive_ns;
    unsigned spin_rounds;
    bool oversubscribed; /* more workers than PUs in the CPU binding: idle ones yield */
    enum ws_victim_policy victim;
    enum ws_pin_policy pin;
    size_t nest_reserve; /* stack bytes a wait keeps free before it runs other work */
    struct ws__topo topo;
    struct ws__sleepers sleepers;
    _Atomic(const struct ws__hooks *) hooks; /* test hooks (inject.h); NULL in normal use */

    alignas(WS__LINE) _Atomic uint32_t searching; /* workers looking for work */
    _Atomic uint32_t searching_workers;           /* of those, workers, not spares (ws_blocking) */

    /* Waits and timers (reactor.c). */
    alignas(WS__LINE) struct ws__reactor reactor;
    bool reactor_ready; /* initialised (ws__pool_free destroys it) */

    /* Managed blocking (blocking.c). */
    alignas(WS__LINE) _Atomic int32_t permits; /* minus the threads running beyond nworkers */
    _Atomic uint32_t spares_active;            /* spare slots ACTIVE (a hint for thieves) */
    _Atomic uint32_t spares_live;              /* spare threads alive: a futex word for destroy */
    _Atomic uint32_t spares_used;              /* spare slots ever started: [0, spares_used) */
    unsigned spare_words;
    _Atomic uint64_t *spare_mask; /* bit s: spare slot nworkers + s is ACTIVE */

    /* Admission and the count of unfinished frames (job.c). */
    alignas(WS__LINE) _Atomic uint32_t gate;

    alignas(WS__LINE) _Atomic uint32_t exit; /* destroy: the workers leave */
    _Atomic uint32_t started;                /* workers past their start-up */
    _Atomic uint32_t go;                     /* 1: run; 2: start-up failed, exit */
    struct ck_ec32 ext;                      /* start-up handshake */

    int pin_error;
    char pin_message[160];
    double cpu_quota; /* ws_pool_info.cpu_quota */
};

/* pool.c: a slot's deque and root queue (at creation for workers, on first
 * use for spare slots). */
int ws__worker_queues_init(struct ws_pool *p, struct ws_worker *w);
/* pool.c: a pool with its workers' structures but no threads (ws_pool_create
 * starts them; white-box tests drive the workers from their own threads). */
int ws__pool_alloc(struct ws_pool **out, const struct ws_config *cfg);
void ws__pool_free(struct ws_pool *p);

/* The test hooks, or NULL. acquire: pairs with the release store of the
 * white-box test that set them, so their contents are visible. */
static inline const struct ws__hooks *ws__hooks(struct ws_pool *p)
{
    return atomic_load_explicit(&p->hooks, memory_order_acquire);
}

/* The worker running this thread, or NULL. Initial-exec: in a shared
 * library the default TLS model reaches it through __tls_get_addr, which
 * was about 25 of the 96 instructions of a ws_post (callgrind); initial-exec
 * is one %fs-relative load. The cost is the one jemalloc accepts: a
 * libwsched loaded late by dlopen() takes a word of glibc's surplus static
 * TLS, which is there for such variables. */
#define WS__TLS_IE __attribute__((tls_model("initial-exec")))
extern _Thread_local struct ws_worker *ws__self WS__TLS_IE;

/* worker.c */
void *ws__worker_main(void *arg);
/* The start and end of a worker or spare thread: ws__self, the stack. */
void ws__worker_enter(struct ws_worker *w);
void ws__worker_leave(struct ws_worker *w);
/* Finds and runs work until the pool exits (or, for a spare, it retires). */
void ws__idle_loop(struct ws_worker *w);
/* Runs task t on w with the head library code holds (own.head, set at the
 * library's entry) and sets own.head back to it afterwards. Every call of
 * a task body from library code goes through here. */
void ws__run_task(struct ws_worker *w, ws_task *t);
/* The public head type and the slot pointer it is. */
static inline ws_head ws__head_of(_Atomic(ws_task *) *slot)
{
    return (ws_head)(void *)slot;
}
/* A library entry on worker w: own.head from the caller's head if it has
 * one (ws__enter), or found (ws__enter_find: ws_run nested, ws_job_wait). */
static inline void ws__enter(struct ws_worker *w, ws_head h)
{
    w->dq.own.head = WS__SLOT(h);
}
static inline ws_head ws__enter_find(struct ws_worker *w)
{
    return ws__head_of(ws__deque_find_head(&w->dq));
}
/* Makes every private task of w's deque public (ws_blocking). */
void ws__publish_all(struct ws_worker *w);
/* Runs a stolen task and signals its completion to the owner. */
void ws__run_stolen(struct ws_worker *w, ws_task *x);
/* One pass over the root queues, the inboxes and the victims; a task to
 * run or NULL. *root is set if it is a frame from outside (ws__run_found
 * runs it and drops its count). */
ws_task *ws__find_work(struct ws_worker *w, bool allow_inject, bool *root);
/* Runs what ws__find_work() returned. */
void ws__run_found(struct ws_worker *w, ws_task *x, bool root);
/* Helps (runs other work) until done(arg) holds; sleeps when there is none. */
void ws__help_until(struct ws_worker *w, bool (*done)(void *), void *arg);
/* Is public or queued work visible anywhere? (A hint.) */
bool ws__work_visible(struct ws_pool *p);

/* blocking.c */
/* Sets up the spare slots [nworkers, nslots) (threads start lazily). */
int ws__spares_init(struct ws_pool *p);
/* Frees what ws__spares_init made (the slots' deques go with the workers'). */
void ws__spares_destroy(struct ws_pool *p);
/* Wakes every spare thread and waits until all have exited (destroy). */
void ws__spares_stop(struct ws_pool *p);
/* A spare, at an idle point: should it give its permit back and retire?
 * True if it did (it has then left the set of active spares). */
bool ws__spare_retire(struct ws_worker *w);
/* A spare slot's index in spare_mask, or -1 for a worker. */
static inline int ws__spare_index(const struct ws_worker *w)
{
    return w->id >= w->pool->nworkers ? (int)(w->id - w->pool->nworkers) : -1;
}
/* Iterates the ACTIVE spare slots: for (s = -1; (s = ws__spare_next(p, s)) >= 0;). */
int ws__spare_next(struct ws_pool *p, int after);

/* job.c: admission (see the top of job.c). */
int ws__gate_enter(struct ws_pool *p);
void ws__gate_leave(struct ws_pool *p, uint32_t n);
/* job.c: the worker whose inbox an outside caller uses. */
unsigned ws__inbox_index_for_caller(struct ws_pool *p);
bool ws__gate_busy(struct ws_pool *p);
void ws__gate_close_and_wait(struct ws_pool *p);

#endif /* WS_POOL_H */
