/*
 * deque.h - one worker's task deque: a Chase-Lev deque whose newest entries
 * the owner keeps private until a thief asks for them. The theory is at the
 * top of deque.c and, at length, in sched/README.md.
 */
#ifndef WS_DEQUE_H
#define WS_DEQUE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsched.h>

/* Lines are 128 bytes apart: the adjacent-line prefetcher of many x86 cores
 * pulls pairs of 64-byte lines, which would put thief-written and
 * owner-written fields back in false sharing. */
#define WS__LINE 128

/* Task state word (ws_task.ws__state), meaningful once the task is public:
 *   bit 0      DONE: the thief finished running it
 *   bit 1      SLEEPER: the owner sleeps until DONE and must be woken
 *   bits 2-31  thief id + 1 (0: not recorded yet)
 *   bits 32-63 owner id + 1 */
#define WS__ST_DONE        ((uint64_t)1)
#define WS__ST_SLEEPER     ((uint64_t)2)
#define WS__ST_THIEF_SHIFT 2
#define WS__ST_THIEF_MASK  ((uint64_t)0x3fffffff << WS__ST_THIEF_SHIFT)
#define WS__ST_OWNER_SHIFT 32

/* The deque's one array, reserved for its life: slots never move. */
struct ws__buf {
    uint64_t cap; /* slots */
    size_t bytes; /* the mapping's length, from `guard` bytes before the header */
    size_t guard; /* the no-access page before the header */
    _Atomic uint64_t
        base; /* the thieves' copy of ws__deque.base: task i lives at slots[i - base] */
    _Atomic(ws_task *) slots[];
};

enum ws__steal { WS__STEAL_OK, WS__STEAL_EMPTY, WS__STEAL_ABORT };

struct ws__deque {
    /* Owner only (and the poison stores of ws__deque_demand). */
    alignas(WS__LINE) struct ws__own own;
    struct ws__buf *buf;            /* the array, for the deque's life */
    uint64_t base;                  /* the index at buf->slots[0]; grows by one per stolen task
                                     * synced, so that the head is the spawn depth */
    uint64_t top_seen;              /* a lower bound of top, refreshed on slow paths */
    uint64_t owner_bits;            /* (owner id + 1) << WS__ST_OWNER_SHIFT */
    _Atomic(ws_task *) *saved_head; /* the real head while overflow is set */
    ws_task *stolen;                /* stolen, unsynced tasks below top_seen, newest first,
                                     * linked through ws__link (see deque.c) */
    ws_task *spill;                 /* private LIFO of spawns made in overflow, linked
                                     * through their (unused) ws__state words */
    bool overflow;              /* the array is full: spawns go to spill (the head is sink + 1) */
    _Atomic(ws_task *) sink[2]; /* the fast path writes sink[1] while overflow is set (sink[0]
                                 * is only there so that a sync's head - 1 is in bounds) */

    /* Written by thieves. */
    alignas(WS__LINE) _Atomic uint64_t top;
    _Atomic uint32_t demand; /* a thief found the public part empty */

    /* Written by the owner, read by thieves. */
    alignas(WS__LINE) _Atomic uint64_t bottom;
    _Atomic(struct ws__buf *) pub_buf;
};

_Static_assert(offsetof(struct ws__deque, own) == 0,
               "the inline fast path casts the worker to ws__own");
_Static_assert(offsetof(struct ws__deque, top) % WS__LINE == 0 &&
                   offsetof(struct ws__deque, top) >= sizeof(struct ws__own) + 6 * sizeof(void *),
               "thief-written fields share no line with owner fields");
_Static_assert(offsetof(struct ws__deque, bottom) - offsetof(struct ws__deque, top) >= WS__LINE,
               "owner-published fields share no line with thief-written ones");

/* Owner (or creator) only. */
int ws__deque_init(struct ws__deque *d, unsigned log2_capacity, unsigned max_log2,
                   unsigned owner_id);
void ws__deque_destroy(struct ws__deque *d);

/* Thief: takes the oldest public task. */
enum ws__steal ws__deque_steal(struct ws__deque *d, ws_task **out);
/* The same from a value of top read earlier ([S1]): what a thief delayed
 * after reading it does (tests replay that). */
enum ws__steal ws__deque_steal_at(struct ws__deque *d, uint64_t t, ws_task **out);

/* Thief: asks the owner to publish a private task (a hint, idempotent). */
void ws__deque_demand(struct ws__deque *d);

/* Owner: makes the oldest private task public if there are more than
 * `keep` private tasks. Returns true if it published one. */
bool ws__deque_publish_owner(struct ws__deque *d, uint64_t keep);

/* Owner: pops the newest task if it is private. */
bool ws__deque_pop_private_owner(struct ws__deque *d);

/* Owner: the newest task (the deque must not be empty). */
ws_task *ws__deque_newest_owner(struct ws__deque *d);
/* Owner: has every task been stolen or synced? */
bool ws__deque_empty_owner(struct ws__deque *d);
/* Owner, with the deque empty: the newest task thieves took and the owner
 * has not synced yet (the one its next sync is for). */
ws_task *ws__deque_pop_stolen_owner(struct ws__deque *d);

/* Owner: pops the newest task, which must be public (no private task left).
 * True if the owner got it, false if a thief did. */
bool ws__deque_take_owner(struct ws__deque *d);

/* Owner: consumes a pending demand; true if there was one. */
bool ws__deque_take_demand(struct ws__deque *d);

/* Owner: recomputes own.split and own.limit for the next spawn. Returns 1
 * if it overwrote a thief's poison (a demand may be pending again), else 0. */
int ws__deque_refresh_owner(struct ws__deque *d);

/* Owner, after a spawn's slow path: the array is full (the head at its
 * end). Overflow mode then begins: spawns go to the private spill stack,
 * and every head handed out from then on is the sink, until the
 * sync of the array's newest task ends it (ws__deque_leave_overflow). */
bool ws__deque_full(struct ws__deque *d);
void ws__deque_enter_overflow(struct ws__deque *d);
void ws__deque_leave_overflow(struct ws__deque *d);

/* Owner, overflow mode: moves the task the fast path left in the sink to
 * the spill stack. */
void ws__deque_spill_sink(struct ws__deque *d);

/* Owner, from a library entry that got no head (ws_run nested in a task,
 * ws_job_wait on a worker): the head, found in the array, since a task's
 * head lives in registers. Exact: slots below the head hold tasks, slots
 * from the head up hold NULL ([F4]). Sets own.head to it. */
_Atomic(ws_task *) *ws__deque_find_head(struct ws__deque *d);
/* Owner: the newest spilled task, unlinked, or NULL. */
ws_task *ws__deque_unspill(struct ws__deque *d);

/* Owner: keeps a demand it could not serve, so that its next spawn is
 * published at once (the owner poisons its own limit). */
void ws__deque_rearm_demand(struct ws__deque *d);

/* Owner: has a thief asked since the last ws__deque_take_demand()? */
static inline bool ws__deque_demand_pending(struct ws__deque *d)
{
    /* [R2] relaxed: a hint, re-read after [R1]. */
    return atomic_load_explicit(&d->demand, memory_order_relaxed) != 0;
}

/* Anyone: does the deque look like it has public work? (A racy hint.) */
static inline bool ws__deque_has_public(struct ws__deque *d)
{
    /* relaxed: a hint for the sleep decision; park.c orders it with a fence. */
    return atomic_load_explicit(&d->top, memory_order_relaxed) <
           atomic_load_explicit(&d->bottom, memory_order_relaxed);
}

#endif /* WS_DEQUE_H */
