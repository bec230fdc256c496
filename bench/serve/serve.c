/*
 * serve.c - what the models share (see serve.h).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve/serve.h"

int serve_listen(unsigned port, bool reuseport, unsigned *bound)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    socklen_t alen = sizeof(a);
    int one = 1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    /* The backlog asked is capped by net.core.somaxconn (4096 by default):
     * a burst of 10,000 connects waits there, not in SYN retries. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 65535) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    if (bound != NULL)
        *bound = ntohs(a.sin_port);
    return fd;
}

void serve_ready(const struct serve *s)
{
    printf("wsserve: ready model=%s port=%u pid=%d workers=%u iters_per_us=%.3f\n", s->model->name,
           s->port, (int)getpid(), s->workers, s->iters_per_us);
    fflush(stdout);
}

int serve_wait_stop(const struct serve *s)
{
    for (;;) {
        int sig = sigwaitinfo(&s->stop_set, NULL);
        if (sig > 0)
            return sig;
    }
}

int serve_accept(struct serve *s, bool nonblock)
{
    static _Atomic int warned; /* one report of a resource error per process */
    int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
    if (fd < 0) {
        int e = errno == EWOULDBLOCK ? EAGAIN : errno;
        if (e != EAGAIN && e != EINTR && e != ECONNABORTED &&
            !atomic_exchange_explicit(&warned, 1, memory_order_relaxed)) /* relaxed: a flag */
            fprintf(stderr, "wsserve: %s: accept: %s (reported once)\n", s->model->name,
                    strerror(e));
        return -e;
    }
    serve_count(&s->n->connections, 1);
    if (!serve_admit(s)) {
        close(fd);
        return -ECONNREFUSED;
    }
    /* Replies are one write each: no reason to wait for an ACK before the
     * next (pipelined) one, as every model here does. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

bool serve_admit(struct serve *s)
{
    /* relaxed: a count; --max-conns is a soft bound (a race admits one more at most per thread). */
    uint64_t was = atomic_fetch_add_explicit(&s->n->active, 1, memory_order_relaxed);
    if (s->max_conns != 0 && was >= s->max_conns) {
        atomic_fetch_sub_explicit(&s->n->active, 1, memory_order_relaxed);
        serve_count(&s->n->refused, 1);
        return false;
    }
    return true;
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void serve_linger(int fd, int ms)
{
    char sink[4096];
    int64_t end = ms_now() + ms;
    shutdown(fd, SHUT_WR);
    for (;;) {
        int left = (int)(end - ms_now());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0)
            break;
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t n = read(fd, sink, sizeof(sink));
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            break;
    }
    close(fd);
}

void serve_linger_all(int *fds, size_t n, int ms)
{
    char sink[4096];
    size_t open = 0;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; i < n; i++) {
        struct epoll_event e = {.events = EPOLLIN, .data.u64 = i};
        shutdown(fds[i], SHUT_WR);
        if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e) == 0) {
            open++;
        } else {
            close(fds[i]);
            fds[i] = -1;
        }
    }
    int64_t end = ms_now() + ms;
    while (open > 0) {
        struct epoll_event ev[64];
        int left = (int)(end - ms_now());
        if (left <= 0)
            break;
        int r = epoll_wait(ep, ev, 64, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (int k = 0; k < r; k++) {
            size_t i = (size_t)ev[k].data.u64;
            ssize_t got = read(fds[i], sink, sizeof(sink));
            if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
                close(fds[i]); /* also leaves the epoll set */
                fds[i] = -1;
                open--;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (ep >= 0)
        close(ep);
}

int serve_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

unsigned serve_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}
