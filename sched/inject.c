/*
 * inject.c - the injection queue, a ck_ring used MPMC.
 *
 * ck_ring orders its slot copies with ck_pr fences written in inline
 * assembly, which ThreadSanitizer does not see; this file is therefore built
 * without TSan instrumentation (see sched/CMakeLists.txt), and each item is
 * handed over explicitly instead: __tsan_release(item) before the push
 * happens before __tsan_acquire(item) after the pop, which is exactly the
 * guarantee ck_ring gives. TSan keeps checking every access to the item.
 */
#include "inject.h"

#include <errno.h>
#include <stdlib.h>

#if defined(WS_TSAN)
#include <sanitizer/tsan_interface.h>
#define WS__TSAN_RELEASE(p) __tsan_release(p)
#define WS__TSAN_ACQUIRE(p) __tsan_acquire(p)
#else
#define WS__TSAN_RELEASE(p) ((void)(p))
#define WS__TSAN_ACQUIRE(p) ((void)(p))
#endif

int ws__inject_init(struct ws__inject *q, unsigned log2_capacity)
{
    unsigned size = 1u << log2_capacity;
    q->buf = calloc(size, sizeof(*q->buf));
    if (q->buf == NULL)
        return -ENOMEM;
    ck_ring_init(&q->ring, size);
    return 0;
}

void ws__inject_destroy(struct ws__inject *q)
{
    free(q->buf);
    q->buf = NULL;
}

bool ws__inject_push(struct ws__inject *q, void *item)
{
    WS__TSAN_RELEASE(item);
    /* ck_ring_enqueue_mpmc: the slot store is ordered before the producer
     * index update (ck_pr_fence_store), which the consumer reads first. */
    return ck_ring_enqueue_mpmc(&q->ring, q->buf, item);
}

void *ws__inject_pop(struct ws__inject *q)
{
    void *item;
    /* ck_ring_trydequeue_mpmc: the slot is read after the producer index
     * (ck_pr_fence_load) and claimed by CAS; a lost race is simply "empty
     * for now", and the caller polls again. */
    if (!ck_ring_trydequeue_mpmc(&q->ring, q->buf, &item))
        return NULL;
    WS__TSAN_ACQUIRE(item);
    return item;
}

bool ws__inject_nonempty(struct ws__inject *q)
{
    /* A racy hint (ck_pr loads of both indices): a sleeper's look after
     * [K2] in park.c, or an idle worker's, which a missed entry only delays
     * until the submitter's wake-up ([K1]). */
    return ck_ring_size(&q->ring) != 0;
}
