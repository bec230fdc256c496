/*
 * test_reactor.c - readiness waits and timers, through the public API only.
 *
 *  - Exactly once: --timers timers (0-2 ms, half armed from workers, half
 *    from outside) and --waits pipe waits (256 chains of waits, each
 *    continuation reading its byte, running fork-join fib(15), re-arming
 *    and writing the next byte): every continuation runs once (a bitmap
 *    and a counter) with the right revents.
 *  - Cancel against fire: --races times a timer of 0-50 us, and a pipe
 *    wait whose byte is written at the same moment, cancelled from another
 *    thread: fn runs exactly once, with -ECANCELED iff ws_io_cancel
 *    returned 0.
 *  - A descriptor closed during its wait: completes with -EBADF when a new
 *    wait is armed on its number, or with -ECANCELED at destroy.
 *  - Destroy with 1000 pipe waits and 1000 one-hour timers armed: each
 *    continuation runs once, with -ECANCELED; ws_pool_cancel likewise.
 *  - Every error path: bad arguments, a bad descriptor (-EBADF to fn), a
 *    regular file (-EPERM to fn), a second wait on one descriptor
 *    (-EBUSY), a cancel too late (-EALREADY) or of a frame never armed
 *    (-EINVAL), arming after ws_pool_cancel (-ESHUTDOWN).
 *  - Idle cost: a pool with 1,000 armed waits, idle for 2 s, uses at most
 *    2% of a core (process CPU time, a wide margin; no wall time asserted).
 *  - The poller's hand-off: with a wait armed and the pool asleep (one
 *    worker in epoll_wait), a job from outside that blocks in ws_blocking
 *    until that wait's continuation has run: the worker woken for the job
 *    leaves epoll_wait, so another must take it over, or the continuation
 *    never runs (the job's poll gives up after 30 s and the test fails).
 *
 * usage: test_reactor [--timers=N] [--waits=N] [--races=N]
 *
 * Atomics: tallies and flags written by continuations and read by the test
 * thread once it has waited for them (relaxed counters; release/acquire
 * where the reader then reads data).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api_check.h"
#include "sanitize.h"
#include "watchdog.h"

static long long opt_timers = 100000, opt_waits = 10240, opt_races = 10000;

static void wait_for(_Atomic long *n, long want, const char *what)
{
    watchdog_arm(120, "%s (%ld of %ld)", what, (long)atomic_load(n), want);
    while (atomic_load_explicit(n, memory_order_acquire) < want)
        api_sleep_ms(1);
    watchdog_disarm();
}

/* ---- timers, exactly once -------------------------------------------------- */

struct tmr {
    ws_io io;
    _Atomic uint8_t *seen;
    _Atomic long *done;
    _Atomic long *bad;
    uint32_t idx;
};

static void tmr_fn(ws_worker *w, ws_head h, ws_io *req, int revents)
{
    (void)h;
    struct tmr *t = WS_CONTAINER_OF(req, struct tmr, io);
    if (w == NULL || revents != (int)WS_IO_TIMER ||
        atomic_fetch_add_explicit(&t->seen[t->idx], 1, memory_order_relaxed) != 0)
        atomic_fetch_add_explicit(t->bad, 1, memory_order_relaxed);
    /* release: our last access to *t; pairs with wait_for()'s acquire. */
    atomic_fetch_add_explicit(t->done, 1, memory_order_release);
}

struct tmr_batch {
    struct tmr *t;
    size_t from, to;
    _Atomic long *bad;
};

static void arm_from_worker(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    struct tmr_batch *b = arg;
    for (size_t i = b->from; i < b->to; i++)
        if (ws_timer_after(w, &b->t[i].io, (uint64_t)(i * 7919 % 2000) * 1000, tmr_fn) != 0)
            atomic_fetch_add_explicit(b->bad, 1, memory_order_relaxed);
}

static void test_timers(void)
{
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    size_t n = (size_t)opt_timers;
    struct tmr *t = calloc(n ? n : 1, sizeof(*t));
    _Atomic uint8_t *seen = calloc(n ? n : 1, 1);
    REQUIRE(t != NULL && seen != NULL);
    _Atomic long done = 0, bad = 0;
    for (size_t i = 0; i < n; i++)
        t[i] = (struct tmr){.seen = seen, .done = &done, .bad = &bad, .idx = (uint32_t)i};
    /* First half from a task (the worker form), second half from here. */
    struct tmr_batch b = {t, 0, n / 2, &bad};
    CHECK_EQ(ws_run(p, arm_from_worker, &b), 0);
    for (size_t i = n / 2; i < n; i++)
        CHECK_EQ(ws_timer_after_on(p, &t[i].io, (uint64_t)(i * 7919 % 2000) * 1000, tmr_fn), 0);
    wait_for(&done, (long)n, "timers");
    CHECK_EQ(atomic_load(&bad), 0);
    size_t once = 0;
    for (size_t i = 0; i < n; i++)
        once += atomic_load_explicit(&seen[i], memory_order_relaxed) == 1;
    CHECK_EQU(once, n);
    CHECK_EQ(ws_pool_destroy(p), 0);
    CHECK_EQ(atomic_load(&done), (long)n); /* none ran twice after the count */
    printf("%zu timers: each continuation once, with WS_IO_TIMER\n", n);
    free(t);
    free(seen);
}

/* ---- pipe waits, exactly once, from continuations --------------------------- */

struct chain {
    ws_io io;
    int rd, wr;
    int round, rounds;
    uint32_t base; /* its first bit */
    _Atomic uint8_t *seen;
    _Atomic long *done, *bad;
};

static void chain_fn(ws_worker *w, ws_head h, ws_io *req, int revents)
{
    struct chain *c = WS_CONTAINER_OF(req, struct chain, io);
    char byte;
    bool ok =
        w != NULL && (revents & WS_IO_READ) && read(c->rd, &byte, 1) == 1 && byte == (char)c->round;
    ok = ok && fib_sync(w, h, 15) == fib_serial(15); /* fork-join inside a continuation */
    if (atomic_fetch_add_explicit(&c->seen[c->base + (uint32_t)c->round], 1,
                                  memory_order_relaxed) != 0)
        ok = false;
    if (!ok)
        atomic_fetch_add_explicit(c->bad, 1, memory_order_relaxed);
    if (++c->round < c->rounds) {
        byte = (char)c->round;
        if (ws_io_wait(w, &c->io, c->rd, WS_IO_READ, chain_fn) != 0 || write(c->wr, &byte, 1) != 1)
            atomic_fetch_add_explicit(c->bad, 1, memory_order_relaxed);
    }
    /* release: pairs with wait_for()'s acquire. */
    atomic_fetch_add_explicit(c->done, 1, memory_order_release);
}

static void test_pipe_waits(void)
{
    enum { CHAINS = 256 };
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    int rounds = (int)((opt_waits + CHAINS - 1) / CHAINS);
    struct chain *c = calloc(CHAINS, sizeof(*c));
    _Atomic uint8_t *seen = calloc((size_t)CHAINS * (size_t)rounds, 1);
    REQUIRE(c != NULL && seen != NULL);
    _Atomic long done = 0, bad = 0;
    for (int i = 0; i < CHAINS; i++) {
        int fds[2];
        REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
        c[i] = (struct chain){.rd = fds[0],
                              .wr = fds[1],
                              .rounds = rounds,
                              .base = (uint32_t)(i * rounds),
                              .seen = seen,
                              .done = &done,
                              .bad = &bad};
        CHECK_EQ(ws_io_wait_on(p, &c[i].io, c[i].rd, WS_IO_READ, chain_fn), 0);
    }
    for (int i = 0; i < CHAINS; i++) {
        char zero = 0;
        CHECK_EQ(write(c[i].wr, &zero, 1), 1);
    }
    long total = (long)CHAINS * rounds;
    wait_for(&done, total, "pipe waits");
    CHECK_EQ(atomic_load(&bad), 0);
    size_t once = 0;
    for (long i = 0; i < total; i++)
        once += atomic_load_explicit(&seen[i], memory_order_relaxed) == 1;
    CHECK_EQU(once, (size_t)total);
    CHECK_EQ(ws_pool_destroy(p), 0);
    for (int i = 0; i < CHAINS; i++) {
        close(c[i].rd);
        close(c[i].wr);
    }
    printf("%ld pipe waits (%d chains, each continuation re-arming from its worker): each once\n",
           total, CHAINS);
    free(c);
    free(seen);
}

/* ---- cancel against fire --------------------------------------------------------- */

struct race {
    ws_io io;
    _Atomic int calls;
    _Atomic int result;
};

static void race_fn(ws_worker *w, ws_head h, ws_io *req, int revents)
{
    (void)w;
    (void)h;
    struct race *r = WS_CONTAINER_OF(req, struct race, io);
    atomic_store_explicit(&r->result, revents, memory_order_relaxed);
    /* release: publishes result; pairs with the acquire in race_wait(). */
    atomic_fetch_add_explicit(&r->calls, 1, memory_order_release);
}

static void race_wait(struct race *r)
{
    watchdog_arm(60, "a continuation after a cancel race");
    /* acquire: pairs with race_fn(). */
    while (atomic_load_explicit(&r->calls, memory_order_acquire) == 0)
        sched_yield();
    watchdog_disarm();
}

struct canceller {
    struct race *r;
    _Atomic int go;
    int rc;
};

static void *cancel_main(void *arg)
{
    struct canceller *c = arg;
    while (!atomic_load(&c->go))
        ;
    c->rc = ws_io_cancel(&c->r->io);
    return NULL;
}

static void test_cancel_races(void)
{
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    int fds[2];
    REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    long won[2] = {0, 0}, lost[2] = {0, 0};
    for (long i = 0; i < opt_races && check_failures == 0; i++) {
        int kind = (int)(i & 1); /* 0: timer, 1: pipe wait */
        struct race r;
        atomic_init(&r.calls, 0);
        atomic_init(&r.result, 0);
        struct canceller c = {.r = &r};
        atomic_init(&c.go, 0);
        pthread_t th;
        REQUIRE(pthread_create(&th, NULL, cancel_main, &c) == 0);
        if (kind == 0) {
            CHECK_EQ(ws_timer_after_on(p, &r.io, (uint64_t)(i % 50) * 1000, race_fn), 0);
            atomic_store(&c.go, 1);
        } else {
            CHECK_EQ(ws_io_wait_on(p, &r.io, fds[0], WS_IO_READ, race_fn), 0);
            atomic_store(&c.go, 1);
            char b = 1;
            CHECK_EQ(write(fds[1], &b, 1), 1);
        }
        pthread_join(th, NULL);
        race_wait(&r);
        api_sleep_ms(0);
        int calls = atomic_load(&r.calls), res = atomic_load(&r.result);
        CHECK_EQ(calls, 1);
        if (c.rc == 0) {
            CHECK_EQ(res, -ECANCELED);
            won[kind]++;
        } else {
            CHECK_EQ(c.rc, -EALREADY);
            CHECK(res == (kind == 0 ? (int)WS_IO_TIMER : (int)WS_IO_READ));
            lost[kind]++;
        }
        if (kind == 1) {
            char b;
            while (read(fds[0], &b, 1) == 1)
                ;
        }
    }
    /* A late second look: no continuation ran twice. */
    api_sleep_ms(20);
    CHECK_EQ(ws_pool_destroy(p), 0);
    close(fds[0]);
    close(fds[1]);
    printf("%lld cancel races: timers cancelled %ld / fired %ld, pipe waits cancelled %ld / "
           "fired %ld; each continuation once\n",
           opt_races, won[0], lost[0], won[1], lost[1]);
}

/* ---- closed during a wait; destroy and cancel with waits armed ----------------- */

struct tally {
    ws_io io;
    _Atomic int calls;
    _Atomic int result;
};

static void tally_fn(ws_worker *w, ws_head h, ws_io *req, int revents)
{
    (void)w;
    (void)h;
    struct tally *t = WS_CONTAINER_OF(req, struct tally, io);
    atomic_store_explicit(&t->result, revents, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->calls, 1, memory_order_release);
}

static void tally_init(struct tally *t)
{
    atomic_init(&t->calls, 0);
    atomic_init(&t->result, 0);
}

static void test_closed_during_wait(void)
{
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    int a[2], b[2];
    REQUIRE(pipe2(a, O_NONBLOCK | O_CLOEXEC) == 0);
    struct tally old, neu, kept;
    tally_init(&old);
    tally_init(&neu);
    tally_init(&kept);
    CHECK_EQ(ws_io_wait_on(p, &old.io, a[0], WS_IO_READ, tally_fn), 0);
    int num = a[0];
    close(a[0]); /* closed while armed */
    REQUIRE(pipe2(b, O_NONBLOCK | O_CLOEXEC) == 0);
    CHECK_EQ(b[0], num); /* the lowest free number comes back */
    CHECK_EQ(ws_io_wait_on(p, &neu.io, b[0], WS_IO_READ, tally_fn), 0);
    watchdog_arm(60, "the wait whose descriptor was closed");
    while (atomic_load_explicit(&old.calls, memory_order_acquire) == 0)
        api_sleep_ms(1);
    watchdog_disarm();
    CHECK_EQ(atomic_load(&old.result), -EBADF);
    CHECK_EQ(atomic_load(&neu.calls), 0); /* the new one is armed and waiting */
    /* Another closed while armed, with no reuse: destroy completes it. */
    int c[2];
    REQUIRE(pipe2(c, O_NONBLOCK | O_CLOEXEC) == 0);
    CHECK_EQ(ws_io_wait_on(p, &kept.io, c[0], WS_IO_READ, tally_fn), 0);
    close(c[0]);
    CHECK_EQ(ws_pool_destroy(p), 0);
    CHECK_EQ(atomic_load(&kept.calls), 1);
    CHECK_EQ(atomic_load(&kept.result), -ECANCELED);
    CHECK_EQ(atomic_load(&neu.calls), 1);
    CHECK_EQ(atomic_load(&neu.result), -ECANCELED);
    CHECK_EQ(atomic_load(&old.calls), 1);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    close(c[1]);
    printf("a descriptor closed while armed: -EBADF at the next wait on its number, "
           "-ECANCELED at destroy\n");
}

static void test_destroy_and_cancel_armed(bool cancel_first)
{
    enum { N = 1000 };
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct tally *w = calloc(N, sizeof(*w)), *t = calloc(N, sizeof(*t));
    int(*fds)[2] = calloc(N, sizeof(*fds));
    REQUIRE(w != NULL && t != NULL && fds != NULL);
    for (int i = 0; i < N; i++) {
        tally_init(&w[i]);
        tally_init(&t[i]);
        REQUIRE(pipe2(fds[i], O_NONBLOCK | O_CLOEXEC) == 0);
        CHECK_EQ(ws_io_wait_on(p, &w[i].io, fds[i][0], WS_IO_READ, tally_fn), 0);
        CHECK_EQ(ws_timer_after_on(p, &t[i].io, (uint64_t)3600 * 1000000000u, tally_fn), 0);
    }
    if (cancel_first) {
        CHECK_EQ(ws_pool_cancel(p), 2 * N);
        struct tally late;
        tally_init(&late);
        CHECK_EQ(ws_timer_after_on(p, &late.io, 1000, tally_fn), -ESHUTDOWN);
    }
    watchdog_arm(60, "destroy with 2000 waits armed");
    CHECK_EQ(ws_pool_destroy(p), 0);
    watchdog_disarm();
    int bad = 0;
    for (int i = 0; i < N; i++) {
        bad += atomic_load(&w[i].calls) != 1 || atomic_load(&w[i].result) != -ECANCELED;
        bad += atomic_load(&t[i].calls) != 1 || atomic_load(&t[i].result) != -ECANCELED;
        close(fds[i][0]);
        close(fds[i][1]);
    }
    CHECK_EQ(bad, 0);
    printf("%s with %d pipe waits and %d one-hour timers armed: each continuation once, "
           "-ECANCELED\n",
           cancel_first ? "ws_pool_cancel then destroy" : "ws_pool_destroy", N, N);
    free(w);
    free(t);
    free(fds);
}

/* ---- error paths ------------------------------------------------------------------ */

static void arm_errors_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)h;
    int *rc = arg;
    struct tally t;
    tally_init(&t);
    rc[0] = ws_io_wait(NULL, &t.io, 0, WS_IO_READ, tally_fn);
    rc[1] = ws_timer_after(NULL, &t.io, 1, tally_fn);
    rc[2] = ws_io_wait(w, NULL, 0, WS_IO_READ, tally_fn);
    rc[3] = ws_timer_after(w, &t.io, 1, NULL);
}

static void test_errors(void)
{
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct tally t, u, f, zero;
    tally_init(&t);
    tally_init(&u);
    tally_init(&f);
    memset(&zero, 0, sizeof(zero));
    int fds[2];
    REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    CHECK_EQ(ws_io_wait_on(NULL, &t.io, fds[0], WS_IO_READ, tally_fn), -EINVAL);
    CHECK_EQ(ws_io_wait_on(p, NULL, fds[0], WS_IO_READ, tally_fn), -EINVAL);
    CHECK_EQ(ws_io_wait_on(p, &t.io, fds[0], WS_IO_READ, NULL), -EINVAL);
    CHECK_EQ(ws_io_wait_on(p, &t.io, -1, WS_IO_READ, tally_fn), -EINVAL);
    CHECK_EQ(ws_io_wait_on(p, &t.io, fds[0], 0, tally_fn), -EINVAL);
    CHECK_EQ(ws_io_wait_on(p, &t.io, fds[0], WS_IO_TIMER, tally_fn), -EINVAL);
    CHECK_EQ(ws_timer_after_on(NULL, &t.io, 1, tally_fn), -EINVAL);
    CHECK_EQ(ws_io_cancel(NULL), -EINVAL);
    CHECK_EQ(ws_io_cancel(&zero.io), -EINVAL); /* never armed */
    int rc[4];
    CHECK_EQ(ws_run(p, arm_errors_fn, rc), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(rc[i], -EINVAL);
    /* A worker of another pool is not the caller: -EINVAL too (ws_io_wait
     * needs the calling worker). */

    /* A descriptor that is not open: fn gets -EBADF. */
    int closed = fds[1] + 100;
    CHECK_EQ(ws_io_wait_on(p, &u.io, closed, WS_IO_READ, tally_fn), 0);
    /* A regular file: epoll cannot watch it, fn gets -EPERM. */
    char path[] = "/tmp/test_reactor.XXXXXX";
    int reg = mkstemp(path);
    REQUIRE(reg >= 0);
    unlink(path);
    CHECK_EQ(ws_io_wait_on(p, &f.io, reg, WS_IO_READ, tally_fn), 0);
    watchdog_arm(60, "the continuations of failed waits");
    while (atomic_load(&u.calls) == 0 || atomic_load(&f.calls) == 0)
        api_sleep_ms(1);
    watchdog_disarm();
    CHECK_EQ(atomic_load(&u.result), -EBADF);
    CHECK_EQ(atomic_load(&f.result), -EPERM);
    CHECK_EQ(ws_io_cancel(&u.io), -EALREADY);

    /* Two waits on one descriptor: the second is refused (a socket, which
     * is both readable and writable). */
    struct tally a, b;
    tally_init(&a);
    tally_init(&b);
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK_EQ(ws_io_wait_on(p, &a.io, sv[0], WS_IO_READ, tally_fn), 0);
    CHECK_EQ(ws_io_wait_on(p, &b.io, sv[0], WS_IO_WRITE, tally_fn), -EBUSY);
    CHECK_EQ(ws_io_cancel(&a.io), 0);
    CHECK_EQ(ws_io_cancel(&a.io), -EALREADY);
    /* Then armed again on the same descriptor once the first is done. */
    watchdog_arm(60, "a cancelled wait's continuation");
    while (atomic_load(&a.calls) == 0)
        api_sleep_ms(1);
    watchdog_disarm();
    CHECK_EQ(atomic_load(&a.result), -ECANCELED);
    CHECK_EQ(ws_io_wait_on(p, &b.io, sv[0], WS_IO_WRITE, tally_fn), 0);
    watchdog_arm(60, "a write wait on a socket");
    while (atomic_load(&b.calls) == 0)
        api_sleep_ms(1);
    watchdog_disarm();
    CHECK_EQ(atomic_load(&b.result), (int)WS_IO_WRITE);
    CHECK_EQ(ws_pool_destroy(p), 0);
    close(reg);
    close(fds[0]);
    close(fds[1]);
    close(sv[0]);
    close(sv[1]);
    printf("error paths: bad arguments -EINVAL, a closed descriptor -EBADF and a regular "
           "file -EPERM to fn, a second wait -EBUSY, late cancels -EALREADY\n");
}

/* ---- idle cost ---------------------------------------------------------------------- */

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static int handoff_pipe[2], handoff_done[2];

static void handoff_cont(ws_worker *w, ws_head h, ws_io *req, int revents)
{
    (void)w;
    (void)h;
    (void)req;
    char c = revents == WS_IO_READ ? 'y' : 'n';
    CHECK_EQ(write(handoff_done[1], &c, 1), 1);
}

static void handoff_block(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    struct pollfd f = {.fd = handoff_done[0], .events = POLLIN};
    *(int *)arg = poll(&f, 1, 30000);
}

static void handoff_job(ws_worker *w, ws_head h, void *arg)
{
    /* The continuation needs a poller while this worker is blocked here. */
    CHECK_EQ(ws_blocking(w, h, handoff_block, arg), 0);
}

static void test_poller_handoff(void)
{
    for (int trial = 0; trial < 8; trial++) {
        REQUIRE(pipe2(handoff_pipe, O_NONBLOCK | O_CLOEXEC) == 0);
        REQUIRE(pipe2(handoff_done, O_CLOEXEC) == 0);
        ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
        ws_io req;
        int ready = -1;
        CHECK_EQ(ws_io_wait_on(p, &req, handoff_pipe[0], WS_IO_READ, handoff_cont), 0);
        api_sleep_ms(50); /* the pool asleep, one worker in epoll_wait */
        ws_job *j = NULL;
        CHECK_EQ(ws_submit(p, &j, handoff_job, &ready), 0);
        api_sleep_ms(20); /* the job blocked in ws_blocking */
        char c = 'x';
        CHECK_EQ(write(handoff_pipe[1], &c, 1), 1);
        CHECK_EQ(ws_job_wait(j), 0);
        ws_job_release(j);
        CHECK_EQ(ready, 1); /* the continuation ran while the job waited */
        CHECK_EQ(read(handoff_done[0], &c, 1), 1);
        CHECK_EQ(c, 'y');
        CHECK_EQ(ws_pool_destroy(p), 0);
        close(handoff_pipe[0]);
        close(handoff_pipe[1]);
        close(handoff_done[0]);
        close(handoff_done[1]);
    }
}

static void test_idle_cpu(void)
{
    enum { N = 1000 };
    ws_pool *p = api_pool(2, WS_PIN_DEFAULT, WS_VICTIM_DEFAULT);
    struct tally *w = calloc(N, sizeof(*w));
    int(*fds)[2] = calloc(N, sizeof(*fds));
    REQUIRE(w != NULL && fds != NULL);
    for (int i = 0; i < N; i++) {
        tally_init(&w[i]);
        REQUIRE(pipe2(fds[i], O_NONBLOCK | O_CLOEXEC) == 0);
        CHECK_EQ(ws_io_wait_on(p, &w[i].io, fds[i][0], WS_IO_READ, tally_fn), 0);
    }
    api_sleep_ms(300); /* let the workers spin down and one block in epoll_wait */
    double c0 = cpu_seconds(), t0 = api_now();
    api_sleep_ms(2000);
    double cpu = cpu_seconds() - c0, wall = api_now() - t0;
    /* 2% of one core, or 4% under a sanitizer (its own background thread). */
    double limit = (WS_TEST_SANITIZED ? 0.04 : 0.02) * wall;
    printf("idle with %d waits armed: %.4f s CPU in %.2f s (limit %.3f)\n", N, cpu, wall, limit);
    CHECK(cpu <= limit);
    /* And the waits still work: wake one. */
    char b = 1;
    CHECK_EQ(write(fds[N / 2][1], &b, 1), 1);
    watchdog_arm(60, "an event on an idle pool");
    while (atomic_load(&w[N / 2].calls) == 0)
        api_sleep_ms(1);
    watchdog_disarm();
    CHECK_EQ(atomic_load(&w[N / 2].result), (int)WS_IO_READ);
    CHECK_EQ(ws_pool_destroy(p), 0);
    for (int i = 0; i < N; i++) {
        close(fds[i][0]);
        close(fds[i][1]);
    }
    free(w);
    free(fds);
}

int main(int argc, char **argv)
{
    const struct api_opt opts[] = {
        {"timers", &opt_timers, 0, 100000000, "timers in the exactly-once test"},
        {"waits", &opt_waits, 0, 100000000, "pipe waits in the exactly-once test"},
        {"races", &opt_races, 0, 100000000, "cancel-against-fire races"},
    };
    api_options(argc, argv, opts, sizeof(opts) / sizeof(opts[0]));
    printf("test_reactor: --timers=%lld --waits=%lld --races=%lld\n", opt_timers, opt_waits,
           opt_races);
    test_errors();
    test_timers();
    test_pipe_waits();
    test_cancel_races();
    test_closed_during_wait();
    test_destroy_and_cancel_armed(false);
    test_destroy_and_cancel_armed(true);
    test_idle_cpu();
    test_poller_handoff();
    return check_report("test_reactor");
}
