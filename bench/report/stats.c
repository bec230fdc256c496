/*
 * stats.c - the median and its order-statistic confidence interval (stats.h).
 */
#include "report/stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double stats_median_coverage(size_t n, size_t l)
{
    if (l < 1 || 2 * l > n)
        return 0;
    /* P(Binomial(n, 1/2) <= l - 1), term by term: C(n, i) / 2^n, starting
     * from 2^-n (exact in a double for n < 1075) and multiplying by
     * (n - i) / (i + 1); no factorials, so no overflow. */
    double term = ldexp(1.0, -(int)n), tail = 0;
    for (size_t i = 0; i + 1 <= l; i++) {
        tail += term;
        term *= (double)(n - i) / (double)(i + 1);
    }
    double c = 1 - 2 * tail;
    return c < 0 ? 0 : c;
}

int stats_median_ci(double *v, size_t n, double want, struct stats_ci *out)
{
    if (v == NULL || out == NULL || n == 0 || !(want > 0 && want < 1))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return -EINVAL;
    qsort(v, n, sizeof(v[0]), cmp_double);
    *out = (struct stats_ci){.n = n, .median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2};
    out->lo = out->hi = out->median;
    if (n < 2)
        return 0;
    /* The coverage falls as l grows: the largest l that still reaches want
     * is the narrowest interval; l = 1 (min, max) when none does. */
    size_t l = 1;
    while (2 * (l + 1) <= n && stats_median_coverage(n, l + 1) >= want)
        l++;
    out->lo = v[l - 1];
    out->hi = v[n - l];
    out->conf = stats_median_coverage(n, l);
    return 0;
}

int stats_overlap(double lo1, double hi1, double lo2, double hi2)
{
    return lo1 <= hi2 && lo2 <= hi1;
}
