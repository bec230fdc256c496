/*
 * wsbench_mpi.c - one benchmark of the MPI suite, run under mpirun:
 *
 *   mpirun -np P wsbench-mpi --executor E --workload W [--params P]
 *          [--workers N] [--reps R] [--chunk C] [--poll-us U] [--out DIR]
 *
 * Executors (the names results.csv and the report use):
 *   mpi           one single-threaded rank per core: libwsched-mpi in inline
 *                 mode, stealing between ranks (--workers must be 1)
 *   mpi+stealing  ranks of wsched pools of N workers: the hybrid
 *   mpi-static    a static split over ranks x N threads, no stealing: the
 *                 frontier dealt round robin, each share counted alone
 *   serial        the sequential twin, on one rank (-np 1)
 * Workloads: uts (tree:T1..T5, T1L, T3L, spec:...) and nqueens (n:4..16);
 * every repetition checks its answer, and a wrong one fails the run.
 *
 * Rank 0 appends one row per repetition and a median row to
 * DIR/results.csv, in wsbench's columns (core/schema.h), named
 * <workload>/<executor>/<params>/ranks:<P>/workers:<P x N>, and one row per
 * rank per repetition to DIR/ranks.csv (mpi/ranks_schema.h). Without
 * --out it prints them. Exit status 0, 1 (a run failed or was wrong), 2
 * (bad arguments: every rank says so and exits; nothing hangs).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <wsched_mpi.h>

#include "core/schema.h"
#include "mpi/mpi_wl.h"
#include "mpi/ranks_schema.h"

#define MAX_REPS 100

enum executor { X_INLINE, X_POOL, X_STATIC, X_SERIAL };

static const struct {
    const char *name;
    enum executor x;
} executors[] = {
    {"mpi", X_INLINE},
    {"mpi+stealing", X_POOL},
    {"mpi-static", X_STATIC},
    {"serial", X_SERIAL},
};

static const struct mpi_wl *const workloads[] = {&mpi_wl_uts, &mpi_wl_nqueens};

struct opts {
    const char *exec_name, *wl_name, *params, *out;
    enum executor x;
    const struct mpi_wl *wl;
    unsigned workers, reps, poll_us;
    size_t chunk;
};

/* Per rank, per repetition: what rank 0 gathers. Plain data. */
struct rank_rec {
    struct ws_mpi_stats st;
    uint64_t cpu_ns;
    uint64_t rss_kb;
};

static int g_rank, g_ranks;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mpirun -np P wsbench-mpi --executor mpi|mpi+stealing|mpi-static|serial\n"
               "         --workload uts|nqueens [--params P] [--workers N] [--reps R]\n"
               "         [--chunk C] [--poll-us U] [--out DIR]\n"
               "  uts: tree:T1..T5, T1L, T3L or spec:<args, '_' for space>; nqueens: n:4..16\n");
}

/* 0, or 2 after saying why (on rank 0; every rank returns the same). */
static int parse(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
    *o = (struct opts){.workers = 1, .reps = 3};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL) {
            snprintf(err, errlen, "%s wants a value", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--executor") == 0)
            o->exec_name = v;
        else if (strcmp(a, "--workload") == 0)
            o->wl_name = v;
        else if (strcmp(a, "--params") == 0)
            o->params = v;
        else if (strcmp(a, "--out") == 0)
            o->out = v;
        else if (strcmp(a, "--workers") == 0)
            o->workers = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--reps") == 0)
            o->reps = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--chunk") == 0)
            o->chunk = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--poll-us") == 0)
            o->poll_us = (unsigned)strtoul(v, NULL, 10);
        else {
            snprintf(err, errlen, "unknown argument '%s'", a);
            return 2;
        }
    }
    size_t k = 0;
    while (o->exec_name && k < sizeof(executors) / sizeof(executors[0]) &&
           strcmp(executors[k].name, o->exec_name) != 0)
        k++;
    if (o->exec_name == NULL || k == sizeof(executors) / sizeof(executors[0])) {
        snprintf(err, errlen, "--executor: mpi, mpi+stealing, mpi-static or serial");
        return 2;
    }
    o->x = executors[k].x;
    for (k = 0; o->wl_name && k < sizeof(workloads) / sizeof(workloads[0]); k++)
        if (strcmp(workloads[k]->name, o->wl_name) == 0)
            o->wl = workloads[k];
    if (o->wl == NULL) {
        snprintf(err, errlen, "--workload: uts or nqueens");
        return 2;
    }
    if (o->params == NULL)
        o->params = o->wl->params_default;
    if (o->workers == 0 || o->workers > WS_MAX_WORKERS || o->reps == 0 || o->reps > MAX_REPS) {
        snprintf(err, errlen, "--workers 1..%d, --reps 1..%d", WS_MAX_WORKERS, MAX_REPS);
        return 2;
    }
    if ((o->x == X_INLINE || o->x == X_SERIAL) && o->workers != 1) {
        snprintf(err, errlen, "%s runs single-threaded ranks: --workers 1", o->exec_name);
        return 2;
    }
    if (o->x == X_SERIAL && g_ranks != 1) {
        snprintf(err, errlen, "serial is the sequential twin: run it with -np 1");
        return 2;
    }
    return 0;
}

/* ---- the static split: one thread per share ------------------------------------------------ */

struct share {
    pthread_t t;
    const struct opts *o;
    void *state;
    unsigned share, shares;
    char *result;
    int err;
    uint64_t busy_ns;
};

static void *share_main(void *arg)
{
    struct share *s = arg;
    uint64_t t0 = now_ns();
    s->err = s->o->wl->static_share(s->state, s->share, s->shares, s->result);
    s->busy_ns = now_ns() - t0;
    return NULL;
}

/* Counts this rank's shares on o->workers threads and reduces over the ranks. */
static int run_static(const struct opts *o, void *state, void *result, struct ws_mpi_stats *st)
{
    unsigned w = o->workers, shares = (unsigned)g_ranks * w;
    struct share *sh = calloc(w, sizeof(*sh));
    size_t rsz = o->wl->result_size;
    char *all = calloc(w, rsz);
    int err = sh && all ? 0 : -ENOMEM;
    uint64_t t0 = now_ns();

    for (unsigned i = 0; i < w && err == 0; i++) {
        sh[i] = (struct share){.o = o,
                               .state = state,
                               .share = (unsigned)g_rank * w + i,
                               .shares = shares,
                               .result = all + i * rsz};
        /* Share `shares` is empty: the call only builds the frontier for this
         * share count, before any thread reads it. */
        if (i == 0)
            o->wl->static_share(state, shares, shares, all);
        if (pthread_create(&sh[i].t, NULL, share_main, &sh[i]) != 0)
            err = -EAGAIN;
    }
    uint64_t items = 0, idle = 0;
    for (unsigned i = 0; i < w && sh && all; i++) {
        if (sh[i].t)
            pthread_join(sh[i].t, NULL);
        if (sh[i].err && !err)
            err = sh[i].err;
    }
    uint64_t wall = now_ns() - t0;
    for (unsigned i = 0; i < w && sh && all; i++)
        idle += wall - sh[i].busy_ns;
    memset(result, 0, rsz);
    for (unsigned i = 0; i < w && all; i++)
        o->wl->ops->reduce(result, all + i * rsz, rsz, NULL);
    items = o->wl->tasks(result);
    /* The global answer: a sum over ranks (every result here is counts). */
    void *mine = malloc(rsz);
    if (mine == NULL)
        err = -ENOMEM;
    else {
        memcpy(mine, result, rsz);
        /* The workload's own reduce (uts_count's depth is a maximum, not a
         * sum), over a gather on rank 0 and a broadcast. */
        char *gathered = g_rank == 0 ? malloc((size_t)g_ranks * rsz) : NULL;
        MPI_Gather(mine, (int)rsz, MPI_BYTE, gathered, (int)rsz, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (g_rank == 0) {
            memset(result, 0, rsz);
            for (int r = 0; gathered && r < g_ranks; r++)
                o->wl->ops->reduce(result, gathered + (size_t)r * rsz, rsz, NULL);
        }
        MPI_Bcast(result, (int)rsz, MPI_BYTE, 0, MPI_COMM_WORLD);
        free(gathered);
        free(mine);
    }
    int e = err, any = 0;
    MPI_Allreduce(&e, &any, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    memset(st, 0, sizeof(*st));
    st->items = items;
    st->workers = w;
    st->wall_ns = now_ns() - t0;
    st->idle_ns = idle;
    free(sh);
    free(all);
    return any;
}

/* ---- one repetition ------------------------------------------------------------------------ */

static int run_once(const struct opts *o, void *state, ws_pool *pool, void *result,
                    struct ws_mpi_stats *st, char *err, size_t errlen)
{
    const struct mpi_wl *wl = o->wl;
    int e = 0;
    memset(result, 0, wl->result_size);
    if (o->x == X_SERIAL || o->x == X_STATIC) {
        e = run_static(o, state, result, st);
        if (e != 0)
            snprintf(err, errlen, "%s: %s", o->exec_name, strerror(-e));
        return e;
    }
    void *items = NULL;
    size_t n = 0;
    e = wl->roots(state, g_rank, &items, &n);
    struct ws_mpi_config c = WS_MPI_CONFIG_INIT;
    c.item_size = wl->item_size;
    c.result_size = wl->result_size;
    c.mode = o->x == X_INLINE ? WS_MPI_INLINE : WS_MPI_POOL;
    c.pool = pool;
    c.chunk = o->chunk;
    c.poll_us = o->poll_us;
    /* Roots that could not be made are a bad configuration on this rank:
     * ws_mpi_run reports it on every rank. */
    e = ws_mpi_run(MPI_COMM_WORLD, &c, wl->ops, e == 0 ? items : NULL, e == 0 ? n : 1, state,
                   result, st);
    if (e != 0)
        snprintf(err, errlen, "%s: %s (%.160s)", o->exec_name, ws_strerror(e), st->error);
    free(items);
    return e;
}

/* ---- output -------------------------------------------------------------------------------- */

static FILE *open_csv(const char *dir, const char *file, const char *header)
{
    char path[4096];
    struct stat sb;
    if (dir == NULL) {
        printf("%s\n", header);
        return stdout;
    }
    mkdir(dir, 0777);
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fresh = stat(path, &sb) != 0 || sb.st_size == 0;
    FILE *f = fopen(path, "a");
    if (f == NULL) {
        fprintf(stderr, "wsbench-mpi: cannot write %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fresh)
        fprintf(f, "%s\n", header);
    return f;
}

static const char *ranks_header(void)
{
    static char h[1024];
    size_t n = (size_t)snprintf(h, sizeof(h), "name,stat");
#define RANKS_HDR_(c) n += (size_t)snprintf(h + n, sizeof(h) - n, "," #c);
    WSBENCH_RANK_COLUMNS(RANKS_HDR_)
#undef RANKS_HDR_
    return h;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Rank 0: the rows of every repetition, then the median. */
static int write_rows(const struct opts *o, const uint64_t *real, const struct rank_rec *recs,
                      const char (*errs)[256])
{
    char name[256], params[192], stat[16];
    unsigned cores = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = (unsigned)g_ranks * o->workers;
    FILE *rf = open_csv(o->out, "results.csv", wsbench_csv_header());
    FILE *kf = rf ? open_csv(o->out, "ranks.csv", ranks_header()) : NULL;
    if (rf == NULL || kf == NULL)
        return -1;
    /* A chunk or polling interval other than the library's default is part
     * of the name, so that a sweep of them (wsbench --suite mpi-tune) keeps
     * its points apart. */
    char tune[48] = "";
    int tn = o->chunk ? snprintf(tune, sizeof(tune), "/chunk:%zu", o->chunk) : 0;
    if (o->poll_us)
        snprintf(tune + tn, sizeof(tune) - (size_t)tn, "/poll_us:%u", o->poll_us);
    snprintf(params, sizeof(params), "%s%s/ranks:%d", o->params, tune, g_ranks);
    snprintf(name, sizeof(name), "%s/%s/%s/workers:%u", o->wl->name, o->exec_name, params, threads);
    uint64_t sorted[MAX_REPS];
    memcpy(sorted, real, o->reps * sizeof(*real));
    qsort(sorted, o->reps, sizeof(*sorted), cmp_u64);
    uint64_t med = sorted[o->reps / 2];
    unsigned med_rep = 0;
    while (med_rep < o->reps && real[med_rep] != med)
        med_rep++;
    for (unsigned k = 0; k <= o->reps; k++) {
        unsigned rep = k < o->reps ? k : med_rep;
        const struct rank_rec *rr = &recs[(size_t)rep * (size_t)g_ranks];
        double cpu = 0, rss = 0, tasks = 0;
        for (int r = 0; r < g_ranks; r++) {
            cpu += (double)rr[r].cpu_ns;
            rss = rss > (double)rr[r].rss_kb ? rss : (double)rr[r].rss_kb;
            tasks += (double)rr[r].st.items;
        }
        if (k < o->reps)
            snprintf(stat, sizeof(stat), "rep%u", k);
        else
            snprintf(stat, sizeof(stat), "median");
        struct wsbench_result row = {
            .name = name,
            .workload = o->wl->name,
            .kind = "cpu",
            .executor = o->exec_name,
            .params = params,
            .workers = threads,
            .stat = stat,
            .reps = k < o->reps ? 1 : (int64_t)o->reps,
            .real_ns = (double)real[rep],
            .cpu_ns = cpu,
            .tasks = tasks,
            .tasks_per_s = real[rep] ? tasks / ((double)real[rep] / 1e9) : 0,
            .max_rss_kb = rss,
            .error = errs[rep],
        };
        wsbench_csv_row(rf, &row);
        for (int r = 0; r < g_ranks; r++) {
            const struct ws_mpi_stats *s = &rr[r].st;
            uint64_t v_rank = (uint64_t)r, v_ranks = (uint64_t)g_ranks, v_workers = s->workers,
                     v_cores = cores;
            fprintf(kf, "%s,%s", name, stat);
#define V_rank         v_rank
#define V_ranks        v_ranks
#define V_workers      v_workers
#define V_cores        v_cores
#define V_items        s->items
#define V_steals       s->steals
#define V_steals_ok    s->steals_ok
#define V_lifelines    s->lifelines
#define V_lifelines_ok s->lifelines_ok
#define V_served       s->served
#define V_refused      s->refused
#define V_chunks_sent  s->chunks_sent
#define V_chunks_recv  s->chunks_recv
#define V_items_sent   s->items_sent
#define V_items_recv   s->items_recv
#define V_bytes_sent   s->bytes_sent
#define V_bytes_recv   s->bytes_recv
#define V_msgs_sent    s->msgs_sent
#define V_msgs_recv    s->msgs_recv
#define V_token_rounds s->token_rounds
#define V_polls        s->polls
#define V_wall_ns      s->wall_ns
#define V_idle_ns      s->idle_ns
#define V_passive_ns   s->passive_ns
#define RANKS_ROW_(c)  fprintf(kf, ",%" PRIu64, (uint64_t)(V_##c));
            WSBENCH_RANK_COLUMNS(RANKS_ROW_)
#undef RANKS_ROW_
            fputc('\n', kf);
        }
    }
    int bad = 0;
    if (rf != stdout)
        bad |= fclose(rf) != 0;
    if (kf != stdout)
        bad |= fclose(kf) != 0;
    fprintf(stderr, "wsbench-mpi: %s: median %.1f ms over %u reps%s\n", name, (double)med / 1e6,
            o->reps,
            threads > cores ? " (ranks x workers > cores: oversubscribed, a load-balance and "
                              "overhead run, not a speedup)"
                            : "");
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    char err[256] = "";
    int provided = 0, rc = 0;

    /* SERIALIZED: pool mode's workers poll MPI one at a time (wsched_mpi.h). */
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_ranks);
    if (parse(argc, argv, &o, err, sizeof(err)) != 0) {
        if (g_rank == 0) {
            fprintf(stderr, "wsbench-mpi: %s\n", err);
            usage(stderr);
        }
        MPI_Finalize();
        return 2;
    }
    void *state = NULL;
    int e = o.wl->prepare(o.params, &state, err, sizeof(err));
    if (e != 0) {
        if (g_rank == 0)
            fprintf(stderr, "wsbench-mpi: --params %s: %s\n", o.params, err);
        MPI_Finalize();
        return 2;
    }
    ws_pool *pool = NULL;
    if (o.x == X_POOL) {
        struct ws_config wc = WS_CONFIG_INIT;
        wc.workers = o.workers;
        /* Ranks share the machine's cores: each pool binding its workers to
         * cores 0..N-1 would stack every rank there. The OS spreads them. */
        wc.pin = WS_PIN_NONE;
        e = ws_pool_create(&pool, &wc);
        int any = 0;
        MPI_Allreduce(&e, &any, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (any != 0) {
            if (g_rank == 0)
                fprintf(stderr, "wsbench-mpi: a rank's pool: %s\n", ws_strerror(any));
            ws_pool_destroy(pool);
            MPI_Finalize();
            return 1;
        }
    }
    uint64_t real[MAX_REPS];
    struct rank_rec *recs = calloc((size_t)o.reps * (size_t)g_ranks, sizeof(*recs));
    char(*errs)[256] = calloc(o.reps, sizeof(*errs));
    void *result = malloc(o.wl->result_size);
    if (recs == NULL || errs == NULL || result == NULL) {
        fprintf(stderr, "wsbench-mpi: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (unsigned k = 0; k < o.reps; k++) {
        struct rank_rec mine = {0};
        char why[256] = "";
        MPI_Barrier(MPI_COMM_WORLD);
        uint64_t c0 = cpu_ns(), t0 = now_ns();
        e = run_once(&o, state, pool, result, &mine.st, why, sizeof(why));
        MPI_Barrier(MPI_COMM_WORLD);
        real[k] = now_ns() - t0;
        mine.cpu_ns = cpu_ns() - c0;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        mine.rss_kb = (uint64_t)ru.ru_maxrss;
        if (e == 0)
            e = o.wl->check(state, result, why, sizeof(why));
        if (e != 0)
            rc = 1;
        if (g_rank == 0) {
            snprintf(errs[k], sizeof(errs[k]), "%s", why);
            for (char *p = errs[k]; *p; p++)
                if (*p == ',' || *p == '\n')
                    *p = ';';
            if (e != 0)
                fprintf(stderr, "wsbench-mpi: rep %u: %s\n", k, why);
        }
        MPI_Gather(&mine, (int)sizeof(mine), MPI_BYTE, recs + (size_t)k * (size_t)g_ranks,
                   (int)sizeof(mine), MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    if (g_rank == 0 && write_rows(&o, real, recs, (const char(*)[256])errs) != 0)
        rc = 1;
    int any = 0;
    MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    ws_pool_destroy(pool);
    o.wl->release(state);
    free(recs);
    free(errs);
    free(result);
    MPI_Finalize();
    return any;
}
