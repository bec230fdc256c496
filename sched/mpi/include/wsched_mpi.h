/*
 * wsched_mpi.h - work stealing across MPI ranks: a distributed bag of
 * plain-data work items, processed inside each rank by a wsched pool and
 * balanced across ranks by lifeline-based global load balancing (GLB).
 *
 * The optional part of libwsched (libwsched-mpi, built only when MPI is
 * found). The design, the termination argument and the message model are in
 * sched/mpi/README.md.
 *
 * The bag holds items: fixed-size plain data (a UTS node, a range, a board
 * prefix), copied by value, never a pointer, since they cross ranks. The
 * user supplies four functions, as in GLB:
 *   process  one item; it may push new items (ws_mpi_push) and fork-join
 *            inside the item with the worker and head it runs on;
 *   split    the local bag: move a chunk of it out, for a thief;
 *   merge    a received chunk into the local bag;
 *   reduce   one result into another: the per-worker results of a rank,
 *            then the ranks' results, into one global result.
 * ws_mpi_split_oldest, ws_mpi_merge_append are stock split and merge.
 *
 * Every rank of the communicator calls ws_mpi_run with its own initial
 * items (any number, zero included; one rank may hold all the work). Idle
 * ranks steal chunks from random victims, then register on lifelines (a
 * low-degree graph of buddies) and wait to be sent work; victims answer
 * from a poll that busy workers make between items, never from inside a
 * blocking call. The run ends when every item everywhere has been
 * processed (Dijkstra-Safra termination detection); every rank then
 * receives the same reduced result.
 *
 * MPI thread level: pool mode (WS_MPI_POOL, the default) calls MPI from
 * whichever worker polls, one at a time under a lock, and from the thread
 * that called ws_mpi_run: it needs MPI_THREAD_SERIALIZED, which the
 * application requests in MPI_Init_thread. Inline mode (WS_MPI_INLINE, a
 * single-threaded rank) calls MPI only from the calling thread: it needs
 * MPI_THREAD_FUNNELED from the main thread, SERIALIZED from another.
 * sched/mpi/README.md says why not MULTIPLE.
 *
 * Conventions are libwsched's (wsched.h): 0 or a negative errno
 * (ws_strerror names it), no printing, no exit. A bad configuration on any
 * rank (a zero item size, a NULL callback, an item size that differs
 * between ranks, a thread level too low) makes ws_mpi_run return -EINVAL
 * (-EPROTONOSUPPORT for the thread level) on every rank, with the reason in
 * stats->error, before any item moves. MPI's own errors follow the
 * communicator's error handler: under MPI_ERRORS_ARE_FATAL (MPI's default)
 * a rank that dies ends the whole job (README: "A rank that dies").
 */
#ifndef WSCHED_MPI_H
#define WSCHED_MPI_H

#include <stddef.h>
#include <stdint.h>

#include <mpi.h>
#include <wsched.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(WSCHED_MPI_BUILDING)
#define WS_MPI_API __attribute__((visibility("default")))
#else
#define WS_MPI_API
#endif

#define WS_MPI_VERSION_MAJOR 0
#define WS_MPI_VERSION_MINOR 1
#define WS_MPI_VERSION_PATCH 0

#define WS_MPI_MAX_ITEM   4096u       /* largest item, bytes */
#define WS_MPI_MAX_RESULT (64u << 20) /* largest result, bytes */

/* What process() is given: the run, seen from the worker that calls it. */
typedef struct ws_mpi_ctx ws_mpi_ctx;

struct ws_mpi_ops {
    /*
     * Processes one item: a copy the callback may modify. It runs as a
     * task: w and h are its worker and head (wsched.h) in pool mode, both
     * NULL in inline mode. result is the calling worker's accumulator
     * (result_size bytes), reduced into the rank's and then the global
     * result at the end. It may push items (ws_mpi_push), and in pool mode
     * spawn and sync from h, syncing all it spawns before it returns
     * (tasks it spawns may push too). Returns 0, or a negative errno,
     * which stops the run: every rank drops its items and ws_mpi_run
     * returns that error everywhere.
     */
    int (*process)(ws_mpi_ctx *ctx, ws_worker *w, ws_head h, void *item, void *result, void *user);
    /*
     * Moves a chunk of at most max items (max >= 1) out of the bag of *n
     * items at items (item size `size`) into chunk, and returns how many it
     * wrote; the items that stay are left at items[0, *n). It may also cut
     * an item in two (a range), so *n need not fall by the count returned.
     * Return 0 to keep everything (the thief is told there is no work).
     */
    size_t (*split)(void *items, size_t *n, size_t size, void *chunk, size_t max, void *user);
    /*
     * Adds the k received items of chunk to the bag of n items at items,
     * which has room for n + k; returns the new count, at most n + k.
     */
    size_t (*merge)(void *items, size_t n, size_t size, const void *chunk, size_t k, void *user);
    /* acc = acc (+) in over result_size bytes: associative and commutative.
     * Required when result_size > 0. Called on one thread at a time. */
    void (*reduce)(void *acc, const void *in, size_t size, void *user);
};

enum ws_mpi_mode {
    WS_MPI_POOL = 0, /* items run on a wsched pool; MPI_THREAD_SERIALIZED */
    WS_MPI_INLINE    /* the calling thread runs items and polls: no pool, no fork-join */
};

struct ws_mpi_config {
    /* Bytes per item, 1..WS_MPI_MAX_ITEM; the same on every rank. */
    size_t item_size;
    /* Bytes of a result, 0..WS_MPI_MAX_RESULT; the same on every rank. 0: no result. */
    size_t result_size;
    /* The reduction's identity (result_size bytes), each worker's starting
     * result; NULL: all zero bytes. */
    const void *result_init;
    enum ws_mpi_mode mode;
    /* Pool mode: a pool to borrow (idle, used by nothing else during the
     * run; the calling thread must not be one of its workers). NULL: a pool
     * is created for the run from pool_config (NULL: defaults) and
     * destroyed after it. */
    ws_pool *pool;
    const struct ws_config *pool_config;
    /* Most items in one stolen chunk; 0: 64. */
    size_t chunk;
    /* A busy rank looks at its messages at least this often, in
     * microseconds (checked every 32 items); an idle one polls this often.
     * 0: 100. */
    unsigned poll_us;
    /* Random steal attempts before an idle rank falls back on its
     * lifelines; 0: 1. */
    unsigned steal_attempts;
    /* Victim choice; 0: a fixed default mixed with the rank, so runs repeat. */
    uint64_t seed;
};
#define WS_MPI_CONFIG_INIT                                                                         \
    {                                                                                              \
        0                                                                                          \
    }

/* One rank's counters for one run. Exact when ws_mpi_run returns. */
struct ws_mpi_stats {
    uint64_t items;        /* items processed on this rank */
    uint64_t steals;       /* random steal requests sent */
    uint64_t steals_ok;    /* of those, answered with work */
    uint64_t lifelines;    /* lifeline requests sent */
    uint64_t lifelines_ok; /* chunks that arrived through a lifeline */
    uint64_t served;       /* chunks given to thieves (steals and lifelines) */
    uint64_t refused;      /* steal requests answered "no work" */
    uint64_t chunks_sent;  /* chunks of items sent to other ranks */
    uint64_t chunks_recv;  /* chunks received */
    uint64_t items_sent;   /* items in them */
    uint64_t items_recv;   /* items received */
    uint64_t bytes_sent;   /* bytes of every message sent, control included */
    uint64_t bytes_recv;   /* bytes of every message received */
    uint64_t msgs_sent;    /* messages sent: requests, replies, chunks, token, shutdown */
    uint64_t msgs_recv;    /* messages received */
    uint64_t token_rounds; /* termination-detection rounds (rank 0: started; others: seen) */
    uint64_t polls;        /* polls of the message queue */
    uint64_t wall_ns;      /* ws_mpi_run's duration, start agreement to result */
    uint64_t idle_ns;      /* thread-time without an item: workers x wall less the time
                            * workers spent in item loops (pool), or the time the rank had
                            * no item (inline) */
    uint64_t passive_ns;   /* time the whole rank had no item (waiting for steals) */
    unsigned workers;      /* threads that processed items */
    int thread_level;      /* MPI_Query_thread() */
    char error[256];       /* why the run failed, "" if it did not */
};

/*
 * Runs the bag over every rank of comm (a collective: every rank calls it,
 * with the same item_size, result_size, mode and callbacks' meaning).
 * items[0, nitems) are this rank's initial items (copied before return;
 * nitems may be 0). user is passed to every callback. result (result_size
 * bytes, may be NULL if result_size is 0) receives the global reduction on
 * every rank; stats (may be NULL) this rank's counters. The calling thread:
 * in pool mode it waits and polls while the rank is idle; in inline mode it
 * processes the items. Must not be a worker of the pool.
 *
 * Returns 0; -EINVAL (a bad configuration on any rank: stats->error names
 * the rank and the field); -EPROTONOSUPPORT (the MPI thread level is too
 * low for the mode, on any rank); -ENOMEM (memory, on any rank); the first
 * error a process() returned; or the error of creating the pool. The same
 * value on every rank. MPI errors follow comm's error handler.
 */
WS_MPI_API int ws_mpi_run(MPI_Comm comm, const struct ws_mpi_config *cfg,
                          const struct ws_mpi_ops *ops, const void *items, size_t nitems,
                          void *user, void *result, struct ws_mpi_stats *stats);

/*
 * Adds an item (item_size bytes, copied) to the calling worker's part of
 * the bag. From process(), or from a task it spawned, on a worker of the
 * run's pool (or the calling thread in inline mode). 0, -EINVAL (NULL, or
 * not on a thread of this run), -ENOMEM (the run then fails with it).
 */
WS_MPI_API int ws_mpi_push(ws_mpi_ctx *ctx, const void *item);

/* The worker running process() (pool mode), the w it was given; NULL inline. */
WS_MPI_API ws_worker *ws_mpi_worker(const ws_mpi_ctx *ctx);
/* This rank and the number of ranks. */
WS_MPI_API int ws_mpi_rank(const ws_mpi_ctx *ctx);
WS_MPI_API int ws_mpi_ranks(const ws_mpi_ctx *ctx);

/* Stock split: moves the oldest min(max, *n / 2) items (the first ones) to
 * chunk and closes the gap. In a depth-first bag the oldest items are nearest
 * the root: the largest pieces of work. */
WS_MPI_API size_t ws_mpi_split_oldest(void *items, size_t *n, size_t size, void *chunk, size_t max,
                                      void *user);
/* Stock merge: appends the chunk. */
WS_MPI_API size_t ws_mpi_merge_append(void *items, size_t n, size_t size, const void *chunk,
                                      size_t k, void *user);

#ifdef __cplusplus
}
#endif

#endif /* WSCHED_MPI_H */
