/*
 * run.c - ws_mpi_run: the collective around a run. Every rank checks its
 * own configuration, then all agree on it in one MPI_Allgather, so that a
 * bad value on any rank (or item sizes that differ) gives the same clear
 * error on every rank before any item moves, instead of a hang or a
 * misread message later. Then the run (bag.c inside the rank, glb.c
 * between ranks), the drain, an agreement on failure, and the reduction:
 * workers into the rank's result, then a binomial tree over the ranks and
 * a broadcast, with the user's reduce and no global state (an MPI_Op
 * would need a global to reach it).
 */
#include "bag.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WSM_CHUNK_DEFAULT    64
#define WSM_POLL_US_DEFAULT  100
#define WSM_ATTEMPTS_DEFAULT 1
#define WSM_BACKSTOP_NS      1000000 /* a busy pool's caller polls at least this often */

/* What a rank found wrong with its own arguments. */
enum wsm_what {
    W_OK = 0,
    W_CFG,
    W_OPS,
    W_PROCESS,
    W_SPLIT,
    W_MERGE,
    W_REDUCE,
    W_ITEM_SIZE,
    W_RESULT_SIZE,
    W_RESULT,
    W_ITEMS,
    W_MODE,
    W_LEVEL,
    W_WORKER,
    W_POOL,
    W_NOMEM,
};

static const char *const what_texts[] = {
    [W_CFG] = "no configuration (cfg is NULL)",
    [W_OPS] = "no callbacks (ops is NULL)",
    [W_PROCESS] = "ops->process is NULL",
    [W_SPLIT] = "ops->split is NULL (ws_mpi_split_oldest is the stock one)",
    [W_MERGE] = "ops->merge is NULL (ws_mpi_merge_append is the stock one)",
    [W_REDUCE] = "ops->reduce is NULL with a result_size > 0",
    [W_ITEM_SIZE] = "item_size must be 1..WS_MPI_MAX_ITEM (4096)",
    [W_RESULT_SIZE] = "result_size must be at most WS_MPI_MAX_RESULT (64 MiB)",
    [W_RESULT] = "result is NULL with a result_size > 0",
    [W_ITEMS] = "items is NULL with nitems > 0",
    [W_MODE] = "mode is neither WS_MPI_POOL nor WS_MPI_INLINE",
    [W_LEVEL] = "the MPI thread level is too low for the mode",
    [W_WORKER] = "called from a worker of the run's pool",
    [W_POOL] = "the pool could not be created",
    [W_NOMEM] = "out of memory",
};

static const char *what_text(int what)
{
    size_t n = sizeof(what_texts) / sizeof(what_texts[0]);
    return what > 0 && (size_t)what < n && what_texts[what] ? what_texts[what] : "?";
}

static const char *level_name(int level)
{
    switch (level) {
    case MPI_THREAD_SINGLE:
        return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED:
        return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED:
        return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE:
        return "MPI_THREAD_MULTIPLE";
    default:
        return "?";
    }
}

/* What each rank tells the others before the run: plain data, no padding. */
struct wsm_hello {
    int32_t err;  /* 0 or the negative errno of what */
    int32_t what; /* enum wsm_what */
    uint64_t isz, rsz;
    int32_t mode;
    int32_t level;
};
_Static_assert(sizeof(struct wsm_hello) == 32, "wsm_hello has no padding");

/* This rank's own check of its arguments. */
static struct wsm_hello check_local(const struct ws_mpi_config *cfg, const struct ws_mpi_ops *ops,
                                    const void *items, size_t nitems, void *result, int level,
                                    int is_main)
{
    struct wsm_hello h = {0, W_OK, 0, 0, 0, level};
    int what = W_OK;
    if (cfg == NULL)
        what = W_CFG;
    else {
        h.isz = cfg->item_size;
        h.rsz = cfg->result_size;
        h.mode = (int32_t)cfg->mode;
        if (cfg->item_size == 0 || cfg->item_size > WS_MPI_MAX_ITEM)
            what = W_ITEM_SIZE;
        else if (cfg->result_size > WS_MPI_MAX_RESULT)
            what = W_RESULT_SIZE;
        else if (ops == NULL)
            what = W_OPS;
        else if (ops->process == NULL)
            what = W_PROCESS;
        else if (ops->split == NULL)
            what = W_SPLIT;
        else if (ops->merge == NULL)
            what = W_MERGE;
        else if (cfg->result_size > 0 && ops->reduce == NULL)
            what = W_REDUCE;
        else if (cfg->result_size > 0 && result == NULL)
            what = W_RESULT;
        else if (nitems > 0 && items == NULL)
            what = W_ITEMS;
        else if (cfg->mode != WS_MPI_POOL && cfg->mode != WS_MPI_INLINE)
            what = W_MODE;
        else if (cfg->mode == WS_MPI_POOL
                     ? level < MPI_THREAD_SERIALIZED
                     : level < MPI_THREAD_SERIALIZED && !(level >= MPI_THREAD_FUNNELED && is_main))
            what = W_LEVEL;
    }
    h.what = what;
    h.err = what == W_OK ? 0 : what == W_LEVEL ? -EPROTONOSUPPORT : -EINVAL;
    return h;
}

/*
 * Agrees on the configuration, in O(log P) collectives and no per-rank
 * buffer: rank 0's hello is broadcast; each rank compares its own with it;
 * the lowest rank with a problem (its own, or a difference from rank 0)
 * broadcasts its error and message. The same result on every rank.
 */
static int agree_config(MPI_Comm comm, int rank, int nranks, const struct wsm_hello *mine,
                        char *msg, size_t cap)
{
    struct wsm_hello root = *mine;
    char text[256] = "";
    int32_t err = mine->err;
    MPI_Bcast(&root, (int)sizeof(root), MPI_BYTE, 0, comm);
    if (err != 0 && mine->what == W_LEVEL)
        snprintf(text, sizeof(text),
                 "rank %d: the MPI thread level is %s; %s needs MPI_THREAD_SERIALIZED (request "
                 "it in MPI_Init_thread)",
                 rank, level_name(mine->level),
                 mine->mode == WS_MPI_INLINE ? "inline mode off the main thread" : "pool mode");
    else if (err != 0 && (mine->what == W_POOL || mine->what == W_NOMEM))
        snprintf(text, sizeof(text), "rank %d: %s: %s", rank, what_text(mine->what),
                 ws_strerror(err));
    else if (err != 0)
        snprintf(text, sizeof(text), "rank %d: %s", rank, what_text(mine->what));
    else if (root.err == 0) {
        const char *f = mine->isz != root.isz     ? "item_size"
                        : mine->rsz != root.rsz   ? "result_size"
                        : mine->mode != root.mode ? "mode"
                                                  : NULL;
        uint64_t a = f == NULL     ? 0
                     : f[0] == 'i' ? mine->isz
                     : f[0] == 'r' ? mine->rsz
                                   : (uint64_t)mine->mode;
        uint64_t b = f == NULL     ? 0
                     : f[0] == 'i' ? root.isz
                     : f[0] == 'r' ? root.rsz
                                   : (uint64_t)root.mode;
        if (f != NULL) {
            err = -EINVAL;
            snprintf(text, sizeof(text),
                     "rank %d: %s is %llu, rank 0's is %llu: it must be the same on every rank",
                     rank, f, (unsigned long long)a, (unsigned long long)b);
        }
    }
    int bad = err != 0 ? rank : nranks, first = nranks;
    MPI_Allreduce(&bad, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == nranks)
        return 0;
    MPI_Bcast(&err, 1, MPI_INT32_T, first, comm);
    MPI_Bcast(text, (int)sizeof(text), MPI_CHAR, first, comm);
    text[sizeof(text) - 1] = '\0';
    snprintf(msg, cap, "%s", text);
    return err;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    nanosleep(&ts, NULL);
}

/* Allocates the rank's state; 0 or -ENOMEM (what is allocated stays in r). */
static int rank_alloc(struct ws_mpi_ctx *r)
{
    /* Each worker's part on its own cache line (alignas in bag.h): calloc
     * does not align to 64. sizeof is a multiple of the alignment. */
    size_t wbytes = r->nparts * sizeof(*r->w);
    r->w = aligned_alloc(alignof(struct wsm_worker), wbytes);
    if (r->w == NULL)
        return -ENOMEM;
    memset(r->w, 0, wbytes);
    for (unsigned i = 0; i < r->nworkers; i++)
        if (wsm_part_result(r, &r->w[i]) != 0)
            return -ENOMEM;
    if (r->mode == WS_MPI_POOL) {
        r->frames = calloc(r->nworkers, sizeof(*r->frames));
        if (r->frames == NULL)
            return -ENOMEM;
        for (unsigned i = 0; i < r->nworkers; i++) {
            r->frames[i].r = r;
            r->frames[i].next_free = r->free_frames;
            r->free_frames = &r->frames[i];
        }
    }
    return wsm_glb_init(r);
}

static void rank_free(struct ws_mpi_ctx *r)
{
    for (unsigned i = 0; r->w != NULL && i < r->nparts; i++) {
        free(r->w[i].st.items);
        free(r->w[i].result);
    }
    free(r->w);
    free(r->frames);
    free(r->shared.items);
    wsm_glb_free(r);
}

/* The pool-mode caller: polls while the rank is idle, and as a backstop
 * (every WSM_BACKSTOP_NS) while its workers are busy in long items. */
static void pool_wait(struct ws_mpi_ctx *r)
{
    for (;;) {
        pthread_mutex_lock(&r->mpi_lock);
        wsm_progress(r, NULL);
        int done = r->done, waiting = r->awaiting >= 0;
        pthread_mutex_unlock(&r->mpi_lock);
        if (done)
            return;
        pthread_mutex_lock(&r->lock);
        bool passive = r->loops == 0 && r->shared.n == 0;
        if (!passive) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += WSM_BACKSTOP_NS;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&r->cv, &r->lock, &ts);
        }
        pthread_mutex_unlock(&r->lock);
        if (passive) {
            uint64_t t = waiting ? r->poll_ns / 8 : r->poll_ns;
            sleep_ns(t);
            r->passive_ns += t;
        }
    }
}

/* After termination: waits until no loop task runs or is about to return
 * (bag.h, tails), so that their last writes are visible and nothing
 * touches the rank once it is freed. Loops are few and end at once here:
 * the rank is passive. */
static void wait_tails(struct ws_mpi_ctx *r)
{
    for (;;) {
        pthread_mutex_lock(&r->lock);
        unsigned loops = r->loops;
        pthread_mutex_unlock(&r->lock);
        /* [T2] acquire: pairs with [T1] in loop_task() (bag.c). */
        if (loops == 0 && atomic_load_explicit(&r->tails, memory_order_acquire) == 0)
            return;
        sleep_ns(10000);
    }
}

/* The inline caller: runs items, polls, steals when out of them. */
static void inline_wait(struct ws_mpi_ctx *r)
{
    for (;;) {
        wsm_inline_run(r);
        uint64_t t0 = wsm_now_ns();
        pthread_mutex_lock(&r->mpi_lock);
        wsm_progress(r, &r->w[0]);
        int done = r->done, waiting = r->awaiting >= 0;
        pthread_mutex_unlock(&r->mpi_lock);
        if (!done && r->w[0].st.n == 0)
            sleep_ns(waiting ? r->poll_ns / 8 : r->poll_ns);
        if (r->w[0].st.n == 0)
            r->passive_ns += wsm_now_ns() - t0;
        if (done)
            return;
    }
}

/* Reduces the workers' results into acc, then the ranks' into rank 0's,
 * which is broadcast. */
static int reduce_all(struct ws_mpi_ctx *r, void *acc)
{
    if (r->rsz == 0)
        return 0;
    void *tmp = malloc(r->rsz);
    int err = tmp ? 0 : -ENOMEM;
    memcpy(acc, r->w[0].result, r->rsz);
    for (unsigned i = 1; i < r->nparts; i++)
        if (r->w[i].result != NULL) /* a spare slot no loop ran on has none */
            r->ops->reduce(acc, r->w[i].result, r->rsz, r->user);
    for (int mask = 1; mask < r->nranks; mask <<= 1) {
        if (r->rank & mask) {
            MPI_Send(acc, (int)r->rsz, MPI_BYTE, r->rank - mask, WSM_DONE + 1, r->comm);
            break;
        }
        if (r->rank + mask < r->nranks) {
            /* Without memory for the partner's result, receive into ours and
             * fail: the tree must still complete on every rank. */
            MPI_Recv(tmp ? tmp : acc, (int)r->rsz, MPI_BYTE, r->rank + mask, WSM_DONE + 1, r->comm,
                     MPI_STATUS_IGNORE);
            if (tmp)
                r->ops->reduce(acc, tmp, r->rsz, r->user);
        }
    }
    MPI_Bcast(acc, (int)r->rsz, MPI_BYTE, 0, r->comm);
    free(tmp);
    return err;
}

/* Agrees on failure: the lowest failing rank's error and message, on every rank. */
static int agree_failure(struct ws_mpi_ctx *r, int err, char *msg, size_t cap)
{
    int mine = err ? r->rank : r->nranks, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, r->comm);
    if (first == r->nranks)
        return 0;
    if (first == r->rank)
        snprintf(msg, cap, "rank %d: %s", r->rank,
                 err == -ENOMEM ? "out of memory" : ws_strerror(err));
    int32_t e = err;
    MPI_Bcast(&e, 1, MPI_INT32_T, first, r->comm);
    MPI_Bcast(msg, (int)cap, MPI_CHAR, first, r->comm);
    msg[cap - 1] = '\0';
    return e;
}

int ws_mpi_run(MPI_Comm comm, const struct ws_mpi_config *cfg, const struct ws_mpi_ops *ops,
               const void *items, size_t nitems, void *user, void *result,
               struct ws_mpi_stats *stats)
{
    struct ws_mpi_stats scratch;
    struct ws_mpi_ctx *r = NULL;
    struct wsm_hello mine;
    char msg[sizeof(stats->error)] = "";
    int init = 0, fin = 0, level = MPI_THREAD_SINGLE, is_main = 0, err, created = 0;
    int rank = 0, nranks = 0;
    uint64_t t0 = wsm_now_ns();

    if (stats == NULL)
        stats = &scratch;
    memset(stats, 0, sizeof(*stats));
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (!init || fin || comm == MPI_COMM_NULL) {
        /* No collective is possible: every rank that calls this way sees it. */
        snprintf(stats->error, sizeof(stats->error),
                 "MPI is not initialised, already finalised, or comm is MPI_COMM_NULL");
        return -EINVAL;
    }
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &nranks);
    MPI_Query_thread(&level);
    MPI_Is_thread_main(&is_main);
    mine = check_local(cfg, ops, items, nitems, result, level, is_main);

    /* Everything the run needs is made before the agreement, so that a
     * pool that cannot start, or memory that runs out, is agreed on too. */
    r = calloc(1, sizeof(*r));
    if (r == NULL && mine.err == 0) {
        mine.err = -ENOMEM;
        mine.what = W_NOMEM;
    }
    if (r != NULL) {
        r->rank = rank;
        r->nranks = nranks;
        pthread_mutex_init(&r->lock, NULL);
        pthread_mutex_init(&r->mpi_lock, NULL);
        pthread_cond_init(&r->cv, NULL);
    }
    if (mine.err == 0) {
        r->isz = cfg->item_size;
        r->rsz = cfg->result_size;
        r->ops = ops;
        r->user = user;
        r->mode = cfg->mode;
        r->result_init = cfg->result_init;
        r->chunk = cfg->chunk ? cfg->chunk : WSM_CHUNK_DEFAULT;
        r->poll_ns = (uint64_t)(cfg->poll_us ? cfg->poll_us : WSM_POLL_US_DEFAULT) * 1000u;
        r->attempts = cfg->steal_attempts ? cfg->steal_attempts : WSM_ATTEMPTS_DEFAULT;
        r->rng = (cfg->seed ? cfg->seed : 0x9e3779b97f4a7c15ull) ^
                 ((uint64_t)(rank + 1) * 0xbf58476d1ce4e5b9ull);
        if (r->rng == 0)
            r->rng = 1;
        r->nworkers = 1;
        r->nparts = 1;
        if (r->mode == WS_MPI_POOL) {
            r->pool = cfg->pool;
            if (r->pool == NULL) {
                int e = ws_pool_create(&r->pool, cfg->pool_config);
                if (e != 0) {
                    mine.err = e;
                    mine.what = W_POOL;
                    r->pool = NULL;
                }
                created = r->pool != NULL;
            }
            ws_worker *self = ws_worker_self();
            if (r->pool != NULL && self != NULL && ws_worker_pool(self) == r->pool) {
                mine.err = -EINVAL;
                mine.what = W_WORKER;
            }
            struct ws_pool_info info;
            if (r->pool != NULL && ws_pool_info(r->pool, &info) == 0) {
                r->nworkers = info.workers;
                r->nparts = info.workers + info.max_blocking;
            }
        }
        if (mine.err == 0 && rank_alloc(r) != 0) {
            mine.err = -ENOMEM;
            mine.what = W_NOMEM;
        }
    }
    err = agree_config(comm, rank, nranks, &mine, msg, sizeof(msg));
    if (err != 0)
        goto out;

    /* The run, on a communicator of its own. */
    MPI_Comm_dup(comm, &r->comm);
    if (nitems > 0) {
        struct wsm_stack *s = r->mode == WS_MPI_INLINE ? &r->w[0].st : &r->shared;
        if (wsm_stack_reserve(s, r->isz, nitems) != 0) {
            wsm_fail(r, -ENOMEM);
        } else {
            memcpy(s->items, items, nitems * r->isz);
            s->n = nitems;
            /* relaxed: a hint (bag.h); no worker runs yet. */
            atomic_store_explicit(&r->shared_n, r->shared.n, memory_order_relaxed);
        }
    }
    if (r->mode == WS_MPI_POOL) {
        pthread_mutex_lock(&r->lock);
        int e = wsm_post_loops_locked(r);
        pthread_mutex_unlock(&r->lock);
        if (e != 0)
            wsm_fail(r, e);
        pool_wait(r);
        wait_tails(r);
    } else {
        inline_wait(r);
    }
    /* Terminated: no item anywhere and no loop running on this rank. */
    pthread_mutex_lock(&r->mpi_lock);
    int e = wsm_glb_drain(r);
    pthread_mutex_unlock(&r->mpi_lock);
    if (e != 0)
        wsm_fail(r, e);
    /* relaxed: every thread that wrote err has since released the locks
     * this thread took to see the rank passive. */
    err = agree_failure(r, atomic_load_explicit(&r->err, memory_order_relaxed), msg, sizeof(msg));
    if (err == 0)
        err = agree_failure(r, reduce_all(r, result), msg, sizeof(msg));
    memcpy(stats, &r->st, sizeof(*stats));
    stats->items = 0;
    for (unsigned i = 0; i < r->nparts; i++)
        stats->items += r->w[i].items;
    stats->workers = r->nworkers;
    stats->passive_ns = r->passive_ns;
    /* Idle: thread-time outside item loops (pool), or without items (inline). */
    uint64_t busy = 0, wall = wsm_now_ns() - t0;
    for (unsigned i = 0; i < r->nparts; i++)
        busy += r->w[i].busy_ns;
    stats->idle_ns = r->mode == WS_MPI_POOL
                         ? (wall * r->nworkers > busy ? wall * r->nworkers - busy : 0)
                         : r->passive_ns;
    MPI_Comm_free(&r->comm);
out:
    stats->thread_level = level;
    stats->wall_ns = wsm_now_ns() - t0;
    snprintf(stats->error, sizeof(stats->error), "%s", msg);
    if (r != NULL) {
        if (created)
            ws_pool_destroy(r->pool);
        rank_free(r);
        pthread_mutex_destroy(&r->lock);
        pthread_mutex_destroy(&r->mpi_lock);
        pthread_cond_destroy(&r->cv);
        free(r);
    }
    return err;
}
