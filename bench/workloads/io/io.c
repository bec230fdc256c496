/*
 * io.c - what the IO and mixed workloads share (io.h).
 */
#include "workloads/io/io.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <wsched.h>

#include "core/hist.h"

/* ---- IO and mixed workloads: one piece per task ------------------------------------------ */

int io_params(const struct io_desc *d, const char *params, uint64_t *tasks, char *err,
              size_t errlen)
{
    if (wl_params_known(d->name, params, d->keys, err, errlen) != 0)
        return -EINVAL;
    if (d->tasks_default == 0)
        return 0;
    return wl_param_u64(d->name, params, "tasks", 1, 1000000, d->tasks_default, tasks, err, errlen);
}

void *io_state_new(size_t size, const struct io_desc *d, const char *params, uint64_t tasks,
                   char *err, size_t errlen)
{
    struct io_head *h = wl_state_new(size, d->name, err, errlen);

    if (h == NULL)
        return NULL;
    h->desc = d;
    wl_label(h->label, sizeof(h->label), d->name, params);
    h->tasks = tasks;
    return h;
}

/* Piece i's answer: its id here, the rest by the workload's check(). */
static int io_check(const struct io_head *h, const void *state, size_t i, const void *arg,
                    const void *res, char *why, size_t whylen)
{
    uint32_t id;

    memcpy(&id, res, sizeof(id));
    if (id != i) {
        snprintf(why, whylen, "answered as piece %" PRIu32, id);
        return -EPROTO;
    }
    return h->desc->check(state, arg, res, why, whylen);
}

int io_check_blocked(uint64_t blocked_ns, uint64_t want_ns, char *why, size_t whylen)
{
    if (blocked_ns >= want_ns)
        return 0;
    snprintf(why, whylen, "blocked %" PRIu64 " ns, less than %" PRIu64, blocked_ns, want_ns);
    return -EPROTO;
}

/* io_run() with ops NULL: the serial twin. */
static int io_go(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    const struct io_head *h = state;
    const char *ename = ops ? ops->name : "the serial twin";
    struct wl_batch b;
    char why[160];
    size_t i;
    int err;

    run->tasks = 0;
    run->error[0] = '\0';
    err = wl_batch_init(&b, h->tasks, h->desc->arg_size, h->desc->res_size);
    if (err) {
        snprintf(run->error, sizeof(run->error), "%s on %s: %s", h->label, ename, strerror(-err));
        return err;
    }
    for (i = 0; i < b.n; i++)
        h->desc->fill(state, i, wl_batch_arg(&b, i));
    err = wl_batch_map(&b, h->desc->piece, ops, x, h->label, run);
    for (i = 0; i < b.n && err == 0; i++) {
        why[0] = '\0';
        err = io_check(h, state, i, wl_batch_arg(&b, i), wl_batch_res(&b, i), why, sizeof(why));
        if (err) {
            snprintf(run->error, sizeof(run->error), "%s on %s: piece %zu: %s", h->label, ename, i,
                     why);
            run->tasks = 0;
        }
    }
    wl_batch_free(&b);
    return err;
}

int io_run(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    return io_go(state, ops, x, run);
}

int io_serial(void *state, struct work_run *run)
{
    return io_go(state, NULL, NULL, run);
}

/* ---- the event-driven form --------------------------------------------------------------- */

struct io_ev {
    void *state;
    const struct io_head *h;
    const struct ev_ops *ops;
    struct io_task *tasks;
};

struct io_task *io_task_of(struct ev_req *r)
{
    return (struct io_task *)(void *)((char *)r - offsetof(struct io_task, req));
}

static struct io_task *io_task_of_guard(struct ev_req *r)
{
    return (struct io_task *)(void *)((char *)r - offsetof(struct io_task, guard));
}

/* One of the task's two ends (its finish, its guard's callback), or the
 * return of an arming's hold (io_task_hold). */
static void io_task_end(struct ev_ctx *c, struct io_task *t)
{
    /* acq_rel: whichever end comes last sees the others' writes. */
    if (atomic_fetch_add_explicit(&t->ends, 1, memory_order_acq_rel) == 1)
        t->ops->done(c);
}

/*
 * Keeps the task from being done while the arming thread still reads it:
 * on a model whose callbacks run on any worker (stealing-async), the step
 * just armed can fire, finish the task and let the run free it before
 * io_task_armed() reads t->timed_out. The hold is a third end, given back
 * by io_task_armed(); whichever end comes last calls done().
 */
static void io_task_hold(struct io_task *t)
{
    /* relaxed: it only delays the last end; io_task_end's acq_rel orders the rest. */
    atomic_fetch_sub_explicit(&t->ends, 1, memory_order_relaxed);
}

static void io_task_guard(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct io_task *t = io_task_of_guard(r);
    if (result == (int)EV_TIMER) {
        /* seq_cst: ordered before the cancel, and against the re-check in
         * io_task_wait(): a wait armed after this is cancelled there. */
        atomic_store_explicit(&t->timed_out, 1, memory_order_seq_cst);
        t->ops->cancel(c, &t->req); /* no effect if nothing is armed */
    }
    io_task_end(c, t);
}

static int io_task_armed(struct ev_ctx *c, struct io_task *t, int e)
{
    /* seq_cst: see io_task_guard(). */
    if (e == 0 && atomic_load_explicit(&t->timed_out, memory_order_seq_cst))
        t->ops->cancel(c, &t->req);
    io_task_end(c, t); /* the hold back: t may be done and freed from here on */
    return e;
}

int io_task_wait(struct ev_ctx *c, struct io_task *t, int fd, unsigned events, ev_fn fn)
{
    io_task_hold(t);
    return io_task_armed(c, t, t->ops->wait(c, &t->req, fd, events, fn));
}

int io_task_timer(struct ev_ctx *c, struct io_task *t, uint64_t ns, ev_fn fn)
{
    io_task_hold(t);
    return io_task_armed(c, t, t->ops->timer(c, &t->req, ns, fn));
}

void io_task_finish(struct ev_ctx *c, struct io_task *t, int status)
{
    /* seq_cst: as in io_task_guard(). */
    if (atomic_load_explicit(&t->timed_out, memory_order_seq_cst))
        status = -ETIMEDOUT;
    t->status = status;
    t->t_done_ns = exec_now_ns();
    t->ops->cancel(c, &t->guard); /* its callback runs once either way: the other end */
    io_task_end(c, t);
}

static void io_task_start(struct ev_ctx *c, void *arg, size_t i)
{
    struct io_ev *ev = arg;
    struct io_task *t = &ev->tasks[i];
    t->t_start_ns = exec_now_ns();
    int e = t->ops->timer(c, &t->guard, (uint64_t)IO_TIMEOUT_MS * 1000000u, io_task_guard);
    if (e != 0) {
        /* No guard: count its end now, and fail the task. */
        atomic_fetch_add_explicit(&t->ends, 1, memory_order_relaxed);
        t->status = e;
        t->t_done_ns = exec_now_ns();
        io_task_end(c, t);
        return;
    }
    ev->h->desc->ev_start(c, t);
}

int io_run_events(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    const struct io_head *h = state;
    const struct io_desc *d = h->desc;
    struct wl_batch b;
    struct io_ev ev = {.state = state, .h = h, .ops = ops->events};
    unsigned char *scratch = NULL;
    char why[160];
    int err;

    run->tasks = 0;
    run->error[0] = '\0';
    if (d->ev_start == NULL)
        return io_run(state, ops, x, run);
    err = wl_batch_init(&b, h->tasks, d->arg_size, d->res_size);
    size_t step = (d->ev_scratch + 15) / 16 * 16;
    if (err == 0) {
        ev.tasks = calloc(b.n ? b.n : 1, sizeof(*ev.tasks));
        scratch = calloc(b.n ? b.n : 1, step ? step : 16);
        if (ev.tasks == NULL || scratch == NULL)
            err = -ENOMEM;
    }
    if (err != 0) {
        snprintf(run->error, sizeof(run->error), "%s on %s: %s", h->label, ops->name,
                 strerror(-err));
        goto out;
    }
    for (size_t i = 0; i < b.n; i++) {
        struct io_task *t = &ev.tasks[i];
        d->fill(state, i, wl_batch_arg(&b, i));
        t->ops = ops->events;
        t->run = &ev;
        t->i = i;
        t->arg = wl_batch_arg(&b, i);
        t->res = (void *)wl_batch_res(&b, i);
        t->scratch = scratch + i * step;
        atomic_init(&t->timed_out, 0);
        atomic_init(&t->ends, 0);
    }
    uint64_t t0 = exec_now_ns();
    err = ops->events->run(x, b.n, io_task_start, &ev);
    if (err != 0) {
        snprintf(run->error, sizeof(run->error), "%s on %s: %s", h->label, ops->name,
                 strerror(-err));
        goto out;
    }
    for (size_t i = 0; i < b.n && err == 0; i++) {
        const struct io_task *t = &ev.tasks[i];
        why[0] = '\0';
        if (t->status != 0) {
            err = t->status;
            snprintf(run->error, sizeof(run->error), "%s on %s: piece %zu failed: %s", h->label,
                     ops->name, i, strerror(-err));
        } else if ((err = io_check(h, state, i, t->arg, t->res, why, sizeof(why))) != 0) {
            snprintf(run->error, sizeof(run->error), "%s on %s: piece %zu: %s", h->label, ops->name,
                     i, why);
        } else if (run->latency) {
            hist_record(run->latency, t->t_done_ns - t0);
        }
    }
    if (err == 0)
        run->tasks = b.n;
out:
    wl_batch_free(&b);
    free(ev.tasks);
    free(scratch);
    return err;
}

/* ---- blocking IO with a deadline --------------------------------------------------------- */

struct io_call {
    void (*fn)(void *arg);
    void *arg;
};

static void io_call_run(ws_worker *w, ws_head h, void *arg)
{
    const struct io_call *c = arg;
    (void)w;
    (void)h;
    c->fn(c->arg);
}

static void io_call_enter(ws_worker *w, ws_head h, void *arg)
{
    ws_blocking(w, h, io_call_run, arg);
}

void io_blocking(void (*fn)(void *arg), void *arg)
{
    ws_worker *w = ws_worker_self();
    struct io_call c = {fn, arg};
    /* ws_blocking needs the calling task's head, which a piece does not
     * carry: ws_run, nested on the worker, runs io_call_enter inline on
     * the head it finds. It cannot fail there (a worker of that pool). */
    if (w != NULL)
        (void)ws_run(ws_worker_pool(w), io_call_enter, &c);
    else
        fn(arg);
}

struct io_sleep {
    struct timespec until;
};

static void io_sleep_run(void *arg)
{
    const struct io_sleep *s = arg;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &s->until, NULL) == EINTR)
        ;
}

uint64_t io_block_ns(uint64_t ns)
{
    uint64_t t0 = exec_now_ns(), end = t0 + ns;
    struct io_sleep s = {
        {.tv_sec = (time_t)(end / 1000000000u), .tv_nsec = (long)(end % 1000000000u)}};

    io_blocking(io_sleep_run, &s);
    return exec_now_ns() - t0;
}

struct io_poll {
    struct pollfd pfd;
    int timeout_ms;
    int r, err;
};

static void io_poll_run(void *arg)
{
    struct io_poll *q = arg;
    q->r = poll(&q->pfd, 1, q->timeout_ms);
    q->err = errno;
}

int io_wait(int fd, short events, int timeout_ms)
{
    uint64_t deadline = exec_now_ns() + (uint64_t)timeout_ms * 1000000u;
    struct io_poll q = {.pfd = {.fd = fd, .events = events}};

    /* Ready already (most reads and writes here): no blocking call at all. */
    if (poll(&q.pfd, 1, 0) > 0)
        return 0;
    for (;;) {
        uint64_t now = exec_now_ns();

        if (now >= deadline)
            return -ETIMEDOUT;
        q.timeout_ms = (int)((deadline - now + 999999) / 1000000);
        io_blocking(io_poll_run, &q);
        if (q.r > 0)
            return 0;
        if (q.r < 0 && q.err != EINTR)
            return -q.err;
    }
}

int io_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
    const unsigned char *p = buf;

    while (len > 0) {
        ssize_t w = write(fd, p, len);
        int e;

        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            return w == 0 ? -EIO : -errno;
        if ((e = io_wait(fd, POLLOUT, timeout_ms)) != 0)
            return e;
    }
    return 0;
}

int io_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t r;
        int e;

        /* Wait first: a blocking descriptor must not block past the deadline. */
        if ((e = io_wait(fd, POLLIN, timeout_ms)) != 0)
            return e;
        r = read(fd, p, len);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
        } else if (r == 0) {
            return -ECONNRESET;
        } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
            return -errno;
        }
    }
    return 0;
}

/* ---- a service thread ------------------------------------------------------------------- */

int io_loop_open(struct io_loop *l)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = IO_LOOP_STOP};

    l->started = 0;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (l->epfd < 0 || l->stop_fd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->stop_fd, &ev) != 0)
        return -errno;
    return 0;
}

int io_loop_start(struct io_loop *l, void *(*fn)(void *), void *arg)
{
    int e = pthread_create(&l->thread, NULL, fn, arg);

    l->started = e == 0;
    return -e;
}

void io_loop_close(struct io_loop *l)
{
    uint64_t one = 1;

    if (l->started) {
        /* One write to an eventfd the thread never reads cannot fail (no overflow near). */
        if (write(l->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
            abort();
        pthread_join(l->thread, NULL);
        l->started = 0;
    }
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->stop_fd >= 0)
        close(l->stop_fd);
    l->epfd = l->stop_fd = -1;
}

/* ---- the temporary directory ------------------------------------------------------------- */

int io_tmpdir_make(char *path, size_t len, size_t maxlen, const char *tag)
{
    const char *base = getenv("TMPDIR");
    int n;

    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    if (maxlen < len)
        len = maxlen;
    n = snprintf(path, len, "%s/wsbench-%s-XXXXXX", base, tag);
    if (n < 0 || (size_t)n >= len) {
        if (len)
            path[0] = '\0';
        return -ENAMETOOLONG;
    }
    if (mkdtemp(path) == NULL) {
        int e = -errno;
        path[0] = '\0';
        return e;
    }
    return 0;
}

void io_tmpdir_remove(const char *path)
{
    DIR *d;
    struct dirent *e;

    if (path == NULL || path[0] == '\0')
        return;
    d = opendir(path);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(path);
}
