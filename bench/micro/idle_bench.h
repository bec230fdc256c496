/*
 * idle_bench.h - the idle and memory micro-benchmarks (micro/idle_bench.c),
 * which run wsbench-idle once per model and write idle.csv and memory.csv.
 */
#ifndef WSBENCH_MICRO_IDLE_BENCH_H
#define WSBENCH_MICRO_IDLE_BENCH_H

#include <stddef.h>

#include "gbench.h"

const struct bench_def *idle_defs(size_t *n);

#endif /* WSBENCH_MICRO_IDLE_BENCH_H */
