/*
 * inject.c - inboxes and root queues: how frames from outside the fork-join
 * recursion (ws_run roots, ws_submit jobs, ws_post tasks) reach workers.
 *
 * Theory
 * ------
 * The frames are caller-owned and intrusive: a frame is linked through its
 * ws_task.ws__link, so nothing here allocates per frame, and nothing is
 * bounded by a queue size.
 *
 * An inbox is a Treiber stack used only in two ways: push (one CAS of head)
 * and take-all (one exchange of head with NULL). There is no single pop, so
 * there is no ABA problem and no frame is read after it has left the stack
 * (the classic Treiber pop must read head->next of a node another thread
 * may already have freed). A push that is preempted anywhere has not yet
 * made its frame visible, or has finished: no other thread waits for it.
 *
 * A root queue (rootq) is a ring with absolute 64-bit indices [top, bottom):
 * only its worker appends (writing slots, then a release store of bottom),
 * and anyone pops the oldest by reading its slot and then a CAS of top, as a
 * Chase-Lev thief does. Since the owner never takes from the bottom end,
 * there is no owner-thief race on the last element and no store-load fence.
 * The owner grows the ring when it is full; retired buffers are kept until
 * the pool is destroyed (each is half the next, so together they are
 * smaller than the current one), because a consumer may still read one.
 *
 * An idle worker takes an inbox (its own first, then the others'), runs the
 * oldest frame of what it took and appends the rest, oldest first, to its
 * own rootq, from which every worker may pop them. Reversing the stack gives
 * FIFO order within each take, so the frames of one submitter run in the
 * order it submitted them unless they are taken by different workers.
 *
 * Exactly once: a frame enters exactly one inbox by one successful CAS; the
 * exchange that takes it removes it from that inbox; the taker either runs
 * it or stores it at one rootq index, and each index is claimed by exactly
 * one successful CAS of top (indices never wrap, so there is no ABA on top).
 *
 * Progress: every operation is a bounded number of steps plus CAS retries
 * that fail only because another thread's operation succeeded, so the
 * structure is lock-free; take-all and append are wait-free. A frame can be
 * delayed by a preempted thread only while that thread holds it: its own
 * submitter before the push, or the worker that has taken an inbox before
 * it appends the rest (a few instructions per frame). This is what the ring
 * it replaces (ck_ring's MPMC mode) could not give: a producer there
 * publishes in reservation order, so a preempted producer stalled every
 * later producer and every consumer.
 *
 * Atomics and their pairs
 * -----------------------
 *  [I1] push     relaxed load of head; validated by [I2]
 *  [I2] push     seq_cst CAS of head: releases the frame and its link to
 *                [I3]; seq_cst so that the waker needs no fence before it
 *                looks for sleepers (park.c, ws__wake_one_after_rmw)
 *  [I3] take     acquire exchange of head; pairs with [I2] of every push
 *                in the chain (each CAS continues the release sequence of
 *                the pushes before it)
 *  [I4] take     relaxed pre-check of head: an empty inbox costs no RMW
 *  [Q1] pop      relaxed load of top; a stale value fails [Q5]
 *  [Q2] pop      acquire load of bottom; pairs with [Q4]: the slot and the
 *                frame behind it are visible
 *  [Q3] pop      acquire load of buf; pairs with [Q7]
 *  [Q4] append   release store of bottom; pairs with [Q2]
 *  [Q5] pop      release CAS of top; pairs with [Q6]: the consumer's slot
 *                read happens before the owner reuses the slot
 *  [Q6] append   acquire load of top; pairs with [Q5]
 *  [Q7] grow     release store of the new buffer; pairs with [Q3]
 *  [Q8] slots    relaxed: stores by the owner before [Q4], loads by
 *                consumers after [Q2], validated by [Q5]
 */
#include "inject.h"

#include <errno.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Inboxes                                                            */

void ws__inbox_init(struct ws__inbox *b)
{
    atomic_init(&b->head, NULL);
}

/* Pushes the chain first..last (already linked) onto b. */
static void ws__inbox_push_chain(struct ws__inbox *b, ws_task *first, ws_task *last,
                                 const struct ws__hooks *h)
{
    /* [I1] */
    ws_task *old = atomic_load_explicit(&b->head, memory_order_relaxed);
    bool hooked = h == NULL || h->push == NULL;
    for (;;) {
        last->ws__link = old;
        if (!hooked) {
            hooked = true;
            h->push(h->arg);
        }
        /* [I2] */
        if (atomic_compare_exchange_weak_explicit(&b->head, &old, first, memory_order_seq_cst,
                                                  memory_order_relaxed))
            return;
    }
}

void ws__inbox_push(struct ws__inbox *b, ws_task *t, const struct ws__hooks *h)
{
    ws__inbox_push_chain(b, t, t, h);
}

ws_task *ws__inbox_take(struct ws__inbox *b)
{
    /* [I4] */
    if (atomic_load_explicit(&b->head, memory_order_relaxed) == NULL)
        return NULL;
    /* [I3] */
    return atomic_exchange_explicit(&b->head, NULL, memory_order_acquire);
}

bool ws__inbox_nonempty(struct ws__inbox *b)
{
    /* relaxed: a hint; park.c orders a sleeper's look with a fence. */
    return atomic_load_explicit(&b->head, memory_order_relaxed) != NULL;
}

/* ------------------------------------------------------------------ */
/* Root queues                                                        */

static struct ws__rbuf *ws__rbuf_new(uint64_t capacity)
{
    struct ws__rbuf *b = malloc(sizeof(*b) + capacity * sizeof(b->slots[0]));
    if (b == NULL)
        return NULL;
    b->mask = capacity - 1;
    b->retired = NULL;
    for (uint64_t i = 0; i < capacity; i++)
        atomic_init(&b->slots[i], NULL);
    return b;
}

int ws__rootq_init(struct ws__rootq *q, unsigned log2_capacity)
{
    struct ws__rbuf *b = ws__rbuf_new((uint64_t)1 << log2_capacity);
    if (b == NULL)
        return -ENOMEM;
    atomic_init(&q->top, 0);
    atomic_init(&q->bottom, 0);
    atomic_init(&q->buf, b);
    return 0;
}

void ws__rootq_destroy(struct ws__rootq *q)
{
    /* relaxed: the pool's threads have been joined. */
    struct ws__rbuf *b = atomic_load_explicit(&q->buf, memory_order_relaxed);
    while (b != NULL) {
        struct ws__rbuf *next = b->retired;
        free(b);
        b = next;
    }
    atomic_store_explicit(&q->buf, NULL, memory_order_relaxed);
}

ws_task *ws__rootq_pop(struct ws__rootq *q)
{
    /* [Q1] */
    uint64_t t = atomic_load_explicit(&q->top, memory_order_relaxed);
    /* [Q2] */
    uint64_t b = atomic_load_explicit(&q->bottom, memory_order_acquire);
    if (t >= b)
        return NULL;
    /* [Q3] */
    struct ws__rbuf *buf = atomic_load_explicit(&q->buf, memory_order_acquire);
    /* [Q8] */
    ws_task *x = atomic_load_explicit(&buf->slots[t & buf->mask], memory_order_relaxed);
    /* [Q5] */
    if (!atomic_compare_exchange_strong_explicit(&q->top, &t, t + 1, memory_order_release,
                                                 memory_order_relaxed))
        return NULL;
    return x;
}

bool ws__rootq_nonempty(struct ws__rootq *q)
{
    /* relaxed: a hint, as ws__inbox_nonempty(). */
    return atomic_load_explicit(&q->top, memory_order_relaxed) <
           atomic_load_explicit(&q->bottom, memory_order_relaxed);
}

/* The owner: makes room for n more frames after bottom b. Returns the
 * buffer to write, or NULL if it cannot grow. */
static struct ws__rbuf *ws__rootq_room(struct ws__rootq *q, uint64_t b, uint64_t n)
{
    /* relaxed: only the owner stores buf. */
    struct ws__rbuf *old = atomic_load_explicit(&q->buf, memory_order_relaxed);
    /* [Q6] */
    uint64_t t = atomic_load_explicit(&q->top, memory_order_acquire);
    uint64_t need = b + n - t;
    if (need <= old->mask + 1)
        return old;
    uint64_t cap = (old->mask + 1) * 2;
    while (cap < need)
        cap *= 2;
    struct ws__rbuf *nb = ws__rbuf_new(cap);
    if (nb == NULL)
        return NULL;
    for (uint64_t i = t; i < b; i++) /* [Q8]: the owner's own slots */
        atomic_store_explicit(
            &nb->slots[i & nb->mask],
            atomic_load_explicit(&old->slots[i & old->mask], memory_order_relaxed),
            memory_order_relaxed);
    nb->retired = old;
    /* [Q7] */
    atomic_store_explicit(&q->buf, nb, memory_order_release);
    return nb;
}

bool ws__rootq_push_owner(struct ws__rootq *q, ws_task *t)
{
    /* relaxed: only the owner stores bottom. */
    uint64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed);
    struct ws__rbuf *buf = ws__rootq_room(q, b, 1);
    if (buf == NULL)
        return false;
    atomic_store_explicit(&buf->slots[b & buf->mask], t, memory_order_relaxed); /* [Q8] */
    /* [Q4] */
    atomic_store_explicit(&q->bottom, b + 1, memory_order_release);
    return true;
}

ws_task *ws__rootq_transfer_owner(struct ws__rootq *q, ws_task *chain, struct ws__inbox *spill,
                                  const struct ws__hooks *h, bool *more)
{
    *more = false;
    if (h != NULL && h->transfer != NULL)
        h->transfer(h->arg, chain);
    /* chain = c_n -> ... -> c_1, newest first; c_1 is the one to run. */
    uint64_t n = 0;
    for (ws_task *t = chain; t != NULL; t = t->ws__link)
        n++;
    if (n == 1)
        return chain;
    /* relaxed: only the owner stores bottom. */
    uint64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed);
    struct ws__rbuf *buf = ws__rootq_room(q, b, n - 1);
    ws_task *t = chain;
    if (buf == NULL) {
        /* No memory to grow: c_n..c_2 go back to an inbox for later. */
        ws_task *last = chain;
        while (last->ws__link->ws__link != NULL)
            last = last->ws__link;
        ws_task *oldest = last->ws__link;
        ws__inbox_push_chain(spill, chain, last, NULL);
        *more = true;
        return oldest;
    }
    /* c_k goes to index b + k - 2, for k = n down to 2. */
    for (uint64_t k = n; k >= 2; k--, t = t->ws__link) /* [Q8] */
        atomic_store_explicit(&buf->slots[(b + k - 2) & buf->mask], t, memory_order_relaxed);
    /* [Q4] */
    atomic_store_explicit(&q->bottom, b + n - 1, memory_order_release);
    *more = true;
    return t;
}
