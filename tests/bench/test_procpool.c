/*
 * test_procpool.c - the procpool executor (bench/exec_procpool.c): every
 * piece runs exactly once in a worker process and its answer comes back, at
 * 1 to 64 workers; arguments and results bigger than the shared area grow
 * it; piece errors and -EMSGSIZE stay with their piece; a worker killed by
 * its piece (SIGKILL, _exit) fails that piece with -ECHILD, is named in
 * last_error() and is replaced; a worker killed from outside between maps
 * is replaced; when no replacement can be forked the survivors finish, and
 * with none left the rest fail; bad arguments, and -EBUSY for a concurrent
 * map(); no descriptor, child or zombie leaks over 100 create/destroy cycles.
 *
 * Usage: test_procpool [pieces]   (default 10000)
 */
#include <pthread.h>
#include <sys/mman.h>

#include "check.h"
#include "exec_check.h"

extern const struct exec_ops exec_procpool;
static const struct exec_ops *const ops = &exec_procpool;

static size_t npieces;
static size_t nslots;

static void reset_runs(void)
{
    tpiece_reset_runs(nslots);
}

/* The message mentions `what`. */
static void check_message(struct exec *x, const char *what)
{
    const char *m = ops->last_error(x);

    if (strstr(m, what) == NULL)
        CHECK_FAIL_("last_error \"%s\" does not say \"%s\"", m, what);
}

/* After a conservation run: no message, and one process per worker. */
static void conservation_also(struct exec *x)
{
    CHECK_STREQ(ops->last_error(x), "");
    CHECK_EQU(count_children(), ops->workers(x));
}

/* Arguments and results far bigger than the initial 64 KiB shared area. */
static void test_big(void)
{
    enum { N = 12 };
    struct exec *x = texec_make(ops, 2);
    struct exec_piece p[N];
    unsigned char *args[N], *res[N];
    size_t arg_len[N];

    reset_runs();
    for (size_t i = 0; i < N; i++) {
        struct tpiece_arg a = {.value = (uint32_t)i,
                               .action = i % 2 ? TP_SUM : TP_OK,
                               .len = (uint32_t)(i * 50000),
                               .slot = (uint32_t)i};
        arg_len[i] = sizeof(a) + (i % 2 ? i * 70000 : 0);
        args[i] = malloc(arg_len[i]);
        res[i] = malloc(a.len + 8);
        REQUIRE(args[i] != NULL && res[i] != NULL);
        memcpy(args[i], &a, sizeof(a));
        for (size_t j = sizeof(a); j < arg_len[i]; j++)
            args[i][j] = (unsigned char)(j * 13 + i);
        p[i] = (struct exec_piece){.id = (uint32_t)i,
                                   .arg = args[i],
                                   .arg_len = arg_len[i],
                                   .res = res[i],
                                   .res_cap = a.len + 8};
    }
    CHECK_EQ(ops->map(x, tpiece, p, N), 0);
    for (size_t i = 0; i < N; i++) {
        CHECK_EQ(p[i].status, 0);
        CHECK_EQU(atomic_load_explicit(&tpiece_runs[i], memory_order_relaxed), 1);
        if (i % 2) {
            uint64_t want = 0, got = 0;
            for (size_t j = sizeof(struct tpiece_arg); j < arg_len[i]; j++)
                want += args[i][j];
            CHECK_EQU(p[i].res_len, sizeof(got));
            memcpy(&got, res[i], sizeof(got));
            CHECK_EQU(got, want);
        } else {
            CHECK_EQU(p[i].res_len, i * 50000);
            CHECK(tpiece_answer_ok((uint32_t)i, res[i], p[i].res_len));
        }
        free(args[i]);
        free(res[i]);
    }
    ops->destroy(x);
}

static void test_piece_errors(void)
{
    struct exec *x = texec_make(ops, 3);
    struct tbatch b;

    texec_piece_errors(ops, x);
    CHECK_STREQ(ops->last_error(x), "");
    /* An argument that is not there: refused by the executor, never run. */
    tbatch_init(&b, 3, 4096);
    reset_runs();
    b.p[1].arg = NULL;
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), -EINVAL);
    tbatch_check_piece(&b, 0, 0);
    tbatch_check_piece(&b, 2, 0);
    CHECK_EQ(b.p[1].status, -EINVAL);
    CHECK_EQU(atomic_load_explicit(&tpiece_runs[1], memory_order_relaxed), 0);
    tbatch_free(&b);
    ops->destroy(x);
}

/* Pieces kill their own workers; the rest of the map and the next map go on. */
static void test_piece_kills_worker(void)
{
    struct exec *x = texec_make(ops, 4);
    struct tbatch b;

    tbatch_init(&b, 1000, 4096);
    reset_runs();
    b.args[17].action = TP_KILL;
    b.args[400].action = TP_EXIT;
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), -ECHILD);
    for (size_t i = 0; i < b.n; i++)
        tbatch_check_piece(&b, i, i == 17 || i == 400 ? -ECHILD : 0);
    /* Both named: which one map() notices first depends on the scheduler. */
    check_message(x, "died (signal 9) running piece 17");
    check_message(x, "died (exit 7) running piece 400");
    check_message(x, "2 workers died in all");
    printf("test_procpool: last_error: %s\n", ops->last_error(x));
    CHECK_EQU(ops->workers(x), 4);  /* both replaced */
    CHECK_EQU(count_children(), 4); /* and both reaped: no zombie */

    /* Only the _exit: the message gives its exit code. */
    reset_runs();
    for (size_t i = 0; i < b.n; i++)
        b.args[i].action = i == 999 ? TP_EXIT : TP_OK;
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), -ECHILD);
    for (size_t i = 0; i < b.n; i++)
        tbatch_check_piece(&b, i, i == 999 ? -ECHILD : 0);
    check_message(x, "died (exit 7) running piece 999");

    /* A second map with nothing wrong succeeds on the replacements. */
    reset_runs();
    b.args[999].action = TP_OK;
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), 0);
    CHECK_STREQ(ops->last_error(x), "");
    for (size_t i = 0; i < b.n; i++)
        tbatch_check_piece(&b, i, 0);
    tbatch_free(&b);
    ops->destroy(x);
    CHECK_EQU(count_children(), 0);
}

/* Maps n TP_PID pieces; pids[] gets each answer. */
static int map_pids(struct exec *x, size_t n, int32_t *pids)
{
    struct tbatch b;
    int r;

    tbatch_init(&b, n, sizeof(int32_t));
    for (size_t i = 0; i < n; i++)
        b.args[i].action = TP_PID;
    r = ops->map(x, tpiece, b.p, b.n);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(b.p[i].status, 0);
        memcpy(&pids[i], b.p[i].res, sizeof(pids[i]));
    }
    tbatch_free(&b);
    return r;
}

/* kill -9 of an idle worker between maps: the next map replaces it, and loses nothing. */
static void test_external_kill(void)
{
    enum { W = 3, N = 300 };
    struct exec *x = texec_make(ops, W);
    int32_t first[W], later[N];
    siginfo_t si;

    reset_runs();
    /* The first W pieces go one to each idle worker: their answers are all the pids. */
    CHECK_EQ(map_pids(x, W, first), 0);
    CHECK(first[0] != first[1] && first[1] != first[2] && first[0] != first[2]);
    REQUIRE(kill(first[1], SIGKILL) == 0);
    /* Wait until it is dead, leaving the zombie for the pool to reap. */
    REQUIRE(waitid(P_PID, (id_t)first[1], &si, WEXITED | WNOWAIT) == 0);

    reset_runs();
    CHECK_EQ(map_pids(x, N, later), 0);
    CHECK_STREQ(ops->last_error(x), "");
    CHECK_EQU(ops->workers(x), W);
    CHECK_EQU(count_children(), W);
    for (size_t i = 0; i < N; i++)
        CHECK_NE(later[i], first[1]);
    ops->destroy(x);
    CHECK_EQU(count_children(), 0);
}

/* Children are reaped by the time destroy() returns: no waiting for them. */
static size_t count_children_now(size_t want)
{
    (void)want;
    return count_children();
}

static void test_cycles(void)
{
    texec_cycles(ops, count_children_now);
    CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD); /* nothing left to reap */
}

/* In a child limited to 3 processes: 16 workers cannot all start; nothing is left behind. */
static int limited_create(void *unused)
{
    struct exec_config cfg = {.workers = 16};
    struct exec *x = (struct exec *)(void *)&cfg;
    size_t fds = count_fds();

    (void)unused;
    CHECK_EQ(ops->create(&x, &cfg), -EAGAIN);
    CHECK(x == NULL);
    CHECK_EQU(count_children(), 0);
    CHECK_EQU(count_fds(), fds);
    return check_failures;
}

/*
 * In a limited child: workers die and cannot be replaced. The survivor
 * finishes the map; when the last dies, the rest fail; when forks work
 * again, the next map refills the pool.
 */
static int limited_replace(void *unused)
{
    struct exec *x;
    struct tbatch b;

    (void)unused;
    set_nproc(64);
    x = texec_make(ops, 2);
    set_nproc(1); /* no fork succeeds from here */
    tbatch_init(&b, 100, 4096);

    reset_runs();
    b.args[3].action = TP_KILL;
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), -ECHILD);
    for (size_t i = 0; i < b.n; i++)
        tbatch_check_piece(&b, i, i == 3 ? -ECHILD : 0);
    CHECK_EQU(ops->workers(x), 1);
    check_message(x, "running piece 3");
    check_message(x, "replacement fork failed");

    /* The last worker dies running piece 3; 4..99 have nobody to run them. */
    reset_runs();
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), -ECHILD);
    for (size_t i = 0; i < 3; i++)
        tbatch_check_piece(&b, i, 0);
    CHECK_EQ(b.p[3].status, -ECHILD);
    for (size_t i = 4; i < b.n; i++) {
        CHECK_EQ(b.p[i].status, -ECHILD);
        CHECK_EQU(atomic_load_explicit(&tpiece_runs[i], memory_order_relaxed), 0);
        CHECK_LE(b.p[i].t_submit_ns, b.p[i].t_start_ns);
        CHECK_LE(b.p[i].t_start_ns, b.p[i].t_done_ns);
    }
    CHECK_EQU(ops->workers(x), 0);
    check_message(x, "no worker left, 96 pieces not run");
    printf("test_procpool: last_error: %s\n", ops->last_error(x));

    /* No worker, no fork: everything fails, nothing hangs. */
    reset_runs();
    b.args[3].action = TP_OK;
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), -ECHILD);
    CHECK_EQ(b.p[0].status, -ECHILD);
    check_message(x, "no worker left, 100 pieces not run");

    /* Forks work again: the pool heals. */
    set_nproc(64);
    reset_runs();
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), 0);
    for (size_t i = 0; i < b.n; i++)
        tbatch_check_piece(&b, i, 0);
    CHECK_EQU(ops->workers(x), 2);
    tbatch_free(&b);
    ops->destroy(x);
    CHECK_EQU(count_children(), 0);
    return check_failures;
}

static void test_limited(void)
{
    int r = run_limited(3, limited_create, NULL);

    if (r == TLIMITED_SKIP) {
        printf("test_procpool: cannot drop root, fork failures not tested\n");
        return;
    }
    CHECK_EQ(r, 0);
    CHECK_EQ(run_limited(3, limited_replace, NULL), 0);
}

struct gated_map {
    struct exec *x;
    struct tbatch b;
    int ret;
};

static void *gated_map_main(void *arg)
{
    struct gated_map *g = arg;
    g->ret = ops->map(g->x, tpiece, g->b.p, g->b.n);
    return NULL;
}

/* A second map() while one runs: -EBUSY, and the first is unharmed. */
static void test_busy(void)
{
    struct gated_map g = {.x = texec_make(ops, 1)};
    struct tbatch b;
    pthread_t t;

    reset_runs();
    atomic_store(&tpiece_gate[0], 0);
    atomic_store(&tpiece_gate[1], 0);
    tbatch_init(&g.b, 1, 4096);
    g.b.args[0].action = TP_GATE;
    REQUIRE(pthread_create(&t, NULL, gated_map_main, &g) == 0);
    while (atomic_load(&tpiece_gate[0]) == 0) /* the first map() is running its piece */
        usleep(1000);
    tbatch_init(&b, 1, 4096);
    b.args[0].slot = 1;
    CHECK_EQ(ops->map(g.x, tpiece, b.p, b.n), -EBUSY);
    CHECK_EQ(b.p[0].status, 12345); /* untouched */
    atomic_store(&tpiece_gate[1], 1);
    pthread_join(t, NULL);
    CHECK_EQ(g.ret, 0);
    tbatch_check_piece(&g.b, 0, 0);
    tbatch_free(&b);
    tbatch_free(&g.b);
    ops->destroy(g.x);
}

int main(int argc, char **argv)
{
    static const unsigned workers[] = {1, 2, 8, 64};

    setvbuf(stdout, NULL, _IOLBF, 0); /* a piece's _exit() may flush stdio under TSan */
    npieces = parse_size_arg(argc, argv, 10000);
    nslots = npieces > 1000 ? npieces : 1000;
    /* Shared with the workers, which count their runs in it: map it before any fork. */
    tpiece_runs = mmap(NULL, (nslots + 2) * sizeof(*tpiece_runs), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    REQUIRE(tpiece_runs != MAP_FAILED);
    tpiece_gate = tpiece_runs + nslots;

    CHECK_STREQ(ops->name, "procpool");
    CHECK_EQU(ops->flags, EXEC_PROCESSES | EXEC_BLOCKING_OK);
    CHECK_STREQ(ops->last_error(NULL), "");
    texec_bad_arguments(ops, 1025);
    for (size_t k = 0; k < sizeof(workers) / sizeof(workers[0]); k++) {
        texec_conservation(ops, workers[k], npieces, conservation_also);
        CHECK_EQU(count_children(), 0);
    }
    test_big();
    test_piece_errors();
    test_piece_kills_worker();
    test_external_kill();
    test_cycles();
    test_limited();
    test_busy(); /* last: it starts a thread, and TSan wants forks from one thread only */
    munmap(tpiece_runs, (nslots + 2) * sizeof(*tpiece_runs));
    return check_report("test_procpool");
}
