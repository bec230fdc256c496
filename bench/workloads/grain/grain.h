/*
 * grain.h - the granularity workload's kernel calibration (grain.c), which
 * context.txt records.
 */
#ifndef WSBENCH_WORKLOADS_GRAIN_H
#define WSBENCH_WORKLOADS_GRAIN_H

#include <stdint.h>

#include "workloads/workload.h"

/* The kernel's iterations per nanosecond on this machine, measured once per process. */
double grain_calibration(void);

/* The iterations of a task of ns nanoseconds (at least 1). */
uint64_t grain_iters_for(uint64_t ns);

#endif /* WSBENCH_WORKLOADS_GRAIN_H */
