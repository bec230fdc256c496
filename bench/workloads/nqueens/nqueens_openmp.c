/*
 * nqueens_openmp.c - nqueens as OpenMP tasks (compiled with -fopenmp): one
 * task per valid column of the next row, each with its own copy of the
 * board (firstprivate of a struct), then taskwait.
 */
#include "workloads/nqueens/nqueens.h"

/* Solutions below a board with rows [0, j) filled: one task per valid column of row j. */
static int64_t nq_om_rec(unsigned n, unsigned j, const struct nq_board *q)
{
    int64_t counts[NQ_MAX_N], sum = 0;
    unsigned k = 0;

    if (j == n)
        return 1;
    for (unsigned c = 0; c < n; c++) {
        struct nq_board b;

        if (!nq_ok(q->q, j, c))
            continue;
        b = *q; /* the child's own copy of the board */
        b.q[j] = (char)c;
#pragma omp task default(none) firstprivate(b, k, n, j) shared(counts)
        counts[k] = nq_om_rec(n, j + 1, &b);
        k++;
    }
#pragma omp taskwait
    for (unsigned i = 0; i < k; i++)
        sum += counts[i];
    return sum;
}

int nqueens_openmp(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    struct nq_state *s = state;
    struct nq_board b = {{0}};
    unsigned workers = ops->workers(x), n = s->n;
    int64_t r = 0;

    (void)run;
#pragma omp parallel num_threads(workers) default(none) shared(r, n, b)
#pragma omp single
    r = nq_om_rec(n, 0, &b);
    s->a.got = r;
    return 0;
}
