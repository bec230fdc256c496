/*
 * rng.h - xorshift64* (Vigna 2016), the victim choice of the workers and of
 * libwsched-mpi's ranks: enough to spread victims, one multiply per draw.
 * Private to the libraries (header-only, so the MPI layer does not reach
 * into libwsched's symbols). The state must not be 0.
 */
#ifndef WS_RNG_H
#define WS_RNG_H

#include <stdint.h>

static inline uint64_t ws__xorshift64s(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

#endif /* WS_RNG_H */
