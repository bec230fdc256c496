/*
 * bag.h - libwsched-mpi's internals: one rank of a run (struct ws_mpi_ctx),
 * what bag.c (items inside the rank) and glb.c (items and messages between
 * ranks) share. run.c puts them together; README.md is the design.
 *
 * Locks, outermost first:
 *   mpi_lock  the MPI side: every MPI call, the thief and victim state, the
 *             termination token, the send list. Taken with trylock by a busy
 *             worker that polls, with lock by the thread that called
 *             ws_mpi_run. MPI_THREAD_SERIALIZED is what makes this enough.
 *   lock      the rank's shared pool, the loop frames, the passive test.
 * A worker's own stack is owner-only and needs no lock.
 */
#ifndef WS_MPI_BAG_H
#define WS_MPI_BAG_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsched_mpi.h"

#define WSM_POLL_EVERY 32u /* items between looks at the clock */

/* A stack of items, oldest first. */
struct wsm_stack {
    char *items;
    size_t n, cap;
};

/* A worker's part of the rank: touched only by the worker's thread. */
struct wsm_worker {
    alignas(64) struct wsm_stack st;
    char *result;     /* result_size bytes: this worker's accumulator */
    unsigned depth;   /* item loops running on this worker (nested in a wait: > 1) */
    uint64_t items;   /* processed */
    uint64_t busy_ns; /* inside an outermost item loop */
};

/* A loop task: takes items and processes them until the rank has none. */
struct wsm_loop {
    ws_task task;
    struct ws_mpi_ctx *r;
    struct wsm_loop *next_free;
};

/* A send in flight: its buffer lives until MPI_Test says it is done. */
struct wsm_send {
    MPI_Request req;
    void *buf;
};

/* Message tags. WORK is the only message that carries items: the "basic"
 * messages of the termination argument; the rest are control. */
enum wsm_tag {
    WSM_STEAL = 1, /* a random steal request; always answered, WORK or NOWORK */
    WSM_LIFELINE,  /* a lifeline request: answered with WORK now or later, never refused */
    WSM_WORK,      /* a chunk of items, answering a STEAL */
    WSM_LWORK,     /* a chunk of items, sent along a lifeline */
    WSM_NOWORK,    /* the answer to a STEAL the victim could not serve */
    WSM_TOKEN,     /* the termination token: struct wsm_token */
    WSM_DONE,      /* rank 0 to all: terminated */
    WSM_ABORT      /* a rank failed: drop every item */
};

struct wsm_token {
    int64_t q;     /* the sum of the counters of the ranks it has passed */
    int32_t black; /* a rank it passed received work since it last held the token */
    int32_t round;
};

struct ws_mpi_ctx {
    /* Constant during the run. */
    MPI_Comm comm; /* a duplicate of the caller's: our messages meet no one else's */
    int rank, nranks;
    size_t isz, rsz;
    const struct ws_mpi_ops *ops;
    void *user;
    enum ws_mpi_mode mode;
    ws_pool *pool;
    unsigned nworkers; /* pool workers, or 1 inline */
    unsigned nparts;   /* w[]: the pool's slots (workers, then spare slots, since a spare
                        * standing in for a worker blocked in ws_blocking may run a loop:
                        * ws_worker_id is its slot), or 1 inline */
    size_t chunk;
    uint64_t poll_ns;
    unsigned attempts;
    const void *result_init;

    struct wsm_worker *w; /* nparts of them; a spare slot's result is made at first use */

    /* Inside the rank, under lock. */
    pthread_mutex_t lock;
    pthread_cond_t cv;       /* the rank went passive, or stopped: wakes the caller */
    struct wsm_stack shared; /* published items, for any worker or a thief */
    unsigned loops;          /* loop tasks posted and not finished */
    struct wsm_loop *frames, *free_frames;
    uint64_t passive_ns; /* the caller's thread only */
    /* Hints read by busy workers without the lock (relaxed: a stale value
     * only delays or repeats a publication, which the lock then settles). */
    _Atomic size_t shared_n;    /* shared.n */
    _Atomic unsigned nloops;    /* loops */
    _Atomic int want_remote;    /* thieves wait that the shared pool could serve */
    _Atomic uint64_t next_poll; /* CLOCK_MONOTONIC ns of the next worker-side poll */
    _Atomic int stop;           /* 1: done; 2: aborting (drop items) */
    _Atomic int err;            /* the first local error (0 or negative errno) */
    /* Loop tasks that have left the count of loops but not yet returned:
     * the caller waits for 0 before it drains and frees the rank. */
    _Atomic unsigned tails;

    /* Between ranks, under mpi_lock (glb.c). */
    pthread_mutex_t mpi_lock;
    int done;
    int aborted;   /* ABORT sent to every rank */
    int64_t count; /* WORK messages sent minus received (Safra's counter) */
    int black;     /* received WORK since it last passed the token */
    int have_token, token_out;
    struct wsm_token token;
    int awaiting;   /* the victim of the steal request in flight, or -1 */
    unsigned tries; /* random steals since the rank last had work */
    int dormant;    /* lifeline requests sent; waiting for work */
    int *buddies;   /* this rank's lifelines: ranks it asks when idle */
    unsigned nbuddies;
    char *asked;       /* per rank: a lifeline request to it is outstanding */
    char *lifeline_in; /* per rank: it asked us on a lifeline; owed work */
    unsigned nlifeline_in;
    int *pending; /* steal requests waiting for the workers to publish */
    unsigned *pending_age;
    unsigned npending;
    struct wsm_send *sends;
    size_t nsends, capsends;
    uint64_t *sent_to; /* messages sent to each rank, for the final drain */
    uint64_t recv_total;
    char *rbuf, *chunkbuf;
    size_t rcap;
    uint64_t rng;
    struct ws_mpi_stats st;
};

/* ---- bag.c: items inside a rank ------------------------------------------------------------ */

int wsm_stack_reserve(struct wsm_stack *s, size_t isz, size_t more);
/* Pool mode: posts loop tasks for published items, up to one per worker. Under lock. */
int wsm_post_loops_locked(struct ws_mpi_ctx *r);
/* Adds k received items to the rank (merge). Under mpi_lock. 0 or -ENOMEM. */
int wsm_bag_merge(struct ws_mpi_ctx *r, const void *chunk, size_t k);
/* Splits off at most chunk items for a thief into r->chunkbuf. me: the
 * calling worker's slot if it is inside an item loop (its stack may be
 * split too), else NULL. Under mpi_lock. Returns the count. */
size_t wsm_bag_split(struct ws_mpi_ctx *r, struct wsm_worker *me);
/* The rank holds no item and runs none. Under mpi_lock. */
bool wsm_bag_passive(struct ws_mpi_ctx *r);
/* Drops every item (abort). Under mpi_lock. */
void wsm_bag_drop(struct ws_mpi_ctx *r);
/* Runs the items of the calling thread's rank until it has none (inline mode). */
void wsm_inline_run(struct ws_mpi_ctx *r);
/* Makes a part's result accumulator if it has none (from result_init, or
 * zeros): at creation for the workers, at first use for a spare slot. 0 or
 * -ENOMEM. */
int wsm_part_result(struct ws_mpi_ctx *r, struct wsm_worker *me);
/* Records err as the run's failure (first one wins) and starts an abort. */
void wsm_fail(struct ws_mpi_ctx *r, int err);

/* ---- glb.c: between ranks ------------------------------------------------------------------ */

int wsm_glb_init(struct ws_mpi_ctx *r);
void wsm_glb_free(struct ws_mpi_ctx *r);
/* One poll: receive and answer messages, steal if idle, move the token.
 * Under mpi_lock. me as for wsm_bag_split. */
void wsm_progress(struct ws_mpi_ctx *r, struct wsm_worker *me);
/* A busy worker's poll, every WSM_POLL_EVERY items: if it is time and no
 * one else is polling. */
void wsm_poll_maybe(struct ws_mpi_ctx *r, struct wsm_worker *me);
/* After termination: receives every message still addressed to this rank
 * and completes every send. Collective. 0 or -EPROTO. */
int wsm_glb_drain(struct ws_mpi_ctx *r);
/* Every rank's send of an ABORT, once. Under mpi_lock. */
void wsm_glb_abort(struct ws_mpi_ctx *r);

uint64_t wsm_now_ns(void);

#endif /* WS_MPI_BAG_H */
