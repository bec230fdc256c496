/*
 * test_errors.c - every documented error path returns its code:
 *  - NULL pool, out-pointer, callback or handle: -EINVAL from every call
 *    that takes one; ws_parallel_for with begin > end; *job cleared;
 *  - invalid configurations: -EINVAL and *pool left NULL; the limits
 *    themselves are accepted (and a deque that cannot grow still works);
 *  - ws_pool_destroy(NULL) is 0; from a worker of the pool it is -EDEADLK
 *    and the pool still works; from a worker of another pool it is fine;
 *  - ws_pool_cancel: every queued frame is told once (ws_job_wait and
 *    ws_run give -ECANCELED, a post's fn gets w == NULL, a detached job
 *    never runs), running ones finish, and every later entry call gets
 *    -ESHUTDOWN; on an idle pool, and a second time, it cancels nothing;
 *  - ws_strerror names 0, every code and unknown ones;
 *  - a worker thread that cannot start: a stack too large for any
 *    mapping, and (in a child process, not in sanitizer builds) an address
 *    space limit under which the third of eight 1 GiB stacks fails; create
 *    returns a negative errno with no hang and no leaked thread or fd;
 *  - a borrowed real hwloc topology: the pool is pinned, and the
 *    topology stays the caller's (a synthetic one, which cannot bind, is
 *    test_pin_refused.c's).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <hwloc.h>

#include "api_check.h"
#include "proc_check.h"

static void nop_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    (void)arg;
}

static void nop_task(ws_worker *w, ws_head h, ws_task *t)
{
    (void)w;
    (void)h;
    (void)t;
}

static void nop_range(ws_worker *w, ws_head h, size_t b, size_t e, void *arg)
{
    (void)w;
    (void)h;
    (void)b;
    (void)e;
    *(int *)arg += 1; /* counts calls: none expected */
}

/* ---- NULL arguments ------------------------------------------------------ */

struct inside_nulls {
    int pfor_null_fn, pfor_reversed, pfor_calls;
    int gspawn_null_w, gspawn_null_h, gspawn_null_g, gspawn_null_fn;
    int gwait_null_w, gwait_null_h, gwait_null_g;
    long gwait_ok;
};

static void inside_nulls_fn(ws_worker *w, ws_head h, void *arg)
{
    struct inside_nulls *r = arg;
    ws_group g;
    ws_group_init(&g);
    r->pfor_null_fn = ws_parallel_for(w, h, 0, 10, 1, NULL, &r->pfor_calls);
    r->pfor_reversed = ws_parallel_for(w, h, 10, 9, 1, nop_range, &r->pfor_calls);
    r->gspawn_null_w = ws_group_spawn(NULL, &h, &g, nop_fn, NULL);
    r->gspawn_null_h = ws_group_spawn(w, NULL, &g, nop_fn, NULL);
    r->gspawn_null_g = ws_group_spawn(w, &h, NULL, nop_fn, NULL);
    r->gspawn_null_fn = ws_group_spawn(w, &h, &g, NULL, NULL);
    r->gwait_null_w = (int)ws_group_wait(NULL, &h, &g);
    r->gwait_null_h = (int)ws_group_wait(w, NULL, &g);
    r->gwait_null_g = (int)ws_group_wait(w, &h, NULL);
    r->gwait_ok = ws_group_wait(w, &h, &g); /* nothing was spawned into it */
}

static void test_nulls(void)
{
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct ws_config cfg = WS_CONFIG_INIT;
    struct ws_pool_info info;
    struct ws_worker_stats st[2];
    ws_job *j = (ws_job *)&cfg; /* not NULL: must be cleared */
    int calls = 0;
    ws_head h = NULL; /* no task here: w is NULL too */

    CHECK_EQ(ws_pool_create(NULL, NULL), -EINVAL);
    CHECK_EQ(ws_pool_create(NULL, &cfg), -EINVAL);
    CHECK_EQ(ws_run(NULL, nop_fn, NULL), -EINVAL);
    CHECK_EQ(ws_run(p, NULL, NULL), -EINVAL);
    CHECK_EQ(ws_submit(NULL, &j, nop_fn, NULL), -EINVAL);
    CHECK(j == NULL);
    j = (ws_job *)&cfg;
    CHECK_EQ(ws_submit(p, &j, NULL, NULL), -EINVAL);
    CHECK(j == NULL);
    CHECK_EQ(ws_submit(p, NULL, NULL, NULL), -EINVAL);
    ws_task t;
    CHECK_EQ(ws_post(NULL, &t, nop_task), -EINVAL);
    CHECK_EQ(ws_post(p, NULL, nop_task), -EINVAL);
    CHECK_EQ(ws_post(p, &t, NULL), -EINVAL);
    CHECK_EQ(ws_pool_cancel(NULL), -EINVAL);
    CHECK_EQ(ws_job_wait(NULL), -EINVAL);
    CHECK_EQ(ws_job_poll(NULL), -EINVAL);
    ws_job_release(NULL); /* a no-op */
    CHECK_EQ(ws_parallel_for(NULL, NULL, 0, 10, 1, nop_range, &calls), -EINVAL);
    CHECK_EQ(calls, 0);
    CHECK_EQ(ws_group_spawn(NULL, &h, NULL, NULL, NULL), -EINVAL);
    CHECK_EQ(ws_group_wait(NULL, &h, NULL), -EINVAL);
    CHECK_EQ(ws_pool_info(NULL, &info), -EINVAL);
    CHECK_EQ(ws_pool_info(p, NULL), -EINVAL);
    CHECK_EQ(ws_pool_stats(NULL, st, 2), -EINVAL);
    CHECK_EQ(ws_pool_stats(p, NULL, 2), -EINVAL);
    CHECK_EQ(ws_pool_stats(p, st, 2), 2);
    CHECK_EQ(ws_pool_destroy(NULL), 0);

    struct inside_nulls r = {0};
    CHECK_EQ(ws_run(p, inside_nulls_fn, &r), 0);
    CHECK_EQ(r.pfor_null_fn, -EINVAL);
    CHECK_EQ(r.pfor_reversed, -EINVAL);
    CHECK_EQ(r.pfor_calls, 0);
    CHECK_EQ(r.gspawn_null_w, -EINVAL);
    CHECK_EQ(r.gspawn_null_h, -EINVAL);
    CHECK_EQ(r.gspawn_null_g, -EINVAL);
    CHECK_EQ(r.gspawn_null_fn, -EINVAL);
    CHECK_EQ(r.gwait_null_w, -EINVAL);
    CHECK_EQ(r.gwait_null_h, -EINVAL);
    CHECK_EQ(r.gwait_null_g, -EINVAL);
    CHECK_EQ(r.gwait_ok, 0);

    /* The pool is unharmed. */
    api_run_fib(p, 20, FIB_SYNC);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* ---- configurations ----------------------------------------------------- */

struct bad_cfg {
    const char *what;
    struct ws_config cfg;
};

static void test_bad_configs(void)
{
    /* clang-format cannot lay out a braced initialiser inside a macro. */
    /* clang-format off */
#define BAD(field, value) {#field " = " #value, {.field = (value)}}
#define BAD2(f1, v1, f2, v2) {#f1 " = " #v1 ", " #f2 " = " #v2, {.f1 = (v1), .f2 = (v2)}}
    /* clang-format on */
    const struct bad_cfg bad[] = {
        BAD(workers, WS_MAX_WORKERS + 1),
        BAD(workers, UINT_MAX),
        BAD(pin, (enum ws_pin_policy)(WS_PIN_PU + 1)),
        BAD(pin, (enum ws_pin_policy)(-1)),
        BAD(victim, (enum ws_victim_policy)(WS_VICTIM_RANDOM + 1)),
        BAD(victim, (enum ws_victim_policy)(-1)),
        BAD(deque_log2, 3),
        BAD(deque_log2, 1),
        BAD(deque_log2, 27),
        BAD(deque_log2, UINT_MAX),
        BAD2(deque_log2, 10, deque_max_log2, 9),
        BAD(deque_max_log2, 11), /* below the default deque_log2, 12 */
        BAD(deque_max_log2, 33),
        BAD2(deque_log2, 4, deque_max_log2, 3),
        BAD(inject_log2, 3),
        BAD(inject_log2, 21),
        BAD(inject_log2, UINT_MAX),
        BAD(stack_size, 1),
        BAD(stack_size, ((size_t)64 << 10) - 1),
        BAD(spin_rounds, UINT_MAX),
        BAD(spin_rounds, (1u << 20) + 1),
    };
#undef BAD
#undef BAD2
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ws_pool *p = (ws_pool *)&bad[i]; /* not NULL: must be cleared */
        int e = ws_pool_create(&p, &bad[i].cfg);
        if (e != -EINVAL || p != NULL)
            fprintf(stderr, "config %s: %d (%s), pool %p\n", bad[i].what, e, ws_strerror(e),
                    (void *)p);
        CHECK_EQ(e, -EINVAL);
        CHECK(p == NULL);
        if (e == 0 && p != (ws_pool *)&bad[i])
            ws_pool_destroy(p);
    }

    /* The limits themselves are valid. */
    const struct bad_cfg good[] = {
        {"deque_log2 = 4, deque_max_log2 = 4 (cannot grow)",
         {.deque_log2 = 4, .deque_max_log2 = 4}},
        {"deque_log2 = 20, deque_max_log2 = 32", {.deque_log2 = 20, .deque_max_log2 = 32}},
        {"deque_max_log2 = 12", {.deque_max_log2 = 12}},
        {"inject_log2 = 4", {.inject_log2 = 4}},
        {"inject_log2 = 20", {.inject_log2 = 20}},
        {"stack_size = 64 KiB", {.stack_size = (size_t)64 << 10, .workers = 2}},
        {"spin_rounds = 2^20", {.spin_rounds = 1u << 20}},
        {"pin = PU, victim = random", {.pin = WS_PIN_PU, .victim = WS_VICTIM_RANDOM}},
        {"workers = WS_MAX_WORKERS", {.workers = WS_MAX_WORKERS, .stack_size = (size_t)1 << 20}},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ws_pool *p = NULL;
        int e = ws_pool_create(&p, &good[i].cfg);
        if (e != 0)
            fprintf(stderr, "config %s: %d (%s)\n", good[i].what, e, ws_strerror(e));
        CHECK_EQ(e, 0);
        if (e != 0)
            continue;
        /* A small stack runs a small recursion; the others fib(22), which
         * overflows a 16-slot deque that may not grow. */
        api_run_fib(p, good[i].cfg.stack_size == ((size_t)64 << 10) ? 8 : 22, FIB_SYNC);
        api_run_fib(p, good[i].cfg.stack_size == ((size_t)64 << 10) ? 8 : 22, FIB_RECLAIM);
        CHECK_EQ(ws_pool_destroy(p), 0);
    }
}

/* ---- destroy from a worker ---------------------------------------------- */

struct destroy_arg {
    ws_pool *other;
    int own, other_rc;
};

static void destroy_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    struct destroy_arg *a = arg;
    a->own = ws_pool_destroy(ws_worker_pool(w));
    if (a->other != NULL)
        a->other_rc = ws_pool_destroy(a->other); /* a worker of another pool may */
}

static void test_destroy_from_worker(void)
{
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct destroy_arg a = {.other = api_pool(1, WS_PIN_NONE, WS_VICTIM_DEFAULT), .other_rc = 1};
    CHECK_EQ(ws_run(p, destroy_fn, &a), 0);
    CHECK_EQ(a.own, -EDEADLK);
    CHECK_EQ(a.other_rc, 0);
    api_run_fib(p, 20, FIB_RECLAIM); /* still works */
    ws_job *j = NULL;
    a.other = NULL;
    CHECK_EQ(ws_submit(p, &j, destroy_fn, &a), 0);
    CHECK_EQ(ws_job_wait(j), 0);
    ws_job_release(j);
    CHECK_EQ(a.own, -EDEADLK);
    api_run_fib(p, 20, FIB_SYNC);
    CHECK_EQ(ws_pool_destroy(p), 0);
}

/* ---- ws_strerror ---------------------------------------------------------- */

static void test_strerror(void)
{
    static const int codes[] = {0,          -EINVAL, -ENOMEM, -EAGAIN, -EDEADLK, -ESHUTDOWN,
                                -ECANCELED, -ENOSYS, -EPERM,  1,       42,       -4095,
                                -4096,      -100000, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *s = ws_strerror(codes[i]);
        CHECK(s != NULL && s[0] != '\0');
        if (i < 7)
            printf("ws_strerror(%d) = \"%s\"\n", codes[i], s ? s : "(null)");
    }
    for (size_t i = 0; i < 7; i++)
        for (size_t k = 0; k < i; k++)
            CHECK(strcmp(ws_strerror(codes[i]), ws_strerror(codes[k])) != 0);
}

/* ---- ws_pool_cancel ----------------------------------------------------------- */

struct blocker {
    _Atomic int started, go;
};

static void blocker_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    struct blocker *b = arg;
    (void)w;
    atomic_store(&b->started, 1);
    while (!atomic_load(&b->go))
        api_sleep_ms(1);
}

static _Atomic int g_counted;

static void count_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    (void)arg;
    atomic_fetch_add(&g_counted, 1);
}

struct told {
    ws_task task;
    _Atomic int calls, with_null;
    pthread_t thread;
};

static void told_fn(ws_worker *w, ws_head h, ws_task *t)
{
    (void)h;
    struct told *x = WS_CONTAINER_OF(t, struct told, task);
    atomic_fetch_add(&x->calls, 1);
    if (w == NULL) {
        atomic_fetch_add(&x->with_null, 1);
        x->thread = pthread_self();
    }
}

struct runner {
    ws_pool *pool;
    int rc;
};

static void *runner_main(void *arg)
{
    struct runner *r = arg;
    r->rc = ws_run(r->pool, count_fn, NULL);
    return NULL;
}

static void test_cancel(void)
{
    /* An idle pool: nothing to cancel, twice; destroy still works. */
    ws_pool *idle = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    CHECK_EQ(ws_pool_cancel(idle), 0);
    CHECK_EQ(ws_pool_cancel(idle), 0);
    CHECK_EQ(ws_run(idle, nop_fn, NULL), -ESHUTDOWN);
    CHECK_EQ(ws_pool_destroy(idle), 0);

    /* One worker held by a running job; a job, a detached job, a post and
     * (from another thread) a root queued behind it. The root's thread may
     * not have queued it by the time of the cancel (then it is refused):
     * try until it was cancelled. */
    int attempts = 0, root_cancelled = 0;
    while (!root_cancelled && attempts++ < 100) {
        ws_pool *p = api_pool(1, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
        struct blocker b;
        atomic_init(&b.started, 0);
        atomic_init(&b.go, 0);
        ws_job *jb = NULL, *j = NULL;
        REQUIRE(ws_submit(p, &jb, blocker_fn, &b) == 0);
        while (!atomic_load(&b.started))
            api_sleep_ms(1);
        atomic_store(&g_counted, 0);
        struct told t;
        atomic_init(&t.calls, 0);
        atomic_init(&t.with_null, 0);
        CHECK_EQ(ws_submit(p, &j, count_fn, NULL), 0);
        CHECK_EQ(ws_submit(p, NULL, count_fn, NULL), 0);
        CHECK_EQ(ws_post(p, &t.task, told_fn), 0);
        struct runner r = {.pool = p};
        pthread_t th;
        REQUIRE(pthread_create(&th, NULL, runner_main, &r) == 0);
        api_sleep_ms(5);
        int n = ws_pool_cancel(p);
        ws_job *late = (ws_job *)&b;
        ws_task t2;
        CHECK_EQ(ws_submit(p, &late, count_fn, NULL), -ESHUTDOWN);
        CHECK(late == NULL);
        CHECK_EQ(ws_post(p, &t2, told_fn), -ESHUTDOWN);
        CHECK_EQ(ws_run(p, count_fn, NULL), -ESHUTDOWN);
        atomic_store(&b.go, 1);
        pthread_join(th, NULL);
        CHECK(r.rc == -ECANCELED || r.rc == -ESHUTDOWN);
        root_cancelled = r.rc == -ECANCELED;
        CHECK_EQ(n, root_cancelled ? 4 : 3);
        CHECK_EQ(ws_job_wait(j), -ECANCELED);
        CHECK_EQ(ws_job_wait(j), -ECANCELED); /* and again */
        CHECK_EQ(ws_job_poll(j), 1);
        ws_job_release(j);
        CHECK_EQ(ws_job_wait(jb), 0); /* it was running: it finished */
        ws_job_release(jb);
        CHECK_EQ(ws_pool_destroy(p), 0);
        CHECK_EQ(atomic_load(&t.calls), 1);
        CHECK_EQ(atomic_load(&t.with_null), 1);
        CHECK(pthread_equal(t.thread, pthread_self()));
        CHECK_EQ(atomic_load(&g_counted), 0); /* no cancelled or refused job ran */
    }
    CHECK(root_cancelled);
    printf("ws_pool_cancel: a queued job, detached job, post and root each told once "
           "(%d attempt(s) to queue the root in time)\n",
           attempts);
}

/* ---- threads that cannot start -------------------------------------------- */

static void test_huge_stack(void)
{
    size_t fds = count_fds(), threads = count_threads_settled(SIZE_MAX);
    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.workers = 2;
    cfg.stack_size = (size_t)1 << 46; /* 64 TiB: no mapping is that large */
    ws_pool *p = (ws_pool *)&cfg;
    int e = ws_pool_create(&p, &cfg);
    printf("stack_size 2^46: ws_pool_create = %d (%s)\n", e, ws_strerror(e));
    CHECK(e < 0);
    CHECK(p == NULL);
    if (e == 0 && p != NULL)
        ws_pool_destroy(p);
    CHECK_EQU(count_fds(), fds);
    CHECK_LE(count_threads_settled(threads), threads); /* none left behind (see proc_check.h) */
}

/* In a child process: the address space holds two more 1 GiB stacks and
 * some slack, so the third of eight workers cannot start. */
static int limited_child(void)
{
    alarm(60); /* a hang kills the child: the parent reports it */
    size_t fds = count_fds();
    REQUIRE(count_threads_settled(1) == 1);
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    REQUIRE(f != NULL && fscanf(f, "%ld", &pages) == 1);
    fclose(f);
    rlim_t now = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
    struct rlimit rl;
    REQUIRE(getrlimit(RLIMIT_AS, &rl) == 0);
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = now + ((rlim_t)5 << 29); /* + 2.5 GiB */
    REQUIRE(setrlimit(RLIMIT_AS, &rl) == 0);

    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.workers = 8;
    cfg.stack_size = (size_t)1 << 30;
    ws_pool *p = (ws_pool *)&cfg;
    int e = ws_pool_create(&p, &cfg);
    printf("RLIMIT_AS of %.2f GiB, 8 workers with 1 GiB stacks: ws_pool_create = %d (%s)\n",
           (double)rl.rlim_cur / (1 << 30), e, ws_strerror(e));
    CHECK(e < 0);
    CHECK(p == NULL);
    if (e == 0 && p != NULL)
        ws_pool_destroy(p);
    CHECK_EQU(count_threads_settled(1), 1);
    CHECK_EQU(count_fds(), fds);

    /* Nothing is left in a bad state: with the limit back, a pool works. */
    rl.rlim_cur = old;
    REQUIRE(setrlimit(RLIMIT_AS, &rl) == 0);
    p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    api_run_fib(p, 20, FIB_SYNC);
    CHECK_EQ(ws_pool_destroy(p), 0);
    fflush(NULL);
    return check_failures;
}

static void test_rlimit_as(void)
{
    if (WS_TEST_SANITIZED) {
        printf("SKIP: RLIMIT_AS test (sanitizers reserve terabytes of address space)\n");
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int failures = limited_child();
        _exit(failures > 100 ? 100 : failures);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        REQUIRE(errno == EINTR);
    if (WIFSIGNALED(st))
        fprintf(stderr, "RLIMIT_AS child killed by signal %d%s\n", WTERMSIG(st),
                WTERMSIG(st) == SIGALRM ? " (it hung)" : "");
    CHECK(WIFEXITED(st));
    if (WIFEXITED(st))
        CHECK_EQ(WEXITSTATUS(st), 0);
}

/* ---- topologies ----------------------------------------------------------- */

static int default_pool_pinned(void)
{
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct ws_pool_info info;
    CHECK_EQ(ws_pool_info(p, &info), 0);
    CHECK_EQ(ws_pool_destroy(p), 0);
    return info.pinned;
}

static void test_borrowed_topology(void)
{
    hwloc_topology_t t;
    REQUIRE(hwloc_topology_init(&t) == 0);
    REQUIRE(hwloc_topology_load(t) == 0);
    int pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
    int expect_pinned = default_pool_pinned();
    if (!expect_pinned)
        printf("SKIP: this machine refuses binding; the borrowed pool is checked unpinned\n");

    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.hwloc_topology = t;
    ws_pool *p[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) { /* two pools borrowing one topology at once */
        cfg.workers = 2 + (unsigned)k;
        CHECK_EQ(ws_pool_create(&p[k], &cfg), 0);
        REQUIRE(p[k] != NULL);
    }
    for (int k = 0; k < 2; k++) {
        api_run_fib(p[k], 25, FIB_SYNC);
        struct ws_pool_info info;
        CHECK_EQ(ws_pool_info(p[k], &info), 0);
        printf("borrowed topology: %u workers, %u cores, pinned %d%s%s\n", info.workers, info.cores,
               info.pinned, info.pin_error ? ": " : "", info.pin_message);
        CHECK_EQ(info.pinned, expect_pinned);
        unsigned n;
        struct ws_worker_stats *s = api_stats(p[k], &n);
        for (unsigned i = 0; i < n; i++)
            CHECK_EQ(s[i].cpu >= 0, expect_pinned);
        free(s);
    }
    CHECK_EQ(ws_pool_destroy(p[0]), 0);
    CHECK_EQ(hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU), pus); /* still ours, still loaded */
    api_run_fib(p[1], 20, FIB_RECLAIM);
    CHECK_EQ(ws_pool_destroy(p[1]), 0);
    CHECK_EQ(hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU), pus);
    hwloc_topology_destroy(t);
}

int main(void)
{
    test_rlimit_as(); /* first: it forks, best done with one thread */
    test_cancel();
    test_nulls();
    test_bad_configs();
    test_destroy_from_worker();
    test_strerror();
    test_huge_stack();
    test_borrowed_topology();
    return check_report("test_errors");
}
