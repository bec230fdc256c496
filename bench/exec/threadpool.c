/*
 * threadpool.c - the "threadpool" executor: N threads over one shared
 * FIFO guarded by a mutex and condition variables, the model of Python's
 * concurrent.futures.ThreadPoolExecutor.
 *
 * map() appends one work item per piece to the FIFO, taking the lock once per
 * item and signalling one waiting worker, as ThreadPoolExecutor.submit() puts
 * each work item on its queue. A worker takes the head under the lock, runs
 * the piece unlocked, then retakes the lock to count the piece done; the last
 * piece of a map() wakes its caller. Every hand-off goes through the one
 * mutex, which is the model's honest cost (and its contention point).
 *
 * Several threads may call map() on one pool at once: each call owns its
 * items and its count of pieces left, and the FIFO interleaves them. map()
 * must not be called from inside a piece (every worker could end up waiting
 * for pieces that no worker is left to run).
 *
 * Synchronization: only x->mu. Everything a worker writes to a piece (start
 * and done times, result, status) happens before it retakes x->mu to count
 * the piece done; map() reads the pieces after it has seen its count reach
 * zero under x->mu, so the mutex orders them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "exec/exec.h"

/* More threads than this is a configuration mistake, not a benchmark. */
#define TP_MAX_WORKERS 4096

/* What one map() call waits for. */
struct tp_batch {
    size_t left; /* pieces not finished yet; guarded by x->mu */
};

/* One queued piece: the FIFO's node. Owned by the map() call that queued it. */
struct tp_item {
    struct tp_item *next;
    exec_piece_fn fn;
    struct exec_piece *piece;
    struct tp_batch *batch;
};

struct exec {
    pthread_mutex_t mu;
    pthread_cond_t work;  /* a worker waits here for an item or for stop */
    pthread_cond_t done;  /* map() waits here for its batch; broadcast when a batch empties */
    struct tp_item *head; /* the FIFO, guarded by mu */
    struct tp_item *tail;
    int stop;          /* guarded by mu: destroy() asks the workers to leave */
    unsigned nthreads; /* threads running, fixed after create() */
    pthread_t threads[];
};

static unsigned tp_default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Runs one piece outside the lock and fills in what it produced. */
static void tp_run(const struct tp_item *it)
{
    struct exec_piece *p = it->piece;
    size_t len = 0;
    int st;

    p->t_start_ns = exec_now_ns();
    st = it->fn(p->arg, p->arg_len, p->res, p->res_cap, &len);
    if (st == 0 && len > p->res_cap)
        st = -EMSGSIZE; /* it says it wrote more than it was given */
    p->status = st;
    p->res_len = st == 0 ? len : 0;
    p->t_done_ns = exec_now_ns();
}

static void *tp_worker(void *arg)
{
    struct exec *x = arg;

    pthread_mutex_lock(&x->mu);
    for (;;) {
        struct tp_item *it;

        while (x->head == NULL && !x->stop)
            pthread_cond_wait(&x->work, &x->mu);
        if (x->head == NULL)
            break; /* stop, and nothing left: map() callers have all returned */
        it = x->head;
        x->head = it->next;
        if (x->head == NULL)
            x->tail = NULL;
        pthread_mutex_unlock(&x->mu);

        tp_run(it);

        pthread_mutex_lock(&x->mu);
        /* it belongs to a map() call that frees it once left is 0: last touch here. */
        if (--it->batch->left == 0)
            pthread_cond_broadcast(&x->done);
    }
    pthread_mutex_unlock(&x->mu);
    return NULL;
}

/* Stops and joins the first `started` threads, then frees x. */
static void tp_teardown(struct exec *x, unsigned started)
{
    pthread_mutex_lock(&x->mu);
    x->stop = 1;
    pthread_cond_broadcast(&x->work);
    pthread_mutex_unlock(&x->mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(x->threads[i], NULL);
    pthread_cond_destroy(&x->done);
    pthread_cond_destroy(&x->work);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

static int tp_create(struct exec **out, const struct exec_config *cfg)
{
    struct exec *x;
    unsigned n;
    int e;

    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    n = cfg != NULL && cfg->workers != 0 ? cfg->workers : tp_default_workers();
    if (n > TP_MAX_WORKERS)
        return -EINVAL;

    x = calloc(1, sizeof(*x) + n * sizeof(x->threads[0]));
    if (x == NULL)
        return -ENOMEM;
    if ((e = pthread_mutex_init(&x->mu, NULL)) != 0) {
        free(x);
        return -e;
    }
    if ((e = pthread_cond_init(&x->work, NULL)) != 0) {
        pthread_mutex_destroy(&x->mu);
        free(x);
        return -e;
    }
    if ((e = pthread_cond_init(&x->done, NULL)) != 0) {
        pthread_cond_destroy(&x->work);
        pthread_mutex_destroy(&x->mu);
        free(x);
        return -e;
    }
    for (unsigned i = 0; i < n; i++) {
        e = pthread_create(&x->threads[i], NULL, tp_worker, x);
        if (e != 0) {
            tp_teardown(x, i);
            return -e; /* EAGAIN when out of threads or memory for stacks */
        }
    }
    x->nthreads = n;
    *out = x;
    return 0;
}

static void tp_destroy(struct exec *x)
{
    if (x != NULL)
        tp_teardown(x, x->nthreads);
}

static int tp_first_failure(const struct exec_piece *pieces, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pieces[i].status != 0)
            return pieces[i].status;
    return 0;
}

static int tp_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n)
{
    struct tp_batch batch = {.left = n};
    struct tp_item *items;

    if (x == NULL || fn == NULL || (n != 0 && pieces == NULL))
        return -EINVAL;
    if (n == 0)
        return 0;
    items = calloc(n, sizeof(*items));
    if (items == NULL) {
        uint64_t now = exec_now_ns();
        for (size_t i = 0; i < n; i++) {
            pieces[i].status = -ENOMEM;
            pieces[i].res_len = 0;
            pieces[i].t_submit_ns = pieces[i].t_start_ns = pieces[i].t_done_ns = now;
        }
        return -ENOMEM;
    }

    for (size_t i = 0; i < n; i++) {
        struct tp_item *it = &items[i];

        it->fn = fn;
        it->piece = &pieces[i];
        it->batch = &batch;
        pthread_mutex_lock(&x->mu);
        pieces[i].t_submit_ns = exec_now_ns();
        if (x->tail != NULL)
            x->tail->next = it;
        else
            x->head = it;
        x->tail = it;
        pthread_cond_signal(&x->work);
        pthread_mutex_unlock(&x->mu);
    }

    pthread_mutex_lock(&x->mu);
    while (batch.left != 0)
        pthread_cond_wait(&x->done, &x->mu);
    pthread_mutex_unlock(&x->mu);

    free(items);
    return tp_first_failure(pieces, n);
}

static unsigned tp_workers(const struct exec *x)
{
    return x != NULL ? x->nthreads : 0;
}

const struct exec_ops exec_threadpool = {
    .name = "threadpool",
    .flags = EXEC_BLOCKING_OK,
    .create = tp_create,
    .destroy = tp_destroy,
    .map = tp_map,
    .run = NULL,
    .forkn = NULL,
    .workers = tp_workers,
};
