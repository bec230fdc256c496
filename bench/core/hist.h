/*
 * hist.h - a log-bucketed latency histogram of uint64 values (nanoseconds),
 * in the manner of HdrHistogram.
 *
 * Buckets: values below 128 each have their own bucket (exact). Above that,
 * every power of two [2^e, 2^(e+1)) is cut into 128 equal sub-buckets of
 * width 2^(e-7), so a bucket is never wider than 1/128 of its lowest value.
 * A query answers with the middle of the bucket, which is within 0.4% of
 * any value in it (the contract says under 1%). One hour in ns (3.6e12,
 * about 2^42) takes 4,608 buckets, 36 KiB.
 *
 * Values above the histogram's max_value are clamped to max_value and
 * counted (hist_clamped()); min, max, mean and percentiles all see the
 * clamped value.
 *
 * Threads: hist_record() and hist_record_n() are for one writer at a time.
 * hist_record_atomic() may be called from any number of threads at once on
 * the same histogram. Readers (count, min, max, mean, percentile), merge and
 * reset must not overlap any writer: read after joining the writers (or
 * after some other synchronization that orders the writes before the read).
 *
 * Errors are 0 or a negative errno. Nothing here prints or allocates after
 * hist_create().
 */
#ifndef WSBENCH_HIST_H
#define WSBENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hist;

/* One hour in nanoseconds: a good max_value for latencies. */
#define HIST_ONE_HOUR_NS UINT64_C(3600000000000)

/*
 * Creates an empty histogram that tracks values in [0, max_value].
 * Any thread. 0, -EINVAL (out NULL, max_value 0) or -ENOMEM. The caller owns
 * *out and frees it with hist_destroy().
 */
int hist_create(struct hist **out, uint64_t max_value);

/* Frees h. NULL is a no-op. */
void hist_destroy(struct hist *h);

/* Records one value (clamped to max_value). One writer at a time. 0 or -EINVAL (h NULL). */
int hist_record(struct hist *h, uint64_t value);

/* Records n copies of value (n may be 0). One writer at a time. 0 or -EINVAL. */
int hist_record_n(struct hist *h, uint64_t value, uint64_t n);

/*
 * Records one value; safe from many threads at once on the same h (relaxed
 * atomic read-modify-writes; see hist.c). Costs a locked add per call, so
 * prefer one histogram per thread merged at the end where that is easy.
 * 0 or -EINVAL.
 */
int hist_record_atomic(struct hist *h, uint64_t value);

/*
 * Adds every value of src to dst (they may have different max_value: values
 * of src above dst's max_value are clamped and counted as clamped in dst).
 * No writer may run on either. 0 or -EINVAL (either NULL).
 */
int hist_merge(struct hist *dst, const struct hist *src);

/* Empties h (keeps max_value). No writer may run. NULL is a no-op. */
void hist_reset(struct hist *h);

/* The number of values recorded (walks the buckets). 0 for NULL. */
uint64_t hist_count(const struct hist *h);

/* How many recorded values were above max_value and clamped. 0 for NULL. */
uint64_t hist_clamped(const struct hist *h);

/* The highest value h tracks, as given to hist_create(). 0 for NULL. */
uint64_t hist_max_value(const struct hist *h);

/* The exact smallest and largest recorded value (after clamping); 0 if empty or NULL. */
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);

/* The mean of the recorded values, from bucket midpoints (within 0.4%); 0 if empty or NULL. */
double hist_mean(const struct hist *h);

/*
 * The p-th percentile, p in [0, 100]: the value of rank max(1, ceil(p/100 *
 * count)) in sorted order, answered with its bucket's middle clamped to
 * [min, max] (so p = 0 gives the exact min and p = 100 the exact max), within
 * 0.4% of the exact order statistic. An empty histogram gives 0.
 * 0, or -EINVAL (h or out NULL, p NaN or outside [0, 100]).
 */
int hist_percentile(const struct hist *h, double p, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_HIST_H */
