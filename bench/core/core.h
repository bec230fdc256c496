/*
 * core.h - the parts of wsbench's command line (core/): the suites
 * (suite.c), the runner (runner.c), the results writer (results.c) and
 * the run's context (context.c), as wsbench.c puts them together.
 */
#ifndef WSBENCH_CORE_H
#define WSBENCH_CORE_H

#include <stddef.h>

#include "exec/exec.h"
#include "gbench.h"
#include "workloads/workload.h"

/* One benchmark: named <workload>/<executor>/<params>/workers:<P>. */
struct bm {
    const struct workload *w;
    const struct exec_ops *ops; /* NULL: the serial twin */
    char params[128];
    unsigned workers;
    char name[256];
    char label[192]; /* "<workload>/<params>": how run errors name it */
    /* In rounds (wsbench.c): whole runs per timed repetition, chosen from
     * the first, timed warm-up run (0: not yet), and the seconds one
     * repetition took, which the adaptive rounds budget by. */
    unsigned runs;
    double rep_seconds;
};

/* The command line, as parse_args() leaves it. */
struct options {
    int quick;
    const char *suite;
    const char *executors;
    const char *workloads;
    const unsigned *workers; /* NULL: the suite's */
    unsigned workers_buf[32];
    const char *out;
    int report;
    int micro;
    struct {
        const struct workload *w;
        const char *params;
    } ovr[16]; /* --params W=P: P replaces the suite's parameters for W */
    size_t novr;
};

/* ---- suite.c ----------------------------------------------------------------------------- */

/* Does the comma-separated list name name, or is it NULL or "all"? */
int suite_list_has(const char *list, const char *name);
/* Parses "W=P" into o->ovr. 0, or -1 after saying why. */
int suite_parse_override(const char *v, struct options *o);
/* Builds the benchmarks of o's suite and filters. 0, or -1 after saying why. */
int suite_build(const struct options *o);
/* The benchmarks suite_build() made. */
struct bm *suite_bms(size_t *n);

/* ---- runner.c ---------------------------------------------------------------------------- */

/* Before the first and after the last benchmark. 0, or -ENOMEM. */
int runner_init(void);
void runner_fini(void);
/* The prepared state of b's workload and parameters, prepared now if new. */
int runner_state(const struct bm *b, void **state, char *err, size_t errlen);
void runner_release_states(void);
void runner_drop_exec(void);
/* gbench's function for every benchmark of the suite; user is its struct bm:
 * one whole run per gbench iteration. */
void runner_bm(bench_state *s, void *user);
/* One repetition in rounds, as one gbench iteration (registered with
 * iterations 1): b->runs whole runs, after an untimed warm-up run where the
 * executor is new or b->runs not chosen yet (then chosen from that run's
 * time: enough runs for rep_seconds). skip: run nothing (an adaptive round
 * the benchmark does not get), reported with the counter runs = 0. */
void runner_round(bench_state *s, struct bm *b, double rep_seconds, int skip);

/* ---- results.c --------------------------------------------------------------------------- */

/* gbench's on_result: keeps one row per result. */
void results_on_result(const struct bench_result *r, void *user);
/* Writes results.csv to path: 0 (*rows written), or -1 after saying why. */
int results_write_csv(const char *path, size_t *rows);
/* The repetitions that failed. */
size_t results_errors(void);
/* The benchmarks whose verdict is open so far: in each case (a workload with
 * its parameters) each executor at its best worker count by median, and
 * where the winner's interval overlaps the runner-up's, both are marked in
 * want[] (1; 0 for the others). Returns how many are marked. */
size_t results_contested(const struct bm *bms, size_t n, int *want);

/* ---- context.c --------------------------------------------------------------------------- */

/* The registry's names, space-separated: executors (variants 1: only the
 * variants, 0: the others), or workloads (variants < 0). */
void context_registry_names(char *out, size_t cap, int variants);
/* The short commit, with "-dirty" if tracked files but results/ changed. */
void context_git_commit(char *out, size_t cap);
/* A run's default directory: results/<date>_<commit><suffix> ("" or "-servers"). */
void context_default_out(char *out, size_t cap, const char *suffix);
/* Writes dir/context.txt and dir/command.txt, and gives gbench the context. 0, or -1. */
int context_write(const char *dir, int argc, char **argv);
/* The results directory context_write() wrote to, or NULL (--out -): where
 * the micro-benchmarks with files of their own (idle.csv) put them. */
const char *context_dir(void);
/* Adds when the run finished and how long it took to dir/context.txt. */
void context_finish(const char *dir);
int context_mkdir_p(const char *dir);

#endif /* WSBENCH_CORE_H */
