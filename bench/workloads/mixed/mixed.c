/*
 * mixed.c - the "mixed" workload: CPU tasks and blocking tasks interleaved,
 * the case where one model rarely fits (a pool sized for the cores starves
 * while tasks block; one sized for the waits oversubscribes the cores).
 * For every executor each task is one piece of one map(): every k-th piece
 * (ids 0, k, 2k, ...) blocks for L microseconds in clock_nanosleep(), the
 * others compute fib(cpu_n) by plain recursion, which takes a comparable
 * time: fib(26), the default, about 0.55 ms on the reference machine
 * (fib(22) would be 0.08 ms), next to the default 0.5 ms of blocking.
 *
 * Parameters: tasks:<1..10^6> (default 1000), block_every:<1..10^6>
 * (default 4; 1: every task blocks), us:<0..10^7> (default 500),
 * cpu_n:<1..40> (default 26).
 *
 * Known answers: a CPU piece returns fib(cpu_n) (computed in prepare by
 * iteration); a blocking piece the time it blocked, at least L. run->tasks
 * = N; each piece's submit-to-done time goes to run->latency.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/io/io.h"

enum mixed_kind { MIXED_CPU = 1, MIXED_BLOCK = 2 };

struct mixed_state {
    struct io_head h;
    uint64_t every, ns, cpu_n;
    uint64_t fib; /* fib(cpu_n) */
};

struct mixed_arg {
    uint32_t id;
    uint32_t kind;
    uint64_t amount; /* cpu_n, or nanoseconds to block */
};

struct mixed_res {
    uint32_t id;
    uint32_t kind;
    uint64_t value; /* fib(cpu_n), or nanoseconds blocked */
};

/*
 * fib by the doubly recursive definition. noinline and the empty asm keep
 * both calls real calls (gcc would otherwise turn one into a loop), so the
 * work per task is what cpu_n says on any compiler setting.
 */
__attribute__((noinline)) static uint64_t mixed_fib(uint32_t n)
{
    uint64_t a, b;

    if (n < 2)
        return n;
    a = mixed_fib(n - 1);
    b = mixed_fib(n - 2);
    __asm__("" : "+r"(a));
    return a + b;
}

/* exec_piece_fn: one CPU task or one blocking task. */
static int mixed_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct mixed_arg a;
    struct mixed_res r;

    int e = io_piece_start(&a, sizeof(a), arg, arg_len, sizeof(r), res_cap);

    if (e != 0)
        return e;
    r.id = a.id;
    r.kind = a.kind;
    if (a.kind == MIXED_CPU && a.amount <= 40)
        r.value = mixed_fib((uint32_t)a.amount);
    else if (a.kind == MIXED_BLOCK)
        r.value = io_block_ns(a.amount);
    else
        return -EINVAL;
    memcpy(res, &r, sizeof(r));
    *res_len = sizeof(r);
    return 0;
}

static void mixed_fill(const void *state, size_t i, void *arg)
{
    const struct mixed_state *s = state;
    int block = i % s->every == 0;
    struct mixed_arg a = {.id = (uint32_t)i,
                          .kind = block ? MIXED_BLOCK : MIXED_CPU,
                          .amount = block ? s->ns : s->cpu_n};

    memcpy(arg, &a, sizeof(a));
}

static int mixed_check(const void *state, const void *arg, const void *res, char *why,
                       size_t whylen)
{
    const struct mixed_state *s = state;
    const struct mixed_arg *a = arg;
    const struct mixed_res *r = res;

    if (r->kind != a->kind) {
        snprintf(why, whylen, "answered as a task of kind %" PRIu32, r->kind);
        return -EPROTO;
    }
    if (a->kind == MIXED_CPU && r->value != s->fib) {
        snprintf(why, whylen, "fib(%" PRIu64 ") = %" PRIu64 ", expected %" PRIu64, s->cpu_n,
                 r->value, s->fib);
        return -EPROTO;
    }
    return a->kind == MIXED_BLOCK ? io_check_blocked(r->value, s->ns, why, whylen) : 0;
}

static const char *const mixed_keys[] = {"tasks", "block_every", "us", "cpu_n", NULL};

static const struct io_desc mixed_desc = IO_DESC(mixed, "mixed", mixed_keys, 1000);

static int mixed_prepare(void **state, const char *params, char *err, size_t errlen)
{
    struct mixed_state *s;
    uint64_t tasks, every, us, cpu_n, a = 0, b = 1, i;

    if (io_params(&mixed_desc, params, &tasks, err, errlen) ||
        wl_param_u64("mixed", params, "block_every", 1, 1000000, 4, &every, err, errlen) ||
        wl_param_u64("mixed", params, "us", 0, 10000000, 500, &us, err, errlen) ||
        wl_param_u64("mixed", params, "cpu_n", 1, 40, 26, &cpu_n, err, errlen))
        return -EINVAL;
    s = io_state_new(sizeof(*s), &mixed_desc, params, tasks, err, errlen);
    if (!s)
        return -ENOMEM;
    s->every = every;
    s->ns = us * 1000u;
    s->cpu_n = cpu_n;
    for (i = 0; i < cpu_n; i++) { /* the known answer, by iteration */
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    s->fib = a;
    *state = s;
    return 0;
}

/* free: the state is one allocation. */
const struct workload workload_mixed =
    IO_WORKLOAD("mixed", "mixed", "tasks:1000/block_every:4/us:500/cpu_n:26",
                "tasks:40/block_every:4/us:500/cpu_n:26", mixed_prepare, free);
