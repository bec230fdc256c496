/*
 * test_eventloop.c - the event-loop executors (bench/exec/eventloop.c and
 * eventloop_ev.c): eventloop, eventloop-cores and eventloop-offload.
 *
 * map(): every piece exactly once with its answer, on 1 to 8 loops and on
 * libuv's pool; piece errors stay with their piece; the pieces run on the
 * loop thread (dealt round-robin over eventloop-cores's loops) or,
 * offloaded, on the pool's threads; concurrent map() calls; map() and run()
 * from a loop's own thread are -EDEADLK; bad arguments; creation failing
 * (no threads left, no descriptors left) returns the error and leaks
 * nothing; create/destroy cycles leave no thread or descriptor.
 *
 * events: timers fire in the order of their deadlines and never before
 * them, those due at once in the order armed; waits on a pipe fire with
 * the events asked, a hang-up as readable, a poll error as a negative
 * errno; cancelling a wait, a timer or a queued offload calls back exactly
 * once with -ECANCELED, later, not inside cancel(); cancelling after the
 * fire, twice, a running offload or a request never armed is a no-op; an
 * offload runs off the loop and brings its status back; every task's
 * callbacks run on the loop it started on, tasks dealt round-robin over
 * eventloop-cores's loops; forkn's parts run in turn; every task is done
 * once; the ops refuse other threads (-EPERM) and bad arguments.
 *
 * The pool's size is set to POOL (UV_THREADPOOL_SIZE) before libuv starts
 * it, so that workers() and the threads that appear can be told from
 * libuv's default of 4. libuv's pool, and the pipe it makes on its first
 * loop for signals, stay for the life of the process: every baseline is
 * taken after both exist. No timing is asserted but "not before".
 *
 * Usage: test_eventloop [pieces]   (default 10000)
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>

#include "check.h"
#include "exec_check.h"
#include "exec/eventloop.h"

#define POOL 3u
#define MS   1000000u

static size_t npieces;
static const struct ev_ops *ev; /* the event-driven ops: eventloop's and eventloop-cores's */

/* ---- map --------------------------------------------------------------------------------- */

/* A piece that answers with the id of the thread that ran it. */
static int tid_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    int32_t t = (int32_t)gettid();

    (void)arg;
    (void)arg_len;
    if (res_cap < sizeof(t))
        return -EMSGSIZE;
    memcpy(res, &t, sizeof(t));
    *res_len = sizeof(t);
    return 0;
}

/* Maps n tid_pieces on x; tids[i]: piece i's thread. */
static void map_tids(const struct exec_ops *ops, struct exec *x, size_t n, int32_t *tids)
{
    struct exec_piece *p = calloc(n, sizeof(*p));

    REQUIRE(p != NULL);
    for (size_t i = 0; i < n; i++)
        p[i] = (struct exec_piece){.id = (uint32_t)i, .res = &tids[i], .res_cap = sizeof(tids[i])};
    CHECK_EQ(ops->map(x, tid_piece, p, n), 0);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(p[i].status, 0);
        CHECK_EQU(p[i].res_len, sizeof(tids[i]));
        CHECK(tids[i] != gettid());
    }
    free(p);
}

static void test_flags(void)
{
    CHECK_STREQ(exec_eventloop.name, "eventloop");
    CHECK_STREQ(exec_eventloop_cores.name, "eventloop-cores");
    CHECK_STREQ(exec_eventloop_offload.name, "eventloop-offload");
    CHECK_EQU(exec_eventloop.flags, EXEC_FIXED_SIZE);
    CHECK_EQU(exec_eventloop_cores.flags, 0);
    CHECK_EQU(exec_eventloop_offload.flags, EXEC_VARIANT | EXEC_FIXED_SIZE);
    CHECK(exec_eventloop.events != NULL && exec_eventloop.events == exec_eventloop_cores.events);
    CHECK(exec_eventloop_offload.events == NULL); /* its programs would be eventloop's */
    CHECK(exec_eventloop.family == NULL && exec_eventloop_cores.family == NULL);
    CHECK(exec_eventloop.last_error == NULL && exec_eventloop.child_cpu_ns == NULL);
    CHECK_EQU(exec_eventloop_pool_threads(), POOL);
}

/* The pool's threads appear at its first use, POOL of them, and stay. Run first. */
static void test_pool_threads(void)
{
    size_t before = count_threads_settled(SIZE_MAX);
    struct exec *x = texec_make_sized(&exec_eventloop_offload, 1, POOL);
    int32_t tid;

    CHECK_EQU(count_threads_now(), before + 1); /* the loop: the pool starts with the first work */
    map_tids(&exec_eventloop_offload, x, 1, &tid);
    CHECK_EQU(count_threads_now(), before + 1 + POOL);
    exec_eventloop_offload.destroy(x);
    CHECK_EQU(count_threads_settled(before + POOL), before + POOL);
}

static void test_bad_arguments(void)
{
    size_t before;
    struct exec *x;

    texec_bad_arguments(&exec_eventloop_cores, EL_MAX_LOOPS + 1);
    texec_bad_arguments_sized(&exec_eventloop, 0, 1);
    texec_bad_arguments_sized(&exec_eventloop_offload, 0, POOL);
    /* One loop whatever it is asked for. */
    before = count_threads_settled(SIZE_MAX);
    x = texec_make_sized(&exec_eventloop, 1000, 1);
    CHECK_EQU(count_threads_now(), before + 1);
    exec_eventloop.destroy(x);
    CHECK_EQU(count_threads_settled(before), before);
}

/* The pieces run on the loops, dealt round-robin; offloaded, on the pool's threads. */
static void test_where_pieces_run(void)
{
    enum { N = 60 };
    int32_t tids[N];
    struct exec *x;

    x = texec_make(&exec_eventloop, 1);
    map_tids(&exec_eventloop, x, N, tids);
    for (size_t i = 0; i < N; i++)
        CHECK_EQ(tids[i], tids[0]);
    exec_eventloop.destroy(x);

    x = texec_make(&exec_eventloop_cores, 3);
    map_tids(&exec_eventloop_cores, x, N, tids);
    for (size_t i = 0; i < N; i++)
        CHECK_EQ(tids[i], tids[i % 3]);
    CHECK(tids[0] != tids[1] && tids[1] != tids[2] && tids[0] != tids[2]);
    map_tids(&exec_eventloop_cores, x, 2, tids); /* fewer pieces than loops */
    CHECK(tids[0] != tids[1]);
    exec_eventloop_cores.destroy(x);

    x = texec_make(&exec_eventloop_offload, POOL);
    map_tids(&exec_eventloop_offload, x, N, tids);
    size_t distinct = 0;
    for (size_t i = 0; i < N; i++) {
        size_t j = 0;
        while (j < i && tids[j] != tids[i])
            j++;
        distinct += j == i;
    }
    CHECK_LE(distinct, POOL);
    exec_eventloop_offload.destroy(x);
}

/* A piece that calls map() on its own executor: the loop would wait for itself. */
static const struct exec_ops *reenter_ops;
static struct exec *reenter_x;

static int reenter_piece(const void *arg, size_t arg_len, void *res, size_t res_cap,
                         size_t *res_len)
{
    struct tpiece_arg a = {.value = 1, .action = TP_OK, .len = 4};
    unsigned char buf[8];
    struct exec_piece p = {.arg = &a, .arg_len = sizeof(a), .res = buf, .res_cap = sizeof(buf)};
    int32_t r[2];

    (void)arg;
    (void)arg_len;
    r[0] = reenter_ops->map(reenter_x, tpiece, &p, 1);
    r[1] = p.status;
    if (res_cap < sizeof(r))
        return -EMSGSIZE;
    memcpy(res, r, sizeof(r));
    *res_len = sizeof(r);
    return 0;
}

static void test_reentry(const struct exec_ops *ops, unsigned workers)
{
    int32_t r[2] = {0, 0};
    struct exec_piece p = {.res = r, .res_cap = sizeof(r)};

    reenter_ops = ops;
    reenter_x = texec_make(ops, workers);
    CHECK_EQ(ops->map(reenter_x, reenter_piece, &p, 1), 0);
    CHECK_EQ(r[0], -EDEADLK);
    CHECK_EQ(r[1], -EDEADLK); /* the piece got the status too: none is dropped */
    ops->destroy(reenter_x);
}

static void *warm_up(void *arg)
{
    return arg;
}

/* A loop made and gone: libuv's process-wide signal pipe exists from then on. */
static void warm_up_libuv(void)
{
    struct exec *x = texec_make(&exec_eventloop, 1);
    exec_eventloop.destroy(x);
}

/* In a child limited to a few threads, then to a few descriptors: creation fails cleanly. */
static int limited_create(void *unused)
{
    struct exec_config cfg = {.workers = 64};
    struct exec *x = (struct exec *)(void *)&cfg; /* create must reset it */
    struct rlimit rl, low;
    size_t fds, threads;
    pthread_t t;

    (void)unused;
    /* A first thread, so that a sanitizer's helper thread is there before the baseline. */
    REQUIRE(pthread_create(&t, NULL, warm_up, NULL) == 0);
    pthread_join(t, NULL);
    warm_up_libuv();
    fds = count_fds();
    threads = count_threads_settled(SIZE_MAX);
    CHECK_EQ(exec_eventloop_cores.create(&x, &cfg), -EAGAIN);
    CHECK(x == NULL);
    CHECK_LE(count_threads_settled(threads), threads);
    CHECK_EQU(count_fds(), fds);

    /* Room for two loops' descriptors (four each), not for 64. */
    set_nproc(4096);
    REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    low = rl;
    low.rlim_cur = fds + 10;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    x = (struct exec *)(void *)&cfg;
    CHECK_EQ(exec_eventloop_cores.create(&x, &cfg), -EMFILE);
    CHECK(x == NULL);
    CHECK_EQU(count_fds(), fds);
    CHECK_LE(count_threads_settled(threads), threads);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    return check_failures;
}

static void test_create_failure(void)
{
    int r = run_limited(4, limited_create, NULL);

    if (r == TLIMITED_SKIP)
        printf("test_eventloop: cannot drop root, creation failure not tested\n");
    else
        CHECK_EQ(r, 0);
}

/* ---- events: a program's helpers ---------------------------------------------------------- */

/* Runs a program of n tasks on x (0 expected). */
static void run_program(const struct exec_ops *ops, struct exec *x, size_t n, ev_start_fn start,
                        void *arg)
{
    CHECK_EQ(ops->events->run(x, n, start, arg), 0);
}

/* A pipe of non-blocking ends. */
static void make_pipe(int p[2])
{
    REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
}

/* ---- timers ------------------------------------------------------------------------------ */

#define NT 24

struct tord {
    struct ev_req req[NT];
    uint64_t ns[NT], armed_at[NT], armed_by[NT], fired_at[NT]; /* armed between the two */
    int result[NT];
    size_t order[NT], nfired;
    int same; /* all due at once: fire in the order armed */
};

static struct tord *tord_of_req; /* the one timer test under way */

static void tord_fired(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tord *s = tord_of_req;
    size_t i = (size_t)(r - s->req);

    s->fired_at[i] = exec_now_ns();
    s->result[i] = result;
    s->order[s->nfired++] = i;
    if (s->nfired == NT)
        ev->done(c);
}

static void tord_start(struct ev_ctx *c, void *arg, size_t task)
{
    struct tord *s = arg;

    (void)task;
    for (size_t k = 0; k < NT; k++) {
        size_t i = s->same ? k : k * 7 % NT; /* 7 is prime to NT: every timer, out of order */
        s->armed_at[i] = exec_now_ns();
        CHECK_EQ(ev->timer(c, &s->req[i], s->ns[i], tord_fired), 0);
        s->armed_by[i] = exec_now_ns();
    }
}

/*
 * Timers fire never early, in the order of their due milliseconds, those
 * due in the same one in the order armed: a timer that fires before
 * another has a deadline less than 1 ms after the other's (bounded by when
 * each was armed: between armed_at and armed_by).
 */
static void test_timer_order(const struct exec_ops *ops, struct exec *x)
{
    static struct tord s;

    for (int same = 0; same <= 1; same++) {
        memset(&s, 0, sizeof(s));
        s.same = same;
        for (size_t i = 0; i < NT; i++) /* 2 ms apart, armed out of order */
            s.ns[i] = same ? 3 * MS : 2 * MS * (i + 1) + (i % 3) * 137000u;
        tord_of_req = &s;
        run_program(ops, x, 1, tord_start, &s);
        CHECK_EQU(s.nfired, NT);
        for (size_t i = 0; i < NT; i++) {
            size_t a = s.order[i > 0 ? i - 1 : 0], b = s.order[i];
            CHECK_EQ(s.result[i], (int)EV_TIMER);
            CHECK_LE(s.ns[i], s.fired_at[i] - s.armed_at[i]); /* not early */
            if (s.same)
                CHECK_EQU(b, i);
            else if (i > 0)
                CHECK(s.armed_at[a] + s.ns[a] < s.armed_by[b] + s.ns[b] + MS);
        }
    }
}

/* ---- waits ------------------------------------------------------------------------------- */

struct twait {
    int p[2], hup[2], err[2];
    struct ev_req rd, wr, tm, hr, er;
    int rd_result, wr_result, hr_result, er_result;
    int calls;
    char got;
};

static void twait_one(struct ev_ctx *c, struct twait *s)
{
    if (++s->calls == 5) { /* rd, wr, tm, hr, er */
        close(s->p[0]);
        close(s->p[1]);
        close(s->hup[0]);
        close(s->err[1]);
        ev->done(c);
    }
}

static struct twait *twait_of(struct ev_req *r, size_t off)
{
    return (struct twait *)(void *)((char *)r - off);
}

static void twait_rd(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct twait *s = twait_of(r, offsetof(struct twait, rd));
    s->rd_result = result;
    CHECK_EQ(read(s->p[0], &s->got, 1), 1);
    twait_one(c, s);
}

static void twait_wr(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct twait *s = twait_of(r, offsetof(struct twait, wr));
    s->wr_result = result;
    twait_one(c, s);
}

static void twait_tm(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct twait *s = twait_of(r, offsetof(struct twait, tm));
    CHECK_EQ(result, (int)EV_TIMER);
    CHECK_EQ(write(s->p[1], "x", 1), 1); /* now the read end is readable */
    twait_one(c, s);
}

static void twait_hr(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct twait *s = twait_of(r, offsetof(struct twait, hr));
    char b;
    s->hr_result = result;
    CHECK_EQ(read(s->hup[0], &b, 1), 0); /* end of file: the call after the wait says it */
    twait_one(c, s);
}

static void twait_er(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct twait *s = twait_of(r, offsetof(struct twait, er));
    s->er_result = result;
    twait_one(c, s);
}

static void twait_start(struct ev_ctx *c, void *arg, size_t task)
{
    struct twait *s = arg;

    (void)task;
    make_pipe(s->p);
    make_pipe(s->hup);
    make_pipe(s->err);
    close(s->hup[1]); /* a hang-up for the read end */
    close(s->err[0]); /* an error for the write end: nobody reads */
    CHECK_EQ(ev->wait(c, &s->rd, s->p[0], EV_READ, twait_rd), 0);
    CHECK_EQ(ev->wait(c, &s->wr, s->p[1], EV_WRITE, twait_wr), 0);
    CHECK_EQ(ev->timer(c, &s->tm, 2 * MS, twait_tm), 0);
    CHECK_EQ(ev->wait(c, &s->hr, s->hup[0], EV_READ, twait_hr), 0);
    CHECK_EQ(ev->wait(c, &s->er, s->err[1], EV_WRITE, twait_er), 0);
}

static void test_waits(const struct exec_ops *ops, struct exec *x)
{
    struct twait s;

    memset(&s, 0, sizeof(s));
    run_program(ops, x, 1, twait_start, &s);
    CHECK_EQ(s.calls, 5);
    CHECK_EQ(s.rd_result, (int)EV_READ);
    CHECK_EQ(s.wr_result, (int)EV_WRITE);
    CHECK_EQ(s.got, 'x');
    CHECK_EQ(s.hr_result, (int)EV_READ);
    /* POLLERR: libuv's status, a negative errno, reaches the callback as it is. */
    CHECK_EQ(s.er_result, UV_EBADF);
}

/* ---- cancel ------------------------------------------------------------------------------ */

struct tcancel {
    int p[2], q[2];
    struct ev_req w1, w2, t1, t2, fired, never, end;
    int n_w1, n_w2, n_t1, n_fired, r_w1, r_w2, r_t1;
    int in_cancel;    /* a callback inside cancel() would see 1 */
    int inside_calls; /* callbacks that did */
};

#define TC_OF(r, m) ((struct tcancel *)(void *)((char *)(r)-offsetof(struct tcancel, m)))

static void tc_w1(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tcancel *s = TC_OF(r, w1);
    (void)c;
    s->n_w1++;
    s->r_w1 = result;
    s->inside_calls += s->in_cancel;
}

static void tc_w2(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tcancel *s = TC_OF(r, w2);
    (void)c;
    s->n_w2++;
    s->r_w2 = result;
    s->inside_calls += s->in_cancel;
}

static void tc_t1(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tcancel *s = TC_OF(r, t1);
    (void)c;
    s->n_t1++;
    s->r_t1 = result;
    s->inside_calls += s->in_cancel;
    CHECK_EQ(ev->cancel(c, r), 0); /* its own request, its callback under way: nothing */
}

static void tc_fired(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tcancel *s = TC_OF(r, fired);
    s->n_fired++;
    CHECK_EQ(result, (int)EV_TIMER);
    CHECK_EQ(ev->cancel(c, r), 0); /* after the fire: a no-op */
    CHECK_EQ(ev->cancel(c, r), 0);
}

static void tc_end(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tcancel *s = TC_OF(r, end);
    CHECK_EQ(result, (int)EV_TIMER);
    close(s->p[1]);
    close(s->q[0]);
    close(s->q[1]);
    ev->done(c);
}

static void tc_start(struct ev_ctx *c, void *arg, size_t task)
{
    struct tcancel *s = arg;

    (void)task;
    make_pipe(s->p);
    make_pipe(s->q);
    CHECK_EQ(ev->cancel(c, &s->never), 0); /* zeroed, never armed */
    CHECK_EQ(ev->wait(c, &s->w1, s->p[0], EV_READ, tc_w1), 0);
    CHECK_EQ(ev->wait(c, &s->w2, s->q[0], EV_READ, tc_w2), 0);
    CHECK_EQ(ev->timer(c, &s->t1, 20 * MS, tc_t1), 0);
    CHECK_EQ(ev->timer(c, &s->fired, 1 * MS, tc_fired), 0);
    s->in_cancel = 1;
    CHECK_EQ(ev->cancel(c, &s->w1), 0);
    CHECK_EQ(ev->cancel(c, &s->w2), 0);
    CHECK_EQ(ev->cancel(c, &s->t1), 0);
    CHECK_EQ(ev->cancel(c, &s->t1), 0); /* twice before its callback: once */
    s->in_cancel = 0;
    CHECK_EQ(s->n_w1 + s->n_w2 + s->n_t1, 0); /* not yet: deferred */
    close(s->p[0]);                           /* out of epoll since the cancel */
    CHECK_EQ(write(s->q[1], "y", 1), 1);      /* a cancelled wait does not see it */
    /* After the cancelled timer would have fired. */
    CHECK_EQ(ev->timer(c, &s->end, 30 * MS, tc_end), 0);
}

static void test_cancel(const struct exec_ops *ops, struct exec *x)
{
    struct tcancel s;

    memset(&s, 0, sizeof(s));
    run_program(ops, x, 1, tc_start, &s);
    CHECK_EQ(s.n_w1, 1);
    CHECK_EQ(s.n_w2, 1);
    CHECK_EQ(s.n_t1, 1);
    CHECK_EQ(s.r_w1, -ECANCELED);
    CHECK_EQ(s.r_w2, -ECANCELED);
    CHECK_EQ(s.r_t1, -ECANCELED);
    CHECK_EQ(s.n_fired, 1);
    CHECK_EQ(s.inside_calls, 0);
}

/* ---- offloads ---------------------------------------------------------------------------- */

/* POOL works held at a gate fill the pool; the next is queued, then cancelled. */
struct toff {
    struct ev_req work[POOL + 1], poll, spare;
    pid_t loop_tid, work_tid[POOL + 1];
    int result[POOL + 1], calls;
    _Atomic int started, gate;
    _Atomic int ran_queued;
    int perm[4]; /* the ops from a pool thread */
    struct ev_ctx *c;
};

static struct toff *toff_cur;

static void toff_noop(struct ev_ctx *c, struct ev_req *r, int result)
{
    (void)c;
    (void)r;
    (void)result;
}

static int toff_work(void *arg)
{
    struct ev_req *r = arg;
    struct toff *s = toff_cur;
    size_t i = (size_t)(r - s->work);

    s->work_tid[i] = gettid();
    if (i == POOL) {
        atomic_store(&s->ran_queued, 1); /* must not happen: it was cancelled */
        return 0;
    }
    if (i == 0) { /* the ops from a thread that is not the loop's */
        s->perm[0] = ev->timer(s->c, &s->spare, MS, toff_noop);
        s->perm[1] = ev->wait(s->c, &s->spare, 0, EV_READ, toff_noop);
        s->perm[2] = ev->cancel(s->c, &s->poll);
        s->perm[3] = ev->offload(s->c, &s->spare, toff_work, &s->spare, toff_noop);
    }
    /* seq_cst: a flag hand-off with the loop, too rare to be worth weaker orders. */
    atomic_fetch_add(&s->started, 1);
    while (atomic_load(&s->gate) == 0)
        usleep(200);
    return -EDOM - (int)i;
}

static void toff_back(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct toff *s = toff_cur;
    size_t i = (size_t)(r - s->work);

    s->result[i] = result;
    if (++s->calls == POOL + 1)
        ev->done(c);
}

static void toff_poll(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct toff *s = toff_cur;

    CHECK_EQ(result, (int)EV_TIMER);
    if (atomic_load(&s->started) < (int)POOL) {
        CHECK_EQ(ev->timer(c, r, MS / 2, toff_poll), 0);
        return;
    }
    CHECK_EQ(ev->cancel(c, &s->work[0]), 0);    /* running: a no-op, its status comes */
    CHECK_EQ(ev->cancel(c, &s->work[POOL]), 0); /* queued behind them: cancelled */
    CHECK_EQ(ev->cancel(c, &s->work[POOL]), 0);
    atomic_store(&s->gate, 1);
}

static void toff_start(struct ev_ctx *c, void *arg, size_t task)
{
    struct toff *s = arg;

    (void)task;
    s->c = c;
    s->loop_tid = gettid();
    for (size_t i = 0; i <= POOL; i++)
        CHECK_EQ(ev->offload(c, &s->work[i], toff_work, &s->work[i], toff_back), 0);
    CHECK_EQ(ev->timer(c, &s->poll, MS / 2, toff_poll), 0);
}

static void test_offload(const struct exec_ops *ops, struct exec *x)
{
    static struct toff s;

    memset(&s, 0, sizeof(s));
    toff_cur = &s;
    run_program(ops, x, 1, toff_start, &s);
    CHECK_EQ(s.calls, (int)POOL + 1);
    for (size_t i = 0; i < POOL; i++) {
        CHECK_EQ(s.result[i], -EDOM - (int)i); /* the work's own status */
        CHECK(s.work_tid[i] != s.loop_tid && s.work_tid[i] != 0);
    }
    CHECK_EQ(s.result[POOL], -ECANCELED);
    CHECK_EQ(atomic_load(&s.ran_queued), 0);
    for (int k = 0; k < 4; k++)
        CHECK_EQ(s.perm[k], -EPERM);
}

/* ---- many tasks -------------------------------------------------------------------------- */

struct tmany {
    size_t n;
    struct ev_req *req;
    pid_t *start_tid, *cb_tid;
    int *fired, *parts;
    _Atomic size_t done;
};

static void tmany_part(struct ev_ctx *c, void *arg, size_t i)
{
    int *parts = arg;
    (void)c;
    CHECK_EQ(*parts, (int)i); /* in turn */
    (*parts)++;
}

static void tmany_fired(struct ev_ctx *c, struct ev_req *r, int result);

static struct tmany *tmany_cur;

static void tmany_fired(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tmany *s = tmany_cur;
    size_t i = (size_t)(r - s->req);

    CHECK_EQ(result, (int)EV_TIMER);
    s->fired[i]++;
    s->cb_tid[i] = gettid();
    ev->forkn(c, 3, tmany_part, &s->parts[i]);
    atomic_fetch_add_explicit(&s->done, 1, memory_order_relaxed); /* read after run() */
    ev->done(c);
}

static void tmany_start(struct ev_ctx *c, void *arg, size_t i)
{
    struct tmany *s = arg;

    s->start_tid[i] = gettid();
    if (i % 11 == 0) { /* done at once, from the start */
        s->fired[i]++;
        s->cb_tid[i] = s->start_tid[i];
        s->parts[i] = 3;
        atomic_fetch_add_explicit(&s->done, 1, memory_order_relaxed);
        ev->done(c);
        return;
    }
    CHECK_EQ(ev->timer(c, &s->req[i], (i % 7) * 100000u, tmany_fired), 0);
}

/* n tasks: every one done once, its callbacks on its loop; loops dealt round-robin. */
static void test_many_tasks(const struct exec_ops *ops, struct exec *x, unsigned loops, size_t n)
{
    struct tmany s = {.n = n};

    s.req = calloc(n, sizeof(*s.req));
    s.start_tid = calloc(n, sizeof(*s.start_tid));
    s.cb_tid = calloc(n, sizeof(*s.cb_tid));
    s.fired = calloc(n, sizeof(*s.fired));
    s.parts = calloc(n, sizeof(*s.parts));
    REQUIRE(s.req && s.start_tid && s.cb_tid && s.fired && s.parts);
    atomic_init(&s.done, 0);
    tmany_cur = &s;
    run_program(ops, x, n, tmany_start, &s);
    CHECK_EQU(atomic_load(&s.done), n);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(s.fired[i], 1);
        CHECK_EQ(s.parts[i], 3);
        CHECK_EQ(s.cb_tid[i], s.start_tid[i]);
        CHECK_EQ(s.start_tid[i], s.start_tid[i % loops]);
    }
    for (size_t a = 0; a < loops && a < n; a++)
        for (size_t b = a + 1; b < loops && b < n; b++)
            CHECK(s.start_tid[a] != s.start_tid[b]);
    free(s.req);
    free(s.start_tid);
    free(s.cb_tid);
    free(s.fired);
    free(s.parts);
}

/* ---- bad arguments and re-entry ---------------------------------------------------------- */

struct tbad {
    struct exec *x;
    const struct exec_ops *ops;
    int p[2];
    struct ev_req a, b;
    int file;
    int called; /* a start of the nested run: must not happen */
};

static void tbad_noop(struct ev_ctx *c, struct ev_req *r, int result)
{
    (void)c;
    (void)r;
    (void)result;
}

static int tbad_work(void *arg)
{
    return arg != NULL;
}

static void tbad_nested(struct ev_ctx *c, void *arg, size_t i)
{
    struct tbad *s = arg;
    (void)c;
    (void)i;
    s->called++;
}

static void tbad_end(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tbad *s = (struct tbad *)(void *)((char *)r - offsetof(struct tbad, a));
    CHECK_EQ(result, -ECANCELED);
    close(s->p[0]);
    close(s->p[1]);
    ev->done(c);
}

static void tbad_start(struct ev_ctx *c, void *arg, size_t task)
{
    struct tbad *s = arg;
    struct exec_piece p = {.id = 0};

    (void)task;
    CHECK_EQ(ev->timer(NULL, &s->a, MS, tbad_noop), -EINVAL);
    CHECK_EQ(ev->timer(c, NULL, MS, tbad_noop), -EINVAL);
    CHECK_EQ(ev->timer(c, &s->a, MS, NULL), -EINVAL);
    CHECK_EQ(ev->wait(c, &s->a, 0, 0, tbad_noop), -EINVAL);
    CHECK_EQ(ev->wait(c, &s->a, 0, 0x8, tbad_noop), -EINVAL);
    CHECK_EQ(ev->wait(c, &s->a, -1, EV_READ, tbad_noop), -EBADF);
    CHECK_EQ(ev->wait(c, &s->a, s->file, EV_READ, tbad_noop), -EPERM); /* epoll refuses files */
    CHECK_EQ(ev->offload(c, &s->a, NULL, NULL, tbad_noop), -EINVAL);
    CHECK_EQ(ev->offload(c, &s->a, tbad_work, NULL, NULL), -EINVAL);
    CHECK_EQ(ev->cancel(NULL, &s->a), -EINVAL);
    CHECK_EQ(ev->cancel(c, NULL), -EINVAL);
    /* From the loop itself: run() and map() would wait for it. */
    CHECK_EQ(ev->run(s->x, 1, tbad_nested, s), -EDEADLK);
    CHECK_EQ(s->ops->map(s->x, tpiece, &p, 1), -EDEADLK);
    CHECK_EQ(p.status, -EDEADLK);
    /* One wait per descriptor and loop. */
    make_pipe(s->p);
    CHECK_EQ(ev->wait(c, &s->a, s->p[0], EV_READ, tbad_end), 0);
    CHECK_EQ(ev->wait(c, &s->b, s->p[0], EV_READ, tbad_noop), -EEXIST);
    CHECK_EQ(ev->cancel(c, &s->a), 0);
}

static void test_ev_bad_arguments(const struct exec_ops *ops, struct exec *x)
{
    struct tbad s = {.x = x, .ops = ops};
    char path[] = "/tmp/test_eventloop-XXXXXX";

    s.file = mkstemp(path);
    REQUIRE(s.file >= 0);
    unlink(path);
    CHECK_EQ(ops->events->run(NULL, 1, tbad_nested, &s), -EINVAL);
    CHECK_EQ(ops->events->run(x, 1, NULL, &s), -EINVAL);
    CHECK_EQ(ops->events->run(x, 0, tbad_nested, &s), 0);
    run_program(ops, x, 1, tbad_start, &s);
    CHECK_EQ(s.called, 0);
    close(s.file);
}

/* ---- cycles with programs ---------------------------------------------------------------- */

struct tcyc {
    int p[64][2];
    struct ev_req w[64], t[64];
};

static struct tcyc *tcyc_cur;

static void tcyc_cb(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tcyc *s = tcyc_cur;
    size_t i = (size_t)(r - s->t);

    CHECK_EQ(result, (int)EV_TIMER);
    CHECK_EQ(ev->cancel(c, &s->w[i]), 0); /* its -ECANCELED ends the task */
}

static void tcyc_w(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct tcyc *s = tcyc_cur;
    size_t i = (size_t)(r - s->w);

    CHECK_EQ(result, -ECANCELED);
    close(s->p[i][0]);
    close(s->p[i][1]);
    ev->done(c);
}

static void tcyc_start(struct ev_ctx *c, void *arg, size_t i)
{
    struct tcyc *s = arg;

    make_pipe(s->p[i]);
    CHECK_EQ(ev->wait(c, &s->w[i], s->p[i][0], EV_READ, tcyc_w), 0);
    CHECK_EQ(ev->timer(c, &s->t[i], (i % 3) * 100000u, tcyc_cb), 0);
}

/* 50 create/run/destroy cycles of a program with waits and timers leave nothing behind. */
static void test_program_cycles(const struct exec_ops *ops, unsigned loops)
{
    static struct tcyc s;
    size_t fds = count_fds(), threads = count_threads_settled(SIZE_MAX);

    tcyc_cur = &s;
    for (int k = 0; k < 50; k++) {
        struct exec *x = texec_make_sized(ops, loops, ops == &exec_eventloop ? 1 : loops);
        memset(&s, 0, sizeof(s));
        run_program(ops, x, 64, tcyc_start, &s);
        ops->destroy(x);
    }
    CHECK_EQU(count_fds(), fds);
    CHECK_LE(count_threads_settled(threads), threads);
}

/* ---- all of it --------------------------------------------------------------------------- */

static void test_events(const struct exec_ops *ops, unsigned loops)
{
    struct exec *x = texec_make_sized(ops, loops, ops == &exec_eventloop ? 1 : loops);

    test_timer_order(ops, x);
    test_waits(ops, x);
    test_cancel(ops, x);
    test_offload(ops, x);
    test_many_tasks(ops, x, ops == &exec_eventloop ? 1 : loops, npieces / 5 + 1);
    test_ev_bad_arguments(ops, x);
    ops->destroy(x);
    test_program_cycles(ops, loops);
}

int main(int argc, char **argv)
{
    static const unsigned loops[] = {1, 2, 3, 8};
    struct exec *x;
    pthread_t t;

    setvbuf(stdout, NULL, _IOLBF, 0); /* nothing buffered for a child to write again */
    REQUIRE(setenv("UV_THREADPOOL_SIZE", "3", 1) == 0); /* POOL, before libuv reads it */
    npieces = parse_size_arg(argc, argv, 10000);
    tpiece_runs = calloc(npieces > 4000 ? npieces : 4000, sizeof(*tpiece_runs));
    REQUIRE(tpiece_runs != NULL);
    ev = exec_eventloop.events;

    test_create_failure(); /* first: it forks, best while single-threaded */
    /* A first thread, so that a sanitizer's helper thread is there before any baseline. */
    REQUIRE(pthread_create(&t, NULL, warm_up, NULL) == 0);
    pthread_join(t, NULL);
    warm_up_libuv();
    test_pool_threads(); /* before anything else starts the pool */
    test_flags();
    test_bad_arguments();
    texec_conservation(&exec_eventloop, 1, npieces, NULL);
    for (size_t k = 0; k < sizeof(loops) / sizeof(loops[0]); k++)
        texec_conservation(&exec_eventloop_cores, loops[k], npieces, NULL);
    texec_conservation(&exec_eventloop_offload, POOL, npieces, NULL);
    for (size_t k = 0; k < 3; k++) {
        const struct exec_ops *ops = k == 0   ? &exec_eventloop
                                     : k == 1 ? &exec_eventloop_cores
                                              : &exec_eventloop_offload;
        x = texec_make_sized(ops, 3, k == 0 ? 1 : 3);
        texec_piece_errors(ops, x);
        ops->destroy(x);
    }
    test_where_pieces_run();
    texec_concurrent_maps(&exec_eventloop, 1, 1);
    texec_concurrent_maps(&exec_eventloop_cores, 2, 2);
    texec_concurrent_maps(&exec_eventloop_offload, 1, POOL);
    test_reentry(&exec_eventloop, 1);
    test_reentry(&exec_eventloop_cores, 2);
    texec_cycles_sized(&exec_eventloop, 4, 1, count_threads_settled);
    texec_cycles(&exec_eventloop_cores, count_threads_settled);
    texec_cycles_sized(&exec_eventloop_offload, 4, POOL, count_threads_settled);

    test_events(&exec_eventloop, 1);
    test_events(&exec_eventloop_cores, 3);
    test_events(&exec_eventloop_cores, 1);
    free(tpiece_runs);
    return check_report("test_eventloop");
}
