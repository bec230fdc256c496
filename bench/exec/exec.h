/*
 * exec.h - the one interface every concurrency model of wsbench implements.
 *
 * Two shapes of work reach an executor:
 *  - map(): n independent pieces, each a function of a byte-blob argument
 *    to a byte-blob result. Every executor implements it; it is the only
 *    shape a flat model (threadpool, procpool) can run. Blobs, not pointers,
 *    so that a piece can cross a process boundary.
 *  - run() + forkn(): nested fork-join. Only models with can_nest run it;
 *    workloads cut their trees into pieces at a cut-off depth for the others.
 *
 * Errors are 0 or a negative errno, as in libwsched.
 */
#ifndef WSBENCH_EXEC_H
#define WSBENCH_EXEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exec; /* one instance of an executor */

struct exec_config {
    unsigned workers; /* threads or processes; 0: one per core */
};

/*
 * A piece: reads arg[0, arg_len), writes at most res_cap bytes to res and
 * their count to *res_len, and returns 0 or a negative errno. It must be a
 * function of this program: a pre-forked child calls it at the same address.
 */
typedef int (*exec_piece_fn)(const void *arg, size_t arg_len, void *res, size_t res_cap,
                             size_t *res_len);

struct exec_piece {
    uint32_t id;          /* in: names the piece in failure reports */
    const void *arg;      /* in: borrowed until map() returns */
    size_t arg_len;       /* in */
    void *res;            /* in: the caller's result buffer */
    size_t res_cap;       /* in */
    size_t res_len;       /* out */
    int status;           /* out: 0, the piece's own error, or -ECHILD if its worker process died */
    uint64_t t_submit_ns; /* out: CLOCK_MONOTONIC when handed to the executor */
    uint64_t t_start_ns;  /* out: when a worker began it */
    uint64_t t_done_ns;   /* out: when its result was back with the caller's side */
};

/* A fork-join body: the i-th of a forkn() call, or the root of run() (i = 0). */
typedef void (*exec_fork_fn)(struct exec *x, void *arg, size_t i);

/*
 * Native fork-join versions of the two workloads whose per-task overhead is
 * the point of the measurement, written in each model's own idiom (wsched
 * spawn/reclaim, an OpenMP task, a oneTBB task_group) so that no executor
 * pays for this interface's indirection. Both run a whole computation from
 * a plain thread and return its answer, or a negative errno.
 *  fib(n): spawn fib(n-1), call fib(n-2), no cut-off.
 *  nqueens(n): one task per valid column of the next row, counting solutions.
 */
struct exec_native {
    int64_t (*fib)(struct exec *x, unsigned n);
    int64_t (*nqueens)(struct exec *x, unsigned n);
};

struct exec_ops {
    const char *name; /* "serial", "threadpool", "procpool", "stealing", "openmp", "tbb" */
    int can_nest;     /* 1 if run()/forkn() are implemented */
    int processes;    /* 1 if pieces run in other processes */
    /* Any thread. 0, -EINVAL, -ENOMEM, or the error of a thread/process start. */
    int (*create)(struct exec **out, const struct exec_config *cfg);
    /* Stops workers and frees. NULL is a no-op. */
    void (*destroy)(struct exec *x);
    /*
     * Runs all n pieces and returns when each has finished or failed:
     * 0 if all succeeded, else the status of the first failed piece (each
     * piece keeps its own status). Never drops a piece silently; never hangs
     * on a dead worker.
     */
    int (*map)(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n);
    /* can_nest only: runs root(x, arg, 0) on the executor and waits. */
    int (*run)(struct exec *x, exec_fork_fn root, void *arg);
    /* can_nest only, from inside run(): fn(x, arg, i) for i in [0, n) in parallel; waits for all. */
    void (*forkn)(struct exec *x, size_t n, exec_fork_fn fn, void *arg);
    /* The number of workers actually running. */
    unsigned (*workers)(const struct exec *x);
    /* Optional (NULL): native fib/nqueens, for can_nest executors. */
    const struct exec_native *native;
    /*
     * Optional (NULL): CPU time (user+sys, ns) used so far by the
     * executor's own child processes, live and reaped; the process CPU time
     * of the caller does not include it. Monotonic over x's life.
     */
    uint64_t (*child_cpu_ns)(const struct exec *x);
    /*
     * May be NULL. Why the last map() failed beyond the pieces' own errors,
     * e.g. "procpool: worker pid 1234 died (signal 9) running piece 17";
     * "" if nothing did. Owned by x, valid until its next map() or destroy.
     */
    const char *(*last_error)(const struct exec *x);
    int extra; /* 1: a variant run only when named, not part of "all" */
};

/* The registry (bench/exec.c): NULL-terminated, in display order. */
extern const struct exec_ops *const exec_all[];
const struct exec_ops *exec_find(const char *name);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t exec_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_EXEC_H */
