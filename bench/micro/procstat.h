/*
 * procstat.h - what a process and its live children cost, read from /proc:
 * CPU time and resident memory. getrusage(RUSAGE_CHILDREN) counts only
 * children that have been waited for, so a pool's live worker processes are
 * read one by one from /proc/<pid>/stat and /proc/<pid>/status.
 */
#ifndef WSBENCH_MICRO_PROCSTAT_H
#define WSBENCH_MICRO_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The live children of this process (every thread's), at most cap: their count. */
size_t procstat_children(pid_t *pids, size_t cap);

/* User + system CPU time of process pid (all its threads), in ns; -1 if it cannot be read. */
int64_t procstat_cpu_ns(pid_t pid);

/* VmRSS of process pid, in KiB; -1 if it cannot be read. */
int64_t procstat_rss_kb(pid_t pid);

/* This process's CPU time and its live children's, in ns (a child that
 * cannot be read, having just exited, counts 0). */
int64_t procstat_tree_cpu_ns(void);

/* This process's resident set and its live children's, summed, in KiB. */
int64_t procstat_tree_rss_kb(void);

#endif /* WSBENCH_MICRO_PROCSTAT_H */
