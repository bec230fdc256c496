/*
 * test_threadpool.c - the threadpool executor (bench/exec_threadpool.c):
 * every piece runs exactly once with the right answer, at 1 to 256 threads;
 * piece errors and -EMSGSIZE stay with their piece; concurrent map() calls;
 * bad arguments; creation failing partway; no thread or descriptor leaks.
 *
 * Usage: test_threadpool [pieces]   (default 10000)
 */
#include <pthread.h>

#include "check.h"
#include "exec_check.h"

extern const struct exec_ops exec_threadpool;
static const struct exec_ops *const ops = &exec_threadpool;

static size_t npieces;

static void *warm_up(void *arg)
{
    return arg;
}

/* In a child limited to a few threads: asking for 64 fails cleanly. */
static int limited_create(void *unused)
{
    struct exec_config cfg = {.workers = 64};
    struct exec *x = (struct exec *)(void *)&cfg; /* create must reset it */
    size_t fds, threads;
    pthread_t t;

    (void)unused;
    /* A first thread, so that a sanitizer's helper thread is there before the baseline. */
    REQUIRE(pthread_create(&t, NULL, warm_up, NULL) == 0);
    pthread_join(t, NULL);
    fds = count_fds();
    threads = count_threads_settled(SIZE_MAX);
    CHECK_EQ(ops->create(&x, &cfg), -EAGAIN);
    CHECK(x == NULL);
    CHECK_LE(count_threads_settled(threads), threads);
    CHECK_EQU(count_fds(), fds);
    return check_failures;
}

static void test_create_failure(void)
{
    int r = run_limited(4, limited_create, NULL);

    if (r == TLIMITED_SKIP)
        printf("test_threadpool: cannot drop root, creation failure not tested\n");
    else
        CHECK_EQ(r, 0);
}

int main(int argc, char **argv)
{
    static const unsigned workers[] = {1, 2, 8, 64, 256};
    struct exec *x;

    setvbuf(stdout, NULL, _IOLBF, 0); /* nothing buffered for a child to write again */
    npieces = parse_size_arg(argc, argv, 10000);
    tpiece_runs = calloc(npieces > 4000 ? npieces : 4000, sizeof(*tpiece_runs));
    REQUIRE(tpiece_runs != NULL);

    test_create_failure(); /* first: it forks, best while single-threaded */
    CHECK_STREQ(ops->name, "threadpool");
    CHECK_EQU(ops->flags, EXEC_BLOCKING_OK);
    CHECK(ops->last_error == NULL);
    texec_bad_arguments(ops, 4097);
    for (size_t k = 0; k < sizeof(workers) / sizeof(workers[0]); k++)
        texec_conservation(ops, workers[k], npieces, NULL);
    x = texec_make(ops, 3);
    texec_piece_errors(ops, x);
    ops->destroy(x);
    texec_concurrent_maps(ops, 4, 4); /* their pieces interleave in the FIFO */
    texec_cycles(ops, count_threads_settled);
    free(tpiece_runs);
    return check_report("test_threadpool");
}
