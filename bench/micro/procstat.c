/*
 * procstat.c - CPU time and resident memory of this process and its live
 * children, from /proc (procstat.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "micro/procstat.h"

size_t procstat_children(pid_t *pids, size_t cap)
{
    /* /proc/self/task/<tid>/children: each thread's children (Linux 3.5+,
     * CONFIG_PROC_CHILDREN); a pool may fork from any of its threads. */
    DIR *d = opendir("/proc/self/task");
    size_t n = 0;
    if (d == NULL)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char path[300];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        long pid;
        while (fscanf(f, "%ld", &pid) == 1)
            if (n < cap)
                pids[n++] = (pid_t)pid;
        fclose(f);
    }
    closedir(d);
    return n;
}

int64_t procstat_cpu_ns(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = '\0';
    /* Field 2, the command, is in parentheses and may hold spaces: count
     * from the last ')'. utime and stime are fields 14 and 15. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    unsigned long long ut, st;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    return (int64_t)((ut + st) * (1000000000ull / (unsigned long long)(hz > 0 ? hz : 100)));
}

int64_t procstat_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    int64_t kb = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtoll(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

#define PROCSTAT_MAX_CHILDREN 4096

int64_t procstat_tree_cpu_ns(void)
{
    struct timespec ts;
    pid_t pids[PROCSTAT_MAX_CHILDREN];
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    size_t n = procstat_children(pids, PROCSTAT_MAX_CHILDREN);
    for (size_t i = 0; i < n; i++) {
        int64_t c = procstat_cpu_ns(pids[i]);
        ns += c > 0 ? c : 0;
    }
    return ns;
}

int64_t procstat_tree_rss_kb(void)
{
    pid_t pids[PROCSTAT_MAX_CHILDREN];
    int64_t kb = procstat_rss_kb(getpid());
    size_t n = procstat_children(pids, PROCSTAT_MAX_CHILDREN);
    for (size_t i = 0; i < n; i++) {
        int64_t c = procstat_rss_kb(pids[i]);
        kb += c > 0 ? c : 0;
    }
    return kb;
}
