// fib_tbb.cc - fib as oneTBB task_groups in the executor's arena:
// g.run(fib(n-1)), call fib(n-2), g.wait(); no cut-off.
#include <cerrno>
#include <new>

#include <oneapi/tbb/task_group.h>

#include "exec/tbb.h"
#include "workloads/fib/fib.h"

namespace tbb = oneapi::tbb;

namespace
{

int64_t fib_tbb_rec(unsigned n)
{
    if (n < 2)
        return n;
    int64_t a;
    tbb::task_group g;
    g.run([&a, n] { a = fib_tbb_rec(n - 1); });
    int64_t b = fib_tbb_rec(n - 2);
    g.wait();
    return a + b;
}

} // namespace

// The whole computation: callgrind's toggle point (execute() runs the functor on this thread).
__attribute__((noinline)) static int64_t fib_tbb_root(tbb::task_arena &arena, unsigned n)
{
    int64_t r = 0;
    arena.execute([&r, n] { r = fib_tbb_rec(n); });
    return r;
}

extern "C" int fib_tbb(void *state, const struct exec_ops *ops, struct exec *x,
                       struct work_run *run)
{
    struct fib_state *s = static_cast<struct fib_state *>(state);
    int err = fib_variant_check(s, NULL, ops->name, run);
    if (err != 0)
        return err;
    try {
        s->a.got = fib_tbb_root(exec_tbb_arena(x), s->n);
    } catch (const std::bad_alloc &) {
        return -ENOMEM;
    }
    return 0;
}
