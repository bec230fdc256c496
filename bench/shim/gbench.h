/*
 * gbench.h - Google Benchmark, driven from C (STYLE rule 19).
 *
 * A C program registers benchmarks from a table, hands its argv to
 * bench_init() (which takes out gbench's own flags and leaves the rest), and
 * calls bench_run(). Every benchmark is timed in real (wall-clock) time and
 * also records the process's CPU time over all its threads, so idle workers
 * that spin show up as CPU time well above real time.
 *
 *     static void bm_fib(bench_state *s, void *user)
 *     {
 *         const struct fib_params *p = user;
 *         while (bench_keep_running(s))
 *             if (fib(p->n) != p->answer)
 *                 bench_skip_with_error(s, "fib: wrong answer");
 *         bench_counter(s, "spawns", p->spawns, BENCH_COUNTER_RATE);
 *     }
 *     static const struct bench_def defs[] = {
 *         {.name = "fib/serial/n:30/workers:1", .fn = bm_fib, .user = &fib30},
 *     };
 *     bench_init(&argc, argv);        // argv now holds only non-gbench args
 *     bench_register(defs, 1);
 *     bench_add_context("git_commit", "abc1234");
 *     bench_run(&(struct bench_run_opts){.on_result = write_csv_row}, &summary);
 *
 * gbench's flags work as documented by gbench (--benchmark_filter,
 * --benchmark_format, --benchmark_out, --benchmark_out_format,
 * --benchmark_repetitions, --benchmark_min_time (seconds, a plain number in
 * 1.7), --benchmark_list_tests, --benchmark_context, ...).
 *
 * Threads: everything here is called from one thread. bench_state functions
 * are called only by the benchmark function they were passed to, on the
 * thread that called it. The rest must not be called from inside a
 * benchmark (they return -EBUSY).
 *
 * Errors are 0 or a negative errno. Nothing here exits or aborts on bad
 * input: misuse inside a benchmark (a bad batch size, pausing twice,
 * returning before the loop ends) turns that run into a run that is
 * reported with an error.
 */
#ifndef WSBENCH_GBENCH_H
#define WSBENCH_GBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Inside a benchmark ------------------------------------------------- */

/* The running benchmark's state: valid only during the call it is passed to. */
typedef struct bench_state bench_state;

/*
 * The timing loop. gbench decides how many iterations to run; the loop body
 * is timed. Returns 1 to run one more iteration, 0 when done (then never call
 * it again). Both forms may not be mixed in one call of the function.
 *     while (bench_keep_running(s)) { one iteration }
 */
int bench_keep_running(bench_state *s);

/*
 * Batched form: returns 1 if the caller should run n more iterations, 0
 * when done. May overshoot gbench's count by up to n - 1 iterations (all
 * counted). n <= 0 ends the run with an error. With n set to
 * bench_max_iterations(s) the loop body runs once per call of the function:
 *     int64_t n = bench_max_iterations(s);
 *     while (bench_keep_running_batch(s, n)) { n iterations }
 */
int bench_keep_running_batch(bench_state *s, int64_t n);

/* The number of iterations gbench wants from this call of the function. */
int64_t bench_max_iterations(const bench_state *s);

/* The iterations completed so far in this call. */
int64_t bench_iterations(const bench_state *s);

/* The benchmark's name as registered (owned by the shim). */
const char *bench_name(const bench_state *s);

/*
 * Stop and restart the timer inside the loop (both real and CPU time; costly,
 * two clock reads each). 0, or -EINVAL outside the loop, when already
 * paused/running, or after an error. bench_keep_running*() resumes a paused
 * timer itself.
 */
int bench_pause(bench_state *s);
int bench_resume(bench_state *s);

/*
 * Ends the run as failed with msg (copied; NULL reads as "error"). The next
 * bench_keep_running*() returns 0; the function should then return. The run
 * reaches bench_run()'s callback with error set. 0 or -EINVAL (s NULL).
 */
int bench_skip_with_error(bench_state *s, const char *msg);

/* How a counter's value is shown (gbench's benchmark::Counter flags). */
enum bench_counter_flags {
    BENCH_COUNTER_DEFAULT = 0,                  /* the value as given */
    BENCH_COUNTER_RATE = 1 << 0,                /* divided by the run's time: per second */
    BENCH_COUNTER_AVG_THREADS = 1 << 1,         /* divided by gbench threads (always 1 here) */
    BENCH_COUNTER_ITERATION_INVARIANT = 1 << 2, /* multiplied by the iteration count */
    BENCH_COUNTER_PER_ITERATION = 1 << 3,       /* divided by the iteration count */
    BENCH_COUNTER_INVERT = 1 << 4,              /* 1/value, after the above (e.g. s per item) */
    BENCH_COUNTER_KIBI = 1 << 5,                /* scale by 1024, not 1000, when printed */
};

/*
 * Sets user counter name (copied) to value with flags (an OR of
 * bench_counter_flags); setting it again replaces it. Usually called after
 * the loop. 0, -EINVAL (NULL or empty name, unknown flag, NaN) or -ENOMEM.
 */
int bench_counter(bench_state *s, const char *name, double value, unsigned flags);

/* gbench's items_per_second / bytes_per_second: items or bytes over the whole run. 0 or -EINVAL. */
int bench_set_items_processed(bench_state *s, int64_t items);
int bench_set_bytes_processed(bench_state *s, int64_t bytes);

/*
 * For benchmarks registered with use_manual_time: the wall-clock seconds
 * this iteration took, measured by the caller; call once per iteration.
 * 0, or -EINVAL (negative, NaN or infinite seconds).
 */
int bench_set_iteration_time(bench_state *s, double seconds);

/* A label printed after the run's row (copied). 0, -EINVAL or -ENOMEM. */
int bench_set_label(bench_state *s, const char *label);

/* ---- Registration -------------------------------------------------------- */

typedef void (*bench_fn)(bench_state *s, void *user);

struct bench_def {
    const char *name;       /* e.g. "uts/T3/stealing/workers:2": any bytes but NUL; copied */
    bench_fn fn;            /* called many times: once per trial and per repetition */
    void *user;             /* passed to fn; borrowed, must outlive bench_run() */
    double min_time;        /* seconds of timing per repetition; 0: --benchmark_min_time */
    double min_warmup_time; /* seconds of untimed warm-up; 0: --benchmark_min_warmup_time */
    int64_t iterations;     /* a fixed iteration count (not with min_time); 0: gbench chooses */
    int repetitions;        /* 0: --benchmark_repetitions */
    int use_manual_time;    /* 1: the time is bench_set_iteration_time()'s (still wall clock) */
};

/*
 * Registers n benchmarks, all or none. Names must be unique among all the
 * shim's registrations. Any thread, not during bench_run(). 0, -EINVAL (defs
 * NULL with n > 0, a NULL/empty name or NULL fn, negative or non-finite
 * times, negative iterations or repetitions, iterations with min_time),
 * -EEXIST (a duplicate name), -EBUSY, or -ENOMEM (then some may be registered).
 */
int bench_register(const struct bench_def *defs, size_t n);

/* ---- Running -------------------------------------------------------------- */

/*
 * Parses gbench's flags out of argv (argv[0] is the program). On return
 * argv[1..*argc) holds, in their order, the arguments gbench did not take:
 * the caller's own flags and anything unrecognised (report those as usage
 * errors), and argv[*argc] is NULL. Not taken, so left for the caller:
 * "--help" (gbench would print its help and exit; bench_print_flags_help()
 * prints gbench's part), and a --benchmark_format, --benchmark_out_format,
 * --benchmark_time_unit or --benchmark_color with an invalid value (gbench
 * would exit 0 on those). Flags keep their values across calls.
 * 0, -EINVAL (argc/argv NULL, *argc < 1, or an invalid value of one of
 * those four flags in gbench's environment variables, e.g.
 * BENCHMARK_FORMAT=xml, with no flag overriding it), -EBUSY or -ENOMEM.
 */
int bench_init(int *argc, char **argv);

/* Prints gbench's flag summary to stdout. */
void bench_print_flags_help(void);

/*
 * Adds "key": "value" (both copied) to the context of gbench's JSON output
 * (git commit, compiler, flags, topology...). 0, -EINVAL (NULL or empty key,
 * NULL value), -EEXIST (key already present, e.g. from gbench itself or
 * --benchmark_context), -EBUSY or -ENOMEM.
 */
int bench_add_context(const char *key, const char *value);

struct bench_counter_value {
    const char *name;
    double value; /* as gbench reports it: rates already divided by time, etc. */
};

/* One finished run, as gbench's reporters see it. Pointers valid during the callback only. */
struct bench_result {
    const char *name;       /* as registered: "uts/T3/stealing/workers:2" */
    const char *run_name;   /* gbench's full name, as in its output and JSON: name plus
                               "/min_time:..", "/process_time/real_time", "_mean", ... */
    const char *aggregate;  /* "" for a plain run; "mean", "median", "stddev", "cv" */
    int aggregate_is_ratio; /* 1 for "cv": real_ns and cpu_ns hold a ratio (0.02 = 2%) */
    double real_ns;         /* wall-clock ns per iteration (manual time if so registered) */
    double cpu_ns;          /* process CPU ns (all threads) per iteration */
    int64_t iterations;     /* for an aggregate: the number of repetitions it summarises */
    int64_t repetition;     /* 0-based index of this repetition; -1 for an aggregate */
    int64_t repetitions;    /* repetitions of this benchmark */
    const char *error;      /* NULL, or the message of bench_skip_with_error() */
    const char *label;      /* "" unless bench_set_label() */
    size_t ncounters;
    const struct bench_counter_value *counters; /* sorted by name; items_per_second, ... too */
};

typedef void (*bench_result_fn)(const struct bench_result *r, void *user);

struct bench_run_opts {
    /*
     * Called for every run the display reporter receives, in its order: each
     * repetition, then its aggregates (only the aggregates under
     * --benchmark_display_aggregates_only or --benchmark_report_aggregates_only).
     * NULL: none.
     */
    bench_result_fn on_result;
    void *user;     /* passed to on_result */
    int quiet;      /* 1: no progress lines */
    FILE *progress; /* where progress lines go; NULL: stderr */
};

struct bench_summary {
    size_t matched; /* benchmarks that passed --benchmark_filter */
    size_t runs;    /* plain (non-aggregate) runs reported */
    size_t errors;  /* of those, runs that ended with an error */
};

/*
 * Runs every registered benchmark that passes --benchmark_filter, with
 * gbench's console/JSON/CSV output on stdout and --benchmark_out as usual
 * (under --benchmark_list_tests, only lists their names). Progress lines go
 * to opts->progress as each benchmark starts and ends:
 *     [12/60] uts/T3/stealing/workers:2 ...
 *     [12/60] uts/T3/stealing/workers:2: 1.52 ms real, 3.01 ms cpu per iteration (460 iterations)
 * 60 being the number that pass the filter. The display format is fixed by
 * the first bench_run() in the process (gbench creates that reporter once).
 * opts may be NULL (defaults), out may be NULL.
 * 0 (even if no benchmark matched or some failed: see *out), the negative
 * errno of opening the --benchmark_out file (then nothing runs), -EBUSY
 * (called from a benchmark), or -ENOMEM. An invalid filter regex is reported by gbench
 * on stderr and matches nothing.
 */
int bench_run(const struct bench_run_opts *opts, struct bench_summary *out);

/* Forgets every registration and the added context. Not during bench_run(). */
void bench_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_GBENCH_H */
