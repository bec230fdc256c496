/*
 * registry.c - the registry of workloads, in display order. The list is
 * generated from the wsbench_workload() lines of
 * bench/workloads/CMakeLists.txt (wsbench_registry.h): adding one there adds
 * it here, to the usage text and to the report's order.
 */
#include <string.h>

#include "workloads/workload.h"
#include "wsbench_registry.h"

#define WSBENCH_WL_DECLARE(sym, name) extern const struct workload workload_##sym;
WSBENCH_WORKLOADS(WSBENCH_WL_DECLARE)

#define WSBENCH_WL_ENTRY(sym, name) &workload_##sym,
const struct workload *const workload_all[] = {WSBENCH_WORKLOADS(WSBENCH_WL_ENTRY) NULL};

const struct workload *workload_find(const char *name)
{
    for (size_t i = 0; workload_all[i] != NULL; i++)
        if (strcmp(workload_all[i]->name, name) == 0)
            return workload_all[i];
    return NULL;
}
