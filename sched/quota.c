/*
 * quota.c - the CFS quota of this process's cgroups (see quota.h).
 *
 * Which directory holds our cgroup: /proc/self/cgroup gives, per
 * hierarchy, the cgroup's path from the hierarchy's root ("0::/a/b" for
 * v2; "4:cpu,cpuacct:/a/b" for v1), and /proc/self/mountinfo where each
 * hierarchy is mounted and which of its directories the mount shows (its
 * root field: "/" normally, a subtree inside a container). The directory is
 * the mount point plus the path below that root. Where the path is not
 * below it (a cgroup namespace shows "/"), the mount point itself is ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quota.h"

#define WS__PATH_MAX 4096

struct ws__mount {
    char root[WS__PATH_MAX];
    char point[WS__PATH_MAX];
    int found;
};

/* Is tok one of the comma-separated words of list? */
static int ws__has_word(const char *list, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *p = list; p != NULL && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, tok, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* The cgroup2 mount and the v1 mount carrying the cpu controller. */
static void ws__find_mounts(const char *mountinfo, struct ws__mount *v2, struct ws__mount *v1)
{
    FILE *f = fopen(mountinfo, "re");
    char line[3 * WS__PATH_MAX];
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        /* id parent major:minor root point options [optional...] - fstype source superoptions */
        char root[WS__PATH_MAX], point[WS__PATH_MAX];
        char *dash = strstr(line, " - ");
        if (dash == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2)
            continue;
        char fstype[64], source[256], super[1024] = "";
        if (sscanf(dash + 3, "%63s %255s %1023s", fstype, source, super) < 2)
            continue;
        struct ws__mount *m = NULL;
        if (strcmp(fstype, "cgroup2") == 0)
            m = v2;
        else if (strcmp(fstype, "cgroup") == 0 && ws__has_word(super, "cpu"))
            m = v1;
        if (m != NULL && !m->found) {
            snprintf(m->root, sizeof(m->root), "%s", root);
            snprintf(m->point, sizeof(m->point), "%s", point);
            m->found = 1;
        }
    }
    fclose(f);
}

/* Our path in the v2 hierarchy and in the v1 cpu one ("" if absent). */
static void ws__find_paths(const char *cgroup, char *v2, char *v1)
{
    FILE *f = fopen(cgroup, "re");
    char line[WS__PATH_MAX + 256];
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c1 = *c2 = '\0';
        const char *ctrl = c1 + 1, *path = c2 + 1;
        if (strcmp(line, "0") == 0 && *ctrl == '\0')
            snprintf(v2, WS__PATH_MAX, "%s", path);
        else if (ws__has_word(ctrl, "cpu"))
            snprintf(v1, WS__PATH_MAX, "%s", path);
    }
    fclose(f);
}

/* Two numbers from a file ("max 100000" gives q = -1): their count read. */
static int ws__read_pair(const char *path, long long *a, long long *b)
{
    FILE *f = fopen(path, "re");
    char word[32];
    int n = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%31s", word) == 1) {
        char *end;
        *a = strcmp(word, "max") == 0 ? -1 : strtoll(word, &end, 10);
        if (strcmp(word, "max") == 0 || (*end == '\0' && end != word))
            n = 1 + (fscanf(f, "%lld", b) == 1);
    }
    fclose(f);
    return n;
}

static long long ws__read_one(const char *path)
{
    long long a = -1, b;
    return ws__read_pair(path, &a, &b) >= 1 ? a : -1;
}

/* The quota of directory dir in CPUs, or 0. */
static double ws__quota_in(const char *dir, int v2)
{
    char path[2 * WS__PATH_MAX + 32];
    long long q = -1, period = 0;
    if (v2) {
        snprintf(path, sizeof(path), "%s/cpu.max", dir);
        if (ws__read_pair(path, &q, &period) != 2)
            return 0;
    } else {
        snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
        q = ws__read_one(path);
        snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
        period = ws__read_one(path);
    }
    return q > 0 && period > 0 ? (double)q / (double)period : 0;
}

/* The smallest quota from our directory up to the mount point. */
static double ws__quota_up(const struct ws__mount *m, const char *cgpath, int v2)
{
    char dir[2 * WS__PATH_MAX];
    size_t rl = strlen(m->root);
    const char *below = cgpath;
    if (strcmp(m->root, "/") != 0) {
        if (strncmp(cgpath, m->root, rl) == 0 && (cgpath[rl] == '/' || cgpath[rl] == '\0'))
            below = cgpath + rl;
        else
            below = ""; /* not below the mount's root: the mount point is ours */
    }
    snprintf(dir, sizeof(dir), "%s%s", m->point, strcmp(below, "/") == 0 ? "" : below);
    size_t floor = strlen(m->point);
    double best = 0;
    for (;;) {
        double q = ws__quota_in(dir, v2);
        if (q > 0 && (best == 0 || q < best))
            best = q;
        char *slash = strrchr(dir, '/');
        if (strlen(dir) <= floor || slash == NULL || (size_t)(slash - dir) < floor)
            break;
        *slash = '\0';
    }
    return best;
}

double ws__cpu_quota_from(const char *cgroup_file, const char *mountinfo_file)
{
    struct ws__mount v2 = {0}, v1 = {0};
    char p2[WS__PATH_MAX] = "", p1[WS__PATH_MAX] = "";
    double best = 0;
    ws__find_mounts(mountinfo_file, &v2, &v1);
    ws__find_paths(cgroup_file, p2, p1);
    double q2 = v2.found && p2[0] ? ws__quota_up(&v2, p2, 1) : 0;
    double q1 = v1.found && p1[0] ? ws__quota_up(&v1, p1, 0) : 0;
    best = q2;
    if (q1 > 0 && (best == 0 || q1 < best))
        best = q1;
    return best;
}

double ws__cpu_quota(void)
{
    return ws__cpu_quota_from("/proc/self/cgroup", "/proc/self/mountinfo");
}
