/*
 * io.c - what the IO and mixed workloads share (io.h).
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
#include <time.h>
#include <unistd.h>

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
