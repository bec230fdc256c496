/*
 * spawncost.c - runs one fib(n) of one executor's native fib (or the serial
 * twin) on one worker, once, so that callgrind can count its instructions:
 * bench/callgrind-spawn.sh runs it for n = 25 and 30 and divides the
 * difference by the difference in spawns.
 *
 * usage: wsbench-spawncost <serial|stealing|openmp|tbb> <n>
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "workloads/workload.h"

extern const struct workload workload_fib;

int main(int argc, char **argv)
{
    char *end;
    unsigned long n = argc == 3 ? strtoul(argv[2], &end, 10) : 0;
    if (argc != 3 || *end != '\0' || n > 40) {
        fprintf(stderr, "usage: %s <serial|stealing|openmp|tbb> <n <= 40>\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "serial") == 0) {
        char params[32], err[256];
        void *state;
        struct work_run run = {0};
        snprintf(params, sizeof(params), "n:%lu", n);
        if (workload_fib.prepare(&state, params, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        int e = workload_fib.serial(state, &run);
        workload_fib.release(state);
        if (e != 0)
            fprintf(stderr, "%s\n", run.error);
        return e != 0;
    }
    const struct exec_ops *ops = exec_find(argv[1]);
    if (ops == NULL || ops->native == NULL || ops->native->fib == NULL) {
        fprintf(stderr, "%s: no native fib for '%s'\n", argv[0], argv[1]);
        return 2;
    }
    struct exec *x;
    struct exec_config cfg = {.workers = 1};
    int e = ops->create(&x, &cfg);
    if (e != 0) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(-e));
        return 1;
    }
    int64_t r = ops->native->fib(x, (unsigned)n);
    ops->destroy(x);
    printf("fib(%lu) = %" PRId64 "\n", n, r);
    return r < 0;
}
