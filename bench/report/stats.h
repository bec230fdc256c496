/*
 * stats.h - the statistics of repeated measurements, shared by wsbench (the
 * intervals it writes to results.csv, the repetitions it adds) and wsreport
 * (ties, stability): the median of a sample with a distribution-free
 * confidence interval from its order statistics.
 *
 * For n independent draws of a continuous variable with median m, the
 * number below m is Binomial(n, 1/2), so the pair of order statistics
 * [x(l), x(n+1-l)] (1-based, sorted ascending) holds m with probability
 *     1 - 2 * P(Binomial(n, 1/2) <= l - 1),
 * whatever the distribution (Hollander & Wolfe, Nonparametric Statistical
 * Methods, ch. 3). No assumption of normality: timing distributions on a
 * shared machine have long right tails. With n = 6 the widest pair (min,
 * max) covers 96.9%; with n <= 5 no pair reaches 95%, and the interval is
 * (min, max) with its lower, stated, confidence.
 */
#ifndef WSBENCH_STATS_H
#define WSBENCH_STATS_H

#include <stddef.h>

/* The confidence wsbench asks of every interval. */
#define STATS_CONF 0.95

struct stats_ci {
    size_t n;      /* values it is made of */
    double median; /* the sample median (the mean of the middle two for even n) */
    double lo, hi; /* the interval: order statistics x(l) and x(n+1-l) */
    double conf;   /* its exact coverage, in [0, 1]; 0 when n < 2 */
};

/* The coverage of [x(l), x(n+1-l)] for the median of n values, 1 <= l <= n/2;
 * 0 outside that range. */
double stats_median_coverage(size_t n, size_t l);

/*
 * The median of v[0..n) and the narrowest interval of order statistics whose
 * coverage is at least want (0 < want < 1); when no pair reaches want, the
 * widest pair (min, max) and its coverage. Sorts v in place. n == 1 gives a
 * point interval of confidence 0. 0, or -EINVAL (v NULL, n 0, want outside
 * (0, 1), or a value that is not finite).
 */
int stats_median_ci(double *v, size_t n, double want, struct stats_ci *out);

/* Do the closed intervals [lo1, hi1] and [lo2, hi2] share a point? */
int stats_overlap(double lo1, double hi1, double lo2, double hi2);

#endif /* WSBENCH_STATS_H */
