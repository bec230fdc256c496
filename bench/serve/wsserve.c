/*
 * wsserve - one HTTP/1.1 server, on every concurrency model wsbench
 * compares, so that a load generator can measure them side by side. Each
 * serves the same handler (http.h: GET /?work=US&fanout=K computes US
 * microseconds of a SHA-1 chain, in K parts where the model can fork-join)
 * with keep-alive and pipelining, on 127.0.0.1 only.
 *
 *   wsserve --model M [--port P] [--workers N] [--iters-per-us X] [--max-conns N]
 *   wsserve --calibrate        prints the SHA-1 rate of this machine and exits
 *   wsserve --list-models
 *
 * It prints "wsserve: ready ..." once it serves, and, stopped by SIGTERM or
 * SIGINT, "wsserve: stopped ..." with its counters (serve.h) and the
 * descriptors it failed to close (fds=, 0 when none). See bench/serve/README.md.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve/serve.h"

static const struct serve_model *const g_models[] = {
    &serve_thread_per_conn, &serve_threadpool,      &serve_prefork,
    &serve_eventloop,       &serve_eventloop_cores, &serve_wsched,
};
#define NMODELS (sizeof(g_models) / sizeof(g_models[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: wsserve --model MODEL [--port P] [--workers N] [--iters-per-us X] "
               "[--max-conns N]\n"
               "       wsserve --calibrate | --list-models | --help\n"
               "Serves GET /?work=US&fanout=K on 127.0.0.1:P (0, the default: the kernel "
               "picks; the ready line says which).\nModels:\n");
    for (size_t i = 0; i < NMODELS; i++)
        fprintf(f, "  %-16s %s\n", g_models[i]->name, g_models[i]->what);
    fprintf(f, "--workers: threads (threadpool), processes (prefork), loops (eventloop-cores) or\n"
               "  workers (wsched); default 64, 64, and one per CPU of the affinity mask.\n"
               "--iters-per-us: SHA-1 iterations per microsecond of work (default: measured at "
               "start;\n  give every server of one comparison the same, from --calibrate).\n"
               "--max-conns: connections served at once; more are closed at once (default: no "
               "limit).\n");
}

static int parse_u(const char *opt, const char *v, unsigned long lo, unsigned long hi,
                   unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || x < lo || x > hi) {
        fprintf(stderr, "wsserve: %s wants an integer in [%lu, %lu], not '%s'\n", opt, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = -1; /* the directory's own */
    if (d == NULL)
        return 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n - 2; /* . and .. */
}

static void on_interrupt(int sig)
{
    (void)sig; /* nothing: its delivery makes a blocking call fail with EINTR (blocking.c) */
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'},
        {"port", required_argument, NULL, 'p'},
        {"workers", required_argument, NULL, 'w'},
        {"iters-per-us", required_argument, NULL, 'i'},
        {"max-conns", required_argument, NULL, 'c'},
        {"calibrate", no_argument, NULL, 'C'},
        {"list-models", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct serve_counters counters = {0};
    struct serve s = {.n = &counters, .lfd = -1};
    unsigned long port = 0, v;
    bool calibrate = false, workers_given = false;
    int o;

    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'm':
            for (size_t i = 0; i < NMODELS; i++)
                if (strcmp(optarg, g_models[i]->name) == 0)
                    s.model = g_models[i];
            if (s.model == NULL) {
                fprintf(stderr, "wsserve: unknown model '%s' (--list-models lists them)\n", optarg);
                return 2;
            }
            break;
        case 'p':
            if (parse_u("--port", optarg, 0, 65535, &port) != 0)
                return 2;
            break;
        case 'w':
            if (parse_u("--workers", optarg, 1, 100000, &v) != 0)
                return 2;
            s.workers = (unsigned)v;
            workers_given = true;
            break;
        case 'c':
            if (parse_u("--max-conns", optarg, 0, 10000000, &v) != 0)
                return 2;
            s.max_conns = (unsigned)v;
            break;
        case 'i': {
            char *end;
            double x = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(x > 0 && x < 1e9)) {
                fprintf(stderr, "wsserve: --iters-per-us wants a positive number, not '%s'\n",
                        optarg);
                return 2;
            }
            s.iters_per_us = x;
            break;
        }
        case 'C':
            calibrate = true;
            break;
        case 'L':
            for (size_t i = 0; i < NMODELS; i++)
                printf("%s\n", g_models[i]->name);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "wsserve: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    int e = work_init();
    if (e != 0) {
        fprintf(stderr, "wsserve: no SHA-1 implementation: %s\n", strerror(-e));
        return 1;
    }
    if (calibrate) {
        printf("wsserve: iters_per_us=%.3f sha1=%s\n", work_calibrate(200), work_impl());
        return 0;
    }
    if (s.model == NULL) {
        fprintf(stderr, "wsserve: --model is required\n");
        usage(stderr);
        return 2;
    }
    if (workers_given && !s.model->uses_workers)
        fprintf(stderr, "wsserve: %s ignores --workers\n", s.model->name);
    if (!s.model->uses_workers)
        s.workers = 1;
    else if (s.workers == 0)
        s.workers = s.model->workers_default ? s.model->workers_default : serve_cpus();
    if (s.iters_per_us == 0)
        s.iters_per_us = work_calibrate(200);

    /* Many connections want many descriptors: the hard limit, as nginx's
     * worker_rlimit_nofile. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN); /* a peer gone is a failed write, counted as lost */
    struct sigaction sa = {.sa_handler = on_interrupt}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    /* The stop signals go to sigwaitinfo() or a signalfd only: blocked
     * here, before any thread starts, so in every thread. */
    sigemptyset(&s.stop_set);
    sigaddset(&s.stop_set, SIGTERM);
    sigaddset(&s.stop_set, SIGINT);
    sigprocmask(SIG_BLOCK, &s.stop_set, NULL);

    int fds_before = count_fds();
    s.lfd = serve_listen((unsigned)port, s.model->reuseport, &s.port);
    if (s.lfd < 0) {
        fprintf(stderr, "wsserve: cannot listen on 127.0.0.1:%lu: %s\n", port, strerror(-s.lfd));
        return 1;
    }
    e = s.model->run(&s);
    if (s.lfd >= 0)
        close(s.lfd);
    int leaked = count_fds() - fds_before;
    /* relaxed: every thread that counted has been joined (or process reaped). */
#define GET(f) atomic_load_explicit(&counters.f, memory_order_relaxed)
    printf("wsserve: stopped model=%s connections=%" PRIu64 " refused=%" PRIu64 " requests=%" PRIu64
           " answered=%" PRIu64 " ok=%" PRIu64 " bad=%" PRIu64 " lost=%" PRIu64 " died=%" PRIu64
           " fds=%d\n",
           s.model->name, GET(connections), GET(refused), GET(requests), GET(answered), GET(ok),
           GET(bad), GET(lost), GET(died), leaked);
#undef GET
    fflush(stdout);
    return e == 0 ? 0 : 1;
}
