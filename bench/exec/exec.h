/*
 * exec.h - the one interface every concurrency model of wsbench implements.
 *
 * Two shapes of work reach an executor:
 *  - map(): n independent pieces, each a function of a byte-blob argument
 *    to a byte-blob result. Every executor implements it; it is the only
 *    shape a flat model (threadpool, procpool) can run. Blobs, not pointers,
 *    so that a piece can cross a process boundary.
 *  - run() + forkn(): nested fork-join. Only models with EXEC_NESTS run it;
 *    workloads cut their trees into pieces at a cut-off depth for the others.
 *
 * Errors are 0 or a negative errno, as in libwsched.
 */
#ifndef WSBENCH_EXEC_H
#define WSBENCH_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "exec/events.h"

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
 * What the harness needs to know about a model, as flags (exec_ops.flags).
 * Each is read by the harness (core/) or the report; a model sets those
 * that are true of it. Event-driven models say so with exec_ops.events.
 */
enum exec_flag {
    EXEC_NESTS = 1u << 0,       /* run() and forkn() work: fork-join workloads nest on it */
    EXEC_PROCESSES = 1u << 1,   /* pieces run in other processes (inputs reach them by fork) */
    EXEC_BLOCKING_OK = 1u << 2, /* sized for waits, not cores: IO workloads sweep many workers */
    EXEC_VARIANT = 1u << 3,     /* a variant of another model: runs only when named, not in "all" */
    EXEC_FIXED_SIZE = 1u << 4,  /* its size ignores exec_config.workers (one event loop): the
                                   suite runs it at workers:1 only, a sweep would repeat it */
};

struct exec_ops {
    const char *name; /* as on the command line and in results: "stealing" */
    unsigned flags;   /* enum exec_flag */
    /*
     * The idiom a workload's native variants are written in, or NULL: a
     * workload with a variant for this family (workloads/fib/fib_stealing.c
     * for "stealing") runs that instead of its run()/forkn() form. Variants
     * of one model (stealing-random) share its family.
     */
    const char *family;
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
    /* EXEC_NESTS only: runs root(x, arg, 0) on the executor and waits. */
    int (*run)(struct exec *x, exec_fork_fn root, void *arg);
    /* EXEC_NESTS only, from inside run(): fn(x, arg, i) for i in [0, n) in parallel; waits. */
    void (*forkn)(struct exec *x, size_t n, exec_fork_fn fn, void *arg);
    /* The number of workers actually running. */
    unsigned (*workers)(const struct exec *x);
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
    /*
     * NULL, or the model's event-driven side (exec/events.h): a workload
     * with an event-driven form (workload.run_events) runs that on it
     * instead of blocking pieces. A model whose family also has a base
     * model without events (stealing-async) runs in the suite only on those
     * workloads: elsewhere it would repeat that model. The event loops have
     * no family and run everywhere (CPU workloads in turn on their loops).
     */
    const struct ev_ops *events;
};

/*
 * The registry, in display order, NULL-terminated: generated from the
 * wsbench_executor() lines of bench/exec/CMakeLists.txt (exec/registry.c).
 */
extern const struct exec_ops *const exec_all[];
const struct exec_ops *exec_find(const char *name);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t exec_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_EXEC_H */
