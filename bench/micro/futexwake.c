/*
 * futexwake.c - the floor under wake_latency: one thread sleeps in
 * FUTEX_WAIT, another wakes it with FUTEX_WAKE after the machine has been
 * idle for 20 ms (as micro.c's wake_latency does before its submit), and
 * the time from just before the wake to the sleeper running is taken. No
 * scheduler in between: what a pool whose workers sleep in the kernel
 * cannot beat on this machine. Prints the median and the 90th percentile.
 * With --cross, the waker is pinned to the first CPU of the process's
 * affinity and the sleeper to the second, so that every wake-up crosses to
 * a CPU that has been idle (as a thief asleep on another core is woken);
 * without, the kernel places both, and the sleeper usually runs where the
 * waker was.
 *
 * usage: wsbench-futexwake [iterations] [--cross]   (default 100: about 2 s)
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
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

/* Pins the calling thread to the k-th CPU of `set`; 0, or an errno. */
static int pin_nth(const cpu_set_t *set, int k)
{
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, set) && k-- == 0) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(c, &one);
            return pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
        }
    return ESRCH;
}

static cpu_set_t cross_set; /* the process's affinity, with --cross */
static int cross;

static void *sleeper(void *arg)
{
    (void)arg;
    if (cross && (errno = pin_nth(&cross_set, 1)) != 0) {
        perror("futexwake: pinning the sleeper");
        exit(1);
    }
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
    long n = 100;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--cross") == 0) {
            cross = 1;
        } else if ((n = strtol(argv[i], &end, 10)) < 1 || n > 100000 || *end != '\0') {
            fprintf(stderr, "usage: %s [iterations 1..100000] [--cross]\n", argv[0]);
            return 2;
        }
    }
    if (cross) {
        if (sched_getaffinity(0, sizeof(cross_set), &cross_set) != 0 || CPU_COUNT(&cross_set) < 2) {
            fprintf(stderr, "futexwake: --cross needs two CPUs in the affinity\n");
            return 2;
        }
        if ((errno = pin_nth(&cross_set, 0)) != 0) {
            perror("futexwake: pinning the waker");
            return 1;
        }
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
    printf("futex wake-up after 20 ms idle%s: median %.2f us, p90 %.2f us (%ld wake-ups)\n",
           cross ? ", sleeper on another CPU" : "", (double)lat[(n - 1) / 2] / 1e3,
           (double)lat[(size_t)((double)(n - 1) * 0.9)] / 1e3, n);
    free(lat);
    return 0;
}
