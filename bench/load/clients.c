/*
 * clients.c - the three clients of the servers suite, their command lines
 * and what their output says:
 *
 *   wrk     closed loop, Debian's wrk 4.1, with bench/load/wrk-report.lua,
 *           whose "wrk-report:" line carries wrk's exact counts and latency
 *           percentiles (and, with its "count" argument, the requests sent)
 *   open    wsopen, this directory's open-loop generator: its "wsopen:" line
 *   h2load  nghttp2's h2load in HTTP/1.1 mode (--h1), the cross-check: another
 *           code base (libev, its own parser), closed loop like wrk; it
 *           reports requests started and done, throughput, and the mean and
 *           max latency, but no percentiles.
 *
 * ApacheBench (ab -k) was the other candidate and is not used: it keeps a
 * connection alive only with HTTP/1.0's "Connection: keep-alive" echoed by
 * the server, which an HTTP/1.1 server need not send, and it reports
 * percentiles in whole milliseconds, coarser than these latencies.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "load/servers.h"

void cmd_init(struct cmd *c)
{
    c->argc = 0;
    c->used = 0;
    c->argv[0] = NULL;
}

void cmd_add(struct cmd *c, const char *fmt, ...)
{
    if (c->argc + 1 >= (int)(sizeof(c->argv) / sizeof(c->argv[0])))
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->buf + c->used, sizeof(c->buf) - c->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 1 > sizeof(c->buf) - c->used)
        return; /* cannot happen with this suite's arguments; cmd_text shows what is there */
    c->argv[c->argc++] = c->buf + c->used;
    c->argv[c->argc] = NULL;
    c->used += (size_t)n + 1;
}

void cmd_text(const struct cmd *c, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < c->argc && len < cap; i++) {
        const char *a = c->argv[i];
        int plain = *a != '\0';
        for (const char *p = a; *p; p++)
            if (!isalnum((unsigned char)*p) && !strchr("-_./:=,+%@", *p))
                plain = 0;
        if (i)
            len += (size_t)snprintf(out + len, cap - len, " ");
        if (plain) {
            len += (size_t)snprintf(out + len, cap - len, "%s", a);
            continue;
        }
        len += (size_t)snprintf(out + len, cap - len, "'");
        for (const char *p = a; *p && len < cap; p++)
            len += (size_t)snprintf(out + len, cap - len, *p == '\'' ? "'\\''" : "%c", *p);
        len += (size_t)snprintf(out + len, cap - len, "'");
    }
}

/* The value after " key=" (or "key=" at the start) in line. */
static const char *kv_find(const char *line, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = line; (p = strstr(p, key)) != NULL; p++)
        if ((p == line || p[-1] == ' ') && p[klen] == '=')
            return p + klen + 1;
    return NULL;
}

int kv_num(const char *line, const char *key, double *out)
{
    const char *v = kv_find(line, key);
    char *end;
    if (v == NULL)
        return -1;
    double x = strtod(v, &end);
    if (end == v || (*end != ' ' && *end != '\0' && *end != '\n') || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

int kv_int(const char *line, const char *key, int64_t *out)
{
    const char *v = kv_find(line, key);
    char *end;
    if (v == NULL)
        return -1;
    long long x = strtoll(v, &end, 10);
    if (end == v || (*end != ' ' && *end != '\0' && *end != '\n'))
        return -1;
    *out = x;
    return 0;
}

int find_line(const char *text, const char *prefix, char *out, size_t cap)
{
    size_t plen = strlen(prefix);
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, plen) == 0) {
            size_t len = strcspn(p, "\n");
            snprintf(out, cap, "%.*s", (int)len, p);
            return 0;
        }
    return -1;
}

void client_cmd(const struct tools *t, const struct client_run *a, struct cmd *c)
{
    char url[128], path[64];
    snprintf(path, sizeof(path), "/?work=%u&fanout=%u", a->work_us, a->fanout);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", a->port, path);
    /* Two client threads, as the issue asks, unless one connection. */
    unsigned threads = a->connections >= 2 ? 2 : 1;
    cmd_init(c);
    switch (a->kind) {
    case CLIENT_WRK:
        cmd_add(c, "%s", t->wrk);
        cmd_add(c, "-t%u", threads);
        cmd_add(c, "-c%u", a->connections);
        cmd_add(c, "-d%.0fs", a->duration_s);
        cmd_add(c, "--timeout");
        cmd_add(c, "%.0fs", a->timeout_s);
        cmd_add(c, "--latency");
        cmd_add(c, "-s");
        cmd_add(c, "%s", t->wrk_lua);
        cmd_add(c, "%s", url);
        cmd_add(c, "--");
        cmd_add(c, "count");
        break;
    case CLIENT_OPEN:
        cmd_add(c, "%s", t->wsopen);
        cmd_add(c, "--port");
        cmd_add(c, "%u", a->port);
        cmd_add(c, "--rate");
        cmd_add(c, "%.6g", a->rate);
        cmd_add(c, "--connections");
        cmd_add(c, "%u", a->connections);
        cmd_add(c, "--duration");
        cmd_add(c, "%.6g", a->duration_s);
        cmd_add(c, "--timeout");
        cmd_add(c, "%.6g", a->timeout_s);
        cmd_add(c, "--path");
        cmd_add(c, "%s", path);
        break;
    case CLIENT_H2LOAD:
        cmd_add(c, "%s", t->h2load);
        cmd_add(c, "--h1");
        cmd_add(c, "-t%u", threads);
        cmd_add(c, "-c%u", a->connections);
        cmd_add(c, "-D%.0f", a->duration_s);
        cmd_add(c, "%s", url);
        break;
    }
}

/* h2load's times: "156us", "8.12ms", "1.02s"; ns, or NAN. */
static double h2_time(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return NAN;
    if (strncmp(end, "us", 2) == 0)
        return v * 1e3;
    if (strncmp(end, "ms", 2) == 0)
        return v * 1e6;
    if (*end == 's')
        return v * 1e9;
    return NAN;
}

/* "N word" in a line of comma-separated counts: "203711 total, 203727 started, ...". */
static int count_of(const char *line, const char *word, int64_t *out)
{
    size_t wlen = strlen(word);
    for (const char *p = line; (p = strstr(p, word)) != NULL; p++) {
        if (p == line || p[-1] != ' ' || (p[wlen] != ',' && p[wlen] != '\0'))
            continue;
        const char *q = p - 1;
        while (q > line && isdigit((unsigned char)q[-1]))
            q--;
        if (!isdigit((unsigned char)*q))
            continue;
        *out = strtoll(q, NULL, 10);
        return 0;
    }
    return -1;
}

static int parse_wrk(const char *out, struct srow *r, char *err, size_t errlen)
{
    char line[1024];
    double dur, req, v[6];
    int64_t sent, e[5];
    static const char *const pk[6] = {"p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us"};
    static const char *const ek[5] = {"connect", "read", "write", "timeout", "status"};
    if (find_line(out, "wrk-report: ", line, sizeof(line)) != 0) {
        snprintf(err, errlen, "wrk printed no wrk-report line");
        return -1;
    }
    int bad = kv_num(line, "duration_us", &dur) || kv_num(line, "requests", &req) ||
              kv_int(line, "sent", &sent);
    for (int i = 0; i < 6; i++)
        bad |= kv_num(line, pk[i], &v[i]);
    for (int i = 0; i < 5; i++)
        bad |= kv_int(line, ek[i], &e[i]);
    if (bad || !(dur > 0)) {
        snprintf(err, errlen, "unreadable wrk-report line: %.300s", line);
        return -1;
    }
    r->duration_s = dur / 1e6;
    r->throughput_rps = req / r->duration_s;
    r->answered = (int64_t)req;
    r->sent = sent;
    double *lat[6] = {&r->p50_ns, &r->p90_ns, &r->p99_ns, &r->p999_ns, &r->max_ns, &r->mean_ns};
    /* No latency recorded (nothing, or only replies slower than --timeout,
     * which wrk counts as timeouts): unknown, not zero. */
    for (int i = 0; i < 6; i++)
        *lat[i] = req > 0 && v[4] > 0 ? v[i] * 1e3 : NAN;
    r->err_connect = e[0];
    r->err_read = e[1];
    r->err_write = e[2];
    r->err_timeout = e[3];
    r->non2xx = e[4]; /* wrk counts statuses above 399 */
    return 0;
}

static int parse_open(const char *out, struct srow *r, char *err, size_t errlen)
{
    char line[2048];
    if (find_line(out, "wsopen: offered_rps=", line, sizeof(line)) != 0) {
        snprintf(err, errlen, "wsopen printed no result line");
        return -1;
    }
    static const struct {
        const char *key;
        size_t off;
    } nums[] =
        {
            {"offered_rps", offsetof(struct srow, offered_rps)},
            {"achieved_rps", offsetof(struct srow, throughput_rps)},
            {"lat_p50_ns", offsetof(struct srow, p50_ns)},
            {"lat_p90_ns", offsetof(struct srow, p90_ns)},
            {"lat_p99_ns", offsetof(struct srow, p99_ns)},
            {"lat_p999_ns", offsetof(struct srow, p999_ns)},
            {"lat_max_ns", offsetof(struct srow, max_ns)},
            {"lat_mean_ns", offsetof(struct srow, mean_ns)},
            {"window_s", offsetof(struct srow, duration_s)},
        },
      ints[] = {
          {"sent", offsetof(struct srow, sent)},
          {"answered", offsetof(struct srow, answered)},
          {"non2xx", offsetof(struct srow, non2xx)},
          {"err_connect", offsetof(struct srow, err_connect)},
          {"err_read", offsetof(struct srow, err_read)},
          {"err_write", offsetof(struct srow, err_write)},
          {"timeout", offsetof(struct srow, err_timeout)},
          {"err_proto", offsetof(struct srow, err_other)},
      };
    int bad = 0;
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        bad |= kv_num(line, nums[i].key, (double *)((char *)r + nums[i].off));
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        bad |= kv_int(line, ints[i].key, (int64_t *)((char *)r + ints[i].off));
    int64_t backlog, noconn;
    bad |= kv_int(line, "unsent_backlog", &backlog) || kv_int(line, "unsent_noconn", &noconn);
    if (bad) {
        snprintf(err, errlen, "unreadable wsopen line: %.300s", line);
        return -1;
    }
    r->unsent = backlog + noconn;
    if (r->answered == 0) /* no latencies: unknown, not zero */
        r->p50_ns = r->p90_ns = r->p99_ns = r->p999_ns = r->max_ns = r->mean_ns = NAN;
    if (strstr(line, " check=ok") == NULL) {
        snprintf(err, errlen, "wsopen's own counts do not add up: %.300s", line);
        return -1;
    }
    return 0;
}

static int parse_h2load(const char *out, struct srow *r, char *err, size_t errlen)
{
    char fin[256], req[512], codes[256], times[256];
    if (find_line(out, "finished in ", fin, sizeof(fin)) != 0 ||
        find_line(out, "requests: ", req, sizeof(req)) != 0 ||
        find_line(out, "status codes: ", codes, sizeof(codes)) != 0) {
        snprintf(err, errlen, "h2load printed no summary (finished, requests, status codes)");
        return -1;
    }
    double secs, rps;
    if (sscanf(fin, "finished in %lfs, %lf req/s", &secs, &rps) != 2) {
        snprintf(err, errlen, "unreadable h2load line: %.200s", fin);
        return -1;
    }
    int64_t started, done, errored, timeout, c3, c4, c5;
    if (count_of(req, "started", &started) || count_of(req, "done", &done) ||
        count_of(req, "errored", &errored) || count_of(req, "timeout", &timeout) ||
        count_of(codes, "3xx", &c3) || count_of(codes, "4xx", &c4) || count_of(codes, "5xx", &c5)) {
        snprintf(err, errlen, "unreadable h2load counts: %.200s / %.200s", req, codes);
        return -1;
    }
    r->duration_s = secs;
    r->throughput_rps = rps;
    r->sent = started;
    r->answered = done - errored; /* done counts the requests that failed too */
    r->non2xx = c3 + c4 + c5;
    r->err_timeout = timeout;
    r->err_other = errored - timeout;
    /* "time for request:  min  max  mean  sd  +/- sd" */
    if (find_line(out, "time for request:", times, sizeof(times)) == 0) {
        char mn[32], mx[32], mean[32];
        if (sscanf(times, "time for request: %31s %31s %31s", mn, mx, mean) == 3 && done > 0) {
            r->max_ns = h2_time(mx);
            r->mean_ns = h2_time(mean);
        }
    }
    return 0;
}

int client_parse(const struct client_run *a, const char *out, struct srow *r, char *err,
                 size_t errlen)
{
    if (out == NULL)
        out = "";
    switch (a->kind) {
    case CLIENT_WRK:
        return parse_wrk(out, r, err, errlen);
    case CLIENT_OPEN:
        return parse_open(out, r, err, errlen);
    case CLIENT_H2LOAD:
        return parse_h2load(out, r, err, errlen);
    }
    return -1;
}
