/*
 * tbb.cc - the "tbb" executor: oneTBB (Debian's libtbb-dev 2021.8),
 * task_group and parallel_for in a task_arena. The only C++ in bench/ besides
 * the Google Benchmark shim; the ops are exported with C linkage.
 *
 * Workers: a task_arena of max_concurrency P (one slot kept for the calling
 * thread, which joins the arena in execute() and works in it), and a
 * global_control raising TBB's process-wide thread limit to P. Without that
 * control TBB gives all arenas together at most default_concurrency() - 1
 * worker threads, so P = 4 on 2 cores would quietly run 2 threads.
 * global_control is process-wide and, when several instances live, the
 * smallest max_allowed_parallelism wins: two tbb executors of different P
 * alive at once both run at the smaller one (and any other TBB user of the
 * process is capped while one lives).
 *
 *  create(): P = cfg->workers, or 0 for tbb::info::default_concurrency().
 *  run():    arena.execute(root): the calling thread runs the root, workers
 *            join the arena for the tasks it makes.
 *  forkn():  one task_group: bodies [0, n-1) with g.run(), the last one
 *            called directly, then g.wait(). Outside run() it still gives
 *            the right answer, but on the calling thread's own (implicit)
 *            arena, not this executor's.
 *  map():    tbb::parallel_for over the pieces, grain 1 with the
 *            simple_partitioner: every piece is a task of its own. All
 *            pieces are submitted at once (one t_submit).
 *
 * What stays behind after destroy(): the arena and the global_control are
 * gone, but TBB's worker threads are not this executor's. They belong to
 * TBB's global thread pool (its "market"), which keeps them, asleep, for the
 * next arena of the process; they exit at process exit (measured: after
 * executors of P = 1, 2 and 4 came and went, 3 TBB threads remained). Idle
 * TBB workers spin only briefly before they sleep (0.1 ms of CPU in the
 * 200 ms after a P = 4 run, measured), unlike libgomp's.
 *
 * Errors: TBB reports allocation failure by exceptions, which never cross
 * into C: the entry points catch them (-ENOMEM); forkn() cannot report, so a
 * body that cannot be queued runs on the calling thread instead.
 */
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include "exec/fj.h"
#include "exec/tbb.h"

namespace tbb = oneapi::tbb;

struct exec {
    std::unique_ptr<tbb::global_control> threads; // raises TBB's thread limit to P
    tbb::task_arena arena;
    unsigned workers; // P
};

namespace
{

int tx_create(struct exec **out, const struct exec_config *cfg) noexcept
{
    if (out == nullptr)
        return -EINVAL;
    *out = nullptr;
    unsigned p = cfg != nullptr && cfg->workers != 0
                     ? cfg->workers
                     : static_cast<unsigned>(tbb::info::default_concurrency());
    if (p > EXEC_FJ_MAX_WORKERS)
        return -EINVAL;
    try {
        std::unique_ptr<exec> x(new exec);
        x->threads =
            std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, p);
        x->arena.initialize(static_cast<int>(p));
        x->workers = p;
        *out = x.release();
        return 0;
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    } catch (...) {
        return -EAGAIN; // TBB could not set up its scheduler
    }
}

void tx_destroy(struct exec *x) noexcept
{
    delete x; // the arena terminates; TBB's threads stay (see the top of the file)
}

unsigned tx_workers(const struct exec *x) noexcept
{
    return x != nullptr ? x->workers : 0;
}

// ---- run and forkn --------------------------------------------------------

int tx_run(struct exec *x, exec_fork_fn root, void *arg) noexcept
{
    if (x == nullptr || root == nullptr)
        return -EINVAL;
    try {
        x->arena.execute([x, root, arg] { root(x, arg, 0); });
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    }
    return 0;
}

void tx_forkn(struct exec *x, size_t n, exec_fork_fn fn, void *arg) noexcept
{
    if (x == nullptr || fn == nullptr || n == 0)
        return;
    tbb::task_group g;
    size_t i = 0;
    try {
        for (; i + 1 < n; i++)
            g.run([x, fn, arg, i] { fn(x, arg, i); });
    } catch (const std::bad_alloc &) {
        // body i was not queued: it and the rest run here
    }
    for (; i < n; i++)
        fn(x, arg, i);
    g.wait();
}

// ---- map ------------------------------------------------------------------

int tx_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n) noexcept
{
    if (x == nullptr || fn == nullptr || (n != 0 && pieces == nullptr))
        return -EINVAL;
    if (n == 0)
        return 0;
    uint64_t now = exec_now_ns();
    for (size_t i = 0; i < n; i++)
        pieces[i].t_submit_ns = now;
    try {
        x->arena.execute([fn, pieces, n] {
            tbb::parallel_for(
                tbb::blocked_range<size_t>(0, n, 1),
                [fn, pieces](const tbb::blocked_range<size_t> &r) {
                    for (size_t i = r.begin(); i != r.end(); ++i)
                        exec_fj_piece(fn, &pieces[i]);
                },
                tbb::simple_partitioner());
        });
    } catch (const std::bad_alloc &) {
        // Some pieces may have run; the rest keep what they had. Say which did not.
        now = exec_now_ns();
        for (size_t i = 0; i < n; i++) {
            if (pieces[i].t_done_ns < pieces[i].t_submit_ns) {
                pieces[i].status = -ENOMEM;
                pieces[i].res_len = 0;
                pieces[i].t_start_ns = pieces[i].t_done_ns = now;
            }
        }
        return -ENOMEM;
    }
    return exec_fj_first_failure(pieces, n);
}

} // namespace

// Positional: C++17 has no designated initialisers. Fields in exec.h's order.
extern "C" const struct exec_ops exec_tbb = {
    "tbb",      // name
    EXEC_NESTS, // flags
    "tbb",      // family
    tx_create,  // create
    tx_destroy, // destroy
    tx_map,     // map
    tx_run,     // run
    tx_forkn,   // forkn
    tx_workers, // workers
    nullptr,    // child_cpu_ns
    nullptr,    // last_error
    nullptr,    // events
};

tbb::task_arena &exec_tbb_arena(struct exec *x) noexcept
{
    return x->arena;
}
