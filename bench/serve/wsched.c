/*
 * wsched.c - the work-stealing model: libwsched's reactor delivers every
 * readiness as a continuation, a task that any worker may run, and a
 * request's fanout parts are fork-join tasks (ws_parallel_for) that idle
 * workers steal. Requests are continuations; fanout is fork-join inside a
 * request; nothing blocks a worker.
 *
 * A connection is a struct wconn with one ws_io (its read wait, or its
 * write wait while a reply waits for room) and a second for the timer of
 * a lingering close. Reads land in the continuation's stack buffer: the
 * parser copies what it needs, so only input left over while a reply waits
 * for room is kept (on the heap, rarely).
 *
 * Stopping: main() waits for the stop signal, then ws_pool_destroy():
 * admission stops, every armed wait completes with -ECANCELED, and waits
 * armed afterwards fail with -ESHUTDOWN. Either way the connection's
 * replies already taken by the socket stand, a reply still waiting for room
 * is finished with a bounded blocking write, and its descriptor goes to the
 * list that main() lingers over (serve_linger_all) once the pool is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wsched.h>

#include "serve/serve.h"

#define WS_READ_BUF          8192
#define WS_ACCEPT_BATCH      64 /* connections taken per readiness of the listener */
#define WS_ACCEPT_BACKOFF_NS 10000000u

struct wsv {
    struct serve *s;
    ws_pool *pool;
    ws_io lio;
    pthread_mutex_t lock; /* the linger list */
    int *linger;
    size_t nlinger, cap;
};

struct wconn {
    ws_io io;  /* read or write wait */
    ws_io tio; /* a lingering close's deadline */
    struct wsv *m;
    int fd;
    /* A reply the socket has not taken all of, and the input after it. */
    char out[HTTP_REPLY_MAX];
    size_t out_len, out_off;
    struct http_reply pending;
    char *rest;
    size_t rest_len;
    /* A lingering close: both waits' callbacks end it, the second frees. */
    _Atomic int ends;
    _Atomic int expired;
    bool saw_eof;
    struct http_conn h;
};

static void wc_on_read(ws_worker *w, ws_head h, ws_io *io, int rev);
static void wc_on_write(ws_worker *w, ws_head h, ws_io *io, int rev);

/* Hands fd to main()'s lingering close after the pool is gone. */
static void wsv_defer_linger(struct wsv *m, int fd)
{
    pthread_mutex_lock(&m->lock);
    if (m->nlinger == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        int *l = realloc(m->linger, cap * sizeof(*l));
        if (l == NULL) {
            pthread_mutex_unlock(&m->lock);
            shutdown(fd, SHUT_WR);
            close(fd);
            return;
        }
        m->linger = l;
        m->cap = cap;
    }
    m->linger[m->nlinger++] = fd;
    pthread_mutex_unlock(&m->lock);
}

static void wc_free(struct wconn *c)
{
    serve_count(&c->m->s->n->active, -1);
    free(c->rest);
    free(c);
}

/* The peer is gone or failed: close now. */
static void wc_close(struct wconn *c)
{
    close(c->fd);
    wc_free(c);
}

/* The pool is stopping: finish a reply still waiting for room (a bounded
 * blocking write), then let main() linger. */
static void wc_stop(struct wconn *c)
{
    if (c->out_off < c->out_len) {
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        bool written = false;
        while (poll(&p, 1, SERVE_LINGER_MS) > 0) {
            ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                break;
            if (n > 0 && (c->out_off += (size_t)n) == c->out_len) {
                written = true;
                break;
            }
        }
        serve_count_reply(c->m->s, c->pending.status, written);
    }
    wsv_defer_linger(c->m, c->fd);
    wc_free(c);
}

/* ---- a lingering close, in the pool ------------------------------------------------------ */

static void wc_linger_end(struct wconn *c)
{
    /* acq_rel: the second end sees the first's writes (saw_eof) before freeing. */
    if (atomic_fetch_add_explicit(&c->ends, 1, memory_order_acq_rel) == 0)
        return;
    /* The pool stopping cut the linger short: main() finishes it. */
    bool cut = !c->saw_eof && !atomic_load_explicit(
                                  &c->expired, memory_order_relaxed); /* relaxed: ordered by ends */
    if (cut) {
        wsv_defer_linger(c->m, c->fd);
        wc_free(c);
    } else {
        wc_close(c);
    }
}

static void wc_on_drain(ws_worker *w, ws_head h, ws_io *io, int rev)
{
    (void)h;
    struct wconn *c = WS_CONTAINER_OF(io, struct wconn, io);
    char sink[4096];
    if (rev > 0) {
        ssize_t n = read(c->fd, sink, sizeof(sink));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            c->saw_eof = true;
        } else if (ws_io_wait(w, &c->io, c->fd, WS_IO_READ, wc_on_drain) == 0) {
            /* seq_cst: against the timer's store and cancel (wc_on_linger_timer). */
            if (atomic_load_explicit(&c->expired, memory_order_seq_cst))
                ws_io_cancel(&c->io);
            return;
        }
        if (c->saw_eof)
            ws_io_cancel(&c->tio); /* the timer's callback is the other end */
    }
    wc_linger_end(c);
}

static void wc_on_linger_timer(ws_worker *w, ws_head h, ws_io *io, int rev)
{
    struct wconn *c = WS_CONTAINER_OF(io, struct wconn, tio);
    (void)w;
    (void)h;
    if (rev == (int)WS_IO_TIMER) {
        /* seq_cst: pairs with wc_on_drain's re-check after re-arming. */
        atomic_store_explicit(&c->expired, 1, memory_order_seq_cst);
        ws_io_cancel(&c->io);
    }
    wc_linger_end(c);
}

/* The server ends c: FIN after its replies, then discard until the peer
 * closes or SERVE_LINGER_MS passes. */
static void wc_linger(ws_worker *w, struct wconn *c)
{
    shutdown(c->fd, SHUT_WR);
    atomic_init(&c->ends, 0);
    atomic_init(&c->expired, 0);
    if (ws_timer_after(w, &c->tio, (uint64_t)SERVE_LINGER_MS * 1000000u, wc_on_linger_timer) != 0) {
        wsv_defer_linger(c->m, c->fd); /* -ESHUTDOWN: main() lingers */
        wc_free(c);
        return;
    }
    if (ws_io_wait(w, &c->io, c->fd, WS_IO_READ, wc_on_drain) != 0) {
        wc_linger_end(c); /* this end now; the cancelled timer's callback is the other */
        ws_io_cancel(&c->tio);
    }
}

/* ---- requests ------------------------------------------------------------------------------ */

/* The continuation that runs a request's fanout: on its stack while the
 * request is answered, never kept past it. ws_parallel_for syncs all it
 * spawns, so h stays the head for every fanout of the request. */
struct wtask {
    ws_worker *w;
    ws_head h;
};

struct wfork {
    void (*part)(void *arg, size_t i);
    void *arg;
};

static void wf_range(ws_worker *w, ws_head h, size_t b, size_t e, void *arg)
{
    const struct wfork *f = arg;
    (void)w;
    (void)h;
    for (size_t i = b; i < e; i++)
        f->part(f->arg, i);
}

static void wf_run(void *ctx, size_t n, void (*part)(void *arg, size_t i), void *arg)
{
    const struct wtask *t = ctx;
    struct wfork f = {part, arg};
    (void)ws_parallel_for(t->w, t->h, 0, n, 1, wf_range, &f); /* only -EINVAL, not with these */
}

/* Arms the read wait again: false if the pool is stopping (c handed on). */
static void wc_rearm_read(ws_worker *w, struct wconn *c)
{
    int e = ws_io_wait(w, &c->io, c->fd, WS_IO_READ, wc_on_read);
    if (e == -ESHUTDOWN)
        wc_stop(c);
    else if (e != 0)
        wc_close(c);
}

enum feed { FEED_MORE, FEED_WAITING, FEED_ENDED };

/*
 * Parses and answers what buf holds. FEED_MORE: all of it answered, read
 * on; FEED_WAITING: a reply waits for room (the rest of buf saved, the
 * write wait armed); FEED_ENDED: c is closed or handed on.
 */
static enum feed wc_feed(ws_worker *w, ws_head h, struct wconn *c, const char *buf, size_t len)
{
    struct serve *s = c->m->s;
    struct wtask t = {w, h};
    struct work_fork f = {wf_run, &t};
    for (size_t off = 0; off < len;) {
        size_t used = http_conn_parse(&c->h, buf + off, len - off);
        off += used;
        if (!c->h.complete && !c->h.failed) {
            if (used == 0)
                break; /* cannot happen: the parser takes what it is given */
            continue;
        }
        serve_count(&s->n->requests, 1);
        c->pending = http_conn_respond(&c->h, s->iters_per_us, &f, c->out);
        c->out_len = c->pending.len;
        c->out_off = 0;
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            serve_count_reply(s, c->pending.status, false);
            wc_close(c);
            return FEED_ENDED;
        }
        c->out_off = n > 0 ? (size_t)n : 0;
        if (c->out_off < c->out_len) {
            if (off < len) {
                char *rest = malloc(len - off);
                if (rest == NULL) {
                    serve_count_reply(s, c->pending.status, false);
                    wc_close(c);
                    return FEED_ENDED;
                }
                memcpy(rest, buf + off, len - off);
                free(c->rest);
                c->rest = rest;
                c->rest_len = len - off;
            }
            int e = ws_io_wait(w, &c->io, c->fd, WS_IO_WRITE, wc_on_write);
            if (e == -ESHUTDOWN)
                wc_stop(c);
            else if (e != 0)
                wc_close(c);
            return e == 0 ? FEED_WAITING : FEED_ENDED;
        }
        serve_count_reply(s, c->pending.status, true);
        if (!c->pending.keep) {
            wc_linger(w, c);
            return FEED_ENDED;
        }
    }
    return FEED_MORE;
}

static void wc_on_write(ws_worker *w, ws_head h, ws_io *io, int rev)
{
    struct wconn *c = WS_CONTAINER_OF(io, struct wconn, io);
    if (rev < 0) {
        wc_stop(c); /* -ECANCELED: the pool is stopping */
        return;
    }
    ssize_t n =
        send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        serve_count_reply(c->m->s, c->pending.status, false);
        wc_close(c);
        return;
    }
    if (n > 0)
        c->out_off += (size_t)n;
    if (c->out_off < c->out_len) {
        int e = ws_io_wait(w, &c->io, c->fd, WS_IO_WRITE, wc_on_write);
        if (e == -ESHUTDOWN)
            wc_stop(c);
        else if (e != 0)
            wc_close(c);
        return;
    }
    serve_count_reply(c->m->s, c->pending.status, true);
    c->out_len = c->out_off = 0;
    if (!c->pending.keep) {
        wc_linger(w, c);
        return;
    }
    char *rest = c->rest;
    size_t rest_len = c->rest_len;
    c->rest = NULL;
    c->rest_len = 0;
    enum feed r = rest != NULL ? wc_feed(w, h, c, rest, rest_len) : FEED_MORE;
    free(rest);
    if (r == FEED_MORE)
        wc_rearm_read(w, c);
}

static void wc_on_read(ws_worker *w, ws_head h, ws_io *io, int rev)
{
    struct wconn *c = WS_CONTAINER_OF(io, struct wconn, io);
    char in[WS_READ_BUF];
    if (rev < 0) {
        wc_stop(c); /* -ECANCELED: the pool is stopping */
        return;
    }
    for (;;) {
        ssize_t n = read(c->fd, in, sizeof(in));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            wc_close(c); /* EOF (a request begun is dropped) or an error */
            return;
        }
        enum feed r = wc_feed(w, h, c, in, (size_t)n);
        if (r != FEED_MORE)
            return;
        if ((size_t)n < sizeof(in))
            break; /* the socket is likely empty: wait rather than read EAGAIN */
    }
    wc_rearm_read(w, c);
}

/* ---- accepting ----------------------------------------------------------------------------- */

static void wsv_on_accept(ws_worker *w, ws_head h, ws_io *io, int rev)
{
    (void)h;
    struct wsv *m = WS_CONTAINER_OF(io, struct wsv, lio);
    struct serve *s = m->s;
    bool backoff = false;
    if (rev < 0) {
        close(s->lfd); /* -ECANCELED: the pool is stopping */
        s->lfd = -1;
        return;
    }
    for (int i = 0; rev != (int)WS_IO_TIMER && i < WS_ACCEPT_BATCH; i++) {
        int fd = serve_accept(s, true);
        if (fd == -ECONNREFUSED || fd == -ECONNABORTED || fd == -EINTR)
            continue;
        if (fd < 0) {
            /* EMFILE and the like (reported there) leave the listener
             * ready: wait a little instead of spinning on it. */
            backoff = fd != -EAGAIN;
            break;
        }
        struct wconn *c = calloc(1, sizeof(*c));
        if (c == NULL) {
            serve_count(&s->n->refused, 1);
            serve_count(&s->n->active, -1);
            close(fd);
            continue;
        }
        c->m = m;
        c->fd = fd;
        http_conn_init(&c->h);
        wc_rearm_read(w, c);
    }
    int e = backoff ? ws_timer_after(w, &m->lio, WS_ACCEPT_BACKOFF_NS, wsv_on_accept)
                    : ws_io_wait(w, &m->lio, s->lfd, WS_IO_READ, wsv_on_accept);
    if (e != 0) {
        if (e != -ESHUTDOWN)
            fprintf(stderr, "wsserve: wsched: cannot wait on the listener: %s\n", ws_strerror(e));
        close(s->lfd);
        s->lfd = -1;
    }
}

static int wsv_run(struct serve *s)
{
    struct wsv m = {.s = s};
    struct ws_config cfg = WS_CONFIG_INIT;
    int fl = fcntl(s->lfd, F_GETFL);
    (void)fcntl(s->lfd, F_SETFL, fl | O_NONBLOCK);
    cfg.workers = s->workers;
    pthread_mutex_init(&m.lock, NULL);
    int e = ws_pool_create(&m.pool, &cfg);
    if (e != 0) {
        fprintf(stderr, "wsserve: wsched: cannot create the pool: %s\n", ws_strerror(e));
        pthread_mutex_destroy(&m.lock);
        return e;
    }
    e = ws_io_wait_on(m.pool, &m.lio, s->lfd, WS_IO_READ, wsv_on_accept);
    if (e != 0) {
        fprintf(stderr, "wsserve: wsched: cannot wait on the listener: %s\n", ws_strerror(e));
    } else {
        serve_ready(s);
        serve_wait_stop(s);
    }
    /* Every armed wait completes (-ECANCELED) and runs before this returns. */
    ws_pool_destroy(m.pool);
    serve_linger_all(m.linger, m.nlinger, SERVE_LINGER_MS);
    free(m.linger);
    pthread_mutex_destroy(&m.lock);
    return e;
}

const struct serve_model serve_wsched = {
    .name = "wsched",
    .what = "libwsched's reactor: requests as continuations, fanout as fork-join",
    .uses_workers = true,
    .run = wsv_run,
};
