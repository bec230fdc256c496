/*
 * test_hist.c - the latency histogram: exact small cases, percentiles of 10^6
 * log-uniform values against the sorted values, bucket resolution, merge,
 * reset, clamping, 4 threads recording at once, and the error paths.
 *
 * Usage: test_hist [values [seed]]   (defaults 1000000 and a time-based seed)
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "core/hist.h"

#define CHECK_REL(est, exact, bound)                                                               \
    do {                                                                                           \
        double e_ = (double)(est), x_ = (double)(exact);                                           \
        double r_ = x_ == 0.0 ? fabs(e_) : fabs(e_ - x_) / x_;                                     \
        if (!(r_ < (bound)))                                                                       \
            CHECK_FAIL_("CHECK_REL(%s, %s): %.0f vs %.0f, relative error %.5f >= %g", #est,        \
                        #exact, e_, x_, r_, (double)(bound));                                      \
    } while (0)

static uint64_t rng_state;

/* splitmix64: a small, good, reproducible generator. */
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Log-uniform in [1, max]: exp(U * ln max). */
static uint64_t rng_loguniform(uint64_t max)
{
    double u = (double)(rng_next() >> 11) / 9007199254740992.0; /* [0, 1) */
    uint64_t v = (uint64_t)exp(u * log((double)max));
    return v < 1 ? 1 : v > max ? max : v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The exact order statistic hist_percentile() promises: rank max(1, ceil(p/100 n)). */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
    double r = ceil(p / 100.0 * (double)n);
    size_t rank = r < 1.0 ? 1 : r >= (double)n ? n : (size_t)r;
    return sorted[rank - 1];
}

static uint64_t pct(const struct hist *h, double p)
{
    uint64_t v = 0;
    int rc = hist_percentile(h, p, &v);
    CHECK_EQ(rc, 0);
    return v;
}

static void test_errors(void)
{
    struct hist *h = (struct hist *)&h; /* must stay untouched on error */
    CHECK_EQ(hist_create(NULL, 100), -EINVAL);
    CHECK_EQ(hist_create(&h, 0), -EINVAL);
    CHECK(h == (struct hist *)&h);
    CHECK_EQ(hist_record(NULL, 1), -EINVAL);
    CHECK_EQ(hist_record_n(NULL, 1, 5), -EINVAL);
    CHECK_EQ(hist_record_atomic(NULL, 1), -EINVAL);
    CHECK_EQ(hist_merge(NULL, NULL), -EINVAL);
    uint64_t v = 7;
    CHECK_EQ(hist_percentile(NULL, 50, &v), -EINVAL);
    CHECK_EQU(hist_count(NULL), 0);
    CHECK_EQU(hist_min(NULL), 0);
    CHECK_EQU(hist_max(NULL), 0);
    CHECK_EQU(hist_clamped(NULL), 0);
    CHECK_EQU(hist_max_value(NULL), 0);
    CHECK(hist_mean(NULL) == 0.0);
    hist_reset(NULL);
    hist_destroy(NULL);

    REQUIRE(hist_create(&h, 1000) == 0);
    CHECK_EQ(hist_merge(h, NULL), -EINVAL);
    CHECK_EQ(hist_merge(NULL, h), -EINVAL);
    CHECK_EQ(hist_percentile(h, 50, NULL), -EINVAL);
    CHECK_EQ(hist_percentile(h, -0.1, &v), -EINVAL);
    CHECK_EQ(hist_percentile(h, 100.1, &v), -EINVAL);
    CHECK_EQ(hist_percentile(h, NAN, &v), -EINVAL);
    CHECK_EQU(v, 7);
    /* Empty: zeros, not errors. */
    CHECK_EQU(pct(h, 50), 0);
    CHECK_EQU(hist_count(h), 0);
    CHECK_EQU(hist_min(h), 0);
    CHECK_EQU(hist_max(h), 0);
    CHECK(hist_mean(h) == 0.0);
    /* Tracking up to UINT64_MAX works, and so does recording it. */
    struct hist *big;
    REQUIRE(hist_create(&big, UINT64_MAX) == 0);
    CHECK_EQ(hist_record(big, UINT64_MAX), 0);
    CHECK_EQ(hist_record(big, 0), 0);
    CHECK_EQU(hist_max(big), UINT64_MAX);
    CHECK_EQU(pct(big, 100), UINT64_MAX);
    CHECK_EQU(pct(big, 0), 0);
    CHECK_EQU(hist_clamped(big), 0);
    hist_destroy(big);
    hist_destroy(h);
}

static void test_exact_small(void)
{
    struct hist *h;
    REQUIRE(hist_create(&h, 1000) == 0);
    CHECK_EQU(hist_max_value(h), 1000);
    /* 1..100, each once: below 256 every value has its own bucket. */
    for (uint64_t v = 1; v <= 100; v++)
        CHECK_EQ(hist_record(h, v), 0);
    CHECK_EQU(hist_count(h), 100);
    CHECK_EQU(hist_min(h), 1);
    CHECK_EQU(hist_max(h), 100);
    CHECK(hist_mean(h) == 50.5);
    CHECK_EQU(pct(h, 0), 1);
    CHECK_EQU(pct(h, 1), 1);
    CHECK_EQU(pct(h, 50), 50);
    CHECK_EQU(pct(h, 50.5), 51);
    CHECK_EQU(pct(h, 90), 90);
    CHECK_EQU(pct(h, 99), 99);
    CHECK_EQU(pct(h, 99.9), 100);
    CHECK_EQU(pct(h, 100), 100);

    /* record_n: 0 copies changes nothing; 5 copies count 5. */
    hist_reset(h);
    CHECK_EQ(hist_record_n(h, 42, 0), 0);
    CHECK_EQU(hist_count(h), 0);
    CHECK_EQU(hist_min(h), 0);
    CHECK_EQ(hist_record_n(h, 42, 5), 0);
    CHECK_EQ(hist_record(h, 7), 0);
    CHECK_EQU(hist_count(h), 6);
    CHECK_EQU(hist_min(h), 7);
    CHECK_EQU(hist_max(h), 42);
    CHECK(hist_mean(h) == (5 * 42 + 7) / 6.0);
    CHECK_EQU(pct(h, 10), 7);
    CHECK_EQU(pct(h, 50), 42);

    /* A single value: every percentile is that value, exactly. */
    hist_reset(h);
    CHECK_EQ(hist_record(h, 999), 0);
    CHECK_EQU(pct(h, 0), 999);
    CHECK_EQU(pct(h, 37), 999);
    CHECK_EQU(pct(h, 100), 999);
    CHECK(hist_mean(h) == 999.0);
    hist_destroy(h);
}

/*
 * Resolution of every bucket we can reach: with 0 and max recorded as
 * fences, the middle of three values is answered by its bucket alone.
 */
static void test_resolution(void)
{
    struct hist *h;
    REQUIRE(hist_create(&h, HIST_ONE_HOUR_NS) == 0);
    double worst = 0.0;
    for (uint64_t v = 1; v < HIST_ONE_HOUR_NS; v += 1 + v / 300) {
        hist_reset(h);
        hist_record(h, 0);
        hist_record(h, v);
        hist_record(h, HIST_ONE_HOUR_NS);
        uint64_t got = pct(h, 50);
        double rel = fabs((double)got - (double)v) / (double)v;
        if (rel > worst)
            worst = rel;
        CHECK_REL(got, v, 0.01);
    }
    printf("test_hist: worst single-value relative error %.5f%%\n", 100.0 * worst);
    CHECK(worst < 0.0040);
    hist_destroy(h);
}

static void test_loguniform(uint64_t *vals, size_t n)
{
    struct hist *h;
    REQUIRE(hist_create(&h, HIST_ONE_HOUR_NS) == 0);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        vals[i] = rng_loguniform(HIST_ONE_HOUR_NS);
        sum += (double)vals[i];
        CHECK_EQ(hist_record(h, vals[i]), 0);
    }
    qsort(vals, n, sizeof(vals[0]), cmp_u64);
    CHECK_EQU(hist_count(h), n);
    CHECK_EQU(hist_clamped(h), 0);
    CHECK_EQU(hist_min(h), vals[0]);
    CHECK_EQU(hist_max(h), vals[n - 1]);
    CHECK_EQU(pct(h, 0), vals[0]);
    CHECK_EQU(pct(h, 100), vals[n - 1]);
    static const double ps[] = {0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        uint64_t got = pct(h, ps[i]), want = exact_percentile(vals, n, ps[i]);
        CHECK_REL(got, want, 0.01);
        if (ps[i] == 50 || ps[i] == 99.9)
            printf("test_hist: p%g %" PRIu64 " vs exact %" PRIu64 "\n", ps[i], got, want);
    }
    CHECK_REL(hist_mean(h), sum / (double)n, 0.01);
    hist_destroy(h);
}

static void test_merge_and_clamp(void)
{
    struct hist *a, *b, *small, *all;
    REQUIRE(hist_create(&a, HIST_ONE_HOUR_NS) == 0);
    REQUIRE(hist_create(&b, HIST_ONE_HOUR_NS) == 0);
    REQUIRE(hist_create(&all, HIST_ONE_HOUR_NS) == 0);
    REQUIRE(hist_create(&small, 1000000) == 0);

    /* a and b split one stream; their merge answers as the whole stream does. */
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rng_loguniform(HIST_ONE_HOUR_NS);
        hist_record(i % 3 ? a : b, v);
        hist_record(all, v);
    }
    CHECK_EQ(hist_merge(a, b), 0);
    CHECK_EQU(hist_count(a), hist_count(all));
    CHECK_EQU(hist_min(a), hist_min(all));
    CHECK_EQU(hist_max(a), hist_max(all));
    for (double p = 0; p <= 100; p += 0.5)
        CHECK_EQU(pct(a, p), pct(all, p));
    /* Merging an empty histogram changes nothing. */
    hist_reset(b);
    CHECK_EQ(hist_merge(a, b), 0);
    CHECK_EQU(hist_count(a), hist_count(all));
    CHECK_EQU(hist_min(a), hist_min(all));

    /* Clamping at record time: counted, and max reads max_value. */
    CHECK_EQ(hist_record(small, 500), 0);
    CHECK_EQ(hist_record(small, 2000000), 0);
    CHECK_EQ(hist_record_n(small, UINT64_MAX, 3), 0);
    CHECK_EQ(hist_record_atomic(small, 1000001), 0);
    CHECK_EQU(hist_count(small), 6);
    CHECK_EQU(hist_clamped(small), 5);
    CHECK_EQU(hist_max(small), 1000000);
    CHECK_EQU(pct(small, 100), 1000000);
    CHECK_EQU(pct(small, 50), 1000000); /* rank 3 of 6: a clamped value */
    CHECK_EQU(pct(small, 10), 500);

    /* Clamping at merge time: values of a beyond small's range. */
    hist_reset(small);
    CHECK_EQU(hist_count(small), 0);
    CHECK_EQU(hist_clamped(small), 0);
    hist_reset(b);
    hist_record(b, 10);
    hist_record(b, 1000);
    hist_record_n(b, HIST_ONE_HOUR_NS, 4);
    CHECK_EQ(hist_merge(small, b), 0);
    CHECK_EQU(hist_count(small), 6);
    CHECK_EQU(hist_clamped(small), 4);
    CHECK_EQU(hist_min(small), 10);
    CHECK_EQU(hist_max(small), 1000000);
    CHECK_EQU(pct(small, 90), 1000000);
    CHECK_REL(pct(small, 20), 1000, 0.01); /* a width-4 bucket: its middle */

    hist_destroy(a);
    hist_destroy(b);
    hist_destroy(all);
    hist_destroy(small);
}

#define NTHREADS 4

struct rec_arg {
    struct hist *h;
    uint64_t seed;
    size_t n;
};

/* A thread-local generator so the threads' streams are reproducible. */
static uint64_t local_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void *recorder(void *p)
{
    struct rec_arg *a = p;
    uint64_t s = a->seed;
    for (size_t i = 0; i < a->n; i++) {
        /* Many threads on few buckets: values 0..1023 collide often. */
        uint64_t v = local_next(&s) % (i % 2 ? 1024 : HIST_ONE_HOUR_NS * 2);
        hist_record_atomic(a->h, v);
    }
    return NULL;
}

static void test_concurrent(size_t per_thread)
{
    struct hist *shared, *ref;
    REQUIRE(hist_create(&shared, HIST_ONE_HOUR_NS) == 0);
    REQUIRE(hist_create(&ref, HIST_ONE_HOUR_NS) == 0);
    pthread_t t[NTHREADS];
    struct rec_arg args[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        args[i] = (struct rec_arg){shared, rng_next(), per_thread};
        REQUIRE(pthread_create(&t[i], NULL, recorder, &args[i]) == 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        REQUIRE(pthread_join(t[i], NULL) == 0);
    /* The same streams, recorded by one thread, give the same histogram. */
    uint64_t clamped = 0;
    for (int i = 0; i < NTHREADS; i++) {
        uint64_t s = args[i].seed;
        for (size_t k = 0; k < per_thread; k++) {
            uint64_t v = local_next(&s) % (k % 2 ? 1024 : HIST_ONE_HOUR_NS * 2);
            clamped += v > HIST_ONE_HOUR_NS;
            hist_record(ref, v);
        }
    }
    CHECK_EQU(hist_count(shared), NTHREADS * per_thread);
    CHECK_EQU(hist_count(ref), NTHREADS * per_thread);
    CHECK_EQU(hist_clamped(shared), clamped);
    CHECK_EQU(hist_clamped(ref), clamped);
    CHECK_EQU(hist_min(shared), hist_min(ref));
    CHECK_EQU(hist_max(shared), hist_max(ref));
    for (double p = 0; p <= 100; p += 0.25)
        CHECK_EQU(pct(shared, p), pct(ref, p));
    hist_destroy(shared);
    hist_destroy(ref);
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    uint64_t seed = (uint64_t)time(NULL);
    if (argc > 1)
        n = strtoull(argv[1], NULL, 0);
    if (argc > 2)
        seed = strtoull(argv[2], NULL, 0);
    if (n < 1000 || argc > 3) {
        fprintf(stderr, "usage: %s [values >= 1000 [seed]]\n", argv[0]);
        return 2;
    }
    printf("test_hist: %zu values, seed %" PRIu64 "\n", n, seed);
    rng_state = seed;

    uint64_t *vals = malloc(n * sizeof(*vals));
    REQUIRE(vals != NULL);
    test_errors();
    test_exact_small();
    test_resolution();
    test_loguniform(vals, n);
    test_merge_and_clamp();
    test_concurrent(n / 4);
    free(vals);
    return check_report("test_hist");
}
