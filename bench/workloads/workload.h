/*
 * workload.h - what every wsbench workload provides, and what they share.
 *
 * A workload is prepared once (inputs built, untimed), then run many times,
 * each run timed by the harness, on one executor. Every run checks its own
 * answer: a wrong answer fails the run, naming workload and executor.
 *
 * A workload has up to four forms of its computation, and workload_run()
 * chooses among them, the same way for all:
 *  - run_flat: independent pieces through map(); every executor runs it,
 *    and it is the only form a flat model (threadpool, procpool) can run.
 *  - run_nested: fork-join through run()/forkn(), on EXEC_NESTS executors.
 *  - variants: the same fork-join computation written in one model's own
 *    idiom (wsched spawn/reclaim, an OpenMP task, a oneTBB task_group), so
 *    that the model does not pay for exec.h's indirection. A variant lives
 *    in its workload's folder, named for the family (fib/fib_openmp.c),
 *    and runs on every executor of that family (exec_ops.family).
 *  - run_events: event-driven (exec/events.h), on models with
 *    exec_ops.events: its tasks arm timers and waits instead of blocking.
 * The nested form and the variants leave their answer in the state; check()
 * judges it.
 *
 * Parameters come as "key:value" pairs joined by '/', the way they appear in
 * benchmark names: "n:30", "tree:T3", "tasks:1000/us:100".
 */
#ifndef WSBENCH_WORKLOAD_H
#define WSBENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"
#include "wsbench_registry.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hist;

struct work_run {
    uint64_t tasks;       /* out: tasks (spawns or pieces) this run executed, for throughput */
    struct hist *latency; /* in: if not NULL, record each task's submit-to-done ns here */
    const char *label;    /* in: how errors name the run, "fib/n:30"; workload_run() sets NULL
                           * to the workload's name */
    char error[256];      /* out: why the run failed (wrong answer, dead worker, ...) */
};

/*
 * The fork-join form of a workload, or a variant of it: computes on x (of
 * kind ops) and leaves the answer in the state for check(). 0, or a
 * negative errno; workload_run() then says "<label> on <executor>: <why>"
 * unless the function wrote run->error itself.
 */
typedef int (*wl_compute_fn)(void *state, const struct exec_ops *ops, struct exec *x,
                             struct work_run *run);

struct wl_variant {
    const char *family; /* the exec_ops.family it is written for: "stealing" */
    wl_compute_fn compute;
};

/*
 * The variants a workload's registry line lists (wsbench_workload(fib
 * VARIANTS stealing ...)), each NAME_FAMILY() in NAME/NAME_FAMILY.c:
 * WL_DECLARE_VARIANTS(fib) declares them (in the workload's header), and
 * WL_VARIANTS(fib) is the table for workload.variants.
 */
#define WL_VARIANT_DECLARE_(wl, fsym, fam)                                                         \
    int wl##_##fsym(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run);
#define WL_DECLARE_VARIANTS(wl)          WSBENCH_VARIANTS_##wl(WL_VARIANT_DECLARE_)
#define WL_VARIANT_ENTRY_(wl, fsym, fam) {fam, wl##_##fsym},
#define WL_VARIANTS(wl)                                                                            \
    {                                                                                              \
        WSBENCH_VARIANTS_##wl(WL_VARIANT_ENTRY_){NULL, NULL},                                      \
    }

struct workload {
    const char *name;           /* "fib", "uts", "sleep", ...; its folder under workloads/ */
    const char *kind;           /* "cpu", "io" or "mixed" */
    const char *params_default; /* the default suite's parameters */
    const char *params_quick;   /* the --quick smoke run's (small) parameters */
    /* Parses params and builds inputs: 0, or -EINVAL with err filled. */
    int (*prepare)(void **state, const char *params, char *err, size_t errlen);
    void (*release)(void *state);
    /* A whole run as map() pieces, answer checked: 0, or a negative errno with run->error set. */
    int (*run_flat)(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run);
    /* Optional (NULL: run_flat everywhere): the fork-join form, for EXEC_NESTS executors. */
    wl_compute_fn run_nested;
    /* Optional, with run_nested: native variants, ended by {NULL, NULL}. */
    const struct wl_variant *variants;
    /* With run_nested: judges the answer left in the state and sets run->tasks. */
    int (*check)(void *state, const char *exec_name, struct work_run *run);
    /* The sequential twin: the same computation with no executor at all. */
    int (*serial)(void *state, struct work_run *run);
    /* Optional: the event-driven form, answer checked, for models with
     * exec_ops.events (it comes before all the others there). */
    int (*run_events)(void *state, const struct exec_ops *ops, struct exec *x,
                      struct work_run *run);
};

/*
 * One run of w's prepared state on executor x (of kind ops): the
 * event-driven form if ops has events and w has one, else the variant for
 * ops's family if w has one, else the fork-join form if ops nests and w has
 * one, else the flat form. 0, or a negative errno with run->error set.
 */
int workload_run(const struct workload *w, void *state, const struct exec_ops *ops, struct exec *x,
                 struct work_run *run);

/* The variant workload_run() would run on ops, or NULL. */
const struct wl_variant *workload_variant(const struct workload *w, const struct exec_ops *ops);

/*
 * The registry, in display order, NULL-terminated: generated from the
 * wsbench_workload() lines of bench/workloads/CMakeLists.txt.
 */
extern const struct workload *const workload_all[];
const struct workload *workload_find(const char *name);

/*
 * Parameter helpers (core/params.c): find "key:value" in a '/'-separated
 * list. Return 0 and set *out, 1 if the key is absent (out untouched), or
 * -EINVAL if the value does not parse or lies outside [lo, hi].
 */
int param_u64(const char *params, const char *key, uint64_t lo, uint64_t hi, uint64_t *out);
int param_double(const char *params, const char *key, double lo, double hi, double *out);
int param_str(const char *params, const char *key, char *out, size_t outlen);

/*
 * 0 if every '/'-separated field of params is "key:value" with a key in
 * keys (NULL-terminated); else -EINVAL and err says "<wname>: ...", naming
 * the field and the keys it knows. NULL or "" params are fine.
 */
int wl_params_known(const char *wname, const char *params, const char *const *keys, char *err,
                    size_t errlen);

/* ---- what the workloads share (workloads/workload.c) ------------------------------------- */

/* splitmix64's finalizer: a bijection of 64-bit words that mixes every bit into every bit. */
static inline uint64_t wl_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/*
 * param_u64() with a default and a message: *out is dflt if key is absent,
 * the value if it lies in [lo, hi]; else -EINVAL and err says
 * "<wname>: <key>: want an integer in [lo, hi]".
 */
int wl_param_u64(const char *wname, const char *params, const char *key, uint64_t lo, uint64_t hi,
                 uint64_t dflt, uint64_t *out, char *err, size_t errlen);

/* "<wname>/<params>" (or "<wname>" if params is empty): how run errors name a prepared state. */
void wl_label(char *label, size_t len, const char *wname, const char *params);

/*
 * The head of the state of a workload whose answer is one number (fib,
 * nqueens), and what judges it.
 */
struct wl_answer {
    char label[64];   /* "fib/n:30": wl_label() of the workload's name and parameters */
    const char *unit; /* after the number in messages: "" or " solutions" */
    int64_t want;     /* the known answer */
    int64_t got;      /* what the last fork-join run or variant computed */
    uint64_t tasks;   /* tasks of the fork-join form */
};

/* got against a's known answer: 0, or -EPROTO with run->error
 * "<label> on <exec>: <got><unit>, expected <want>". */
int wl_answer_judge(const struct wl_answer *a, const char *exec_name, int64_t got,
                    struct work_run *run);

/* workload.check for a state that begins with a struct wl_answer: judges
 * got, and sets run->tasks to the fork-join form's tasks. */
int wl_answer_check(void *state, const char *exec_name, struct work_run *run);

/*
 * A zeroed state of size bytes for workload wname, or NULL with err saying
 * "<wname>: out of memory": the start of every prepare().
 */
void *wl_state_new(size_t size, const char *wname, char *err, size_t errlen);

/*
 * The calling thread's stack, whoever made the thread (a libwsched worker,
 * OpenMP's, oneTBB's, the main thread): wl_stack_left() is the bytes left
 * below the caller's frame, wl_stack_size() the stack's usable size; both
 * SIZE_MAX if pthread cannot say. A recursive fork-join form checks it, so
 * that a tree deeper than a thread's stack fails with a message instead of
 * a segmentation fault. The bounds are read once per thread.
 */
size_t wl_stack_left(void);
size_t wl_stack_size(void);

/*
 * A number no other prepare() of this process, nor any earlier process,
 * is likely to have drawn: pieces compare the token in their argument with
 * the one in the state they reach through inherited memory, so a worker
 * process forked before prepare() fails with -ESTALE instead of computing
 * from whatever its copy holds there.
 */
uint64_t wl_token(void);

/*
 * After ops->map() returned err != 0: writes to run->error
 * "<label> on <exec>: piece <id> failed: <why>" (the first failed piece, or
 * the map itself), with the executor's last_error() if it says anything.
 * A piece's -ESTALE is spelled out as a worker forked before prepare().
 */
void wl_map_failed(struct work_run *run, const char *label, const struct exec_ops *ops,
                   struct exec *x, const struct exec_piece *pieces, size_t n, int err);

/*
 * n pieces of one kind, as a flat form runs them: piece i's argument is
 * args + i * arg_size (arg_size bytes, zeroed before fill() writes it, so
 * that padding crosses processes as zeros), its result at most res_size
 * bytes. Sizes are rounded up to 16 in the arrays, so that each argument is
 * aligned for any struct.
 */
struct wl_batch {
    size_t n;
    size_t arg_size, res_size; /* as given */
    size_t arg_step, res_step; /* rounded up to 16 */
    struct exec_piece *pieces;
    unsigned char *args;
    unsigned char *res;
};

/* 0, -E2BIG (more than 2^32 pieces: ids are 32-bit) or -ENOMEM. */
int wl_batch_init(struct wl_batch *b, size_t n, size_t arg_size, size_t res_size);
void wl_batch_free(struct wl_batch *b);
static inline void *wl_batch_arg(const struct wl_batch *b, size_t i)
{
    return b->args + i * b->arg_step;
}
static inline const void *wl_batch_res(const struct wl_batch *b, size_t i)
{
    return b->res + i * b->res_step;
}

/*
 * Runs the batch's pieces of fn on x (ops NULL: in order on this thread,
 * as the serial twin, all submitted at the start), then requires each
 * result to be res_size bytes and records each piece's submit-to-done time
 * in run->latency (if set), and sets run->tasks = n. 0, or the error with
 * run->error naming label and executor (wl_map_failed()).
 */
int wl_batch_map(struct wl_batch *b, exec_piece_fn fn, const struct exec_ops *ops, struct exec *x,
                 const char *label, struct work_run *run);

/*
 * The flat form of a tree cut into n subproblems, each a piece of fn that
 * answers one int64_t: piece i's argument is the arg_size bytes at
 * args + i * arg_size. Adds their answers to *sum; wl_batch_map() does the
 * rest. 0, or the error with run->error naming run->label and the executor.
 */
int wl_map_sum(const struct exec_ops *ops, struct exec *x, exec_piece_fn fn, const void *args,
               size_t arg_size, size_t n, int64_t *sum, struct work_run *run);

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_WORKLOAD_H */
