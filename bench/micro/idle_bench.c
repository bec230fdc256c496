/*
 * idle_bench.c - the idle and memory micro-benchmarks as wsbench runs them:
 * wsbench-idle (micro/idle.c) once per model, in a process of its own, and
 * its lines gathered into <results>/idle.csv and memory.csv for the report.
 *
 * idle: each model's process does its burst and post-burst window alone (a
 * spinning pool's CPU is then its own), then waits; once all have, they
 * measure their steady window together (idle pools do not compete for the
 * cores; a pool that never sleeps would slow the others' wake-ups, and its
 * own line shows it). Per model: 0.1 s burst + 2 s + 40 x ~6 ms wake-ups
 * + its start, ~2.4 s; 9 models ~22 s, plus the shared 0.5 + 2 s steady
 * window: ~24.5 s (measured: 26 s with 0.5 s more of burst and settling).
 * memory: one model after another, each about a second (idle.c's plans).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "micro/idle_bench.h"

/* The models of issue 12 (serial has no pool). */
static const char *const idle_models[] = {
    "threadpool", "procpool",  "stealing",        "stealing-async",    "openmp",
    "tbb",        "eventloop", "eventloop-cores", "eventloop-offload",
};
#define NMODELS (sizeof(idle_models) / sizeof(idle_models[0]))

struct child {
    pid_t pid;
    FILE *out; /* its stdout */
    FILE *in;  /* its stdin */
    char line[512];
};

/* wsbench-idle beside this program. */
static int idle_exe(char *exe, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", exe, cap - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (slash == NULL || snprintf(slash + 1, cap - (size_t)(slash + 1 - exe), "wsbench-idle") >=
                             (int)(cap - (size_t)(slash + 1 - exe)))
        return -ENAMETOOLONG;
    return access(exe, X_OK) == 0 ? 0 : -errno;
}

static int child_start(struct child *c, const char *exe, const char *mode, const char *model,
                       const char *workers)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -errno;
    if (pipe2(out, O_CLOEXEC) != 0) {
        int e = -errno;
        close(in[0]);
        close(in[1]);
        return e;
    }
    fflush(NULL);
    c->pid = fork();
    if (c->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execl(exe, exe, mode, model, workers, (char *)NULL);
        _exit(127);
    }
    int e = c->pid < 0 ? -errno : 0;
    close(in[0]);
    close(out[1]);
    c->in = e ? NULL : fdopen(in[1], "w");
    c->out = e ? NULL : fdopen(out[0], "r");
    if (e || c->in == NULL || c->out == NULL) {
        if (c->in == NULL)
            close(in[1]);
        if (c->out == NULL)
            close(out[0]);
        return e ? e : -ENOMEM;
    }
    return 0;
}

/* The child's next line into c->line; "" at its end. */
static void child_line(struct child *c)
{
    if (c->out == NULL || fgets(c->line, sizeof(c->line), c->out) == NULL)
        c->line[0] = '\0';
    c->line[strcspn(c->line, "\n")] = '\0';
}

/* Waits for it; why it failed, or "" (into why). */
static void child_end(struct child *c, char *why, size_t cap)
{
    int st = 0;
    if (c->in)
        fclose(c->in);
    if (c->out)
        fclose(c->out);
    c->in = c->out = NULL;
    if (c->pid > 0 && waitpid(c->pid, &st, 0) == c->pid &&
        !(WIFEXITED(st) && WEXITSTATUS(st) == 0) && why[0] == '\0')
        snprintf(why, cap, "wsbench-idle %s", WIFSIGNALED(st) ? "was killed" : "failed");
}

/* A field of a CSV line must not hold a comma or a newline: the readers split on them. */
static void csv_safe(char *s)
{
    for (; *s; s++)
        if (*s == ',' || *s == '\n' || *s == '\r')
            *s = ';';
}

static FILE *csv_open(const char *name, const char *header)
{
    const char *dir = context_dir();
    char path[PATH_MAX];
    if (dir == NULL)
        return stderr; /* --out -: the lines go to the terminal */
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f != NULL)
        fprintf(f, "%s\n", header);
    return f;
}

static void csv_close(FILE *f)
{
    if (f != stderr)
        fclose(f);
}

static void bm_idle(bench_state *s, void *user)
{
    char exe[PATH_MAX], workers[24];
    (void)user;
    int e = idle_exe(exe, sizeof(exe));
    if (e != 0) {
        bench_skip_with_error(s, "wsbench-idle is not beside wsbench");
        return;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(workers, sizeof(workers), "%ld", ncpu > 0 ? ncpu : 1);
    while (bench_keep_running(s)) {
        struct child c[NMODELS];
        char err[NMODELS][256], burst[NMODELS][512];
        memset(c, 0, sizeof(c));
        for (size_t i = 0; i < NMODELS; i++) {
            err[i][0] = burst[i][0] = '\0';
            if ((e = child_start(&c[i], exe, "idle", idle_models[i], workers)) != 0) {
                snprintf(err[i], sizeof(err[i]), "cannot run wsbench-idle: %s", strerror(-e));
                continue;
            }
            child_line(&c[i]); /* its burst and window: alone */
            snprintf(burst[i], sizeof(burst[i]), "%s", c[i].line);
        }
        for (size_t i = 0; i < NMODELS; i++)
            if (c[i].in != NULL && strncmp(burst[i], "burst ", 6) == 0) {
                fputs("go\n", c[i].in);
                fflush(c[i].in);
            }
        FILE *f = csv_open("idle.csv", "executor,workers,window_s,after_burst_cpu_s,steady_cpu_s,"
                                       "wake_p50_ns,wake_p99_ns,wake_samples,error");
        for (size_t i = 0; i < NMODELS; i++) {
            unsigned w = 0;
            double cpu = 0, win = 0, steady = 0, win2 = 0, p50 = 0, p99 = 0;
            int n = 0;
            if (strncmp(burst[i], "burst ", 6) == 0) {
                child_line(&c[i]);
                if (sscanf(burst[i] + 6, "%u %lf %lf %lf %lf %d", &w, &cpu, &win, &p50, &p99, &n) !=
                        6 ||
                    sscanf(c[i].line, "steady %lf %lf", &steady, &win2) != 2)
                    snprintf(err[i], sizeof(err[i]), "%.200s",
                             c[i].line[0] ? c[i].line : "no steady line");
            } else if (err[i][0] == '\0') {
                snprintf(err[i], sizeof(err[i]), "%.200s", burst[i][0] ? burst[i] : "no output");
            }
            child_end(&c[i], err[i], sizeof(err[i]));
            csv_safe(err[i]);
            /* steady_cpu_s: over a window of window_s, as the first (both are
             * 2 s, give or take a sleep's lateness). */
            if (f != NULL)
                fprintf(f, "%s,%u,%.6f,%.6f,%.6f,%.0f,%.0f,%d,%s\n", idle_models[i], w, win, cpu,
                        steady * (win2 > 0 ? win / win2 : 1), p50, p99, n, err[i]);
        }
        if (f != NULL)
            csv_close(f);
    }
}

static void bm_memory(bench_state *s, void *user)
{
    char exe[PATH_MAX];
    (void)user;
    if (idle_exe(exe, sizeof(exe)) != 0) {
        bench_skip_with_error(s, "wsbench-idle is not beside wsbench");
        return;
    }
    while (bench_keep_running(s)) {
        FILE *f = csv_open("memory.csv", "executor,workers,tasks,base_kb,peak_kb,bytes_per_task,"
                                         "outstanding,error");
        for (size_t i = 0; i < NMODELS; i++) {
            struct child c;
            char err[256] = "", how[256] = "";
            unsigned w = 0;
            long tasks = 0;
            double base = 0, peak = 0;
            int used = 0, e = child_start(&c, exe, "memory", idle_models[i], NULL);
            if (e != 0) {
                snprintf(err, sizeof(err), "cannot run wsbench-idle: %s", strerror(-e));
            } else {
                fclose(c.in); /* it reads nothing */
                c.in = NULL;
                child_line(&c);
                if (sscanf(c.line, "memory %u %ld %lf %lf %n", &w, &tasks, &base, &peak, &used) <
                        4 ||
                    used == 0)
                    snprintf(err, sizeof(err), "%.200s", c.line[0] ? c.line : "no output");
                else
                    snprintf(how, sizeof(how), "%.200s", c.line + used);
                child_end(&c, err, sizeof(err));
            }
            csv_safe(err);
            csv_safe(how);
            double per = tasks > 0 && peak > base ? (peak - base) * 1024 / (double)tasks : 0;
            if (f != NULL)
                fprintf(f, "%s,%u,%ld,%.0f,%.0f,%.0f,%s,%s\n", idle_models[i], w, tasks, base, peak,
                        per, how, err);
        }
        if (f != NULL)
            csv_close(f);
    }
}

static const struct bench_def idle_table[] = {
    {.name = "idle/all", .fn = bm_idle, .iterations = 1, .repetitions = 1},
    {.name = "memory/all/tasks:10000", .fn = bm_memory, .iterations = 1, .repetitions = 1},
};

const struct bench_def *idle_defs(size_t *n)
{
    *n = sizeof(idle_table) / sizeof(idle_table[0]);
    return idle_table;
}
