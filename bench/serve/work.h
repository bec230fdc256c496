/*
 * work.h - the CPU work a request asks for: ?work=US microseconds of a
 * SHA-1 chain, optionally split in fanout parts that a model may run in
 * parallel. Never a sleep: every microsecond is computed, and the reply
 * carries the checksum, so a client can check it was.
 *
 * The chain of a request of I iterations split in k parts: part j starts
 * from h = SHA1(le64(I) || le32(j) || le32(k)) and hashes its own 20-byte
 * digest I/k times (the first I%k parts once more); its value is the
 * digest's first 8 bytes, big-endian. The request's sum is the XOR of its
 * parts' values: the same whichever order, or thread, ran them.
 */
#ifndef WSSERVE_WORK_H
#define WSSERVE_WORK_H

#include <stddef.h>
#include <stdint.h>

#define WORK_MAX_US     1000000u /* one second of CPU per request at most */
#define WORK_MAX_FANOUT 64u

/* Runs part(arg, i) for every i in [0, n) and returns when all have: in
 * parallel on a model that can (wsched), in turn elsewhere (NULL). */
struct work_fork {
    void (*run)(void *ctx, size_t n, void (*part)(void *arg, size_t i), void *arg);
    void *ctx;
};

/* 0, or -ENOTSUP if no SHA-1 implementation can run here. Once, before any other call. */
int work_init(void);

/* Iterations for us microseconds at rate iters_per_us. */
uint64_t work_iters(unsigned us, double iters_per_us);

/* The sum of a request of iters iterations in k parts (1..WORK_MAX_FANOUT), run through f. */
uint64_t work_run(uint64_t iters, unsigned k, const struct work_fork *f);

/* Measures this thread's rate, about ms milliseconds of CPU: iterations per microsecond. */
double work_calibrate(unsigned ms);

/* "shani" or "portable": the SHA-1 implementation in use. */
const char *work_impl(void);

#endif /* WSSERVE_WORK_H */
