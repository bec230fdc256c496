/*
 * submit.c (wsbench-submit) - the entry path under load: outside threads
 * submitting to a pool at once. Uses only <wsched.h>, so the same file
 * builds against an older libwsched (scripts/compare-entry.sh runs both
 * side by side).
 *
 * Two measurements:
 *
 *   latency   T threads (--threads, e.g. 1,2,8,32) each make --per calls of
 *             one form (--forms: submit = ws_submit of a detached job,
 *             post = ws_post of a caller-owned task, where the library has
 *             it) to a pool of --workers, all released at once. Each call
 *             is timed alone: p50, p99, p99.9 and max of single-call
 *             latency; throughput is the frames run per second from the
 *             release to the last frame's end. Repeated --reps times,
 *             interleaved; the median of the repetitions is reported, with
 *             the range.
 *   storms    --storms times: a fresh pool of --workers, 16 threads x 5000
 *             detached ws_submit calls (the submit_storm 16 5000 2
 *             shape), wait for all to run, destroy. The duration of each
 *             storm: median, max, and how many took over 1 s.
 *
 * Every run (a latency repetition, a storm) is a child process: one that
 * outlasts --limit seconds (60) is killed and reported as such (its
 * threads may be stuck in the library), and the others go on; the exit
 * status is then 3.
 *
 * Output: a table on stdout, and with --csv FILE one line per result:
 *   lib,measure,form,threads,workers,stat,value
 * (lib is --label, e.g. the commit).
 *
 * usage: wsbench-submit [--label L] [--threads 1,2,8,32] [--per N]
 *        [--workers N] [--forms submit,post] [--reps N] [--storms N]
 *        [--limit S] [--csv FILE]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wsched.h>

/* ws_post arrived with libwsched 0.2. */
#if WS_VERSION_MAJOR > 0 || WS_VERSION_MINOR >= 2
#define HAVE_POST 1
#else
#define HAVE_POST 0
#endif

enum form { FORM_SUBMIT, FORM_POST };
static const char *const form_names[] = {"submit", "post"};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "wsbench-submit: %s: %s\n", what, ws_strerror(err));
    exit(1);
}

/* ---- what the frames do: count themselves ------------------------------ */

static _Atomic uint64_t g_ran;
static _Atomic uint64_t g_last_ns; /* when the last frame ran */
static uint64_t g_want;

static void count_one(void)
{
    /* relaxed: a tally; the main thread polls it and then reads g_last_ns. */
    if (atomic_fetch_add_explicit(&g_ran, 1, memory_order_relaxed) + 1 == g_want)
        atomic_store_explicit(&g_last_ns, now_ns(), memory_order_release);
}

static void job_fn(ws_worker *w, ws_head h, void *arg)
{
    (void)w;
    (void)h;
    (void)arg;
    count_one();
}

#if HAVE_POST
static void post_fn(ws_worker *w, ws_head h, ws_task *t)
{
    (void)w;
    (void)h;
    (void)t;
    count_one();
}
#endif

/* ---- one latency run ---------------------------------------------------- */

struct thread_arg {
    ws_pool *pool;
    enum form form;
    long per;
    pthread_barrier_t *start;
    uint64_t *lat; /* per entries */
    ws_task *tasks;
    uint64_t t_start; /* when it began submitting */
};

static void *submitter(void *p)
{
    struct thread_arg *a = p;
    pthread_barrier_wait(a->start);
    a->t_start = now_ns();
    for (long i = 0; i < a->per; i++) {
        uint64_t t0 = now_ns();
        int err;
#if HAVE_POST
        if (a->form == FORM_POST)
            err = ws_post(a->pool, &a->tasks[i], post_fn);
        else
#endif
            err = ws_submit(a->pool, NULL, job_fn, NULL);
        a->lat[i] = now_ns() - t0;
        if (err != 0)
            die("submit", err);
    }
    return NULL;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static uint64_t pct(const uint64_t *sorted, size_t n, double q)
{
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

struct lat_result {
    double p50, p99, p999, max, rate;
};

static struct lat_result latency_run(unsigned workers, unsigned threads, long per, enum form form)
{
    struct ws_config cfg = WS_CONFIG_INIT;
    cfg.workers = workers;
    ws_pool *pool;
    int err = ws_pool_create(&pool, &cfg);
    if (err != 0)
        die("ws_pool_create", err);
    size_t n = (size_t)threads * (size_t)per;
    uint64_t *lat = malloc(n * sizeof(*lat));
    ws_task *tasks = calloc(n, sizeof(*tasks));
    pthread_t *th = malloc(threads * sizeof(*th));
    struct thread_arg *args = malloc(threads * sizeof(*args));
    if (lat == NULL || tasks == NULL || th == NULL || args == NULL)
        die("memory", -ENOMEM);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, threads + 1);
    atomic_store(&g_ran, 0);
    atomic_store(&g_last_ns, 0);
    g_want = n;
    for (unsigned i = 0; i < threads; i++) {
        args[i] = (struct thread_arg){
            pool, form, per, &start, lat + (size_t)i * (size_t)per, tasks + (size_t)i * (size_t)per,
            0};
        if (pthread_create(&th[i], NULL, submitter, &args[i]) != 0)
            die("pthread_create", -EAGAIN);
    }
    pthread_barrier_wait(&start);
    uint64_t t0 = UINT64_MAX;
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        t0 = args[i].t_start < t0 ? args[i].t_start : t0;
    }
    uint64_t t1;
    /* acquire: pairs with the release in count_one(), which the last
     * frame stores after its count. */
    while ((t1 = atomic_load_explicit(&g_last_ns, memory_order_acquire)) == 0) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    ws_pool_destroy(pool);
    qsort(lat, n, sizeof(*lat), cmp_u64);
    struct lat_result r = {(double)pct(lat, n, 0.50), (double)pct(lat, n, 0.99),
                           (double)pct(lat, n, 0.999), (double)lat[n - 1],
                           (double)n / ((double)(t1 - t0) * 1e-9)};
    pthread_barrier_destroy(&start);
    free(lat);
    free(tasks);
    free(th);
    free(args);
    return r;
}

/* ---- storms -------------------------------------------------------------- */

static double storm_run(unsigned workers)
{
    enum { THREADS = 16, PER = 5000 };
    uint64_t t0 = now_ns();
    struct lat_result r = latency_run(workers, THREADS, PER, FORM_SUBMIT);
    (void)r;
    return (double)(now_ns() - t0) * 1e-9;
}

/* ---- each measurement in a child, with a time limit ---------------------- */

/*
 * A run that stalls cannot be stopped from inside (its threads may be stuck
 * in the library), so each one runs in a child process: the parent waits up
 * to `limit` seconds for its result, then kills it and reports the run as
 * timed out. The parent has no threads when it forks.
 */
struct child_result {
    int ok;
    struct lat_result lat;
    double storm_s;
};

static struct child_result in_child(int limit, unsigned workers, unsigned threads, long per,
                                    enum form form, int storm)
{
    struct child_result res = {0};
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe", -errno);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die("fork", -errno);
    if (pid == 0) {
        close(fds[0]);
        struct child_result r = {.ok = 1};
        if (storm)
            r.storm_s = storm_run(workers);
        else
            r.lat = latency_run(workers, threads, per, form);
        ssize_t w = write(fds[1], &r, sizeof(r));
        _exit(w == (ssize_t)sizeof(r) ? 0 : 1);
    }
    close(fds[1]);
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    int n = poll(&pfd, 1, limit * 1000);
    if (n == 1 && read(fds[0], &res, sizeof(res)) != (ssize_t)sizeof(res))
        res.ok = 0;
    if (n != 1)
        kill(pid, SIGKILL);
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return res;
}

/* ---- the command line ---------------------------------------------------- */

static int parse_list(const char *s, unsigned *out, int max)
{
    int n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL && n < max;
         tok = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(tok, &end, 10);
        if (*end != '\0' || v < 1 || v > 4096) {
            free(copy);
            return -1;
        }
        out[n++] = (unsigned)v;
    }
    free(copy);
    return n;
}

static void usage(void)
{
    fprintf(stderr, "usage: wsbench-submit [--label L] [--threads 1,2,8,32] [--per N] "
                    "[--workers N] [--forms submit,post] [--reps N] [--storms N] "
                    "[--limit S] [--csv FILE]\n");
    exit(2);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    const char *label = "this", *csv_path = NULL;
    unsigned threads[16] = {1, 2, 8, 32}, workers = 2;
    int nthreads = 4, reps = 5, storms = 100, limit = 60, forms[2] = {1, HAVE_POST};
    int timed_out = 0;
    long per = 20000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            usage();
        if (strcmp(a, "--label") == 0)
            label = v;
        else if (strcmp(a, "--csv") == 0)
            csv_path = v;
        else if (strcmp(a, "--threads") == 0) {
            if ((nthreads = parse_list(v, threads, 16)) <= 0)
                usage();
        } else if (strcmp(a, "--per") == 0) {
            if ((per = atol(v)) < 1 || per > 10000000)
                usage();
        } else if (strcmp(a, "--workers") == 0) {
            if (parse_list(v, &workers, 1) != 1)
                usage();
        } else if (strcmp(a, "--reps") == 0) {
            if ((reps = atoi(v)) < 1 || reps > 1000)
                usage();
        } else if (strcmp(a, "--limit") == 0) {
            if ((limit = atoi(v)) < 1 || limit > 3600)
                usage();
        } else if (strcmp(a, "--storms") == 0) {
            if ((storms = atoi(v)) < 0 || storms > 100000)
                usage();
        } else if (strcmp(a, "--forms") == 0) {
            forms[0] = strstr(v, "submit") != NULL;
            forms[1] = strstr(v, "post") != NULL;
            if (forms[1] && !HAVE_POST) {
                fprintf(stderr, "wsbench-submit: this libwsched has no ws_post; leaving it out\n");
                forms[1] = 0;
            }
            if (!forms[0] && !forms[1])
                usage();
        } else
            usage();
        i++;
    }
    FILE *csv = NULL;
    if (csv_path != NULL && (csv = fopen(csv_path, "a")) == NULL) {
        perror(csv_path);
        return 1;
    }
    printf("wsbench-submit (%s): %u workers, %ld calls per thread, median of %d\n", label, workers,
           per, reps);
    printf("%-7s %7s %10s %10s %10s %10s %12s   %s\n", "form", "threads", "p50 ns", "p99 ns",
           "p99.9 ns", "max us", "frames/s", "range of frames/s");
    for (int f = 0; f < 2; f++) {
        if (!forms[f])
            continue;
        for (int t = 0; t < nthreads; t++) {
            double p50[1000], p99[1000], p999[1000], mx[1000], rate[1000];
            int got = 0;
            for (int r = 0; r < reps; r++) {
                struct child_result c = in_child(limit, workers, threads[t], per, (enum form)f, 0);
                if (!c.ok) {
                    printf("%-7s %7u   a run did not end within %d s (killed)\n", form_names[f],
                           threads[t], limit);
                    if (csv != NULL)
                        fprintf(csv, "%s,latency,%s,%u,%u,timed_out_after_s,%d\n", label,
                                form_names[f], threads[t], workers, limit);
                    timed_out++;
                    continue;
                }
                p50[got] = c.lat.p50;
                p99[got] = c.lat.p99;
                p999[got] = c.lat.p999;
                mx[got] = c.lat.max;
                rate[got] = c.lat.rate;
                got++;
            }
            if (got == 0)
                continue;
            int nr = got;
            double lo = rate[0], hi = rate[0];
            for (int r = 1; r < nr; r++) {
                lo = rate[r] < lo ? rate[r] : lo;
                hi = rate[r] > hi ? rate[r] : hi;
            }
            double m50 = median(p50, nr), m99 = median(p99, nr), m999 = median(p999, nr),
                   mmax = median(mx, nr), mrate = median(rate, nr);
            printf("%-7s %7u %10.0f %10.0f %10.0f %10.1f %12.0f   %.0f-%.0f\n", form_names[f],
                   threads[t], m50, m99, m999, mmax / 1e3, mrate, lo, hi);
            if (csv != NULL) {
                const char *stat[] = {"p50_ns",          "p99_ns",       "p999_ns",
                                      "max_ns",          "frames_per_s", "frames_per_s_min",
                                      "frames_per_s_max"};
                double val[] = {m50, m99, m999, mmax, mrate, lo, hi};
                for (int k = 0; k < 7; k++)
                    fprintf(csv, "%s,latency,%s,%u,%u,%s,%.1f\n", label, form_names[f], threads[t],
                            workers, stat[k], val[k]);
            }
        }
    }
    if (storms > 0) {
        double *d = malloc((size_t)storms * sizeof(*d)), worst = 0;
        int over = 0, ran = 0, killed = 0;
        for (int s = 0; s < storms; s++) {
            struct child_result c = in_child(limit, workers, 16, 5000, FORM_SUBMIT, 1);
            if (!c.ok) {
                /* Counted as over 1 s, and as its own line: it took at
                 * least the limit. */
                killed++;
                over++;
                worst = (double)limit > worst ? (double)limit : worst;
                continue;
            }
            d[ran++] = c.storm_s;
            worst = c.storm_s > worst ? c.storm_s : worst;
            over += c.storm_s > 1.0;
        }
        double med = ran ? median(d, ran) : 0;
        printf("storms (16 threads x 5000 ws_submit, %u workers): %d runs, median %.3f s, "
               "max %.3f s, %d over 1 s (%d killed after %d s)\n",
               workers, storms, med, worst, over, killed, limit);
        if (csv != NULL) {
            fprintf(csv, "%s,storm,submit,16,%u,median_s,%.4f\n", label, workers, med);
            fprintf(csv, "%s,storm,submit,16,%u,max_s,%.4f\n", label, workers, worst);
            fprintf(csv, "%s,storm,submit,16,%u,over_1s,%d\n", label, workers, over);
            fprintf(csv, "%s,storm,submit,16,%u,killed,%d\n", label, workers, killed);
            fprintf(csv, "%s,storm,submit,16,%u,runs,%d\n", label, workers, storms);
        }
        free(d);
        timed_out += killed;
    }
    if (csv != NULL)
        fclose(csv);
    return timed_out ? 3 : 0;
}
