/*
 * deque.c - a Chase-Lev work-stealing deque whose newest entries stay
 * private to the owner until a thief asks for them.
 *
 * Theory
 * ------
 * Thieves see an ordinary Chase-Lev deque (Chase & Lev, SPAA 2005) with the
 * C11 memory orders of Le, Pop, Cohen & Zappa Nardelli (PPoPP 2013): tasks
 * at absolute indices [top, bottom) of one array; thieves CAS top upwards;
 * the owner pushes and takes at bottom.
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
 *   top <= bottom <= tail;  base <= bottom;  tail - base <= capacity;
 *   the head is slots + the number of the owner's unsynced spawns in the
 *   array: the spawn depth. While a task runs, the head is its ws_head
 *   (registers); while library code runs, in own.head (set at each entry
 *   from the caller's head, or found, below), or in saved_head in overflow
 *   mode, where a task's head is sink + 1;
 *   slots below the head hold tasks and slots from the head up hold NULL
 *   (every move of the head down clears what it passes: [F4], ws__set_tail,
 *   ws__step_down), so a library entry without a head finds it by
 *   search (ws__deque_find_head);
 *   own.split points at the slot of bottom, or is UINTPTR_MAX (poisoned or
 *   overflow): never below bottom, so the fast path never pops a public
 *   task; own.limit points at the array's last slot, or is 0 (poisoned or
 *   overflow); every index below top_seen is harvested (see below).
 * Indices are 64-bit, start at 2^62 and never wrap, so there is no ABA on
 * top.
 *
 * Linearization: a steal at its successful CAS on top [S6]; a take of the
 * last public task at its CAS [T4], otherwise at the fence [T2]; a publish
 * at the release store of bottom [P1]; private push and pop are not visible
 * to other threads at all.
 *
 * The owner's end is a pointer, not an index, and it lives in the task's
 * ws_head: a spawn is a store through it and an increment, a sync a
 * decrement and a store of NULL, with no masking and no memory round trip
 * from one operation to the next. Slots never move: index i lives at slots[i - base], and base
 * changes in one place. When the owner syncs a task a thief took, that task
 * is its newest unsynced spawn and everything older was taken too, so the
 * deque is empty (top == bottom == tail); the head then steps back down to
 * the task's slot while the index it will push next stays tail: base grows
 * by one ([C1], "step down"). So the head is always the spawn depth, and a
 * head copied into a register stays true (what ws_head needs). Thieves read
 * base after bottom; it changes only while no index they could claim
 * exists, and a thief that read an old one holds an index below top, so
 * its CAS fails. The array is reserved once (2^deque_max_log2 slots,
 * committed as first written); a spawn past its end goes to the spill
 * stack (overflow mode).
 *
 * The stolen list. A sync must know which frame it waits for, but passing
 * the frame to the slow path costs the fast path a register. While the
 * deque is not empty, the frame is the newest slot. Once thieves have taken
 * everything, the owner finds it on its stolen list: an index below top
 * lies below bottom, so below the head, where the owner does not write
 * until it steps down, which it does only after harvesting up to top; so on
 * any slow path it can walk [top_seen, top) - indices
 * thieves claimed - and push those frames on a private stack threaded
 * through ws_task.ws__link ("harvest"), then raise top_seen. The one index
 * below top that a thief did not take, the last public task the owner won
 * by CAS in a take, is stepped over there. Steals go oldest first and syncs
 * newest first, so the newest unsynced stolen frame is the stack's top.
 *
 * (Until 2026-12 the array was a growable circular buffer: the head drifted
 * up by one per stolen task synced, and was moved back by recentring, lap
 * changes and growth, which rewrote or cleared remembered slots.)
 *
 * Atomics and their pairs
 * -----------------------
 *  [F1] ws_spawn      relaxed slot store; released by [P1]
 *  [F2] ws_spawn      relaxed load of limit; a hint that [D2] poisons
 *  [F3] ws_sync       relaxed load of split; a hint that [D2] poisons
 *  [F4] ws_sync       relaxed store of NULL to the private slot it frees (also
 *                     ws__set_tail, ws__step_down): a slot a thief read before
 *                     its failed CAS may read either value; unpaired
 *  [P0] publish       relaxed store of the task's state word; released by [P1]
 *  [P1] publish       release store of bottom; pairs with [S3]
 *  [S0] steal         relaxed loads of top and bottom: an empty-looking deque
 *                     fails at once (a hint; see the code)
 *  [S1] steal         acquire load of top; pairs with [S6] of other thieves
 *  [S2] steal         seq_cst fence; pairs with [T2]
 *  [S3] steal         acquire load of bottom; pairs with [P1]
 *  [S4] steal         acquire load of the buffer (set once at init); its base is
 *                     read relaxed after [S3]: a step down [C1] changes it only
 *                     while no index a thief could claim exists
 *  [S5] steal         relaxed slot load; ordered by [S3]/[S4], validated by [S6]
 *  [S6] steal         seq_cst CAS of top; pairs with [T4], [R3] and [S1]
 *  [T1] take          relaxed store of bottom - 1; ordered by [T2]
 *  [T2] take          seq_cst fence; pairs with [S2]
 *  [T3] take          acquire load of top, ordered by [T2]; pairs with [S6], as
 *                     [R3]: it raises top_seen
 *  [T4] take          seq_cst CAS of top for the last task; pairs with [S6]
 *                     (acquire on failure, as [T3])
 *  [T5] take          relaxed store restoring bottom; no slot it covers changed
 *  [C1] step down     relaxed store of base; released by the next [P1]
 *  [R3] pop stolen    acquire load of top; pairs with [S6], so a thief's read of
 *                     a slot happens before the owner reuses it (as [T3]/[T4]
 *                     do before the step down of a take)
 *  [D1] demand        relaxed flag store; made visible by [D2]
 *  [D2] demand        release poison stores of split and limit; pair with [R1]
 *  [R1] refresh       acquire exchanges of split and limit; pair with [D2]
 *  [R2] refresh       relaxed loads/stores of the demand flag (a hint)
 */
#include "deque.h"

#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>
#include <assert.h>

#define WS__POISON_SPLIT UINTPTR_MAX
#define WS__POISON_LIMIT ((uintptr_t)0)

/* One reservation for the deque's life: slots never move, so a remembered
 * slot, and a head held in a register, stay true. Pages are committed as
 * they are first written (MAP_NORESERVE); the first `touch` slots now. */
static struct ws__buf *ws__buf_new(uint64_t capacity, uint64_t touch)
{
    /* A page of no access before the array: an index below it faults
     * instead of reading a neighbour's memory. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t bytes =
        page + sizeof(struct ws__buf) + capacity * sizeof(((struct ws__buf *)0)->slots[0]);
    char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    if (mprotect(m, page, PROT_NONE) != 0) {
        munmap(m, bytes);
        return NULL;
    }
    struct ws__buf *b = (struct ws__buf *)(void *)(m + page);
    b->cap = capacity;
    b->bytes = bytes;
    b->guard = page;
    atomic_init(&b->base, 0);
    for (uint64_t i = 0; i < touch && i < capacity; i++)
        atomic_init(&b->slots[i], NULL); /* zero already: commits the page */
    return b;
}

static inline uint64_t ws__cap(const struct ws__deque *d)
{
    return d->buf->cap;
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

/* Points the head at index `tail`, which must lie in [base, base + cap];
 * slots it passes on the way down are cleared (free slots hold NULL). */
static void ws__set_tail(struct ws__deque *d, uint64_t tail)
{
    _Atomic(ws_task *) **hp = ws__headp(d);
    _Atomic(ws_task *) *h = d->buf->slots + (tail - d->base);
    /* relaxed: slots at or above bottom are the owner's; a thief that read
     * one of them earlier (its CAS of top fails) may see either value. */
    for (_Atomic(ws_task *) *s = h; s < *hp; s++)
        atomic_store_explicit(s, NULL, memory_order_relaxed);
    *hp = h;
}

/* After the owner synced a task a thief took (the newest unsynced spawn,
 * at index tail - 1, with the deque empty: top == bottom == tail): the
 * head goes back down to that task's slot, which the next spawn reuses at
 * index tail. Indices do not change; the slots' mapping moves by one, so
 * the head is the spawn depth again. Thieves get the new mapping with the
 * next publication [C1]: no index they could claim exists now. */
static void ws__step_down(struct ws__deque *d)
{
    assert(*ws__headp(d) > d->buf->slots && "a stolen task's slot is below the head");
    d->base++;
    *ws__headp(d) -= 1;
    /* relaxed: the slot is free now; the thief read it before its [S6],
     * which happened before the owner's acquire of top ([T3], [T4], [R3]). */
    atomic_store_explicit(*ws__headp(d), NULL, memory_order_relaxed);
    /* [C1] relaxed: released with the slots by the next [P1]. */
    atomic_store_explicit(&d->buf->base, d->base, memory_order_relaxed);
}

/* The slot of index i, in the owner's mapping. */
static inline _Atomic(ws_task *) *ws__slot(struct ws__deque *d, uint64_t i)
{
    return &d->buf->slots[i - d->base];
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
    struct ws__buf *b = ws__buf_new((uint64_t)1 << max_log2, (uint64_t)1 << log2_capacity);
    if (b == NULL)
        return -ENOMEM;
    /* Indices start at 2^62: base (index of slot 0) only grows, by one per
     * stolen task synced; far enough from 2^64 that top never wraps (at a
     * billion steals a second, for 200 years). */
    uint64_t start = (uint64_t)1 << 62;
    d->buf = b;
    d->base = start;
    atomic_init(&b->base, start);
    d->top_seen = start;
    d->owner_bits = (uint64_t)(owner_id + 1) << WS__ST_OWNER_SHIFT;
    d->saved_head = NULL;
    d->stolen = NULL;
    d->spill = NULL;
    d->overflow = false;
    atomic_init(&d->sink[0], NULL);
    atomic_init(&d->sink[1], NULL);
    d->own.head = b->slots;
    d->own.nspawn = 0;
    atomic_init(&d->own.split, (uintptr_t)b->slots);
    atomic_init(&d->own.limit, (uintptr_t)(b->slots + b->cap - 1));
    atomic_init(&d->top, start);
    atomic_init(&d->demand, 0);
    atomic_init(&d->bottom, start);
    atomic_init(&d->pub_buf, b);
    return 0;
}

void ws__deque_destroy(struct ws__deque *d)
{
    if (d->buf != NULL)
        munmap((char *)d->buf - d->buf->guard, d->buf->bytes);
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
    return ws__deque_steal_at(d, atomic_load_explicit(&d->top, memory_order_acquire), out);
}

enum ws__steal ws__deque_steal_at(struct ws__deque *d, uint64_t t, ws_task **out)
{
    /* [S2] seq_cst: with [T2], a thief and a taking owner cannot both miss
     * each other's update of top and bottom. */
    atomic_thread_fence(memory_order_seq_cst);
    /* [S3] acquire: pairs with [P1]; the slot and the task it points to,
     * written before the publication, are visible from here. */
    uint64_t b = atomic_load_explicit(&d->bottom, memory_order_acquire);
    if (t >= b)
        return WS__STEAL_EMPTY;
    /* [S4] acquire: the buffer, set once at init. */
    struct ws__buf *buf = atomic_load_explicit(&d->pub_buf, memory_order_acquire);
    /* relaxed after [S3]: see [C1]. */
    uint64_t base = atomic_load_explicit(&buf->base, memory_order_relaxed);
    /* A thief delayed after [S1] can hold a t that the mapping has passed
     * since (steps down while others stole and the owner synced): base
     * may exceed t, and t < base <= top, so its CAS would fail; do not read
     * outside the array on the way (a reviewer's replay read slots[-100]). */
    uint64_t i = t - base;
    if (i >= buf->cap)
        return WS__STEAL_ABORT;
    /* [S5] relaxed: read before the CAS (Le et al.); if the owner has since
     * reused the slot, top has moved and [S6] fails. */
    ws_task *x = atomic_load_explicit(&buf->slots[i], memory_order_relaxed);
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
    ws__set_tail(d, tail - 1);
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
    if (t != NULL) {
        d->stolen = t->ws__link;
        /* relaxed: the owner's own [F1]. */
        assert(atomic_load_explicit(*ws__headp(d) - 1, memory_order_relaxed) == t &&
               "the stolen task is the newest spawn");
        ws__step_down(d);
        /* split back to bottom's slot, which just moved; a thief's poison
         * the refresh overwrote is kept for the next spawn. */
        if (ws__deque_refresh_owner(d) > 0)
            ws__deque_rearm_demand(d);
    }
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
        ws__step_down(d); /* top == bottom == tail: the head back to b's slot */
    }
    return got;
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

bool ws__deque_full(struct ws__deque *d)
{
    return ws__tail(d) - d->base >= ws__cap(d);
}

/* The fast path writes the slot at the head before it compares with limit,
 * so the head of a spawn must lie inside the array: when the array is full,
 * spawns write the sink and go to the spill stack (overflow mode). Every
 * task and library entry from then on holds sink + 1 as its head, so the
 * mode ends only when no one holds it any more: at the sync of the array's
 * newest task, the spawn that filled the array (spilled tasks are newer
 * and were all synced before). */
void ws__deque_enter_overflow(struct ws__deque *d)
{
    assert(!d->overflow);
    d->saved_head = d->own.head;
    d->own.head = &d->sink[1];
    d->overflow = true;
}

void ws__deque_leave_overflow(struct ws__deque *d)
{
    assert(d->overflow && d->spill == NULL);
    d->own.head = d->saved_head;
    d->overflow = false;
}

_Atomic(ws_task *) *ws__deque_find_head(struct ws__deque *d)
{
    if (d->overflow)
        return d->own.head = &d->sink[1];
    _Atomic(ws_task *) *s = d->buf->slots;
    uint64_t cap = ws__cap(d), h = 0, lo, hi, step = 1;
    /* own.head is a hint: the head at the last library entry. */
    if ((uintptr_t)d->own.head >= (uintptr_t)s && (uintptr_t)d->own.head <= (uintptr_t)(s + cap))
        h = (uint64_t)(d->own.head - s);
        /* Slots below lo hold tasks; slot hi is free, or hi == cap. Gallop from
         * the hint, then bisect. relaxed: the owner's own slots. */
#define WS__USED(i) (atomic_load_explicit(&s[i], memory_order_relaxed) != NULL)
    if (h < cap && WS__USED(h)) {
        for (lo = h + 1;; lo = hi + 1, step *= 2) {
            hi = cap - lo > step ? lo + step : cap;
            if (hi == cap || !WS__USED(hi))
                break;
        }
    } else if (h > 0 && !WS__USED(h - 1)) {
        for (hi = h - 1;; hi = lo, step *= 2) {
            if (hi < step) {
                lo = 0;
                break;
            }
            lo = hi - step;
            if (WS__USED(lo)) {
                lo++;
                break;
            }
        }
    } else {
        lo = hi = h;
    }
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (WS__USED(mid))
            lo = mid + 1;
        else
            hi = mid;
    }
#undef WS__USED
    return d->own.head = s + lo;
}

int ws__deque_refresh_owner(struct ws__deque *d)
{
    /* relaxed: only the owner writes bottom. */
    uint64_t bottom = atomic_load_explicit(&d->bottom, memory_order_relaxed);
    uintptr_t split, limit;
    if (d->overflow) {
        split = WS__POISON_SPLIT;
        limit = WS__POISON_LIMIT;
    } else {
        _Atomic(ws_task *) *slots = d->buf->slots;
        split = (uintptr_t)(slots + (bottom - d->base));
        /* The last slot the fast path may fill: the array's last. */
        limit = (uintptr_t)(slots + ws__cap(d) - 1);
    }
    /* [R1] acquire: if we overwrite a thief's poison [D2], its demand flag
     * [D1] is visible to the owner's next ws__deque_take_demand(). */
    uintptr_t old_split = atomic_exchange_explicit(&d->own.split, split, memory_order_acquire);
    uintptr_t old_limit = atomic_exchange_explicit(&d->own.limit, limit, memory_order_acquire);
    return old_split == WS__POISON_SPLIT || old_limit == WS__POISON_LIMIT;
}

void ws__deque_spill_sink(struct ws__deque *d)
{
    /* relaxed: the fast path's own store [F1]. */
    ws_task *t = atomic_load_explicit(&d->sink[1], memory_order_relaxed);
    d->own.head = &d->sink[1];
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
