/*
 * bag.c - the bag inside one rank: each worker's stack of items, the rank's
 * shared pool, and the loop tasks that run items on the wsched pool.
 *
 * A worker runs items from its own stack, newest first (depth first, so the
 * stack stays as small as the walk is deep), and pushes what they make onto
 * it: no lock, no atomic read-modify-write per item. The rank's shared pool
 * holds items published for others, under the rank's lock. A worker
 * publishes (splits its stack into the pool) when someone wants work and
 * the pool is empty: a worker of the rank without a loop, or a thief of
 * another rank. That is the receiver-initiated hand-off of the deque
 * (sched/README.md, "Asking"), at item granularity: the check is two relaxed
 * loads per item.
 *
 * Loop tasks. An item loop is a wsched task (ws_post) that takes items, from
 * its worker's stack and then from the shared pool, until there are none,
 * and returns. So a worker without items is an ordinary idle wsched worker:
 * it steals the fork-join tasks that items spawn, and sleeps when there are
 * none. Publishing posts up to one loop per worker without one. A loop may
 * start nested inside an item's ws_sync on a worker that already runs a
 * loop (the wait runs queued roots); it then takes that worker's stack, and
 * the outer loop finds what is left: items are only ever taken by the thread
 * that owns the stack, or under the lock from the shared pool.
 *
 * Passive. The rank holds no item and runs none exactly when no loop is
 * posted or running and the shared pool is empty (tested under the lock):
 * a stack holds items only while a loop runs on its worker, since a push
 * from a thread without a running loop goes to the shared pool, and every
 * item's process() returns before its loop can end (strict fork-join: what
 * it spawned is synced). Only received work makes a passive rank active
 * again (glb.c), which is what the termination argument needs.
 */
#include "bag.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t wsm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int wsm_stack_reserve(struct wsm_stack *s, size_t isz, size_t more)
{
    if (s->cap - s->n >= more)
        return 0;
    size_t cap = s->cap ? s->cap : 64;
    while (cap - s->n < more) {
        if (cap > SIZE_MAX / 2 / isz)
            return -ENOMEM;
        cap *= 2;
    }
    char *p = realloc(s->items, cap * isz);
    if (p == NULL)
        return -ENOMEM;
    s->items = p;
    s->cap = cap;
    return 0;
}

void wsm_fail(struct ws_mpi_ctx *r, int err)
{
    int none = 0;
    /* relaxed: err and stop are read after joins or under the locks,
     * which order them; the first error wins the CAS. */
    atomic_compare_exchange_strong_explicit(&r->err, &none, err, memory_order_relaxed,
                                            memory_order_relaxed);
    atomic_store_explicit(&r->stop, 2, memory_order_relaxed);
}

/* ---- the stock callbacks ------------------------------------------------------------------- */

size_t ws_mpi_split_oldest(void *items, size_t *n, size_t size, void *chunk, size_t max, void *user)
{
    (void)user;
    size_t k = *n / 2;
    if (k > max)
        k = max;
    if (k == 0)
        return 0;
    memcpy(chunk, items, k * size);
    memmove(items, (char *)items + k * size, (*n - k) * size);
    *n -= k;
    return k;
}

size_t ws_mpi_merge_append(void *items, size_t n, size_t size, const void *chunk, size_t k,
                           void *user)
{
    (void)user;
    memcpy((char *)items + n * size, chunk, k * size);
    return n + k;
}

/* ---- the shared pool ----------------------------------------------------------------------- */

static void shared_set(struct ws_mpi_ctx *r, size_t n)
{
    r->shared.n = n;
    /* relaxed: a hint for busy workers ([H] in bag.h); the lock orders the items. */
    atomic_store_explicit(&r->shared_n, n, memory_order_relaxed);
}

static void loops_set(struct ws_mpi_ctx *r, unsigned n)
{
    r->loops = n;
    /* relaxed: a hint, as shared_n. */
    atomic_store_explicit(&r->nloops, n, memory_order_relaxed);
}

static void loop_task(ws_worker *w, ws_head h, ws_task *t);

int wsm_post_loops_locked(struct ws_mpi_ctx *r)
{
    size_t want = r->shared.n;
    while (want > 0 && r->free_frames != NULL) {
        struct wsm_loop *f = r->free_frames;
        r->free_frames = f->next_free;
        loops_set(r, r->loops + 1);
        int e = ws_post(r->pool, &f->task, loop_task);
        if (e != 0) {
            f->next_free = r->free_frames;
            r->free_frames = f;
            loops_set(r, r->loops - 1);
            return e;
        }
        want--;
    }
    return 0;
}

/* Moves items of the worker's stack to the shared pool, by the user's
 * split, for another worker or a thief; posts loops for them. */
static void publish(struct ws_mpi_ctx *r, struct wsm_worker *me)
{
    pthread_mutex_lock(&r->lock);
    if (r->shared.n == 0 && wsm_stack_reserve(&r->shared, r->isz, r->chunk) == 0) {
        size_t k =
            r->ops->split(me->st.items, &me->st.n, r->isz, r->shared.items, r->chunk, r->user);
        if (k > r->chunk)
            k = r->chunk; /* a split that overran chunk corrupted the pool: a user bug */
        shared_set(r, k);
        int e = wsm_post_loops_locked(r);
        if (e != 0)
            wsm_fail(r, e);
    }
    pthread_mutex_unlock(&r->lock);
}

/* Takes items from the shared pool onto the worker's stack. Under lock. */
static void take_shared(struct ws_mpi_ctx *r, struct wsm_worker *me)
{
    size_t n = r->shared.n, k = n <= 1 ? n : n / 2;
    if (k > r->chunk)
        k = r->chunk;
    if (wsm_stack_reserve(&me->st, r->isz, k) != 0) {
        wsm_fail(r, -ENOMEM);
        return;
    }
    /* The newest of the published items: each is the oldest of someone's stack. */
    memcpy(me->st.items + me->st.n * r->isz, r->shared.items + (n - k) * r->isz, k * r->isz);
    me->st.n += k;
    shared_set(r, n - k);
}

static bool passive_locked(const struct ws_mpi_ctx *r)
{
    return r->loops == 0 && r->shared.n == 0;
}

bool wsm_bag_passive(struct ws_mpi_ctx *r)
{
    if (r->mode == WS_MPI_INLINE)
        return r->w[0].st.n == 0;
    pthread_mutex_lock(&r->lock);
    bool p = passive_locked(r);
    pthread_mutex_unlock(&r->lock);
    return p;
}

void wsm_bag_drop(struct ws_mpi_ctx *r)
{
    if (r->mode == WS_MPI_INLINE) {
        r->w[0].st.n = 0;
        return;
    }
    pthread_mutex_lock(&r->lock);
    shared_set(r, 0);
    pthread_mutex_unlock(&r->lock);
    /* Workers' stacks are dropped by their loops, which see stop == 2. */
}

int wsm_bag_merge(struct ws_mpi_ctx *r, const void *chunk, size_t k)
{
    struct wsm_stack *s = r->mode == WS_MPI_INLINE ? &r->w[0].st : &r->shared;
    int e = 0;
    if (r->mode == WS_MPI_POOL)
        pthread_mutex_lock(&r->lock);
    if (wsm_stack_reserve(s, r->isz, k) != 0) {
        e = -ENOMEM;
    } else {
        size_t n = r->ops->merge(s->items, s->n, r->isz, chunk, k, r->user);
        if (n > s->n + k)
            n = s->n + k;
        if (r->mode == WS_MPI_POOL) {
            shared_set(r, n);
            e = wsm_post_loops_locked(r);
        } else {
            s->n = n;
        }
    }
    if (r->mode == WS_MPI_POOL)
        pthread_mutex_unlock(&r->lock);
    return e;
}

size_t wsm_bag_split(struct ws_mpi_ctx *r, struct wsm_worker *me)
{
    size_t k = 0;
    if (r->mode == WS_MPI_INLINE)
        me = &r->w[0];
    else {
        pthread_mutex_lock(&r->lock);
        if (r->shared.n > 0)
            k = r->ops->split(r->shared.items, &r->shared.n, r->isz, r->chunkbuf, r->chunk,
                              r->user);
        shared_set(r, r->shared.n);
        pthread_mutex_unlock(&r->lock);
    }
    /* A polling worker is a victim with a stack of its own: it splits that
     * directly, as a single-threaded rank does. */
    if (k == 0 && me != NULL && me->st.n > 0)
        k = r->ops->split(me->st.items, &me->st.n, r->isz, r->chunkbuf, r->chunk, r->user);
    return k > r->chunk ? r->chunk : k;
}

/* ---- running items ------------------------------------------------------------------------- */

/* Runs items from the worker's stack, refilling it from the shared pool,
 * until both are empty (or the run stops); the caller's thread owns me.
 * w and h are the loop task's (NULL inline): each process() syncs what it
 * spawns, so h is the head for every item. */
static void run_items(struct ws_mpi_ctx *r, ws_worker *w, ws_head h, struct wsm_worker *me,
                      char *item)
{
    unsigned since = 0;
    for (;;) {
        /* relaxed: stop is a flag; what it stops is settled under the locks. */
        if (atomic_load_explicit(&r->stop, memory_order_relaxed) == 2)
            me->st.n = 0;
        if (me->st.n == 0) {
            if (r->mode == WS_MPI_INLINE)
                return;
            pthread_mutex_lock(&r->lock);
            if (r->shared.n > 0) {
                take_shared(r, me);
                pthread_mutex_unlock(&r->lock);
                continue;
            }
            pthread_mutex_unlock(&r->lock);
            return;
        }
        /* Someone wants work and nothing is published: give some away. The
         * loads are relaxed hints (bag.h); publish() decides under the lock. */
        if (r->mode == WS_MPI_POOL && me->st.n >= 2 &&
            atomic_load_explicit(&r->shared_n, memory_order_relaxed) == 0 &&
            (atomic_load_explicit(&r->nloops, memory_order_relaxed) < r->nworkers ||
             atomic_load_explicit(&r->want_remote, memory_order_relaxed)))
            publish(r, me);
        me->st.n--;
        memcpy(item, me->st.items + me->st.n * r->isz, r->isz);
        int e = r->ops->process(r, w, h, item, me->result, r->user);
        me->items++;
        if (e != 0)
            wsm_fail(r, e < 0 ? e : -EINVAL);
        if (++since == WSM_POLL_EVERY) {
            since = 0;
            wsm_poll_maybe(r, me);
        }
    }
}

int wsm_part_result(struct ws_mpi_ctx *r, struct wsm_worker *me)
{
    if (me->result != NULL)
        return 0;
    me->result = malloc(r->rsz ? r->rsz : 1);
    if (me->result == NULL)
        return -ENOMEM;
    if (r->result_init != NULL)
        memcpy(me->result, r->result_init, r->rsz);
    else
        memset(me->result, 0, r->rsz);
    return 0;
}

/* The calling worker's part, or NULL if w is not one of the pool's slots.
 * A spare (ws_worker_id past the workers) runs a loop only while it stands
 * in for a worker blocked in ws_blocking, and only one thread holds a spare
 * slot at a time (blocking.c's [M1]/[M3] order their turns). */
static struct wsm_worker *wsm_part(struct ws_mpi_ctx *r, ws_worker *w)
{
    unsigned id = w != NULL ? ws_worker_id(w) : UINT_MAX;
    return id < r->nparts ? &r->w[id] : NULL;
}

static void loop_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct wsm_loop *f = WS_CONTAINER_OF(t, struct wsm_loop, task);
    struct ws_mpi_ctx *r = f->r;
    char stackbuf[256], *item = r->isz <= sizeof(stackbuf) ? stackbuf : malloc(r->isz);
    struct wsm_worker *me = wsm_part(r, w);

    if (item == NULL || (me != NULL && wsm_part_result(r, me) != 0)) {
        wsm_fail(r, -ENOMEM);
    } else if (me != NULL) {
        uint64_t t0 = me->depth == 0 ? wsm_now_ns() : 0;
        me->depth++;
        run_items(r, w, h, me, item);
        me->depth--;
        if (me->depth == 0)
            me->busy_ns += wsm_now_ns() - t0;
    }
    if (item != stackbuf)
        free(item);
    /* The loop is over: free its frame, and if the rank is now passive, say
     * so to the caller's thread, which steals for it. */
    pthread_mutex_lock(&r->lock);
    if (me != NULL && me->depth == 0 && me->st.n > 0 &&
        atomic_load_explicit(&r->stop, memory_order_relaxed) == 0) {
        /* Unreachable by the loop's exit rule; kept so that no item is ever
         * left on a stack without a loop. */
        wsm_fail(r, -EPROTO);
    }
    f->next_free = r->free_frames;
    r->free_frames = f;
    loops_set(r, r->loops - 1);
    /* relaxed: the lock orders it against the caller's read of loops; the
     * release at [T1] is what the caller's wait pairs with. */
    atomic_fetch_add_explicit(&r->tails, 1, memory_order_relaxed);
    bool passive = passive_locked(r);
    if (passive)
        pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->lock);
    if (passive && me != NULL)
        wsm_poll_maybe(r, NULL); /* steal at once, not at the caller's next wake-up */
    /* [T1] release: this loop's writes (its worker's counters, its poll)
     * happen before the caller's acquire in wait_tails() (run.c); after it
     * the rank may be freed, so it is the last access. */
    atomic_fetch_sub_explicit(&r->tails, 1, memory_order_release);
}

void wsm_inline_run(struct ws_mpi_ctx *r)
{
    char stackbuf[256], *item = r->isz <= sizeof(stackbuf) ? stackbuf : malloc(r->isz);
    if (item == NULL) {
        wsm_fail(r, -ENOMEM);
        return;
    }
    r->w[0].depth = 1;
    run_items(r, NULL, NULL, &r->w[0], item);
    r->w[0].depth = 0;
    if (item != stackbuf)
        free(item);
}

/* ---- the public calls ---------------------------------------------------------------------- */

int ws_mpi_push(ws_mpi_ctx *r, const void *item)
{
    if (r == NULL || item == NULL)
        return -EINVAL;
    struct wsm_worker *me = NULL;
    if (r->mode == WS_MPI_INLINE) {
        me = &r->w[0];
    } else {
        ws_worker *w = ws_worker_self();
        if (w == NULL || ws_worker_pool(w) != r->pool || (me = wsm_part(r, w)) == NULL)
            return -EINVAL;
    }
    if (me->depth == 0 && r->mode == WS_MPI_POOL) {
        /* A task an item spawned, stolen by a worker with no loop: its items
         * go to the shared pool, where a loop will find them. */
        pthread_mutex_lock(&r->lock);
        int e = wsm_stack_reserve(&r->shared, r->isz, 1);
        if (e == 0) {
            memcpy(r->shared.items + r->shared.n * r->isz, item, r->isz);
            shared_set(r, r->shared.n + 1);
            e = wsm_post_loops_locked(r);
        }
        pthread_mutex_unlock(&r->lock);
        if (e != 0)
            wsm_fail(r, e);
        return e;
    }
    if (me->st.n == me->st.cap && wsm_stack_reserve(&me->st, r->isz, 1) != 0) {
        wsm_fail(r, -ENOMEM);
        return -ENOMEM;
    }
    memcpy(me->st.items + me->st.n * r->isz, item, r->isz);
    me->st.n++;
    return 0;
}

ws_worker *ws_mpi_worker(const ws_mpi_ctx *r)
{
    return r != NULL && r->mode == WS_MPI_POOL ? ws_worker_self() : NULL;
}

int ws_mpi_rank(const ws_mpi_ctx *r)
{
    return r ? r->rank : -1;
}

int ws_mpi_ranks(const ws_mpi_ctx *r)
{
    return r ? r->nranks : 0;
}
