/*
 * test_uts.c - UTS: SHA-1 against FIPS 180-4, the five published sample
 * trees, reference-argument parsing and its errors, the uts workload on the
 * serial executor (fork-join and flat), the failure reports, and the serial
 * executor itself.
 *
 * Usage: test_uts [--quick | --large]
 *   --quick  for sanitizer builds (5-20x slower): sample trees T1 and T3
 *            only, each counted once; everything else as in the full run.
 *            The full run takes a few seconds at -O2.
 *   --large  also the large trees T1L and T3L (10^8 nodes each; T3L 17,844
 *            levels deep), counted and walked fork-join on the stealing
 *            executor: tens of seconds (ctest label "large", not in CI).
 * A fork-join walk on a thread with a small stack (256 KiB over the reserve)
 * must fail with a message about the stack, never crash.
 * Prints each sample tree's SHA-1 nodes/second (information, not a check).
 */
#include "check.h"
#include "exec/exec.h"
#include "workloads/uts/sha1.h"
#include "workloads/uts/uts_tree.h"
#include "workloads/workload.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

extern const struct exec_ops exec_serial;
extern const struct workload workload_uts;

static int quick, large;
extern const struct exec_ops exec_stealing;

/* ---- SHA-1 --------------------------------------------------------------------------------- */

static void hex(char out[2 * SHA1_DIGEST_LEN + 1], const uint8_t d[SHA1_DIGEST_LEN])
{
    int i;

    for (i = 0; i < SHA1_DIGEST_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The digest of msg fed in pieces of chunk bytes (0: all at once). */
static void digest_chunked(enum sha1_impl impl, const char *msg, size_t len, size_t chunk,
                           char out[2 * SHA1_DIGEST_LEN + 1])
{
    struct sha1_ctx c;
    uint8_t d[SHA1_DIGEST_LEN];
    size_t off, n;

    REQUIRE(sha1_init(&c, impl) == 0);
    for (off = 0; off < len; off += n) {
        n = chunk && chunk < len - off ? chunk : len - off;
        sha1_update(&c, msg + off, n);
    }
    sha1_final(&c, d);
    hex(out, d);
}

static void test_sha1_impl(enum sha1_impl impl)
{
    /* FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values") and the classic
     * long-message vector. */
    static const struct {
        const char *msg;
        const char *digest;
    } v[] = {
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq"
         "rlmnopqrsmnopqrstnopqrstu",
         "a49b2446a02c645bf419f995b67091253a04a259"},
    };
    static const size_t chunks[] = {0, 1, 3, 55, 63, 64, 65};
    sha1_short_fn sf = sha1_short_get(impl);
    char got[2 * SHA1_DIGEST_LEN + 1];
    uint8_t d[SHA1_DIGEST_LEN];
    size_t i, j;
    char *million;

    REQUIRE(sf != NULL);
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++) {
            digest_chunked(impl, v[i].msg, strlen(v[i].msg), chunks[j], got);
            CHECK_STREQ(got, v[i].digest);
        }
        /* The one-block path, and its fallback for the two longer messages. */
        sf(v[i].msg, strlen(v[i].msg), d);
        hex(got, d);
        CHECK_STREQ(got, v[i].digest);
    }
    million = malloc(1000000);
    REQUIRE(million != NULL);
    memset(million, 'a', 1000000);
    digest_chunked(impl, million, 1000000, 1000, got);
    CHECK_STREQ(got, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    free(million);
}

static void test_sha1(void)
{
    uint8_t msg[130], a[SHA1_DIGEST_LEN], b[SHA1_DIGEST_LEN];
    sha1_short_fn portable = sha1_short_get(SHA1_IMPL_PORTABLE);
    sha1_short_fn best = sha1_short_get(SHA1_IMPL_AUTO);
    size_t len, i;

    printf("sha1: auto is %s\n", sha1_impl_name(SHA1_IMPL_AUTO));
    test_sha1_impl(SHA1_IMPL_PORTABLE);
    if (sha1_impl_resolve(SHA1_IMPL_SHANI) == SHA1_IMPL_SHANI)
        test_sha1_impl(SHA1_IMPL_SHANI);
    else
        printf("sha1: no SHA extensions on this CPU; shani path not tested\n");
    CHECK_EQ(sha1_impl_resolve(SHA1_IMPL_AUTO) > 0, 1);
    CHECK_EQ(sha1_impl_resolve((enum sha1_impl)42), -EINVAL);
    CHECK(sha1_short_get((enum sha1_impl)42) == NULL);
    CHECK_STREQ(sha1_impl_name((enum sha1_impl)42), "?");

    /* Every length around the one-block boundary: both implementations agree. */
    for (i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 37 + 11);
    for (len = 0; len <= sizeof(msg); len++) {
        portable(msg, len, a);
        best(msg, len, b);
        CHECK_EQ(memcmp(a, b, sizeof(a)), 0);
    }
}

/* ---- parsing ------------------------------------------------------------------------------- */

static void test_parse(void)
{
    static const struct {
        const char *spec;
        const char *mention; /* the error names this */
    } bad[] = {
        {"-t 4", "-t 4"},
        {"-t -1", "-t -1"},
        {"-t", "-t needs a value"},
        {"-x 1", "'-x'"},
        {"t 1", "'t'"},
        {"--t 1", "'--t'"},
        {"1", "'1'"},
        {"T6", "'T6'"},
        {"-t 1.5", "-t '1.5'"},
        {"-t 0x1", "-t '0x1'"},
        {"-r 99999999999", "-r '99999999999'"},
        {"-b -1", "-b -1"},
        {"-b nan", "-b 'nan'"},
        {"-b inf", "-b 'inf'"},
        {"-b 1e6", "-b 1e+06"},
        {"-b 4x", "-b '4x'"},
        {"-q 1.5", "-q 1.5"},
        {"-q -0.1", "-q -0.1"},
        {"-m 101", "-m 101"},
        {"-m -1", "-m -1"},
        {"-d 0", "-d 0"},
        {"-a 1 -d 1", "EXPDEC"},
        {"-a 4", "-a 4"},
        {"-g 0", "-g 0"},
        {"-f 2", "-f 2"},
        {"-t 1 -b", "-b needs a value"},
        {"-b 11111111111111111111111111111111111111111111111111111111111111111111", "too long"},
    };
    struct uts_params p, q;
    char err[256];
    size_t i;
    int r;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uts_params_default(&p);
        q = p;
        err[0] = '\0';
        r = uts_params_parse(&p, bad[i].spec, err, sizeof(err));
        CHECK_EQ(r, -EINVAL);
        if (!strstr(err, bad[i].mention))
            CHECK_FAIL_("spec \"%s\": error \"%s\" does not mention \"%s\"", bad[i].spec, err,
                        bad[i].mention);
        CHECK_EQ(memcmp(&p, &q, sizeof(p)), 0); /* untouched on error */
    }
    CHECK_EQ(uts_params_parse(&p, NULL, err, sizeof(err)), -EINVAL);
    CHECK_EQ(uts_params_parse(&p, "-t 9", NULL, 0), -EINVAL); /* no err buffer is fine */

    /* The defaults are the reference's; a sample name equals its arguments. */
    CHECK_EQ(uts_params_parse(&p, "", err, sizeof(err)), 0);
    uts_params_default(&q);
    CHECK_EQ(memcmp(&p, &q, sizeof(p)), 0);
    CHECK_EQ(p.type, UTS_GEO);
    CHECK_EQ(p.gen_mx, 6);
    CHECK(p.b0 == 4.0 && p.q == 15.0 / 64.0 && p.shift == 0.5);
    CHECK_EQ(uts_params_parse(&p, "T3", err, sizeof(err)), 0);
    CHECK_EQ(uts_params_parse(&q, " -t 0\t-b 2000  -q 0.124875 -m 8 -r 42 ", err, sizeof(err)), 0);
    CHECK_EQ(memcmp(&p, &q, sizeof(p)), 0);
    CHECK_EQ(p.type, UTS_BIN);
    CHECK_EQ(p.m, 8);
    CHECK_EQ(p.seed, 42);
    CHECK(p.b0 == 2000.0 && p.q == 0.124875);
    CHECK_EQ(uts_params_parse(&p, "-t 2 -f 0.25 -g 3 -r -5 -a 2 -d 7", err, sizeof(err)), 0);
    CHECK(p.shift == 0.25);
    CHECK_EQ(p.gran, 3);
    CHECK_EQ(p.seed, -5);
    CHECK_EQ(p.shape, UTS_CYCLIC);
    CHECK(uts_sample_find("T7") == NULL);
    CHECK(uts_sample_find(NULL) == NULL);
}

/* ---- trees --------------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static struct uts_count count_tree(const char *spec, enum sha1_impl impl, double *secs)
{
    struct uts_params p;
    struct uts_tree t;
    struct uts_node root;
    struct uts_count c = {0, 0, 0};
    char err[256];
    double t0;

    REQUIRE(uts_params_parse(&p, spec, err, sizeof(err)) == 0);
    REQUIRE(uts_tree_init(&t, &p, impl, err, sizeof(err)) == 0);
    t0 = now_s();
    uts_root(&t, &root);
    CHECK_EQ(uts_count(&t, &root, UTS_MAX_NODES, &c), 0);
    if (secs)
        *secs = now_s() - t0;
    return c;
}

static void test_samples(void)
{
    int i, k, nimpl = quick ? 1 : 2;
    enum sha1_impl impls[2] = {SHA1_IMPL_AUTO, SHA1_IMPL_PORTABLE};

    for (i = 0; i < UTS_NSAMPLES; i++) {
        const struct uts_sample *s = &uts_samples[i];

        if ((quick && strcmp(s->name, "T1") && strcmp(s->name, "T3")) || (s->large && !large))
            continue;
        for (k = 0; k < nimpl; k++) {
            double secs;
            struct uts_count c = count_tree(s->name, impls[k], &secs);

            CHECK_EQU(c.nodes, s->nodes);
            CHECK_EQU(c.leaves, s->leaves);
            CHECK_EQU(c.max_depth, s->max_depth);
            printf("uts %s (%s): %" PRIu64 " nodes, %" PRIu64 " leaves, depth %" PRIu64
                   ", %.2f M SHA-1 nodes/s [%s]\n",
                   s->name, s->spec, c.nodes, c.leaves, c.max_depth, (double)c.nodes / secs / 1e6,
                   sha1_impl_name(impls[k]));
        }
    }

    /* Known by construction: a BALANCED tree of branching 3 and depth 5, a single node. */
    {
        struct uts_count c = count_tree("-t 3 -b 3 -d 5", SHA1_IMPL_AUTO, NULL);
        CHECK_EQU(c.nodes, 364);
        CHECK_EQU(c.leaves, 243);
        CHECK_EQU(c.max_depth, 5);
        c = count_tree("-t 1 -a 3 -b 0 -r 7", SHA1_IMPL_AUTO, NULL);
        CHECK_EQU(c.nodes, 1);
        CHECK_EQU(c.leaves, 1);
    }
    /* Granularity repeats work, not the tree; both SHA-1s give the same tree. */
    {
        struct uts_count a =
            count_tree("-t 2 -a 1 -d 8 -b 4 -r 1 -q 0.2 -m 4", SHA1_IMPL_AUTO, NULL);
        struct uts_count b =
            count_tree("-t 2 -a 1 -d 8 -b 4 -r 1 -q 0.2 -m 4 -g 3", SHA1_IMPL_PORTABLE, NULL);
        CHECK(a.nodes > 500); /* 818 */
        CHECK_EQU(a.nodes, b.nodes);
        CHECK_EQU(a.leaves, b.leaves);
        CHECK_EQU(a.max_depth, b.max_depth);
    }
    /* A supercritical binomial tree (q m = 2) never ends: the node limit stops it. */
    {
        struct uts_params p;
        struct uts_tree t;
        struct uts_node root;
        struct uts_count c = {0, 0, 0};

        REQUIRE(uts_params_parse(&p, "-t 0 -b 4 -q 0.5 -m 4 -r 1", NULL, 0) == 0);
        REQUIRE(uts_tree_init(&t, &p, SHA1_IMPL_AUTO, NULL, 0) == 0);
        uts_root(&t, &root);
        CHECK_EQ(uts_count(&t, &root, 100000, &c), -EFBIG);
        CHECK_EQU(c.nodes, 100000);
    }
}

/* ---- the workload -------------------------------------------------------------------------- */

/* exec_serial, but flat: the workload must cut the tree into pieces. */
static struct exec_ops flat_ops;

/* exec_serial, but forkn drops the last child: a wrong answer to catch. */
static void lossy_forkn(struct exec *x, size_t n, exec_fork_fn fn, void *arg)
{
    exec_serial.forkn(x, n > 1 ? n - 1 : n, fn, arg);
}
static struct exec_ops lossy_ops;

/* exec_serial's map, but piece 2 "dies". */
static int dying_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n)
{
    int r = exec_serial.map(x, fn, pieces, n);

    if (r == 0 && n > 2) {
        pieces[2].status = -ECHILD;
        r = -ECHILD;
    }
    return r;
}
static struct exec_ops dying_ops;

static void init_fake_ops(void)
{
    flat_ops = exec_serial;
    flat_ops.name = "serial-flat";
    flat_ops.flags &= ~EXEC_NESTS;
    flat_ops.run = NULL;
    flat_ops.forkn = NULL;
    lossy_ops = exec_serial;
    lossy_ops.name = "lossy";
    lossy_ops.forkn = lossy_forkn;
    dying_ops = flat_ops;
    dying_ops.name = "dying";
    dying_ops.map = dying_map;
}

/* Prepares params and runs the twin, fork-join and flat; all must agree. */
struct on_stack {
    void *state;
    struct exec *x;
    struct work_run *run;
    int err;
};

static void *on_stack_main(void *arg)
{
    struct on_stack *s = arg;
    s->err = workload_run(&workload_uts, s->state, &exec_serial, s->x, s->run);
    return NULL;
}

/* The fork-join form on the serial executor, on a thread of the given stack
 * (the serial executor recurses on its caller's). */
static int run_on_stack(void *state, struct exec *x, size_t stack, struct work_run *run)
{
    struct on_stack s = {state, x, run, 0};
    pthread_attr_t a;
    pthread_t t;
    REQUIRE(pthread_attr_init(&a) == 0);
    REQUIRE(pthread_attr_setstacksize(&a, stack) == 0);
    REQUIRE(pthread_create(&t, &a, on_stack_main, &s) == 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&a);
    return s.err;
}

static void run_all_ways(const char *params, struct exec *x)
{
    const struct workload *w = &workload_uts;
    struct work_run twin, fj, flat;
    char err[256];
    void *st = NULL;
    int r;

    r = w->prepare(&st, params, err, sizeof(err));
    CHECK_EQ(r, 0);
    if (r) {
        fprintf(stderr, "  prepare(%s): %s\n", params, err);
        return;
    }
    memset(&twin, 0, sizeof(twin));
    memset(&fj, 0, sizeof(fj));
    memset(&flat, 0, sizeof(flat));
    CHECK_EQ(w->serial(st, &twin), 0);
    CHECK_EQ(workload_run(w, st, &exec_serial, x, &fj), 0);
    CHECK_EQ(workload_run(w, st, &flat_ops, x, &flat), 0);
    if (twin.error[0] || fj.error[0] || flat.error[0])
        fprintf(stderr, "  %s: twin \"%s\" fork-join \"%s\" flat \"%s\"\n", params, twin.error,
                fj.error, flat.error);
    /* Fork-join runs a task per node; flat a piece per frontier node (1 worker: >= 16). */
    CHECK_EQU(fj.tasks, twin.tasks);
    CHECK(flat.tasks >= 16 || flat.tasks == 0); /* 0: the caller expanded the whole tree */
    CHECK(flat.tasks < twin.tasks);
    printf("uts %s: %" PRIu64 " nodes; flat run: %" PRIu64 " pieces\n", params, twin.tasks,
           flat.tasks);
    w->release(st);
}

static void test_workload(void)
{
    const struct workload *w = &workload_uts;
    struct exec *x = NULL;
    struct work_run run;
    char err[256];
    void *st = NULL;
    size_t i;
    static const char *bad[] = {
        "",
        "n:3",
        "tree:T9",
        "tree:T1/spec:-t_1",
        "spec:-t_9",
        "spec:-q_2",
        "spec:-t_1_-b",
        "spec:-t_1/max_nodes:0",
        "spec:-t_0_-b_4_-q_0.5_-m_4_-r_1/max_nodes:1000",
    };

    init_fake_ops();
    CHECK_STREQ(w->name, "uts");
    CHECK_STREQ(w->kind, "cpu");
    REQUIRE(exec_serial.create(&x, NULL) == 0);

    /* Every tree type, fork-join and flat against the twin. */
    run_all_ways(w->params_quick, x);
    run_all_ways("spec:-t_0_-b_50_-q_0.2_-m_4_-r_7", x);
    run_all_ways("spec:-t_2_-a_0_-d_10_-b_4_-r_1_-q_0.2_-m_4", x);
    run_all_ways("spec:-t_1_-a_2_-d_5_-b_3_-r_9", x);
    run_all_ways("spec:-t_3_-b_4_-d_5", x);
    run_all_ways("spec:-t_1_-a_3_-b_0_-r_7", x); /* one node: no pieces at all */
    run_all_ways(quick ? "tree:T1" : "tree:T3", x);
    if (!quick)
        run_all_ways("tree:T1", x);

    /* Parameters that must not prepare. */
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        st = NULL;
        if (w->prepare(&st, bad[i], err, sizeof(err)) == 0) {
            CHECK_FAIL_("prepare(\"%s\") succeeded", bad[i]);
            w->release(st);
            continue;
        }
        CHECK(err[0] != '\0');
        printf("  prepare(\"%s\"): %s\n", bad[i], err);
    }
    CHECK(strstr(err, "more than 1000 nodes") != NULL);

    /* A chain 5000 deep: no limit in levels any more (the stack decides,
     * see test_short_stack), fork-join, flat and serially. */
    REQUIRE(w->prepare(&st, "spec:-t_3_-b_1_-d_5000", err, sizeof(err)) == 0);
    memset(&run, 0, sizeof(run));
    CHECK_EQ(run_on_stack(st, x, (size_t)64 << 20, &run), 0);
    CHECK_EQU(run.tasks, 5001);
    CHECK_EQ(workload_run(w, st, &flat_ops, x, &run), 0);
    CHECK_EQ(w->serial(st, &run), 0);
    CHECK_EQU(run.tasks, 5001);
    w->release(st);

    /* Wrong answers and dead pieces fail the run, naming workload, tree and executor. */
    REQUIRE(w->prepare(&st, "spec:-t_3_-b_3_-d_5", err, sizeof(err)) == 0);
    memset(&run, 0, sizeof(run));
    CHECK_EQ(workload_run(w, st, &lossy_ops, x, &run), -EPROTO);
    /* Each non-leaf loses its last child: 1 + 2 + 4 + 8 + 16 + 32 nodes survive. */
    CHECK_STREQ(run.error, "uts/spec:-t_3_-b_3_-d_5 on lossy: 63 nodes, expected 364");
    memset(&run, 0, sizeof(run));
    CHECK_EQ(workload_run(w, st, &dying_ops, x, &run), -ECHILD);
    CHECK_STREQ(run.error, "uts/spec:-t_3_-b_3_-d_5 on dying: piece 2 failed: No child processes");
    w->release(st);

    exec_serial.destroy(x);
}

/* ---- the serial executor ------------------------------------------------------------------- */

static int piece_square(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    uint64_t v;

    if (arg_len != sizeof(v) || res_cap < sizeof(v))
        return -EINVAL;
    memcpy(&v, arg, sizeof(v));
    if (v == 13)
        return -EDOM;
    v *= v;
    memcpy(res, &v, sizeof(v));
    *res_len = sizeof(v);
    return 0;
}

static void fork_count(struct exec *x, void *arg, size_t i)
{
    (void)x;
    ((uint64_t *)arg)[i]++;
}

static void root_forks(struct exec *x, void *arg, size_t i)
{
    CHECK_EQU(i, 0);
    exec_serial.forkn(x, 5, fork_count, arg);
}

static void test_exec_serial(void)
{
    struct exec_config cfg = {.workers = 8};
    struct exec_piece pc[20];
    uint64_t args[20], res[20], forks[5] = {0};
    struct exec *x = NULL;
    size_t i;

    CHECK_STREQ(exec_serial.name, "serial");
    CHECK_EQU(exec_serial.flags, EXEC_NESTS);
    CHECK_EQ(exec_serial.create(NULL, &cfg), -EINVAL);
    REQUIRE(exec_serial.create(&x, &cfg) == 0);
    CHECK_EQ(exec_serial.workers(x), 1); /* asked for 8, runs 1, says so */

    memset(pc, 0, sizeof(pc));
    for (i = 0; i < 20; i++) {
        args[i] = i;
        pc[i].id = (uint32_t)i;
        pc[i].arg = &args[i];
        pc[i].arg_len = sizeof(args[i]);
        pc[i].res = &res[i];
        pc[i].res_cap = sizeof(res[i]);
    }
    CHECK_EQ(exec_serial.map(x, piece_square, pc, 12), 0);
    for (i = 0; i < 12; i++) {
        CHECK_EQ(pc[i].status, 0);
        CHECK_EQU(pc[i].res_len, sizeof(uint64_t));
        CHECK_EQU(res[i], i * i);
        CHECK(pc[i].t_submit_ns <= pc[i].t_start_ns && pc[i].t_start_ns <= pc[i].t_done_ns);
        if (i)
            CHECK(pc[i - 1].t_done_ns <= pc[i].t_start_ns); /* in order, one at a time */
    }
    /* Piece 13 fails; the rest still run, and map returns the first failure. */
    args[15] = 13;
    CHECK_EQ(exec_serial.map(x, piece_square, pc, 20), -EDOM);
    CHECK_EQ(pc[13].status, -EDOM);
    CHECK_EQ(pc[15].status, -EDOM);
    CHECK_EQ(pc[19].status, 0);
    CHECK_EQU(res[19], 19 * 19);
    pc[0].res_cap = 4; /* too small: the piece refuses */
    CHECK_EQ(exec_serial.map(x, piece_square, pc, 1), -EINVAL);

    CHECK_EQ(exec_serial.map(x, piece_square, pc, 0), 0);
    CHECK_EQ(exec_serial.map(x, NULL, pc, 1), -EINVAL);
    CHECK_EQ(exec_serial.map(x, piece_square, NULL, 1), -EINVAL);
    CHECK_EQ(exec_serial.map(NULL, piece_square, pc, 1), -EINVAL);
    CHECK_EQ(exec_serial.run(x, NULL, NULL), -EINVAL);
    CHECK_EQ(exec_serial.run(x, root_forks, forks), 0);
    for (i = 0; i < 5; i++)
        CHECK_EQU(forks[i], 1);
    exec_serial.destroy(x);
    exec_serial.destroy(NULL);
}

/* T3 (depth 1,572) walked fork-join by the serial executor, on a thread of
 * 512 KiB: more levels than fit above the 256 KiB reserve. A clean failure
 * that says so, not a segmentation fault. */
static void test_short_stack(void)
{
    struct work_run run = {0};
    struct exec *x = NULL;
    char err[256];
    void *st = NULL;
    REQUIRE(workload_uts.prepare(&st, "tree:T3", err, sizeof(err)) == 0);
    REQUIRE(exec_serial.create(&x, NULL) == 0);
    CHECK_EQ(run_on_stack(st, x, (size_t)512 << 10, &run), -E2BIG);
    CHECK(strstr(run.error, "stack") != NULL && strstr(run.error, "ran out at depth") != NULL);
    printf("uts on a 512 KiB thread: %s\n", run.error);
    exec_serial.destroy(x);
    workload_uts.release(st);
}

/* T1L and T3L fork-join on the stealing executor (64 MiB worker stacks),
 * 2 workers: the published counts. */
static void test_large_forkjoin(void)
{
    static const char *const trees[] = {"tree:T1L", "tree:T3L"};
    struct exec_config cfg = {.workers = 2};
    struct exec *x = NULL;
    REQUIRE(exec_stealing.create(&x, &cfg) == 0);
    for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
        struct work_run run = {0};
        char err[256];
        void *st = NULL;
        REQUIRE(workload_uts.prepare(&st, trees[i], err, sizeof(err)) == 0);
        CHECK_EQ(workload_run(&workload_uts, st, &exec_stealing, x, &run), 0);
        if (run.error[0])
            fprintf(stderr, "  %s: %s\n", trees[i], run.error);
        printf("uts %s fork-join on stealing (2 workers): %" PRIu64 " tasks\n", trees[i],
               run.tasks);
        workload_uts.release(st);
    }
    exec_stealing.destroy(x);
}

int main(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--large") == 0) {
            large = 1;
        } else {
            fprintf(stderr, "usage: %s [--quick | --large]\n", argv[0]);
            return 2;
        }
    }
    test_sha1();
    test_parse();
    test_samples();
    test_exec_serial();
    test_workload();
    test_short_stack();
    if (large)
        test_large_forkjoin();
    return check_report("test_uts");
}
