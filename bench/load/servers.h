/*
 * servers.h - what the parts of wsbench-servers (the servers suite's driver
 * and its report, bench/load/) share:
 *
 *   wsservers.c   the command line, the plan (models x costs x connections,
 *                 the open-loop ladder, the cross-check) and the run
 *   point.c       one point: start wsserve, run one client, sample, stop, check
 *   proc.c        child processes: pinned, in their own process group, their
 *                 output captured; killed on SIGINT/SIGTERM; Pss of a process tree
 *   clients.c     the clients' command lines (wrk, wsopen, h2load) and their output
 *   rows.c        servers.csv: its columns, writing and reading rows
 *   report.c      charts, verdicts and README.md from servers.csv
 */
#ifndef WSBENCH_SERVERS_H
#define WSBENCH_SERVERS_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

/* ---- rows.c: one row of servers.csv per client run ------------------------------------------ */

/*
 * A column is X(name, kind): kind S (text, a char array field), I (an
 * integer, int64_t, -1 written as empty: unknown or not applicable) or N (a
 * number, double, NAN written as empty). The field of struct srow has the
 * column's name. The order here is the file's.
 */
#define SERVERS_COLUMNS(X)                                                                         \
    X(model, S)                                                                                    \
    X(placement, S) /* pinned: server and client on their own CPUs; shared */                      \
    X(work_us, I)   /* CPU microseconds per request */                                             \
    X(fanout, I)    /* parts the work is split into */                                             \
    X(connections, I)                                                                              \
    X(client, S)         /* wrk, open (wsopen), h2load */                                          \
    X(rep, I)            /* repetition, from 1 */                                                  \
    X(offered_rps, N)    /* open loop: the rate offered; closed loop: empty */                     \
    X(throughput_rps, N) /* replies per second */                                                  \
    X(p50_ns, N)                                                                                   \
    X(p90_ns, N)                                                                                   \
    X(p99_ns, N)                                                                                   \
    X(p999_ns, N)                                                                                  \
    X(max_ns, N)                                                                                   \
    X(mean_ns, N)                                                                                  \
    X(sent, I)     /* requests the client began to send */                                         \
    X(answered, I) /* complete replies it read, any status */                                      \
    X(non2xx, I)                                                                                   \
    X(err_connect, I)                                                                              \
    X(err_read, I)                                                                                 \
    X(err_write, I)                                                                                \
    X(err_timeout, I)                                                                              \
    X(err_other, I) /* wsopen: unparsable replies; h2load: failed, not timed out */                \
    X(unsent, I)    /* open loop: due but never sent (backlog, no connection) */                   \
    X(srv_workers, I)                                                                              \
    X(srv_connections, I) /* the server's stopped line, from here to srv_lost */                   \
    X(srv_refused, I)                                                                              \
    X(srv_requests, I)                                                                             \
    X(srv_answered, I)                                                                             \
    X(srv_ok, I)                                                                                   \
    X(srv_bad, I)                                                                                  \
    X(srv_lost, I)                                                                                 \
    X(srv_died, I)        /* prefork processes that died (and were replaced) */                    \
    X(srv_fds, I)         /* descriptors the server left open (0: none leaked) */                  \
    X(unserved, I)        /* connections never answered, from the server's sockets (point.c) */    \
    X(count_check, S)     /* exact, window:K, or mismatch:... (see point.c) */                     \
    X(pss_idle_kb, N)     /* Pss of the server's processes, ready and idle */                      \
    X(pss_kb, N)          /* their highest Pss sampled during the run */                           \
    X(pss_per_conn_kb, N) /* (pss_kb - pss_idle_kb) / connections */                               \
    X(srv_procs, I)       /* processes, and their threads, at the peak */                          \
    X(srv_threads, I)                                                                              \
    X(server_cpu_ns, N) /* user + system, the server and its reaped children, whole life */        \
    X(client_cpu_ns, N)                                                                            \
    X(duration_s, N) /* the client's measuring window */                                           \
    X(server_cpus, S)                                                                              \
    X(client_cpus, S)                                                                              \
    X(error, S) /* why the point failed; empty if it did not */

struct srow {
    char model[32], placement[16];
    int64_t work_us, fanout, connections;
    char client[16];
    int64_t rep;
    double offered_rps, throughput_rps, p50_ns, p90_ns, p99_ns, p999_ns, max_ns, mean_ns;
    int64_t sent, answered, non2xx, err_connect, err_read, err_write, err_timeout, err_other,
        unsent;
    int64_t srv_workers, srv_connections, srv_refused, srv_requests, srv_answered, srv_ok, srv_bad,
        srv_lost, srv_died, srv_fds, unserved;
    char count_check[256];
    double pss_idle_kb, pss_kb, pss_per_conn_kb;
    int64_t srv_procs, srv_threads;
    double server_cpu_ns, client_cpu_ns, duration_s;
    char server_cpus[64], client_cpus[64];
    char error[512];
    unsigned line; /* read back: its line in the file */
};

/* A row with every measurement unknown (-1, NAN) and every text empty. */
void row_init(struct srow *r);

/* The header line, without newline. */
const char *rows_header(void);

/* Writes r as one line (text made CSV-safe: no commas or control characters). */
void row_write(FILE *f, const struct srow *r);

/* Reads a servers.csv: 0, or -1 after printing the error with its line.
 * *rows is malloc'd. */
int rows_read(const char *path, struct srow **rows, size_t *n);

/* Copies s into dst (cap bytes) as CSV-safe text: ',' becomes ';', control characters ' '. */
void csv_safe(char *dst, size_t cap, const char *s);

/* ---- proc.c: child processes ----------------------------------------------------------------- */

/* Output captured from a child, up to a cap (the rest counted, not kept). */
struct capture {
    char *s;
    size_t len, cap, dropped;
};

struct child {
    pid_t pid; /* also its process group's id */
    int pidfd;
    int out, err; /* read ends of its stdout and stderr, -1 once at their end */
    struct capture o, e;
    int exited, status; /* once reaped: wait4's status */
    struct rusage ru;   /* its CPU time and that of the children it reaped */
    double started;     /* now_s() at spawn */
};

double now_s(void);

/* Installs the SIGINT/SIGTERM handler that stops every live child; 0 or -1. */
int proc_init(void);

/* Has SIGINT or SIGTERM been received? (Then every child was sent SIGTERM.) */
int proc_interrupted(void);

/* Starts argv[0] (a path, or a name looked up in PATH) pinned to cpus, in a
 * process group of its own, stdin from /dev/null, stdout and stderr
 * captured, killed if this process dies. 0, or -1 with err filled. */
int child_spawn(struct child *c, char *const argv[], const cpu_set_t *cpus, char *err,
                size_t errlen);

/* Reads what the children have written and reaps those that exited, waiting
 * up to timeout_ms for something to happen. */
void child_pump(struct child *const *cs, size_t n, int timeout_ms);

/* Pumps until c has exited or timeout_s passes (others' output is read
 * meanwhile); 1 if it exited. */
int child_wait(struct child *c, double timeout_s, struct child *const *others, size_t nothers);

/* Sends sig to c's process group (everything it started that did not leave it). */
void child_signal(const struct child *c, int sig);

/* Kills what is left of c's group, reaps c, closes its descriptors and frees its output. */
void child_release(struct child *c);

/* Text for wait4's status: "exited with status 3", "killed by signal 9 (Killed)". */
void status_text(int status, char *out, size_t cap);

/* The last non-empty line of a capture (for error messages), or "". */
void capture_tail(const struct capture *c, char *out, size_t cap);

/* The Pss (kB), processes and threads of every process in group pgid. */
struct tree_sample {
    double pss_kb;
    long procs, threads;
};
int tree_sample(pid_t pgid, struct tree_sample *s);

/* The server-side TCP connections on port that received data but never sent
 * any (unanswered since they opened): their peers' ports set in peers (a
 * 65536-bit map). Their count, or a negative errno; *established: every
 * established server-side connection on port (accepted or in the accept
 * queue; those the kernel left half-open, the queue full, are not). */
int tcp_unanswered(unsigned port, unsigned char *peers, long *established);

/* Raises RLIMIT_NOFILE's soft limit to the hard one; returns the new soft limit. */
long raise_nofile(void);

/* "0-1,4" for a CPU set. */
void cpus_text(const cpu_set_t *s, char *out, size_t cap);

/* ---- clients.c ------------------------------------------------------------------------------- */

/* An argument vector with its own storage, and its shell-quoted text. */
struct cmd {
    char *argv[48];
    int argc;
    char buf[4096];
    size_t used;
};

void cmd_init(struct cmd *c);
void cmd_add(struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The command as one shell-quoted line. */
void cmd_text(const struct cmd *c, char *out, size_t cap);

/* "key=value" in a line of "key=value" words: 0 and the value, or -1. */
int kv_num(const char *line, const char *key, double *out);
int kv_int(const char *line, const char *key, int64_t *out);
/* The first line of text that starts with prefix, copied to out; 0 or -1. */
int find_line(const char *text, const char *prefix, char *out, size_t cap);

enum client_kind { CLIENT_WRK, CLIENT_OPEN, CLIENT_H2LOAD };

struct client_run {
    enum client_kind kind;
    unsigned port, work_us, fanout, connections;
    double duration_s, timeout_s, rate; /* rate: open loop only */
};

struct tools {
    char wsserve[4096], wsopen[4096], wrk_lua[4096];
    const char *wrk, *h2load; /* names in PATH, NULL if absent */
};

/* The client's command line for run a. */
void client_cmd(const struct tools *t, const struct client_run *a, struct cmd *c);

/* Fills r's client columns from the client's output; 0, or -1 with err
 * filled (no result line, or an unreadable one). */
int client_parse(const struct client_run *a, const char *out, struct srow *r, char *err,
                 size_t errlen);

/* ---- point.c --------------------------------------------------------------------------------- */

struct server_spec {
    const char *model;
    double iters_per_us;
    unsigned workers; /* 0: the server's default */
    cpu_set_t cpus;
    unsigned work_us, fanout; /* for the stop timeout */
};

/* One point: a fresh server, one client run against it, the row. Never
 * fails the suite: whatever went wrong is in r->error. cmdline receives the
 * client's command line. */
void point_run(const struct tools *t, const struct server_spec *s, const struct client_run *a,
               const cpu_set_t *client_cpus, struct srow *r, char *cmdline, size_t cmdcap);

/* Runs `wsserve --calibrate` on cpus: 0 and *ipu, or -1 with err filled. */
int calibrate(const struct tools *t, const cpu_set_t *cpus, double *ipu, char *err, size_t errlen);

/* ---- report.c -------------------------------------------------------------------------------- */

/* Writes dir/charts/ and dir/README.md from dir/results.csv and prints the
 * verdicts on stdout. draw 0: gnuplot scripts only. 0, or 1 (bad input,
 * write error, a chart gnuplot failed to draw). */
int servers_report(const char *dir, int draw);

#endif /* WSBENCH_SERVERS_H */
