/*
 * exec_check.h - what the executor tests share: a piece with a known answer
 * (and ways to make it fail), counts of this process's descriptors, threads
 * and children, and a sub-process with a limit on processes.
 *
 * Include once, after check.h, in a test program that links one executor.
 */
#ifndef WS_EXEC_CHECK_H
#define WS_EXEC_CHECK_H

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "exec/exec.h"
#include "proc_check.h"

/* What the test piece does besides computing its answer. */
enum tpiece_action {
    TP_OK,       /* writes len bytes of answer(value, j) */
    TP_ERROR,    /* returns -EDOM */
    TP_TOO_LONG, /* claims res_cap + 1 bytes */
    TP_KILL,     /* raise(SIGKILL): only in a worker process */
    TP_EXIT,     /* _exit(7): only in a worker process */
    TP_PID,      /* answers with getpid() */
    TP_SUM,      /* answers with the sum of the payload bytes after this header */
    TP_GATE,     /* sets tpiece_gate[0], then waits for tpiece_gate[1] */
};

/* The piece's argument; TP_SUM's payload follows it. */
struct tpiece_arg {
    uint32_t value;
    uint32_t action;
    uint32_t len;  /* answer bytes to write */
    uint32_t slot; /* which tpiece_runs counter to count the run in */
};

/*
 * Runs per slot. Pieces add to it with relaxed atomics: the tests read it
 * only after map() returned, which orders it (a mutex hand-off in-process;
 * a socket message from a worker process, which TSan does not see and needs
 * not). A procpool test points it at MAP_SHARED memory before forking.
 */
static _Atomic uint32_t *tpiece_runs;

/*
 * TP_GATE's two flags: [0] "the piece has started", [1] "it may return".
 * Seq_cst: a flag hand-off between two processes (or threads), pairing each
 * store with the other side's loads; too rare to be worth weaker orders.
 */
static _Atomic uint32_t *tpiece_gate;

static inline uint8_t tpiece_byte(uint32_t value, size_t j)
{
    return (uint8_t)((value * 2654435761u + (uint32_t)j * 40503u) >> 13);
}

static inline int tpiece(const void *argp, size_t arg_len, void *res, size_t res_cap,
                         size_t *res_len)
{
    struct tpiece_arg a;
    unsigned char *out = res;

    if (arg_len < sizeof(a))
        return -EINVAL;
    memcpy(&a, argp, sizeof(a)); /* argp need not be aligned */
    if (tpiece_runs != NULL)
        atomic_fetch_add_explicit(&tpiece_runs[a.slot], 1, memory_order_relaxed);
    switch (a.action) {
    case TP_ERROR:
        return -EDOM;
    case TP_TOO_LONG:
        *res_len = res_cap + 1;
        return 0;
    case TP_KILL:
        raise(SIGKILL);
        return -EFAULT; /* not reached */
    case TP_EXIT:
        _exit(7);
    case TP_PID: {
        int32_t pid = (int32_t)getpid();
        if (res_cap < sizeof(pid))
            return -EMSGSIZE;
        memcpy(res, &pid, sizeof(pid));
        *res_len = sizeof(pid);
        return 0;
    }
    case TP_SUM: {
        const unsigned char *p = (const unsigned char *)argp + sizeof(a);
        uint64_t sum = 0;
        for (size_t j = 0; j < arg_len - sizeof(a); j++)
            sum += p[j];
        if (res_cap < sizeof(sum))
            return -EMSGSIZE;
        memcpy(res, &sum, sizeof(sum));
        *res_len = sizeof(sum);
        return 0;
    }
    case TP_GATE:
        atomic_store(&tpiece_gate[0], 1);
        while (atomic_load(&tpiece_gate[1]) == 0)
            usleep(1000);
        break;
    default:
        break;
    }
    if (a.len > res_cap)
        return -EMSGSIZE;
    for (size_t j = 0; j < a.len; j++)
        out[j] = tpiece_byte(a.value, j);
    *res_len = a.len;
    return 0;
}

/* The answer bytes piece `value` writes: 1 if res[0, len) is it. */
static inline int tpiece_answer_ok(uint32_t value, const unsigned char *res, size_t len)
{
    for (size_t j = 0; j < len; j++)
        if (res[j] != tpiece_byte(value, j))
            return 0;
    return 1;
}

/* n pieces with their arguments and result buffers, in one allocation each. */
struct tbatch {
    size_t n;
    struct exec_piece *p;
    struct tpiece_arg *args;
    unsigned char *res; /* n * cap bytes */
    size_t cap;
};

/*
 * Piece i: value i * 7 + 1, slot i, action TP_OK, answer length
 * (i % 5 == 0 ? three pages and a bit : i % 97) bytes, capacity cap.
 */
static inline void tbatch_init(struct tbatch *b, size_t n, size_t cap)
{
    b->n = n;
    b->cap = cap;
    b->p = calloc(n, sizeof(*b->p));
    b->args = calloc(n, sizeof(*b->args));
    b->res = malloc(n * cap);
    REQUIRE(b->p != NULL && b->args != NULL && b->res != NULL);
    for (size_t i = 0; i < n; i++) {
        b->args[i] = (struct tpiece_arg){.value = (uint32_t)i * 7 + 1,
                                         .action = TP_OK,
                                         .len = i % 5 == 0 ? 3 * 4096 + 17 : (uint32_t)(i % 97),
                                         .slot = (uint32_t)i};
        if (b->args[i].len > cap)
            b->args[i].len = (uint32_t)cap;
        b->p[i] = (struct exec_piece){.id = (uint32_t)i,
                                      .arg = &b->args[i],
                                      .arg_len = sizeof(b->args[i]),
                                      .res = b->res + i * cap,
                                      .res_cap = cap,
                                      .status = 12345};
    }
}

static inline void tbatch_free(struct tbatch *b)
{
    free(b->p);
    free(b->args);
    free(b->res);
}

/* Checks piece i of a map: status, answer, one run, ordered timestamps. */
static inline void tbatch_check_piece(const struct tbatch *b, size_t i, int want_status)
{
    const struct exec_piece *p = &b->p[i];

    CHECK_EQ(p->status, want_status);
    if (want_status == 0 && b->args[i].action == TP_OK) {
        CHECK_EQU(p->res_len, b->args[i].len);
        CHECK(tpiece_answer_ok(b->args[i].value, p->res, p->res_len));
    }
    if (want_status != 0)
        CHECK_EQU(p->res_len, 0);
    if (tpiece_runs != NULL)
        CHECK_EQU(atomic_load_explicit(&tpiece_runs[b->args[i].slot], memory_order_relaxed), 1);
    CHECK(p->t_submit_ns != 0);
    CHECK_LE(p->t_submit_ns, p->t_start_ns);
    CHECK_LE(p->t_start_ns, p->t_done_ns);
}

/* Sets the run counters of slots [0, n) back to 0. */
static inline void tpiece_reset_runs(size_t n)
{
    for (size_t i = 0; i < n; i++)
        atomic_store_explicit(&tpiece_runs[i], 0, memory_order_relaxed);
}

/* ---- the process ------------------------------------------------------- */

/* Processes, zombies included, whose parent is this process. */
static inline size_t count_children(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    size_t n = 0;

    REQUIRE(d != NULL);
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[512];
        FILE *f;
        size_t len;
        const char *close_paren;
        char state;
        int ppid;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue; /* gone meanwhile */
        len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        close_paren = strrchr(buf, ')'); /* the command name may hold anything */
        if (close_paren != NULL && sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 &&
            ppid == (int)getpid())
            n++;
    }
    closedir(d);
    return n;
}

#define TLIMITED_SKIP 77

/*
 * Runs body(arg) in a child process that can start only `nproc` processes
 * and threads in all (RLIMIT_NPROC does not bind root, so the child becomes
 * "nobody"). The limit is soft: body may raise it back up to 4096. Returns
 * body's return value (its number of failed checks), or TLIMITED_SKIP if the
 * child could not drop root.
 */
static inline int run_limited(unsigned nproc, int (*body)(void *), void *arg)
{
    pid_t pid;
    int st;

    fflush(NULL); /* so the child's exit cannot repeat our buffered output */
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {.rlim_cur = nproc, .rlim_max = 4096};
        if (setrlimit(RLIMIT_NPROC, &rl) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(TLIMITED_SKIP);
        prctl(PR_SET_DUMPABLE, 1); /* keep /proc/self readable after the uid change */
        check_failures = 0;        /* count only the child's own */
        st = body(arg);
        fflush(NULL);
        _exit(st > 100 ? 100 : st);
    }
    while (waitpid(pid, &st, 0) < 0)
        REQUIRE(errno == EINTR);
    REQUIRE(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* Sets RLIMIT_NPROC's soft limit (in a run_limited() child). */
static inline void set_nproc(unsigned nproc)
{
    struct rlimit rl;

    REQUIRE(getrlimit(RLIMIT_NPROC, &rl) == 0);
    rl.rlim_cur = nproc;
    REQUIRE(setrlimit(RLIMIT_NPROC, &rl) == 0);
}

static inline size_t parse_size_arg(int argc, char **argv, size_t dflt)
{
    if (argc > 1) {
        char *end;
        unsigned long long v = strtoull(argv[1], &end, 10);
        if (*end != '\0' || v == 0 || v > 10000000) {
            fprintf(stderr, "usage: %s [pieces (1..10^7)]\n", argv[0]);
            exit(2);
        }
        return (size_t)v;
    }
    return dflt;
}

/* ---- checks any executor must pass, given its ops ---------------------- */

/* An executor asked for `workers`, whose workers() must say want (a model of fixed size). */
static inline struct exec *texec_make_sized(const struct exec_ops *ops, unsigned workers,
                                            unsigned want)
{
    struct exec_config cfg = {.workers = workers};
    struct exec *x = NULL;
    int e = ops->create(&x, &cfg);

    CHECK_EQ(e, 0);
    REQUIRE(e == 0 && x != NULL);
    CHECK_EQU(ops->workers(x), want);
    return x;
}

static inline struct exec *texec_make(const struct exec_ops *ops, unsigned workers)
{
    return texec_make_sized(ops, workers, workers);
}

/* Maps all of b, which must succeed, and checks every piece. */
static inline void texec_map_ok(const struct exec_ops *ops, struct exec *x, struct tbatch *b)
{
    tpiece_reset_runs(b->n);
    CHECK_EQ(ops->map(x, tpiece, b->p, b->n), 0);
    for (size_t i = 0; i < b->n; i++)
        tbatch_check_piece(b, i, 0);
}

/*
 * n pieces with answers up to three pages and a bit on `workers` workers;
 * then also(x), if given, while the executor is still there.
 */
static inline void texec_conservation(const struct exec_ops *ops, unsigned workers, size_t n,
                                      void (*also)(struct exec *x))
{
    struct exec *x = texec_make(ops, workers);
    struct tbatch b;

    tbatch_init(&b, n, 4 * 4096);
    texec_map_ok(ops, x, &b);
    if (also != NULL)
        also(x);
    ops->destroy(x);
    tbatch_free(&b);
}

/* Pieces that fail keep their error; the others and the next map() succeed. */
static inline void texec_piece_errors(const struct exec_ops *ops, struct exec *x)
{
    struct tbatch b;

    tbatch_init(&b, 500, 4096);
    tpiece_reset_runs(b.n);
    b.args[40].action = TP_ERROR;
    b.args[41].action = TP_TOO_LONG; /* the executor refuses: more than res_cap */
    b.args[300].action = TP_ERROR;
    b.args[7].len = 4096 + 1; /* the piece itself refuses: its answer does not fit */
    CHECK_EQ(ops->map(x, tpiece, b.p, b.n), -EMSGSIZE); /* piece 7 comes first */
    for (size_t i = 0; i < b.n; i++) {
        int want = i == 40 || i == 300 ? -EDOM : i == 41 || i == 7 ? -EMSGSIZE : 0;
        tbatch_check_piece(&b, i, want);
    }
    for (size_t i = 0; i < b.n; i++)
        b.args[i] = (struct tpiece_arg){.value = (uint32_t)i, .len = 100, .slot = (uint32_t)i};
    texec_map_ok(ops, x, &b);
    tbatch_free(&b);
}

/*
 * What create, map, workers and destroy must refuse; too_many workers is one
 * of them (0: the model takes any count). A NULL config makes
 * default_workers workers.
 */
static inline void texec_bad_arguments_sized(const struct exec_ops *ops, unsigned too_many,
                                             unsigned default_workers)
{
    struct exec_config cfg = {.workers = too_many};
    struct exec *x = (struct exec *)(void *)&cfg; /* create must reset it */
    struct exec_piece p = {.id = 0};

    CHECK_EQ(ops->flags & EXEC_NESTS, 0);
    CHECK(ops->run == NULL && ops->forkn == NULL);
    CHECK_EQ(ops->create(NULL, NULL), -EINVAL);
    if (too_many != 0) {
        CHECK_EQ(ops->create(&x, &cfg), -EINVAL);
        CHECK(x == NULL);
    }

    REQUIRE(ops->create(&x, NULL) == 0);
    CHECK_EQU(ops->workers(x), default_workers);
    CHECK_EQ(ops->map(NULL, tpiece, &p, 1), -EINVAL);
    CHECK_EQ(ops->map(x, NULL, &p, 1), -EINVAL);
    CHECK_EQ(ops->map(x, tpiece, NULL, 1), -EINVAL);
    CHECK_EQ(ops->map(x, tpiece, NULL, 0), 0);
    /* A piece given a too-short argument reports it as its own error. */
    CHECK_EQ(ops->map(x, tpiece, &p, 1), -EINVAL);
    CHECK_EQ(p.status, -EINVAL);
    ops->destroy(x);
    ops->destroy(NULL);
    CHECK_EQU(ops->workers(NULL), 0);
}

/* As texec_bad_arguments_sized(), for a model with one worker per online CPU by default. */
static inline void texec_bad_arguments(const struct exec_ops *ops, unsigned too_many)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    texec_bad_arguments_sized(ops, too_many, cpus > 0 ? (unsigned)cpus : 1);
}

/*
 * 100 create/map/destroy cycles asking for `workers` workers (workers()
 * says want) leave as many descriptors as there were, and no more
 * count(want) (threads, children).
 */
static inline void texec_cycles_sized(const struct exec_ops *ops, unsigned workers, unsigned want,
                                      size_t (*count)(size_t))
{
    size_t fds = count_fds(), before = count(SIZE_MAX);
    struct tbatch b;

    tbatch_init(&b, 64, 4096);
    for (int k = 0; k < 100; k++) {
        struct exec *x = texec_make_sized(ops, workers, want);
        texec_map_ok(ops, x, &b);
        ops->destroy(x);
    }
    tbatch_free(&b);
    CHECK_EQU(count_fds(), fds);
    CHECK_LE(count(before), before); /* a baseline may still list a joined thread */
}

struct texec_caller {
    const struct exec_ops *ops;
    struct exec *x;
    struct tbatch b;
    int ret;
};

static inline void *texec_caller_main(void *arg)
{
    struct texec_caller *c = arg;
    c->ret = c->ops->map(c->x, tpiece, c->b.p, c->b.n);
    return NULL;
}

/* Four threads map() 1,000 pieces each on one executor at once; each gets its own back. */
static inline void texec_concurrent_maps(const struct exec_ops *ops, unsigned workers,
                                         unsigned want)
{
    enum { CALLERS = 4, EACH = 1000 };
    struct texec_caller c[CALLERS];
    pthread_t t[CALLERS];
    struct exec *x = texec_make_sized(ops, workers, want);

    tpiece_reset_runs(CALLERS * EACH);
    for (int k = 0; k < CALLERS; k++) {
        c[k].ops = ops;
        c[k].x = x;
        tbatch_init(&c[k].b, EACH, 4 * 4096);
        for (size_t i = 0; i < EACH; i++)
            c[k].b.args[i].slot = (uint32_t)(k * EACH + i);
        REQUIRE(pthread_create(&t[k], NULL, texec_caller_main, &c[k]) == 0);
    }
    for (int k = 0; k < CALLERS; k++) {
        pthread_join(t[k], NULL);
        CHECK_EQ(c[k].ret, 0);
        for (size_t i = 0; i < EACH; i++)
            tbatch_check_piece(&c[k].b, i, 0);
        tbatch_free(&c[k].b);
    }
    ops->destroy(x);
}

/* texec_cycles_sized() of 4 workers. */
static inline void texec_cycles(const struct exec_ops *ops, size_t (*count)(size_t))
{
    texec_cycles_sized(ops, 4, 4, count);
}

#endif /* WS_EXEC_CHECK_H */
