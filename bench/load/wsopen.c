/*
 * wsopen.c - an open-loop HTTP/1.1 load generator: GET requests at a constant
 * offered rate over C keep-alive connections to 127.0.0.1, each request's
 * latency measured from the time it was meant to be sent.
 *
 *   wsopen --port P --rate R [--connections C] (--duration S | --requests N)
 *          [--path /?work=100] [--timeout S] [--connect-timeout S] [--threads T]
 *
 * The schedule. Request j (j = 0, 1, ...) is due at t0 + j / R and goes on
 * connection j mod C, so each connection has a schedule of its own at R / C
 * per second, and holds at most one request (no pipelining). A connection
 * whose previous reply is late sends its next request as soon as that reply
 * is in, and that request's latency still runs from its due time: a slow
 * server is charged for the requests it held up, which a closed-loop client
 * such as wrk never sends (coordinated omission; wrk2 and HdrHistogram
 * measure the same way). The run sends no request after its deadline
 * (t0 + S) or past the N-th; what was due before the deadline but still held
 * up behind a late reply is counted as unsent (backlog), never dropped.
 *
 * Every request is accounted for. Requests due = sent + unsent_backlog +
 * unsent_noconn (due while its connection could not be opened), and sent =
 * ok + non2xx + err_read (the connection closed or failed before the reply
 * was complete) + err_write + err_proto (a reply HTTP could not parse) +
 * timeout (no complete reply --timeout after it was sent; the connection is
 * closed then, so a late reply cannot be taken for the next one). After the
 * deadline the run waits for the replies outstanding (at most --timeout).
 * Besides these, err_connect counts connection attempts that failed and
 * closed_idle connections the server closed (or sent bytes on) with no
 * request outstanding; both reopen at the connection's next request.
 *
 * Replies are parsed by http-parser (Debian's libhttp-parser-dev): the status
 * line, Content-Length or chunked bodies, and keep-alive (a reply that asks
 * to close makes the next request reconnect). Latencies go into wsbench's
 * histogram (core/hist.h: ns, buckets 1/128 wide, under 0.4% error).
 *
 * Threads. --threads T splits the connections (connection i on thread
 * i mod T); each thread has its own epoll set, schedule heap, histograms and
 * counts, merged after the join. All connections are opened before t0, and
 * t0 is set once all threads have finished opening theirs (a barrier, which
 * also publishes t0). Each thread waits with epoll_pwait2's nanosecond
 * timeout and with timer slack set to 1 ns, so that sends leave on time; how
 * late they left anyway when their connection was idle in time (the
 * generator's own lag, which the latencies include) is reported as lag_*.
 *
 * Output: a human summary, then one line
 *   wsopen: offered_rps=.. achieved_rps=.. connections=.. ... check=ok
 * whose keys are listed in print_results(). Latencies: lat_* from the due
 * time, svc_* from the actual send (what a closed-loop client would report).
 * Exit status: 0 the run was made (whatever the server answered), 1 it could
 * not be (no socket, no epoll) or nothing was answered, 2 bad arguments.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <http_parser.h>

#include "core/hist.h"
#include "load/numarg.h"

#define MAX_CONNECTIONS 200000
#define MAX_THREADS     64
#define MAX_RATE        1e8
#define MAX_SECONDS     3600.0
#define READ_BUF        65536

/* ---- options ------------------------------------------------------------------------------- */

struct options {
    unsigned port;
    const char *path;
    double rate; /* requests per second, all connections together */
    unsigned conns;
    double duration;     /* seconds; 0: none */
    uint64_t requests;   /* 0: none */
    double timeout;      /* seconds, per request from its send */
    double conn_timeout; /* seconds, per connection attempt */
    unsigned threads;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: wsopen --port P --rate R [--connections C] (--duration S | --requests N)\n"
               "              [--path PATH] [--timeout S] [--connect-timeout S] [--threads T]\n"
               "  Sends HTTP/1.1 keep-alive GET PATH to 127.0.0.1:P at R requests per second\n"
               "  over C connections (default 1; at most one request outstanding on each),\n"
               "  for S seconds and/or N requests, and measures each request's latency from\n"
               "  the time it was due (open loop: no coordinated omission).\n"
               "  --path PATH          the request target (default /), e.g. '/?work=100&fanout=2'\n"
               "  --timeout S          a reply not complete S seconds after its request was\n"
               "                       sent is a timeout; its connection is closed (default 2)\n"
               "  --connect-timeout S  for each connection attempt (default 5)\n"
               "  --threads T          client threads, connections split among them (default 1)\n"
               "  Prints a summary and one 'wsopen: key=value ...' line. Exit status 0: run made;\n"
               "  1: it could not be made, or nothing was answered; 2: bad arguments.\n");
}

/* A request target: starts with '/', printable ASCII without spaces. */
static int valid_path(const char *p)
{
    if (p[0] != '/' || strlen(p) > 2000)
        return 0;
    for (; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return 0;
    return 1;
}

/* 0, 1 (--help) or -1 after saying what is wrong. */
static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){.path = "/", .conns = 1, .timeout = 2, .conn_timeout = 5, .threads = 1};
    int have_port = 0, have_rate = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return 1;
        static const char *const valued[] = {
            "--port", "--rate",    "--connections",     "--duration", "--requests",
            "--path", "--timeout", "--connect-timeout", "--threads"};
        int known = 0;
        for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
            known |= strcmp(a, valued[k]) == 0;
        if (!known) {
            fprintf(stderr, "wsopen: unknown argument '%s'\n", a);
            return -1;
        }
        if (v == NULL) {
            fprintf(stderr, "wsopen: %s wants a value\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--port") == 0) {
            if (arg_u64(v, 1, 65535, &u) != 0) {
                fprintf(stderr, "wsopen: --port wants a TCP port 1..65535, not '%s'\n", v);
                return -1;
            }
            o->port = (unsigned)u;
            have_port = 1;
        } else if (strcmp(a, "--rate") == 0) {
            if (arg_double(v, 1e-3, MAX_RATE, &o->rate) != 0) {
                fprintf(stderr,
                        "wsopen: --rate wants requests per second, 0.001 to %.0f, not '%s'\n",
                        MAX_RATE, v);
                return -1;
            }
            have_rate = 1;
        } else if (strcmp(a, "--connections") == 0) {
            if (arg_u64(v, 1, MAX_CONNECTIONS, &u) != 0) {
                fprintf(stderr, "wsopen: --connections wants 1 to %d, not '%s'\n", MAX_CONNECTIONS,
                        v);
                return -1;
            }
            o->conns = (unsigned)u;
        } else if (strcmp(a, "--duration") == 0) {
            if (arg_double(v, 1e-3, MAX_SECONDS, &o->duration) != 0) {
                fprintf(stderr, "wsopen: --duration wants seconds, 0.001 to %.0f, not '%s'\n",
                        MAX_SECONDS, v);
                return -1;
            }
        } else if (strcmp(a, "--requests") == 0) {
            if (arg_u64(v, 1, UINT64_C(1) << 40, &o->requests) != 0) {
                fprintf(stderr, "wsopen: --requests wants a positive count, not '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--path") == 0) {
            if (!valid_path(v)) {
                fprintf(stderr,
                        "wsopen: --path wants a request target that starts with '/' and has "
                        "no spaces or control characters, not '%s'\n",
                        v);
                return -1;
            }
            o->path = v;
        } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--connect-timeout") == 0) {
            double *t = a[2] == 't' ? &o->timeout : &o->conn_timeout;
            if (arg_double(v, 1e-3, MAX_SECONDS, t) != 0) {
                fprintf(stderr, "wsopen: %s wants seconds, 0.001 to %.0f, not '%s'\n", a,
                        MAX_SECONDS, v);
                return -1;
            }
        } else { /* --threads */
            if (arg_u64(v, 1, MAX_THREADS, &u) != 0) {
                fprintf(stderr, "wsopen: --threads wants 1 to %d, not '%s'\n", MAX_THREADS, v);
                return -1;
            }
            o->threads = (unsigned)u;
        }
    }
    if (!have_port || !have_rate) {
        fprintf(stderr, "wsopen: --port and --rate are required\n");
        return -1;
    }
    if (o->duration == 0 && o->requests == 0) {
        fprintf(stderr, "wsopen: give a bound: --duration S, --requests N, or both\n");
        return -1;
    }
    if (o->threads > o->conns) {
        fprintf(stderr, "wsopen: --threads %u is more than --connections %u\n", o->threads,
                o->conns);
        return -1;
    }
    return 0;
}

/* ---- the run's shared state ---------------------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct run {
    struct options o;
    char req[2200]; /* the request, formatted once */
    size_t req_len;
    struct sockaddr_in addr;
    double period_ns;   /* between consecutive due times, over all connections */
    uint64_t due_total; /* requests due: min(N, those due before the deadline) */
    uint64_t timeout_ns, conn_timeout_ns;
    pthread_barrier_t barrier;
    /* Written by the barrier's serial thread between the two waits, read by
     * every thread after the second: the barrier orders both. */
    uint64_t t0, deadline;
};

static uint64_t due_at(const struct run *r, uint64_t j)
{
    return r->t0 + (uint64_t)((double)j * r->period_ns);
}

/* ---- connections and their states --------------------------------------------------------- */

enum cstate {
    C_DOWN,       /* no socket; opens at its next due time */
    C_CONNECTING, /* a connect in progress (on the connecting list) */
    C_IDLE,       /* open, nothing outstanding (in the heap once the schedule runs) */
    C_BUSY,       /* a request outstanding (on the busy list) */
    C_FINISHED    /* no more requests for it */
};

struct conn {
    int fd;
    enum cstate state;
    unsigned id;              /* 0..C-1: takes requests id, id + C, id + 2C, ... */
    uint64_t seq;             /* k: its next request is j = id + k*C */
    uint64_t due;             /* due time of request j */
    uint64_t since;           /* when it started to connect, or sent its request */
    int pending;              /* connecting in order to send request j */
    int on_time;              /* idle before its request was due: lateness is ours */
    size_t woff;              /* bytes of the request written */
    size_t heap_i;            /* its place in the heap, or SIZE_MAX */
    struct conn *prev, *next; /* on the connecting or busy list */
    http_parser parser;
    int complete, keep; /* the parser saw a whole reply; may the connection stay open */
    unsigned status;
};

struct list {
    struct conn *head, *tail;
};

struct tally {
    uint64_t sent, ok, non2xx, err_read, err_write, err_proto, timeout;
    uint64_t unsent_backlog, unsent_noconn, err_connect, closed_idle;
    uint64_t last_answer; /* when the last reply came */
};

struct worker {
    struct run *r;
    int ep;
    struct conn *conns; /* this thread's, ids t, t + T, ... */
    size_t n;
    struct conn **heap; /* by due time: what is to be sent next */
    size_t nheap;
    struct list connecting, busy; /* each in the order it started, so the oldest is first */
    struct hist *lat, *svc, *lag;
    struct tally t;
    char *buf;
    int failed; /* errno of a failure that stopped this thread, or 0 */
    pthread_t th;
};

static void list_push(struct list *l, struct conn *c)
{
    c->next = NULL;
    c->prev = l->tail;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
}

static void list_remove(struct list *l, struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
}

/* The heap: a binary min-heap of connections by due time. */
static void heap_swap(struct worker *w, size_t a, size_t b)
{
    struct conn *t = w->heap[a];
    w->heap[a] = w->heap[b];
    w->heap[b] = t;
    w->heap[a]->heap_i = a;
    w->heap[b]->heap_i = b;
}

static void heap_push(struct worker *w, struct conn *c)
{
    size_t i = w->nheap++;
    w->heap[i] = c;
    c->heap_i = i;
    while (i > 0 && w->heap[(i - 1) / 2]->due > w->heap[i]->due) {
        heap_swap(w, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static struct conn *heap_pop(struct worker *w)
{
    struct conn *top = w->heap[0];
    w->nheap--;
    if (w->nheap > 0) {
        w->heap[0] = w->heap[w->nheap];
        w->heap[0]->heap_i = 0;
        for (size_t i = 0;;) {
            size_t l = 2 * i + 1, m = i;
            if (l < w->nheap && w->heap[l]->due < w->heap[m]->due)
                m = l;
            if (l + 1 < w->nheap && w->heap[l + 1]->due < w->heap[m]->due)
                m = l + 1;
            if (m == i)
                break;
            heap_swap(w, i, m);
            i = m;
        }
    }
    top->heap_i = SIZE_MAX;
    return top;
}

static int on_message_complete(http_parser *p)
{
    struct conn *c = p->data;
    c->complete = 1;
    c->status = p->status_code;
    c->keep = http_should_keep_alive(p);
    /* Stop here: bytes after this reply belong to no request (one at a time). */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings parser_settings = {.on_message_complete = on_message_complete};

static int ep_set(struct worker *w, struct conn *c, int op, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    return epoll_ctl(w->ep, op, c->fd, &ev);
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    c->state = C_DOWN;
}

/* Starts connecting c; the outcome comes as EPOLLOUT, or at once. 0, or a
 * negative errno (a local failure: no socket, no epoll). */
static int conn_open(struct worker *w, struct conn *c, uint64_t now)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* small requests, sent now */
    c->fd = fd;
    http_parser_init(&c->parser, HTTP_RESPONSE);
    c->parser.data = c;
    c->complete = 0;
    if (connect(fd, (const struct sockaddr *)&w->r->addr, sizeof(w->r->addr)) != 0 &&
        errno != EINPROGRESS) {
        w->t.err_connect++;
        conn_close(c);
        return 0;
    }
    if (ep_set(w, c, EPOLL_CTL_ADD, EPOLLOUT) != 0) {
        int e = -errno;
        conn_close(c);
        return e;
    }
    c->state = C_CONNECTING;
    c->since = now;
    list_push(&w->connecting, c);
    return 0;
}

/* Requests of c from its current one on that were due and will not be sent. */
static uint64_t remaining(const struct run *r, const struct conn *c)
{
    uint64_t j = c->id + c->seq * r->o.conns;
    return j >= r->due_total ? 0 : (r->due_total - j + r->o.conns - 1) / r->o.conns;
}

/* Moves c to its next request and queues it (in the heap), or finishes c. */
static void schedule_next(struct worker *w, struct conn *c, int advance, uint64_t now)
{
    const struct run *r = w->r;
    if (advance)
        c->seq++;
    uint64_t j = c->id + c->seq * r->o.conns;
    if (j >= r->due_total) {
        if (c->fd >= 0)
            conn_close(c);
        c->state = C_FINISHED;
        return;
    }
    c->due = due_at(r, j);
    c->on_time = c->state == C_IDLE && c->due > now;
    heap_push(w, c);
}

/* c is done with its request (answered or failed): count it, then next. */
static void request_done(struct worker *w, struct conn *c, uint64_t now, int keep_open)
{
    list_remove(&w->busy, c);
    if (keep_open) {
        c->state = C_IDLE;
        ep_set(w, c, EPOLL_CTL_MOD, EPOLLIN);
    } else {
        conn_close(c);
    }
    schedule_next(w, c, 1, now);
}

/* Writes what is left of c's request; on a failure counts err_write. */
static void conn_write(struct worker *w, struct conn *c, uint64_t now)
{
    const struct run *r = w->r;
    while (c->woff < r->req_len) {
        ssize_t n = send(c->fd, r->req + c->woff, r->req_len - c->woff, MSG_NOSIGNAL);
        if (n > 0) {
            c->woff += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ep_set(w, c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
            return;
        } else {
            w->t.err_write++;
            request_done(w, c, now, 0);
            return;
        }
    }
    ep_set(w, c, EPOLL_CTL_MOD, EPOLLIN);
}

/* Sends c's request j on its open connection. */
static void conn_send(struct worker *w, struct conn *c, uint64_t now)
{
    if (c->on_time)
        hist_record(w->lag, now > c->due ? now - c->due : 0);
    c->state = C_BUSY;
    c->since = now;
    c->woff = 0;
    c->complete = 0;
    w->t.sent++;
    list_push(&w->busy, c);
    conn_write(w, c, now);
}

/* c's request is due (it came off the heap). */
static int request_due(struct worker *w, struct conn *c, uint64_t now)
{
    if (w->r->o.duration > 0 && now >= w->r->deadline && !c->on_time) {
        /* Due before the deadline, but held up (behind a late reply, or a
         * connection that could not be opened) until after it: never sent.
         * (A request that is late only by our own lag still goes.) */
        if (c->state == C_DOWN)
            w->t.unsent_noconn += remaining(w->r, c);
        else
            w->t.unsent_backlog += remaining(w->r, c);
        if (c->fd >= 0)
            conn_close(c);
        c->state = C_FINISHED;
        return 0;
    }
    if (c->state == C_IDLE) {
        conn_send(w, c, now);
        return 0;
    }
    /* C_DOWN: reopen, and send once connected. */
    c->pending = 1;
    int e = conn_open(w, c, now);
    if (e == 0 && c->state == C_DOWN) { /* refused at once */
        c->pending = 0;
        w->t.unsent_noconn++;
        schedule_next(w, c, 1, now);
    }
    return e;
}

/* A connection attempt ended: ok, or failed (counted). */
static void connect_done(struct worker *w, struct conn *c, int ok, uint64_t now, int running)
{
    list_remove(&w->connecting, c);
    if (ok) {
        c->state = C_IDLE;
        ep_set(w, c, EPOLL_CTL_MOD, EPOLLIN);
    } else {
        w->t.err_connect++;
        conn_close(c);
    }
    if (!c->pending)
        return;
    c->pending = 0;
    if (ok && (w->r->o.duration == 0 || now < w->r->deadline)) {
        c->on_time = 0; /* its lateness is the connect's */
        conn_send(w, c, now);
        return;
    }
    w->t.unsent_noconn++;
    if (running)
        schedule_next(w, c, 1, now);
}

/* Bytes (or the end) arrived on c. */
static void conn_read(struct worker *w, struct conn *c, uint64_t now)
{
    ssize_t n = recv(c->fd, w->buf, READ_BUF, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    size_t len = n > 0 ? (size_t)n : 0; /* 0: tell the parser the stream ended */
    size_t used = http_parser_execute(&c->parser, &parser_settings, w->buf, len);
    enum http_errno pe = HTTP_PARSER_ERRNO(&c->parser);
    if (c->state != C_BUSY) {
        /* Nothing outstanding: a close, or bytes that answer nothing. It
         * reopens when its next request is due. */
        w->t.closed_idle++;
        conn_close(c);
        return;
    }
    if (c->complete && c->woff < w->r->req_len) {
        w->t.err_proto++; /* a reply before the request was written */
        request_done(w, c, now, 0);
    } else if (c->complete) {
        uint64_t lat = now - c->due, svc = now - c->since;
        hist_record(w->lat, lat);
        hist_record(w->svc, svc);
        if (c->status >= 200 && c->status < 300)
            w->t.ok++;
        else
            w->t.non2xx++;
        w->t.last_answer = now;
        /* Extra bytes, or an end of stream, after the reply: close. */
        int keep = c->keep && n > 0 && used == len;
        http_parser_pause(&c->parser, 0);
        c->complete = 0;
        request_done(w, c, now, keep);
    } else if (n <= 0) {
        w->t.err_read++; /* closed or reset before the reply was complete */
        request_done(w, c, now, 0);
    } else if (pe != HPE_OK) {
        w->t.err_proto++;
        request_done(w, c, now, 0);
    }
}

static void on_event(struct worker *w, struct conn *c, uint32_t ev, uint64_t now, int running)
{
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        connect_done(w, c, err == 0 && !(ev & (EPOLLERR | EPOLLHUP)), now, running);
        return;
    }
    if (c->state == C_BUSY && (ev & EPOLLOUT) && c->woff < w->r->req_len)
        conn_write(w, c, now);
    if ((c->state == C_BUSY || c->state == C_IDLE) && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        conn_read(w, c, now);
}

/* Timeouts of requests and connection attempts, oldest first. */
static void expire(struct worker *w, uint64_t now, int running)
{
    const struct run *r = w->r;
    while (w->busy.head && now - w->busy.head->since >= r->timeout_ns) {
        w->t.timeout++;
        request_done(w, w->busy.head, now, 0);
    }
    while (w->connecting.head && now - w->connecting.head->since >= r->conn_timeout_ns)
        connect_done(w, w->connecting.head, 0, now, running);
}

/* The next time something must happen: a send, or a timeout. */
static uint64_t next_event(const struct worker *w)
{
    uint64_t t = UINT64_MAX;
    if (w->nheap > 0)
        t = w->heap[0]->due;
    if (w->busy.head && w->busy.head->since + w->r->timeout_ns < t)
        t = w->busy.head->since + w->r->timeout_ns;
    if (w->connecting.head && w->connecting.head->since + w->r->conn_timeout_ns < t)
        t = w->connecting.head->since + w->r->conn_timeout_ns;
    return t;
}

/* One pass: wait until the next event or readiness, then handle both. 0 or a negative errno. */
static int step(struct worker *w, int running)
{
    struct epoll_event evs[256];
    uint64_t now = now_ns(), next = next_event(w);
    struct timespec ts = {0, 0};
    if (next > now) {
        uint64_t d = next - now;
        if (d > 100000000u) /* wake at least every 100 ms */
            d = 100000000u;
        ts.tv_sec = (time_t)(d / 1000000000u);
        ts.tv_nsec = (long)(d % 1000000000u);
    }
    int n = epoll_pwait2(w->ep, evs, 256, &ts, NULL);
    if (n < 0 && errno != EINTR)
        return -errno;
    now = now_ns();
    for (int i = 0; i < n; i++)
        on_event(w, evs[i].data.ptr, evs[i].events, now, running);
    expire(w, now, running);
    while (running && w->nheap > 0 && w->heap[0]->due <= now) {
        int e = request_due(w, heap_pop(w), now);
        if (e != 0)
            return e;
    }
    return 0;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->r;
    int e = 0;
    /* Open every connection before t0. */
    uint64_t now = now_ns();
    for (size_t i = 0; i < w->n && e == 0; i++)
        e = conn_open(w, &w->conns[i], now);
    while (e == 0 && w->connecting.head != NULL)
        e = step(w, 0);
    if (e != 0)
        w->failed = -e; /* still meets the others at the barrier */
    if (pthread_barrier_wait(&r->barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
        r->t0 = now_ns() + 1000000; /* 1 ms: every thread is past the barrier by then */
        r->deadline = r->o.duration > 0 ? r->t0 + (uint64_t)(r->o.duration * 1e9) : UINT64_MAX;
    }
    pthread_barrier_wait(&r->barrier);
    if (w->failed)
        return NULL;
    now = now_ns();
    for (size_t i = 0; i < w->n; i++) {
        struct conn *c = &w->conns[i];
        c->seq = 0;
        schedule_next(w, c, 0, now);
    }
    while (e == 0 && (w->nheap > 0 || w->busy.head != NULL || w->connecting.head != NULL))
        e = step(w, 1);
    if (e != 0)
        w->failed = -e;
    for (size_t i = 0; i < w->n; i++)
        if (w->conns[i].fd >= 0)
            conn_close(&w->conns[i]);
    return NULL;
}

/* ---- setup and results --------------------------------------------------------------------- */

static int worker_init(struct worker *w, struct run *r, unsigned t)
{
    *w = (struct worker){.r = r, .ep = -1};
    for (unsigned id = t; id < r->o.conns; id += r->o.threads)
        w->n++;
    w->conns = calloc(w->n, sizeof(*w->conns));
    w->heap = calloc(w->n, sizeof(*w->heap));
    w->buf = malloc(READ_BUF);
    if (w->conns == NULL || w->heap == NULL || w->buf == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < w->n; i++)
        w->conns[i] =
            (struct conn){.fd = -1, .id = t + (unsigned)i * r->o.threads, .heap_i = SIZE_MAX};
    int e;
    if ((e = hist_create(&w->lat, HIST_ONE_HOUR_NS)) != 0 ||
        (e = hist_create(&w->svc, HIST_ONE_HOUR_NS)) != 0 ||
        (e = hist_create(&w->lag, HIST_ONE_HOUR_NS)) != 0)
        return e;
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    return w->ep < 0 ? -errno : 0;
}

static void worker_fini(struct worker *w)
{
    if (w->ep >= 0)
        close(w->ep);
    free(w->conns);
    free(w->heap);
    free(w->buf);
    hist_destroy(w->lat);
    hist_destroy(w->svc);
    hist_destroy(w->lag);
}

static uint64_t pct(const struct hist *h, double p)
{
    uint64_t v = 0;
    hist_percentile(h, p, &v);
    return v;
}

/* Prints the summary and the key=value line; 0 if the counts add up. */
static int print_results(const struct run *r, const struct tally *t, const struct hist *lat,
                         const struct hist *svc, const struct hist *lag, uint64_t end)
{
    uint64_t answered = t->ok + t->non2xx;
    uint64_t outcomes = answered + t->err_read + t->err_write + t->err_proto + t->timeout;
    uint64_t accounted = t->sent + t->unsent_backlog + t->unsent_noconn;
    int ok = outcomes == t->sent && accounted == r->due_total;
    /* Achieved over the run's window: to the deadline, or to the last reply if later. */
    uint64_t stop =
        r->o.duration > 0 && r->deadline > t->last_answer ? r->deadline : t->last_answer;
    double window = stop > r->t0 ? (double)(stop - r->t0) / 1e9 : 0;
    double achieved = window > 0 ? (double)answered / window : 0;
    printf("wsopen: %.6g requests/s offered to 127.0.0.1:%u%s over %u connection%s, %u "
           "thread%s\n",
           r->o.rate, r->o.port, r->o.path, r->o.conns, r->o.conns == 1 ? "" : "s", r->o.threads,
           r->o.threads == 1 ? "" : "s");
    printf("  %" PRIu64 " due, %" PRIu64 " sent, %" PRIu64 " answered in %.3f s: %.6g "
           "requests/s\n",
           r->due_total, t->sent, answered, window, achieved);
    printf("  latency from due time: p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, "
           "max %.1f us\n",
           pct(lat, 50) / 1e3, pct(lat, 90) / 1e3, pct(lat, 99) / 1e3, pct(lat, 99.9) / 1e3,
           hist_max(lat) / 1e3);
    printf("  from actual send:      p50 %.1f us, p99 %.1f us; send lag when on time: p99 "
           "%.1f us, max %.1f us\n",
           pct(svc, 50) / 1e3, pct(svc, 99) / 1e3, pct(lag, 99) / 1e3, hist_max(lag) / 1e3);
    printf("  non-2xx %" PRIu64 "; errors: connect %" PRIu64 ", read %" PRIu64 ", write %" PRIu64
           ", protocol %" PRIu64 ", timeout %" PRIu64 "; unsent: backlog %" PRIu64
           ", no connection %" PRIu64 "; idle connections closed by the server %" PRIu64 "\n",
           t->non2xx, t->err_connect, t->err_read, t->err_write, t->err_proto, t->timeout,
           t->unsent_backlog, t->unsent_noconn, t->closed_idle);
    printf(
        "wsopen: offered_rps=%.6g achieved_rps=%.6g connections=%u threads=%u "
        "duration_s=%.6g window_s=%.6g due=%" PRIu64 " sent=%" PRIu64 " answered=%" PRIu64
        " ok=%" PRIu64 " non2xx=%" PRIu64 " err_connect=%" PRIu64 " err_read=%" PRIu64
        " err_write=%" PRIu64 " err_proto=%" PRIu64 " timeout=%" PRIu64 " unsent_backlog=%" PRIu64
        " unsent_noconn=%" PRIu64 " closed_idle=%" PRIu64 " lat_p50_ns=%" PRIu64
        " lat_p90_ns=%" PRIu64 " lat_p99_ns=%" PRIu64 " lat_p999_ns=%" PRIu64 " lat_max_ns=%" PRIu64
        " lat_mean_ns=%.0f svc_p50_ns=%" PRIu64 " svc_p99_ns=%" PRIu64 " lag_p99_ns=%" PRIu64
        " lag_max_ns=%" PRIu64 " elapsed_s=%.6g check=%s\n",
        r->o.rate, achieved, r->o.conns, r->o.threads, r->o.duration, window, r->due_total, t->sent,
        answered, t->ok, t->non2xx, t->err_connect, t->err_read, t->err_write, t->err_proto,
        t->timeout, t->unsent_backlog, t->unsent_noconn, t->closed_idle, pct(lat, 50), pct(lat, 90),
        pct(lat, 99), pct(lat, 99.9), hist_max(lat), hist_mean(lat), pct(svc, 50), pct(svc, 99),
        pct(lag, 99), hist_max(lag), (double)(end - r->t0) / 1e9, ok ? "ok" : "MISMATCH");
    if (!ok)
        fprintf(stderr,
                "wsopen: the counts do not add up: sent %" PRIu64 " but %" PRIu64
                " outcomes; due %" PRIu64 " but %" PRIu64 " sent or unsent\n",
                t->sent, outcomes, r->due_total, accounted);
    return ok ? 0 : -1;
}

/* Enough descriptors for C connections and a few more. 0, or -1 after saying why. */
static int raise_nofile(unsigned conns)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t need = (rlim_t)conns + 64;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        fprintf(stderr,
                "wsopen: %u connections need %llu descriptors, but the limit is %llu (hard "
                "limit %llu)\n",
                conns, (unsigned long long)need, (unsigned long long)rl.rlim_cur,
                (unsigned long long)rl.rlim_max);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct run r;
    int pr = parse_args(argc, argv, &r.o);
    if (pr != 0) {
        usage(pr > 0 ? stdout : stderr);
        return pr > 0 ? 0 : 2;
    }
    if (raise_nofile(r.o.conns) != 0)
        return 2;
    int len = snprintf(r.req, sizeof(r.req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                       r.o.path, r.o.port);
    r.req_len = (size_t)len;
    r.addr = (struct sockaddr_in){.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t)r.o.port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    r.period_ns = 1e9 / r.o.rate;
    r.timeout_ns = (uint64_t)(r.o.timeout * 1e9);
    r.conn_timeout_ns = (uint64_t)(r.o.conn_timeout * 1e9);
    /* Due: j < N, and j's due offset j * period before the duration. */
    uint64_t due = UINT64_MAX;
    if (r.o.duration > 0) {
        double d = r.o.duration * 1e9;
        due = (uint64_t)ceil(d / r.period_ns);
        while (due > 0 && (uint64_t)((double)(due - 1) * r.period_ns) >= (uint64_t)d)
            due--;
        while ((uint64_t)((double)due * r.period_ns) < (uint64_t)d)
            due++;
    }
    if (r.o.requests > 0 && r.o.requests < due)
        due = r.o.requests;
    r.due_total = due;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* sleeps end on time (the default slack is 50 us) */
    signal(SIGPIPE, SIG_IGN);

    struct worker *ws = calloc(r.o.threads, sizeof(*ws));
    int rc = ws == NULL ? -ENOMEM : 0;
    unsigned made = 0;
    for (; rc == 0 && made < r.o.threads; made++)
        rc = worker_init(&ws[made], &r, made);
    int barrier = 0;
    if (rc == 0 && (rc = -pthread_barrier_init(&r.barrier, NULL, r.o.threads)) == 0)
        barrier = 1;
    unsigned started = 0;
    for (; rc == 0 && started < r.o.threads; started++)
        if ((rc = -pthread_create(&ws[started].th, NULL, worker_main, &ws[started])) != 0)
            break;
    if (rc != 0 && started > 0) {
        /* The barrier counts every thread: those started would wait forever. */
        fprintf(stderr, "wsopen: cannot start thread %u: %s\n", started, strerror(-rc));
        _exit(1);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].th, NULL);
    uint64_t end = now_ns();
    if (rc != 0) {
        fprintf(stderr, "wsopen: %s\n", strerror(-rc));
    } else {
        struct tally t = {0};
        for (unsigned i = 0; i < r.o.threads; i++) {
            if (ws[i].failed && rc == 0) {
                rc = -ws[i].failed;
                fprintf(stderr, "wsopen: thread %u failed: %s\n", i, strerror(ws[i].failed));
            }
            const struct tally *s = &ws[i].t;
            t.sent += s->sent;
            t.ok += s->ok;
            t.non2xx += s->non2xx;
            t.err_read += s->err_read;
            t.err_write += s->err_write;
            t.err_proto += s->err_proto;
            t.timeout += s->timeout;
            t.unsent_backlog += s->unsent_backlog;
            t.unsent_noconn += s->unsent_noconn;
            t.err_connect += s->err_connect;
            t.closed_idle += s->closed_idle;
            if (s->last_answer > t.last_answer)
                t.last_answer = s->last_answer;
            if (i > 0) {
                hist_merge(ws[0].lat, ws[i].lat);
                hist_merge(ws[0].svc, ws[i].svc);
                hist_merge(ws[0].lag, ws[i].lag);
            }
        }
        if (rc == 0) {
            if (print_results(&r, &t, ws[0].lat, ws[0].svc, ws[0].lag, end) != 0)
                rc = -EPROTO;
            else if (t.ok + t.non2xx == 0) {
                fprintf(stderr, "wsopen: no request was answered\n");
                rc = -ENODATA;
            }
        }
    }
    if (barrier)
        pthread_barrier_destroy(&r.barrier);
    for (unsigned i = 0; i < made; i++)
        worker_fini(&ws[i]);
    free(ws);
    return rc == 0 ? 0 : 1;
}
