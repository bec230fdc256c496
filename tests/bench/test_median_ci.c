/*
 * test_median_ci.c - report/stats.h on samples with known answers: the median
 * and its order-statistic interval of small samples worked by hand, the
 * coverage against exact binomial sums in integers for n = 2..60, the
 * confidence stated when too few values reach 95%, overlaps, and the
 * error paths.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "report/stats.h"

#define CHECK_NEAR(a, b, eps)                                                                      \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b);                                                 \
        if (!(fabs(a_ - b_) <= (eps)))                                                             \
            CHECK_FAIL_("CHECK_NEAR(%s, %s): %.10g vs %.10g", #a, #b, a_, b_);                     \
    } while (0)

/* 1 - 2 * sum_{i < l} C(n, i) / 2^n, in exact integers (n <= 62). */
static double coverage_exact(unsigned n, unsigned l)
{
    uint64_t c = 1, tail = 0; /* C(n, i), from i = 0 */
    for (unsigned i = 0; i < l; i++) {
        tail += c;
        c = c * (n - i) / (i + 1); /* exact: C(n, i) * (n - i) is divisible by i + 1 */
    }
    return 1.0 - 2.0 * (double)tail / ldexp(1.0, (int)n);
}

int main(void)
{
    struct stats_ci ci;

    /* Six values, shuffled: median 3.5 (the mean of 3 and 4), and no pair
     * but the extremes reaches 95%: [1, 6] with 1 - 2/64 = 0.96875. */
    double six[] = {4, 1, 6, 3, 5, 2};
    CHECK_EQ(stats_median_ci(six, 6, STATS_CONF, &ci), 0);
    CHECK_EQU(ci.n, 6);
    CHECK_NEAR(ci.median, 3.5, 0);
    CHECK_NEAR(ci.lo, 1, 0);
    CHECK_NEAR(ci.hi, 6, 0);
    CHECK_NEAR(ci.conf, 62.0 / 64.0, 1e-15);
    CHECK_NEAR(six[0], 1, 0); /* sorted in place */

    /* Nine: [x(2), x(8)] covers 1 - 2 * (1 + 9) / 512 = 0.9609375; the
     * next pair, [x(3), x(7)], only 1 - 2 * 46 / 512 = 0.8203125. */
    double nine[] = {90, 10, 80, 20, 70, 30, 60, 40, 50};
    CHECK_EQ(stats_median_ci(nine, 9, STATS_CONF, &ci), 0);
    CHECK_NEAR(ci.median, 50, 0);
    CHECK_NEAR(ci.lo, 20, 0);
    CHECK_NEAR(ci.hi, 80, 0);
    CHECK_NEAR(ci.conf, 1 - 20.0 / 512, 1e-15);
    CHECK_NEAR(stats_median_coverage(9, 3), 1 - 92.0 / 512, 1e-15);

    /* Twenty, 1..20: l = 6 reaches 0.9586 (l = 7 only 0.8847): [6, 15]. */
    double twenty[20];
    for (int i = 0; i < 20; i++)
        twenty[i] = 20 - i;
    CHECK_EQ(stats_median_ci(twenty, 20, STATS_CONF, &ci), 0);
    CHECK_NEAR(ci.median, 10.5, 0);
    CHECK_NEAR(ci.lo, 6, 0);
    CHECK_NEAR(ci.hi, 15, 0);
    CHECK(ci.conf >= 0.95 && ci.conf < 0.96);

    /* Too few for 95%: the extremes, with the confidence they have. Three
     * values: 1 - 2/8 = 75%; five: 1 - 2/32 = 93.75%. */
    double three[] = {7, 9, 8};
    CHECK_EQ(stats_median_ci(three, 3, STATS_CONF, &ci), 0);
    CHECK_NEAR(ci.median, 8, 0);
    CHECK_NEAR(ci.lo, 7, 0);
    CHECK_NEAR(ci.hi, 9, 0);
    CHECK_NEAR(ci.conf, 0.75, 1e-15);
    double five[] = {5, 4, 3, 2, 1};
    CHECK_EQ(stats_median_ci(five, 5, STATS_CONF, &ci), 0);
    CHECK_NEAR(ci.conf, 0.9375, 1e-15);
    CHECK(ci.conf < STATS_CONF);

    /* One value: a point, no confidence. Ties in the sample are fine. */
    double one[] = {42};
    CHECK_EQ(stats_median_ci(one, 1, STATS_CONF, &ci), 0);
    CHECK_NEAR(ci.lo, 42, 0);
    CHECK_NEAR(ci.hi, 42, 0);
    CHECK_NEAR(ci.conf, 0, 0);
    double same[] = {2, 2, 2, 2, 2, 2};
    CHECK_EQ(stats_median_ci(same, 6, STATS_CONF, &ci), 0);
    CHECK_NEAR(ci.lo, 2, 0);
    CHECK_NEAR(ci.hi, 2, 0);

    /* The coverage against exact integer sums, and the chosen pair is the
     * narrowest that reaches 95% (or the extremes when none does). */
    for (unsigned n = 2; n <= 60; n++) {
        double v[60];
        for (unsigned l = 1; 2 * l <= n; l++)
            CHECK_NEAR(stats_median_coverage(n, l), coverage_exact(n, l), 1e-12);
        CHECK_NEAR(stats_median_coverage(n, 0), 0, 0);
        CHECK_NEAR(stats_median_coverage(n, n / 2 + 1), 0, 0);
        for (unsigned i = 0; i < n; i++)
            v[i] = (double)((i * 37) % n); /* a permutation of 0..n-1 (37 is prime) */
        if (n % 37 == 0)
            continue;
        REQUIRE(stats_median_ci(v, n, STATS_CONF, &ci) == 0);
        unsigned l = (unsigned)ci.lo + 1; /* v sorted is 0..n-1: x(l) = l - 1 */
        CHECK_NEAR(ci.hi, (double)(n - l), 0);
        CHECK_NEAR(ci.conf, coverage_exact(n, l), 1e-12);
        if (n >= 6)
            CHECK(ci.conf >= STATS_CONF);
        else
            CHECK_EQU(l, 1);
        if (2 * (l + 1) <= n)
            CHECK(coverage_exact(n, l + 1) < STATS_CONF);
    }

    /* Overlap: shared points count, touching ends too. */
    CHECK(stats_overlap(1, 3, 2, 4));
    CHECK(stats_overlap(2, 4, 1, 3));
    CHECK(stats_overlap(1, 2, 2, 3));
    CHECK(stats_overlap(1, 5, 2, 3));
    CHECK(!stats_overlap(1, 2, 2.5, 3));
    CHECK(!stats_overlap(2.5, 3, 1, 2));

    /* Bad input. */
    double bad[] = {1, NAN, 3};
    CHECK_EQ(stats_median_ci(bad, 3, STATS_CONF, &ci), -EINVAL);
    CHECK_EQ(stats_median_ci(NULL, 3, STATS_CONF, &ci), -EINVAL);
    CHECK_EQ(stats_median_ci(six, 0, STATS_CONF, &ci), -EINVAL);
    CHECK_EQ(stats_median_ci(six, 6, 1.0, &ci), -EINVAL);
    CHECK_EQ(stats_median_ci(six, 6, 0, &ci), -EINVAL);
    CHECK_EQ(stats_median_ci(six, 6, STATS_CONF, NULL), -EINVAL);
    return check_report("test_median_ci");
}
