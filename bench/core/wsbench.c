/*
 * wsbench.c - the benchmark suite's command line: the same workloads on
 * every concurrency model, through Google Benchmark (bench/shim/gbench.h),
 * with results and charts written to a results directory (bench/results.h).
 *
 * Each benchmark is one (workload, parameters, executor, workers) and is
 * named <workload>/<executor>/<params>/workers:<P>. One iteration is one
 * whole computation (a run of the workload), timed in real time; process CPU
 * time is recorded too. Every run checks its answer; a wrong answer fails
 * that benchmark, naming workload and executor, and makes the exit status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <hwloc.h>
#include <wsched.h>

#include "core/core.h"
#include "micro/micro.h"

/*
 * Repetitions, unless --benchmark_repetitions or --benchmark_min_time (or
 * their environment variables) hand them to gbench: the harness runs the
 * suite in ROUNDS rounds, each benchmark once per round, so that a slow
 * spell of a shared machine lands on one repetition of every model rather
 * than on all repetitions of one. Six is the fewest repetitions whose
 * extremes are a 95% interval of the median (96.9%, report/stats.h).
 * Inside a round the benchmarks are grouped by executor and worker count,
 * the groups in a new random order each round: one executor is created per
 * group and round (each pool must run alone: a process pool forks with no
 * other pool's threads around, and idle pools must not compete for the
 * cores), and its first run is an untimed warm-up. A repetition is a fixed
 * number of whole runs, chosen from the first, timed, warm-up run so that
 * it lasts about ROUND_SECONDS: no iteration estimation by gbench.
 *
 * Then up to EXTRA_ROUNDS more rounds for the benchmarks whose verdict is
 * open (the winner's interval overlaps the runner-up's), within
 * EXTRA_BUDGET seconds; results.csv's reps column says what each got.
 */
#define ROUNDS          6
#define EXTRA_ROUNDS    4
#define ROUND_SECONDS   0.05
#define EXTRA_BUDGET    40.0
#define MICRO_REPS      3   /* the microbenchmarks' repetitions (gbench's, not rounds) */
#define GBENCH_MIN_TIME 0.2 /* gbench's repetitions, unless --benchmark_min_time */

/* ---- the command line ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
    char execs[512], variants[256], workloads[512];
    context_registry_names(execs, sizeof(execs), 0);
    context_registry_names(variants, sizeof(variants), 1);
    context_registry_names(workloads, sizeof(workloads), -1);
    fprintf(
        f,
        "usage: wsbench [options] [gbench flags]\n"
        "  --quick              smoke run: every executor x workload, small, once; checks answers\n"
        "  --suite NAME         default (the README's), sched (libwsched's targets), micro,\n"
        "                       large (UTS T1L and T3L: 10^8 nodes, T3L 17,844 levels deep),\n"
        "                       grain (the fine granularity sweep: 32 ns to 10 ms, METG),\n"
        "                       servers (wsserve's models under wrk: runs wsbench-servers with\n"
        "                       the other arguments; --suite servers --help lists its own),\n"
        "                       mpi, mpi-large, mpi-tune (across MPI ranks: bench/mpi/)\n"
        "  --executors A,B      only these (%s;\n"
        "                       variants run only when named: %s)\n"
        "  --workloads A,B      only these (%s)\n"
        "  --workers N,M        worker counts instead of the suite's sweep\n"
        "  --params W=P         parameters P for workload W instead of the suite's, e.g.\n"
        "                       uts=tree:T2, uts=spec:-t_1_-a_3_-d_10_-b_4_-r_19 (UTS's own\n"
        "                       arguments, '_' for space), sleep=tasks:500/us:200; repeatable\n"
        "  --no-micro           leave out the scheduler microbenchmarks\n"
        "  --out DIR            results directory (default results/<date>_<commit>); '-': none\n"
        "  --no-report          do not run wsreport on the results\n"
        "  --help               this text and gbench's flags\n"
        "Benchmarks are named <workload>/<executor>/<params>/workers:<P>; gbench's own flags\n"
        "(--benchmark_filter, --benchmark_repetitions, --benchmark_format=json, ...) work as "
        "usual;\n"
        "without them each benchmark runs once per round, 6 rounds in a shuffled order, and up\n"
        "to 4 rounds more where a verdict is open (names then end in /round:<k>, which a\n"
        "--benchmark_filter sees); results.csv has each median's 95%% interval.\n",
        execs, variants, workloads);
}

static int parse_workers(const char *s, struct options *o)
{
    size_t n = 0;
    for (const char *p = s; *p;) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0 || v > WS_MAX_WORKERS || n + 1 >= 32 ||
            (*end != ',' && *end != '\0'))
            return -1;
        o->workers_buf[n++] = (unsigned)v;
        p = *end ? end + 1 : end;
    }
    if (n == 0)
        return -1;
    o->workers_buf[n] = 0;
    o->workers = o->workers_buf;
    return 0;
}

static int check_names(const char *list, int executors)
{
    if (list == NULL)
        return 0;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[64];
        if (len == 0 || len >= sizeof(name))
            return -1;
        memcpy(name, p, len);
        name[len] = '\0';
        if (executors ? exec_find(name) == NULL : workload_find(name) == NULL) {
            fprintf(stderr, "wsbench: unknown %s '%s'\n", executors ? "executor" : "workload",
                    name);
            return -1;
        }
        p = e ? e + 1 : p + len;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0)
            o->quick = 1;
        else if (strcmp(a, "--no-report") == 0)
            o->report = 0;
        else if (strcmp(a, "--no-micro") == 0)
            o->micro = 0;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        else if (v != NULL && strcmp(a, "--suite") == 0 && (i++, 1))
            o->suite = v;
        else if (v != NULL && strcmp(a, "--executors") == 0 && (i++, 1))
            o->executors = v;
        else if (v != NULL && strcmp(a, "--workloads") == 0 && (i++, 1))
            o->workloads = v;
        else if (v != NULL && strcmp(a, "--out") == 0 && (i++, 1))
            o->out = v;
        else if (v != NULL && strcmp(a, "--params") == 0 && (i++, 1)) {
            if (suite_parse_override(v, o) != 0)
                return -1;
        } else if (v != NULL && strcmp(a, "--workers") == 0 && (i++, 1)) {
            if (parse_workers(v, o) != 0) {
                fprintf(stderr, "wsbench: --workers wants positive counts like 1,2,4\n");
                return -1;
            }
        } else {
            static const char *const valued[] = {"--suite", "--executors", "--workloads",
                                                 "--out",   "--workers",   "--params"};
            int wants = 0;
            for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
                wants |= strcmp(a, valued[k]) == 0;
            if (wants)
                fprintf(stderr, "wsbench: %s wants a value\n", a);
            else if (strncmp(a, "--benchmark_", 12) == 0)
                fprintf(stderr, "wsbench: '%s': not a gbench flag, or a bad value for one\n", a);
            else
                fprintf(stderr, "wsbench: unknown argument '%s'\n", a);
            return -1;
        }
    }
    if (strcmp(o->suite, "default") != 0 && strcmp(o->suite, "sched") != 0 &&
        strcmp(o->suite, "micro") != 0 && strcmp(o->suite, "large") != 0 &&
        strcmp(o->suite, "grain") != 0) {
        fprintf(stderr, "wsbench: unknown suite '%s'\n", o->suite);
        return -1;
    }
    if (check_names(o->executors, 1) != 0 || check_names(o->workloads, 0) != 0)
        return -1;
    return 0;
}

/* Has the user given a gbench flag starting with prefix? */
static int has_flag(int argc, char **argv, const char *prefix)
{
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], prefix, strlen(prefix)) == 0)
            return 1;
    return 0;
}

/* Is this the whole default suite, unfiltered: a run results/README.md may show? */
static int full_default(const struct options *o, int argc0, char **argv0)
{
    return strcmp(o->suite, "default") == 0 && !o->quick && o->executors == NULL &&
           o->workloads == NULL && o->workers == NULL && o->novr == 0 && o->micro &&
           !has_flag(argc0, argv0, "--benchmark_filter");
}

/* Runs wsreport on dir; index: also rewrite results/README.md from it. */
static void run_report(const char *argv0, const char *dir, int index)
{
    char exe[PATH_MAX], cmd[2 * PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    (void)argv0;
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return;
    snprintf(slash + 1, sizeof(exe) - (size_t)(slash + 1 - exe), "wsreport");
    if (access(exe, X_OK) != 0) {
        fprintf(stderr, "wsbench: %s not found: no charts (run it by hand later)\n", exe);
        return;
    }
    snprintf(cmd, sizeof(cmd), "'%s' '%s'%s", exe, dir, index ? " --index results/README.md" : "");
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "wsbench: wsreport exited with status %d\n", rc);
}

/* IO workloads hold descriptors while prepared (pipes, sockets, a server):
 * allow as many as the hard limit lets us. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- rounds ---------------------------------------------------------------------------------- */

/* One benchmark's instance in one round, registered as <name>/round:<k>. */
struct round_bm {
    struct bm *b;
    unsigned round; /* from 0; ROUNDS and above: adaptive */
    char name[sizeof(((struct bm *)0)->name) + 16];
};

static struct {
    struct bm *bms;
    size_t nbms;
    struct round_bm *inst;
    int *want;   /* per benchmark: gets the adaptive rounds */
    int decided; /* want[] is filled */
    unsigned long seed;
    char outcome[256]; /* what rounds_decide() chose, for context.txt */
} g_rounds;

/* xorshift64: the rounds' order, reproducible from the seed in context.txt. */
static uint64_t next_random(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* After the regular rounds: which benchmarks get the adaptive ones. The
 * open verdicts' benchmarks, cheapest first would favour the short
 * workloads; the suite's order (the report's) within EXTRA_BUDGET instead. */
static void rounds_decide(void)
{
    g_rounds.decided = 1;
    size_t open = results_contested(g_rounds.bms, g_rounds.nbms, g_rounds.want);
    double spent = 0;
    size_t got = 0;
    for (size_t i = 0; i < g_rounds.nbms; i++) {
        if (!g_rounds.want[i])
            continue;
        /* A round may also cost a warm-up run: its executor may be new. */
        const struct bm *b = &g_rounds.bms[i];
        double cost = EXTRA_ROUNDS * b->rep_seconds * (1.0 + 1.0 / (b->runs ? b->runs : 1));
        if (spent + cost > EXTRA_BUDGET) {
            g_rounds.want[i] = 0;
            continue;
        }
        spent += cost;
        got++;
    }
    snprintf(g_rounds.outcome, sizeof(g_rounds.outcome),
             "%zu benchmarks are winners or runners-up of an open verdict; %zu got %d more "
             "repetitions (about %.0f s of a %.0f s budget)",
             open, got, EXTRA_ROUNDS, spent, EXTRA_BUDGET);
    fprintf(stderr, "wsbench: %s\n", g_rounds.outcome);
}

static void round_fn(bench_state *s, void *user)
{
    struct round_bm *r = user;
    int skip = 0;
    if (r->round >= ROUNDS) {
        if (!g_rounds.decided)
            rounds_decide();
        skip = !g_rounds.want[r->b - g_rounds.bms];
    }
    runner_round(s, r->b, ROUND_SECONDS, skip);
}

/* The rounds' instances in their order, into defs. 0, or -ENOMEM. */
static int rounds_defs(struct bm *bms, size_t nbms, struct bench_def *defs, size_t *nd)
{
    size_t total = nbms * (ROUNDS + EXTRA_ROUNDS);
    g_rounds.bms = bms;
    g_rounds.nbms = nbms;
    g_rounds.inst = calloc(total ? total : 1, sizeof(*g_rounds.inst));
    g_rounds.want = calloc(nbms ? nbms : 1, sizeof(*g_rounds.want));
    size_t *group = calloc(nbms ? nbms : 1, sizeof(*group)); /* first member of each group */
    if (g_rounds.inst == NULL || g_rounds.want == NULL || group == NULL) {
        free(group);
        fprintf(stderr, "wsbench: out of memory\n");
        return -ENOMEM;
    }
    /* Groups: the benchmarks of one (executor, workers), in the suite's order. */
    size_t ngroups = 0;
    for (size_t i = 0; i < nbms; i++) {
        size_t g = 0;
        while (g < ngroups &&
               (bms[group[g]].ops != bms[i].ops || bms[group[g]].workers != bms[i].workers))
            g++;
        if (g == ngroups)
            group[ngroups++] = i;
    }
    uint64_t x = g_rounds.seed ? g_rounds.seed : 1;
    size_t n = 0;
    for (unsigned round = 0; round < ROUNDS + EXTRA_ROUNDS; round++) {
        for (size_t g = ngroups; g > 1; g--) { /* Fisher-Yates */
            size_t k = (size_t)(next_random(&x) % g), t = group[g - 1];
            group[g - 1] = group[k];
            group[k] = t;
        }
        for (size_t g = 0; g < ngroups; g++) {
            const struct bm *lead = &bms[group[g]];
            for (size_t i = 0; i < nbms; i++) {
                if (bms[i].ops != lead->ops || bms[i].workers != lead->workers)
                    continue;
                struct round_bm *r = &g_rounds.inst[n];
                r->b = &bms[i];
                r->round = round;
                snprintf(r->name, sizeof(r->name), "%s/round:%u", bms[i].name, round);
                defs[(*nd)++] = (struct bench_def){
                    .name = r->name, .fn = round_fn, .user = r, .iterations = 1, .repetitions = 1};
                n++;
            }
        }
    }
    free(group);
    return 0;
}

/* The whole run; argv0 is the command line before gbench edits argv, and
 * *defs what it allocates for main() to free on every way out. */
static int wsbench(int argc, char **argv, char **argv0, struct bench_def **defs_out)
{
    struct options o = {.suite = "default", .report = 1, .micro = 1};
    raise_nofile();
    char outbuf[PATH_MAX];
    int argc0 = argc;

    int e = bench_init(&argc, argv);
    if (e != 0) {
        fprintf(stderr, "wsbench: %s\n", strerror(-e));
        usage(stderr);
        return 2;
    }
    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        usage(pr > 0 ? stdout : stderr);
        if (pr > 0)
            bench_print_flags_help();
        return pr > 0 ? 0 : 2;
    }
    int listing = has_flag(argc0, argv0, "--benchmark_list_tests");
    if (o.out == NULL) {
        context_default_out(outbuf, sizeof(outbuf), "");
        o.out = outbuf;
    }
    int write_out = strcmp(o.out, "-") != 0 && !listing;

    if (suite_build(&o) != 0)
        return 2;
    /* Bad --params are bad arguments: prepare them now (the state is kept
     * for the run), and refuse them before anything runs. */
    for (size_t i = 0; i < o.novr && !listing; i++) {
        struct bm b = {.w = o.ovr[i].w};
        char err[256] = "";
        void *state;
        if (!suite_list_has(o.workloads, b.w->name))
            continue;
        snprintf(b.params, sizeof(b.params), "%s", o.ovr[i].params);
        if (runner_state(&b, &state, err, sizeof(err)) != 0) {
            fprintf(stderr, "wsbench: --params %s=%s: %s\n", b.w->name, b.params, err);
            usage(stderr);
            runner_release_states();
            return 2;
        }
    }
    size_t nbms;
    struct bm *bms = suite_bms(&nbms);
    size_t nmicro;
    micro_defs(&nmicro); /* room for them all, whatever the suite */
    struct bench_def *defs = *defs_out =
        calloc(nbms * (ROUNDS + EXTRA_ROUNDS) + nmicro, sizeof(*defs));
    if (defs == NULL || runner_init() != 0)
        return 2;
    int listing_or_user = listing || has_flag(argc0, argv0, "--benchmark_repetitions") ||
                          getenv("BENCHMARK_REPETITIONS") != NULL ||
                          has_flag(argc0, argv0, "--benchmark_min_time") ||
                          getenv("BENCHMARK_MIN_TIME") != NULL;
    int rounds = !o.quick && !listing_or_user && strcmp(o.suite, "micro") != 0;
    size_t nd = 0;
    if (rounds) {
        g_rounds.seed = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16);
        if ((e = rounds_defs(bms, nbms, defs, &nd)) != 0)
            return 2;
    } else if (strcmp(o.suite, "micro") != 0) {
        int user_min =
            has_flag(argc0, argv0, "--benchmark_min_time") || getenv("BENCHMARK_MIN_TIME") != NULL;
        for (size_t i = 0; i < nbms; i++)
            defs[nd++] = (struct bench_def){.name = bms[i].name,
                                            .fn = runner_bm,
                                            .user = &bms[i],
                                            .iterations = o.quick ? 1 : 0,
                                            .min_time = o.quick || user_min ? 0 : GBENCH_MIN_TIME,
                                            .repetitions = o.quick ? 1 : 0};
    }
    if (o.micro && !o.quick &&
        (strcmp(o.suite, "default") == 0 || strcmp(o.suite, "sched") == 0 ||
         strcmp(o.suite, "micro") == 0) &&
        suite_list_has(o.executors, "stealing")) {
        size_t nm;
        const struct bench_def *m = micro_defs(&nm);
        for (size_t i = 0; i < nm; i++) {
            defs[nd] = m[i];
            if (defs[nd].repetitions == 0 && !listing_or_user)
                defs[nd].repetitions = MICRO_REPS;
            nd++;
        }
    }
    if ((e = bench_register(defs, nd)) != 0) {
        fprintf(stderr, "wsbench: registering benchmarks: %s\n", strerror(-e));
        return 2;
    }

    /* gbench writes its own JSON next to ours unless told otherwise. */
    if (write_out) {
        if (context_mkdir_p(o.out) != 0) {
            fprintf(stderr, "wsbench: cannot create %s: %s\n", o.out, strerror(errno));
            return 2;
        }
        context_write(o.out, argc0, argv0);
        if (rounds) {
            char path[PATH_MAX];
            snprintf(path, sizeof(path), "%s/context.txt", o.out);
            FILE *f = fopen(path, "a");
            if (f != NULL) {
                fprintf(f,
                        "repetitions: %d rounds, each benchmark once per round in groups of "
                        "one executor and worker count, the groups shuffled (seed %lu); up to "
                        "%d more where a verdict is open, within %.0f s; %.2f s per "
                        "repetition\n",
                        ROUNDS, g_rounds.seed, EXTRA_ROUNDS, EXTRA_BUDGET, ROUND_SECONDS);
                fclose(f);
            }
        }
        if (!has_flag(argc0, argv0, "--benchmark_out=")) {
            static char flag[PATH_MAX + 32];
            char *extra[3] = {argv[0], flag, (char *)"--benchmark_out_format=json"};
            int n = 3;
            snprintf(flag, sizeof(flag), "--benchmark_out=%s/raw.json", o.out);
            if ((e = bench_init(&n, extra)) != 0) {
                fprintf(stderr, "wsbench: %s\n", strerror(-e));
                return 2;
            }
        }
    }

    struct bench_summary sum;
    struct bench_run_opts ro = {.on_result = results_on_result};
    e = bench_run(&ro, &sum);
    runner_drop_exec();
    runner_release_states();
    runner_fini();
    free(g_rounds.inst);
    free(g_rounds.want);
    if (e != 0) {
        fprintf(stderr, "wsbench: %s\n", strerror(-e));
        return 2;
    }
    if (write_out) {
        char path[PATH_MAX];
        context_finish(o.out);
        snprintf(path, sizeof(path), "%s/context.txt", o.out);
        FILE *cf = rounds && g_rounds.outcome[0] ? fopen(path, "a") : NULL;
        if (cf != NULL) {
            fprintf(cf, "adaptive: %s\n", g_rounds.outcome);
            fclose(cf);
        }
        snprintf(path, sizeof(path), "%s/results.csv", o.out);
        size_t rows;
        if (results_write_csv(path, &rows) == 0)
            fprintf(stderr, "wsbench: %zu results in %s\n", rows, path);
        if (o.report)
            run_report(argv0[0], o.out, o.out == outbuf && full_default(&o, argc0, argv0));
    }
    size_t errors = results_errors();
    if (errors != 0 || sum.errors != 0) {
        fprintf(stderr, "wsbench: %zu run(s) failed; see the errors above\n",
                errors > sum.errors ? errors : sum.errors);
        return 1;
    }
    return 0;
}

/* The path of the program called name beside this one, into exe (PATH_MAX
 * bytes): 0, or -1 if it cannot be made. */
static int beside_self(char *exe, const char *name)
{
    ssize_t n = readlink("/proc/self/exe", exe, PATH_MAX - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    size_t room = slash != NULL ? PATH_MAX - (size_t)(slash + 1 - exe) : 0;
    if (slash == NULL || snprintf(slash + 1, room, "%s", name) >= (int)room)
        return -1;
    return 0;
}

/* --suite servers is another program (bench/load/wsservers.c), beside this
 * one: it is run with the other arguments. Returns only if it is not. */
static int exec_servers(int argc, char **argv)
{
    int at = -1;
    for (int i = 1; i + 1 < argc && at < 0; i++)
        if (strcmp(argv[i], "--suite") == 0 && strcmp(argv[i + 1], "servers") == 0)
            at = i;
    if (at < 0)
        return 0;
    char exe[PATH_MAX];
    if (beside_self(exe, "wsbench-servers") != 0) {
        fprintf(stderr, "wsbench: cannot find wsbench-servers beside this program\n");
        return 2;
    }
    char **args = malloc((size_t)argc * sizeof(*args));
    if (args == NULL)
        return 2;
    int k = 0;
    args[k++] = exe;
    for (int i = 1; i < argc; i++)
        if (i != at && i != at + 1)
            args[k++] = argv[i];
    args[k] = NULL;
    execv(exe, args);
    fprintf(stderr, "wsbench: --suite servers: cannot run %s: %s\n", exe, strerror(errno));
    free(args);
    return 2;
}

/* --suite mpi, mpi-large and mpi-tune are the MPI suite's: its driver, configured
 * beside this program where the build found MPI (bench/mpi/suite.sh.in),
 * takes the whole command line. Returns 0 for another suite, else only if
 * it cannot be run. */
static int exec_mpi_suite(int argc, char **argv)
{
    int mpi = 0;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--suite") == 0 &&
            (strcmp(argv[i + 1], "mpi") == 0 || strcmp(argv[i + 1], "mpi-large") == 0 ||
             strcmp(argv[i + 1], "mpi-tune") == 0))
            mpi = 1;
    if (!mpi)
        return 0;
    char exe[PATH_MAX];
    if (beside_self(exe, "wsbench-mpi-suite") != 0 || access(exe, X_OK) != 0) {
        fprintf(stderr, "wsbench: this build has no MPI suite (libwsched-mpi was not built): "
                        "install libopenmpi-dev and openmpi-bin (scripts/setup.sh does) and "
                        "configure again\n");
        return 2;
    }
    char **args = calloc((size_t)argc + 2, sizeof(*args));
    if (args == NULL)
        return 2;
    args[0] = (char *)"sh";
    args[1] = exe;
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    execv("/bin/sh", args);
    fprintf(stderr, "wsbench: cannot run %s: %s\n", exe, strerror(errno));
    free(args);
    return 2;
}

int main(int argc, char **argv)
{
    int ex = exec_servers(argc, argv);
    if (ex == 0)
        ex = exec_mpi_suite(argc, argv);
    if (ex != 0)
        return ex;
    char **argv0 = malloc(((size_t)argc + 3) * sizeof(*argv0));
    if (argv0 == NULL)
        return 2;
    for (int i = 0; i < argc; i++)
        argv0[i] = argv[i];
    struct bench_def *defs = NULL;
    int rc = wsbench(argc, argv, argv0, &defs);
    free(defs);
    free(argv0);
    return rc;
}
