/*
 * nqueens_mpi.c - n queens across ranks: an item is a board prefix (plain
 * data: n, the row reached, the columns so far). A prefix above the cut
 * row pushes its valid children as items; one at the cut counts its
 * completions: in pool mode by fork-join inside the item (a task per valid
 * column of the next rows, down to NQ_MPI_FJ_ROWS below the cut, so the
 * rank's idle workers steal inside a long item), inline by a plain
 * recursion. The static split deals the prefixes at the cut round robin.
 *
 * Parameters: n:<4..16> (default 13), checked against the known counts
 * (nq_known, OEIS A000170).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/mpi_wl.h"
#include "workloads/nqueens/nqueens.h"
#include "workloads/workload.h"

#define NQ_MPI_CUT     3 /* rows placed by items; the rest inside one item */
#define NQ_MPI_FJ_ROWS 2 /* rows below the cut forked as tasks (pool mode) */

struct nq_item {
    uint8_t n, row;
    char q[NQ_MAX_N];
};
_Static_assert(sizeof(struct nq_item) == 2 + NQ_MAX_N, "nq_item is plain data without padding");

struct nq_mpi {
    unsigned n;
    struct nq_item *front; /* the prefixes at the cut, for the static split */
    size_t nfront;
};

/* Completions of the prefix b (rows [0, row) placed). */
static uint64_t nq_count(unsigned n, unsigned row, const struct nq_item *b)
{
    if (row == n)
        return 1;
    uint64_t c = 0;
    for (unsigned col = 0; col < n; col++)
        if (nq_ok(b->q, row, col)) {
            struct nq_item child = *b;
            child.q[row] = (char)col;
            c += nq_count(n, row + 1, &child);
        }
    return c;
}

/* A fork-join node: a task per valid column while fork rows remain. */
struct nq_task {
    ws_task task;
    struct nq_item b;
    unsigned fork; /* rows still forked below this one */
    uint64_t count;
};

static void nq_task_run(ws_worker *w, ws_head h, ws_task *t)
{
    struct nq_task *me = WS_CONTAINER_OF(t, struct nq_task, task);
    unsigned n = me->b.n, row = me->b.row;
    struct nq_task kids[NQ_MAX_N];
    unsigned nk = 0;

    me->count = 0;
    if (me->fork == 0 || row == n) {
        me->count = nq_count(n, row, &me->b);
        return;
    }
    for (unsigned col = 0; col < n; col++)
        if (nq_ok(me->b.q, row, col)) {
            struct nq_task *k = &kids[nk++];
            k->b = me->b;
            k->b.q[row] = (char)col;
            k->b.row = (uint8_t)(row + 1);
            k->fork = me->fork - 1;
            h = ws_spawn(w, h, &k->task, nq_task_run);
        }
    while (nk > 0) {
        struct nq_task *k = &kids[--nk];
        h = ws_sync(w, h, &k->task);
        me->count += k->count;
    }
}

static int nq_mpi_process(ws_mpi_ctx *ctx, ws_worker *w, ws_head h, void *item, void *result,
                          void *user)
{
    struct nq_item b;
    uint64_t *count = result;
    (void)user;
    memcpy(&b, item, sizeof(b));
    if (b.row < NQ_MPI_CUT && b.row < b.n) {
        for (unsigned col = 0; col < b.n; col++)
            if (nq_ok(b.q, b.row, col)) {
                struct nq_item child = b;
                child.q[b.row] = (char)col;
                child.row = (uint8_t)(b.row + 1);
                int e = ws_mpi_push(ctx, &child);
                if (e != 0)
                    return e;
            }
        return 0;
    }
    if (w != NULL) {
        struct nq_task root = {.b = b, .fork = NQ_MPI_FJ_ROWS};
        nq_task_run(w, h, &root.task);
        *count += root.count;
    } else {
        *count += nq_count(b.n, b.row, &b);
    }
    return 0;
}

static void nq_mpi_reduce(void *acc, const void *in, size_t size, void *user)
{
    uint64_t a, b;
    (void)size;
    (void)user;
    memcpy(&a, acc, sizeof(a));
    memcpy(&b, in, sizeof(b));
    a += b;
    memcpy(acc, &a, sizeof(a));
}

static const struct ws_mpi_ops nq_mpi_ops = {nq_mpi_process, ws_mpi_split_oldest,
                                             ws_mpi_merge_append, nq_mpi_reduce};

/* Appends every valid prefix of `rows` rows under b to s->front. */
static int nq_prefixes(struct nq_mpi *s, const struct nq_item *b, unsigned rows, size_t *cap)
{
    if (b->row == rows || b->row == b->n) {
        if (s->nfront == *cap) {
            size_t c = *cap ? 2 * *cap : 256;
            struct nq_item *f = realloc(s->front, c * sizeof(*f));
            if (f == NULL)
                return -ENOMEM;
            s->front = f;
            *cap = c;
        }
        s->front[s->nfront++] = *b;
        return 0;
    }
    for (unsigned col = 0; col < b->n; col++)
        if (nq_ok(b->q, b->row, col)) {
            struct nq_item child = *b;
            child.q[b->row] = (char)col;
            child.row = (uint8_t)(b->row + 1);
            int e = nq_prefixes(s, &child, rows, cap);
            if (e != 0)
                return e;
        }
    return 0;
}

static int nq_mpi_prepare(const char *params, void **state, char *err, size_t errlen)
{
    uint64_t n = 13;
    if (param_u64(params, "n", 4, NQ_MAX_N, &n) < 0) {
        snprintf(err, errlen, "nqueens: n:<4..%d>", NQ_MAX_N);
        return -EINVAL;
    }
    struct nq_mpi *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "nqueens: out of memory");
        return -ENOMEM;
    }
    s->n = (unsigned)n;
    struct nq_item root = {.n = (uint8_t)n};
    size_t cap = 0;
    if (nq_prefixes(s, &root, NQ_MPI_CUT, &cap) != 0) {
        snprintf(err, errlen, "nqueens: out of memory");
        free(s->front);
        free(s);
        return -ENOMEM;
    }
    *state = s;
    return 0;
}

static void nq_mpi_release(void *state)
{
    struct nq_mpi *s = state;
    if (s != NULL)
        free(s->front);
    free(s);
}

static int nq_mpi_roots(void *state, int rank, void **items, size_t *n)
{
    struct nq_mpi *s = state;
    *items = NULL;
    *n = 0;
    if (rank != 0)
        return 0;
    struct nq_item *root = calloc(1, sizeof(*root));
    if (root == NULL)
        return -ENOMEM;
    root->n = (uint8_t)s->n;
    *items = root;
    *n = 1;
    return 0;
}

static int nq_mpi_static(void *state, unsigned share, unsigned shares, void *result)
{
    const struct nq_mpi *s = state;
    uint64_t c = 0;
    if (share >= shares)
        return 0; /* the prefixes are made in prepare() */
    for (size_t i = share; i < s->nfront; i += shares)
        c += nq_count(s->n, s->front[i].row, &s->front[i]);
    nq_mpi_reduce(result, &c, sizeof(c), NULL);
    return 0;
}

static int nq_mpi_check(void *state, const void *result, char *err, size_t errlen)
{
    const struct nq_mpi *s = state;
    uint64_t got;
    memcpy(&got, result, sizeof(got));
    if (got == (uint64_t)nq_known[s->n])
        return 0;
    snprintf(err, errlen, "nqueens/n:%u: %" PRIu64 " solutions, expected %" PRId64, s->n, got,
             nq_known[s->n]);
    return -EPROTO;
}

static uint64_t nq_mpi_tasks(const void *result)
{
    uint64_t got;
    memcpy(&got, result, sizeof(got));
    return got;
}

const struct mpi_wl mpi_wl_nqueens = {
    .name = "nqueens",
    .params_default = "n:13",
    .prepare = nq_mpi_prepare,
    .release = nq_mpi_release,
    .item_size = sizeof(struct nq_item),
    .result_size = sizeof(uint64_t),
    .ops = &nq_mpi_ops,
    .roots = nq_mpi_roots,
    .static_share = nq_mpi_static,
    .check = nq_mpi_check,
    .tasks = nq_mpi_tasks,
};
