/*
 * uts_mpi.c - UTS across ranks: an item is a tree node (struct uts_node,
 * 24 bytes of plain data); processing it counts it and pushes its
 * children, so each worker's stack is the depth-first stack of UTS-MPI and
 * a steal takes its oldest nodes, nearest the root. The static split
 * expands the tree breadth first (uts_frontier) and deals the frontier's
 * subtrees round robin, as a first MPI version does.
 *
 * Parameters: tree:T1..T5, T1L, T3L (the published counts), or spec:<the
 * reference's arguments, '_' for space>, checked against a serial count.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/mpi_wl.h"
#include "workloads/uts/uts_tree.h"
#include "workloads/workload.h"

#define UTS_STATIC_PER_SHARE 16 /* frontier nodes per share, as the flat executors */

struct uts_mpi {
    char label[160];
    struct uts_tree tree;
    struct uts_count expect;
    struct uts_node *front; /* the static split's frontier, for `shares` */
    size_t nfront;
    unsigned shares;
    struct uts_count top; /* the nodes above it */
};

static int uts_mpi_process(ws_mpi_ctx *ctx, ws_worker *w, ws_head h, void *item, void *result,
                           void *user)
{
    const struct uts_mpi *s = user;
    const struct uts_node *n = item;
    struct uts_count *c = result;
    int k = uts_num_children(&s->tree, n);
    (void)w; /* one node per item: no fork-join inside it */
    (void)h;

    c->nodes++;
    c->leaves += k == 0;
    if (n->height > c->max_depth)
        c->max_depth = n->height;
    for (int i = 0; i < k; i++) {
        struct uts_node child;
        uts_child(&s->tree, n, i, &child);
        int e = ws_mpi_push(ctx, &child);
        if (e != 0)
            return e;
    }
    return 0;
}

static void uts_mpi_reduce(void *acc, const void *in, size_t size, void *user)
{
    struct uts_count a, b;
    (void)size;
    (void)user;
    memcpy(&a, acc, sizeof(a));
    memcpy(&b, in, sizeof(b));
    uts_count_add(&a, &b);
    memcpy(acc, &a, sizeof(a));
}

static const struct ws_mpi_ops uts_mpi_ops = {uts_mpi_process, ws_mpi_split_oldest,
                                              ws_mpi_merge_append, uts_mpi_reduce};

static int uts_mpi_prepare(const char *params, void **state, char *err, size_t errlen)
{
    char tree[32], spec[128], perr[192];
    struct uts_params p;
    const struct uts_sample *sample = NULL;
    int rt = param_str(params, "tree", tree, sizeof(tree));
    int rs = param_str(params, "spec", spec, sizeof(spec));
    int r;

    if (rt < 0 && rs < 0) {
        snprintf(err, errlen, "uts: give tree:T1..T5, T1L, T3L or spec:<args, '_' for space>");
        return -EINVAL;
    }
    if (rt >= 0) {
        sample = uts_sample_find(tree);
        if (sample == NULL) {
            snprintf(err, errlen, "uts: tree:%s: not a sample tree (T1..T5, T1L, T3L)", tree);
            return -EINVAL;
        }
        r = uts_params_parse(&p, sample->spec, perr, sizeof(perr));
    } else {
        for (char *c = spec; *c; c++)
            if (*c == '_')
                *c = ' ';
        r = uts_params_parse(&p, spec, perr, sizeof(perr));
    }
    struct uts_mpi *s = calloc(1, sizeof(*s));
    if (r == 0 && s == NULL)
        r = -ENOMEM;
    if (r == 0)
        r = uts_tree_init(&s->tree, &p, SHA1_IMPL_AUTO, perr, sizeof(perr));
    if (r != 0) {
        snprintf(err, errlen, "%s", r == -ENOMEM ? "uts: out of memory" : perr);
        free(s);
        return r;
    }
    if (sample != NULL) {
        snprintf(s->label, sizeof(s->label), "%s", sample->name);
        s->expect = (struct uts_count){sample->nodes, sample->leaves, sample->max_depth};
    } else {
        struct uts_node root;
        snprintf(s->label, sizeof(s->label), "spec:%s", spec);
        uts_root(&s->tree, &root);
        r = uts_count(&s->tree, &root, UTS_MAX_NODES, &s->expect);
        if (r != 0) {
            snprintf(err, errlen, "uts: %s: %s", s->label,
                     r == -EFBIG ? "more than 2^30 nodes" : strerror(-r));
            free(s);
            return r;
        }
    }
    *state = s;
    return 0;
}

static void uts_mpi_release(void *state)
{
    struct uts_mpi *s = state;
    if (s != NULL)
        free(s->front);
    free(s);
}

static int uts_mpi_roots(void *state, int rank, void **items, size_t *n)
{
    struct uts_mpi *s = state;
    *items = NULL;
    *n = 0;
    if (rank != 0)
        return 0;
    struct uts_node *root = malloc(sizeof(*root));
    if (root == NULL)
        return -ENOMEM;
    uts_root(&s->tree, root);
    *items = root;
    *n = 1;
    return 0;
}

static int uts_mpi_static(void *state, unsigned share, unsigned shares, void *result)
{
    struct uts_mpi *s = state;
    struct uts_count c = {0, 0, 0};
    int r = 0;

    /* The same frontier on every rank and thread: computed once per share
     * count, by a call with share == shares before the threads start. */
    if (s->shares != shares) {
        free(s->front);
        s->front = NULL;
        s->top = (struct uts_count){0, 0, 0};
        r = uts_frontier(&s->tree, (size_t)UTS_STATIC_PER_SHARE * shares, &s->top, &s->front,
                         &s->nfront);
        if (r != 0)
            return r;
        s->shares = shares;
    }
    if (share >= shares)
        return 0; /* only the frontier was wanted */
    if (share == 0)
        c = s->top;
    for (size_t i = share; i < s->nfront && r == 0; i += shares)
        r = uts_count(&s->tree, &s->front[i], UTS_MAX_NODES, &c);
    uts_mpi_reduce(result, &c, sizeof(c), NULL);
    return r;
}

static int uts_mpi_check(void *state, const void *result, char *err, size_t errlen)
{
    const struct uts_mpi *s = state;
    struct uts_count g;
    memcpy(&g, result, sizeof(g));
    if (g.nodes == s->expect.nodes && g.leaves == s->expect.leaves &&
        g.max_depth == s->expect.max_depth)
        return 0;
    snprintf(err, errlen,
             "uts/%s: %" PRIu64 " nodes, %" PRIu64 " leaves, depth %" PRIu64 "; expected %" PRIu64
             ", %" PRIu64 ", %" PRIu64,
             s->label, g.nodes, g.leaves, g.max_depth, s->expect.nodes, s->expect.leaves,
             s->expect.max_depth);
    return -EPROTO;
}

static uint64_t uts_mpi_tasks(const void *result)
{
    struct uts_count g;
    memcpy(&g, result, sizeof(g));
    return g.nodes;
}

_Static_assert(sizeof(struct uts_count) == 24, "uts_count is plain data without padding");

const struct mpi_wl mpi_wl_uts = {
    .name = "uts",
    .params_default = "tree:T1",
    .prepare = uts_mpi_prepare,
    .release = uts_mpi_release,
    .item_size = sizeof(struct uts_node),
    .result_size = sizeof(struct uts_count),
    .ops = &uts_mpi_ops,
    .roots = uts_mpi_roots,
    .static_share = uts_mpi_static,
    .check = uts_mpi_check,
    .tasks = uts_mpi_tasks,
};
