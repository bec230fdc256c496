/*
 * sort.c - the "sort" workload: merge sort of n uint64 keys, the
 * divide-and-conquer CPU work whose last steps (the big merges) are
 * memory-bound. Flat executors get the array cut into P x per_worker
 * chunks: a piece copies its chunk out of the input (inherited from
 * prepare()), sorts it and returns the sorted bytes, and the caller then
 * k-way merges the chunks on its own thread. That serial merge is part of
 * the flat model's cost: it is what a pool of independent tasks leaves to
 * the caller.
 *
 * Parameters: n:<1..10^8> (default 10^7), cutoff:<1..2^32> (default 2^14),
 * per_worker:<1..1024> (default 4), distinct:<1..10^8> (default: every key
 * distinct; else keys drawn from that many values, so many repeat).
 *
 * Executors that nest split the array in halves (forkn(2)) down to cutoff
 * elements, sort each leaf serially, and merge the two halves of every node
 * with a parallel merge: the larger half's middle key splits both halves
 * (binary search in the other), and forkn(2) merges the two sides, down to
 * cutoff output elements per serial merge. The serial twin is the same
 * recursion with plain calls, so leaves and merges are the same.
 * run->tasks = leaf sorts: leaves of the recursion, or flat pieces.
 *
 * The known answer: the output is sorted and is the same multiset as the
 * input (the sum of a 64-bit hash of each key, and the xor of the keys,
 * both computed in prepare()). A flat run records each piece's
 * submit-to-done time in run->latency. Runs of one prepared state must not
 * overlap (they share the output arrays). Process pools: a worker must be
 * forked after prepare(); one forked before fails with -ESTALE (or dies).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "workloads/workload.h"

#define SORT_MAX_N      100000000u
#define SORT_INSERTION  16 /* sort_into() sorts runs this short by insertion */
#define SORT_MAX_PIECES (1u << 20)

struct sort_state {
    char label[96];
    uint64_t token;
    size_t n, cutoff, per_worker;
    uint64_t *in;         /* the keys, never written after prepare() */
    uint64_t *work, *tmp; /* each run's arrays */
    uint64_t hsum, kxor;  /* the multiset's checksum */
    uint64_t leaves;      /* the last fork-join run's sorted leaves: its tasks */
};

struct sort_arg {
    const struct sort_state *s; /* valid in a worker forked after prepare() */
    uint64_t token;
    uint64_t lo, hi; /* the chunk: in[lo, hi) */
};
_Static_assert(sizeof(struct sort_arg) == sizeof(void *) + 24, "sort_arg has no padding");

/* ---- serial pieces ------------------------------------------------------------------------- */

static void sort_insertion(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static void sort_merge(const uint64_t *l, size_t nl, const uint64_t *r, size_t nr, uint64_t *out)
{
    size_t i = 0, j = 0, k = 0;

    while (i < nl && j < nr)
        out[k++] = r[j] < l[i] ? r[j++] : l[i++];
    memcpy(out + k, l + i, (nl - i) * sizeof(*l));
    memcpy(out + k + nl - i, r + j, (nr - j) * sizeof(*r));
}

/*
 * Sorts a[0, n); the result lands in a (to_b 0) or in b (to_b 1), the other
 * serving as scratch: the halves are sorted into the other array and merged
 * back, so no level copies.
 */
static void sort_into(uint64_t *a, uint64_t *b, size_t n, int to_b)
{
    size_t h = n / 2;

    if (n <= SORT_INSERTION) {
        sort_insertion(a, n);
        if (to_b)
            memcpy(b, a, n * sizeof(*a));
        return;
    }
    sort_into(a, b, h, !to_b);
    sort_into(a + h, b + h, n - h, !to_b);
    if (to_b)
        sort_merge(a, h, a + h, n - h, b);
    else
        sort_merge(b, h, b + h, n - h, a);
}

/* A leaf: src[0, n) copied to a and sorted there (to_b 0) or into b (to_b 1). */
static void sort_leaf(const uint64_t *src, uint64_t *a, uint64_t *b, size_t n, int to_b)
{
    memcpy(a, src, n * sizeof(*a));
    sort_into(a, b, n, to_b);
}

/* The serial twin: the fork-join recursion with calls. Returns the leaves. */
static uint64_t sort_twin(const uint64_t *src, uint64_t *a, uint64_t *b, size_t n, int to_b,
                          size_t cutoff)
{
    size_t h = n / 2;
    uint64_t leaves;

    if (n <= cutoff) {
        sort_leaf(src, a, b, n, to_b);
        return 1;
    }
    leaves = sort_twin(src, a, b, h, !to_b, cutoff) +
             sort_twin(src + h, a + h, b + h, n - h, !to_b, cutoff);
    if (to_b)
        sort_merge(a, h, a + h, n - h, b);
    else
        sort_merge(b, h, b + h, n - h, a);
    return leaves;
}

/* 0 if out[0, n) is sorted and the input's multiset, else -EPROTO with run->error set. */
static int sort_check(const struct sort_state *s, const uint64_t *out, const char *exec_name,
                      struct work_run *run)
{
    uint64_t hsum = 0, kxor = 0;

    for (size_t i = 0; i < s->n; i++) {
        if (i > 0 && out[i - 1] > out[i]) {
            snprintf(run->error, sizeof(run->error),
                     "%s on %s: not sorted at %zu: %" PRIu64 " > %" PRIu64, s->label, exec_name, i,
                     out[i - 1], out[i]);
            return -EPROTO;
        }
        hsum += wl_mix64(out[i]);
        kxor ^= out[i];
    }
    if (hsum != s->hsum || kxor != s->kxor) {
        snprintf(run->error, sizeof(run->error),
                 "%s on %s: sorted, but not the input's keys (checksum %016" PRIx64 "/%016" PRIx64
                 ", expected %016" PRIx64 "/%016" PRIx64 ")",
                 s->label, exec_name, hsum, kxor, s->hsum, s->kxor);
        return -EPROTO;
    }
    return 0;
}

/* ---- fork-join ----------------------------------------------------------------------------- */

/* One parallel merge: l and r into out. */
struct sort_pm {
    const struct exec_ops *ops;
    size_t cut;
    const uint64_t *l, *r;
    size_t nl, nr;
    uint64_t *out;
};

static void sort_pm_kid(struct exec *x, void *arg, size_t i);

static void sort_pmerge(struct exec *x, const struct sort_pm *m)
{
    const uint64_t *l = m->l, *r = m->r;
    size_t nl = m->nl, nr = m->nr, ml, lo = 0, hi;
    uint64_t pivot;

    if (nl + nr <= m->cut) {
        sort_merge(l, nl, r, nr, m->out);
        return;
    }
    if (nl < nr) { /* split at the larger side's middle; equal keys are interchangeable */
        const uint64_t *t = l;
        size_t tn = nl;
        l = r;
        nl = nr;
        r = t;
        nr = tn;
    }
    ml = nl / 2;
    pivot = l[ml];
    for (hi = nr; lo < hi;) { /* lo = the first key of r not below the pivot */
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid] < pivot)
            lo = mid + 1;
        else
            hi = mid;
    }
    m->out[ml + lo] = pivot;
    {
        struct sort_pm kid[2] = {
            {m->ops, m->cut, l, r, ml, lo, m->out},
            {m->ops, m->cut, l + ml + 1, r + lo, nl - ml - 1, nr - lo, m->out + ml + lo + 1},
        };
        m->ops->forkn(x, 2, sort_pm_kid, kid);
    }
}

static void sort_pm_kid(struct exec *x, void *arg, size_t i)
{
    sort_pmerge(x, (const struct sort_pm *)arg + i);
}

/* One node of the sort: src[0, n) sorted into a (to_b 0) or b (to_b 1); counts its leaves. */
struct sort_fj {
    const struct exec_ops *ops;
    size_t cutoff;
    const uint64_t *src;
    uint64_t *a, *b;
    size_t n;
    int to_b;
    uint64_t leaves; /* out */
};

static void sort_fj_kid(struct exec *x, void *arg, size_t i);

static void sort_fj(struct exec *x, struct sort_fj *t)
{
    size_t h = t->n / 2;

    if (t->n <= t->cutoff) {
        sort_leaf(t->src, t->a, t->b, t->n, t->to_b);
        t->leaves = 1;
        return;
    }
    {
        struct sort_fj kid[2] = {
            {t->ops, t->cutoff, t->src, t->a, t->b, h, !t->to_b, 0},
            {t->ops, t->cutoff, t->src + h, t->a + h, t->b + h, t->n - h, !t->to_b, 0},
        };
        const uint64_t *from = t->to_b ? t->a : t->b;
        struct sort_pm m = {t->ops, t->cutoff, from, from + h, h, t->n - h, t->to_b ? t->b : t->a};

        t->ops->forkn(x, 2, sort_fj_kid, kid);
        t->leaves = kid[0].leaves + kid[1].leaves;
        sort_pmerge(x, &m);
    }
}

static void sort_fj_kid(struct exec *x, void *arg, size_t i)
{
    sort_fj(x, (struct sort_fj *)arg + i);
}

static void sort_fj_root(struct exec *x, void *arg, size_t i)
{
    (void)i;
    sort_fj(x, arg);
}

static int sort_run_nested(void *state, const struct exec_ops *ops, struct exec *x,
                           struct work_run *run)
{
    struct sort_state *s = state;
    struct sort_fj root = {ops, s->cutoff, s->in, s->work, s->tmp, s->n, 0, 0};
    int err = ops->run(x, sort_fj_root, &root);

    (void)run;
    s->leaves = root.leaves;
    return err;
}

/* The keys the fork-join form left in s->work. */
static int sort_check_nested(void *state, const char *exec_name, struct work_run *run)
{
    struct sort_state *s = state;

    run->tasks = s->leaves;
    return sort_check(s, s->work, exec_name, run);
}

/* ---- flat: sorted chunks, merged by the caller --------------------------------------------- */

/* exec_piece_fn: copies in[lo, hi) into res and sorts it there. */
static int sort_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct sort_arg a;
    uint64_t *scratch;
    size_t len;

    if (arg_len != sizeof(a))
        return -EINVAL;
    memcpy(&a, arg, sizeof(a));
    if (a.s->token != a.token)
        return -ESTALE; /* forked before prepare(): this is not the state's memory */
    if (a.lo > a.hi || a.hi > a.s->n)
        return -EINVAL;
    len = (size_t)(a.hi - a.lo);
    if (res_cap < len * sizeof(uint64_t))
        return -EMSGSIZE;
    scratch = malloc(len ? len * sizeof(uint64_t) : 1);
    if (!scratch)
        return -ENOMEM;
    sort_leaf(a.s->in + a.lo, res, scratch, len, 0);
    free(scratch);
    *res_len = len * sizeof(uint64_t);
    return 0;
}

/* A k-way merge's heap entry: the head key of run `run`. */
struct sort_head {
    uint64_t key;
    size_t run;
};

static void sort_sift_down(struct sort_head *h, size_t n, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        struct sort_head t;
        if (c >= n)
            return;
        if (c + 1 < n && h[c + 1].key < h[c].key)
            c++;
        if (h[i].key <= h[c].key)
            return;
        t = h[i];
        h[i] = h[c];
        h[c] = t;
        i = c;
    }
}

/* Merges the m sorted runs src[bound[r], bound[r+1]) into out. 0 or -ENOMEM. */
static int sort_kway(const uint64_t *src, const size_t *bound, size_t m, uint64_t *out)
{
    struct sort_head *h = malloc(m * sizeof(*h));
    size_t *pos = malloc(m * sizeof(*pos));
    size_t n = 0, k = 0;

    if (!h || !pos) {
        free(h);
        free(pos);
        return -ENOMEM;
    }
    for (size_t r = 0; r < m; r++) {
        pos[r] = bound[r];
        if (pos[r] < bound[r + 1])
            h[n++] = (struct sort_head){src[pos[r]], r};
    }
    for (size_t i = n; i-- > 0;)
        sort_sift_down(h, n, i);
    while (n > 0) {
        size_t r = h[0].run;
        out[k++] = h[0].key;
        if (++pos[r] < bound[r + 1])
            h[0].key = src[pos[r]];
        else
            h[0] = h[--n];
        sort_sift_down(h, n, 0);
    }
    free(h);
    free(pos);
    return 0;
}

static int sort_run_flat(void *state, const struct exec_ops *ops, struct exec *x,
                         struct work_run *run)
{
    struct sort_state *s = state;
    unsigned workers = ops->workers(x);
    size_t m = (size_t)(workers ? workers : 1) * s->per_worker, r;
    struct exec_piece *pieces;
    struct sort_arg *args;
    size_t *bound;
    int err;

    if (m > s->n)
        m = s->n;
    if (m > SORT_MAX_PIECES)
        m = SORT_MAX_PIECES;
    pieces = calloc(m, sizeof(*pieces));
    args = calloc(m, sizeof(*args));
    bound = malloc((m + 1) * sizeof(*bound));
    if (!pieces || !args || !bound) {
        err = -ENOMEM;
        snprintf(run->error, sizeof(run->error), "%s on %s: out of memory", s->label, ops->name);
        goto out;
    }
    for (r = 0; r <= m; r++)
        bound[r] = s->n / m * r + (r < s->n % m ? r : s->n % m);
    for (r = 0; r < m; r++) {
        args[r] = (struct sort_arg){s, s->token, bound[r], bound[r + 1]};
        pieces[r] = (struct exec_piece){.id = (uint32_t)r,
                                        .arg = &args[r],
                                        .arg_len = sizeof(args[r]),
                                        .res = s->work + bound[r],
                                        .res_cap = (bound[r + 1] - bound[r]) * sizeof(uint64_t)};
    }
    err = ops->map(x, sort_piece, pieces, m);
    if (err) {
        wl_map_failed(run, s->label, ops, x, pieces, m, err);
        goto out;
    }
    for (r = 0; r < m; r++) {
        if (pieces[r].res_len != pieces[r].res_cap) {
            snprintf(run->error, sizeof(run->error),
                     "%s on %s: piece %zu returned %zu bytes, expected %zu", s->label, ops->name, r,
                     pieces[r].res_len, pieces[r].res_cap);
            err = -EPROTO;
            goto out;
        }
        if (run->latency)
            hist_record(run->latency, pieces[r].t_done_ns - pieces[r].t_submit_ns);
    }
    err = sort_kway(s->work, bound, m, s->tmp);
    if (err) {
        snprintf(run->error, sizeof(run->error), "%s on %s: out of memory", s->label, ops->name);
        goto out;
    }
    run->tasks = m;
    err = sort_check(s, s->tmp, ops->name, run);
out:
    free(pieces);
    free(args);
    free(bound);
    return err;
}

/* ---- the workload interface ---------------------------------------------------------------- */

static void sort_release(void *state)
{
    struct sort_state *s = state;

    if (!s)
        return;
    free(s->in);
    free(s->work);
    free(s->tmp);
    free(s);
}

static int sort_prepare(void **state, const char *params, char *err, size_t errlen)
{
    static const char *const keys[] = {"n", "cutoff", "per_worker", "distinct", NULL};
    struct sort_state *s;
    uint64_t n, cutoff, per_worker, distinct, seed;

    if (wl_params_known("sort", params, keys, err, errlen) ||
        wl_param_u64("sort", params, "n", 1, SORT_MAX_N, 10000000, &n, err, errlen) ||
        wl_param_u64("sort", params, "cutoff", 1, UINT64_C(1) << 32, 16384, &cutoff, err, errlen) ||
        wl_param_u64("sort", params, "per_worker", 1, 1024, 4, &per_worker, err, errlen) ||
        wl_param_u64("sort", params, "distinct", 1, SORT_MAX_N, 0, &distinct, err, errlen))
        return -EINVAL;
    s = wl_state_new(sizeof(*s), "sort", err, errlen);
    if (!s)
        return -ENOMEM;
    wl_label(s->label, sizeof(s->label), "sort", params);
    s->token = wl_token();
    s->n = (size_t)n;
    s->cutoff = (size_t)cutoff;
    s->per_worker = (size_t)per_worker;
    s->in = malloc(s->n * sizeof(uint64_t));
    s->work = malloc(s->n * sizeof(uint64_t));
    s->tmp = malloc(s->n * sizeof(uint64_t));
    if (!s->in || !s->work || !s->tmp) {
        sort_release(s);
        snprintf(err, errlen, "sort: out of memory for n:%" PRIu64, n);
        return -ENOMEM;
    }
    /* The same keys in every process and run: a fixed seed, not the token. */
    seed = UINT64_C(0x243f6a8885a308d3);
    for (size_t i = 0; i < s->n; i++) {
        s->in[i] = wl_mix64(seed + (distinct ? wl_mix64(i) % distinct : i));
        s->hsum += wl_mix64(s->in[i]);
        s->kxor ^= s->in[i];
    }
    *state = s;
    return 0;
}

static int sort_serial(void *state, struct work_run *run)
{
    struct sort_state *s = state;

    run->tasks = 0;
    run->error[0] = '\0';
    run->tasks = sort_twin(s->in, s->work, s->tmp, s->n, 0, s->cutoff);
    return sort_check(s, s->work, "the serial twin", run);
}

const struct workload workload_sort = {
    .name = "sort",
    .kind = "cpu",
    .params_default = "n:10000000",
    .params_quick = "n:100000",
    .prepare = sort_prepare,
    .release = sort_release,
    .run_flat = sort_run_flat,
    .run_nested = sort_run_nested,
    .check = sort_check_nested,
    .serial = sort_serial,
};
