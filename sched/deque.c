/*
 * deque.c - a Chase-Lev work-stealing deque whose newest entries stay
 * private to the owner until a thief asks for them.
 *
 * Theory
 * ------
 * Thieves see an ordinary Chase-Lev deque (Chase & Lev, SPAA 2005) with the
 * C11 memory orders of Le, Pop, Cohen & Zappa Nardelli (PPoPP 2013): tasks
 * at absolute indices [top, bottom) of a growable circular buffer; thieves
 * CAS top upwards; the owner pushes and takes at bottom.
 *
 * The owner keeps going past bottom: spawns write slots [bottom, tail) of
 * the same buffer without publishing them. This is the split deque of Lace
 * (van Dijk & van de Pol, 2014) on top of the Chase-Lev protocol, and the
 * receiver-initiated idea of Acar, Chargueraud & Rainey (PPoPP 2013): work
 * becomes stealable when a thief asks. Consequences:
 *  - A private push is two plain stores; a private pop is a compare and a
 *    decrement. Neither needs a fence: no other thread reads those slots or
 *    tail (thieves never read past bottom).
 *  - A thief that finds [top, bottom) empty sets `demand` and poisons the
 *    owner's `split` and `limit` so that the owner's next spawn or sync
 *    takes its slow path, where it publishes its oldest private task by a
 *    release store of bottom ([P1]) - an ordinary Chase-Lev push of a slot
 *    written earlier.
 *  - The owner syncs a public task with the ordinary Chase-Lev take (with
 *    its store-load fence), only when no private task is left (tail == bottom).
 *
 * Invariants (outside an owner operation in progress):
 *   top <= bottom <= tail;  tail - top <= capacity;
 *   own.split points at the slot of bottom (or the lap's first slot), or is
 *   UINTPTR_MAX (poisoned or overflow): never below bottom, so the fast path
 *   never pops a public task; a frame's ws__slot is its slot in the
 *   current mapping and lap, or NULL;
 *   own.limit points at the last slot of the lap below index
 *   top_seen + capacity, or is 0 (poisoned or overflow); top_seen <= top,
 *   so a private push never overwrites a slot a thief may still steal.
 * Indices are 64-bit, start at 2^62 and never wrap, so there is no ABA on
 * top.
 *
 * Linearization: a steal at its successful CAS on top [S6]; a take of the
 * last public task at its CAS [T4], otherwise at the fence [T2]; a publish
 * at the release store of bottom [P1]; private push and pop are not visible
 * to other threads at all.
 *
 * The owner's end is a pointer, not an index: a spawn is a store through
 * own.head and an increment, with no masking, and the spawn remembers the
 * slot in the frame (ws_task.ws__slot), from which the sync restores the
 * head: no load-modify-store chain through own.head from one operation to
 * the next. The pointer walks one "lap" of the circular buffer (index
 * `base` at slots[0]). When the head reaches the end, or drifts past three
 * quarters of it, and the public part is empty - once the owner has seen
 * top == bottom, no thief can claim an index >= bottom until the next
 * publication - the owner recentres: it rotates the private slots and the
 * buffer's offset so that the head sits mid-array. With public tasks in the
 * way at the end it moves on to the next lap, and when the deque is full it
 * grows. Remembered slots must stay true: a remembered slot is at or above
 * split exactly when its task is private. So recentring and growth rewrite
 * the remembered slots of live frames, and clear those of stolen ones; a
 * lap change clears the remembered slots of every frame in the deque and
 * of the stolen ones (their syncs then take the slow path once each); and
 * a pop back into the previous lap recomputes split at once.
 *
 * The stolen list. A sync must know which frame it waits for, but passing
 * the frame to the slow path costs the fast path a register. While the
 * deque is not empty, the frame is the newest slot. Once thieves have taken
 * everything, the owner finds it on its stolen list: since own.limit is
 * computed from top_seen, the owner never overwrites the slot of an index
 * >= top_seen, so on any slow path it can walk [top_seen, top) - indices
 * thieves claimed - and push those frames on a private stack threaded
 * through ws_task.ws__link ("harvest"), then raise top_seen. The one index
 * below top that a thief did not take, the last public task the owner won
 * by CAS in a take, is stepped over there. Steals go oldest first and syncs
 * newest first, so the newest unsynced stolen frame is the stack's top.
 *
 * Buffers: growth copies [top_seen, tail) into a buffer twice the size and
 * publishes it with [G1]. A thief may still read the old buffer, so old
 * buffers are kept on a list and freed with the deque: since each buffer is
 * twice the previous one, the retired ones together are smaller than the
 * current one (a bound of 2x, with no epoch machinery on the steal path).
 *
 * Atomics and their pairs
 * -----------------------
 *  [F1] ws_spawn      relaxed slot store; released by [P1]
 *  [F2] ws_spawn      relaxed load of limit; a hint that [D2] poisons
 *  [F3] ws_sync       relaxed load of split; a hint that [D2] poisons
 *  [P0] publish       relaxed store of the task's state word; released by [P1]
 *  [P1] publish       release store of bottom; pairs with [S3]
 *  [S0] steal         relaxed loads of top and bottom: an empty-looking deque
 *                     fails at once (a hint; see the code)
 *  [S1] steal         acquire load of top; pairs with [S6] of other thieves
 *  [S2] steal         seq_cst fence; pairs with [T2]
 *  [S3] steal         acquire load of bottom; pairs with [P1]
 *  [S4] steal         acquire load of the buffer; pairs with [G1]; its offset
 *                     is read relaxed after [S3]: a recentring [C1] changes it
 *                     only while no index a thief could claim exists
 *  [S5] steal         relaxed slot load; ordered by [S3]/[S4], validated by [S6]
 *  [S6] steal         seq_cst CAS of top; pairs with [T4], [R3] and [S1]
 *  [T1] take          relaxed store of bottom - 1; ordered by [T2]
 *  [T2] take          seq_cst fence; pairs with [S2]
 *  [T3] take          acquire load of top, ordered by [T2]; pairs with [S6], as
 *                     [R3]: it raises top_seen
 *  [T4] take          seq_cst CAS of top for the last task; pairs with [S6]
 *                     (acquire on failure, as [T3])
 *  [T5] take          relaxed store restoring bottom; no slot it covers changed
 *  [G1] grow          release store of the new buffer; pairs with [S4]
 *  [C1] recentre      relaxed store of the offset; released by the next [P1]
 *  [R3] refresh       acquire load of top; pairs with [S6], so a thief's read of
 *                     a slot happens before the owner reuses it
 *  [D1] demand        relaxed flag store; made visible by [D2]
 *  [D2] demand        release poison stores of split and limit; pair with [R1]
 *  [R1] refresh       acquire exchanges of split and limit; pair with [D2]
 *  [R2] refresh       relaxed loads/stores of the demand flag (a hint)
 */
#include "deque.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WS__POISON_SPLIT UINTPTR_MAX
#define WS__POISON_LIMIT ((uintptr_t)0)

static struct ws__buf *ws__buf_new(uint64_t capacity)
{
    struct ws__buf *b = malloc(sizeof(*b) + capacity * sizeof(b->slots[0]));
    if (b == NULL)
        return NULL;
    b->mask = capacity - 1;
    atomic_init(&b->off, 0);
    b->retired = NULL;
    for (uint64_t i = 0; i < capacity; i++)
        atomic_init(&b->slots[i], NULL);
    return b;
}

static inline uint64_t ws__cap(const struct ws__deque *d)
{
    return d->buf->mask + 1;
}

/* The owner's real head, wherever overflow mode keeps it. */
static inline _Atomic(ws_task *) **ws__headp(struct ws__deque *d)
{
    return d->overflow ? &d->saved_head : &d->own.head;
}

static inline uint64_t ws__tail(struct ws__deque *d)
{
    return d->base + (uint64_t)(*ws__headp(d) - d->buf->slots);
}

/* Points the head at index `tail`, changing lap if it lies outside this
 * one; true if it did. The head always ends strictly inside the array: the
 * fast path writes through it before it looks at limit. */
static bool ws__set_tail(struct ws__deque *d, uint64_t tail)
{
    uint64_t cap = ws__cap(d), base = d->base;
    while (tail < d->base)
        d->base -= cap;
    while (tail >= d->base + cap)
        d->base += cap;
    *ws__headp(d) = d->buf->slots + (tail - d->base);
    return d->base != base;
}

/* The slot of index i, in the owner's mapping. */
static inline _Atomic(ws_task *) *ws__slot(struct ws__deque *d, uint64_t i)
{
    return &d->buf->slots[(i - d->base) & d->buf->mask];
}

/* Records the frames thieves claimed at [top_seen, upto) on the stolen
 * list. Every index there is below top and was not won by the owner. */
static void ws__harvest(struct ws__deque *d, uint64_t upto)
{
    for (uint64_t i = d->top_seen; i < upto; i++) {
        /* relaxed: the owner's own [F1]; the slot is intact (see above). */
        ws_task *t = atomic_load_explicit(ws__slot(d, i), memory_order_relaxed);
        t->ws__link = d->stolen; /* owner-only field: thieves never touch it */
        d->stolen = t;
    }
    if (upto > d->top_seen)
        d->top_seen = upto;
}

/* [R3] acquire: pairs with [S6]; thieves that advanced top past a slot
 * read it before the owner may overwrite it. */
static uint64_t ws__load_top_owner(struct ws__deque *d)
{
    return atomic_load_explicit(&d->top, memory_order_acquire);
}

int ws__deque_init(struct ws__deque *d, unsigned log2_capacity, unsigned max_log2,
                   unsigned owner_id)
{
    struct ws__buf *b = ws__buf_new((uint64_t)1 << log2_capacity);
    if (b == NULL)
        return -ENOMEM;
    /* Indices start at 2^62, mid-array: far enough from 0 that base, which
     * may sit up to a capacity below top, never wraps; far enough from 2^64
     * that top never does (at a billion steals a second, for 200 years). */
    uint64_t start = ((uint64_t)1 << 62) + (b->mask + 1) / 2;
    d->buf = b;
    d->base = (uint64_t)1 << 62;
    d->top_seen = start;
    d->owner_bits = (uint64_t)(owner_id + 1) << WS__ST_OWNER_SHIFT;
    d->max_cap = (uint64_t)1 << max_log2;
    d->saved_head = NULL;
    d->stolen = NULL;
    d->spill = NULL;
    d->overflow = false;
    atomic_init(&d->sink[0], NULL);
    d->own.head = b->slots + (start - d->base);
    d->own.nspawn = 0;
    atomic_init(&d->own.split, (uintptr_t)(b->slots + (start - d->base)));
    atomic_init(&d->own.limit, (uintptr_t)(b->slots + b->mask));
    atomic_init(&d->top, start);
    atomic_init(&d->demand, 0);
    atomic_init(&d->bottom, start);
    atomic_init(&d->pub_buf, b);
    return 0;
}

void ws__deque_destroy(struct ws__deque *d)
{
    struct ws__buf *b = d->buf;
    while (b != NULL) {
        struct ws__buf *next = b->retired;
        free(b);
        b = next;
    }
    d->buf = NULL;
}

enum ws__steal ws__deque_steal(struct ws__deque *d, ws_task **out)
{
    /* [S0] relaxed pre-check: a deque that looks empty is reported empty
     * without paying [S2] (14 ns on x86). A stale "empty" is only a failed
     * steal, which every caller tolerates (it retries, or it sleeps only
     * after ws__work_visible() has looked again behind park.c's fence). */
    if (!ws__deque_has_public(d))
        return WS__STEAL_EMPTY;
    /* [S1] acquire: pairs with [S6] of the thief that last advanced top. */
    uint64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    /* [S2] seq_cst: with [T2], a thief and a taking owner cannot both miss
     * each other's update of top and bottom. */
    atomic_thread_fence(memory_order_seq_cst);
    /* [S3] acquire: pairs with [P1]; the slot and the task it points to,
     * written before the publication, are visible from here. */
    uint64_t b = atomic_load_explicit(&d->bottom, memory_order_acquire);
    if (t >= b)
        return WS__STEAL_EMPTY;
    /* [S4] acquire: pairs with [G1]; the buffer's contents are visible. */
    struct ws__buf *buf = atomic_load_explicit(&d->pub_buf, memory_order_acquire);
    /* relaxed after [S3]: see [C1]. */
    uint64_t off = atomic_load_explicit(&buf->off, memory_order_relaxed);
    /* [S5] relaxed: read before the CAS (Le et al.); if the owner has since
     * reused the slot, top has moved and [S6] fails. */
    ws_task *x = atomic_load_explicit(&buf->slots[(t + off) & buf->mask], memory_order_relaxed);
    /* [S6] seq_cst: claims index t against other thieves and [T4]. */
    if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return WS__STEAL_ABORT;
    *out = x;
    return WS__STEAL_OK;
}

void ws__deque_demand(struct ws__deque *d)
{
    /* [R2] relaxed: an idempotent hint; re-reading avoids writing the
     * owner's line again while a request is pending. */
    if (atomic_load_explicit(&d->demand, memory_order_relaxed))
        return;
    /* [D1] relaxed: made visible to the owner by [D2]/[R1]. */
    atomic_store_explicit(&d->demand, 1, memory_order_relaxed);
    /* [D2] release: pairs with [R1], so an owner that overwrites the poison
     * sees the flag set above and serves it. */
    atomic_store_explicit(&d->own.split, WS__POISON_SPLIT, memory_order_release);
    atomic_store_explicit(&d->own.limit, WS__POISON_LIMIT, memory_order_release);
}

bool ws__deque_publish_owner(struct ws__deque *d, uint64_t keep)
{
    /* relaxed: only the owner writes bottom. */
    uint64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
    if (ws__tail(d) - b <= keep)
        return false;
    /* relaxed: the owner's own earlier store [F1]. */
    ws_task *t = atomic_load_explicit(ws__slot(d, b), memory_order_relaxed);
    /* [P0] relaxed: the state a thief reads after [S3]; released by [P1]. */
    atomic_store_explicit(&t->ws__state, d->owner_bits, memory_order_relaxed);
    /* [P1] release: publishes slot b, the task's fields, [P0] and [C1];
     * pairs with [S3]. */
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
    return true;
}

bool ws__deque_pop_private_owner(struct ws__deque *d)
{
    uint64_t tail = ws__tail(d);
    /* relaxed: only the owner writes bottom. */
    if (tail <= atomic_load_explicit(&d->bottom, memory_order_relaxed))
        return false;
    if (ws__set_tail(d, tail - 1)) {
        /* Into the previous lap: split and limit point into the other one.
         * Recompute them now, or the fast path would pop below bottom. If
         * that overwrote a thief's poison, poison split again so that the
         * next sync serves the demand. */
        if (ws__deque_refresh_owner(d) > 0) /* relaxed: the owner's own word */
            atomic_store_explicit(&d->own.split, WS__POISON_SPLIT, memory_order_relaxed);
    }
    return true;
}

ws_task *ws__deque_newest_owner(struct ws__deque *d)
{
    /* relaxed: the owner's own earlier store [F1]. */
    return atomic_load_explicit(ws__slot(d, ws__tail(d) - 1), memory_order_relaxed);
}

bool ws__deque_empty_owner(struct ws__deque *d)
{
    /* relaxed: a debugging check; top only grows, so a stale value errs
     * towards "not empty". */
    return ws__tail(d) <= atomic_load_explicit(&d->top, memory_order_relaxed);
}

ws_task *ws__deque_pop_stolen_owner(struct ws__deque *d)
{
    ws__harvest(d, ws__load_top_owner(d));
    ws_task *t = d->stolen;
    if (t != NULL)
        d->stolen = t->ws__link;
    return t;
}

bool ws__deque_take_owner(struct ws__deque *d)
{
    /* relaxed: only the owner writes bottom. */
    uint64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed) - 1;
    /* [T1] relaxed: ordered before [T3] by [T2]. */
    atomic_store_explicit(&d->bottom, b, memory_order_relaxed);
    /* [T2] seq_cst: the store-load fence of Chase-Lev; pairs with [S2]. */
    atomic_thread_fence(memory_order_seq_cst);
    /* [T3] acquire: ordered after [T1] by [T2]; acquire because the value
     * raises top_seen below (rule 3 of sched/README.md): it pairs with [S6]
     * of the thieves that advanced top, so their slot reads happen before
     * the owner reuses those slots. (A plain load on x86.) */
    uint64_t top = atomic_load_explicit(&d->top, memory_order_acquire);
    bool got;
    if (top < b) {
        /* At least one other public task remains between top and b: no
         * thief can reach index b. */
        got = true;
        ws__set_tail(d, b);
    } else {
        /* Everything below b is gone to thieves; b itself is the task being
         * synced, won or lost here, so the stolen list skips it. */
        ws__harvest(d, b);
        d->top_seen = b + 1;
        if (top == b) {
            /* The last public task: race the thieves for it. [T4] seq_cst:
             * pairs with [S6]; acquire on failure, as [T3]: the thief that
             * won read slot b before its CAS, and top_seen now covers it. */
            got = atomic_compare_exchange_strong_explicit(
                &d->top, &top, b + 1, memory_order_seq_cst, memory_order_acquire);
        } else {
            got = false; /* top > b: a thief took it before [T1]. */
        }
        /* [T5] relaxed: bottom back to top; slots below are unchanged. */
        atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
        ws__set_tail(d, b + 1);
    }
    return got;
}

/* Stolen frames keep their remembered slot no longer: a slot that moves
 * could come to look private. */
static void ws__forget_stolen_slots(struct ws__deque *d)
{
    for (ws_task *t = d->stolen; t != NULL; t = t->ws__link)
        t->ws__slot = NULL;
}

/* Before a lap change: the remembered slots of every frame in the deque and
 * of the stolen ones would compare wrongly with the next lap's split; clear
 * them, so that their syncs take the slow path (once each). */
static void ws__forget_slots(struct ws__deque *d, uint64_t tail)
{
    ws__forget_stolen_slots(d);
    for (uint64_t i = d->top_seen; i < tail; i++) {
        /* relaxed: the owner's own [F1]. A public task may be running on a
         * thief: it never reads ws__slot. */
        ws_task *t = atomic_load_explicit(ws__slot(d, i), memory_order_relaxed);
        t->ws__slot = NULL;
    }
}

/* Copies [top_seen, tail) into a buffer twice the size, head mid-array. */
static int ws__deque_grow(struct ws__deque *d, uint64_t tail)
{
    struct ws__buf *old = d->buf;
    uint64_t cap = (old->mask + 1) * 2;
    if (cap > d->max_cap)
        return -ENOMEM;
    struct ws__buf *b = ws__buf_new(cap);
    if (b == NULL)
        return -ENOMEM;
    ws__forget_stolen_slots(d);
    uint64_t base = tail - cap / 2;
    atomic_init(&b->off, (0 - base) & b->mask);
    for (uint64_t i = d->top_seen; i < tail; i++) {
        /* relaxed: slots the owner wrote itself ([F1]); thieves only read them. */
        ws_task *t = atomic_load_explicit(ws__slot(d, i), memory_order_relaxed);
        /* relaxed: the new buffer is the owner's until [G1] releases it. */
        atomic_store_explicit(&b->slots[i - base], t, memory_order_relaxed);
        /* A public task may be running on a thief: it never reads ws__slot. */
        t->ws__slot = &b->slots[i - base];
    }
    b->retired = old;
    d->buf = b;
    d->base = base;
    *ws__headp(d) = b->slots + (tail - base);
    /* [G1] release: the copied slots and the offset are visible to a thief
     * that loads the new buffer with [S4]. */
    atomic_store_explicit(&d->pub_buf, b, memory_order_release);
    return 0;
}

/*
 * With no public task, rotates the private slots so that the head sits in
 * the middle of the free space (see the theory above), at most three
 * quarters up the array. False if there are public tasks, or private ones
 * filling half the array (then the deque is full: grow), or too many to
 * move on the stack.
 */
static bool ws__recentre(struct ws__deque *d, uint64_t tail, uint64_t bottom, uint64_t top)
{
    enum { RECENTRE_MAX = 256 };
    uint64_t cap = ws__cap(d), n = tail - bottom;
    if (top != bottom || n > RECENTRE_MAX || n > cap / 2)
        return false;
    ws_task *tmp[RECENTRE_MAX];
    for (uint64_t i = 0; i < n; i++) /* relaxed: private slots, the owner's own [F1] */
        tmp[i] = atomic_load_explicit(ws__slot(d, bottom + i), memory_order_relaxed);
    uint64_t base = tail - (n + (cap - n) / 2);
    for (uint64_t i = 0; i < n; i++) {
        /* relaxed: private slots (no public task, top == bottom); released
         * with [C1] by the next [P1]. */
        atomic_store_explicit(&d->buf->slots[bottom + i - base], tmp[i], memory_order_relaxed);
        tmp[i]->ws__slot = &d->buf->slots[bottom + i - base];
    }
    ws__forget_stolen_slots(d);
    d->base = base;
    /* [C1] relaxed: released with the slots by the next [P1]. */
    atomic_store_explicit(&d->buf->off, (0 - base) & d->buf->mask, memory_order_relaxed);
    *ws__headp(d) = d->buf->slots + (tail - base);
    return true;
}

bool ws__deque_take_demand(struct ws__deque *d)
{
    /* [R2] relaxed: the flag is a hint; [R1] makes a request that raced with
     * a refresh visible to the owner's next call here. */
    if (!atomic_load_explicit(&d->demand, memory_order_relaxed))
        return false;
    atomic_store_explicit(&d->demand, 0, memory_order_relaxed);
    return true;
}

void ws__deque_rearm_demand(struct ws__deque *d)
{
    /* relaxed: the owner's own words; thieves seeing the flag set skip
     * their poison, which this store already did. */
    atomic_store_explicit(&d->demand, 1, memory_order_relaxed);
    if (!d->overflow)
        atomic_store_explicit(&d->own.limit, WS__POISON_LIMIT, memory_order_relaxed);
}

int ws__deque_refresh_owner(struct ws__deque *d)
{
    int err = 0;
    uint64_t cap = ws__cap(d);
    uint64_t tail = ws__tail(d);
    /* relaxed: only the owner writes bottom. */
    uint64_t bottom = atomic_load_explicit(&d->bottom, memory_order_relaxed);
    uint64_t pos = tail - d->base;

    /* The slot at the head must be writable when the fast path runs again:
     * index tail below top_seen + capacity, and inside the array. When the
     * head nears the end of the array, or the deque is half full: recentre
     * if the public part is empty; else grow if the deque is half full; else
     * start the next lap (whose slots then lie at least half a capacity
     * below top_seen + capacity). */
    if (pos == cap || pos > cap - cap / 4 || tail - d->top_seen >= cap / 2) {
        uint64_t top = ws__load_top_owner(d);
        ws__harvest(d, top);
        if (ws__recentre(d, tail, bottom, top)) {
            /* done */
        } else if (tail - d->top_seen >= cap / 2) {
            err = ws__deque_grow(d, tail);
        } else if (pos == cap) {
            ws__forget_slots(d, tail);
            ws__set_tail(d, tail);
        }
        cap = ws__cap(d);
    }
    if (err != 0) {
        if (!d->overflow) {
            d->saved_head = d->own.head;
            d->overflow = true;
        }
    } else if (d->overflow && d->spill == NULL) {
        /* Spilled tasks must be synced before deque ones: leave only now. */
        d->own.head = d->saved_head;
        d->overflow = false;
    }

    uintptr_t split, limit;
    if (d->overflow) {
        d->own.head = d->sink;
        split = WS__POISON_SPLIT;
        limit = WS__POISON_LIMIT;
    } else {
        _Atomic(ws_task *) *slots = d->buf->slots;
        split = (uintptr_t)(bottom > d->base ? slots + (bottom - d->base) : slots);
        /* The last slot the fast path may fill: the next push needs index
         * < top_seen + cap, and a slot inside this lap. */
        uint64_t room = d->top_seen + cap - d->base;
        limit = (uintptr_t)(slots + (room < cap ? room : cap)) - sizeof(slots[0]);
    }
    /* [R1] acquire: if we overwrite a thief's poison [D2], its demand flag
     * [D1] is visible to the owner's next ws__deque_take_demand(). */
    uintptr_t old_split = atomic_exchange_explicit(&d->own.split, split, memory_order_acquire);
    uintptr_t old_limit = atomic_exchange_explicit(&d->own.limit, limit, memory_order_acquire);
    if (err)
        return err;
    return old_split == WS__POISON_SPLIT || old_limit == WS__POISON_LIMIT;
}

void ws__deque_spill_sink(struct ws__deque *d)
{
    /* relaxed: the fast path's own store [F1]. */
    ws_task *t = atomic_load_explicit(&d->sink[0], memory_order_relaxed);
    d->own.head = d->sink;
    /* relaxed: a private task's state word is the owner's to use. */
    atomic_store_explicit(&t->ws__state, (uint64_t)(uintptr_t)d->spill, memory_order_relaxed);
    d->spill = t;
}

ws_task *ws__deque_unspill(struct ws__deque *d)
{
    ws_task *t = d->spill;
    if (t != NULL) /* relaxed: a private task's link, stored by this owner when spilling */
        d->spill = (ws_task *)(uintptr_t)atomic_load_explicit(&t->ws__state, memory_order_relaxed);
    return t;
}
