/*
 * test_forkjoin.c - fork-join through the public API, with known answers,
 * on pools of 1, 2, 3 and 8 workers (8 oversubscribes this 2-core machine):
 *  - fib(0..32) with ws_spawn + ws_sync, with ws_spawn + ws_reclaim, and
 *    with ws_reclaim and the frame's scope closed before the direct call;
 *  - nqueens 8, 10, 11 (one spawn per valid column, frames in an array on
 *    the stack, a board copy in each frame);
 *  - ws_parallel_for: an exact sum over 10^7 elements for several grains,
 *    every index exactly once (counter and bitmap) for small grains, an
 *    empty range, and a nested loop over a 1000 x 1000 index space;
 *  - task groups: 10^5 children, children that spawn and sync, nested groups;
 *  - a chain of 10^5 nested spawns (task i spawns task i+1 and syncs it);
 *  - ws_worker_self/ws_worker_id/ws_worker_pool inside tasks and outside.
 * After each root (ws_run has returned, so the pool is idle) the spawns the
 * workers counted must equal the spawns the test made.
 *
 * Atomics: the tallies that tasks update are relaxed (or plain seq_cst)
 * counters read only after ws_run has returned, which orders every task's
 * effects before the return; no data is published through them.
 *
 * usage: test_forkjoin [--fib=N] [--sum=N] [--group=N] [--chain=N]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "api_check.h"

static long long opt_fib = 32, opt_sum = 10000000, opt_group = 100000, opt_chain = 100000;

/*
 * Checks that the workers counted `want` spawns since `before`. A worker
 * may publish its count a moment after ws_run has returned (test_stats.c
 * checks the count at once); here we give it up to 10 s, so that the next
 * `before` is exact too.
 */
static void check_spawns(ws_pool *p, uint64_t before, uint64_t want, const char *what)
{
    double deadline = api_now() + 10;
    uint64_t got;
    while ((got = api_spawns(p) - before) < want && api_now() < deadline)
        api_sleep_ms(1);
    if (got != want)
        fprintf(stderr, "%s: spawns counted %llu, made %llu\n", what, (unsigned long long)got,
                (unsigned long long)want);
    CHECK_EQU(got, want);
}

/* ---- fib ---------------------------------------------------------------- */

static void test_fib(ws_pool *p)
{
    for (int style = 0; style < FIB_NSTYLES; style++) {
        for (int n = 0; n <= opt_fib; n++) {
            uint64_t before = api_spawns(p);
            if (api_run_fib(p, n, (enum fib_style)style) != 0)
                fprintf(stderr, "fib(%d) %s failed\n", n, fib_style_name[style]);
            check_spawns(p, before, fib_spawns(n), fib_style_name[style]);
        }
    }
    if (opt_fib >= 32) {
        CHECK_EQ(fib_serial(30), 832040);
        CHECK_EQ(fib_serial(32), 2178309);
    }
}

/* ---- nqueens ------------------------------------------------------------ */

#define NQ_MAX 16

struct nq_frame {
    ws_task task;
    int n, row; /* queens placed in rows [0, row) */
    long count;
    signed char board[NQ_MAX];
};

static long nqueens(ws_worker *w, ws_head h, int n, int row, const signed char *board);

static void nq_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct nq_frame *f = WS_CONTAINER_OF(t, struct nq_frame, task);
    f->count = nqueens(w, h, f->n, f->row, f->board);
}

static int nq_ok(const signed char *board, int row, int col)
{
    for (int r = 0; r < row; r++) {
        int d = board[r] - col;
        if (d == 0 || d == row - r || d == r - row)
            return 0;
    }
    return 1;
}

static long nqueens(ws_worker *w, ws_head h, int n, int row, const signed char *board)
{
    if (row == n)
        return 1;
    struct nq_frame f[NQ_MAX];
    int k = 0;
    for (int col = 0; col < n; col++) {
        if (!nq_ok(board, row, col))
            continue;
        f[k].n = n;
        f[k].row = row + 1;
        memcpy(f[k].board, board, (size_t)row);
        f[k].board[row] = (signed char)col;
        h = ws_spawn(w, h, &f[k].task, nq_task);
        k++;
    }
    long sum = 0;
    while (k-- > 0) {
        h = ws_sync(w, h, &f[k].task);
        sum += f[k].count;
    }
    return sum;
}

/* The serial twin counts the nodes below the root: one spawn each. */
static long nqueens_nodes(int n, int row, signed char *board)
{
    long nodes = 0;
    for (int col = 0; col < n && row < n; col++) {
        if (nq_ok(board, row, col)) {
            board[row] = (signed char)col;
            nodes += 1 + nqueens_nodes(n, row + 1, board);
        }
    }
    return nodes;
}

struct nq_root {
    int n;
    long count;
};

static void nq_root_fn(ws_worker *w, ws_head h, void *arg)
{
    struct nq_root *r = arg;
    signed char board[NQ_MAX] = {0};
    r->count = nqueens(w, h, r->n, 0, board);
}

static void test_nqueens(ws_pool *p)
{
    static const struct {
        int n;
        long solutions;
    } known[] = {{8, 92}, {10, 724}, {11, 2680}};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        struct nq_root r = {.n = known[i].n, .count = -1};
        signed char board[NQ_MAX] = {0};
        uint64_t before = api_spawns(p);
        CHECK_EQ(ws_run(p, nq_root_fn, &r), 0);
        CHECK_EQ(r.count, known[i].solutions);
        check_spawns(p, before, (uint64_t)nqueens_nodes(r.n, 0, board), "nqueens");
    }
}

/* ---- parallel_for ------------------------------------------------------- */

struct sum_ctx {
    const uint32_t *a;
    size_t begin, end, grain;
    _Atomic uint64_t sum;
    _Atomic uint64_t calls;
    _Atomic uint64_t bad;    /* pieces outside [begin, end), empty or above grain */
    _Atomic uint8_t *visits; /* per index, if not NULL */
    int err;
};

static void sum_body(ws_worker *w, ws_head h, size_t b, size_t e, void *arg)
{
    struct sum_ctx *c = arg;
    uint64_t s = 0;
    (void)w;
    (void)h;
    if (b >= e || b < c->begin || e > c->end || (c->grain != 0 && e - b > c->grain))
        atomic_fetch_add_explicit(&c->bad, 1, memory_order_relaxed);
    for (size_t i = b; i < e; i++) {
        s += c->a[i];
        if (c->visits != NULL)
            atomic_fetch_add_explicit(&c->visits[i - c->begin], 1, memory_order_relaxed);
    }
    /* relaxed: read after ws_parallel_for returns, which orders every piece. */
    atomic_fetch_add_explicit(&c->sum, s, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->calls, 1, memory_order_relaxed);
}

static void sum_root(ws_worker *w, ws_head h, void *arg)
{
    struct sum_ctx *c = arg;
    c->err = ws_parallel_for(w, h, c->begin, c->end, c->grain, sum_body, c);
}

/* Sums a[begin, end) in parallel and checks the sum, the pieces, the
 * coverage (if visits) and the spawns: a binary split tree of k pieces
 * has k - 1 splits, one spawn each. */
static void pfor_sum(ws_pool *p, const uint32_t *a, size_t begin, size_t end, size_t grain,
                     int cover)
{
    struct sum_ctx c = {.a = a, .begin = begin, .end = end, .grain = grain};
    uint64_t want = 0;
    for (size_t i = begin; i < end; i++)
        want += a[i];
    if (cover) {
        c.visits = calloc(end - begin + 1, sizeof(*c.visits));
        REQUIRE(c.visits != NULL);
    }
    uint64_t before = api_spawns(p);
    CHECK_EQ(ws_run(p, sum_root, &c), 0);
    CHECK_EQ(c.err, 0);
    CHECK_EQU(atomic_load(&c.sum), want);
    CHECK_EQU(atomic_load(&c.bad), 0);
    uint64_t calls = atomic_load(&c.calls);
    if (begin == end) {
        CHECK_EQU(calls, 0);
        check_spawns(p, before, 0, "parallel_for (empty)");
    } else {
        CHECK(calls >= 1);
        if (grain != 0)
            CHECK(calls >= (end - begin + grain - 1) / grain);
        check_spawns(p, before, calls - 1, "parallel_for");
    }
    if (cover) {
        size_t wrong = 0;
        for (size_t i = 0; i < end - begin; i++)
            wrong += atomic_load(&c.visits[i]) != 1;
        CHECK_EQU(wrong, 0);
        free(c.visits);
    }
}

static void test_parallel_for(ws_pool *p, const uint32_t *a, size_t n)
{
    size_t small = n < 100000 ? n : 100000;
    /* The exact sum over the whole array, for grains from "auto" up. */
    pfor_sum(p, a, 0, n, 0, 0);
    pfor_sum(p, a, 0, n, 1000, 0);
    pfor_sum(p, a, 0, n, 65536, 0);
    pfor_sum(p, a, 0, n, n, 0);     /* one piece */
    pfor_sum(p, a, 0, n, 2 * n, 0); /* grain above the range */
    /* Small grains on a smaller range, every index exactly once. */
    pfor_sum(p, a, 0, small, 1, 1);
    pfor_sum(p, a, 0, small, 3, 1);
    pfor_sum(p, a, 7, small, 0, 1); /* not starting at 0 */
    pfor_sum(p, a, 5, 6, 1, 1);     /* one index */
    /* Empty ranges: no call, no spawn, success. */
    pfor_sum(p, a, 0, 0, 0, 0);
    pfor_sum(p, a, 42, 42, 1, 0);
}

/* Nested: rows outside, columns inside; every cell exactly once. */
#define GRID 1000

struct grid_ctx {
    size_t outer_grain, inner_grain;
    _Atomic uint8_t *cells;
    _Atomic uint64_t visited, outer_calls, inner_calls, bad;
    int err;
};

struct row_arg {
    struct grid_ctx *g;
    size_t row;
};

static void grid_inner(ws_worker *w, ws_head h, size_t b, size_t e, void *arg)
{
    struct row_arg *r = arg;
    (void)w;
    (void)h;
    for (size_t col = b; col < e; col++)
        atomic_fetch_add_explicit(&r->g->cells[r->row * GRID + col], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->g->visited, e - b, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->g->inner_calls, 1, memory_order_relaxed);
}

static void grid_outer(ws_worker *w, ws_head h, size_t b, size_t e, void *arg)
{
    struct grid_ctx *g = arg;
    atomic_fetch_add_explicit(&g->outer_calls, 1, memory_order_relaxed);
    for (size_t row = b; row < e; row++) {
        struct row_arg r = {g, row};
        if (ws_parallel_for(w, h, 0, GRID, g->inner_grain, grid_inner, &r) != 0)
            atomic_fetch_add_explicit(&g->bad, 1, memory_order_relaxed);
    }
}

static void grid_root(ws_worker *w, ws_head h, void *arg)
{
    struct grid_ctx *g = arg;
    g->err = ws_parallel_for(w, h, 0, GRID, g->outer_grain, grid_outer, g);
}

static void test_nested_for(ws_pool *p, size_t outer_grain, size_t inner_grain)
{
    struct grid_ctx g = {.outer_grain = outer_grain, .inner_grain = inner_grain};
    g.cells = calloc(GRID * GRID, sizeof(*g.cells));
    REQUIRE(g.cells != NULL);
    uint64_t before = api_spawns(p);
    CHECK_EQ(ws_run(p, grid_root, &g), 0);
    CHECK_EQ(g.err, 0);
    CHECK_EQU(atomic_load(&g.bad), 0);
    CHECK_EQU(atomic_load(&g.visited), (uint64_t)GRID * GRID);
    size_t wrong = 0;
    for (size_t i = 0; i < (size_t)GRID * GRID; i++)
        wrong += atomic_load(&g.cells[i]) != 1;
    CHECK_EQU(wrong, 0);
    /* One spawn per split: (outer pieces - 1) + per row (inner pieces - 1). */
    check_spawns(p, before, atomic_load(&g.outer_calls) - 1 + atomic_load(&g.inner_calls) - GRID,
                 "nested parallel_for");
    free(g.cells);
}

/* ---- task groups -------------------------------------------------------- */

struct group_ctx {
    _Atomic uint64_t runs;
    _Atomic uint64_t fib_sum; /* children that spawn: the sum of their fib(k) */
    _Atomic uint64_t bad;
    long waited;
    int err;
    int fib_n;
    unsigned fanout[3]; /* nested groups: children per level */
};

static void child_count(ws_worker *w, ws_head h, void *arg)
{
    struct group_ctx *g = arg;
    (void)w;
    (void)h;
    atomic_fetch_add_explicit(&g->runs, 1, memory_order_relaxed);
}

static void child_fib(ws_worker *w, ws_head h, void *arg)
{
    struct group_ctx *g = arg;
    atomic_fetch_add_explicit(&g->fib_sum, (uint64_t)fib_sync(w, h, g->fib_n),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&g->runs, 1, memory_order_relaxed);
}

static void group_root(ws_worker *w, ws_head h, void *arg)
{
    struct group_ctx *g = arg;
    ws_group grp;
    ws_group_init(&grp);
    for (long long i = 0; i < opt_group; i++)
        if (ws_group_spawn(w, &h, &grp, g->fib_n ? child_fib : child_count, g) != 0)
            g->err = -1;
    g->waited = ws_group_wait(w, &h, &grp);
}

static void test_group(ws_pool *p, int fib_n)
{
    struct group_ctx g = {.fib_n = fib_n};
    uint64_t before = api_spawns(p);
    CHECK_EQ(ws_run(p, group_root, &g), 0);
    CHECK_EQ(g.err, 0);
    CHECK_EQ(g.waited, opt_group);
    CHECK_EQU(atomic_load(&g.runs), (uint64_t)opt_group);
    if (fib_n)
        CHECK_EQU(atomic_load(&g.fib_sum), (uint64_t)opt_group * (uint64_t)fib_serial(fib_n));
    check_spawns(p, before, (uint64_t)opt_group * (1 + fib_spawns(fib_n)), "group");
}

struct nest_arg {
    struct group_ctx *g;
    unsigned level;
};

/* A group at `level` whose children open groups one level down. */
static void nest_child(ws_worker *w, ws_head h, void *arg)
{
    struct nest_arg *a = arg;
    struct group_ctx *g = a->g;
    atomic_fetch_add_explicit(&g->runs, 1, memory_order_relaxed);
    if (a->level == 3)
        return;
    struct nest_arg down = {g, a->level + 1};
    ws_group grp;
    ws_group_init(&grp);
    for (unsigned i = 0; i < g->fanout[a->level]; i++)
        if (ws_group_spawn(w, &h, &grp, nest_child, &down) != 0)
            atomic_fetch_add_explicit(&g->bad, 1, memory_order_relaxed);
    if (ws_group_wait(w, &h, &grp) != (long)g->fanout[a->level])
        atomic_fetch_add_explicit(&g->bad, 1, memory_order_relaxed);
}

static void nest_root(ws_worker *w, ws_head h, void *arg)
{
    struct nest_arg top = {arg, 0};
    nest_child(w, h, &top);
}

static void test_nested_groups(ws_pool *p)
{
    struct group_ctx g = {.fanout = {20, 30, 40}};
    uint64_t spawns = 20 + 20 * 30 + 20 * 30 * 40;
    uint64_t before = api_spawns(p);
    CHECK_EQ(ws_run(p, nest_root, &g), 0);
    CHECK_EQU(atomic_load(&g.bad), 0);
    CHECK_EQU(atomic_load(&g.runs), 1 + spawns);
    check_spawns(p, before, spawns, "nested groups");
}

/* ---- a chain of nested spawns ------------------------------------------- */

#define CHAIN_MAX_WORKERS 64

struct chain_ctx {
    long long length;
    _Atomic uint64_t runs;
    /* Per worker, the highest and lowest frame address seen: a rough idea
     * of the stack each used (informational). Written by that worker only. */
    _Atomic uintptr_t hi[CHAIN_MAX_WORKERS], lo[CHAIN_MAX_WORKERS];
};

struct chain_frame {
    ws_task task;
    struct chain_ctx *c;
    long long i;
    long long deepest; /* the last index reached below this one */
};

/* One function frame per level (ThreadSanitizer counts frames, see main). */
static void chain_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct chain_frame *f = WS_CONTAINER_OF(t, struct chain_frame, task);
    struct chain_ctx *c = f->c;
    uintptr_t here = (uintptr_t)&here;
    unsigned id = ws_worker_id(w) % CHAIN_MAX_WORKERS;
    /* relaxed: one writer per slot; read after ws_run returns. */
    if (here > atomic_load_explicit(&c->hi[id], memory_order_relaxed))
        atomic_store_explicit(&c->hi[id], here, memory_order_relaxed);
    if (here < atomic_load_explicit(&c->lo[id], memory_order_relaxed))
        atomic_store_explicit(&c->lo[id], here, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->runs, 1, memory_order_relaxed);
    if (f->i + 1 == c->length) {
        f->deepest = f->i;
        return;
    }
    struct chain_frame next = {.c = c, .i = f->i + 1, .deepest = -1};
    h = ws_spawn(w, h, &next.task, chain_task);
    h = ws_sync(w, h, &next.task);
    f->deepest = next.deepest;
}

static void chain_root(ws_worker *w, ws_head h, void *arg)
{
    struct chain_frame *f = arg;
    chain_task(w, h, &f->task);
}

static void test_chain(ws_pool *p)
{
    static struct chain_ctx c; /* 1 KiB of counters: not on main's stack */
    memset(&c, 0, sizeof(c));
    c.length = opt_chain;
    for (unsigned i = 0; i < CHAIN_MAX_WORKERS; i++)
        atomic_init(&c.lo[i], UINTPTR_MAX);
    struct chain_frame root = {.c = &c, .i = 0, .deepest = -1};
    uint64_t before = api_spawns(p);
    CHECK_EQ(ws_run(p, chain_root, &root), 0);
    CHECK_EQ(root.deepest, opt_chain - 1);
    CHECK_EQU(atomic_load(&c.runs), (uint64_t)opt_chain);
    check_spawns(p, before, (uint64_t)opt_chain - 1, "chain");
    uintptr_t most = 0;
    for (unsigned i = 0; i < CHAIN_MAX_WORKERS; i++) {
        uintptr_t hi = atomic_load(&c.hi[i]), lo = atomic_load(&c.lo[i]);
        if (hi > lo && hi - lo > most)
            most = hi - lo;
    }
    printf("  chain of %lld: at most %.1f MiB of one worker's stack between chain frames\n",
           opt_chain, (double)most / (1 << 20));
}

/* ---- who am I ----------------------------------------------------------- */

#define SELF_DEPTH 14

struct self_frame {
    ws_task task;
    ws_pool *pool;
    _Atomic uint64_t *bad;
    int depth;
};

static void self_check(ws_worker *w, ws_pool *pool, _Atomic uint64_t *bad)
{
    if (ws_worker_self() != w || ws_worker_pool(w) != pool ||
        ws_worker_id(w) >= ws_pool_workers(pool))
        atomic_fetch_add_explicit(bad, 1, memory_order_relaxed);
}

static void self_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct self_frame *f = WS_CONTAINER_OF(t, struct self_frame, task);
    self_check(w, f->pool, f->bad);
    if (f->depth == 0)
        return;
    struct self_frame a = {.pool = f->pool, .bad = f->bad, .depth = f->depth - 1};
    struct self_frame b = a;
    h = ws_spawn(w, h, &a.task, self_task);
    h = ws_spawn(w, h, &b.task, self_task);
    h = ws_sync(w, h, &b.task);
    h = ws_sync(w, h, &a.task);
    self_check(w, f->pool, f->bad);
}

struct self_root {
    ws_pool *pool;
    _Atomic uint64_t bad;
};

static void self_root_fn(ws_worker *w, ws_head h, void *arg)
{
    struct self_root *r = arg;
    struct self_frame f = {.pool = r->pool, .bad = &r->bad, .depth = SELF_DEPTH};
    self_task(w, h, &f.task);
}

static void *outside_thread(void *arg)
{
    (void)arg;
    return ws_worker_self();
}

static void test_self(ws_pool *p)
{
    struct self_root r = {.pool = p};
    CHECK(ws_worker_self() == NULL);
    uint64_t before = api_spawns(p);
    CHECK_EQ(ws_run(p, self_root_fn, &r), 0);
    check_spawns(p, before, 2 * ((1u << SELF_DEPTH) - 1), "self"); /* 2 per inner node */
    CHECK_EQU(atomic_load(&r.bad), 0);
    CHECK(ws_worker_self() == NULL);
    pthread_t t;
    void *ret = (void *)1;
    REQUIRE(pthread_create(&t, NULL, outside_thread, NULL) == 0);
    pthread_join(t, &ret);
    CHECK(ret == NULL);
}

/* ------------------------------------------------------------------------- */
/* ws_worker_stack_left: what a recursion has left, on a 1 MiB worker stack */

#define STACK_LEVELS 200

struct stack_probe {
    size_t left[STACK_LEVELS];
};

/* Each level keeps 1 KiB live on the stack and records what is left below. */
__attribute__((noinline)) static void stack_descend(ws_worker *w, struct stack_probe *sp, int level)
{
    volatile char pad[1024];
    pad[0] = (char)level;
    sp->left[level] = ws_worker_stack_left(w);
    if (level + 1 < STACK_LEVELS)
        stack_descend(w, sp, level + 1);
    pad[sizeof(pad) - 1] = pad[0];
}

static void stack_root(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    stack_descend(w, arg, 0);
}

static void test_stack_left(void)
{
    struct ws_config cfg = WS_CONFIG_INIT;
    struct stack_probe sp = {{0}};
    ws_pool *p = NULL;
    const size_t size = (size_t)1 << 20;
    cfg.workers = 1;
    cfg.stack_size = size;
    REQUIRE(ws_pool_create(&p, &cfg) == 0);
    CHECK_EQ(ws_run(p, stack_root, &sp), 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    CHECK_EQU(ws_worker_stack_left(NULL), 0);
    CHECK_EQU(ws_worker_stack_left(ws_worker_self()), 0); /* this thread is no worker */
    /* Near the top of a 1 MiB stack, and 1 KiB or more less at each level.
     * glibc carves a thread's static TLS from the top of its stack, and
     * ThreadSanitizer's per-thread state there is most of a megabyte: under
     * it the root has only what is left of that. */
    CHECK(sp.left[0] <= size);
    if (!WS_TEST_TSAN)
        CHECK(sp.left[0] >= size - ((size_t)64 << 10));
    CHECK(sp.left[0] >= (size_t)STACK_LEVELS * 1024);
    for (int i = 1; i < STACK_LEVELS; i++)
        if (!(sp.left[i] + 1024 <= sp.left[i - 1])) {
            CHECK_FAIL_("stack left at level %d: %zu, at %d: %zu", i, sp.left[i], i - 1,
                        sp.left[i - 1]);
            break;
        }
    printf("stack_left: %zu bytes at the root of a 1 MiB stack, %zu after %d levels\n", sp.left[0],
           sp.left[STACK_LEVELS - 1], STACK_LEVELS - 1);
}

/* ------------------------------------------------------------------------- */

static uint32_t *make_array(size_t n)
{
    uint32_t *a = malloc(n * sizeof(*a) + 1);
    REQUIRE(a != NULL);
    for (size_t i = 0; i < n; i++)
        a[i] = (uint32_t)(i * 2654435761u) >> 3; /* sums overflow 32 bits: checks the width */
    return a;
}

int main(int argc, char **argv)
{
    const struct api_opt opts[] = {
        {"fib", &opt_fib, 0, 40, "fib(0..N) in every style"},
        {"sum", &opt_sum, 1, 1000000000, "elements of the parallel_for sum"},
        {"group", &opt_group, 1, 100000000, "children of the task group"},
        {"chain", &opt_chain, 1, 10000000, "length of the chain of nested spawns"},
    };
    if (WS_TEST_TSAN) {
        /* ThreadSanitizer keeps a shadow call stack of 64 Ki frames per
         * thread and crashes past it; a chain level is 1 frame, or about 6
         * where a waiting owner leapfrogs into the chain (on both workers). */
        opt_chain = 10000;
    }
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    printf("test_forkjoin: --fib=%lld --sum=%lld --group=%lld --chain=%lld\n", opt_fib, opt_sum,
           opt_group, opt_chain);

    test_stack_left();
    uint32_t *a = make_array((size_t)opt_sum);
    static const unsigned workers[] = {1, 2, 3, 8};
    for (size_t i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
        ws_pool *p = api_pool(workers[i], WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
        CHECK_EQU(ws_pool_workers(p), workers[i]);
        double t0 = api_now();
        test_self(p);
        test_fib(p);
        test_nqueens(p);
        test_parallel_for(p, a, (size_t)opt_sum);
        test_nested_for(p, 0, 16);
        test_nested_for(p, 1, 0);
        test_group(p, 0);
        test_group(p, 8);
        test_nested_groups(p);
        test_chain(p);
        struct ws_worker_stats sum = api_stats_sum(p);
        printf("%u worker(s): %.2f s, %llu spawns, %llu steals\n", workers[i], api_now() - t0,
               (unsigned long long)sum.spawns, (unsigned long long)sum.steals);
        CHECK_EQ(ws_pool_destroy(p), 0);
    }
    free(a);
    return check_report("test_forkjoin");
}
