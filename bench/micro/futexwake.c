/*
 * futexwake.c - the floor under wake_latency: one thread sleeps in
 * FUTEX_WAIT, another wakes it with FUTEX_WAKE after the machine has been
 * idle for 20 ms (as micro.c's wake_latency does before its submit), and
 * the time from just before the wake to the sleeper running is taken. No
 * scheduler in between: what a pool whose workers sleep in the kernel
 * cannot beat on this machine. Prints the median and the 90th percentile.
 *
 * usage: wsbench-futexwake [iterations]   (default 100: about 2 s)
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static _Atomic uint32_t word;       /* the futex: the iteration woken */
static _Atomic uint64_t woke_at;    /* when the sleeper ran, 0: not yet */
static _Atomic uint32_t iterations; /* how many the sleeper waits for */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *sleeper(void *arg)
{
    (void)arg;
    uint32_t n = atomic_load(&iterations);
    for (uint32_t i = 0; i < n; i++) {
        /* seq_cst: a plain handshake; only the wake-up is timed. */
        while (atomic_load(&word) == i)
            syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, i, NULL, NULL, 0);
        atomic_store(&woke_at, now_ns());
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    if (n < 1 || n > 100000) {
        fprintf(stderr, "usage: %s [iterations 1..100000]\n", argv[0]);
        return 2;
    }
    uint64_t *lat = calloc((size_t)n, sizeof(*lat));
    pthread_t t;
    if (lat == NULL)
        return 1;
    atomic_store(&iterations, (uint32_t)n);
    if ((errno = pthread_create(&t, NULL, sleeper, NULL)) != 0) {
        perror("pthread_create");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        struct timespec idle = {0, 20000000};
        while (nanosleep(&idle, &idle) != 0 && errno == EINTR)
            ;
        atomic_store(&woke_at, 0);
        uint64_t t0 = now_ns();
        atomic_store(&word, (uint32_t)i + 1);
        syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
        uint64_t t1;
        while ((t1 = atomic_load(&woke_at)) == 0)
            sched_yield(); /* the sleeper may need this CPU */
        lat[i] = t1 - t0;
    }
    pthread_join(t, NULL);
    qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
    printf("futex wake-up after 20 ms idle: median %.2f us, p90 %.2f us (%ld wake-ups)\n",
           (double)lat[(n - 1) / 2] / 1e3, (double)lat[(size_t)((double)(n - 1) * 0.9)] / 1e3, n);
    free(lat);
    return 0;
}
