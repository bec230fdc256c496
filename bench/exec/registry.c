/*
 * exec.c - the registry of executors, in display order: the sequential
 * baseline, the flat pools, then the fork-join models.
 */
#include <string.h>

#include "exec/exec.h"

extern const struct exec_ops exec_serial, exec_threadpool, exec_procpool, exec_stealing,
    exec_openmp, exec_tbb, exec_stealing_random;

/* The variants (extra = 1) come last. */
const struct exec_ops *const exec_all[] = {
    &exec_serial, &exec_threadpool, &exec_procpool,        &exec_stealing,
    &exec_openmp, &exec_tbb,        &exec_stealing_random, NULL,
};

const struct exec_ops *exec_find(const char *name)
{
    for (size_t i = 0; exec_all[i] != NULL; i++)
        if (strcmp(exec_all[i]->name, name) == 0)
            return exec_all[i];
    return NULL;
}
