/*
 * tbb.h - what the "tbb" executor (tbb.cc) offers beyond exec.h, to C++:
 * its task_arena, where workloads' native variants (workloads/<name>/
 * <name>_tbb.cc) run their task_groups.
 */
#ifndef WSBENCH_EXEC_TBB_H
#define WSBENCH_EXEC_TBB_H

#include <oneapi/tbb/task_arena.h>

#include "exec/exec.h"

extern "C" const struct exec_ops exec_tbb;

/* The arena of x, a "tbb" executor, owned by x (valid until destroy). Any thread. */
oneapi::tbb::task_arena &exec_tbb_arena(struct exec *x) noexcept;

#endif /* WSBENCH_EXEC_TBB_H */
