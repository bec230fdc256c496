/*
 * numarg.h - strict numbers from the command line, for wsopen and
 * wsbench-servers: the whole argument must be a number in [lo, hi], with no
 * sign, space or trailing text. 0, or -1 (and *out untouched).
 */
#ifndef WSBENCH_NUMARG_H
#define WSBENCH_NUMARG_H

#include <stdint.h>

int arg_double(const char *s, double lo, double hi, double *out);
int arg_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

#endif /* WSBENCH_NUMARG_H */
