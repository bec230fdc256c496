/*
 * context.c - what a results directory records about its run besides the
 * numbers: context.txt (date, commit, compiler and flags, library versions,
 * the registries, the machine and its topology) and command.txt.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <hwloc.h>
#include <uv.h>

#include "core/core.h"
#include "exec/eventloop.h"
#include "workloads/grain/grain.h"

#ifndef WSBENCH_BUILD_FLAGS
#define WSBENCH_BUILD_FLAGS "unknown"
#endif
#ifndef WSBENCH_VERSIONS
#define WSBENCH_VERSIONS "unknown"
#endif

/* The registry's names, space-separated: executors (variants: 1, only those; 0, the others), or
 * workloads (variants < 0). */
void context_registry_names(char *out, size_t cap, int variants)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; variants >= 0 && exec_all[i] != NULL; i++)
        if (!(exec_all[i]->flags & EXEC_VARIANT) == !variants)
            len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s", len ? " " : "",
                                    exec_all[i]->name);
    for (size_t i = 0; variants < 0 && workload_all[i] != NULL; i++)
        len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s", len ? " " : "",
                                workload_all[i]->name);
}

/* ---- context ------------------------------------------------------------------------------- */

/* First line of a command's output, or "" (no shell metacharacters from users here). */
static void run_line(const char *cmd, char *out, size_t cap)
{
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    if (fgets(out, (int)cap, p) == NULL)
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
}

void context_git_commit(char *out, size_t cap)
{
    char dirty[8];
    run_line("git rev-parse --short=12 HEAD 2>/dev/null", out, cap);
    if (out[0] == '\0') {
        snprintf(out, cap, "unknown");
        return;
    }
    /* Dirty if any tracked file but results/ (runs land there) has changed. */
    run_line("git status --porcelain --untracked-files=no -- ':/' ':(top,exclude)results' "
             "2>/dev/null | head -c1",
             dirty, sizeof(dirty));
    if (dirty[0] != '\0')
        strncat(out, "-dirty", cap - strlen(out) - 1);
}

void context_default_out(char *out, size_t cap, const char *suffix)
{
    char commit[64], date[16];
    time_t now = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%d", localtime(&now));
    context_git_commit(commit, sizeof(commit));
    snprintf(out, cap, "results/%s_%s%s", date, commit, suffix);
}

static void cpu_model(char *out, size_t cap)
{
    char line[256];
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && c != NULL) {
            snprintf(out, cap, "%s", c + 2);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

/* The machine's topology as hwloc sees it, one line per level. */
static void topology_text(char *out, size_t cap)
{
    hwloc_topology_t t;
    size_t len = 0;
    out[0] = '\0';
    if (hwloc_topology_init(&t) != 0)
        return;
    if (hwloc_topology_load(t) == 0) {
        int depth = hwloc_topology_get_depth(t);
        for (int d = 0; d < depth && len + 64 < cap; d++) {
            hwloc_obj_t o = hwloc_get_obj_by_depth(t, d, 0);
            char type[64] = "";
            if (o != NULL)
                hwloc_obj_type_snprintf(type, sizeof(type), o, 1);
            int n = hwloc_get_nbobjs_by_depth(t, d);
            char attr[128] = "";
            if (o != NULL)
                hwloc_obj_attr_snprintf(attr, sizeof(attr), o, " ", 0);
            len += (size_t)snprintf(out + len, cap - len, "%s%d x %s%s%s%s", len ? "; " : "", n,
                                    type, attr[0] ? " (" : "", attr, attr[0] ? ")" : "");
        }
    }
    hwloc_topology_destroy(t);
}

static time_t g_started; /* when context_write() wrote the date */

static const char *g_dir; /* the results directory, once context_write() has it */

const char *context_dir(void)
{
    return g_dir;
}

int context_write(const char *dir, int argc, char **argv)
{
    g_dir = dir;
    char path[PATH_MAX], commit[64], model[256], topo[2048], date[32];
    struct utsname u;
    time_t now = g_started = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
    context_git_commit(commit, sizeof(commit));
    cpu_model(model, sizeof(model));
    topology_text(topo, sizeof(topo));
    uname(&u);
    snprintf(path, sizeof(path), "%s/context.txt", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    /* libuv's as loaded, not as compiled against; its pool as the event loops found it. */
    char versions[512];
    snprintf(versions, sizeof(versions), "%s, libuv %s (pool of %u threads)", WSBENCH_VERSIONS,
             uv_version_string(), exec_eventloop_pool_threads());
    fprintf(f, "date: %s\ngit_commit: %s\ncompiler: gcc %s\nbuild_flags: %s\nversions: %s\n", date,
            commit, __VERSION__, WSBENCH_BUILD_FLAGS, versions);
    fprintf(f, "kernel: %s %s %s\ncpu: %s\nonline_cpus: %ld\ntopology: %s\n", u.sysname, u.release,
            u.machine, model, sysconf(_SC_NPROCESSORS_ONLN), topo);
    char execs[512], variants[256], workloads[512];
    context_registry_names(execs, sizeof(execs), 0);
    context_registry_names(variants, sizeof(variants), 1);
    context_registry_names(workloads, sizeof(workloads), -1);
    fprintf(f, "executors: %s%s%s\nworkloads: %s\n", execs, variants[0] ? " " : "", variants,
            workloads);
    /* Measured now, once, so that every grain task of the run does the same iterations. */
    fprintf(f, "grain_kernel: %.4f iterations/ns (one LCG step each; calibrated at start)\n",
            grain_calibration());
    fclose(f);
    snprintf(path, sizeof(path), "%s/command.txt", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    for (int i = 0; i < argc; i++)
        fprintf(f, "%s%s", i ? " " : "", argv[i]);
    fprintf(f, "\n");
    fclose(f);
    bench_add_context("context_git_commit", commit);
    bench_add_context("build_flags", WSBENCH_BUILD_FLAGS);
    bench_add_context("versions", versions);
    bench_add_context("topology", topo);
    return 0;
}

/* Adds when the run finished and how long it took to dir's context.txt. */
void context_finish(const char *dir)
{
    char path[PATH_MAX], date[32];
    time_t now = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
    snprintf(path, sizeof(path), "%s/context.txt", dir);
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return;
    fprintf(f, "finished: %s\nwall_seconds: %lld\n", date, (long long)(now - g_started));
    fclose(f);
}

int context_mkdir_p(const char *dir)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(tmp, 0777) != 0 && errno != EEXIST ? -1 : 0;
}
