/*
 * workload.h - what every wsbench workload provides.
 *
 * A workload is prepared once (inputs built, untimed), then run many times,
 * each run timed by the harness, on one executor. Every run checks its own
 * answer: a wrong answer fails the run, naming workload and executor.
 *
 * Parameters come as "key:value" pairs joined by '/', the way they appear in
 * benchmark names: "n:30", "tree:T3", "tasks:1000/us:100".
 */
#ifndef WSBENCH_WORKLOAD_H
#define WSBENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hist;

struct work_run {
    uint64_t tasks;       /* out: tasks (spawns or pieces) this run executed, for throughput */
    struct hist *latency; /* in: if not NULL, record each task's submit-to-done ns here */
    char error[256];      /* out: why the run failed (wrong answer, dead worker, ...) */
};

struct workload {
    const char *name;           /* "fib", "uts", "sleep", ... */
    const char *kind;           /* "cpu", "io" or "mixed" */
    const char *params_default; /* the default suite's parameters */
    const char *params_quick;   /* the --quick smoke run's (small) parameters */
    /* Parses params and builds inputs: 0, or -EINVAL with err filled. */
    int (*prepare)(void **state, const char *params, char *err, size_t errlen);
    void (*release)(void *state);
    /* One run on executor x (of kind ops): 0, or a negative errno with run->error set. */
    int (*run)(void *state, const struct exec_ops *ops, struct exec *x, struct work_run *run);
    /* The sequential twin: the same computation with no executor at all. */
    int (*serial)(void *state, struct work_run *run);
};

/* The registry (bench/workloads.c): NULL-terminated, in display order. */
extern const struct workload *const workload_all[];
const struct workload *workload_find(const char *name);

/*
 * Parameter helpers: find "key:value" in a '/'-separated list. Return 0 and
 * set *out, 1 if the key is absent (out untouched), or -EINVAL if the value
 * does not parse or lies outside [lo, hi].
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

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_WORKLOAD_H */
