/*
 * uts.c - the Unbalanced Tree Search workload: count the nodes and leaves
 * of a UTS tree (uts_tree.h), whose shape is known only as it is
 * explored.
 *
 * Parameters (one of):
 *   tree:T1 .. tree:T5   a published sample tree, checked against its
 *                        published node, leaf and depth counts;
 *   spec:<args>          the reference's arguments with '_' for each space,
 *                        e.g. spec:-t_1_-a_3_-d_8_-b_4_-r_19 (a benchmark
 *                        name cannot hold spaces); checked against the serial
 *                        count made in prepare(), which rejects trees of more
 *                        than max_nodes nodes (default UTS_MAX_NODES, 2^30:
 *                        some parameters give trees that never end);
 *   max_nodes:<n>        optional, with spec.
 *
 * Executors that nest (EXEC_NESTS) run it as fork-join: one task per tree
 * node, which forks one child task per tree child and sums their counts;
 * run->tasks is the number of nodes. The others get the tree cut at a
 * frontier: the caller expands it breadth first until at least
 * UTS_FLAT_PER_WORKER x workers nodes wait, and map() counts the subtree
 * under each as a piece; run->tasks is the number of pieces, and each
 * piece's submit-to-done latency goes to run->latency.
 */
#include "workloads/uts/uts_tree.h"
#include "workloads/workload.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Fork-join recursion is as deep as the tree (T3L: 17,844 levels). Each
 * level checks the stack its thread has left: below UTS_FJ_STACK_RESERVE
 * the walk stops there and the run fails with a message naming the depth
 * and the stack size, where a deeper call would have overflowed into a
 * segmentation fault. libwsched's 64 MiB worker stacks take T3L; 8 MiB
 * threads (OpenMP's, the main thread's) do not.
 */
#define UTS_FJ_STACK_RESERVE ((size_t)256 << 10)
#define UTS_FJ_LOCAL         8  /* child results kept on the stack; more are malloc'ed */
#define UTS_FLAT_PER_WORKER  16 /* frontier nodes per worker for flat executors */

struct uts_state {
    char label[160]; /* "T3", or "spec:<args>" as given */
    struct uts_tree tree;
    struct uts_count expect;
    struct uts_count got; /* what the last fork-join run counted */
};

/* ---- the answer ---------------------------------------------------------------------------- */

/* 0 if got is the expected answer, else -EPROTO with run->error naming tree and executor. */
static int uts_check(const struct uts_state *s, const char *exec_name, const struct uts_count *got,
                     struct work_run *run)
{
    static const struct {
        const char *what;
        size_t off;
    } field[] = {
        {"nodes", offsetof(struct uts_count, nodes)},
        {"leaves", offsetof(struct uts_count, leaves)},
        {"depth", offsetof(struct uts_count, max_depth)},
    };
    size_t i;

    for (i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
        uint64_t g, w;

        memcpy(&g, (const char *)got + field[i].off, sizeof(g));
        memcpy(&w, (const char *)&s->expect + field[i].off, sizeof(w));
        if (g != w) {
            snprintf(run->error, sizeof(run->error),
                     "uts/%s on %s: %" PRIu64 " %s, expected %" PRIu64, s->label, exec_name, g,
                     field[i].what, w);
            return -EPROTO;
        }
    }
    return 0;
}

/* ---- fork-join ----------------------------------------------------------------------------- */

struct uts_fj_res {
    struct uts_count c;
    int err; /* -ENOMEM somewhere in the subtree */
};

/* The shared argument of one forkn(): child i writes res[i] and nothing else. */
/* The stack size of a thread whose stack ran out in a fork-join walk. */
static _Atomic size_t uts_fj_short_stack;

struct uts_fj {
    const struct exec_ops *ops;
    const struct uts_tree *tree;
    const struct uts_node *parent;
    struct uts_fj_res *res;
};

static void uts_fj_child(struct exec *x, void *arg, size_t i);

/* Counts the subtree under n into *out, forking a task per child. */
static void uts_fj_visit(struct exec *x, const struct exec_ops *ops, const struct uts_tree *t,
                         const struct uts_node *n, struct uts_fj_res *out)
{
    struct uts_fj_res local[UTS_FJ_LOCAL], *res = local;
    struct uts_fj fj;
    int k = uts_num_children(t, n), i;

    out->c.nodes = 1;
    out->c.leaves = k == 0;
    out->c.max_depth = n->height;
    out->err = 0;
    if (k == 0)
        return;
    if (wl_stack_left() < UTS_FJ_STACK_RESERVE) {
        /* relaxed: read after run() returned, which orders it. */
        atomic_store_explicit(&uts_fj_short_stack, wl_stack_size(), memory_order_relaxed);
        out->err = -E2BIG; /* the depth reached is out->c.max_depth */
        return;
    }
    if (k > UTS_FJ_LOCAL) {
        res = malloc((size_t)k * sizeof(*res));
        if (!res) {
            out->err = -ENOMEM;
            return;
        }
    }
    /* A child that never runs (a broken executor) then counts as an empty subtree, and the
     * answer check names the executor, instead of summing garbage. */
    memset(res, 0, (size_t)k * sizeof(*res));
    fj.ops = ops;
    fj.tree = t;
    fj.parent = n;
    fj.res = res;
    ops->forkn(x, (size_t)k, uts_fj_child, &fj);
    /* forkn() returned: every child has finished writing its res[i]. */
    for (i = 0; i < k; i++) {
        uts_count_add(&out->c, &res[i].c);
        if (res[i].err && !out->err)
            out->err = res[i].err;
    }
    if (res != local)
        free(res);
}

static void uts_fj_child(struct exec *x, void *arg, size_t i)
{
    const struct uts_fj *fj = arg;
    struct uts_node child;

    uts_child(fj->tree, fj->parent, (int)i, &child);
    uts_fj_visit(x, fj->ops, fj->tree, &child, &fj->res[i]);
}

struct uts_fj_root {
    const struct exec_ops *ops;
    const struct uts_tree *tree;
    struct uts_fj_res res;
};

static void uts_fj_root(struct exec *x, void *arg, size_t i)
{
    struct uts_fj_root *r = arg;
    struct uts_node root;

    (void)i;
    uts_root(r->tree, &root);
    uts_fj_visit(x, r->ops, r->tree, &root, &r->res);
}

static int uts_run_nested(void *state, const struct exec_ops *ops, struct exec *x,
                          struct work_run *run)
{
    struct uts_state *s = state;
    struct uts_fj_root r = {ops, &s->tree, {{0, 0, 0}, 0}};
    int err;

    atomic_store_explicit(&uts_fj_short_stack, 0, memory_order_relaxed);
    err = ops->run(x, uts_fj_root, &r);
    s->got = r.res.c;
    if (err == 0 && r.res.err == -E2BIG) {
        size_t stack = atomic_load_explicit(&uts_fj_short_stack, memory_order_relaxed);
        snprintf(run->error, sizeof(run->error),
                 "uts/%.60s on %s: a thread's stack (%zu KiB) ran out at depth %" PRIu64
                 " of %" PRIu64 ": the walk needs more stack",
                 s->label, ops->name, stack >> 10, r.res.c.max_depth, s->expect.max_depth);
    }
    return err ? err : r.res.err;
}

/* The answer the fork-join form left in the state. */
static int uts_check_nested(void *state, const char *exec_name, struct work_run *run)
{
    struct uts_state *s = state;

    run->tasks = s->got.nodes;
    return uts_check(s, exec_name, &s->got, run);
}

/* ---- flat: a frontier of independent pieces ------------------------------------------------ */

/* A piece's argument, as bytes: everything a pre-forked process needs. */
struct uts_piece_arg {
    struct uts_params params;
    struct uts_node node;
};
/* No padding, so no uninitialised byte crosses a process boundary. */
_Static_assert(sizeof(struct uts_params) == 6 * sizeof(int32_t) + 3 * sizeof(double),
               "uts_params has no padding");
_Static_assert(sizeof(struct uts_piece_arg) == sizeof(struct uts_params) + sizeof(struct uts_node),
               "uts_piece_arg has no padding");

/* exec_piece_fn: counts the subtree under one frontier node. */
static int uts_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct uts_piece_arg a;
    struct uts_tree t;
    struct uts_count c = {0, 0, 0};
    int r;

    if (arg_len != sizeof(a))
        return -EINVAL;
    if (res_cap < sizeof(c))
        return -ENOBUFS;
    memcpy(&a, arg, sizeof(a));
    r = uts_tree_init(&t, &a.params, SHA1_IMPL_AUTO, NULL, 0);
    if (r == 0)
        r = uts_count(&t, &a.node, UTS_MAX_NODES, &c);
    if (r)
        return r;
    memcpy(res, &c, sizeof(c));
    *res_len = sizeof(c);
    return 0;
}

static int uts_run_flat(void *state, const struct exec_ops *ops, struct exec *x,
                        struct work_run *run)
{
    struct uts_state *s = state;
    struct uts_count total = {0, 0, 0};
    struct uts_node *front = NULL;
    struct wl_batch b;
    unsigned workers = ops->workers(x);
    char label[192];
    size_t n = 0, i;
    int err;

    snprintf(label, sizeof(label), "uts/%s", s->label);
    err = uts_frontier(&s->tree, (size_t)UTS_FLAT_PER_WORKER * (workers ? workers : 1), &total,
                       &front, &n);
    if (!err)
        err = wl_batch_init(&b, n, sizeof(struct uts_piece_arg), sizeof(struct uts_count));
    if (err) {
        free(front);
        snprintf(run->error, sizeof(run->error), "%s on %s: %s", label, ops->name, strerror(-err));
        return err;
    }
    for (i = 0; i < n; i++) {
        struct uts_piece_arg *a = wl_batch_arg(&b, i);
        a->params = s->tree.p;
        a->node = front[i];
    }
    err = wl_batch_map(&b, uts_piece, ops, x, label, run);
    for (i = 0; i < n && !err; i++) {
        struct uts_count c;
        memcpy(&c, wl_batch_res(&b, i), sizeof(c));
        uts_count_add(&total, &c);
    }
    if (!err)
        err = uts_check(s, ops->name, &total, run);
    wl_batch_free(&b);
    free(front);
    return err;
}

/* ---- the workload interface ---------------------------------------------------------------- */

static int uts_prepare(void **state, const char *params, char *err, size_t errlen)
{
    char tree[32], spec[128], perr[192];
    const struct uts_sample *sample = NULL;
    struct uts_params p;
    struct uts_state *s;
    struct uts_node root;
    uint64_t max_nodes = UTS_MAX_NODES;
    int rt, rs, r;
    char *c;

    static const char *const keys[] = {"tree", "spec", "max_nodes", NULL};
    if (wl_params_known("uts", params, keys, err, errlen) != 0)
        return -EINVAL;
    rt = param_str(params, "tree", tree, sizeof(tree));
    rs = param_str(params, "spec", spec, sizeof(spec));
    if (rt < 0 || rs < 0 || rt == rs) {
        snprintf(err, errlen,
                 "uts: give tree:T1..T5, T1L or T3L, or spec:<reference args with '_' for "
                 "spaces>, e.g. spec:-t_1_-a_3_-d_8_-b_4_-r_19 (not both)");
        return -EINVAL;
    }
    if (param_u64(params, "max_nodes", 1, UINT64_MAX, &max_nodes) < 0) {
        snprintf(err, errlen, "uts: max_nodes: not a positive integer");
        return -EINVAL;
    }
    if (rt == 0) {
        sample = uts_sample_find(tree);
        if (!sample) {
            snprintf(err, errlen, "uts: tree:%s: not a sample tree (T1..T5, T1L, T3L)", tree);
            return -EINVAL;
        }
        r = uts_params_parse(&p, sample->spec, perr, sizeof(perr));
    } else {
        for (c = spec; *c; c++)
            if (*c == '_')
                *c = ' ';
        r = uts_params_parse(&p, spec, perr, sizeof(perr));
    }
    if (r) {
        snprintf(err, errlen, "%s", perr);
        return r;
    }
    s = wl_state_new(sizeof(*s), "uts", err, errlen);
    if (!s)
        return -ENOMEM;
    r = uts_tree_init(&s->tree, &p, SHA1_IMPL_AUTO, perr, sizeof(perr));
    if (r) {
        snprintf(err, errlen, "%s", perr);
        free(s);
        return r;
    }
    if (sample) {
        snprintf(s->label, sizeof(s->label), "%s", sample->name);
        s->expect.nodes = sample->nodes;
        s->expect.leaves = sample->leaves;
        s->expect.max_depth = sample->max_depth;
    } else {
        /* The label keeps the user's spelling, underscores and all. */
        param_str(params, "spec", spec, sizeof(spec));
        snprintf(s->label, sizeof(s->label), "spec:%s", spec);
        uts_root(&s->tree, &root);
        r = uts_count(&s->tree, &root, max_nodes, &s->expect);
        if (r) {
            if (r == -EFBIG)
                snprintf(err, errlen,
                         "uts: %s: more than %" PRIu64 " nodes (max_nodes); give a smaller tree",
                         s->label, max_nodes);
            else
                snprintf(err, errlen, "uts: %s: %s", s->label, strerror(-r));
            free(s);
            return r;
        }
    }
    *state = s;
    return 0;
}

static void uts_release(void *state)
{
    free(state);
}

/* The sequential twin: one depth-first walk with an explicit stack, no executor. */
static int uts_serial(void *state, struct work_run *run)
{
    struct uts_state *s = state;
    struct uts_count c = {0, 0, 0};
    struct uts_node root;
    int r;

    run->tasks = 0;
    run->error[0] = '\0';
    uts_root(&s->tree, &root);
    r = uts_count(&s->tree, &root, UTS_MAX_NODES, &c);
    if (r) {
        snprintf(run->error, sizeof(run->error), "uts/%s on the serial twin: %s", s->label,
                 strerror(-r));
        return r;
    }
    run->tasks = c.nodes;
    return uts_check(s, "the serial twin", &c, run);
}

const struct workload workload_uts = {
    .name = "uts",
    .kind = "cpu",
    .params_default = "tree:T3",
    .params_quick = "spec:-t_1_-a_3_-d_8_-b_4_-r_19",
    .prepare = uts_prepare,
    .release = uts_release,
    .run_flat = uts_run_flat,
    .run_nested = uts_run_nested,
    .check = uts_check_nested,
    .serial = uts_serial,
};
