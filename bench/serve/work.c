/*
 * work.c - the SHA-1 chain behind ?work= (see work.h), on wsbench's SHA-1
 * (the x86 SHA extensions where the CPU has them, as UTS uses).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "serve/work.h"
#include "workloads/uts/sha1.h"

static sha1_short_fn g_sha1; /* set once by work_init(), before any thread starts */
static enum sha1_impl g_impl;

int work_init(void)
{
    int impl = sha1_impl_resolve(SHA1_IMPL_AUTO);
    if (impl < 0)
        return impl;
    g_impl = (enum sha1_impl)impl;
    g_sha1 = sha1_short_get(g_impl);
    return g_sha1 != NULL ? 0 : -ENOTSUP;
}

const char *work_impl(void)
{
    return sha1_impl_name(g_impl);
}

uint64_t work_iters(unsigned us, double iters_per_us)
{
    return (uint64_t)((double)us * iters_per_us + 0.5);
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Part j of k of a request of iters iterations: its value. */
static uint64_t work_part(uint64_t iters, unsigned j, unsigned k)
{
    uint8_t seed[16], h[SHA1_DIGEST_LEN];
    uint64_t n = iters / k + (j < iters % k ? 1 : 0), v = 0;
    put_le(seed, iters, 8);
    put_le(seed + 8, j, 4);
    put_le(seed + 12, k, 4);
    g_sha1(seed, sizeof(seed), h);
    for (uint64_t i = 0; i < n; i++)
        g_sha1(h, sizeof(h), h);
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return v;
}

struct work_parts {
    uint64_t iters;
    unsigned k;
    uint64_t val[WORK_MAX_FANOUT];
};

static void work_part_fn(void *arg, size_t i)
{
    struct work_parts *p = arg;
    p->val[i] = work_part(p->iters, (unsigned)i, p->k);
}

uint64_t work_run(uint64_t iters, unsigned k, const struct work_fork *f)
{
    struct work_parts p = {.iters = iters, .k = k};
    uint64_t sum = 0;
    if (k == 0 || k > WORK_MAX_FANOUT)
        k = p.k = 1;
    if (k > 1 && f != NULL && f->run != NULL) {
        f->run(f->ctx, k, work_part_fn, &p);
    } else {
        for (unsigned j = 0; j < k; j++)
            work_part_fn(&p, j);
    }
    for (unsigned j = 0; j < k; j++)
        sum ^= p.val[j];
    return sum;
}

static double thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

double work_calibrate(unsigned ms)
{
    /* Doubling batches until one takes ms of this thread's CPU time: CPU,
     * not wall, so a preempted batch does not make the rate look slower.
     * The first short batches warm the caches and the clock up. */
    volatile uint64_t sink = 0;
    for (uint64_t n = 1024;; n *= 2) {
        double t0 = thread_cpu_us();
        sink ^= work_run(n, 1, NULL);
        double dt = thread_cpu_us() - t0;
        if (dt >= ms * 1000.0 || n >= (1ull << 40))
            return dt > 0 ? (double)n / dt : (double)n;
    }
}
