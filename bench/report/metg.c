/*
 * metg.c - the minimum effective task granularity (Task Bench's METG,
 * Slaughter et al., SC 2020) of one efficiency curve.
 */
#include "report/report.h"

enum metg_result metg_interpolate(const struct grain_point *p, size_t n, double level, double *out)
{
    if (n == 0)
        return METG_NONE;
    /* The last point below the level: a noisy dip above the crossing must
     * not hide it, nor a lucky point below it claim it. */
    size_t k = n;
    for (size_t i = n; i-- > 0;)
        if (p[i].eff < level) {
            k = i;
            break;
        }
    if (k == n) {
        *out = p[0].ns;
        return METG_BELOW;
    }
    if (k == n - 1) {
        *out = p[n - 1].ns;
        return METG_ABOVE;
    }
    const struct grain_point *a = &p[k], *b = &p[k + 1];
    double la = log(a->ns), lb = log(b->ns);
    double t = (level - a->eff) / (b->eff - a->eff); /* b->eff >= level > a->eff: in (0, 1] */
    *out = exp(la + t * (lb - la));
    return METG_FOUND;
}
