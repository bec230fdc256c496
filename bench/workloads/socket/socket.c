/*
 * socket.c - the "socket" workload: request/response over loopback TCP
 * to a server in the benchmark process that answers each request after a
 * service delay, the shape of calling a remote service (a database, an HTTP
 * backend). For every executor each task is one piece of one map(): it
 * connects, sends K requests one at a time (each waits for its response),
 * checks every response, and closes.
 *
 * Parameters: tasks:<1..10^6> (default 1000), reqs:<1..10^6> (default 10),
 * delay_us:<0..10^7> (default 100).
 *
 * The server (started by prepare(), stopped by release()) is one thread
 * over epoll, serving any number of connections without ever blocking: it
 * listens on 127.0.0.1 at a port the kernel picks, reads requests from
 * non-blocking sockets, and queues each response to be written delay_us
 * after its request arrived. Since the delay is one constant, the queue is
 * a FIFO in due order, and one timerfd armed for its head (an absolute
 * CLOCK_MONOTONIC deadline, so never early) wakes the thread to write what
 * is due. Pieces in forked workers just connect to the port.
 *
 * Event-driven: the same client on a non-blocking socket, each step a wait
 * for it to be writable (connect) or readable (a response), never a
 * blocking call.
 *
 * The known answer: each response names the piece and the request's
 * sequence number and carries a hash of the request's nonce; and no
 * response comes back sooner than delay_us after its request was sent.
 * run->tasks = tasks; each piece's submit-to-done time goes to
 * run->latency.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "workloads/io/io.h"

#define SOCK_TAG_LISTEN (IO_LOOP_STOP - 1)
#define SOCK_TAG_TIMER  (IO_LOOP_STOP - 2)
#define SOCK_SALT       UINT64_C(0x5ca1ab1e0ddba11)

/* A request and its response: 16 bytes each way. */
struct sock_msg {
    uint32_t id;
    uint32_t seq;
    uint64_t word; /* request: a nonce; response: wl_mix64(nonce ^ SOCK_SALT) */
};

/* A connection, as the server thread sees it (indexed by descriptor). */
struct sock_conn {
    uint32_t gen; /* bumped when the descriptor is closed: stale queue entries skip it */
    uint32_t open;
    uint32_t have; /* bytes of the next request read so far */
    unsigned char in[sizeof(struct sock_msg)];
};

/* A response waiting for its due time. */
struct sock_due {
    uint64_t due_ns;
    int fd;
    uint32_t gen;
    struct sock_msg msg;
};

struct sock_state {
    struct io_head h;
    uint64_t reqs, delay_ns, token;
    uint16_t port;
    int lfd, tfd;          /* the listening socket, the timer; -1 when not open */
    struct io_loop server; /* the server thread and its epoll set */
    /* The server thread's own, from its start to its join. */
    struct sock_conn *conn;
    size_t nconn;
    struct sock_due *q; /* a ring: q[(head + k) % qcap], k < qlen, in due order */
    size_t qcap, qhead, qlen;
    uint64_t armed_ns; /* the timer's deadline, 0 if disarmed */
};

struct sock_arg {
    uint64_t token;
    uint32_t id, reqs;
    uint64_t delay_ns;
    uint16_t port;
    uint16_t pad[3];
};

struct sock_res {
    uint32_t id;
    uint32_t reqs_ok;    /* responses that matched, in order, before any that did not */
    uint64_t min_rtt_ns; /* the fastest round trip */
};

/* ---- the server thread ------------------------------------------------------------------- */

static void sock_close_conn(struct sock_state *s, int fd)
{
    close(fd); /* also leaves the epoll set */
    s->conn[fd].open = 0;
    s->conn[fd].gen++;
}

static void sock_send(struct sock_state *s, int fd, uint32_t gen, const struct sock_msg *m)
{
    if ((size_t)fd >= s->nconn || !s->conn[fd].open || s->conn[fd].gen != gen)
        return; /* the client left before its response was due */
    /* The client waits for each response before it sends again, so the socket's send buffer
     * has room; a short write means something is wrong with the client: drop it. */
    if (write(fd, m, sizeof(*m)) != (ssize_t)sizeof(*m))
        sock_close_conn(s, fd);
}

static void sock_arm(struct sock_state *s, uint64_t due_ns)
{
    struct itimerspec its = {.it_value = {.tv_sec = (time_t)(due_ns / 1000000000u),
                                          .tv_nsec = (long)(due_ns % 1000000000u)}};

    if (s->armed_ns == due_ns)
        return;
    timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
    s->armed_ns = due_ns;
}

/* Writes every response that is due, and arms the timer for the next. */
static void sock_flush(struct sock_state *s)
{
    uint64_t now = exec_now_ns();

    while (s->qlen > 0 && s->q[s->qhead].due_ns <= now) {
        struct sock_due *d = &s->q[s->qhead];
        sock_send(s, d->fd, d->gen, &d->msg);
        s->qhead = (s->qhead + 1) % s->qcap;
        s->qlen--;
    }
    if (s->qlen > 0)
        sock_arm(s, s->q[s->qhead].due_ns);
}

/* Queues a response of connection fd; 0 or -ENOMEM. */
static int sock_queue(struct sock_state *s, int fd, uint64_t due_ns, const struct sock_msg *m)
{
    if (s->qlen == s->qcap) {
        size_t ncap = s->qcap ? 2 * s->qcap : 256;
        struct sock_due *nq = malloc(ncap * sizeof(*nq));
        if (!nq)
            return -ENOMEM;
        for (size_t k = 0; k < s->qlen; k++)
            nq[k] = s->q[(s->qhead + k) % s->qcap];
        free(s->q);
        s->q = nq;
        s->qcap = ncap;
        s->qhead = 0;
    }
    s->q[(s->qhead + s->qlen) % s->qcap] =
        (struct sock_due){.due_ns = due_ns, .fd = fd, .gen = s->conn[fd].gen, .msg = *m};
    s->qlen++;
    return 0;
}

static void sock_accept(struct sock_state *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
        struct epoll_event ev = {.events = EPOLLIN};

        if (fd < 0)
            return; /* EAGAIN: all taken; anything else: the client sees its connect fail */
        if ((size_t)fd >= s->nconn) {
            size_t n = 2 * (size_t)fd + 64;
            struct sock_conn *c = realloc(s->conn, n * sizeof(*c));
            if (!c) {
                close(fd);
                continue;
            }
            memset(c + s->nconn, 0, (n - s->nconn) * sizeof(*c));
            s->conn = c;
            s->nconn = n;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        ev.data.u64 = (uint64_t)fd;
        s->conn[fd].open = 1;
        s->conn[fd].have = 0;
        if (epoll_ctl(s->server.epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
            sock_close_conn(s, fd);
    }
}

/* Connection fd is readable: take its requests and answer or queue each. */
static void sock_readable(struct sock_state *s, int fd)
{
    struct sock_conn *c;
    unsigned char buf[64 * sizeof(struct sock_msg)];
    uint64_t now = exec_now_ns();
    ssize_t r;

    if (fd < 0 || (size_t)fd >= s->nconn || !s->conn[fd].open)
        return; /* not ours (any more): never touch a descriptor number we do not hold */
    c = &s->conn[fd];
    r = read(fd, buf, sizeof(buf));
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        sock_close_conn(s, fd);
        return;
    }
    for (size_t off = 0; r > 0 && off < (size_t)r;) {
        size_t take = sizeof(c->in) - c->have;
        struct sock_msg m;

        if (take > (size_t)r - off)
            take = (size_t)r - off;
        memcpy(c->in + c->have, buf + off, take);
        c->have += (uint32_t)take;
        off += take;
        if (c->have < sizeof(c->in))
            break;
        c->have = 0;
        memcpy(&m, c->in, sizeof(m));
        m.word = wl_mix64(m.word ^ SOCK_SALT);
        if (s->delay_ns == 0) {
            sock_send(s, fd, c->gen, &m);
        } else if (sock_queue(s, fd, now + s->delay_ns, &m) != 0) {
            sock_close_conn(s, fd);
            return;
        }
        if (!c->open)
            return;
    }
}

static void *sock_server(void *arg)
{
    struct sock_state *s = arg;
    struct epoll_event ev[64];

    for (;;) {
        int n = epoll_wait(s->server.epfd, ev, 64, -1);

        for (int k = 0; k < n; k++) {
            uint64_t tag = ev[k].data.u64;
            uint64_t ticks;

            if (tag == IO_LOOP_STOP)
                return NULL;
            if (tag == SOCK_TAG_LISTEN) {
                sock_accept(s);
            } else if (tag == SOCK_TAG_TIMER) {
                if (read(s->tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks))
                    s->armed_ns = 0; /* it fired: disarmed until sock_arm() */
            } else {
                sock_readable(s, (int)tag);
            }
        }
        sock_flush(s);
    }
}

/* ---- a piece: one client connection ------------------------------------------------------ */

static int sock_connect(uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, e = 0;
    socklen_t len = sizeof(e);

    if (fd < 0)
        return -errno;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (errno != EINPROGRESS)
            e = -errno;
        else if ((e = io_wait(fd, POLLOUT, IO_TIMEOUT_MS)) == 0 &&
                 getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0)
            e = -e;
    }
    if (e) {
        close(fd);
        return e;
    }
    return fd;
}

/* exec_piece_fn: connect, K requests each awaiting its response, close. */
static int sock_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct sock_arg a;
    struct sock_res r = {0, 0, UINT64_MAX};
    int fd, e = 0;

    if ((e = io_piece_start(&a, sizeof(a), arg, arg_len, sizeof(r), res_cap)) != 0)
        return e;
    r.id = a.id;
    fd = sock_connect(a.port);
    if (fd < 0)
        return fd;
    for (uint32_t seq = 0; seq < a.reqs && e == 0; seq++) {
        struct sock_msg q = {a.id, seq, wl_mix64(a.token ^ ((uint64_t)a.id << 32) ^ seq)}, p;
        uint64_t t0 = exec_now_ns(), rtt;

        e = io_write_all(fd, &q, sizeof(q), IO_TIMEOUT_MS);
        if (e == 0)
            e = io_read_full(fd, &p, sizeof(p), (int)(a.delay_ns / 1000000u) + IO_TIMEOUT_MS);
        if (e != 0)
            break;
        rtt = exec_now_ns() - t0;
        if (p.id != q.id || p.seq != q.seq || p.word != wl_mix64(q.word ^ SOCK_SALT))
            break;
        r.reqs_ok++;
        if (rtt < r.min_rtt_ns)
            r.min_rtt_ns = rtt;
    }
    close(fd);
    if (e)
        return e;
    memcpy(res, &r, sizeof(r));
    *res_len = sizeof(r);
    return 0;
}

/* ---- the event-driven form: the same client, one wait per step ----------------------------- */

struct sock_ev {
    int fd;
    uint32_t seq;
    uint32_t sent, have; /* bytes of the request written, of the response read */
    uint64_t t0;         /* when the request went out */
    struct sock_msg q, p;
};

static void sock_ev_end(struct ev_ctx *c, struct io_task *t, int status)
{
    struct sock_ev *s = t->scratch;

    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    io_task_finish(c, t, status);
}

static void sock_ev_send(struct ev_ctx *c, struct io_task *t);

static void sock_ev_readable(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct io_task *t = io_task_of(r);
    struct sock_ev *s = t->scratch;
    const struct sock_arg *a = t->arg;
    struct sock_res *res = t->res;

    if (result < 0) {
        sock_ev_end(c, t, result);
        return;
    }
    ssize_t n = read(s->fd, (unsigned char *)&s->p + s->have, sizeof(s->p) - s->have);
    if (n == 0) {
        sock_ev_end(c, t, -ECONNRESET);
        return;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        sock_ev_end(c, t, -errno);
        return;
    }
    if (n > 0)
        s->have += (uint32_t)n;
    if (s->have < sizeof(s->p)) {
        int e = io_task_wait(c, t, s->fd, EV_READ, sock_ev_readable);
        if (e != 0)
            sock_ev_end(c, t, e);
        return;
    }
    uint64_t rtt = exec_now_ns() - s->t0;
    if (s->p.id != s->q.id || s->p.seq != s->q.seq ||
        s->p.word != wl_mix64(s->q.word ^ SOCK_SALT)) {
        sock_ev_end(c, t, 0); /* reqs_ok says how far it got: check() fails it */
        return;
    }
    res->reqs_ok++;
    if (rtt < res->min_rtt_ns)
        res->min_rtt_ns = rtt;
    if (++s->seq < a->reqs)
        sock_ev_send(c, t);
    else
        sock_ev_end(c, t, 0);
}

static void sock_ev_writable(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct io_task *t = io_task_of(r);

    if (result < 0)
        sock_ev_end(c, t, result);
    else
        sock_ev_send(c, t);
}

/* Writes (the rest of) the request, then waits for the response. */
static void sock_ev_send(struct ev_ctx *c, struct io_task *t)
{
    struct sock_ev *s = t->scratch;
    const struct sock_arg *a = t->arg;
    int e;

    if (s->sent == 0) {
        s->q =
            (struct sock_msg){a->id, s->seq, wl_mix64(a->token ^ ((uint64_t)a->id << 32) ^ s->seq)};
        s->have = 0;
        s->t0 = exec_now_ns();
    }
    ssize_t n = write(s->fd, (unsigned char *)&s->q + s->sent, sizeof(s->q) - s->sent);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        sock_ev_end(c, t, -errno);
        return;
    }
    if (n > 0)
        s->sent += (uint32_t)n;
    if (s->sent < sizeof(s->q)) {
        e = io_task_wait(c, t, s->fd, EV_WRITE, sock_ev_writable);
    } else {
        s->sent = 0;
        e = io_task_wait(c, t, s->fd, EV_READ, sock_ev_readable);
    }
    if (e != 0)
        sock_ev_end(c, t, e);
}

static void sock_ev_connected(struct ev_ctx *c, struct ev_req *r, int result)
{
    struct io_task *t = io_task_of(r);
    struct sock_ev *s = t->scratch;
    int e = 0;
    socklen_t len = sizeof(e);

    if (result < 0)
        e = result;
    else if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
        e = -errno;
    else
        e = -e;
    if (e != 0)
        sock_ev_end(c, t, e);
    else
        sock_ev_send(c, t);
}

static void sock_ev_start(struct ev_ctx *c, struct io_task *t)
{
    struct sock_ev *s = t->scratch;
    const struct sock_arg *a = t->arg;
    struct sock_res *res = t->res;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(a->port)};
    int one = 1;

    res->id = a->id;
    res->reqs_ok = 0;
    res->min_rtt_ns = UINT64_MAX;
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        io_task_finish(c, t, -errno);
        return;
    }
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        sock_ev_send(c, t);
    } else if (errno != EINPROGRESS) {
        sock_ev_end(c, t, -errno);
    } else {
        int e = io_task_wait(c, t, s->fd, EV_WRITE, sock_ev_connected);
        if (e != 0)
            sock_ev_end(c, t, e);
    }
}

static int sock_check(const void *state, const void *arg, const void *res, char *why, size_t whylen)
{
    const struct sock_state *s = state;
    const struct sock_res *r = res;

    (void)arg;
    if (r->reqs_ok != s->reqs) {
        snprintf(why, whylen, "request %" PRIu32 ": wrong response", r->reqs_ok);
        return -EPROTO;
    }
    if (r->min_rtt_ns < s->delay_ns) {
        snprintf(why, whylen, "a response after %" PRIu64 " ns, before the %" PRIu64 " ns delay",
                 r->min_rtt_ns, s->delay_ns);
        return -EPROTO;
    }
    return 0;
}

static void sock_fill(const void *state, size_t i, void *arg)
{
    const struct sock_state *s = state;
    struct sock_arg *a = arg; /* zeroed */

    a->token = s->token;
    a->id = (uint32_t)i;
    a->reqs = (uint32_t)s->reqs;
    a->delay_ns = s->delay_ns;
    a->port = s->port;
}

static const char *const sock_keys[] = {"tasks", "reqs", "delay_us", NULL};

static const struct io_desc sock_desc = IO_DESC(sock, "socket", sock_keys, 1000);

/* ---- prepare and release ----------------------------------------------------------------- */

static void sock_release(void *state)
{
    struct sock_state *s = state;

    if (!s)
        return;
    io_loop_close(&s->server);
    for (size_t fd = 0; fd < s->nconn; fd++)
        if (s->conn[fd].open)
            close((int)fd);
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->tfd >= 0)
        close(s->tfd);
    free(s->conn);
    free(s->q);
    free(s);
}

/* Opens the listening socket, the timer and the server's epoll set over them. */
static int sock_open(struct sock_state *s, char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    struct epoll_event ev = {.events = EPOLLIN};
    socklen_t len = sizeof(sa);
    int one = 1, e;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(s->lfd, (struct sockaddr *)&sa, &len) != 0 || listen(s->lfd, SOMAXCONN) != 0) {
        e = -errno;
        snprintf(err, errlen, "socket: cannot listen on 127.0.0.1: %s", strerror(-e));
        return e;
    }
    s->port = ntohs(sa.sin_port);
    s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (s->tfd < 0 || (e = io_loop_open(&s->server)) != 0) {
        e = -errno;
        snprintf(err, errlen, "socket: timerfd, eventfd or epoll: %s", strerror(-e));
        return e;
    }
    ev.data.u64 = SOCK_TAG_LISTEN;
    if (epoll_ctl(s->server.epfd, EPOLL_CTL_ADD, s->lfd, &ev) == 0) {
        ev.data.u64 = SOCK_TAG_TIMER;
        if (epoll_ctl(s->server.epfd, EPOLL_CTL_ADD, s->tfd, &ev) == 0)
            return 0;
    }
    e = -errno;
    snprintf(err, errlen, "socket: epoll_ctl: %s", strerror(-e));
    return e;
}

static int sock_prepare(void **state, const char *params, char *err, size_t errlen)
{
    struct sock_state *s;
    uint64_t tasks, reqs, delay_us;
    int e;

    if (io_params(&sock_desc, params, &tasks, err, errlen) ||
        wl_param_u64("socket", params, "reqs", 1, 1000000, 10, &reqs, err, errlen) ||
        wl_param_u64("socket", params, "delay_us", 0, 10000000, 100, &delay_us, err, errlen))
        return -EINVAL;
    s = io_state_new(sizeof(*s), &sock_desc, params, tasks, err, errlen);
    if (!s)
        return -ENOMEM;
    s->lfd = s->tfd = s->server.epfd = s->server.stop_fd = -1;
    s->reqs = reqs;
    s->delay_ns = delay_us * 1000u;
    s->token = wl_token();
    e = sock_open(s, err, errlen);
    if (e == 0 && (e = io_loop_start(&s->server, sock_server, s)) != 0)
        snprintf(err, errlen, "socket: cannot start the server thread: %s", strerror(-e));
    if (e) {
        sock_release(s);
        return e;
    }
    *state = s;
    return 0;
}

const struct workload workload_socket =
    IO_WORKLOAD("socket", "io", "tasks:1000/reqs:10/delay_us:100", "tasks:50/reqs:10/delay_us:100",
                sock_prepare, sock_release);
