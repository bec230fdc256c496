/*
 * park.h - idle workers sleep on a per-worker ck_ec event count; whoever
 * makes work visible wakes one sleeper. See park.c for the protocol.
 */
#ifndef WS_PARK_H
#define WS_PARK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <ck_ec.h>

struct ws_pool;
struct ws_worker;

/* The futex-backed operations ck_ec needs, and the multi-producer mode. */
extern const struct ck_ec_mode ws__ec_mode;

/* The pool-wide set of sleeping workers. */
struct ws__sleepers {
    _Atomic uint32_t count; /* workers between ws__park's announce and retract */
    unsigned nwords;
    _Atomic uint64_t *mask; /* bit i: worker i may be asleep and wants a wake-up */
};

int ws__sleepers_init(struct ws__sleepers *s, unsigned nworkers);
void ws__sleepers_destroy(struct ws__sleepers *s);
/* How many of slots [0, n) other than `except` may be asleep (their bits
 * set). A hint: relaxed loads of the words, each read once. */
unsigned ws__sleepers_among(struct ws__sleepers *s, unsigned n, unsigned except);

/*
 * Puts w to sleep unless ready(w, arg) holds after it has announced itself.
 * Returns when woken (for any reason, including spuriously); the caller
 * re-checks its condition. Calls ready() with the announcement ordered
 * before it, so a waker that made ready() true after it is sure to wake us.
 * True if w slept as the reactor's poller (in epoll_wait), which it no
 * longer is: with waits armed, another sleeper must take the role over.
 */
bool ws__park(struct ws_worker *w, bool (*ready)(struct ws_worker *, void *), void *arg);

/* Wakes one sleeping worker, if any. Call after making work visible. */
void ws__wake_one(struct ws_pool *p);
/* The same, when the work was made visible by a seq_cst read-modify-write. */
void ws__wake_one_after_rmw(struct ws_pool *p);
/* Wakes worker w whether or not it is in the sleeper set (it may be about to wait). */
void ws__wake_worker(struct ws_worker *w);
/* Wakes every worker (shutdown). */
void ws__wake_all(struct ws_pool *p);

#endif /* WS_PARK_H */
