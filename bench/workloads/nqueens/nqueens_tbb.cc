// nqueens_tbb.cc - nqueens as oneTBB task_groups in the executor's arena:
// one g.run() per valid column of the next row, each with its own copy of
// the board (captured by value), then g.wait().
#include <cerrno>
#include <new>

#include <oneapi/tbb/task_group.h>

#include "exec/tbb.h"
#include "workloads/nqueens/nqueens.h"

namespace tbb = oneapi::tbb;

namespace
{

// Solutions below a board with rows [0, j) filled: one task per valid column of row j.
int64_t nq_tbb_rec(unsigned n, unsigned j, const nq_board &b)
{
    if (j == n)
        return 1;
    int64_t counts[NQ_MAX_N];
    unsigned k = 0;
    tbb::task_group g;
    for (unsigned c = 0; c < n; c++) {
        if (!nq_ok(b.q, j, c))
            continue;
        nq_board child = b; // the child's own copy of the board
        child.q[j] = static_cast<char>(c);
        int64_t *slot = &counts[k++];
        g.run([slot, n, j, child] { *slot = nq_tbb_rec(n, j + 1, child); }); // child copied
    }
    g.wait();
    int64_t sum = 0;
    for (unsigned i = 0; i < k; i++)
        sum += counts[i];
    return sum;
}

} // namespace

extern "C" int nqueens_tbb(void *state, const struct exec_ops *ops, struct exec *x,
                           struct work_run *run)
{
    (void)ops;
    (void)run;
    struct nq_state *s = static_cast<struct nq_state *>(state);
    int64_t r = 0;
    unsigned n = s->n;
    try {
        exec_tbb_arena(x).execute([&r, n] { r = nq_tbb_rec(n, 0, nq_board{}); });
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    }
    s->a.got = r;
    return 0;
}
