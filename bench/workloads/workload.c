/*
 * workload.c - what every workload shares (workload.h): the choice among a
 * workload's forms, made once here; the batch of pieces of a flat form;
 * parameters with messages, labels, tokens and the report of a failed map.
 */
#include "workloads/workload.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/hist.h"

/* ---- choosing a form --------------------------------------------------------------------- */

const struct wl_variant *workload_variant(const struct workload *w, const struct exec_ops *ops)
{
    if (w->run_nested == NULL || w->variants == NULL || ops->family == NULL ||
        !(ops->flags & EXEC_NESTS))
        return NULL;
    for (const struct wl_variant *v = w->variants; v->family != NULL; v++)
        if (strcmp(v->family, ops->family) == 0)
            return v;
    return NULL;
}

int workload_run(const struct workload *w, void *state, const struct exec_ops *ops, struct exec *x,
                 struct work_run *run)
{
    const struct wl_variant *v = workload_variant(w, ops);
    wl_compute_fn compute = v ? v->compute : (ops->flags & EXEC_NESTS) ? w->run_nested : NULL;
    int err;

    run->tasks = 0;
    run->error[0] = '\0';
    if (run->label == NULL)
        run->label = w->name;
    if (ops->events != NULL && w->run_events != NULL)
        return w->run_events(state, ops, x, run);
    if (compute == NULL)
        return w->run_flat(state, ops, x, run);
    err = compute(state, ops, x, run);
    if (err != 0) {
        if (run->error[0] == '\0')
            snprintf(run->error, sizeof(run->error), "%s on %s: %s", run->label, ops->name,
                     strerror(-err));
        return err;
    }
    return w->check(state, ops->name, run);
}

/* ---- a batch of pieces ------------------------------------------------------------------- */

static size_t wl_round16(size_t v)
{
    return (v + 15) / 16 * 16;
}

void wl_batch_free(struct wl_batch *b)
{
    free(b->pieces);
    free(b->args);
    free(b->res);
    memset(b, 0, sizeof(*b));
}

int wl_batch_init(struct wl_batch *b, size_t n, size_t arg_size, size_t res_size)
{
    memset(b, 0, sizeof(*b));
    if (n > UINT32_MAX)
        return -E2BIG;
    b->n = n;
    b->arg_size = arg_size;
    b->res_size = res_size;
    b->arg_step = wl_round16(arg_size);
    b->res_step = wl_round16(res_size);
    b->pieces = calloc(n ? n : 1, sizeof(*b->pieces));
    b->args = calloc(n ? n : 1, b->arg_step);
    b->res = calloc(n ? n : 1, b->res_step);
    if (!b->pieces || !b->args || !b->res) {
        wl_batch_free(b);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        b->pieces[i].id = (uint32_t)i;
        b->pieces[i].arg = b->args + i * b->arg_step;
        b->pieces[i].arg_len = arg_size;
        b->pieces[i].res = b->res + i * b->res_step;
        b->pieces[i].res_cap = b->res_step;
    }
    return 0;
}

/* The serial twin's map: every piece in order on this thread. 0 or the first failure. */
static int wl_batch_serial(struct wl_batch *b, exec_piece_fn fn)
{
    uint64_t t_submit = exec_now_ns();
    int first = 0;

    for (size_t i = 0; i < b->n; i++) {
        struct exec_piece *p = &b->pieces[i];

        p->t_submit_ns = t_submit;
        p->t_start_ns = exec_now_ns();
        p->res_len = 0;
        p->status = fn(p->arg, p->arg_len, p->res, p->res_cap, &p->res_len);
        if (p->status == 0 && p->res_len > p->res_cap)
            p->status = -EMSGSIZE;
        p->t_done_ns = exec_now_ns();
        if (p->status && !first)
            first = p->status;
    }
    return first;
}

int wl_batch_map(struct wl_batch *b, exec_piece_fn fn, const struct exec_ops *ops, struct exec *x,
                 const char *label, struct work_run *run)
{
    const char *ename = ops ? ops->name : "the serial twin";
    int err = ops ? (b->n ? ops->map(x, fn, b->pieces, b->n) : 0) : wl_batch_serial(b, fn);

    if (err) {
        if (ops) {
            wl_map_failed(run, label, ops, x, b->pieces, b->n, err);
        } else {
            size_t i = 0;
            while (i < b->n && b->pieces[i].status == 0)
                i++;
            snprintf(run->error, sizeof(run->error), "%s on %s: piece %zu failed: %s", label, ename,
                     i, strerror(-err));
        }
        return err;
    }
    for (size_t i = 0; i < b->n; i++) {
        const struct exec_piece *p = &b->pieces[i];

        if (p->res_len != b->res_size) {
            snprintf(run->error, sizeof(run->error),
                     "%s on %s: piece %zu: %zu result bytes, expected %zu", label, ename, i,
                     p->res_len, b->res_size);
            return -EPROTO;
        }
        if (run->latency)
            hist_record(run->latency, p->t_done_ns - p->t_submit_ns);
    }
    run->tasks = b->n;
    return 0;
}

int wl_map_sum(const struct exec_ops *ops, struct exec *x, exec_piece_fn fn, const void *args,
               size_t arg_size, size_t n, int64_t *sum, struct work_run *run)
{
    struct wl_batch b;
    int err = wl_batch_init(&b, n, arg_size, sizeof(int64_t));

    if (err != 0) {
        snprintf(run->error, sizeof(run->error), "%s on %s: %s", run->label, ops->name,
                 strerror(-err));
        return err;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(wl_batch_arg(&b, i), (const unsigned char *)args + i * arg_size, arg_size);
    err = wl_batch_map(&b, fn, ops, x, run->label, run);
    for (size_t i = 0; i < n && err == 0; i++) {
        int64_t v;
        memcpy(&v, wl_batch_res(&b, i), sizeof(v));
        *sum = (int64_t)((uint64_t)*sum + (uint64_t)v); /* wraps: grain's sums are checksums */
    }
    wl_batch_free(&b);
    return err;
}

/* ---- parameters, labels, tokens, errors -------------------------------------------------- */

int wl_param_u64(const char *wname, const char *params, const char *key, uint64_t lo, uint64_t hi,
                 uint64_t dflt, uint64_t *out, char *err, size_t errlen)
{
    int r;

    *out = dflt;
    r = param_u64(params ? params : "", key, lo, hi, out);
    if (r < 0) {
        snprintf(err, errlen, "%s: %s: want an integer in [%" PRIu64 ", %" PRIu64 "]", wname, key,
                 lo, hi);
        return -EINVAL;
    }
    return 0;
}

void wl_label(char *label, size_t len, const char *wname, const char *params)
{
    if (params != NULL && params[0] != '\0')
        snprintf(label, len, "%s/%s", wname, params);
    else
        snprintf(label, len, "%s", wname);
}

int wl_answer_judge(const struct wl_answer *a, const char *exec_name, int64_t got,
                    struct work_run *run)
{
    if (got == a->want)
        return 0;
    snprintf(run->error, sizeof(run->error), "%s on %s: %" PRId64 "%s, expected %" PRId64, a->label,
             exec_name, got, a->unit, a->want);
    return -EPROTO;
}

int wl_answer_check(void *state, const char *exec_name, struct work_run *run)
{
    const struct wl_answer *a = state;

    run->tasks = a->tasks;
    return wl_answer_judge(a, exec_name, a->got, run);
}

void *wl_state_new(size_t size, const char *wname, char *err, size_t errlen)
{
    void *s = calloc(1, size);

    if (s == NULL)
        snprintf(err, errlen, "%s: out of memory", wname);
    return s;
}

/* This thread's stack: its lowest usable address (0: not read yet, 1: unknown) and size. */
static _Thread_local uintptr_t wl_stack_lo;
static _Thread_local size_t wl_stack_len;

static void wl_stack_bounds(void)
{
    pthread_attr_t a;
    void *lo;
    size_t size, guard = 0;
    wl_stack_lo = 1;
    wl_stack_len = SIZE_MAX;
    if (pthread_getattr_np(pthread_self(), &a) != 0)
        return;
    if (pthread_attr_getstack(&a, &lo, &size) == 0) {
        pthread_attr_getguardsize(&a, &guard);
        wl_stack_lo = (uintptr_t)lo + guard;
        wl_stack_len = size > guard ? size - guard : 0;
    }
    pthread_attr_destroy(&a);
}

size_t wl_stack_left(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (wl_stack_lo == 0)
        wl_stack_bounds();
    return wl_stack_lo > 1 && sp > wl_stack_lo ? sp - wl_stack_lo : SIZE_MAX;
}

size_t wl_stack_size(void)
{
    if (wl_stack_lo == 0)
        wl_stack_bounds();
    return wl_stack_len;
}

uint64_t wl_token(void)
{
    uint64_t t;

    if (getrandom(&t, sizeof(t), GRND_NONBLOCK) == (ssize_t)sizeof(t))
        return t;
    /* No entropy yet (early boot): distinct enough for telling states apart. */
    return wl_mix64(exec_now_ns() ^ ((uint64_t)getpid() << 40) ^ (uintptr_t)&t);
}

void wl_map_failed(struct work_run *run, const char *label, const struct exec_ops *ops,
                   struct exec *x, const struct exec_piece *pieces, size_t n, int err)
{
    const char *why = ops->last_error ? ops->last_error(x) : NULL;
    const char *sep = why && why[0] ? " (" : "", *end = why && why[0] ? ")" : "";
    size_t i;

    if (!why)
        why = "";
    for (i = 0; i < n && pieces[i].status == 0; i++)
        ;
    if (i < n)
        snprintf(run->error, sizeof(run->error), "%s on %s: piece %" PRIu32 " failed: %s%s%s%s",
                 label, ops->name, pieces[i].id,
                 pieces[i].status == -ESTALE
                     ? "its worker process was forked before prepare() and lacks the inputs"
                     : strerror(-pieces[i].status),
                 sep, why, end);
    else
        snprintf(run->error, sizeof(run->error), "%s on %s: map failed: %s%s%s%s", label, ops->name,
                 strerror(-err), sep, why, end);
}
