/*
 * nqueens_stealing.c - nqueens on libwsched in its own idiom: one spawn per
 * valid column of the next row, the children's frames (each with its own
 * board) on the parent's stack, synced newest first with ws_reclaim() and
 * the child's work done by a direct call when no thief took it.
 */
#include <wsched.h>

#include "exec/stealing.h"
#include "workloads/nqueens/nqueens.h"

struct nq_st_frame {
    ws_task task;
    unsigned n, j; /* board size; rows filled in b */
    int64_t count;
    struct nq_board b; /* the child's own copy of the board */
};

static int64_t nq_st_rec(ws_worker *w, ws_head h, unsigned n, unsigned j, const struct nq_board *b);

static void nq_st_task(ws_worker *w, ws_head h, ws_task *t)
{
    struct nq_st_frame *f = WS_CONTAINER_OF(t, struct nq_st_frame, task);
    f->count = nq_st_rec(w, h, f->n, f->j, &f->b);
}

/* Solutions below a board with rows [0, j) filled: one spawn per valid column of row j. */
static int64_t nq_st_rec(ws_worker *w, ws_head h, unsigned n, unsigned j, const struct nq_board *b)
{
    struct nq_st_frame f[NQ_MAX_N]; /* the frames of this node's children */
    unsigned k = 0;
    int64_t sum = 0;

    if (j == n)
        return 1;
    for (unsigned c = 0; c < n; c++) {
        if (!nq_ok(b->q, j, c))
            continue;
        f[k].b = *b;
        f[k].b.q[j] = (char)c;
        f[k].n = n;
        f[k].j = j + 1;
        h = ws_spawn(w, h, &f[k].task, nq_st_task);
        k++;
    }
    while (k > 0) { /* newest first */
        k--;
        int mine;
        h = ws_reclaim(w, h, &f[k].task, &mine);
        if (mine)
            f[k].count = nq_st_rec(w, h, n, j + 1, &f[k].b);
        sum += f[k].count;
    }
    return sum;
}

static void nqueens_stealing_root(ws_worker *w, ws_head h, void *arg)
{
    struct nq_state *s = arg;
    struct nq_board b = {{0}};
    s->a.got = nq_st_rec(w, h, s->n, 0, &b);
}

int nqueens_stealing(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run)
{
    (void)ops;
    (void)run;
    return ws_run(exec_stealing_pool(x), nqueens_stealing_root, state);
}
