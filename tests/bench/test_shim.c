/*
 * test_shim.c - the Google Benchmark C shim: a table of tiny C benchmarks
 * run through gbench with its own flags; every run must reach the callback
 * with sane fields (names with '/' and ':', counters, errors, repetitions
 * and aggregates, manual time), progress lines must count the filtered
 * benchmarks, --benchmark_out must still write JSON with our context, and
 * unrecognised or invalid arguments must come back to the caller. No timing
 * is asserted beyond "positive".
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gbench.h"

/* ---- The benchmarks -------------------------------------------------------- */

static volatile uint64_t sink;
static int misuse_failures; /* shim calls inside benchmarks that did not answer as documented */

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: in benchmark: %s\n", __FILE__, __LINE__, #cond);               \
            misuse_failures++;                                                                     \
        }                                                                                          \
    } while (0)

static void bm_spin(bench_state *s, void *user)
{
    const int n = *(const int *)user;
    EXPECT(bench_pause(s) == -EINVAL);  /* before the loop */
    EXPECT(bench_resume(s) == -EINVAL); /* not paused */
    int first = 1;
    while (bench_keep_running(s)) {
        if (first) {
            EXPECT(bench_pause(s) == 0);
            EXPECT(bench_pause(s) == -EINVAL); /* twice */
            EXPECT(bench_resume(s) == 0);
            first = 0;
        }
        uint64_t sum = 0;
        for (int i = 0; i < n; i++)
            sum += (uint64_t)i;
        sink = sum;
    }
    EXPECT(bench_pause(s) == -EINVAL);  /* after the loop */
    EXPECT(bench_keep_running(s) == 0); /* stays done */
    int64_t it = bench_iterations(s);
    EXPECT(it >= 1 && it == bench_max_iterations(s));
    EXPECT(strcmp(bench_name(s), "shim/spin/n:100") == 0);
    EXPECT(bench_counter(s, "answer", (double)sink, BENCH_COUNTER_DEFAULT) == 0);
    EXPECT(bench_counter(s, "twice", 2.0 * (double)it, BENCH_COUNTER_PER_ITERATION) == 0);
    EXPECT(bench_counter(s, "sums", (double)it, BENCH_COUNTER_RATE) == 0);
    EXPECT(bench_set_items_processed(s, it * n) == 0);
    EXPECT(bench_set_label(s, "label:ok") == 0);
    EXPECT(bench_counter(s, NULL, 1, 0) == -EINVAL);
    EXPECT(bench_counter(s, "", 1, 0) == -EINVAL);
    EXPECT(bench_counter(s, "bad", 1, 1u << 20) == -EINVAL);
    EXPECT(bench_counter(s, "nan", NAN, 0) == -EINVAL);
    EXPECT(bench_set_items_processed(s, -1) == -EINVAL);
    EXPECT(bench_set_iteration_time(s, -1.0) == -EINVAL);
}

static void bm_batch(bench_state *s, void *user)
{
    (void)user;
    int64_t n = bench_max_iterations(s), calls = 0;
    EXPECT(n >= 1);
    while (bench_keep_running_batch(s, n)) {
        for (int64_t i = 0; i < n; i++)
            sink = sink + (uint64_t)i;
        calls++;
    }
    EXPECT(calls == 1); /* one batch of exactly max_iterations */
    EXPECT(bench_iterations(s) == n);
    bench_counter(s, "batches", (double)calls, BENCH_COUNTER_DEFAULT);
}

static void bm_skip(bench_state *s, void *user)
{
    (void)user;
    while (bench_keep_running(s))
        EXPECT(bench_skip_with_error(s, "deliberate failure") == 0);
}

static void bm_early(bench_state *s, void *user)
{
    (void)s;
    (void)user; /* returns without its loop: the shim must report, not abort */
}

static void bm_bad_batch(bench_state *s, void *user)
{
    (void)user;
    while (bench_keep_running_batch(s, 0))
        ;
}

static void bm_manual(bench_state *s, void *user)
{
    (void)user;
    while (bench_keep_running(s))
        EXPECT(bench_set_iteration_time(s, 1e-6) == 0); /* 1000 ns per iteration, exactly */
}

static int n100 = 100;

static const struct bench_def table[] = {
    {.name = "shim/spin/n:100", .fn = bm_spin, .user = &n100},
    {.name = "shim/batch/n:64", .fn = bm_batch},
    {.name = "shim/error/kind:skip", .fn = bm_skip},
    {.name = "shim/error/kind:early", .fn = bm_early},
    {.name = "shim/error/kind:batch0", .fn = bm_bad_batch},
    {.name = "shim/manual/reps:3",
     .fn = bm_manual,
     .iterations = 5,
     .repetitions = 3,
     .use_manual_time = 1},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

/* ---- What the callback saw --------------------------------------------------- */

#define MAXREC 64
#define MAXCTR 8

struct rec {
    char name[128], run_name[192], aggregate[16], error[160], label[32];
    int has_error, ratio;
    double real_ns, cpu_ns;
    int64_t iterations, repetition, repetitions;
    size_t ncounters;
    char cname[MAXCTR][32];
    double cvalue[MAXCTR];
};

static struct rec recs[MAXREC];
static size_t nrecs;
static int callback_user_ok = 1;

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "(null)");
}

static void on_result(const struct bench_result *r, void *user)
{
    if (user != &nrecs)
        callback_user_ok = 0;
    if (nrecs == MAXREC)
        return;
    struct rec *x = &recs[nrecs++];
    copy(x->name, sizeof x->name, r->name);
    copy(x->run_name, sizeof x->run_name, r->run_name);
    copy(x->aggregate, sizeof x->aggregate, r->aggregate);
    copy(x->label, sizeof x->label, r->label);
    x->has_error = r->error != NULL;
    copy(x->error, sizeof x->error, r->error);
    x->ratio = r->aggregate_is_ratio;
    x->real_ns = r->real_ns;
    x->cpu_ns = r->cpu_ns;
    x->iterations = r->iterations;
    x->repetition = r->repetition;
    x->repetitions = r->repetitions;
    x->ncounters = r->ncounters;
    for (size_t i = 0; i < r->ncounters && i < MAXCTR; i++) {
        copy(x->cname[i], sizeof x->cname[i], r->counters[i].name);
        x->cvalue[i] = r->counters[i].value;
    }
}

static const struct rec *find(const char *name, const char *aggregate, int64_t repetition)
{
    for (size_t i = 0; i < nrecs; i++)
        if (!strcmp(recs[i].name, name) && !strcmp(recs[i].aggregate, aggregate) &&
            recs[i].repetition == repetition)
            return &recs[i];
    return NULL;
}

static const double *counter(const struct rec *r, const char *name)
{
    for (size_t i = 0; i < r->ncounters && i < MAXCTR; i++)
        if (!strcmp(r->cname[i], name))
            return &r->cvalue[i];
    return NULL;
}

/* The whole of a file, NUL-terminated (static buffer). */
static const char *slurp(FILE *f)
{
    static char buf[1 << 16];
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    return buf;
}

/* ---- The checks -------------------------------------------------------------- */

static void test_register_errors(void)
{
    struct bench_def d = {.name = "x/y:1", .fn = bm_early};
    CHECK_EQ(bench_register(NULL, 0), 0);
    CHECK_EQ(bench_register(NULL, 1), -EINVAL);
    struct bench_def bad = d;
    bad.name = NULL;
    CHECK_EQ(bench_register(&bad, 1), -EINVAL);
    bad = d;
    bad.name = "";
    CHECK_EQ(bench_register(&bad, 1), -EINVAL);
    bad = d;
    bad.fn = NULL;
    CHECK_EQ(bench_register(&bad, 1), -EINVAL);
    bad = d;
    bad.min_time = -1;
    CHECK_EQ(bench_register(&bad, 1), -EINVAL);
    bad = d;
    bad.min_time = INFINITY;
    CHECK_EQ(bench_register(&bad, 1), -EINVAL);
    bad = d;
    bad.iterations = 10;
    bad.min_time = 0.1;
    CHECK_EQ(bench_register(&bad, 1), -EINVAL);
    bad = d;
    bad.repetitions = -2;
    CHECK_EQ(bench_register(&bad, 1), -EINVAL);
    struct bench_def twice[2] = {d, d};
    CHECK_EQ(bench_register(twice, 2), -EEXIST);
    /* All or none: the valid first entry of a rejected table was not registered. */
    struct bench_def mixed[2] = {d, bad};
    CHECK_EQ(bench_register(mixed, 2), -EINVAL);
    CHECK_EQ(bench_register(&d, 1), 0);
    CHECK_EQ(bench_register(&d, 1), -EEXIST);
    bench_shutdown(); /* forgets x/y:1 */
}

static void test_init_errors(void)
{
    char a0[] = "test_shim";
    char *argv[] = {a0, NULL};
    int argc = 1, zero = 0;
    CHECK_EQ(bench_init(NULL, argv), -EINVAL);
    CHECK_EQ(bench_init(&argc, NULL), -EINVAL);
    CHECK_EQ(bench_init(&zero, argv), -EINVAL);
    /* An invalid format in gbench's environment would make gbench exit. */
    setenv("BENCHMARK_FORMAT", "xml", 1);
    CHECK_EQ(bench_init(&argc, argv), -EINVAL);
    char fmt[] = "--benchmark_format=console";
    char *argv2[] = {a0, fmt, NULL};
    int argc2 = 2;
    CHECK_EQ(bench_init(&argc2, argv2), 0);
    CHECK_EQ(argc2, 1);
    unsetenv("BENCHMARK_FORMAT");
    CHECK_EQ(bench_add_context(NULL, "v"), -EINVAL);
    CHECK_EQ(bench_add_context("", "v"), -EINVAL);
    CHECK_EQ(bench_add_context("k", NULL), -EINVAL);
}

static void check_runs(void)
{
    /* shim/spin: one plain run with every counter. */
    const struct rec *r = find("shim/spin/n:100", "", 0);
    REQUIRE(r != NULL);
    CHECK(!r->has_error);
    CHECK_STREQ(r->run_name, "shim/spin/n:100/process_time/real_time");
    CHECK_STREQ(r->label, "label:ok");
    CHECK(r->iterations >= 1);
    CHECK_EQ(r->repetitions, 1);
    CHECK(r->real_ns > 0 && r->cpu_ns > 0);
    const double *c = counter(r, "answer");
    CHECK(c != NULL && *c == 4950.0);
    c = counter(r, "twice");
    CHECK(c != NULL && fabs(*c - 2.0) < 1e-9);
    c = counter(r, "sums");
    CHECK(c != NULL && *c > 0);
    c = counter(r, "items_per_second");
    CHECK(c != NULL && *c > 0);
    CHECK(counter(r, "bad") == NULL && counter(r, "nan") == NULL);
    for (size_t i = 1; i < r->ncounters; i++) /* sorted by name */
        CHECK(strcmp(r->cname[i - 1], r->cname[i]) < 0);

    r = find("shim/batch/n:64", "", 0);
    REQUIRE(r != NULL);
    CHECK(!r->has_error);
    c = counter(r, "batches");
    CHECK(c != NULL && *c == 1.0);

    /* The three error runs, each with its message. */
    r = find("shim/error/kind:skip", "", 0);
    REQUIRE(r != NULL);
    CHECK(r->has_error);
    CHECK_STREQ(r->error, "deliberate failure");
    r = find("shim/error/kind:early", "", 0);
    REQUIRE(r != NULL);
    CHECK(r->has_error);
    CHECK(strstr(r->error, "without running its loop") != NULL);
    r = find("shim/error/kind:batch0", "", 0);
    REQUIRE(r != NULL);
    CHECK(r->has_error);
    CHECK(strstr(r->error, "batch size") != NULL);

    /* shim/manual: 3 repetitions of 5 iterations at 1000 ns, then aggregates. */
    for (int64_t i = 0; i < 3; i++) {
        r = find("shim/manual/reps:3", "", i);
        REQUIRE(r != NULL);
        CHECK(!r->has_error);
        CHECK_EQ(r->iterations, 5);
        CHECK_EQ(r->repetitions, 3);
        CHECK(fabs(r->real_ns - 1000.0) < 1e-6);
        CHECK_STREQ(r->run_name,
                    "shim/manual/reps:3/iterations:5/repeats:3/process_time/manual_time");
    }
    static const char *const aggs[] = {"mean", "median", "stddev", "cv"};
    for (size_t i = 0; i < 4; i++) {
        r = find("shim/manual/reps:3", aggs[i], -1);
        REQUIRE(r != NULL);
        CHECK_EQ(r->iterations, 3);
        CHECK_EQ(r->ratio, !strcmp(aggs[i], "cv"));
        double want = i < 2 ? 1000.0 : 0.0;
        CHECK(fabs(r->real_ns - want) < 1e-6);
        char full[192];
        snprintf(full, sizeof full,
                 "shim/manual/reps:3/iterations:5/repeats:3/"
                 "process_time/manual_time_%s",
                 aggs[i]);
        CHECK_STREQ(r->run_name, full);
    }
}

int main(int argc0, char **argv0)
{
    (void)argc0;
    (void)argv0;
    test_register_errors();
    test_init_errors();
    CHECK_EQ(bench_register(table, NTABLE), 0);

    char out_path[] = "/tmp/test_shim_XXXXXX";
    int fd = mkstemp(out_path);
    REQUIRE(fd >= 0);
    close(fd);
    char out_arg[64];
    snprintf(out_arg, sizeof out_arg, "--benchmark_out=%s", out_path);

    /* gbench's flags, ours, and bad ones, mixed. */
    char a0[] = "test_shim", a1[] = "--benchmark_min_time=0.01", a2[] = "--bogus",
         a3[] = "--benchmark_format=xml", a5[] = "--benchmark_out_format=json",
         a6[] = "--benchmark_filter=^shim/", a7[] = "--benchmark_context=cli_key=cli_value",
         a8[] = "--help", a9[] = "positional", a10[] = "--benchmark_repetitions=x";
    char *argv[] = {a0, a1, a2, a3, out_arg, a5, a6, a7, a8, a9, a10, NULL};
    int argc = 11;
    CHECK_EQ(bench_init(&argc, argv), 0);
    CHECK_EQ(argc, 6);
    CHECK_STREQ(argv[0], "test_shim");
    CHECK_STREQ(argv[1], "--bogus");
    CHECK_STREQ(argv[2], "--benchmark_format=xml");
    CHECK_STREQ(argv[3], "--help");
    CHECK_STREQ(argv[4], "positional");
    CHECK_STREQ(argv[5], "--benchmark_repetitions=x");
    CHECK(argv[6] == NULL);

    CHECK_EQ(bench_add_context("git_commit", "abc1234"), 0);
    CHECK_EQ(bench_add_context("git_commit", "again"), -EEXIST);
    CHECK_EQ(bench_add_context("cli_key", "mine"), -EEXIST); /* the command line's wins */

    FILE *progress = tmpfile();
    REQUIRE(progress != NULL);
    struct bench_summary sum = {0};
    struct bench_run_opts opts = {.on_result = on_result, .user = &nrecs, .progress = progress};
    CHECK_EQ(bench_run(&opts, &sum), 0);
    CHECK(callback_user_ok);
    CHECK_EQ(misuse_failures, 0);
    CHECK_EQU(sum.matched, NTABLE);
    CHECK_EQU(sum.runs, 8);   /* 5 benchmarks once, shim/manual 3 times */
    CHECK_EQU(sum.errors, 3); /* skip, early, batch0 */
    CHECK_EQU(nrecs, 12);     /* the 8 runs and shim/manual's 4 aggregates */
    check_runs();

    const char *p = slurp(progress);
    fputs(p, stdout); /* shows the progress lines in the test's log */
    CHECK(strstr(p, "[1/6] shim/spin/n:100 ...\n") != NULL);
    CHECK(strstr(p, "[1/6] shim/spin/n:100: ") != NULL);
    CHECK(strstr(p, "[3/6] shim/error/kind:skip: ERROR: deliberate failure\n") != NULL);
    CHECK(strstr(p, "[6/6] shim/manual/reps:3 ...\n") != NULL);
    CHECK(strstr(p, "over 3 repetitions") != NULL);
    CHECK(strstr(p, "[7/") == NULL);

    /* --benchmark_out still wrote gbench's JSON, with our context in it. */
    FILE *json = fopen(out_path, "r");
    REQUIRE(json != NULL);
    const char *j = slurp(json);
    CHECK(strstr(j, "\"git_commit\": \"abc1234\"") != NULL);
    CHECK(strstr(j, "\"cli_key\": \"cli_value\"") != NULL);
    CHECK(strstr(j, "\"name\": \"shim/spin/n:100/process_time/real_time\"") != NULL);
    CHECK(strstr(j, "\"error_message\": \"deliberate failure\"") != NULL);
    CHECK(strstr(j, "\"items_per_second\"") != NULL);
    fclose(json);

    /* A narrower filter: N counts only what passes it. */
    char f1[] = "--benchmark_filter=n:64|kind:skip";
    char *argv2[] = {a0, f1, NULL};
    int argc2 = 2;
    CHECK_EQ(bench_init(&argc2, argv2), 0);
    CHECK_EQ(argc2, 1);
    progress = freopen(NULL, "w+", progress);
    REQUIRE(progress != NULL);
    nrecs = 0;
    opts.progress = progress;
    CHECK_EQ(bench_run(&opts, &sum), 0);
    CHECK_EQU(sum.matched, 2);
    CHECK_EQU(nrecs, 2);
    p = slurp(progress);
    CHECK(strstr(p, "[1/2] shim/batch/n:64 ...") != NULL);
    CHECK(strstr(p, "[2/2] shim/error/kind:skip ...") != NULL);

    /* --benchmark_list_tests lists, runs nothing; and turns off again. */
    char l1[] = "--benchmark_list_tests", l0[] = "--benchmark_list_tests=false",
         fall[] = "--benchmark_filter=shim/";
    char *argv3[] = {a0, l1, fall, NULL};
    int argc3 = 3;
    CHECK_EQ(bench_init(&argc3, argv3), 0);
    nrecs = 0;
    CHECK_EQ(bench_run(&opts, &sum), 0);
    CHECK_EQU(sum.matched, NTABLE);
    CHECK_EQU(sum.runs, 0);
    CHECK_EQU(nrecs, 0);
    char *argv4[] = {a0, l0, f1, NULL};
    int argc4 = 3;
    CHECK_EQ(bench_init(&argc4, argv4), 0);
    opts.quiet = 1;
    CHECK_EQ(bench_run(&opts, &sum), 0);
    CHECK_EQU(sum.runs, 2);
    CHECK_EQU(nrecs, 2);

    /* An --benchmark_out that cannot be opened is an error, not gbench's exit(1). */
    char bad_out[] = "--benchmark_out=/nonexistent-dir/x.json";
    char *argv5[] = {a0, bad_out, NULL};
    int argc5 = 2;
    CHECK_EQ(bench_init(&argc5, argv5), 0);
    CHECK_EQ(bench_run(&opts, &sum), -ENOENT);
    char no_out[] = "--benchmark_out=";
    char *argv6[] = {a0, no_out, NULL};
    int argc6 = 2;
    CHECK_EQ(bench_init(&argc6, argv6), 0);
    CHECK_EQ(bench_run(&opts, &sum), 0);

    /* Shut down: names and context are forgotten. */
    bench_shutdown();
    CHECK_EQ(bench_register(table, 1), 0);
    CHECK_EQ(bench_add_context("git_commit", "def5678"), 0);
    bench_shutdown();

    fclose(progress);
    remove(out_path);
    return check_report("test_shim");
}
