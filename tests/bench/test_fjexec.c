/*
 * test_fjexec.c - the three fork-join executors: stealing (libwsched),
 * openmp (libgomp tasks) and tbb (oneTBB), each through its exec_ops only.
 *
 * For each, at 1, 2 and 4 workers: the workloads' native variants for its
 * family, fib(0..20, 25, 30) and nqueens(1, 4, 6, 8, 10, 11), fib's variant:plain (stealing's;
 * an error elsewhere, as variant:loop is); fib(25) built from run() and
 * forkn(2); forkn() of 1,000 bodies, each run exactly once (also nested, and from outside run());
 * map() of 10^4 pieces with their answers and ordered timestamps; piece
 * errors; then bad arguments and 20 create/destroy cycles.
 *
 * Under ThreadSanitizer only "stealing" runs: libgomp and libtbb are not
 * built with TSan, so their synchronisation is invisible to it and every
 * hand-off through them would be reported as a race.
 */
#include <limits.h>

#include "check.h"
#include "exec_check.h"
#include "sanitize.h"
#include "exec/fj.h"
#include "exec/stealing.h"
#include "workloads/fib/fib.h"
#include "workloads/nqueens/nqueens.h"

extern const struct exec_ops exec_openmp;
extern const struct exec_ops exec_tbb;
extern const struct workload workload_fib, workload_nqueens;

enum { MAP_PIECES = 10000, FORK_N = 1000 };

/* The executor under test, for bodies that reach forkn() through it. */
static const struct exec_ops *ops;

static int64_t fib_serial(unsigned n)
{
    int64_t a = 0, b = 1;
    for (unsigned i = 0; i < n; i++) {
        int64_t t = a + b;
        a = b;
        b = t;
    }
    return a;
}

/* w with params on x: the native variant runs, and gives the answer (workload_run checks it). */
static void native_run(const struct workload *w, struct exec *x, const char *params)
{
    char err[256] = "";
    void *state = NULL;
    struct work_run run = {.label = params};

    REQUIRE(w->prepare(&state, params, err, sizeof(err)) == 0);
    if (workload_run(w, state, ops, x, &run) != 0)
        CHECK_FAIL_("%s on %s: %s", params, ops->name, run.error);
    w->release(state);
}

static void test_native(struct exec *x)
{
    static const unsigned fib_n[] = {21, 25, 30};
    static const unsigned nq_n[] = {1, 4, 6, 8, 10, 11};
    struct fib_state fs = {.n = 30};
    struct nq_state ns = {.n = 10};
    struct work_run run = {.label = "direct"};
    char params[32];

    REQUIRE(workload_variant(&workload_fib, ops) != NULL);
    REQUIRE(workload_variant(&workload_nqueens, ops) != NULL);
    for (unsigned n = 0; n <= 20; n++) {
        snprintf(params, sizeof(params), "n:%u", n);
        native_run(&workload_fib, x, params);
    }
    for (size_t k = 0; k < sizeof(fib_n) / sizeof(fib_n[0]); k++) {
        snprintf(params, sizeof(params), "n:%u", fib_n[k]);
        native_run(&workload_fib, x, params);
    }
    for (size_t k = 0; k < sizeof(nq_n) / sizeof(nq_n[0]); k++) {
        snprintf(params, sizeof(params), "n:%u", nq_n[k]);
        native_run(&workload_nqueens, x, params);
    }
    /* fib's variant:plain is stealing's alone, variant:loop serial's: on any
     * other executor, a clear error (never ignored). */
    static const char *const vparams[] = {"n:25/variant:plain", "n:25/variant:loop"};
    for (size_t k = 0; k < 2; k++) {
        char err[256] = "";
        void *state = NULL;
        struct work_run vr = {.label = vparams[k]};
        REQUIRE(workload_fib.prepare(&state, vparams[k], err, sizeof(err)) == 0);
        int e = workload_run(&workload_fib, state, ops, x, &vr);
        if (k == 0 && workload_variant(&workload_fib, ops) ==
                          workload_variant(&workload_fib, &exec_stealing)) {
            CHECK_EQ(e, 0);
        } else {
            CHECK_EQ(e, -EINVAL);
            CHECK(strstr(vr.error, k == 0 ? "variant:plain" : "variant:loop") != NULL);
        }
        workload_fib.release(state);
    }
    /* The variants themselves, on states made here. */
    CHECK_EQ(workload_variant(&workload_fib, ops)->compute(&fs, ops, x, &run), 0);
    CHECK_EQ(fs.a.got, fib_serial(30));
    CHECK_EQ(workload_variant(&workload_nqueens, ops)->compute(&ns, ops, x, &run), 0);
    CHECK_EQ(ns.a.got, 724);
}

/* ---- fib through run() and forkn(2) --------------------------------------- */

struct gfib {
    unsigned n;
    int64_t r;
};

/* Body i of a forkn() over an array of two gfib (or run()'s root, i = 0). */
static void gfib_fn(struct exec *x, void *arg, size_t i)
{
    struct gfib *g = (struct gfib *)arg + i;
    struct gfib kids[2];

    if (g->n < 2) {
        g->r = g->n;
        return;
    }
    kids[0].n = g->n - 1;
    kids[1].n = g->n - 2;
    ops->forkn(x, 2, gfib_fn, kids);
    g->r = kids[0].r + kids[1].r;
}

/* ---- forkn() of many bodies ------------------------------------------------ */

/*
 * Each body adds its index to sum and counts its run in hits[i]. Relaxed:
 * the test reads both only after forkn()/run() returned, and the executor's
 * join orders every body before that.
 */
struct fan {
    _Atomic uint64_t sum;
    _Atomic uint32_t hits[FORK_N];
    size_t inner; /* > 0: each body also forks `inner` bodies into `nested` */
    struct fan *nested;
};

static void fan_reset(struct fan *f, size_t inner, struct fan *nested)
{
    atomic_store_explicit(&f->sum, 0, memory_order_relaxed);
    for (size_t i = 0; i < FORK_N; i++)
        atomic_store_explicit(&f->hits[i], 0, memory_order_relaxed);
    f->inner = inner;
    f->nested = nested;
}

static void fan_body(struct exec *x, void *arg, size_t i)
{
    struct fan *f = arg;

    atomic_fetch_add_explicit(&f->sum, i, memory_order_relaxed);
    atomic_fetch_add_explicit(&f->hits[i], 1, memory_order_relaxed);
    if (f->inner > 0)
        ops->forkn(x, f->inner, fan_body, f->nested);
}

/* Every body of [0, n) ran once, `times` times over for a nested fan. */
static void fan_check(struct fan *f, size_t n, uint32_t times)
{
    size_t bad = 0;

    CHECK_EQU(atomic_load_explicit(&f->sum, memory_order_relaxed),
              (uint64_t)n * (n - 1) / 2 * times);
    for (size_t i = 0; i < FORK_N; i++)
        bad += atomic_load_explicit(&f->hits[i], memory_order_relaxed) != (i < n ? times : 0);
    CHECK_EQU(bad, 0);
}

struct fan_root {
    size_t n;
    struct fan *f;
};

static void fan_root_fn(struct exec *x, void *arg, size_t i)
{
    struct fan_root *r = arg;
    CHECK_EQU(i, 0);
    ops->forkn(x, r->n, fan_body, r->f);
}

static void test_fork_join(struct exec *x)
{
    static struct fan outer, inner;
    struct gfib root = {.n = 25, .r = -1};
    struct fan_root fr = {.n = FORK_N, .f = &outer};

    CHECK_EQ(ops->run(x, gfib_fn, &root), 0);
    CHECK_EQ(root.r, 75025);

    fan_reset(&outer, 0, NULL);
    CHECK_EQ(ops->run(x, fan_root_fn, &fr), 0);
    fan_check(&outer, FORK_N, 1);

    /* Small fans: one body, and a few. */
    for (size_t n = 1; n <= 3; n++) {
        fr.n = n;
        fan_reset(&outer, 0, NULL);
        CHECK_EQ(ops->run(x, fan_root_fn, &fr), 0);
        fan_check(&outer, n, 1);
    }

    /* Nested: 10 bodies, each forking 100. */
    fr.n = 10;
    fan_reset(&outer, 100, &inner);
    fan_reset(&inner, 0, NULL);
    CHECK_EQ(ops->run(x, fan_root_fn, &fr), 0);
    fan_check(&outer, 10, 1);
    fan_check(&inner, 100, 10);

    /* From a plain thread, outside run(): still every body, once. */
    fan_reset(&outer, 0, NULL);
    ops->forkn(x, FORK_N, fan_body, &outer);
    fan_check(&outer, FORK_N, 1);
}

/* ---- map ------------------------------------------------------------------- */

static void test_map(struct exec *x)
{
    struct tbatch b;

    tbatch_init(&b, MAP_PIECES, 4096);
    texec_map_ok(ops, x, &b);
    tbatch_free(&b);
    texec_piece_errors(ops, x);
}

/* ---- what every executor must refuse ------------------------------------- */

static void never_called(struct exec *x, void *arg, size_t i)
{
    (void)x;
    (void)arg;
    (void)i;
    CHECK(!"a refused call ran a body");
}

static void test_bad_arguments(void)
{
    static const unsigned absurd[] = {EXEC_FJ_MAX_WORKERS + 1, 100000, UINT_MAX};
    struct exec_piece p = {.id = 0};
    struct exec *x;
    struct gfib g = {.n = 3};

    CHECK_EQU(ops->flags & ~(unsigned)EXEC_VARIANT, EXEC_NESTS);
    CHECK(ops->run != NULL && ops->forkn != NULL && ops->family != NULL);
    CHECK_EQ(ops->create(NULL, NULL), -EINVAL);
    for (size_t k = 0; k < sizeof(absurd) / sizeof(absurd[0]); k++) {
        struct exec_config cfg = {.workers = absurd[k]};
        x = (struct exec *)(void *)&cfg; /* create must reset it */
        CHECK_EQ(ops->create(&x, &cfg), -EINVAL);
        CHECK(x == NULL);
    }

    REQUIRE(ops->create(&x, NULL) == 0); /* NULL config: the model's default */
    CHECK(ops->workers(x) >= 1);
    CHECK_EQ(ops->map(NULL, tpiece, &p, 1), -EINVAL);
    CHECK_EQ(ops->map(x, NULL, &p, 1), -EINVAL);
    CHECK_EQ(ops->map(x, tpiece, NULL, 1), -EINVAL);
    CHECK_EQ(ops->map(x, tpiece, NULL, 0), 0);
    CHECK_EQ(ops->map(x, tpiece, &p, 1), -EINVAL); /* the piece's own: its argument is short */
    CHECK_EQ(p.status, -EINVAL);
    CHECK_EQ(ops->run(NULL, gfib_fn, &g), -EINVAL);
    CHECK_EQ(ops->run(x, NULL, &g), -EINVAL);
    ops->forkn(NULL, 5, never_called, NULL);
    ops->forkn(x, 0, never_called, NULL);
    ops->forkn(x, 5, NULL, NULL);
    ops->destroy(x);
    ops->destroy(NULL);
    CHECK_EQU(ops->workers(NULL), 0);
}

/*
 * 20 create/run/destroy cycles at 1, 2 and 4 workers. The stealing pool
 * joins its workers; libgomp and TBB keep theirs for the process (see their
 * files), so for them the thread count may grow once, but not per cycle.
 */
static void test_cycles(int own_threads)
{
    size_t before = count_threads_settled(SIZE_MAX), after;

    for (int k = 0; k < 20; k++) {
        struct exec *x = texec_make(ops, 1u << (k % 3));
        native_run(&workload_fib, x, "n:15");
        ops->destroy(x);
    }
    after = count_threads_settled(before);
    if (own_threads)
        CHECK_LE(after, before);
    else
        CHECK_LE(after, before + 4);
    printf("  20 create/destroy cycles: threads %zu before, %zu after\n", before, after);
}

static void test_executor(const struct exec_ops *o, int own_threads)
{
    static const unsigned workers[] = {1, 2, 4};

    ops = o;
    printf("%s\n", ops->name);
    for (size_t k = 0; k < sizeof(workers) / sizeof(workers[0]); k++) {
        struct exec *x = texec_make(ops, workers[k]);
        printf("  workers %u\n", workers[k]);
        test_native(x);
        test_fork_join(x);
        test_map(x);
        ops->destroy(x);
    }
    test_bad_arguments();
    test_cycles(own_threads);
}

/* The two stealing executors differ in the victim policy, and only there. */
static void test_victim_policies(void)
{
    const struct exec_ops *both[] = {&exec_stealing, &exec_stealing_random};
    const enum ws_victim_policy want[] = {WS_VICTIM_NEAREST, WS_VICTIM_RANDOM};
    for (size_t i = 0; i < 2; i++) {
        struct exec *x = NULL;
        struct exec_config c = {.workers = 2};
        REQUIRE(both[i]->create(&x, &c) == 0);
        struct ws_pool_info info;
        CHECK(ws_pool_info(exec_stealing_pool(x), &info) == 0);
        CHECK(info.victim == want[i]);
        CHECK(info.workers == 2);
        both[i]->destroy(x);
    }
    CHECK((exec_stealing_random.flags & EXEC_VARIANT) && !(exec_stealing.flags & EXEC_VARIANT));
    CHECK_STREQ(exec_stealing_random.family, exec_stealing.family);
}

int main(void)
{
    tpiece_runs = calloc(MAP_PIECES, sizeof(*tpiece_runs));
    REQUIRE(tpiece_runs != NULL);

    CHECK_STREQ(exec_stealing.name, "stealing");
    CHECK_STREQ(exec_openmp.name, "openmp");
    CHECK_STREQ(exec_tbb.name, "tbb");
    CHECK_STREQ(exec_stealing_random.name, "stealing-random");

    test_executor(&exec_stealing, 1);
    test_executor(&exec_stealing_random, 1);
    test_victim_policies();
    if (WS_TEST_TSAN) {
        printf("SKIP openmp/tbb under TSan: runtime not instrumented\n");
    } else {
        test_executor(&exec_openmp, 0);
        test_executor(&exec_tbb, 0);
    }

    free(tpiece_runs);
    return check_report("test_fjexec");
}
