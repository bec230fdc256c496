/*
 * test_metg.c - METG(50%) from synthetic efficiency curves with known
 * answers: a crossing interpolated in log scale, the bounds when a curve
 * does not cross, a noisy dip above the crossing, a point exactly at 50%.
 */
#include <math.h>

#include "check.h"
#include "report/report.h"

/* |a - b| within a relative 1e-9. */
static void check_near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fabs(want)))
        CHECK_FAIL_("METG %.12g, want %.12g", got, want);
}

int main(void)
{
    double m = -1;

    /* 20% at 100 ns, 80% at 1 us: 50% is halfway in log scale, 10^2.5 ns. */
    const struct grain_point a[] = {{100, 0.2}, {1000, 0.8}};
    CHECK_EQ(metg_interpolate(a, 2, 0.5, &m), METG_FOUND);
    check_near(m, pow(10, 2.5));

    /* Already efficient at the smallest task: "< 100 ns". */
    const struct grain_point b[] = {{100, 0.6}, {1000, 0.9}, {10000, 1.0}};
    CHECK_EQ(metg_interpolate(b, 3, 0.5, &m), METG_BELOW);
    check_near(m, 100);

    /* Never efficient: "> 10 us". */
    const struct grain_point c[] = {{100, 0.01}, {1000, 0.1}, {10000, 0.45}};
    CHECK_EQ(metg_interpolate(c, 3, 0.5, &m), METG_ABOVE);
    check_near(m, 10000);

    /* Efficient at 1 us, a dip at 10 us: the crossing is the last one,
     * between 10 us (40%) and 100 us (90%), a fifth of the way. */
    const struct grain_point d[] = {{100, 0.1}, {1000, 0.6}, {10000, 0.4}, {100000, 0.9}};
    CHECK_EQ(metg_interpolate(d, 4, 0.5, &m), METG_FOUND);
    check_near(m, pow(10, 4.2));

    /* Exactly 50% counts as reaching it. */
    const struct grain_point e[] = {{100, 0.3}, {1000, 0.5}, {10000, 0.7}};
    CHECK_EQ(metg_interpolate(e, 3, 0.5, &m), METG_FOUND);
    check_near(m, 1000);

    /* One point, either side; none. */
    const struct grain_point f[] = {{316, 0.2}};
    CHECK_EQ(metg_interpolate(f, 1, 0.5, &m), METG_ABOVE);
    const struct grain_point g[] = {{316, 0.7}};
    CHECK_EQ(metg_interpolate(g, 1, 0.5, &m), METG_BELOW);
    CHECK_EQ(metg_interpolate(NULL, 0, 0.5, &m), METG_NONE);

    /* Another level: METG(80%) of a. */
    CHECK_EQ(metg_interpolate(a, 2, 0.8, &m), METG_FOUND);
    check_near(m, 1000);
    return check_report("test_metg");
}
