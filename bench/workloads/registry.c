/*
 * workloads.c - the registry of workloads, in display order: CPU-bound,
 * IO-bound, then mixed.
 */
#include <string.h>

#include "workloads/workload.h"

extern const struct workload workload_fib, workload_nqueens, workload_uts, workload_matmul,
    workload_sort, workload_sleep, workload_pipe, workload_socket, workload_file, workload_mixed;

const struct workload *const workload_all[] = {
    &workload_fib,   &workload_nqueens, &workload_uts,  &workload_matmul,
    &workload_sort,  &workload_sleep,   &workload_pipe, &workload_socket,
    &workload_file,  &workload_mixed,   NULL,
};

const struct workload *workload_find(const char *name)
{
    for (size_t i = 0; workload_all[i] != NULL; i++)
        if (strcmp(workload_all[i]->name, name) == 0)
            return workload_all[i];
    return NULL;
}
