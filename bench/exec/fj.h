/*
 * fj.h - what the three fork-join executors (stealing.c, openmp.c, tbb.cc)
 * share: their limit on workers, and how one map() piece is run.
 *
 * Compiles as C11 and as C++17.
 */
#ifndef WSBENCH_EXEC_FJ_H
#define WSBENCH_EXEC_FJ_H

#include <errno.h>

#include "exec/exec.h"

/* More threads than this is a configuration mistake, not a benchmark (wsched's WS_MAX_WORKERS). */
#define EXEC_FJ_MAX_WORKERS 1024u

/* Runs one piece on the calling thread and fills in what it produced. */
static inline void exec_fj_piece(exec_piece_fn fn, struct exec_piece *p)
{
    size_t len = 0;
    int st;

    p->t_start_ns = exec_now_ns();
    st = fn(p->arg, p->arg_len, p->res, p->res_cap, &len);
    if (st == 0 && len > p->res_cap)
        st = -EMSGSIZE; /* it says it wrote more than it was given */
    p->status = st;
    p->res_len = st == 0 ? len : 0;
    p->t_done_ns = exec_now_ns();
}

/* map()'s answer once every piece has run: the status of the first that failed, or 0. */
static inline int exec_fj_first_failure(const struct exec_piece *pieces, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pieces[i].status != 0)
            return pieces[i].status;
    return 0;
}

#endif /* WSBENCH_EXEC_FJ_H */
