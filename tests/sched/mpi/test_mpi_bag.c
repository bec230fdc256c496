/*
 * test_mpi_bag.c - libwsched-mpi through its public API, run under mpirun
 * at -np 1 to 4 (tests/sched/mpi/CMakeLists.txt).
 *
 *   test_mpi_bag [--inline] [--workers W] [--level funneled|serialized|multiple]
 *                [--chunk C] [--poll-us U] [--spin S] [CASE...]
 *
 * Cases (all by default):
 *   bitmap    every index of [0, N) processed exactly once: items are ranges
 *             that split in two down to a grain, leaves count each index in
 *             a per-index counter (the result), reduced by addition; rank 0
 *             holds all the work. In pool mode a leaf marks its indices with
 *             ws_parallel_for and half of each split is pushed from a
 *             spawned task (fork-join inside an item, pushes from any worker).
 *   spread    the same with each rank holding a slice at the start.
 *   empty     no rank holds an item: the run ends, the result is the identity.
 *   leaf      one item that pushes nothing: the bag empties at once.
 *   repeat    20 runs back to back on one communicator (nothing left over).
 *   fail      process() fails on rank ranks-1: every rank gets its error and
 *             the message names the rank.
 *   bad       zero item size, NULL callbacks, a NULL reduce with a result,
 *             and an item size that differs on the last rank: -EINVAL and
 *             the same message on every rank, nothing run.
 *   level     (with --level funneled) pool mode is refused with
 *             -EPROTONOSUPPORT on every rank.
 * --kill-after K: the last rank SIGKILLs itself after K items
 * (test_mpi_kill.sh checks that the job then ends).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wsched_mpi.h>

#include "check.h"

#define N     200000u
#define GRAIN 100u

static int g_rank, g_ranks;
static int g_inline;
static unsigned g_workers = 2;
static size_t g_chunk;
static unsigned g_poll_us;
static long g_kill_after = -1;
static int g_blocking; /* --blocking: leaves run inside ws_blocking, so spares run loops */
static ws_pool *g_pool;

struct range {
    uint64_t lo, hi;
};

struct counts {
    uint8_t c[N];
};

struct bm_user {
    int fail_rank; /* process() fails on this rank at its 100th item; -1: never */
    long seen;
};

static unsigned g_spin = 2000; /* xorshift rounds per index: enough work that steals matter */

static void mark(ws_worker *w, ws_head h, size_t b, size_t e, void *arg)
{
    struct counts *res = arg;
    (void)w;
    (void)h;
    for (size_t i = b; i < e; i++) {
        uint64_t x = i + 1;
        for (unsigned k = 0; k < g_spin; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        res->c[i] += 1 + (x == 0); /* x is never 0: the count stays exact */
    }
}

struct push_task {
    ws_task task;
    ws_mpi_ctx *ctx;
    struct range r;
    int err;
};

static void push_fn(ws_worker *w, ws_head h, ws_task *t)
{
    struct push_task *p = WS_CONTAINER_OF(t, struct push_task, task);
    (void)w;
    (void)h;
    p->err = ws_mpi_push(p->ctx, &p->r);
}

/* A leaf inside ws_blocking: it sleeps a little first, so that a spare
 * stands in and takes the rank's loops meanwhile (a spare has a slot of
 * its own, past the workers: its own part and accumulator). */
struct blk {
    void *result;
    uint64_t lo, hi;
    int err;
};

static void blk_fn(ws_worker *w, ws_head h, void *arg)
{
    struct blk *b = arg;
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
    b->err = ws_parallel_for(w, h, b->lo, b->hi, 16, mark, b->result);
}

static int bm_process(ws_mpi_ctx *ctx, ws_worker *w, ws_head h, void *item, void *result,
                      void *user)
{
    struct range r;
    struct bm_user *u = user;

    if (ws_mpi_worker(ctx) != w)
        return -EPROTO; /* both name the worker running the item */
    memcpy(&r, item, sizeof(r));
    if (u->fail_rank == ws_mpi_rank(ctx) &&
        __atomic_add_fetch(&u->seen, 1, __ATOMIC_RELAXED) == 100)
        return -EIO;
    if (g_kill_after >= 0 && ws_mpi_rank(ctx) == ws_mpi_ranks(ctx) - 1 &&
        __atomic_add_fetch(&u->seen, 1, __ATOMIC_RELAXED) >= g_kill_after)
        raise(SIGKILL);
    if (r.hi - r.lo > GRAIN) {
        uint64_t mid = r.lo + (r.hi - r.lo) / 2;
        struct range left = {r.lo, mid};
        if (w != NULL) {
            struct push_task p = {.ctx = ctx, .r = {mid, r.hi}};
            h = ws_spawn(w, h, &p.task, push_fn);
            int e = ws_mpi_push(ctx, &left);
            h = ws_sync(w, h, &p.task);
            (void)h;
            return e ? e : p.err;
        }
        struct range right = {mid, r.hi};
        int e = ws_mpi_push(ctx, &left);
        return e ? e : ws_mpi_push(ctx, &right);
    }
    if (w != NULL && g_blocking) {
        struct blk b = {result, r.lo, r.hi, 0};
        int e = ws_blocking(w, h, blk_fn, &b);
        return e ? e : b.err;
    }
    if (w != NULL)
        return ws_parallel_for(w, h, r.lo, r.hi, 16, mark, result);
    mark(NULL, NULL, r.lo, r.hi, result);
    return 0;
}

static void bm_reduce(void *acc, const void *in, size_t size, void *user)
{
    uint8_t *a = acc;
    const uint8_t *b = in;
    (void)user;
    for (size_t i = 0; i < size; i++)
        a[i] += b[i];
}

static const struct ws_mpi_ops bm_ops = {bm_process, ws_mpi_split_oldest, ws_mpi_merge_append,
                                         bm_reduce};

static struct ws_mpi_config base_config(size_t isz, size_t rsz)
{
    struct ws_mpi_config c = WS_MPI_CONFIG_INIT;
    c.item_size = isz;
    c.result_size = rsz;
    c.mode = g_inline ? WS_MPI_INLINE : WS_MPI_POOL;
    c.pool = g_pool;
    c.chunk = g_chunk;
    c.poll_us = g_poll_us;
    return c;
}

/* Checks that every rank saw the same error and message. */
static void check_same_everywhere(int err, const char *msg, const char *what)
{
    int lo = err, hi = err;
    unsigned long h = 5381, hlo, hhi;
    for (const char *p = msg; *p; p++)
        h = h * 33 + (unsigned char)*p;
    MPI_Allreduce(&err, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&err, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&h, &hlo, 1, MPI_UNSIGNED_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&h, &hhi, 1, MPI_UNSIGNED_LONG, MPI_MAX, MPI_COMM_WORLD);
    if (lo != hi || hlo != hhi)
        fprintf(stderr, "rank %d: %s: errors or messages differ between ranks\n", g_rank, what);
    CHECK_EQ(lo, hi);
    CHECK_EQU(hlo, hhi);
}

/* Runs the bitmap over [0, N) with the items given on this rank; checks
 * every index once on every rank. */
static void run_bitmap(const char *name, const struct range *items, size_t n)
{
    struct ws_mpi_config c = base_config(sizeof(struct range), sizeof(struct counts));
    struct counts *res = malloc(sizeof(*res));
    struct ws_mpi_stats st;
    struct bm_user u = {-1, 0};
    REQUIRE(res != NULL);
    int err = ws_mpi_run(MPI_COMM_WORLD, &c, &bm_ops, items, n, &u, res, &st);
    if (err != 0)
        fprintf(stderr, "rank %d: %s: %s (%s)\n", g_rank, name, ws_strerror(err), st.error);
    CHECK_EQ(err, 0);
    size_t bad = 0, first = N;
    for (size_t i = 0; i < N; i++)
        if (res->c[i] != 1 && bad++ == 0)
            first = i;
    if (bad)
        fprintf(stderr, "rank %d: %s: %zu indices not processed exactly once (first %zu: %u)\n",
                g_rank, name, bad, first, res->c[first]);
    CHECK_EQU(bad, 0);
    /* Items processed over all ranks: 2 N / GRAIN - 1 ranges at most, and
     * every rank's counters add up: what was sent was received. */
    uint64_t mine[4] = {st.items, st.items_sent, st.items_recv, st.chunks_sent}, sum[4];
    MPI_Allreduce(mine, sum, 4, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    CHECK_EQU(sum[1], sum[2]);
    CHECK(sum[0] >= N / GRAIN && sum[0] < 4 * N / GRAIN);
    CHECK_EQU(st.workers, g_inline ? 1 : g_workers);
    if (g_rank == 0)
        printf("%s: %llu items, %llu chunks moved, %llu items moved, rank 0: %llu steals "
               "(%llu ok), %llu lifelines, %llu polls\n",
               name, (unsigned long long)sum[0], (unsigned long long)sum[3],
               (unsigned long long)sum[1], (unsigned long long)st.steals,
               (unsigned long long)st.steals_ok, (unsigned long long)st.lifelines,
               (unsigned long long)st.polls);
    free(res);
}

static void case_bitmap(void)
{
    struct range all = {0, N};
    run_bitmap("bitmap", &all, g_rank == 0 ? 1 : 0);
}

static void case_spread(void)
{
    struct range mine = {(uint64_t)N * (unsigned)g_rank / (unsigned)g_ranks,
                         (uint64_t)N * (unsigned)(g_rank + 1) / (unsigned)g_ranks};
    run_bitmap("spread", &mine, 1);
}

static void case_empty(void)
{
    struct ws_mpi_config c = base_config(sizeof(struct range), sizeof(struct counts));
    struct counts *res = malloc(sizeof(*res));
    struct ws_mpi_stats st;
    struct bm_user u = {-1, 0};
    REQUIRE(res != NULL);
    memset(res, 0xab, sizeof(*res));
    int err = ws_mpi_run(MPI_COMM_WORLD, &c, &bm_ops, NULL, 0, &u, res, &st);
    CHECK_EQ(err, 0);
    CHECK_EQU(st.items, 0);
    size_t nonzero = 0;
    for (size_t i = 0; i < N; i++)
        nonzero += res->c[i] != 0;
    CHECK_EQU(nonzero, 0); /* the identity: zero bytes */
    free(res);
}

static void case_leaf(void)
{
    struct ws_mpi_config c = base_config(sizeof(struct range), sizeof(struct counts));
    struct counts *res = malloc(sizeof(*res));
    struct bm_user u = {-1, 0};
    struct range one = {7, 8};
    struct ws_mpi_stats st;
    REQUIRE(res != NULL);
    int err = ws_mpi_run(MPI_COMM_WORLD, &c, &bm_ops, &one, g_rank == g_ranks - 1, &u, res, &st);
    CHECK_EQ(err, 0);
    size_t ones = 0;
    for (size_t i = 0; i < N; i++)
        ones += res->c[i];
    CHECK_EQU(ones, 1);
    CHECK_EQ(res->c[7], 1);
    free(res);
}

static void case_repeat(void)
{
    /* What this case checks is that nothing is left over from one run to
     * the next, not balance: a tenth of the work per index keeps CI short
     * (bitmap and spread keep the full spin). */
    unsigned spin = g_spin;
    g_spin = spin / 10 ? spin / 10 : 1;
    for (int i = 0; i < 20; i++) {
        struct range r = {0, N};
        /* A different rank holds the work each time. */
        char name[32];
        snprintf(name, sizeof(name), "repeat %d", i);
        run_bitmap(name, &r, g_rank == i % g_ranks);
    }
    g_spin = spin;
}

static void case_fail(void)
{
    struct ws_mpi_config c = base_config(sizeof(struct range), sizeof(struct counts));
    struct counts *res = malloc(sizeof(*res));
    struct bm_user u = {g_ranks - 1, 0};
    struct range all = {0, N};
    struct ws_mpi_stats st;
    char want[64];
    REQUIRE(res != NULL);
    int err = ws_mpi_run(MPI_COMM_WORLD, &c, &bm_ops, &all, g_rank == g_ranks - 1, &u, res, &st);
    CHECK_EQ(err, -EIO);
    snprintf(want, sizeof(want), "rank %d:", g_ranks - 1);
    if (strncmp(st.error, want, strlen(want)) != 0)
        fprintf(stderr, "rank %d: fail: message '%s' does not start with '%s'\n", g_rank, st.error,
                want);
    CHECK(strncmp(st.error, want, strlen(want)) == 0);
    check_same_everywhere(err, st.error, "fail");
    free(res);
}

/* One bad configuration: -EINVAL (or want) everywhere, a message, nothing run. */
static void bad_one(const char *what, struct ws_mpi_config c, const struct ws_mpi_ops *ops,
                    void *result, int want)
{
    struct range all = {0, N};
    struct ws_mpi_stats st;
    struct bm_user u = {-1, 0};
    int err = ws_mpi_run(MPI_COMM_WORLD, &c, ops, &all, 1, &u, result, &st);
    if (err != want || st.error[0] == '\0')
        fprintf(stderr, "rank %d: bad %s: got %d (%s), want %d\n", g_rank, what, err, st.error,
                want);
    CHECK_EQ(err, want);
    CHECK(st.error[0] != '\0');
    CHECK_EQU(st.items, 0);
    check_same_everywhere(err, st.error, what);
    if (g_rank == 0)
        printf("bad %s: %s\n", what, st.error);
}

static void case_bad(void)
{
    struct counts *res = malloc(sizeof(*res));
    struct ws_mpi_ops ops;
    struct ws_mpi_config c;
    REQUIRE(res != NULL);

    c = base_config(0, sizeof(*res));
    bad_one("zero item size", c, &bm_ops, res, -EINVAL);

    c = base_config(sizeof(struct range), sizeof(*res));
    bad_one("NULL ops", c, NULL, res, -EINVAL);
    ops = bm_ops;
    ops.process = NULL;
    bad_one("NULL process", c, &ops, res, -EINVAL);
    ops = bm_ops;
    ops.split = NULL;
    bad_one("NULL split", c, &ops, res, -EINVAL);
    ops = bm_ops;
    ops.merge = NULL;
    bad_one("NULL merge", c, &ops, res, -EINVAL);
    ops = bm_ops;
    ops.reduce = NULL;
    bad_one("NULL reduce", c, &ops, res, -EINVAL);
    bad_one("NULL result", c, &bm_ops, NULL, -EINVAL);

    /* Only one rank is wrong: the others must not hang or go ahead. */
    ops = bm_ops;
    if (g_rank == g_ranks - 1)
        ops.process = NULL;
    bad_one("NULL process on the last rank", c, &ops, res, -EINVAL);
    c = base_config(g_rank == g_ranks - 1 && g_ranks > 1 ? 24 : sizeof(struct range), sizeof(*res));
    if (g_ranks > 1)
        bad_one("item size mismatch", c, &bm_ops, res, -EINVAL);
    c = base_config(sizeof(struct range), sizeof(*res));
    c.mode = (enum ws_mpi_mode)7;
    bad_one("bad mode", c, &bm_ops, res, -EINVAL);
    free(res);
}

static void case_level(int level)
{
    struct counts *res = malloc(sizeof(*res));
    struct ws_mpi_config c = base_config(sizeof(struct range), sizeof(*res));
    REQUIRE(res != NULL);
    c.mode = WS_MPI_POOL;
    if (level < MPI_THREAD_SERIALIZED)
        bad_one("thread level", c, &bm_ops, res, -EPROTONOSUPPORT);
    free(res);
}

int main(int argc, char **argv)
{
    int level = MPI_THREAD_SERIALIZED, provided = 0, ncases = 0;
    const char *cases[16];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--inline") == 0)
            g_inline = 1;
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            g_workers = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc)
            g_chunk = (size_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--poll-us") == 0 && i + 1 < argc)
            g_poll_us = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--blocking") == 0)
            g_blocking = 1;
        else if (strcmp(argv[i], "--spin") == 0 && i + 1 < argc)
            g_spin = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--kill-after") == 0 && i + 1 < argc)
            g_kill_after = atol(argv[++i]);
        else if (strcmp(argv[i], "--level") == 0 && i + 1 < argc) {
            const char *l = argv[++i];
            level = strcmp(l, "funneled") == 0     ? MPI_THREAD_FUNNELED
                    : strcmp(l, "multiple") == 0   ? MPI_THREAD_MULTIPLE
                    : strcmp(l, "serialized") == 0 ? MPI_THREAD_SERIALIZED
                                                   : -1;
            if (level < 0) {
                fprintf(stderr, "test_mpi_bag: --level funneled|serialized|multiple\n");
                return 2;
            }
        } else if (argv[i][0] != '-' && ncases < 16)
            cases[ncases++] = argv[i];
        else {
            fprintf(stderr, "test_mpi_bag: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    MPI_Init_thread(&argc, &argv, level, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_ranks);
    if (!g_inline) {
        struct ws_config wc = WS_CONFIG_INIT;
        wc.workers = g_workers;
        wc.pin = WS_PIN_NONE; /* ranks share the cores: pinning would stack them */
        int e = ws_pool_create(&g_pool, &wc);
        REQUIRE(e == 0);
    }
    if (ncases == 0) {
        static const char *const all[] = {"bitmap", "spread", "empty", "leaf",
                                          "repeat", "fail",   "bad"};
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
            cases[ncases++] = all[i];
    }
    if (g_rank == 0)
        printf("test_mpi_bag: %d ranks, %s, thread level %d\n", g_ranks,
               g_inline ? "inline" : "pool", provided);
    for (int i = 0; i < ncases; i++) {
        const char *c = cases[i];
        if (strcmp(c, "bitmap") == 0)
            case_bitmap();
        else if (strcmp(c, "spread") == 0)
            case_spread();
        else if (strcmp(c, "empty") == 0)
            case_empty();
        else if (strcmp(c, "leaf") == 0)
            case_leaf();
        else if (strcmp(c, "repeat") == 0)
            case_repeat();
        else if (strcmp(c, "fail") == 0)
            case_fail();
        else if (strcmp(c, "bad") == 0)
            case_bad();
        else if (strcmp(c, "level") == 0)
            case_level(provided);
        else {
            fprintf(stderr, "test_mpi_bag: unknown case '%s'\n", c);
            check_failures++;
        }
    }
    ws_pool_destroy(g_pool);
    /* Every rank's verdict, so that one failing rank fails the job. */
    int mine = check_failures, total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Finalize();
    if (g_rank != 0)
        return mine ? 1 : 0;
    check_failures = total;
    return check_report("test_mpi_bag");
}
