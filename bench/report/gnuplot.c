/*
 * gnuplot.c - running gnuplot on each chart's script, to draw its SVG.
 */
#include "report/report.h"

/* 1 if an executable named prog is in $PATH. */
static int in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    struct stat st;
    for (const char *p = path; p != NULL && *p != '\0';) {
        const char *colon = strchr(p, ':');
        int len = colon ? (int)(colon - p) : (int)strlen(p);
        if (snprintf(buf, sizeof(buf), "%.*s/%s", len, len ? p : ".", prog) < (int)sizeof(buf) &&
            stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return 1;
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* Runs gnuplot on charts/<base>.gp in charts/; sets c->drawn. 0 or -1. */
static int gnuplot_run(const struct report *rp, struct chart *c)
{
    char svg[PATH_MAX], script[sizeof(c->base) + 4];
    if (snprintf(svg, sizeof(svg), "%s/%s.svg", rp->charts_dir, c->base) >= (int)sizeof(svg) ||
        snprintf(script, sizeof(script), "%s.gp", c->base) >= (int)sizeof(script)) {
        fprintf(stderr, "wsreport: path too long: %s/%s.svg\n", rp->charts_dir, c->base);
        return -1;
    }
    if (unlink(svg) != 0 && errno != ENOENT) {
        fprintf(stderr, "wsreport: cannot replace %s: %s\n", svg, strerror(errno));
        return -1;
    }
    fflush(NULL); /* nothing buffered may be written twice by the child */
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "wsreport: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* stdout is the verdict table's: gnuplot's chatter goes to stderr. */
        if (chdir(rp->charts_dir) != 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "wsreport: waitpid: %s\n", strerror(errno));
            return -1;
        }
    struct stat st;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(svg, &st) == 0 && st.st_size > 0) {
        c->drawn = 1;
        return 0;
    }
    if (WIFEXITED(status))
        fprintf(stderr, "wsreport: gnuplot %s in %s exited with status %d; no SVG\n", script,
                rp->charts_dir, WEXITSTATUS(status));
    else
        fprintf(stderr, "wsreport: gnuplot %s in %s was killed by signal %d; no SVG\n", script,
                rp->charts_dir, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

void gnuplot_draw_all(struct report *rp)
{
    if (rp->draw != DRAW_YES)
        return;
    if (!in_path("gnuplot")) {
        fprintf(stderr,
                "wsreport: gnuplot not found in PATH: no SVG charts drawn; the gnuplot "
                "scripts are in %s\n",
                rp->charts_dir);
        rp->draw = DRAW_NO_GNUPLOT;
        return;
    }
    for (size_t i = 0; i < rp->ncharts; i++)
        if (gnuplot_run(rp, &rp->charts[i]) != 0)
            rp->draw_failures++;
}
