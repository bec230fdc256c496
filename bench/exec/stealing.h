/*
 * stealing.h - what the "stealing" executor (stealing.c) offers
 * beyond exec.h: its libwsched pool, for benchmarks that call the library
 * directly (steal and wake-up latency, spawn cost).
 */
#ifndef WSBENCH_EXEC_STEALING_H
#define WSBENCH_EXEC_STEALING_H

#include <wsched.h>

#include "exec/exec.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct exec_ops exec_stealing;
extern const struct exec_ops exec_stealing_random; /* WS_VICTIM_RANDOM */

/* The pool behind x, owned by x (valid until destroy), or NULL if x is NULL. Any thread. */
ws_pool *exec_stealing_pool(struct exec *x);

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_EXEC_STEALING_H */
