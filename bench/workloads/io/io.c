/*
 * io_common.c - what the workloads of wsbench_workloads share (io_common.h).
 */
#include "workloads/io/io.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/hist.h"

/* ---- every workload ---------------------------------------------------------------------- */

int wl_param_u64(const char *wname, const char *params, const char *key, uint64_t lo, uint64_t hi,
                 uint64_t dflt, uint64_t *out, char *err, size_t errlen)
{
    int r;

    *out = dflt;
    r = param_u64(params ? params : "", key, lo, hi, out);
    if (r < 0) {
        snprintf(err, errlen, "%s: %s: want an integer in [%" PRIu64 ", %" PRIu64 "]", wname, key,
                 lo, hi);
        return -EINVAL;
    }
    return 0;
}

void wl_label(char *label, size_t len, const char *wname, const char *params)
{
    if (params != NULL && params[0] != '\0')
        snprintf(label, len, "%s/%s", wname, params);
    else
        snprintf(label, len, "%s", wname);
}

uint64_t wl_token(void)
{
    uint64_t t;

    if (getrandom(&t, sizeof(t), GRND_NONBLOCK) == (ssize_t)sizeof(t))
        return t;
    /* No entropy yet (early boot): distinct enough for telling states apart. */
    return wl_mix64(exec_now_ns() ^ ((uint64_t)getpid() << 40) ^ (uintptr_t)&t);
}

void wl_map_failed(struct work_run *run, const char *label, const struct exec_ops *ops,
                   struct exec *x, const struct exec_piece *pieces, size_t n, int err)
{
    const char *why = ops->last_error ? ops->last_error(x) : NULL;
    const char *sep = why && why[0] ? " (" : "", *end = why && why[0] ? ")" : "";
    size_t i;

    if (!why)
        why = "";
    for (i = 0; i < n && pieces[i].status == 0; i++)
        ;
    if (i < n)
        snprintf(run->error, sizeof(run->error), "%s on %s: piece %" PRIu32 " failed: %s%s%s%s",
                 label, ops->name, pieces[i].id,
                 pieces[i].status == -ESTALE
                     ? "its worker process was forked before prepare() and lacks the inputs"
                     : strerror(-pieces[i].status),
                 sep, why, end);
    else
        snprintf(run->error, sizeof(run->error), "%s on %s: map failed: %s%s%s%s", label, ops->name,
                 strerror(-err), sep, why, end);
}

/* ---- IO and mixed workloads: one piece per task ------------------------------------------ */

/* One run's pieces, with their argument and result areas. */
struct io_batch {
    size_t n;
    size_t arg_size; /* rounded up to 16, so each argument is aligned for any struct */
    size_t res_cap;  /* rounded up to 16 likewise */
    struct exec_piece *pieces;
    unsigned char *args; /* n * arg_size bytes, zeroed: padding crosses processes as zeros */
    unsigned char *res;  /* n * res_cap bytes */
};

static size_t io_round16(size_t v)
{
    return (v + 15) / 16 * 16;
}

static void io_batch_free(struct io_batch *b)
{
    free(b->pieces);
    free(b->args);
    free(b->res);
}

/* n pieces of desc d, each argument filled in. 0, -E2BIG or -ENOMEM. */
static int io_batch_init(struct io_batch *b, const struct io_desc *d, const void *state, size_t n)
{
    size_t i;

    memset(b, 0, sizeof(*b));
    if (n > UINT32_MAX)
        return -E2BIG; /* piece ids are 32-bit */
    b->n = n;
    b->arg_size = io_round16(d->arg_size);
    b->res_cap = io_round16(d->res_size);
    b->pieces = calloc(n ? n : 1, sizeof(*b->pieces));
    b->args = calloc(n ? n : 1, b->arg_size);
    b->res = calloc(n ? n : 1, b->res_cap);
    if (!b->pieces || !b->args || !b->res) {
        io_batch_free(b);
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        b->pieces[i].id = (uint32_t)i;
        b->pieces[i].arg = b->args + i * b->arg_size;
        b->pieces[i].arg_len = d->arg_size;
        b->pieces[i].res = b->res + i * b->res_cap;
        b->pieces[i].res_cap = b->res_cap;
        d->fill(state, i, b->args + i * b->arg_size);
    }
    return 0;
}

/* The serial twin's map: every piece in order on this thread. 0 or the first failure. */
static int io_batch_serial(struct io_batch *b, exec_piece_fn fn)
{
    uint64_t t_submit = exec_now_ns();
    int first = 0;
    size_t i;

    for (i = 0; i < b->n; i++) {
        struct exec_piece *p = &b->pieces[i];

        p->t_submit_ns = t_submit;
        p->t_start_ns = exec_now_ns();
        p->res_len = 0;
        p->status = fn(p->arg, p->arg_len, p->res, p->res_cap, &p->res_len);
        if (p->status == 0 && p->res_len > p->res_cap)
            p->status = -EMSGSIZE;
        p->t_done_ns = exec_now_ns();
        if (p->status && !first)
            first = p->status;
    }
    return first;
}

/* Piece i's answer: its length and id here, the rest by the workload's check(). */
static int io_check(const struct io_head *h, const void *state, size_t i,
                    const struct exec_piece *p, char *why, size_t whylen)
{
    uint32_t id;

    if (p->res_len != h->desc->res_size) {
        snprintf(why, whylen, "%zu result bytes, expected %zu", p->res_len, h->desc->res_size);
        return -EPROTO;
    }
    memcpy(&id, p->res, sizeof(id));
    if (id != i) {
        snprintf(why, whylen, "answered as piece %" PRIu32, id);
        return -EPROTO;
    }
    return h->desc->check(state, i, p->arg, p->res, why, whylen);
}

/* io_run() with ops NULL: the serial twin. */
static int io_go(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    const struct io_head *h = state;
    const char *ename = ops ? ops->name : "the serial twin";
    struct io_batch b;
    char why[160];
    size_t i;
    int err;

    run->tasks = 0;
    run->error[0] = '\0';
    err = io_batch_init(&b, h->desc, state, h->tasks);
    if (err) {
        snprintf(run->error, sizeof(run->error), "%s on %s: %s", h->label, ename, strerror(-err));
        return err;
    }
    err = ops ? (b.n ? ops->map(x, h->desc->piece, b.pieces, b.n) : 0)
              : io_batch_serial(&b, h->desc->piece);
    if (err) {
        if (ops) {
            wl_map_failed(run, h->label, ops, x, b.pieces, b.n, err);
        } else {
            for (i = 0; i < b.n && b.pieces[i].status == 0; i++)
                ;
            snprintf(run->error, sizeof(run->error), "%s on %s: piece %zu failed: %s", h->label,
                     ename, i, strerror(-err));
        }
        goto out;
    }
    for (i = 0; i < b.n; i++) {
        const struct exec_piece *p = &b.pieces[i];

        why[0] = '\0';
        err = io_check(h, state, i, p, why, sizeof(why));
        if (err) {
            snprintf(run->error, sizeof(run->error), "%s on %s: piece %zu: %s", h->label, ename, i,
                     why);
            goto out;
        }
        if (run->latency)
            hist_record(run->latency, p->t_done_ns - p->t_submit_ns);
    }
    run->tasks = b.n;
out:
    io_batch_free(&b);
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

/* ---- blocking IO with a deadline --------------------------------------------------------- */

uint64_t io_block_ns(uint64_t ns)
{
    uint64_t t0 = exec_now_ns(), end = t0 + ns;
    struct timespec ts = {.tv_sec = (time_t)(end / 1000000000u),
                          .tv_nsec = (long)(end % 1000000000u)};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    return exec_now_ns() - t0;
}

int io_wait(int fd, short events, int timeout_ms)
{
    uint64_t deadline = exec_now_ns() + (uint64_t)timeout_ms * 1000000u;
    struct pollfd pfd = {.fd = fd, .events = events};

    for (;;) {
        uint64_t now = exec_now_ns();
        int r;

        if (now >= deadline)
            return -ETIMEDOUT;
        r = poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000));
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -errno;
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
