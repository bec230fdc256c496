/*
 * fib.c - the fib workload: fib(n) by the doubly recursive definition, one
 * task per call. It does almost no work per task, so its time is the cost
 * of spawning and syncing: the overhead benchmark of fork-join models.
 *
 * Parameters: n:<0..50> (default 30); variant:twin|gcc|loop|plain (gcc and
 * loop: serial only; plain: stealing only, see fib_stealing.c).
 *
 * - Fork-join executors with a native variant here (fib_stealing.c,
 *   fib_openmp.c, fib_tbb.cc) run it in their own idiom: spawn fib(n-1),
 *   call fib(n-2), no cut-off. Others that nest use run()/forkn(2).
 * - Flat executors get the tree cut at depth `cutoff` (default: the first
 *   depth with at least FIB_FLAT_PER_WORKER x workers subproblems): the
 *   caller expands fib(n) into the subproblems fib(n - k) at that depth, and
 *   each is a piece computed by the serial twin.
 * run->tasks is the number of spawns (internal nodes of the call tree, as
 * fib(n+1) - 1) or of pieces.
 *
 * The serial twin and honesty. Compiled with -O2, gcc rewrites the plain
 * `return fib(n-1) + fib(n-2)` into one call and a loop (tail recursion with
 * an accumulator), and inlines the recursion into itself a few levels deep:
 * half the calls of the computation the scheduler runs, where every spawn
 * is a real frame. The twin therefore makes both calls real calls, as the
 * plain shape of the scheduled versions does (fib_stealing.c's
 * variant:plain, OpenMP's and TBB's): `noinline`, and an empty asm on the
 * first result after the second call so that neither call is in tail
 * position. Other transformations, which the scheduled versions get too
 * (the n < 2 test inlined into callers), are left to gcc. What gcc does
 * with the plain source is measured too (variant:gcc), and reported next
 * to it.
 *
 * variant:loop is the twin of fib_stealing.c's default shape, in which
 * the reclaimed child's call is a loop: the n < 2 test in an inline
 * wrapper, fib(n-2) a real call, fib(n-1) in tail position (gcc makes it
 * the loop), and nothing else (noinline: no recursion inlined into itself).
 * Against it, the stealing fib's time is the scheduler's overhead alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/fib/fib.h"

#define FIB_FLAT_PER_WORKER 32

/* The sequential twin: both calls real calls (see the file comment). */
__attribute__((noinline)) static int64_t fib_twin(unsigned n)
{
    if (n < 2)
        return n;
    int64_t a = fib_twin(n - 1);
    int64_t b = fib_twin(n - 2);
    __asm__("" : "+r"(a)); /* keeps fib_twin(n - 2) out of tail position */
    return a + b;
}

/* variant:loop (see the file comment); n >= 2. */
__attribute__((noinline)) static int64_t fib_loop_node(unsigned n);

static inline int64_t fib_loop(unsigned n)
{
    return n < 2 ? n : fib_loop_node(n);
}

__attribute__((noinline)) static int64_t fib_loop_node(unsigned n)
{
    int64_t y = fib_loop(n - 2);
    __asm__("" : "+r"(y)); /* y is fib(n-2)'s, not folded into the loop's sum */
    return fib_loop(n - 1) + y;
}

/* The same source without the barrier: whatever gcc makes of it. */
static int64_t fib_gcc(unsigned n)
{
    if (n < 2)
        return n;
    return fib_gcc(n - 1) + fib_gcc(n - 2);
}

/* fib(n) and the spawns of the call tree, fib(n+1) - 1, by iteration. */
static void fib_closed(unsigned n, int64_t *value, uint64_t *spawns)
{
    uint64_t a = 0, b = 1;
    for (unsigned i = 0; i < n; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    *value = (int64_t)a;
    *spawns = b - 1;
}

/* ---- fork-join through run()/forkn() ---------------------------------------------------- */

struct fib_fj {
    const struct exec_ops *ops;
    unsigned n;
    int64_t result;
};

static void fib_fj_node(struct exec *x, void *arg, size_t i);

static void fib_fj_children(struct exec *x, void *arg, size_t i)
{
    struct fib_fj *kids = arg;
    fib_fj_node(x, &kids[i], 0);
}

static void fib_fj_node(struct exec *x, void *arg, size_t i)
{
    struct fib_fj *f = arg;
    (void)i;
    if (f->n < 2) {
        f->result = f->n;
        return;
    }
    struct fib_fj kids[2] = {{f->ops, f->n - 1, 0}, {f->ops, f->n - 2, 0}};
    f->ops->forkn(x, 2, fib_fj_children, kids);
    f->result = kids[0].result + kids[1].result;
}

/* ---- flat: subproblems at a cut-off depth ------------------------------------------------ */

static int fib_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    uint32_t n;
    if (arg_len != sizeof(n) || res_cap < sizeof(int64_t))
        return -EINVAL;
    memcpy(&n, arg, sizeof(n));
    int64_t v = fib_twin(n);
    memcpy(res, &v, sizeof(v));
    *res_len = sizeof(v);
    return 0;
}

/* Expands fib(n) to depth d: the subproblems (leaves n < 2 are summed at once). */
static void fib_expand(unsigned n, unsigned d, uint32_t *out, size_t *count, int64_t *direct)
{
    if (n < 2) {
        *direct += n;
        return;
    }
    if (d == 0) {
        out[(*count)++] = n;
        return;
    }
    fib_expand(n - 1, d - 1, out, count, direct);
    fib_expand(n - 2, d - 1, out, count, direct);
}

static int fib_run_flat(void *state, const struct exec_ops *ops, struct exec *x,
                        struct work_run *run)
{
    struct fib_state *s = state;
    unsigned want = FIB_FLAT_PER_WORKER * (ops->workers ? ops->workers(x) : 1), depth = 0;
    while (((size_t)1 << depth) < want && depth < 16)
        depth++;
    uint32_t *args = malloc(((size_t)1 << depth) * sizeof(*args));
    size_t n = 0;
    int64_t sum = 0;
    int err = fib_variant_check(s, NULL, ops->name, run);

    if (err != 0) {
        free(args);
        return err;
    }
    if (args == NULL) {
        snprintf(run->error, sizeof(run->error), "%s: out of memory", run->label);
        return -ENOMEM;
    }
    fib_expand(s->n, depth, args, &n, &sum);
    err = wl_map_sum(ops, x, fib_piece, args, sizeof(*args), n, &sum, run);
    if (err == 0)
        err = wl_answer_judge(&s->a, ops->name, sum, run);
    free(args);
    return err;
}

/* ---- the workload ------------------------------------------------------------------------ */

static int fib_prepare(void **state, const char *params, char *err, size_t errlen)
{
    static const char *const keys[] = {"n", "variant", NULL};
    uint64_t n = 30;
    char variant[16] = "twin";
    if (wl_params_known("fib", params, keys, err, errlen) != 0)
        return -EINVAL;
    if (param_u64(params, "n", 0, FIB_MAX_N, &n) < 0) {
        snprintf(err, errlen, "fib: n must be an integer in 0..%d", FIB_MAX_N);
        return -EINVAL;
    }
    if (param_str(params, "variant", variant, sizeof(variant)) < 0 ||
        (strcmp(variant, "twin") != 0 && strcmp(variant, "gcc") != 0 &&
         strcmp(variant, "loop") != 0 && strcmp(variant, "plain") != 0)) {
        snprintf(err, errlen, "fib: variant must be twin, gcc, loop or plain");
        return -EINVAL;
    }
    struct fib_state *s = wl_state_new(sizeof(*s), "fib", err, errlen);
    if (s == NULL)
        return -ENOMEM;
    s->n = (unsigned)n;
    s->variant = strcmp(variant, "gcc") == 0     ? FIB_GCC
                 : strcmp(variant, "loop") == 0  ? FIB_LOOP
                 : strcmp(variant, "plain") == 0 ? FIB_PLAIN
                                                 : FIB_TWIN;
    fib_closed(s->n, &s->a.want, &s->a.tasks);
    wl_label(s->a.label, sizeof(s->a.label), "fib", params);
    s->a.unit = "";
    *state = s;
    return 0;
}

int fib_variant_check(const struct fib_state *s, const char *family, const char *exec,
                      struct work_run *run)
{
    static const char *const names[] = {"twin", "gcc", "loop", "plain"};
    static const char *const owners[] = {NULL, "serial", "serial", "stealing"};

    if (s->variant == FIB_TWIN || (family != NULL && strcmp(owners[s->variant], family) == 0))
        return 0;
    snprintf(run->error, sizeof(run->error), "fib: variant:%s is for the %s executor, not %s",
             names[s->variant], owners[s->variant], exec);
    return -EINVAL;
}

static int fib_run_nested(void *state, const struct exec_ops *ops, struct exec *x,
                          struct work_run *run)
{
    struct fib_state *s = state;
    struct fib_fj root = {ops, s->n, 0};
    int err = fib_variant_check(s, NULL, ops->name, run);

    if (err == 0)
        err = ops->run(x, fib_fj_node, &root);
    s->a.got = root.result;
    return err;
}

static const struct wl_variant fib_variants[] = WL_VARIANTS(fib);

static int fib_serial(void *state, struct work_run *run)
{
    struct fib_state *s = state;
    static const char *const what[] = {"serial", "serial (gcc variant)", "serial (loop variant)"};
    int err = fib_variant_check(s, "serial", "serial", run);

    if (err != 0)
        return err;
    s->a.got = s->variant == FIB_GCC    ? fib_gcc(s->n)
               : s->variant == FIB_LOOP ? fib_loop(s->n)
                                        : fib_twin(s->n);
    return wl_answer_check(s, what[s->variant], run);
}

const struct workload workload_fib = {
    .name = "fib",
    .kind = "cpu",
    .params_default = "n:30",
    .params_quick = "n:20",
    .prepare = fib_prepare,
    .release = free, /* the state is one allocation */
    .run_flat = fib_run_flat,
    .run_nested = fib_run_nested,
    .variants = fib_variants,
    .check = wl_answer_check,
    .serial = fib_serial,
};
