/*
 * spawncost.c - runs one fib(n), once, on one worker: the serial twin, or
 * the native variant of fib (workloads/fib/fib_<family>.c) that an
 * executor runs, so that callgrind can count its instructions.
 * callgrind-spawn.sh runs it for n = 25 and 30 and divides the difference
 * by the difference in spawns.
 *
 * usage: wsbench-spawncost <serial|executor> <n> [variant]   (fib's variant:, e.g. plain)
 *        wsbench-spawncost --list   (the executors with a native fib, one a line)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "workloads/workload.h"

extern const struct workload workload_fib;

int main(int argc, char **argv)
{
    char *end = NULL;
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        /* One executor per family: stealing-async runs stealing's fib. */
        for (size_t i = 0; exec_all[i] != NULL; i++) {
            const struct wl_variant *v = workload_variant(&workload_fib, exec_all[i]);
            int seen = 0;
            for (size_t k = 0; k < i && v != NULL; k++)
                seen |= workload_variant(&workload_fib, exec_all[k]) == v;
            if (!(exec_all[i]->flags & EXEC_VARIANT) && v != NULL && !seen)
                printf("%s\n", exec_all[i]->name);
        }
        return 0;
    }
    unsigned long n = argc == 3 || argc == 4 ? strtoul(argv[2], &end, 10) : 0;
    if ((argc != 3 && argc != 4) || *end != '\0' || n > 40) {
        fprintf(stderr, "usage: %s <serial|executor> <n <= 40> [variant] | --list\n", argv[0]);
        return 2;
    }
    const struct exec_ops *ops = NULL;
    if (strcmp(argv[1], "serial") != 0) {
        ops = exec_find(argv[1]);
        if (ops == NULL || workload_variant(&workload_fib, ops) == NULL) {
            fprintf(stderr, "%s: no native fib for '%s'\n", argv[0], argv[1]);
            return 2;
        }
    }
    char params[64], err[256];
    void *state;
    struct work_run run = {0};
    snprintf(params, sizeof(params), "n:%lu%s%.24s", n, argc == 4 ? "/variant:" : "",
             argc == 4 ? argv[3] : "");
    if (workload_fib.prepare(&state, params, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct exec *x = NULL;
    struct exec_config cfg = {.workers = 1};
    int e = ops ? ops->create(&x, &cfg) : 0;
    if (e != 0)
        fprintf(stderr, "%s: %s\n", argv[1], strerror(-e));
    else if ((e = ops ? workload_run(&workload_fib, state, ops, x, &run)
                      : workload_fib.serial(state, &run)) != 0)
        fprintf(stderr, "%s\n", run.error);
    if (ops)
        ops->destroy(x);
    workload_fib.release(state);
    if (e == 0)
        printf("fib(%lu) on %s: %llu spawns\n", n, argv[1], (unsigned long long)run.tasks);
    return e != 0;
}
