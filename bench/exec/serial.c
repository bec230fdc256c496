/*
 * serial.c - the executor with no parallelism: everything runs on the
 * calling thread, in order. It is the baseline every other model is
 * measured against, and the simplest correct implementation of exec.h.
 */
#include "exec/exec.h"

#include <errno.h>
#include <stdlib.h>

struct exec {
    unsigned workers; /* always 1 */
};

static int serial_create(struct exec **out, const struct exec_config *cfg)
{
    struct exec *x;

    if (!out)
        return -EINVAL;
    x = malloc(sizeof(*x));
    if (!x)
        return -ENOMEM;
    /* Any cfg->workers is accepted: one thread runs, and workers() says so. */
    (void)cfg;
    x->workers = 1;
    *out = x;
    return 0;
}

static void serial_destroy(struct exec *x)
{
    free(x);
}

static int serial_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n)
{
    uint64_t t_submit;
    int first = 0;
    size_t i;

    if (!x || !fn || (!pieces && n))
        return -EINVAL;
    /* All pieces are handed over at once, as a pool's submit loop would: a piece's latency
     * includes its wait behind the earlier ones. */
    t_submit = exec_now_ns();
    for (i = 0; i < n; i++) {
        struct exec_piece *pc = &pieces[i];

        pc->t_submit_ns = t_submit;
        pc->res_len = 0;
        pc->t_start_ns = exec_now_ns();
        pc->status = fn(pc->arg, pc->arg_len, pc->res, pc->res_cap, &pc->res_len);
        if (pc->status == 0 && pc->res_len > pc->res_cap)
            pc->status = -EOVERFLOW; /* the piece claims more than the buffer holds */
        pc->t_done_ns = exec_now_ns();
        if (pc->status && !first)
            first = pc->status;
    }
    return first;
}

static int serial_run(struct exec *x, exec_fork_fn root, void *arg)
{
    if (!x || !root)
        return -EINVAL;
    root(x, arg, 0);
    return 0;
}

static void serial_forkn(struct exec *x, size_t n, exec_fork_fn fn, void *arg)
{
    size_t i;

    for (i = 0; i < n; i++)
        fn(x, arg, i);
}

static unsigned serial_workers(const struct exec *x)
{
    return x ? x->workers : 0;
}

const struct exec_ops exec_serial = {
    .name = "serial",
    .flags = EXEC_NESTS,
    .create = serial_create,
    .destroy = serial_destroy,
    .map = serial_map,
    .run = serial_run,
    .forkn = serial_forkn,
    .workers = serial_workers,
};
