/*
 * matmul.c - the "matmul" workload: C = A x B for n x n matrices of
 * doubles, cut into b x b blocks, the regular, memory-hungry CPU work of
 * dense linear algebra. A task computes one block of C, summing over the
 * k-blocks in order. Flat executors get one piece per C block: its argument
 * is the block's indices (A and B are read from the memory the worker
 * inherited from prepare()), its result the block's bytes, which the caller
 * copies into C (for a process pool, that copy back is part of its honest
 * cost, with the executor's own copy out of shared memory).
 *
 * Parameters: n:<1..4096> (default 1024), block:<1..4096> (default 64; at
 * most 2^20 blocks in C).
 *
 * The known answer: prepare() fills A and B from a counter hash and
 * computes C once with the serial twin; every run must reproduce that C bit
 * for bit. It can, because every path computes a block with the one kernel
 * below (noinline, noclone: one machine code for all callers), which gives
 * each element of C the same sums in the same order.
 *
 * Executors that nest run forkn() over block rows and, inside each, forkn()
 * over block columns. run->tasks = the number of C blocks, on every path.
 * A flat run records each piece's submit-to-done time in run->latency.
 * Runs of one prepared state must not overlap (they share C).
 *
 * Process pools: a worker must be forked after prepare(); one forked
 * before it fails its pieces with -ESTALE (or dies, and the pool says so).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "workloads/workload.h"

#define MM_MAX_N      4096
#define MM_MAX_BLOCKS (1u << 20)

struct mm_state {
    char label[96];
    uint64_t token;
    size_t n, b, nb; /* nb = ceil(n / b) blocks a side */
    double *a, *bm;  /* the inputs, row major */
    double *c;       /* each run's product */
    double *ref;     /* the serial twin's product, from prepare() */
    double *blk;     /* flat runs: piece k's result at blk + k * b * b */
    struct exec_piece *pieces;
    struct mm_arg *args;
};

struct mm_arg {
    const struct mm_state *s; /* valid in a worker forked after prepare() */
    uint64_t token;
    uint32_t bi, bj;
};

/* No padding: no uninitialised byte crosses a process boundary. */
_Static_assert(sizeof(struct mm_arg) == sizeof(void *) + 16, "mm_arg has no padding");

/* One machine code for the kernel, whoever calls it (gcc could clone it per call site). */
#if defined(__GNUC__) && !defined(__clang__)
#define MM_ONE_COPY __attribute__((noinline, noclone))
#else
#define MM_ONE_COPY __attribute__((noinline))
#endif

static size_t mm_min(size_t x, size_t y)
{
    return x < y ? x : y;
}

/*
 * Block (bi, bj) of A x B into c, whose rows are ldc doubles apart. Each
 * element is the sum over k = 0 .. n-1 in that order, whatever the caller.
 */
MM_ONE_COPY static void mm_block(const struct mm_state *s, size_t bi, size_t bj, double *restrict c,
                                 size_t ldc)
{
    const size_t n = s->n, b = s->b, i0 = bi * b, j0 = bj * b;
    const size_t ih = mm_min(b, n - i0), jw = mm_min(b, n - j0);
    const double *restrict A = s->a, *restrict B = s->bm;

    for (size_t i = 0; i < ih; i++)
        for (size_t j = 0; j < jw; j++)
            c[i * ldc + j] = 0.0;
    for (size_t k0 = 0; k0 < n; k0 += b) {
        const size_t kw = mm_min(b, n - k0);
        for (size_t i = 0; i < ih; i++) {
            double *restrict ci = c + i * ldc;
            const double *restrict ai = A + (i0 + i) * n + k0;
            for (size_t k = 0; k < kw; k++) {
                const double aik = ai[k];
                const double *restrict bk = B + (k0 + k) * n + j0;
                for (size_t j = 0; j < jw; j++)
                    ci[j] += aik * bk[j];
            }
        }
    }
}

/* Every block in row-major block order, straight into out (n x n). */
static void mm_twin(const struct mm_state *s, double *out)
{
    for (size_t bi = 0; bi < s->nb; bi++)
        for (size_t bj = 0; bj < s->nb; bj++)
            mm_block(s, bi, bj, out + bi * s->b * s->n + bj * s->b, s->n);
}

/* 0 if s->c is the reference product, else -EPROTO naming the first element that differs. */
static int mm_check(const struct mm_state *s, const char *exec_name, struct work_run *run)
{
    size_t k, nn = s->n * s->n;

    if (memcmp(s->c, s->ref, nn * sizeof(double)) == 0)
        return 0;
    for (k = 0; k < nn && memcmp(&s->c[k], &s->ref[k], sizeof(double)) == 0; k++)
        ;
    snprintf(run->error, sizeof(run->error), "%s on %s: C[%zu][%zu] = %.17g, expected %.17g",
             s->label, exec_name, k / s->n, k % s->n, s->c[k], s->ref[k]);
    return -EPROTO;
}

/* Poisons C (all-ones bytes are a NaN), so a block no task wrote cannot pass the check. */
static void mm_poison(struct mm_state *s)
{
    memset(s->c, 0xff, s->n * s->n * sizeof(double));
}

/* ---- fork-join ------------------------------------------------------------------------------ */

struct mm_fj {
    const struct exec_ops *ops;
    struct mm_state *s;
    size_t bi; /* the block row, for the inner forkn() */
};

static void mm_fj_col(struct exec *x, void *arg, size_t bj)
{
    const struct mm_fj *r = arg;
    const struct mm_state *s = r->s;

    (void)x;
    mm_block(s, r->bi, bj, s->c + r->bi * s->b * s->n + bj * s->b, s->n);
}

static void mm_fj_row(struct exec *x, void *arg, size_t bi)
{
    const struct mm_fj *top = arg;
    struct mm_fj row = {top->ops, top->s, bi};

    top->ops->forkn(x, top->s->nb, mm_fj_col, &row);
}

static void mm_fj_root(struct exec *x, void *arg, size_t i)
{
    const struct mm_fj *top = arg;

    (void)i;
    top->ops->forkn(x, top->s->nb, mm_fj_row, arg);
}

static int mm_run_nested(void *state, const struct exec_ops *ops, struct exec *x,
                         struct work_run *run)
{
    struct mm_state *s = state;
    struct mm_fj top = {ops, s, 0};

    (void)run;
    mm_poison(s);
    return ops->run(x, mm_fj_root, &top);
}

/* The product the fork-join form left in s->c. */
static int mm_check_nested(void *state, const char *exec_name, struct work_run *run)
{
    struct mm_state *s = state;

    run->tasks = s->nb * s->nb;
    return mm_check(s, exec_name, run);
}

/* ---- flat: one piece per C block ------------------------------------------------------------ */

/* exec_piece_fn: computes one block of C into res, b x b rows packed (narrower at the edges). */
static int mm_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct mm_arg a;
    const struct mm_state *s;
    size_t ih, jw;

    if (arg_len != sizeof(a))
        return -EINVAL;
    memcpy(&a, arg, sizeof(a));
    s = a.s;
    if (s->token != a.token)
        return -ESTALE; /* forked before prepare(): this is not the state's memory */
    if (a.bi >= s->nb || a.bj >= s->nb)
        return -EINVAL;
    ih = mm_min(s->b, s->n - a.bi * s->b);
    jw = mm_min(s->b, s->n - a.bj * s->b);
    if (res_cap < ih * jw * sizeof(double))
        return -EMSGSIZE;
    mm_block(s, a.bi, a.bj, res, jw);
    *res_len = ih * jw * sizeof(double);
    return 0;
}

static int mm_run_flat(void *state, const struct exec_ops *ops, struct exec *x,
                       struct work_run *run)
{
    struct mm_state *s = state;
    size_t np = s->nb * s->nb, k;
    int err;

    mm_poison(s);
    for (k = 0; k < np; k++) {
        struct exec_piece *p = &s->pieces[k];
        *p = (struct exec_piece){.id = (uint32_t)k,
                                 .arg = &s->args[k],
                                 .arg_len = sizeof(s->args[k]),
                                 .res = s->blk + k * s->b * s->b,
                                 .res_cap = s->b * s->b * sizeof(double)};
    }
    err = ops->map(x, mm_piece, s->pieces, np);
    if (err) {
        wl_map_failed(run, s->label, ops, x, s->pieces, np, err);
        return err;
    }
    for (k = 0; k < np; k++) {
        const struct exec_piece *p = &s->pieces[k];
        size_t bi = k / s->nb, bj = k % s->nb;
        size_t ih = mm_min(s->b, s->n - bi * s->b), jw = mm_min(s->b, s->n - bj * s->b);
        const double *blk = p->res;

        if (p->res_len != ih * jw * sizeof(double)) {
            snprintf(run->error, sizeof(run->error),
                     "%s on %s: piece %zu returned %zu bytes, expected %zu", s->label, ops->name, k,
                     p->res_len, ih * jw * sizeof(double));
            return -EPROTO;
        }
        for (size_t i = 0; i < ih; i++)
            memcpy(s->c + (bi * s->b + i) * s->n + bj * s->b, blk + i * jw, jw * sizeof(double));
        if (run->latency)
            hist_record(run->latency, p->t_done_ns - p->t_submit_ns);
    }
    run->tasks = np;
    return mm_check(s, ops->name, run);
}

/* ---- the workload interface ----------------------------------------------------------------- */

static void mm_release(void *state)
{
    struct mm_state *s = state;

    if (!s)
        return;
    free(s->a);
    free(s->bm);
    free(s->c);
    free(s->ref);
    free(s->blk);
    free(s->pieces);
    free(s->args);
    free(s);
}

/* A deterministic entry in [-1, 1): the top 53 bits of a hash of (matrix, index). */
static double mm_entry(uint64_t matrix, uint64_t k)
{
    return (double)(wl_mix64((matrix << 56) ^ k) >> 11) * 0x1p-52 - 1.0;
}

static int mm_prepare(void **state, const char *params, char *err, size_t errlen)
{
    static const char *const keys[] = {"n", "block", NULL};
    struct mm_state *s;
    uint64_t n, b, nb;
    size_t nn, k;

    if (wl_params_known("matmul", params, keys, err, errlen) ||
        wl_param_u64("matmul", params, "n", 1, MM_MAX_N, 1024, &n, err, errlen) ||
        wl_param_u64("matmul", params, "block", 1, MM_MAX_N, 64, &b, err, errlen))
        return -EINVAL;
    if (b > n)
        b = n;
    nb = (n + b - 1) / b;
    if (nb * nb > MM_MAX_BLOCKS) {
        snprintf(err, errlen,
                 "matmul: n:%" PRIu64 "/block:%" PRIu64 " makes %" PRIu64
                 " blocks, more than %u: use a bigger block",
                 n, b, nb * nb, MM_MAX_BLOCKS);
        return -EINVAL;
    }
    s = wl_state_new(sizeof(*s), "matmul", err, errlen);
    if (!s)
        return -ENOMEM;
    wl_label(s->label, sizeof(s->label), "matmul", params);
    s->token = wl_token();
    s->n = (size_t)n;
    s->b = (size_t)b;
    s->nb = (size_t)nb;
    nn = s->n * s->n;
    s->a = malloc(nn * sizeof(double));
    s->bm = malloc(nn * sizeof(double));
    s->c = malloc(nn * sizeof(double));
    s->ref = malloc(nn * sizeof(double));
    s->blk = malloc(s->nb * s->nb * s->b * s->b * sizeof(double));
    s->pieces = calloc(s->nb * s->nb, sizeof(*s->pieces));
    s->args = calloc(s->nb * s->nb, sizeof(*s->args));
    if (!s->a || !s->bm || !s->c || !s->ref || !s->blk || !s->pieces || !s->args) {
        mm_release(s);
        snprintf(err, errlen, "matmul: out of memory for n:%" PRIu64, n);
        return -ENOMEM;
    }
    for (k = 0; k < nn; k++) {
        s->a[k] = mm_entry(1, k);
        s->bm[k] = mm_entry(2, k);
    }
    for (k = 0; k < s->nb * s->nb; k++)
        s->args[k] = (struct mm_arg){s, s->token, (uint32_t)(k / s->nb), (uint32_t)(k % s->nb)};
    mm_twin(s, s->ref);
    *state = s;
    return 0;
}

static int mm_serial(void *state, struct work_run *run)
{
    struct mm_state *s = state;

    run->tasks = 0;
    run->error[0] = '\0';
    mm_poison(s);
    mm_twin(s, s->c);
    run->tasks = s->nb * s->nb;
    return mm_check(s, "the serial twin", run);
}

const struct workload workload_matmul = {
    .name = "matmul",
    .kind = "cpu",
    .params_default = "n:1024/block:64",
    .params_quick = "n:128/block:64",
    .prepare = mm_prepare,
    .release = mm_release,
    .run_flat = mm_run_flat,
    .run_nested = mm_run_nested,
    .check = mm_check_nested,
    .serial = mm_serial,
};
