/*
 * test_serve.c - every wsserve model answers a scripted request set
 * correctly, and counts what it did exactly:
 *
 *  - keep-alive: several requests on one connection, each reply's checksum
 *    recomputed here (and once by an independent SHA-1 chain);
 *  - pipelining: many requests in one write, answered in order;
 *  - a request split across many one-byte writes;
 *  - malformed requests (400, then the connection closes), a bad parameter
 *    (400, it stays open), another method (405), a URL too long (414),
 *    HTTP/1.0 with and without keep-alive, Connection: close;
 *  - a client that disconnects mid-request (no reply, no count);
 *  - 1,000 connections opened and closed, some with a request;
 *  - shutdown under load: clients keep sending until SIGTERM stops the
 *    server; every reply the server counts as written reached a client
 *    whole, no request read was left unanswered, no descriptor leaked.
 *
 * At the end of each part the server is stopped and its "stopped" line
 * checked against what this test sent. Nothing here measures time.
 *
 *   test_serve WSSERVE [MODEL...]     (no MODEL: all of them)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "sanitize.h"
#include "serve/http.h"
#include "watchdog.h"
#include "workloads/uts/sha1.h"

#define IPU        4.0 /* iterations per microsecond: small, so that sanitizer builds stay quick */
#define IO_TIMEOUT 20000 /* ms a reply may take before the test fails */

static const char *g_wsserve;
static const char *g_model;

/* ---- the server ------------------------------------------------------------------------- */

struct server {
    pid_t pid;
    FILE *out; /* its stdout */
    unsigned port;
};

struct stopped {
    uint64_t connections, refused, requests, answered, ok, bad, lost, died;
    int fds;
    int status; /* its exit status */
};

static void server_start(struct server *sv)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    char ipu[32];
    snprintf(ipu, sizeof(ipu), "%.1f", IPU);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        /* Pools small enough that a sanitizer build starts them quickly,
         * large enough for the connections held open at once here. */
        bool pool = strcmp(g_model, "threadpool") == 0 || strcmp(g_model, "prefork") == 0;
        bool one = strcmp(g_model, "thread-per-conn") == 0 || strcmp(g_model, "eventloop") == 0;
        execl(g_wsserve, g_wsserve, "--model", g_model, "--iters-per-us", ipu,
              one ? NULL : "--workers", pool ? "16" : "2", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    sv->pid = pid;
    sv->out = fdopen(p[0], "r");
    REQUIRE(sv->out != NULL);
    char line[512];
    watchdog_arm(60, "%s: waiting for the ready line", g_model);
    REQUIRE(fgets(line, sizeof(line), sv->out) != NULL);
    watchdog_disarm();
    const char *at = strstr(line, " port=");
    REQUIRE(strncmp(line, "wsserve: ready model=", 21) == 0 && at != NULL);
    sv->port = (unsigned)strtoul(at + 6, NULL, 10);
    REQUIRE(sv->port > 0);
}

static uint64_t field(const char *line, const char *key)
{
    char k[32];
    snprintf(k, sizeof(k), " %s=", key);
    const char *at = strstr(line, k);
    CHECK(at != NULL);
    return at ? strtoull(at + strlen(k), NULL, 10) : 0;
}

static struct stopped server_stop(struct server *sv)
{
    struct stopped st = {0};
    char line[512] = "", last[512] = "";
    kill(sv->pid, SIGTERM);
    watchdog_arm(60, "%s: waiting for the server to stop", g_model);
    while (fgets(line, sizeof(line), sv->out) != NULL)
        snprintf(last, sizeof(last), "%s", line);
    int status;
    REQUIRE(waitpid(sv->pid, &status, 0) == sv->pid);
    watchdog_disarm();
    fclose(sv->out);
    st.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (strncmp(last, "wsserve: stopped", 16) != 0) {
        CHECK_FAIL_("%s: no stopped line (last: %s)", g_model, last);
        return st;
    }
    st.connections = field(last, "connections");
    st.refused = field(last, "refused");
    st.requests = field(last, "requests");
    st.answered = field(last, "answered");
    st.ok = field(last, "ok");
    st.bad = field(last, "bad");
    st.lost = field(last, "lost");
    st.died = field(last, "died");
    st.fds = (int)field(last, "fds");
    return st;
}

/* ---- a client connection ---------------------------------------------------------------- */

struct conn {
    int fd;
    char buf[65536];
    size_t len; /* bytes read, not yet consumed */
};

struct reply {
    int status;
    bool close; /* Connection: close */
    bool keep_alive_hdr;
    size_t body_len;
    char body[256];
};

static void conn_open(struct conn *c, unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(c->fd >= 0);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    REQUIRE(connect(c->fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    c->len = 0;
}

static void conn_close(struct conn *c)
{
    close(c->fd);
    c->fd = -1;
}

static int send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

static void conn_send(struct conn *c, const char *s)
{
    CHECK_EQ(send_all(c->fd, s, strlen(s)), 0);
}

/* Reads more into c->buf: bytes read, 0 at EOF, -1 on error or time-out. */
static ssize_t conn_fill(struct conn *c, int timeout_ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (c->len == sizeof(c->buf))
        return -1;
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0)
        return -1;
    ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
    if (n > 0)
        c->len += (size_t)n;
    return n;
}

/* Reads one whole reply (of a HEAD request: its headers, the body it
 * announces not sent): 0, 1 at a clean EOF before any byte of it, -1 on
 * anything else. */
static int conn_reply_of(struct conn *c, struct reply *r, bool head_only)
{
    memset(r, 0, sizeof(*r));
    for (;;) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (end != NULL) {
            size_t hlen = (size_t)(end - c->buf) + 4;
            char head[2048];
            if (hlen >= sizeof(head))
                return -1;
            memcpy(head, c->buf, hlen);
            head[hlen] = '\0';
            if (sscanf(head, "HTTP/1.1 %d", &r->status) != 1)
                return -1;
            const char *cl = strcasestr(head, "\r\nContent-Length: ");
            if (cl == NULL)
                return -1;
            r->body_len = strtoul(cl + 18, NULL, 10);
            r->close = strcasestr(head, "\r\nConnection: close\r\n") != NULL;
            r->keep_alive_hdr = strcasestr(head, "\r\nConnection: keep-alive\r\n") != NULL;
            if (head_only)
                r->body_len = 0;
            while (c->len < hlen + r->body_len)
                if (conn_fill(c, IO_TIMEOUT) <= 0)
                    return -1;
            size_t keep = r->body_len < sizeof(r->body) - 1 ? r->body_len : sizeof(r->body) - 1;
            memcpy(r->body, c->buf + hlen, keep);
            r->body[keep] = '\0';
            memmove(c->buf, c->buf + hlen + r->body_len, c->len - hlen - r->body_len);
            c->len -= hlen + r->body_len;
            return 0;
        }
        ssize_t n = conn_fill(c, IO_TIMEOUT);
        if (n == 0 && c->len == 0)
            return 1;
        if (n <= 0)
            return -1;
    }
}

static int conn_reply(struct conn *c, struct reply *r)
{
    return conn_reply_of(c, r, false);
}

/* The peer closes next: true if the next read is EOF (after nothing more). */
static bool conn_eof(struct conn *c)
{
    return c->len == 0 && conn_fill(c, IO_TIMEOUT) == 0;
}

/* ---- the answers ---------------------------------------------------------------------------- */

/* Checks a 200 body against work.h's definition, computed here. */
static void check_body(const struct reply *r, unsigned work, unsigned fanout)
{
    unsigned w, k;
    uint64_t iters, sum;
    CHECK_EQ(r->status, 200);
    if (sscanf(r->body, "work=%u fanout=%u iters=%" SCNu64 " sum=%" SCNx64, &w, &k, &iters, &sum) !=
        4) {
        CHECK_FAIL_("%s: a body that does not parse: '%s'", g_model, r->body);
        return;
    }
    CHECK_EQ(w, work);
    CHECK_EQ(k, fanout);
    CHECK_EQU(iters, work_iters(work, IPU));
    CHECK_EQU(sum, work_run(iters, fanout, NULL));
}

/* One chain by the general SHA-1 (sha1_update), not work.c's short path:
 * an independent check of the definition in work.h, for one part. */
static uint64_t chain_by_hand(uint64_t iters)
{
    struct sha1_ctx c;
    uint8_t seed[16] = {0}, h[SHA1_DIGEST_LEN];
    for (int i = 0; i < 8; i++)
        seed[i] = (uint8_t)(iters >> (8 * i));
    seed[12] = 1; /* k = 1, j = 0 */
    REQUIRE(sha1_init(&c, SHA1_IMPL_PORTABLE) == 0);
    sha1_update(&c, seed, sizeof(seed));
    sha1_final(&c, h);
    for (uint64_t i = 0; i < iters; i++) {
        REQUIRE(sha1_init(&c, SHA1_IMPL_PORTABLE) == 0);
        sha1_update(&c, h, sizeof(h));
        sha1_final(&c, h);
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return v;
}

static void get(struct conn *c, unsigned work, unsigned fanout)
{
    char req[256];
    struct reply r;
    snprintf(req, sizeof(req), "GET /w?work=%u&fanout=%u HTTP/1.1\r\nHost: t\r\n\r\n", work,
             fanout);
    conn_send(c, req);
    REQUIRE(conn_reply(c, &r) == 0);
    check_body(&r, work, fanout);
    CHECK(!r.close);
}

/* ---- the parts ------------------------------------------------------------------------------ */

/* Counted by the server in the scripted part: requests, of them 4xx, connections. */
struct expect {
    uint64_t requests, bad, connections;
};

static void part_script(struct expect *x)
{
    struct server sv;
    struct conn c;
    struct reply r;
    server_start(&sv);

    /* Keep-alive, with the work and fanout varied; one checked by hand. */
    conn_open(&c, sv.port);
    x->connections++;
    get(&c, 0, 1);
    get(&c, 25, 1);
    get(&c, 100, 3);
    get(&c, 10, 64);
    x->requests += 4;
    conn_send(&c, "GET /?work=3 HTTP/1.1\r\nHost: t\r\n\r\n");
    REQUIRE(conn_reply(&c, &r) == 0);
    check_body(&r, 3, 1);
    unsigned w, k;
    uint64_t iters, sum;
    REQUIRE(sscanf(r.body, "work=%u fanout=%u iters=%" SCNu64 " sum=%" SCNx64, &w, &k, &iters,
                   &sum) == 4);
    CHECK_EQU(sum, chain_by_hand(iters));
    x->requests++;

    /* Pipelined: 50 requests in one write, replies in order. */
    char big[50 * 64];
    size_t len = 0;
    for (unsigned i = 0; i < 50; i++)
        len += (size_t)snprintf(big + len, sizeof(big) - len,
                                "GET /?work=%u HTTP/1.1\r\nHost: t\r\n\r\n", i);
    REQUIRE(send_all(c.fd, big, len) == 0);
    for (unsigned i = 0; i < 50; i++) {
        REQUIRE(conn_reply(&c, &r) == 0);
        check_body(&r, i, 1);
    }
    x->requests += 50;

    /* Split across one-byte writes. */
    const char *split = "GET /?work=7&fanout=2 HTTP/1.1\r\nHost: t\r\nX-Long: abcdefgh\r\n\r\n";
    for (const char *p = split; *p; p++)
        REQUIRE(send_all(c.fd, p, 1) == 0);
    REQUIRE(conn_reply(&c, &r) == 0);
    check_body(&r, 7, 2);
    x->requests++;

    /* A bad parameter: 400, and the connection stays open. */
    const char *bads[] = {"work=abc", "work=-1",   "work=1000001",
                          "fanout=0", "fanout=65", "work=99999999999"};
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        char req[128];
        snprintf(req, sizeof(req), "GET /?%s HTTP/1.1\r\nHost: t\r\n\r\n", bads[i]);
        conn_send(&c, req);
        REQUIRE(conn_reply(&c, &r) == 0);
        CHECK_EQ(r.status, 400);
        CHECK(!r.close);
    }
    x->requests += 6;
    x->bad += 6;
    /* Another method: 405, open; HEAD: headers only. */
    conn_send(&c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
    REQUIRE(conn_reply(&c, &r) == 0);
    CHECK_EQ(r.status, 405);
    conn_send(&c, "HEAD /?work=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    REQUIRE(conn_reply_of(&c, &r, true) == 0);
    CHECK_EQ(r.status, 200);
    get(&c, 1, 1);
    x->requests += 3;
    x->bad += 1;
    /* Connection: close: the reply says so, then EOF. */
    conn_send(&c, "GET /?work=2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    REQUIRE(conn_reply(&c, &r) == 0);
    check_body(&r, 2, 1);
    CHECK(r.close);
    CHECK(conn_eof(&c));
    conn_close(&c);
    x->requests++;

    /* HTTP/1.0: closes unless asked to keep alive. */
    conn_open(&c, sv.port);
    x->connections++;
    conn_send(&c, "GET /?work=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    REQUIRE(conn_reply(&c, &r) == 0);
    check_body(&r, 1, 1);
    CHECK(r.keep_alive_hdr);
    conn_send(&c, "GET /?work=1 HTTP/1.0\r\n\r\n");
    REQUIRE(conn_reply(&c, &r) == 0);
    check_body(&r, 1, 1);
    CHECK(r.close);
    CHECK(conn_eof(&c));
    conn_close(&c);
    x->requests += 2;

    /* Malformed: 400 and the connection closes. */
    const char *malformed[] = {
        "GARBAGE\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
        "GET / HTTP/9.x\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        conn_open(&c, sv.port);
        conn_send(&c, malformed[i]);
        REQUIRE(conn_reply(&c, &r) == 0);
        CHECK_EQ(r.status, 400);
        CHECK(r.close);
        CHECK(conn_eof(&c));
        conn_close(&c);
    }
    x->connections += 4;
    x->requests += 4;
    x->bad += 4;
    /* A URL too long: 414, closed. */
    {
        char *req = malloc(HTTP_URL_MAX + 256);
        REQUIRE(req != NULL);
        int n = snprintf(req, 64, "GET /");
        memset(req + n, 'a', HTTP_URL_MAX + 10);
        strcpy(req + n + HTTP_URL_MAX + 10, " HTTP/1.1\r\n\r\n");
        conn_open(&c, sv.port);
        conn_send(&c, req);
        REQUIRE(conn_reply(&c, &r) == 0);
        CHECK_EQ(r.status, 414);
        CHECK(conn_eof(&c));
        conn_close(&c);
        free(req);
        x->connections++;
        x->requests++;
        x->bad++;
    }

    /* Disconnecting mid-request: no reply, not counted. */
    conn_open(&c, sv.port);
    conn_send(&c, "GET /?work=1 HTTP/1.1\r\nHost: t\r\nX-Half: ");
    conn_close(&c);
    conn_open(&c, sv.port);
    conn_send(&c, "GET /?wo");
    conn_close(&c);
    x->connections += 2;

    /* 1,000 connections opened and closed, every tenth after a request. */
    for (unsigned i = 0; i < 1000; i++) {
        conn_open(&c, sv.port);
        if (i % 10 == 0)
            get(&c, 1, 1);
        conn_close(&c);
    }
    x->connections += 1000;
    x->requests += 100;
    /* And the server still answers. */
    conn_open(&c, sv.port);
    get(&c, 5, 1);
    conn_close(&c);
    x->connections++;
    x->requests++;

    struct stopped st = server_stop(&sv);
    CHECK_EQ(st.status, 0);
    CHECK_EQU(st.connections, x->connections);
    CHECK_EQU(st.refused, 0);
    CHECK_EQU(st.requests, x->requests);
    CHECK_EQU(st.answered, x->requests);
    CHECK_EQU(st.bad, x->bad);
    CHECK_EQU(st.ok, x->requests - x->bad);
    CHECK_EQU(st.lost, 0);
    CHECK_EQU(st.died, 0);
    CHECK_EQ(st.fds, 0);
}

/* ---- shutdown under load ---------------------------------------------------------------- */

struct loader {
    pthread_t t;
    unsigned port;
    bool pipelined; /* two requests in flight at a time, else one */
    _Atomic int *go;
    uint64_t replies; /* whole 200 replies received, each checked */
    int bad;          /* a reply that was not whole or not right */
};

static void *loader_main(void *arg)
{
    struct loader *l = arg;
    struct conn *c = malloc(sizeof(*c));
    struct reply r;
    REQUIRE(c != NULL);
    conn_open(c, l->port);
    /* seq_cst: a start flag, checked once; too rare to tune. */
    atomic_fetch_add(l->go, 1);
    const char *req = "GET /?work=20 HTTP/1.1\r\nHost: t\r\n\r\n";
    unsigned inflight = 0;
    for (;;) {
        while (inflight < (l->pipelined ? 2u : 1u)) {
            if (send_all(c->fd, req, strlen(req)) != 0)
                break;
            inflight++;
        }
        int e = conn_reply(c, &r);
        if (e != 0) {
            /* EOF (1) or an RST after the server's FIN: the end; a reply
             * cut short is a failure. */
            if (e < 0 && c->len != 0)
                l->bad++;
            break;
        }
        inflight--;
        if (r.status != 200 || strncmp(r.body, "work=20 ", 8) != 0)
            l->bad++;
        else
            l->replies++;
    }
    conn_close(c);
    free(c);
    return NULL;
}

static void part_shutdown_under_load(void)
{
    enum { NLOAD = 8 };
    struct server sv;
    struct loader l[NLOAD];
    _Atomic int go = 0;
    server_start(&sv);
    for (int i = 0; i < NLOAD; i++) {
        l[i] = (struct loader){.port = sv.port, .pipelined = i % 2 == 1, .go = &go};
        REQUIRE(pthread_create(&l[i].t, NULL, loader_main, &l[i]) == 0);
    }
    /* Let them all connect and run a while: a count of replies, not a time. */
    watchdog_arm(60, "%s: loaders connecting", g_model);
    while (atomic_load(&go) < NLOAD)
        usleep(1000);
    usleep(200 * 1000);
    watchdog_disarm();
    struct stopped st = server_stop(&sv);
    watchdog_arm(60, "%s: loaders finishing", g_model);
    uint64_t replies = 0;
    int bad = 0;
    for (int i = 0; i < NLOAD; i++) {
        pthread_join(l[i].t, NULL);
        replies += l[i].replies;
        bad += l[i].bad;
    }
    watchdog_disarm();
    CHECK_EQ(st.status, 0);
    CHECK_EQ(bad, 0);
    CHECK(replies > 0);
    /* Every reply the server wrote reached its client whole; every request it read was answered. */
    CHECK_EQU(st.answered, replies);
    CHECK_EQU(st.requests, st.answered + st.lost);
    CHECK_EQU(st.lost, 0);
    CHECK_EQU(st.connections, NLOAD);
    CHECK_EQ(st.fds, 0);
    printf("%s: shutdown under load: %" PRIu64 " replies, all accounted for\n", g_model, replies);
}

int main(int argc, char **argv)
{
    static const char *const all[] = {"thread-per-conn", "threadpool",      "prefork",
                                      "eventloop",       "eventloop-cores", "wsched"};
    if (argc < 2) {
        fprintf(stderr, "usage: test_serve WSSERVE [MODEL...]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    g_wsserve = argv[1];
    REQUIRE(work_init() == 0);
    int n = argc > 2 ? argc - 2 : (int)(sizeof(all) / sizeof(all[0]));
    for (int i = 0; i < n; i++) {
        g_model = argc > 2 ? argv[2 + i] : all[i];
        int before = check_failures;
        struct expect x = {0};
        part_script(&x);
        part_shutdown_under_load();
        printf("%s: %s (%" PRIu64 " requests scripted)\n", g_model,
               check_failures == before ? "ok" : "FAILED", x.requests);
    }
    return check_report("test_serve");
}
