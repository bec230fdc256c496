/*
 * eventloop.h - what the event-loop executors offer beyond exec.h, and what
 * their two files share: eventloop.c (the loops, the hand-off from callers,
 * map, create and destroy) and eventloop_ev.c (the event-driven side,
 * exec/events.h, on libuv's timers, polls and thread pool).
 *
 * Everything named el_ is internal to those two files.
 */
#ifndef WSBENCH_EXEC_EVENTLOOP_H
#define WSBENCH_EXEC_EVENTLOOP_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>

#include <uv.h>

#include "exec/exec.h"

extern const struct exec_ops exec_eventloop, exec_eventloop_cores, exec_eventloop_offload;

/*
 * The threads of libuv's pool (uv_queue_work), counted as libuv 1.44 counts
 * them when the pool starts: UV_THREADPOOL_SIZE by atoi(), 0 as 1, at most
 * 1024; 4 if unset. Read once per process. Any thread.
 */
unsigned exec_eventloop_pool_threads(void);

/* ---- internals -------------------------------------------------------------------------- */

/* More loops than this is a configuration mistake, not a benchmark. */
#define EL_MAX_LOOPS 1024u

struct el_timer; /* a pooled uv_timer_t (eventloop_ev.c) */
struct el_poll;  /* a pooled, closed uv_poll_t */
struct el_req;   /* what an ev_req holds */
struct el_work;  /* an offloaded map() piece (eventloop.c) */
struct el_batch;

/*
 * One loop: a thread running a uv_loop_t. All but the inbox belong to the
 * loop's thread once it runs (libuv's objects are not thread-safe); callers
 * reach it only through the inbox and the wake-up.
 */
struct el_loop {
    alignas(64) uv_loop_t uv; /* uv.data: this el_loop */
    uv_async_t wake;          /* the callers' "look at your inbox": a wake-up, no data */
    uv_idle_t later;          /* active while deferred callbacks wait (el_later_run) */
    struct el_timer *free_timers;
    struct el_poll *free_polls;
    struct el_req *later_head, *later_tail; /* cancelled requests whose callbacks are due */
    struct exec *x;
    unsigned index;
    int close_err; /* uv_loop_close()'s, read by destroy() after the join */
    pthread_t thread;
    /* Guarded by x->mu: the shares handed to this loop, FIFO. */
    struct ev_ctx *inbox_head, *inbox_tail;
};

/*
 * One loop's share of a batch: pieces (or tasks) first, first + k, ... of
 * a map() (or an ev run()) over k loops. For a program it is the context
 * its callbacks get. Owned by the caller (it frees it when the batch is
 * done); fields are the loop's once it is in the inbox.
 */
struct ev_ctx {
    struct ev_ctx *next; /* in the inbox; guarded by x->mu */
    struct el_loop *l;
    struct el_batch *b;
    size_t first;
    size_t left;  /* a program's tasks not done */
    size_t armed; /* operations whose callbacks have not returned, + 1 while starting */
};

/* One map() or ev run(): on the caller's stack until every share is done. */
struct el_batch {
    size_t n, step; /* pieces or tasks; loops they are dealt to */
    exec_piece_fn fn;
    struct exec_piece *pieces;
    struct el_work *works; /* offload map: one per piece */
    ev_start_fn start;     /* a program: its tasks' first step */
    void *arg;
    unsigned shares_left; /* guarded by x->mu: shares not done */
};

struct exec {
    unsigned nloops;
    unsigned started; /* loop threads running */
    int offload;      /* map() hands its pieces to libuv's pool */
    pthread_mutex_t mu;
    pthread_cond_t done; /* a batch's caller waits here for shares_left == 0 */
    int stop;            /* guarded by mu: destroy() asks the loops to close */
    struct el_loop *loops;
};

/* The loop whose thread is calling, or NULL. */
struct el_loop *el_self(void);

/* The share has run all it had: tells its batch's caller if it was the last. Its loop only. */
void el_share_done(struct ev_ctx *c);
/* el_share_done(c) if nothing of it is left (left and armed 0). Its loop only. */
void el_share_check(struct ev_ctx *c);

/* ev_ops.run: deals the n tasks to the loops and waits for them (eventloop.c). */
int el_run(struct exec *x, size_t n, ev_start_fn start, void *arg);

/* eventloop_ev.c: a share of a program, started on its loop; the events.h ops. */
void el_program_start(struct ev_ctx *c);
extern const struct ev_ops el_events;

/* eventloop_ev.c: closes every handle of l (destroy), freeing the pooled ones. */
void el_loop_close_all(struct el_loop *l);
/* And frees the closed pooled handles once uv_run() has finished the closes. */
void el_loop_free_closed(struct el_loop *l);

#endif /* WSBENCH_EXEC_EVENTLOOP_H */
