/*
 * inject.h - the way into a pool from outside its fork-join recursion: root
 * tasks, jobs and posted tasks. Two structures per worker (theory in
 * inject.c):
 *
 *   inbox   a Treiber stack of caller-owned frames: anyone pushes with one
 *           CAS, anyone takes the whole stack with one exchange;
 *   rootq   a ring of roots that only its worker appends to and from which
 *           anyone pops the oldest with one CAS.
 *
 * A submitter pushes to an inbox; an idle worker takes an inbox, runs its
 * oldest frame and appends the rest to its own rootq, from which every idle
 * worker may take them. Nobody ever waits for another thread to finish a
 * step, so a submitter preempted anywhere delays only its own frame.
 */
#ifndef WS_INJECT_H
#define WS_INJECT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <wsched.h>

#include "deque.h" /* WS__LINE */

struct ws__inbox {
    _Atomic(ws_task *) head; /* newest frame, linked through ws__link; NULL: empty */
};

struct ws__rbuf {
    uint64_t mask;            /* capacity - 1 */
    struct ws__rbuf *retired; /* older buffers, freed with the queue */
    _Atomic(ws_task *) slots[];
};

struct ws__rootq {
    alignas(WS__LINE) _Atomic uint64_t top;    /* next index to pop: consumers CAS it */
    alignas(WS__LINE) _Atomic uint64_t bottom; /* next index to fill: the owner stores it */
    _Atomic(struct ws__rbuf *) buf;            /* the current buffer: the owner stores it */
};

/* Test hooks: white-box tests park a thread at the points named here to
 * show that nobody else waits for it. NULL in normal use; any member may
 * be NULL. */
struct ws__hooks {
    void (*push)(void *arg); /* an inbox push, after reading head, before its CAS */
    void (*transfer)(void *arg, ws_task *chain); /* a worker holding a taken inbox (chain,
                                                  * newest first), before it appends it */
    void (*before_free)(void *arg); /* ws_pool_destroy, workers joined, before the free */
    void *arg;
};

void ws__inbox_init(struct ws__inbox *b);
/* Any thread: pushes t. A seq_cst RMW, so the caller may look for sleepers
 * without a fence of its own (ws__wake_one_after_rmw). */
void ws__inbox_push(struct ws__inbox *b, ws_task *t, const struct ws__hooks *h);
/* Any thread: takes every frame, newest first (linked through ws__link), or NULL. */
ws_task *ws__inbox_take(struct ws__inbox *b);
/* Any thread: a hint. */
bool ws__inbox_nonempty(struct ws__inbox *b);

int ws__rootq_init(struct ws__rootq *q, unsigned log2_capacity);
void ws__rootq_destroy(struct ws__rootq *q);
/* Any thread: the oldest root, or NULL if the queue is empty or another
 * consumer won the race for it. */
ws_task *ws__rootq_pop(struct ws__rootq *q);
/* Any thread: a hint. */
bool ws__rootq_nonempty(struct ws__rootq *q);

/*
 * The owner of `q` with a chain taken from an inbox (newest first): returns
 * the oldest frame for the caller to run and appends the others to q,
 * oldest first, with one release store; *more says whether it appended any.
 * If q cannot grow (no memory), the others go back to `spill` instead.
 */
ws_task *ws__rootq_transfer_owner(struct ws__rootq *q, ws_task *chain, struct ws__inbox *spill,
                                  const struct ws__hooks *h, bool *more);
/* The owner of `q`: appends one frame (a post or submit from a worker of the
 * pool). False if q cannot grow. */
bool ws__rootq_push_owner(struct ws__rootq *q, ws_task *t);

#endif /* WS_INJECT_H */
