/*
 * uv.c - the event-loop models, on libuv (the loop under Node.js, and under
 * uvloop, the fastest asyncio loop):
 *
 *  eventloop        asyncio: one loop thread serves every connection; a
 *                   request's work runs on the loop, fanout parts in turn.
 *  eventloop-cores  nginx, Node's cluster: --workers loops, one thread
 *                   each, every one with its own listening socket on the
 *                   same port (SO_REUSEPORT: the kernel spreads connections
 *                   over them by a hash of the addresses, no balancing
 *                   after that).
 *
 * Per connection: a uv_tcp_t, an http_conn and nothing else. Reads land in
 * the loop's one buffer (a read is parsed before the next one is made),
 * so the memory a connection costs is its handle and its parser, not a
 * buffer. A reply goes out by uv_try_write(); only what the socket did not
 * take is copied into a uv_write request.
 *
 * Stopping: main() waits for the stop signal, then wakes each loop
 * (uv_async_send); a loop closes its listener, shuts the write side of
 * every connection down once its replies are written (uv_shutdown waits
 * for queued writes), reads and discards until the peer closes, and after
 * SERVE_LINGER_MS closes what is left. The loop returns when its last
 * handle is closed.
 *
 * Only the loop's own thread touches its handles; main() touches only the
 * uv_async_t (thread-safe) and, after joining, the loop's error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "serve/serve.h"

#define UV_READ_BUF 65536
#define UV_SWEEP_MS 100 /* how often lingering connections are checked for their deadline */

struct uvl;

struct uvc {
    uv_tcp_t tcp;
    uv_shutdown_t shut;
    struct uvl *L;
    struct uvc *prev, *next; /* the loop's connections */
    uint64_t linger_until;   /* uv_now() ms; 0: not lingering */
    struct http_conn h;
};

/* A reply the socket did not take at once. */
struct uvw {
    uv_write_t req;
    struct uvc *c;
    int status;
    char data[];
};

struct uvl {
    struct serve *s;
    uv_loop_t loop;
    uv_tcp_t server;
    uv_async_t stop;
    uv_timer_t sweep;
    pthread_t thread;
    int lfd;
    bool stopping, sweeping;
    int err; /* why the loop could not start: a negative errno */
    struct uvc head;
    char rbuf[UV_READ_BUF];
};

static void uvc_on_close(uv_handle_t *h)
{
    struct uvc *c = h->data;
    c->prev->next = c->next;
    c->next->prev = c->prev;
    serve_count(&c->L->s->n->active, -1);
    free(c);
}

static void uvc_close(struct uvc *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, uvc_on_close);
}

static void uvl_on_sweep(uv_timer_t *t)
{
    struct uvl *L = t->data;
    uint64_t now = uv_now(&L->loop);
    bool any = false;
    for (struct uvc *c = L->head.next, *next; c != &L->head; c = next) {
        next = c->next;
        if (c->linger_until != 0 && now >= c->linger_until)
            uvc_close(c);
        else if (c->linger_until != 0)
            any = true;
    }
    if (L->stopping) {
        /* The last round: once no connection is left, the loop's last handle goes. */
        if (L->head.next == &L->head && !uv_is_closing((uv_handle_t *)t))
            uv_close((uv_handle_t *)t, NULL);
    } else if (!any) {
        uv_timer_stop(t);
        L->sweeping = false;
    }
}

static void uvc_on_shutdown(uv_shutdown_t *req, int status)
{
    struct uvc *c = req->data;
    if (status != 0)
        uvc_close(c); /* the peer is gone (or the write side already failed) */
}

/* The server ends c: FIN after its queued replies, then discard until the peer closes. */
static void uvc_linger(struct uvc *c)
{
    struct uvl *L = c->L;
    if (c->linger_until != 0 || uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    c->linger_until = uv_now(&L->loop) + SERVE_LINGER_MS;
    c->shut.data = c;
    if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, uvc_on_shutdown) != 0) {
        uvc_close(c);
        return;
    }
    if (!L->sweeping) {
        uv_timer_start(&L->sweep, uvl_on_sweep, UV_SWEEP_MS, UV_SWEEP_MS);
        L->sweeping = true;
    }
}

static void uvc_on_write(uv_write_t *req, int status)
{
    struct uvw *w = (struct uvw *)req;
    struct uvc *c = w->c;
    serve_count_reply(c->L->s, w->status, status == 0);
    free(w);
    if (status != 0)
        uvc_close(c);
}

/* Sends one reply; false if the connection failed (and is closing). */
static bool uvc_send(struct uvc *c, const char *out, const struct http_reply *r)
{
    uv_buf_t b = uv_buf_init((char *)out, (unsigned)r->len);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n == (int)r->len) {
        serve_count_reply(c->L->s, r->status, true);
        return true;
    }
    if (n < 0 && n != UV_EAGAIN) {
        serve_count_reply(c->L->s, r->status, false);
        uvc_close(c);
        return false;
    }
    size_t done = n > 0 ? (size_t)n : 0, rest = r->len - done;
    struct uvw *w = malloc(sizeof(*w) + rest);
    if (w == NULL) {
        serve_count_reply(c->L->s, r->status, false);
        uvc_close(c);
        return false;
    }
    w->c = c;
    w->status = r->status;
    memcpy(w->data, out + done, rest);
    b = uv_buf_init(w->data, (unsigned)rest);
    int e = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, uvc_on_write);
    if (e != 0) {
        free(w);
        serve_count_reply(c->L->s, r->status, false);
        uvc_close(c);
        return false;
    }
    return true;
}

static void uvc_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct uvc *c = h->data;
    (void)hint;
    *buf = uv_buf_init(c->L->rbuf, sizeof(c->L->rbuf));
}

static void uvc_on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct uvc *c = st->data;
    struct uvl *L = c->L;
    char out[HTTP_REPLY_MAX];
    if (nread < 0) {
        uvc_close(c); /* EOF (a request begun is dropped) or an error */
        return;
    }
    if (c->linger_until != 0)
        return; /* discarded: the server has ended this connection */
    for (size_t off = 0; off < (size_t)nread;) {
        size_t used = http_conn_parse(&c->h, buf->base + off, (size_t)nread - off);
        off += used;
        if (!c->h.complete && !c->h.failed) {
            if (used == 0)
                break; /* cannot happen: the parser takes what it is given */
            continue;
        }
        serve_count(&L->s->n->requests, 1);
        struct http_reply r = http_conn_respond(&c->h, L->s->iters_per_us, NULL, out);
        if (!uvc_send(c, out, &r))
            return;
        if (!r.keep) {
            uvc_linger(c);
            return;
        }
    }
}

static void uvl_on_connection(uv_stream_t *server, int status)
{
    struct uvl *L = server->data;
    static _Atomic int warned; /* one report per process */
    if (status < 0) {
        if (!atomic_exchange_explicit(&warned, 1, memory_order_relaxed)) /* relaxed: a flag */
            fprintf(stderr, "wsserve: %s: accept: %s (reported once)\n", L->s->model->name,
                    uv_strerror(status));
        return;
    }
    struct uvc *c = calloc(1, sizeof(*c));
    if (c == NULL || uv_tcp_init(&L->loop, &c->tcp) != 0) {
        free(c);
        return; /* left in the backlog: libuv tries again at the next readiness */
    }
    c->L = L;
    c->tcp.data = c;
    c->next = L->head.next;
    c->prev = &L->head;
    L->head.next->prev = c;
    L->head.next = c;
    http_conn_init(&c->h);
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        serve_count(&L->s->n->active, 1); /* uvc_on_close counts it out */
        uvc_close(c);
        return;
    }
    serve_count(&L->s->n->connections, 1);
    if (!serve_admit(L->s)) {
        serve_count(&L->s->n->active, 1);
        uvc_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (uv_read_start((uv_stream_t *)&c->tcp, uvc_on_alloc, uvc_on_read) != 0)
        uvc_close(c);
}

static void uvl_on_stop(uv_async_t *a)
{
    struct uvl *L = a->data;
    L->stopping = true;
    uv_close((uv_handle_t *)&L->server, NULL);
    uv_close((uv_handle_t *)&L->stop, NULL);
    for (struct uvc *c = L->head.next, *next; c != &L->head; c = next) {
        next = c->next;
        uvc_linger(c);
    }
    /* The sweep closes every lingering connection at its deadline, then itself. */
    if (!L->sweeping) {
        uv_timer_start(&L->sweep, uvl_on_sweep, UV_SWEEP_MS, UV_SWEEP_MS);
        L->sweeping = true;
    }
}

static void *uvl_thread(void *arg)
{
    struct uvl *L = arg;
    uv_run(&L->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* Closes the handles of a loop that never ran, and the loop. */
static void uvl_teardown(struct uvl *L)
{
    uv_close((uv_handle_t *)&L->server, NULL); /* closes its socket */
    uv_close((uv_handle_t *)&L->stop, NULL);
    uv_close((uv_handle_t *)&L->sweep, NULL);
    uv_run(&L->loop, UV_RUN_DEFAULT);
    uv_loop_close(&L->loop);
}

/* Sets L up on its listening socket (taken: closed with the loop). 0, or a negative errno. */
static int uvl_init(struct uvl *L, struct serve *s, int lfd)
{
    int e;
    L->s = s;
    L->lfd = lfd;
    L->head.next = L->head.prev = &L->head;
    if ((e = uv_loop_init(&L->loop)) != 0) {
        close(lfd);
        return e;
    }
    if ((e = uv_tcp_init(&L->loop, &L->server)) != 0 || (e = uv_tcp_open(&L->server, lfd)) != 0) {
        close(lfd);
        uv_run(&L->loop, UV_RUN_NOWAIT);
        uv_loop_close(&L->loop);
        return e;
    }
    L->server.data = L;
    uv_async_init(&L->loop, &L->stop, uvl_on_stop);
    L->stop.data = L;
    uv_timer_init(&L->loop, &L->sweep);
    L->sweep.data = L;
    e = uv_listen((uv_stream_t *)&L->server, 65535, uvl_on_connection);
    if (e != 0)
        uvl_teardown(L);
    return e;
}

static int uvl_run_all(struct serve *s, unsigned k)
{
    struct uvl *L = calloc(k, sizeof(*L));
    unsigned ready = 0;
    int err = 0;
    if (L == NULL)
        return -ENOMEM;
    for (; ready < k; ready++) {
        int lfd = ready == 0 ? s->lfd : serve_listen(s->port, true, NULL);
        if (ready == 0)
            s->lfd = -1; /* the first loop's now */
        if (lfd < 0) {
            err = lfd;
            fprintf(stderr, "wsserve: %s: listening socket %u: %s\n", s->model->name, ready + 1,
                    strerror(-err));
            break;
        }
        if ((err = uvl_init(&L[ready], s, lfd)) != 0) {
            fprintf(stderr, "wsserve: %s: loop %u: %s\n", s->model->name, ready + 1,
                    uv_strerror(err));
            break;
        }
        if ((err = -pthread_create(&L[ready].thread, NULL, uvl_thread, &L[ready])) != 0) {
            fprintf(stderr, "wsserve: %s: cannot start loop thread %u: %s\n", s->model->name,
                    ready + 1, strerror(-err));
            uvl_teardown(&L[ready]);
            break;
        }
    }
    if (err == 0) {
        serve_ready(s);
        serve_wait_stop(s);
    }
    for (unsigned i = 0; i < ready; i++)
        uv_async_send(&L[i].stop);
    for (unsigned i = 0; i < ready; i++) {
        pthread_join(L[i].thread, NULL);
        int e = uv_loop_close(&L[i].loop);
        if (e != 0 && err == 0) {
            fprintf(stderr, "wsserve: %s: loop %u did not close: %s\n", s->model->name, i + 1,
                    uv_strerror(e));
            err = e;
        }
    }
    free(L);
    /* libuv keeps process-wide state (its signal pipe): release it, so that
     * the server's count of descriptors left open is its own. */
    uv_library_shutdown();
    return err;
}

static int uv_one(struct serve *s)
{
    return uvl_run_all(s, 1);
}

static int uv_cores(struct serve *s)
{
    return uvl_run_all(s, s->workers);
}

const struct serve_model serve_eventloop = {
    .name = "eventloop",
    .what = "one libuv loop thread (asyncio)",
    .run = uv_one,
};

const struct serve_model serve_eventloop_cores = {
    .name = "eventloop-cores",
    .what = "--workers libuv loops, a SO_REUSEPORT socket each (nginx)",
    .uses_workers = true,
    .reuseport = true,
    .run = uv_cores,
};
