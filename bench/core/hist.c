/*
 * hist.c - the log-bucketed latency histogram (see hist.h for the contract).
 *
 * Bucket layout, with S = 2^SUB_BITS = 128 sub-buckets:
 *   index(v) = v                                     for v < S
 *   index(v) = (shift + 1) * S + ((v >> shift) - S)  for v >= S,
 *              where e = floor(log2 v), shift = e - SUB_BITS.
 * Bucket i >= S therefore holds [(S + sub) << shift, ((S + sub + 1) << shift) - 1]
 * with shift = i / S - 1 and sub = i % S: its width 2^shift is at most 1/S
 * of its lowest value, and its middle is within 1/(2S) = 0.39% of any value
 * in it. Values below 2S = 256 have width-1 buckets and come back exact.
 *
 * Atomics. Every field a writer touches is _Atomic so that hist_record()
 * (one writer) and hist_record_atomic() (many writers) need no lock, and so
 * that no access is a data race in the C11 sense. All of them are relaxed:
 *   [R1] counts[], clamped: independent tallies; each is an add that must not
 *        be lost, and nothing else is published through them, so no order
 *        with any other access is needed. The single-writer path uses a
 *        relaxed load and store (no locked instruction); the atomic path a
 *        relaxed fetch_add.
 *   [R2] min, max: monotonic bounds, updated by load-compare-store (one
 *        writer) or a relaxed CAS loop (many); they order nothing else.
 * Readers get their happens-before from the caller (thread join, or a lock
 * or release/acquire of the caller's own), as hist.h requires.
 */
#include "core/hist.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#define SUB_BITS 7
#define SUB      (UINT64_C(1) << SUB_BITS)

struct hist {
    uint64_t max_value;        /* highest trackable value (clamp above) */
    size_t nbuckets;           /* index(max_value) + 1 */
    _Atomic uint64_t min;      /* UINT64_MAX while empty; see [R2] */
    _Atomic uint64_t max;      /* 0 while empty; empty iff min > max */
    _Atomic uint64_t clamped;  /* values recorded above max_value; [R1] */
    _Atomic uint64_t counts[]; /* nbuckets tallies; [R1] */
};

static inline size_t bucket_index(uint64_t v)
{
    if (v < SUB)
        return (size_t)v;
    unsigned shift = (unsigned)(63 - __builtin_clzll(v)) - SUB_BITS;
    return ((size_t)(shift + 1) << SUB_BITS) + (size_t)((v >> shift) - SUB);
}

/* The lowest value of bucket i and the bucket's width. */
static inline uint64_t bucket_low(size_t i, uint64_t *width)
{
    if (i < SUB) {
        *width = 1;
        return i;
    }
    unsigned shift = (unsigned)(i >> SUB_BITS) - 1;
    *width = UINT64_C(1) << shift;
    return (SUB + (i & (SUB - 1))) << shift;
}

/* The value a query answers for bucket i: its middle (exact for width 1). */
static inline uint64_t bucket_mid(size_t i)
{
    uint64_t width;
    uint64_t low = bucket_low(i, &width);
    return low + (width - 1) / 2;
}

int hist_create(struct hist **out, uint64_t max_value)
{
    if (out == NULL || max_value == 0)
        return -EINVAL;
    size_t n = bucket_index(max_value) + 1;
    struct hist *h = malloc(sizeof(*h) + n * sizeof(h->counts[0]));
    if (h == NULL)
        return -ENOMEM;
    h->max_value = max_value;
    h->nbuckets = n;
    atomic_init(&h->min, UINT64_MAX);
    atomic_init(&h->max, 0);
    atomic_init(&h->clamped, 0);
    for (size_t i = 0; i < n; i++)
        atomic_init(&h->counts[i], 0);
    *out = h;
    return 0;
}

void hist_destroy(struct hist *h)
{
    free(h);
}

/* Single-writer tally: a relaxed load and store, no locked instruction. [R1] */
static inline void add_relaxed(_Atomic uint64_t *a, uint64_t n)
{
    atomic_store_explicit(a, atomic_load_explicit(a, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

int hist_record_n(struct hist *h, uint64_t value, uint64_t n)
{
    if (h == NULL)
        return -EINVAL;
    if (n == 0)
        return 0;
    if (value > h->max_value) {
        value = h->max_value;
        add_relaxed(&h->clamped, n);
    }
    add_relaxed(&h->counts[bucket_index(value)], n);
    /* [R2] one writer: plain compare and store suffices. */
    if (value < atomic_load_explicit(&h->min, memory_order_relaxed))
        atomic_store_explicit(&h->min, value, memory_order_relaxed);
    if (value > atomic_load_explicit(&h->max, memory_order_relaxed))
        atomic_store_explicit(&h->max, value, memory_order_relaxed);
    return 0;
}

int hist_record(struct hist *h, uint64_t value)
{
    return hist_record_n(h, value, 1);
}

int hist_record_atomic(struct hist *h, uint64_t value)
{
    if (h == NULL)
        return -EINVAL;
    if (value > h->max_value) {
        value = h->max_value;
        /* [R1] a tally: the add must not be lost, nothing is ordered by it. */
        atomic_fetch_add_explicit(&h->clamped, 1, memory_order_relaxed);
    }
    /* [R1] as above. */
    atomic_fetch_add_explicit(&h->counts[bucket_index(value)], 1, memory_order_relaxed);
    /* [R2] lower the bound unless another writer already went lower; a failed CAS reloads cur. */
    uint64_t cur = atomic_load_explicit(&h->min, memory_order_relaxed);
    while (value < cur && !atomic_compare_exchange_weak_explicit(
                              &h->min, &cur, value, memory_order_relaxed, memory_order_relaxed))
        ;
    /* [R2] the same for the upper bound. */
    cur = atomic_load_explicit(&h->max, memory_order_relaxed);
    while (value > cur && !atomic_compare_exchange_weak_explicit(
                              &h->max, &cur, value, memory_order_relaxed, memory_order_relaxed))
        ;
    return 0;
}

/* Loads for readers and merge: relaxed, ordered after the writers by the caller. [R1][R2] */
static inline uint64_t load(const _Atomic uint64_t *a)
{
    return atomic_load_explicit(a, memory_order_relaxed);
}

static inline int is_empty(const struct hist *h)
{
    return load(&h->min) > load(&h->max);
}

int hist_merge(struct hist *dst, const struct hist *src)
{
    if (dst == NULL || src == NULL)
        return -EINVAL;
    if (is_empty(src))
        return 0;
    size_t last = dst->nbuckets - 1;
    for (size_t i = 0; i < src->nbuckets; i++) {
        uint64_t c = load(&src->counts[i]);
        if (c == 0)
            continue;
        if (i > last) {
            add_relaxed(&dst->counts[last], c);
            add_relaxed(&dst->clamped, c);
        } else {
            add_relaxed(&dst->counts[i], c);
        }
    }
    add_relaxed(&dst->clamped, load(&src->clamped));
    uint64_t lo = load(&src->min), hi = load(&src->max);
    if (lo > dst->max_value)
        lo = dst->max_value;
    if (hi > dst->max_value)
        hi = dst->max_value;
    /* [R2] relaxed: the merger is dst's one writer (hist.h). */
    if (lo < load(&dst->min))
        atomic_store_explicit(&dst->min, lo, memory_order_relaxed);
    if (hi > load(&dst->max))
        atomic_store_explicit(&dst->max, hi, memory_order_relaxed);
    return 0;
}

void hist_reset(struct hist *h)
{
    if (h == NULL)
        return;
    /* [R1], [R2] relaxed: no writer runs during a reset; the caller orders it. */
    for (size_t i = 0; i < h->nbuckets; i++)
        atomic_store_explicit(&h->counts[i], 0, memory_order_relaxed);
    atomic_store_explicit(&h->clamped, 0, memory_order_relaxed);
    atomic_store_explicit(&h->min, UINT64_MAX, memory_order_relaxed);
    atomic_store_explicit(&h->max, 0, memory_order_relaxed);
}

uint64_t hist_count(const struct hist *h)
{
    if (h == NULL)
        return 0;
    uint64_t n = 0;
    for (size_t i = 0; i < h->nbuckets; i++)
        n += load(&h->counts[i]);
    return n;
}

uint64_t hist_clamped(const struct hist *h)
{
    return h == NULL ? 0 : load(&h->clamped);
}

uint64_t hist_max_value(const struct hist *h)
{
    return h == NULL ? 0 : h->max_value;
}

uint64_t hist_min(const struct hist *h)
{
    return h == NULL || is_empty(h) ? 0 : load(&h->min);
}

uint64_t hist_max(const struct hist *h)
{
    return h == NULL || is_empty(h) ? 0 : load(&h->max);
}

double hist_mean(const struct hist *h)
{
    if (h == NULL || is_empty(h))
        return 0.0;
    double sum = 0.0, n = 0.0;
    uint64_t lo = load(&h->min), hi = load(&h->max);
    for (size_t i = 0; i < h->nbuckets; i++) {
        uint64_t c = load(&h->counts[i]);
        if (c == 0)
            continue;
        uint64_t v = bucket_mid(i);
        v = v < lo ? lo : v > hi ? hi : v;
        sum += (double)c * (double)v;
        n += (double)c;
    }
    return n > 0.0 ? sum / n : 0.0;
}

int hist_percentile(const struct hist *h, double p, uint64_t *out)
{
    if (h == NULL || out == NULL || !(p >= 0.0 && p <= 100.0))
        return -EINVAL;
    uint64_t count = hist_count(h);
    if (count == 0) {
        *out = 0;
        return 0;
    }
    double r = ceil(p / 100.0 * (double)count);
    uint64_t rank = r < 1.0 ? 1 : r >= (double)count ? count : (uint64_t)r;
    uint64_t lo = load(&h->min), hi = load(&h->max);
    if (rank == 1 || rank == count) { /* the extreme order statistics are known exactly */
        *out = rank == 1 ? lo : hi;
        return 0;
    }
    uint64_t seen = 0;
    for (size_t i = 0; i < h->nbuckets; i++) {
        seen += load(&h->counts[i]);
        if (seen >= rank) {
            uint64_t v = bucket_mid(i);
            *out = v < lo ? lo : v > hi ? hi : v;
            return 0;
        }
    }
    *out = hi; /* unreachable: the walk reaches count >= rank */
    return 0;
}
