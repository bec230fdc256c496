/*
 * serve.h - what wsserve's models share: the server's configuration and
 * counters, the listening socket, the stop signal, lingering close, and
 * the table of models.
 *
 * A model (one file each: blocking.c holds the three blocking ones, uv.c
 * the two libuv ones, wsched.c the reactor one) implements run(): start
 * serving on s->lfd, call serve_ready() once it is, return once a stop
 * signal (SIGTERM, SIGINT) has made it stop accepting, answer the requests
 * in progress, and close every connection. main() prints the counters.
 *
 * Counters are relaxed atomics: each is a count only, read after every
 * thread that adds to it has been joined (or, for prefork, every process
 * reaped), which orders the adds before the read. In prefork they live in
 * shared memory (lock-free atomics work across processes).
 */
#ifndef WSSERVE_SERVE_H
#define WSSERVE_SERVE_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "serve/http.h"

struct serve_counters {
    _Atomic uint64_t connections; /* accepted */
    _Atomic uint64_t refused;  /* closed unserved: no thread, --max-conns, stopped while queued */
    _Atomic uint64_t requests; /* complete (or malformed) requests read: answered + lost */
    _Atomic uint64_t answered; /* replies wholly written */
    _Atomic uint64_t ok;       /* of those, 2xx */
    _Atomic uint64_t bad;      /* of those, 4xx */
    _Atomic uint64_t lost;     /* replies that could not be written: the peer had gone */
    _Atomic uint64_t died;     /* prefork: worker processes that died while serving */
    _Atomic uint64_t active;   /* connections open now */
};

struct serve {
    const struct serve_model *model;
    unsigned workers;    /* as the model uses them (main() resolves the default) */
    unsigned max_conns;  /* 0: no limit */
    double iters_per_us; /* of the work */
    int lfd;             /* listening on 127.0.0.1:port, blocking, close-on-exec */
    unsigned port;
    sigset_t stop_set; /* SIGTERM and SIGINT: blocked in every thread, see serve_wait_stop() */
    struct serve_counters *n;
};

struct serve_model {
    const char *name;
    const char *what;         /* one line for --help */
    unsigned workers_default; /* 0: one per CPU of the affinity mask */
    bool uses_workers;
    bool reuseport; /* the listening socket has SO_REUSEPORT (eventloop-cores adds its own) */
    /* 0 after a clean stop; else a negative errno, with a message on stderr. */
    int (*run)(struct serve *s);
};

extern const struct serve_model serve_thread_per_conn, serve_threadpool, serve_prefork,
    serve_eventloop, serve_eventloop_cores, serve_wsched;

/* Prints the ready line (once listening and serving). */
void serve_ready(const struct serve *s);

/* Blocks the caller until SIGTERM or SIGINT arrives; returns its number. */
int serve_wait_stop(const struct serve *s);

/* One reply's outcome, counted. */
static inline void serve_count_reply(struct serve *s, int status, bool written)
{
    /* relaxed: counts only (see the top). */
    if (!written) {
        atomic_fetch_add_explicit(&s->n->lost, 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&s->n->answered, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(status < 300 ? &s->n->ok : &s->n->bad, 1, memory_order_relaxed);
}

static inline void serve_count(_Atomic uint64_t *c, int64_t d)
{
    atomic_fetch_add_explicit(c, (uint64_t)d, memory_order_relaxed); /* relaxed: a count */
}

/* A listening socket on 127.0.0.1:port (0: any), SO_REUSEPORT if asked;
 * its port to *bound (if not NULL). The descriptor, or a negative errno. */
int serve_listen(unsigned port, bool reuseport, unsigned *bound);

/* Accepts a connection (non-blocking or not), counts it and admits it
 * (serve_admit): the descriptor, -ECONNREFUSED (not admitted, closed), or
 * accept's error negated (-EAGAIN: none waiting). */
int serve_accept(struct serve *s, bool nonblock);

/* Would a new connection pass --max-conns? Counts it as refused if not. */
bool serve_admit(struct serve *s);

/*
 * A lingering close, for connections the server ends (a stop, a 400,
 * Connection: close): shutdown(SHUT_WR) sends the FIN after the replies,
 * and the descriptor is drained until the peer closes or the deadline
 * passes before it is closed. Closing with unread data would send an RST
 * instead, which can destroy replies the peer has not read yet.
 * serve_linger() does one descriptor, blocking, for at most ms;
 * serve_linger_all() many at once (fds[n]), and closes them all.
 */
#define SERVE_LINGER_MS 1000
void serve_linger(int fd, int ms);
void serve_linger_all(int *fds, size_t n, int ms);

/* Writes all of buf to a blocking fd (EINTR retried). 0, or a negative errno. */
int serve_write_all(int fd, const char *buf, size_t len);

/* The CPUs of the process's affinity mask. */
unsigned serve_cpus(void);

#endif /* WSSERVE_SERVE_H */
