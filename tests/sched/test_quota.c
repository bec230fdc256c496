/*
 * test_quota.c - the default worker count under a CFS quota.
 *
 * 1. ws__cpu_quota_from() over synthetic cgroup trees in a temporary
 *    directory: cgroup v2 (cpu.max) and v1 (cpu.cfs_quota_us and
 *    cpu.cfs_period_us), a parent's limit binding its child, both
 *    hierarchies at once, a mount showing a subtree (a container's), a
 *    path outside the mount's root (a cgroup namespace), "max", -1,
 *    garbage and missing files (no quota, no error).
 * 2. A real cgroup made for the test, where the machine lets us (root,
 *    a writable cgroup v1 cpu hierarchy, or v2 with the cpu controller
 *    available): a child process joins it with a quota of 1 and then 1.5
 *    CPUs, and a pool created with the defaults there has
 *    min(cores, ceil(quota)) workers and reports the quota. Where no
 *    cgroup can be made, the test says why and exits 77 (skipped), never
 *    passing silently.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "quota.h"
#include <wsched.h>

static char g_tmp[256];

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", g_tmp, rel);
    /* Make every directory on the way. */
    for (char *p = path + strlen(g_tmp) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* Writes mountinfo and cgroup from templates whose "@" stands for g_tmp. */
static double quota_of(const char *mountinfo, const char *cgroup)
{
    char mi[2048] = "", cg[1024], pmi[512], pcg[512];
    size_t o = 0;
    for (const char *s = mountinfo; *s && o + 256 < sizeof(mi); s++)
        o += *s == '@' ? (size_t)snprintf(mi + o, sizeof(mi) - o, "%s", g_tmp)
                       : (size_t)snprintf(mi + o, sizeof(mi) - o, "%c", *s);
    snprintf(cg, sizeof(cg), "%s", cgroup);
    put("mountinfo", mi);
    put("cgroup", cg);
    snprintf(pmi, sizeof(pmi), "%s/mountinfo", g_tmp);
    snprintf(pcg, sizeof(pcg), "%s/cgroup", g_tmp);
    return ws__cpu_quota_from(pcg, pmi);
}

#define CHECK_QUOTA(got, want)                                                                     \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (g_ < w_ - 1e-9 || g_ > w_ + 1e-9)                                                      \
            CHECK_FAIL_("quota %s: %g, expected %g", #got, g_, w_);                                \
    } while (0)

static const char *MI_BOTH =
    "30 20 0:26 / @/cg2 rw,nosuid - cgroup2 cgroup2 rw\n"
    "31 20 0:27 / @/cpu rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "32 20 0:28 / @/mem rw - cgroup cgroup rw,memory\n";

static void synthetic(void)
{
    snprintf(g_tmp, sizeof(g_tmp), "/tmp/wsched-quota-XXXXXX");
    REQUIRE(mkdtemp(g_tmp) != NULL);

    /* v2: the child says max, its parent 1.5 CPUs: the parent binds. */
    put("cg2/a/b/cpu.max", "max 100000\n");
    put("cg2/a/cpu.max", "150000 100000\n");
    CHECK_QUOTA(quota_of(MI_BOTH, "0::/a/b\n"), 1.5);
    /* v1 as well, looser (3 CPUs): the smaller wins; tighter (0.5): it wins. */
    put("cpu/x/cpu.cfs_quota_us", "-1\n");
    put("cpu/x/cpu.cfs_period_us", "100000\n");
    put("cpu/cpu.cfs_quota_us", "300000\n");
    put("cpu/cpu.cfs_period_us", "100000\n");
    CHECK_QUOTA(quota_of(MI_BOTH, "4:cpu,cpuacct:/x\n0::/a/b\n"), 1.5);
    put("cpu/x/cpu.cfs_quota_us", "50000\n");
    CHECK_QUOTA(quota_of(MI_BOTH, "4:cpu,cpuacct:/x\n0::/a/b\n"), 0.5);
    /* The memory hierarchy is not the cpu one. */
    put("mem/x/cpu.cfs_quota_us", "10000\n");
    put("mem/x/cpu.cfs_period_us", "100000\n");
    CHECK_QUOTA(quota_of(MI_BOTH, "5:memory:/x\n"), 0);
    /* No quota anywhere: max, -1. */
    put("cg2/n/cpu.max", "max 100000\n");
    CHECK_QUOTA(quota_of(MI_BOTH, "0::/n\n"), 0);
    /* Garbage and missing files: no quota. */
    put("cg2/g/cpu.max", "banana\n");
    CHECK_QUOTA(quota_of(MI_BOTH, "0::/g\n"), 0);
    put("cg2/h/cpu.max", "\n");
    CHECK_QUOTA(quota_of(MI_BOTH, "0::/h\n"), 0);
    CHECK_QUOTA(quota_of(MI_BOTH, "0::/missing/deep\n"), 0);
    CHECK_QUOTA(quota_of("", "0::/a/b\n"), 0);
    CHECK_QUOTA(quota_of(MI_BOTH, ""), 0);
    /* A container's mount shows a subtree: its root field maps our path. */
    put("pod/c/cpu.max", "250000 100000\n");
    CHECK_QUOTA(
        quota_of("40 20 0:30 /kube/pod @/pod rw - cgroup2 cgroup2 rw\n", "0::/kube/pod/c\n"), 2.5);
    /* A cgroup namespace shows "/": the mount point is our cgroup. */
    put("pod/cpu.max", "120000 100000\n");
    CHECK_QUOTA(quota_of("40 20 0:30 /kube/pod @/pod rw - cgroup2 cgroup2 rw\n", "0::/\n"), 1.2);
    /* v1 with cpu on its own, a combined line with other words. */
    put("cpu1/y/cpu.cfs_quota_us", "200000\n");
    put("cpu1/y/cpu.cfs_period_us", "50000\n");
    CHECK_QUOTA(quota_of("31 20 0:27 / @/cpu1 rw - cgroup cgroup rw,cpu\n", "1:cpu:/y\n"), 4);
    CHECK_QUOTA(quota_of("31 20 0:27 / @/cpu1 rw - cgroup cgroup rw,cpuset\n", "1:cpuset:/y\n"), 0);

    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
    CHECK_EQ(system(cmd), 0);
}

/* ---- a real cgroup ------------------------------------------------------------------------ */

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int e = n == (ssize_t)strlen(text) ? 0 : -errno;
    close(fd);
    return e;
}

/* Where a new cgroup with a quota can be made: dir to create, v2 or not. */
static int find_hierarchy(char *dir, size_t len, int *v2)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096], v1point[1024] = "", v2point[1024] = "";
    if (f == NULL)
        return -errno;
    while (fgets(line, sizeof(line), f) != NULL) {
        char root[1024], point[1024], fstype[64], super[512] = "";
        char *dash = strstr(line, " - ");
        if (dash == NULL || sscanf(line, "%*s %*s %*s %1023s %1023s", root, point) != 2 ||
            sscanf(dash + 3, "%63s %*s %511s", fstype, super) < 1 || strcmp(root, "/") != 0)
            continue;
        if (strcmp(fstype, "cgroup2") == 0 && !v2point[0])
            snprintf(v2point, sizeof(v2point), "%s", point);
        char *save = NULL;
        for (char *w = strtok_r(super, ",\n", &save); strcmp(fstype, "cgroup") == 0 && w != NULL;
             w = strtok_r(NULL, ",\n", &save))
            if (strcmp(w, "cpu") == 0)
                snprintf(v1point, sizeof(v1point), "%s", point);
    }
    fclose(f);
    char probe[1100];
    if (v1point[0]) {
        snprintf(probe, sizeof(probe), "%s/cpu.cfs_quota_us", v1point);
        if (access(probe, R_OK) == 0) {
            snprintf(dir, len, "%s/wsched-test-quota-%d", v1point, (int)getpid());
            *v2 = 0;
            return 0;
        }
    }
    if (v2point[0]) {
        /* A child of the root may take the cpu controller if the root offers it. */
        snprintf(probe, sizeof(probe), "%s/cgroup.subtree_control", v2point);
        if (write_file(probe, "+cpu") == 0) {
            snprintf(dir, len, "%s/wsched-test-quota-%d", v2point, (int)getpid());
            *v2 = 1;
            return 0;
        }
    }
    return -ENOENT;
}

/* In a child that has joined the cgroup: a default pool's workers and quota. */
static int child_pool(const char *dir, unsigned *workers, double *seen)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char path[1200], me[32];
        struct ws_pool_info info = {0};
        ws_pool *pool = NULL;
        close(p[0]);
        snprintf(me, sizeof(me), "%d", (int)getpid());
        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        if (write_file(path, me) != 0)
            _exit(3);
        if (ws_pool_create(&pool, NULL) != 0 || ws_pool_info(pool, &info) != 0)
            _exit(4);
        ws_pool_destroy(pool);
        if (write(p[1], &info, sizeof(info)) != (ssize_t)sizeof(info))
            _exit(5);
        _exit(0);
    }
    close(p[1]);
    struct ws_pool_info info;
    ssize_t n = read(p[0], &info, sizeof(info));
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    if (n != (ssize_t)sizeof(info) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "test_quota: the child in %s failed (status %d)\n", dir,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    *workers = info.workers;
    *seen = info.cpu_quota;
    return 0;
}

static int set_quota(const char *dir, int v2, long quota, long period)
{
    char path[1200], text[64];
    if (v2) {
        snprintf(path, sizeof(path), "%s/cpu.max", dir);
        snprintf(text, sizeof(text), "%ld %ld", quota, period);
        return write_file(path, text);
    }
    snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
    snprintf(text, sizeof(text), "%ld", period);
    int e = write_file(path, text);
    snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
    snprintf(text, sizeof(text), "%ld", quota);
    return e != 0 ? e : write_file(path, text);
}

/* 0 if run, 77 if the machine does not let us make a cgroup. */
static int live(void)
{
    char dir[1100];
    int v2 = 0;
    if (find_hierarchy(dir, sizeof(dir), &v2) != 0 || mkdir(dir, 0755) != 0) {
        printf("test_quota: SKIP the live part: no cgroup hierarchy with the cpu controller "
               "that this process may create a cgroup in (%s)\n",
               strerror(errno));
        return 77;
    }
    ws_pool *p = NULL;
    REQUIRE(ws_pool_create(&p, NULL) == 0);
    unsigned cores = ws_pool_workers(p); /* the default outside any quota */
    ws_pool_destroy(p);
    int rc = 0;
    const struct {
        long quota, period;
        double cpus;
        unsigned cap;
    } cases[] = {{100000, 100000, 1.0, 1}, {150000, 100000, 1.5, 2}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned workers = 0;
        double seen = 0;
        if (set_quota(dir, v2, cases[i].quota, cases[i].period) != 0) {
            printf("test_quota: SKIP the live part: cannot set a quota in %s (%s)\n", dir,
                   strerror(errno));
            rc = 77;
            break;
        }
        if (child_pool(dir, &workers, &seen) != 0) {
            CHECK_FAIL_("%s", "the pool in the cgroup could not be made");
            continue;
        }
        unsigned want = cores < cases[i].cap ? cores : cases[i].cap;
        CHECK_EQ(workers, want);
        CHECK_QUOTA(seen, cases[i].cpus);
        printf("test_quota: %s quota %.2f CPUs (%s): %u workers of %u cores\n",
               v2 ? "cgroup v2" : "cgroup v1", seen, dir, workers, cores);
    }
    if (rmdir(dir) != 0)
        CHECK_FAIL_("rmdir %s: %s", dir, strerror(errno));
    return rc;
}

int main(void)
{
    synthetic();
    int rc = live();
    int r = check_report("test_quota");
    return r != 0 ? r : rc;
}
