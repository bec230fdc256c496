/*
 * micro.h - microbenchmarks of libwsched's mechanisms (bench/micro.c).
 */
#ifndef WSBENCH_MICRO_H
#define WSBENCH_MICRO_H

#include <stddef.h>

#include "gbench.h"

/* The table of microbenchmarks, ready for bench_register(). */
const struct bench_def *micro_defs(size_t *n);

#endif /* WSBENCH_MICRO_H */
