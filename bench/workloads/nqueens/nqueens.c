/*
 * nqueens.c - the nqueens workload: count the ways to place n queens on an
 * n x n board, one task per valid placement of the next row's queen, each
 * with its own copy of the board (the structure of the BOTS benchmark).
 *
 * Parameters: n:<1..16> (default 12; 14,200 solutions).
 *
 * - Fork-join executors with a native variant here (nqueens_stealing.c,
 *   nqueens_openmp.c, nqueens_tbb.cc) run it in their own idiom; others
 *   that nest use run()/forkn() over the valid columns of each row.
 * - Flat executors get the tree cut after NQ_FLAT_ROWS rows: the caller
 *   lists the valid partial boards, and each is a piece counting the
 *   solutions below it with the serial twin.
 * run->tasks is the number of tasks (valid partial placements, the root
 * excluded) or of pieces.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/nqueens/nqueens.h"

#define NQ_FLAT_ROWS 3

/* Solutions for n = 0..16 (OEIS A000170). */
const int64_t nq_known[NQ_MAX_N + 1] = {1,   1,   0,    0,     2,     10,     4,       40,      92,
                                        352, 724, 2680, 14200, 73712, 365596, 2279184, 14772512};

/* The sequential twin: the same recursion and board copies as the tasks,
 * as one plain recursive function. gcc would otherwise inline the
 * recursion into itself (noinline, as fib's twin) and clone it for each
 * depth with the row count constant, unrolling the check (noclone): no
 * version that spawns a task per call gets either. (noclone also stops the
 * base case being inlined into callers, which the scheduled versions do
 * get; it is reached 14,200 times in nqueens(12)'s 856,188 tasks.) */
__attribute__((noinline, noclone)) static int64_t nq_twin(unsigned n, unsigned row,
                                                          const struct nq_board *b)
{
    if (row == n)
        return 1;
    int64_t count = 0;
    for (unsigned col = 0; col < n; col++) {
        if (nq_ok(b->q, row, col)) {
            struct nq_board child = *b;
            child.q[row] = (char)col;
            count += nq_twin(n, row + 1, &child);
        }
    }
    return count;
}

/* Tasks of the call tree: every valid placement below the root. */
static uint64_t nq_count_tasks(unsigned n, unsigned row, const struct nq_board *b)
{
    uint64_t t = 0;
    for (unsigned col = 0; col < n; col++) {
        if (nq_ok(b->q, row, col)) {
            struct nq_board child = *b;
            child.q[row] = (char)col;
            t += 1 + (row + 1 < n ? nq_count_tasks(n, row + 1, &child) : 0);
        }
    }
    return t;
}

/* ---- fork-join through run()/forkn() ---------------------------------------------------- */

struct nq_fj {
    const struct exec_ops *ops;
    unsigned n, row;
    struct nq_board board;
    int64_t count;
};

static void nq_fj_node(struct exec *x, void *arg, size_t i);

static void nq_fj_child(struct exec *x, void *arg, size_t i)
{
    nq_fj_node(x, &((struct nq_fj *)arg)[i], 0);
}

static void nq_fj_node(struct exec *x, void *arg, size_t i)
{
    struct nq_fj *f = arg;
    (void)i;
    if (f->row == f->n) {
        f->count = 1;
        return;
    }
    struct nq_fj kids[NQ_MAX_N];
    size_t k = 0;
    for (unsigned col = 0; col < f->n; col++) {
        if (nq_ok(f->board.q, f->row, col)) {
            kids[k].ops = f->ops;
            kids[k].n = f->n;
            kids[k].row = f->row + 1;
            kids[k].board = f->board;
            kids[k].board.q[f->row] = (char)col;
            kids[k].count = 0;
            k++;
        }
    }
    f->count = 0;
    if (k == 0)
        return;
    f->ops->forkn(x, k, nq_fj_child, kids);
    for (size_t j = 0; j < k; j++)
        f->count += kids[j].count;
}

/* ---- flat: partial boards after NQ_FLAT_ROWS rows ---------------------------------------- */

struct nq_piece_arg {
    uint32_t n, rows;
    struct nq_board board;
};

static int nq_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct nq_piece_arg a;
    if (arg_len != sizeof(a) || res_cap < sizeof(int64_t))
        return -EINVAL;
    memcpy(&a, arg, sizeof(a));
    if (a.n > NQ_MAX_N || a.rows > a.n)
        return -EINVAL;
    int64_t v = nq_twin(a.n, a.rows, &a.board);
    memcpy(res, &v, sizeof(v));
    *res_len = sizeof(v);
    return 0;
}

static void nq_list(unsigned n, unsigned row, unsigned rows, struct nq_board *b,
                    struct nq_piece_arg *out, size_t *count)
{
    if (row == rows) {
        out[*count].n = n;
        out[*count].rows = rows;
        out[*count].board = *b;
        (*count)++;
        return;
    }
    for (unsigned col = 0; col < n; col++) {
        if (nq_ok(b->q, row, col)) {
            b->q[row] = (char)col;
            nq_list(n, row + 1, rows, b, out, count);
        }
    }
}

static int nq_run_flat(void *state, const struct exec_ops *ops, struct exec *x,
                       struct work_run *run)
{
    struct nq_state *s = state;
    unsigned rows = s->n < NQ_FLAT_ROWS ? s->n : NQ_FLAT_ROWS;
    size_t cap = 1;
    for (unsigned r = 0; r < rows; r++)
        cap *= s->n;
    struct nq_piece_arg *args = calloc(cap, sizeof(*args));
    struct nq_board b = {{0}};
    size_t n = 0;
    int64_t sum = 0;
    int err;

    if (args == NULL) {
        snprintf(run->error, sizeof(run->error), "%s: out of memory", run->label);
        return -ENOMEM;
    }
    nq_list(s->n, 0, rows, &b, args, &n);
    err = wl_map_sum(ops, x, nq_piece, args, sizeof(*args), n, &sum, run);
    if (err == 0)
        err = wl_answer_judge(&s->a, ops->name, n ? sum : nq_twin(s->n, 0, &b), run);
    free(args);
    return err;
}

/* ---- the workload ------------------------------------------------------------------------ */

static int nq_prepare(void **state, const char *params, char *err, size_t errlen)
{
    static const char *const keys[] = {"n", NULL};
    uint64_t n = 12;
    if (wl_params_known("nqueens", params, keys, err, errlen) != 0)
        return -EINVAL;
    if (param_u64(params, "n", 1, NQ_MAX_N, &n) < 0) {
        snprintf(err, errlen, "nqueens: n must be an integer in 1..%d", NQ_MAX_N);
        return -EINVAL;
    }
    struct nq_state *s = wl_state_new(sizeof(*s), "nqueens", err, errlen);
    if (s == NULL)
        return -ENOMEM;
    struct nq_board b = {{0}};
    s->n = (unsigned)n;
    s->a.want = nq_known[n];
    s->a.tasks = nq_count_tasks(s->n, 0, &b);
    wl_label(s->a.label, sizeof(s->a.label), "nqueens", params);
    s->a.unit = " solutions";
    *state = s;
    return 0;
}

static int nq_run_nested(void *state, const struct exec_ops *ops, struct exec *x,
                         struct work_run *run)
{
    struct nq_state *s = state;
    struct nq_fj root = {.ops = ops, .n = s->n, .row = 0};
    int err = ops->run(x, nq_fj_node, &root);

    (void)run;
    s->a.got = root.count;
    return err;
}

static const struct wl_variant nq_variants[] = WL_VARIANTS(nqueens);

static int nq_serial(void *state, struct work_run *run)
{
    struct nq_state *s = state;
    struct nq_board b = {{0}};
    s->a.got = nq_twin(s->n, 0, &b);
    return wl_answer_check(s, "serial", run);
}

const struct workload workload_nqueens = {
    .name = "nqueens",
    .kind = "cpu",
    .params_default = "n:12",
    .params_quick = "n:8",
    .prepare = nq_prepare,
    .release = free, /* the state is one allocation */
    .run_flat = nq_run_flat,
    .run_nested = nq_run_nested,
    .variants = nq_variants,
    .check = wl_answer_check,
    .serial = nq_serial,
};
