/*
 * point.c - one point of the servers suite: a fresh wsserve, one client run
 * against it, memory sampled meanwhile, the server stopped and its counts
 * checked against the client's.
 *
 * The count check. wsserve's stopped line says how many requests it parsed
 * (R), answered (A) and lost (L: the peer had gone); R = A + L. The client
 * says how many it sent (S: wrk through wrk-report.lua's request(), wsopen
 * and h2load themselves) and how many replies it read (Q). Then
 *   Q <= A          every reply read was written by the server,
 *   R <= S          nothing parsed that was not sent,
 *   A - Q <= S - Q  the replies written but never read (the window) are
 *                   requests that were in flight when the client stopped:
 *                   wrk and h2load stop at their deadline with up to one
 *                   request per connection outstanding (no pipelining), so
 *                   S - Q <= C plus the requests lost to socket errors.
 * A point passes with "exact" (A = Q and R = S), or "window:K/B" (K = A - Q
 * replies in the window, B its bound) with "unparsed:U" (U = S - R sent
 * requests the server never parsed: in flight when the client's close reset
 * the connection). Anything else is "mismatch:" and what failed.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "load/servers.h"

#define READY_TIMEOUT_S 20.0 /* from exec to the ready line */
#define SAMPLE_S        0.25 /* between memory samples */

static void append_error(struct srow *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void append_error(struct srow *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t len = strlen(r->error);
    snprintf(r->error + len, sizeof(r->error) - len, "%s%s", len ? "; " : "", msg);
}

/* The server's counts are known, the client's too: check them (see above). */
static void count_check(const struct client_run *a, struct srow *r)
{
    char *out = r->count_check;
    size_t cap = sizeof(r->count_check);
    if (r->srv_requests < 0 || r->srv_answered < 0 || r->srv_lost < 0 || r->answered < 0) {
        snprintf(out, cap, "n/a");
        return;
    }
    int64_t conn_errors = (r->err_read > 0 ? r->err_read : 0) +
                          (r->err_write > 0 ? r->err_write : 0) +
                          (r->err_other > 0 ? r->err_other : 0);
    if (r->srv_requests != r->srv_answered + r->srv_lost) {
        snprintf(out, cap, "mismatch:server requests %lld != answered %lld + lost %lld",
                 (long long)r->srv_requests, (long long)r->srv_answered, (long long)r->srv_lost);
        return;
    }
    if (r->answered > r->srv_answered) {
        snprintf(out, cap, "mismatch:client read %lld replies; server wrote %lld",
                 (long long)r->answered, (long long)r->srv_answered);
        return;
    }
    int64_t window = r->srv_answered - r->answered, bound;
    if (r->sent >= 0) {
        if (r->srv_requests > r->sent) {
            snprintf(out, cap, "mismatch:server parsed %lld requests; client sent %lld",
                     (long long)r->srv_requests, (long long)r->sent);
            return;
        }
        bound = r->sent - r->answered;
        /* Closed-loop clients stop with at most one request per connection
         * outstanding, plus one per connection that failed. */
        int64_t inflight = a->kind == CLIENT_OPEN ? bound : (int64_t)a->connections + conn_errors;
        if (a->kind != CLIENT_OPEN &&
            bound > inflight + (r->err_timeout > 0 ? r->err_timeout : 0)) {
            snprintf(out, cap, "mismatch:%lld sent but unanswered; at most %lld in flight",
                     (long long)bound, (long long)inflight);
            return;
        }
    } else {
        bound = (int64_t)a->connections + conn_errors;
    }
    if (window > bound) {
        snprintf(out, cap,
                 "mismatch:server wrote %lld replies the client did not read; at most "
                 "%lld in flight",
                 (long long)window, (long long)bound);
        return;
    }
    if (window == 0 && (r->sent < 0 || r->srv_requests == r->sent))
        snprintf(out, cap, "exact");
    else if (r->sent >= 0)
        snprintf(out, cap, "window:%lld/%lld unparsed:%lld", (long long)window, (long long)bound,
                 (long long)(r->sent - r->srv_requests));
    else
        snprintf(out, cap, "window:%lld/%lld", (long long)window, (long long)bound);
}

static void server_cmd(const struct tools *t, const struct server_spec *s, struct cmd *c)
{
    cmd_init(c);
    cmd_add(c, "%s", t->wsserve);
    cmd_add(c, "--model");
    cmd_add(c, "%s", s->model);
    cmd_add(c, "--port");
    cmd_add(c, "0");
    cmd_add(c, "--iters-per-us");
    cmd_add(c, "%.9g", s->iters_per_us);
    if (s->workers > 0) {
        cmd_add(c, "--workers");
        cmd_add(c, "%u", s->workers);
    }
}

/* Waits for "wsserve: ready ..." and reads the port; 0, or -1 with r->error. */
static int server_ready(struct child *srv, struct srow *r, unsigned *port)
{
    char line[512], tail[256];
    double end = now_s() + READY_TIMEOUT_S;
    struct child *one[1] = {srv};
    while (find_line(srv->o.s ? srv->o.s : "", "wsserve: ready ", line, sizeof(line)) != 0) {
        if (srv->exited || now_s() > end || proc_interrupted()) {
            child_wait(srv, 0, NULL, 0);
            capture_tail(&srv->e, tail, sizeof(tail));
            if (srv->exited) {
                char st[64];
                status_text(srv->status, st, sizeof(st));
                append_error(r, "wsserve %s before it was ready: %s", st, tail);
            } else {
                append_error(r, "wsserve was not ready within %.0f s%s%s", READY_TIMEOUT_S,
                             tail[0] ? ": " : "", tail);
            }
            return -1;
        }
        child_pump(one, 1, 100);
    }
    int64_t p, w;
    if (kv_int(line, "port", &p) != 0 || p <= 0 || p > 65535) {
        append_error(r, "wsserve's ready line has no port: %s", line);
        return -1;
    }
    if (kv_int(line, "workers", &w) == 0)
        r->srv_workers = w;
    *port = (unsigned)p;
    return 0;
}

static void sample(pid_t pgid, struct srow *r)
{
    struct tree_sample ts;
    if (tree_sample(pgid, &ts) != 0)
        return;
    if (!(ts.pss_kb <= r->pss_kb)) /* also when pss_kb is NAN */
        r->pss_kb = ts.pss_kb;
    if (ts.procs > r->srv_procs)
        r->srv_procs = ts.procs;
    if (ts.threads > r->srv_threads)
        r->srv_threads = ts.threads;
}

static double cpu_ns(const struct rusage *ru)
{
    return ((double)ru->ru_utime.tv_sec + (double)ru->ru_stime.tv_sec) * 1e9 +
           ((double)ru->ru_utime.tv_usec + (double)ru->ru_stime.tv_usec) * 1e3;
}

/* Stops the server (SIGTERM to it alone: it stops its own processes) and
 * reads its stopped line; errors into r. */
static void server_stop(struct child *srv, const struct server_spec *s, const struct client_run *a,
                        struct srow *r)
{
    char st[64], tail[256], line[512];
    if (proc_interrupted()) { /* the handler sent SIGTERM; no time to wait */
        if (strstr(r->error, "interrupted") == NULL)
            append_error(r, "interrupted");
        child_signal(srv, SIGKILL);
        return;
    }
    if (srv->exited) {
        status_text(srv->status, st, sizeof(st));
        child_wait(srv, 0, NULL, 0);
        capture_tail(&srv->e, tail, sizeof(tail));
        append_error(r, "wsserve %s during the run: %s", st, tail);
    } else {
        /* It finishes the requests in progress first: at most one per
         * connection, each of work_us. */
        double limit = 10.0 + 1.5 * a->connections * (s->work_us / 1e6);
        if (limit > 120)
            limit = 120;
        kill(srv->pid, SIGTERM);
        if (!child_wait(srv, limit, NULL, 0)) {
            append_error(r, "wsserve did not stop within %.0f s of SIGTERM; killed", limit);
            child_signal(srv, SIGKILL);
            child_wait(srv, 5, NULL, 0);
        } else if (!WIFEXITED(srv->status) || WEXITSTATUS(srv->status) != 0) {
            status_text(srv->status, st, sizeof(st));
            capture_tail(&srv->e, tail, sizeof(tail));
            append_error(r, "wsserve %s on SIGTERM: %s", st, tail);
        }
    }
    if (srv->exited)
        r->server_cpu_ns = cpu_ns(&srv->ru);
    struct tree_sample left;
    if (srv->exited && tree_sample(srv->pid, &left) == 0)
        append_error(r, "%ld process(es) of wsserve outlived it; killed", left.procs);
    if (find_line(srv->o.s ? srv->o.s : "", "wsserve: stopped ", line, sizeof(line)) != 0) {
        if (srv->exited)
            append_error(r, "wsserve printed no stopped line");
        return;
    }
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {
        {"connections", offsetof(struct srow, srv_connections)},
        {"refused", offsetof(struct srow, srv_refused)},
        {"requests", offsetof(struct srow, srv_requests)},
        {"answered", offsetof(struct srow, srv_answered)},
        {"ok", offsetof(struct srow, srv_ok)},
        {"bad", offsetof(struct srow, srv_bad)},
        {"lost", offsetof(struct srow, srv_lost)},
        {"died", offsetof(struct srow, srv_died)},
        {"fds", offsetof(struct srow, srv_fds)},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (kv_int(line, keys[i].key, (int64_t *)((char *)r + keys[i].off)) != 0) {
            append_error(r, "wsserve's stopped line lacks %s: %s", keys[i].key, line);
            return;
        }
}

void point_run(const struct tools *t, const struct server_spec *s, const struct client_run *a0,
               const cpu_set_t *client_cpus, struct srow *r, char *cmdline, size_t cmdcap)
{
    struct client_run a = *a0;
    struct child srv, cli = {.pid = -1, .pidfd = -1, .out = -1, .err = -1};
    struct cmd sc, cc;
    char err[512], tail[256];
    cmdline[0] = '\0';
    server_cmd(t, s, &sc);
    if (child_spawn(&srv, sc.argv, &s->cpus, err, sizeof(err)) != 0) {
        append_error(r, "%s", err);
        return;
    }
    if (server_ready(&srv, r, &a.port) != 0)
        goto out;
    struct tree_sample idle;
    if (tree_sample(srv.pid, &idle) == 0) /* also the first sample of the peak */
        r->pss_idle_kb = r->pss_kb = idle.pss_kb;

    client_cmd(t, &a, &cc);
    cmd_text(&cc, cmdline, cmdcap);
    if (child_spawn(&cli, cc.argv, client_cpus, err, sizeof(err)) != 0) {
        append_error(r, "%s", err);
        server_stop(&srv, s, &a, r);
        goto out;
    }
    /* wrk stops at its duration, wsopen at its duration plus one timeout
     * (and its connect time), h2load at its duration: past this, it hangs. */
    double limit = 2 * a.duration_s + a.timeout_s + 30, next = 0;
    /* Connections unanswered at half time, and after two rounds of
     * requests (one per connection, the server's CPUs busy), and still
     * near the end (see tcp_unanswered()): never served. Where two rounds
     * outlast the run, a late first reply cannot be told from none, and
     * only the server's counts below say anything. */
    double round_s = a.connections * (s->work_us / 1e6) / CPU_COUNT(&s->cpus);
    double probe[2] = {fmax(0.3, fmax(a.duration_s / 2, 2 * round_s)), a.duration_s - 0.2};
    static unsigned char peers[2][65536 / 8];
    long established = 0;
    int probed = probe[0] < probe[1] ? 0 : 2, probe_err = 0;
    struct child *both[2] = {&cli, &srv};
    while (!cli.exited && now_s() - cli.started < limit && !proc_interrupted()) {
        double at = now_s();
        if (at >= next) {
            sample(srv.pid, r);
            next = at + SAMPLE_S;
        }
        if (probed < 2 && at - cli.started >= probe[probed]) {
            int n = tcp_unanswered(a.port, peers[probed], &established);
            probe_err = n < 0 ? n : probe_err;
            probed++;
        }
        double wake = fmin(next, probed < 2 ? cli.started + probe[probed] : next) - now_s();
        child_pump(both, 2, wake > 0 ? (int)(wake * 1000) + 1 : 0);
    }
    if (probed == 2 && probe[0] < probe[1] && probe_err == 0) {
        /* ... and the connections the server does not even hold: the
         * client opened them, but the accept queue was full. */
        int64_t both_times = 0;
        for (size_t i = 0; i < sizeof(peers[0]); i++)
            both_times += __builtin_popcount(peers[0][i] & peers[1][i]);
        if (established < (long)a.connections)
            both_times += (long)a.connections - established;
        r->unserved = both_times;
    } else if (probe_err != 0) {
        append_error(r, "sock_diag: %s (connections unserved not known)", strerror(-probe_err));
    }
    if (!cli.exited) {
        if (proc_interrupted())
            append_error(r, "interrupted");
        else
            append_error(r, "the client did not finish within %.0f s; killed", limit);
        child_signal(&cli, SIGKILL);
    }
    child_wait(&cli, 5, NULL, 0);
    if (cli.exited) {
        r->client_cpu_ns = cpu_ns(&cli.ru);
        int parsed = client_parse(&a, cli.o.s, r, err, sizeof(err));
        capture_tail(&cli.e, tail, sizeof(tail));
        if (parsed != 0)
            append_error(r, "%s%s%s", err, tail[0] ? ": " : "", tail);
        if (!WIFEXITED(cli.status) || WEXITSTATUS(cli.status) != 0) {
            char st[64];
            status_text(cli.status, st, sizeof(st));
            append_error(r, "the client %s%s%s", st, tail[0] ? ": " : "", tail);
        }
    }
    server_stop(&srv, s, &a, r);
    count_check(&a, r);
    /* The server's counts also show connections it never served, if it
     * stopped before it got to them: never accepted (prefork's processes
     * each take one at a time; the rest wait in the kernel), or refused (a
     * thread pool's queue at the stop, --max-conns, a thread that could not
     * start). wrk opens one more, with no request, to check the address. */
    if (r->srv_connections >= 0 && r->srv_refused >= 0) {
        int64_t served = r->srv_connections - r->srv_refused - (a.kind == CLIENT_WRK);
        if (served < (int64_t)a.connections &&
            (r->unserved < 0 || (int64_t)a.connections - served > r->unserved))
            r->unserved = (int64_t)a.connections - served;
    }
    if (isfinite(r->pss_kb) && isfinite(r->pss_idle_kb))
        r->pss_per_conn_kb = (r->pss_kb - r->pss_idle_kb) / a.connections;
out:
    child_release(&cli);
    child_release(&srv);
}

int calibrate(const struct tools *t, const cpu_set_t *cpus, double *ipu, char *err, size_t errlen)
{
    struct child c;
    struct cmd cmd;
    char line[256], tail[256];
    cmd_init(&cmd);
    cmd_add(&cmd, "%s", t->wsserve);
    cmd_add(&cmd, "--calibrate");
    if (child_spawn(&c, cmd.argv, cpus, err, errlen) != 0)
        return -1;
    int rc = -1;
    if (!child_wait(&c, 60, NULL, 0)) {
        snprintf(err, errlen, "wsserve --calibrate did not finish within 60 s");
    } else if (find_line(c.o.s ? c.o.s : "", "wsserve: iters_per_us=", line, sizeof(line)) != 0 ||
               kv_num(line, "iters_per_us", ipu) != 0 || !(*ipu > 0)) {
        char st[64];
        status_text(c.status, st, sizeof(st));
        capture_tail(&c.e, tail, sizeof(tail));
        snprintf(err, errlen, "wsserve --calibrate %s without an iters_per_us line: %s", st, tail);
    } else {
        rc = 0;
    }
    child_release(&c);
    return rc;
}
