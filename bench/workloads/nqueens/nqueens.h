/*
 * nqueens.h - the nqueens workload's board, placement test and state,
 * shared by nqueens.c and its native variants, one file per model family:
 * nqueens_stealing.c (libwsched), nqueens_openmp.c (OpenMP tasks),
 * nqueens_tbb.cc (oneTBB).
 *
 * Each variant is a wl_compute_fn: it counts the solutions of s->n queens
 * on the executor, one task per valid column of the next row, each with its
 * own copy of the board, and leaves the count in s->a.got.
 */
#ifndef WSBENCH_WORKLOADS_NQUEENS_H
#define WSBENCH_WORKLOADS_NQUEENS_H

#include <stdint.h>

#include "workloads/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* n = 16 runs for minutes, 20 for hours. Small on purpose: a node's
 * children's frames, each with a board, are on its stack. */
#define NQ_MAX_N 16

/* A board: q[r] is the column of row r's queen. A child gets its own copy
 * of the whole board (one 16-byte move), in every version, so that all do
 * the same work per task. */
struct nq_board {
    char q[NQ_MAX_N];
};

struct nq_state {
    struct wl_answer a; /* want: the known count; tasks: valid partial placements but the root */
    unsigned n;
};

/* Solutions for n = 0..NQ_MAX_N (OEIS A000170): the answers every version checks. */
extern const int64_t nq_known[NQ_MAX_N + 1];

/* 1 if a queen in row j, column c is attacked by none of rows [0, j): the
 * one definition every version uses. */
static inline int nq_ok(const char *q, unsigned j, unsigned c)
{
    for (unsigned r = 0; r < j; r++) {
        int d = q[r] - (int)c;
        if (d == 0 || d == (int)(j - r) || -d == (int)(j - r))
            return 0;
    }
    return 1;
}

/* nqueens_stealing(), nqueens_openmp(), nqueens_tbb(): the VARIANTS of its registry line. */
WL_DECLARE_VARIANTS(nqueens)

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_WORKLOADS_NQUEENS_H */
