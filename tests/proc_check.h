/*
 * proc_check.h - counts of this process's descriptors and threads, for
 * tests that check a create/destroy cycle leaks neither.
 */
#ifndef WS_PROC_CHECK_H
#define WS_PROC_CHECK_H

#include <dirent.h>
#include <stddef.h>
#include <unistd.h>

#include "check.h"

static inline size_t tdir_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    size_t n = 0;

    REQUIRE(d != NULL);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Open descriptors (not counting the one that reads /proc/self/fd). */
static inline size_t count_fds(void)
{
    return tdir_entries("/proc/self/fd") - 1;
}

static inline size_t count_threads_now(void)
{
    return tdir_entries("/proc/self/task");
}

/*
 * Threads, once the joined ones are gone: the kernel wakes pthread_join()
 * before it removes the thread from /proc/self/task, so a count just after
 * a join may still see it. Waits (up to ~10 s) for the count to drop to
 * `want`; returns what it is then. For the same reason a count taken
 * before a case may still hold a thread an earlier case joined, so "no
 * thread left behind" is count_threads_settled(before) <= before: a CI run
 * of test_workloads once saw 5 after against 6 before.
 */
static inline size_t count_threads_settled(size_t want)
{
    size_t n = count_threads_now();

    for (int k = 0; k < 10000 && n > want; k++) {
        usleep(1000);
        n = count_threads_now();
    }
    return n;
}

#endif /* WS_PROC_CHECK_H */
