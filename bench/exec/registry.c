/*
 * registry.c - the registry of executors, in display order. The list is
 * generated from the wsbench_executor() lines of bench/exec/CMakeLists.txt
 * (wsbench_registry.h): adding one there adds it here, to the usage text,
 * to the context's executors: line and to the report's order and colours.
 */
#include <string.h>

#include "exec/exec.h"
#include "wsbench_registry.h"

#define WSBENCH_EXEC_DECLARE(sym, name, color, point) extern const struct exec_ops exec_##sym;
WSBENCH_EXECUTORS(WSBENCH_EXEC_DECLARE)

#define WSBENCH_EXEC_ENTRY(sym, name, color, point) &exec_##sym,
const struct exec_ops *const exec_all[] = {WSBENCH_EXECUTORS(WSBENCH_EXEC_ENTRY) NULL};

const struct exec_ops *exec_find(const char *name)
{
    for (size_t i = 0; exec_all[i] != NULL; i++)
        if (strcmp(exec_all[i]->name, name) == 0)
            return exec_all[i];
    return NULL;
}
