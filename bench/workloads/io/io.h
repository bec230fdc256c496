/*
 * io.h - what the IO and mixed workloads (sleep, pipe, socket, file, mixed)
 * share; what every workload shares is in workload.h.
 *
 *  io_*  their state's head, run_flat() and serial() (one piece
 *        per task through ops->map(), or in order by the serial twin, each
 *        answer checked and each latency recorded); their event-driven form
 *        (run_events: io_task, one per task, over exec/events.h); a blocking
 *        wait that cannot end early; reads and writes with a deadline, so a
 *        lost peer fails a piece instead of hanging it; a service thread
 *        over epoll (pipe's echo, socket's server); a private temporary
 *        directory.
 *
 * Every blocking call here (io_block_ns, io_wait and the reads and writes
 * that use it, io_blocking) goes through ws_blocking() when the calling
 * thread is a libwsched worker: the stealing executors' pieces block with a
 * spare thread standing in. Elsewhere (a thread pool, a worker process,
 * OpenMP, oneTBB) they are plain calls.
 *
 * Everything returns 0 or a negative errno, and prints nothing.
 */
#ifndef WSBENCH_WORKLOADS_IO_H
#define WSBENCH_WORKLOADS_IO_H

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "exec/exec.h"
#include "workloads/workload.h"

/* How long a piece waits for its peer (a pipe's echo, the socket server) before it fails. */
#define IO_TIMEOUT_MS 10000

/* ---- IO and mixed workloads: one piece per task ------------------------------------------ */

/*
 * What an IO or mixed workload tells io_run(): its pieces and their answers.
 * A piece's result begins with its uint32_t id (io_run() checks the length
 * and the id); check() judges the rest (arg and res are aligned for any
 * struct): 0, or -EPROTO with why filled
 * ("round 3: the echo differs at byte 5").
 */
struct io_task;

struct io_desc {
    const char *name;        /* the workload's */
    const char *const *keys; /* its parameters, NULL-terminated; "tasks" among them */
    uint64_t tasks_default;  /* tasks:<1..10^6> when not given; 0: the workload reads tasks */
    size_t arg_size;
    size_t res_size;
    exec_piece_fn piece;
    /* Writes piece i's argument to arg (arg_size bytes, zeroed beforehand). */
    void (*fill)(const void *state, size_t i, void *arg);
    int (*check)(const void *state, const void *arg, const void *res, char *why, size_t whylen);
    /* The event-driven form of a piece: its first step (see io_task). */
    void (*ev_start)(struct ev_ctx *c, struct io_task *t);
    size_t ev_scratch; /* bytes of zeroed per-task scratch it wants (io_task.scratch) */
};

/* A check() of a piece that blocked blocked_ns for want_ns: 0, or -EPROTO and why says so. */
int io_check_blocked(uint64_t blocked_ns, uint64_t want_ns, char *why, size_t whylen);

/*
 * A piece's first step: copies its argument to a (a_size bytes) if arg is
 * one whole argument and res can hold res_size bytes. 0, -EINVAL (the
 * argument's size is wrong) or -EMSGSIZE (no room for the result).
 */
static inline int io_piece_start(void *a, size_t a_size, const void *arg, size_t arg_len,
                                 size_t res_size, size_t res_cap)
{
    if (arg_len != a_size)
        return -EINVAL;
    if (res_cap < res_size)
        return -EMSGSIZE;
    memcpy(a, arg, a_size);
    return 0;
}

/*
 * The io_desc of a workload whose parts follow the naming of all of them:
 * struct P_arg, struct P_res, P_piece(), P_fill() and P_check().
 *   static const struct io_desc sleep_desc = IO_DESC(sleep, "sleep", sleep_keys, 1000);
 */
#define IO_DESC(P, name_, keys_, tasks_default_)                                                   \
    {                                                                                              \
        .name = name_, .keys = keys_, .tasks_default = tasks_default_,                             \
        .arg_size = sizeof(struct P##_arg), .res_size = sizeof(struct P##_res),                    \
        .piece = P##_piece, .fill = P##_fill, .check = P##_check, .ev_start = P##_ev_start,        \
        .ev_scratch = sizeof(struct P##_ev),                                                       \
    }

/* The first member of an IO or mixed workload's state. */
struct io_head {
    const struct io_desc *desc;
    char label[160]; /* wl_label() */
    uint64_t tasks;  /* pieces per run */
};

/*
 * The start of an IO or mixed workload's prepare(): 0 if every key of
 * params is one of d->keys and tasks parses (*tasks: d->tasks_default if
 * absent; untouched if that is 0); else -EINVAL with err saying why.
 */
int io_params(const struct io_desc *d, const char *params, uint64_t *tasks, char *err,
              size_t errlen);

/*
 * Then, its parameters parsed: a zeroed state of size bytes, whose first
 * member is a struct io_head, with the head filled in. NULL, with err
 * saying so, if out of memory.
 */
void *io_state_new(size_t size, const struct io_desc *d, const char *params, uint64_t tasks,
                   char *err, size_t errlen);

/*
 * workload.run_flat and workload.serial of an IO or mixed workload, whose state
 * begins with a struct io_head: every one of its tasks is a piece, run
 * through ops->map(x, ...) (io_run) or, by the serial twin (io_serial), in
 * order on this thread, all submitted at the start as exec_serial does.
 * Then every answer is checked, each piece's t_done - t_submit goes to
 * run->latency (if set) and run->tasks = tasks. 0, or the error with
 * run->error naming the label and the executor.
 */
int io_run(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run);
int io_serial(void *state, struct work_run *run);

/* ---- the event-driven form --------------------------------------------------------------- */

/*
 * One task of an event-driven run: the same argument and result as the
 * flat form's piece, so the same check() judges it. desc->ev_start(c, t)
 * is its first step; its callbacks arm the next steps with io_task_wait()
 * and io_task_timer() (or the ops directly for offload), and the last one
 * calls io_task_finish(). A callback whose result is negative (the
 * descriptor failed, or the task timed out and its wait was cancelled)
 * must finish the task with that result. Each task has a guard timer of
 * IO_TIMEOUT_MS: a lost peer fails the task (-ETIMEDOUT) instead of
 * hanging the run.
 */
struct io_ev;

struct io_task {
    struct ev_req req;        /* the task's wait, timer or offload */
    struct ev_req guard;      /* its time-out */
    const struct ev_ops *ops; /* the model's */
    struct io_ev *run;
    size_t i;
    void *arg;           /* desc->arg_size bytes, filled by desc->fill */
    void *res;           /* desc->res_size bytes: what check() judges */
    void *scratch;       /* desc->ev_scratch zeroed bytes of the workload's own */
    uint64_t t_start_ns; /* when its first step ran */
    uint64_t t_done_ns;  /* when it finished */
    int status;          /* 0, or the error that ended it */
    _Atomic int timed_out;
    _Atomic int ends; /* io_task_finish, the guard's callback (and an arming's hold): done() at 2 */
};

/* The task whose req (or guard) r is. */
struct io_task *io_task_of(struct ev_req *r);

/* Arms t->req; if the task has timed out meanwhile, cancels it at once (its
 * callback then gets -ECANCELED). 0, or the arming error (finish with it). */
int io_task_wait(struct ev_ctx *c, struct io_task *t, int fd, unsigned events, ev_fn fn);
int io_task_timer(struct ev_ctx *c, struct io_task *t, uint64_t ns, ev_fn fn);

/* Ends task t with status (0: t->res is its answer); exactly once. */
void io_task_finish(struct ev_ctx *c, struct io_task *t, int status);

/* workload.run_events of an IO or mixed workload: every task one io_task,
 * all started at once; answers checked and latencies recorded as io_run. */
int io_run_events(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run);

/*
 * fn(arg), which may block, through ws_blocking() on a libwsched worker
 * (a spare stands in), or as a plain call elsewhere.
 */
void io_blocking(void (*fn)(void *arg), void *arg);

/*
 * The definition of an IO or mixed workload: its forms are io_run and
 * io_serial, whatever its pieces do.
 *   const struct workload workload_sleep = IO_WORKLOAD("sleep", "io", "tasks:1000/us:1000",
 *                                                      "tasks:50/us:1000", sleep_prepare, free);
 */
#define IO_WORKLOAD(name_, kind_, params_default_, params_quick_, prepare_, release_)              \
    {                                                                                              \
        .name = name_, .kind = kind_, .params_default = params_default_,                           \
        .params_quick = params_quick_, .prepare = prepare_, .release = release_,                   \
        .run_flat = io_run, .serial = io_serial, .run_events = io_run_events,                      \
    }

/*
 * Blocks the calling thread for ns nanoseconds in clock_nanosleep() on an
 * absolute CLOCK_MONOTONIC deadline (a signal restarts the wait, never
 * shortens it) and returns how long it blocked: never less than ns.
 */
uint64_t io_block_ns(uint64_t ns);

/*
 * Polls fd for events until timeout_ms passes. 0 when ready, -ETIMEDOUT,
 * or a poll() error. POLLHUP/POLLERR count as ready: the read or write that
 * follows reports them.
 */
int io_wait(int fd, short events, int timeout_ms);

/* Writes all len bytes to fd (blocking or not), waiting at most timeout_ms for room each time. */
int io_write_all(int fd, const void *buf, size_t len, int timeout_ms);

/*
 * Reads exactly len bytes from fd, waiting at most timeout_ms for each part.
 * End-of-file before len is -ECONNRESET.
 */
int io_read_full(int fd, void *buf, size_t len, int timeout_ms);

/*
 * A service thread over an epoll set, for the servers that live in the
 * benchmark process (pipe's echo, socket's server). io_loop_open() makes
 * the set with a stop eventfd in it, tagged IO_LOOP_STOP (epoll data.u64);
 * the caller adds its own descriptors with other tags and starts the thread
 * with io_loop_start(); the thread returns when epoll_wait() reports
 * IO_LOOP_STOP. io_loop_close() signals it, joins it, and closes both
 * descriptors (it is fine on a loop that io_loop_open() left half made).
 */
#define IO_LOOP_STOP UINT64_MAX

struct io_loop {
    int epfd;    /* -1 if not open */
    int stop_fd; /* an eventfd; -1 if not open */
    int started; /* the thread runs */
    pthread_t thread;
};

/* 0, or the error of epoll_create1, eventfd or epoll_ctl. */
int io_loop_open(struct io_loop *l);
/* 0, or pthread_create's error, negated. */
int io_loop_start(struct io_loop *l, void *(*fn)(void *), void *arg);
void io_loop_close(struct io_loop *l);

/*
 * Makes a private directory "$TMPDIR/wsbench-<tag>-XXXXXX" ($TMPDIR unset or
 * empty: /tmp) and writes its path to path. 0, -ENAMETOOLONG (longer than
 * len, or than maxlen if that is smaller), or mkdtemp's error.
 */
int io_tmpdir_make(char *path, size_t len, size_t maxlen, const char *tag);

/* Removes every entry of directory path (files, FIFOs: no subdirectories), then path itself. */
void io_tmpdir_remove(const char *path);

#endif /* WSBENCH_WORKLOADS_IO_H */
