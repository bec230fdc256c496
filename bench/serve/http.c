/*
 * http.c - the request side of a connection and the handler (see http.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/http.h"

static struct http_conn *conn_of(http_parser *p)
{
    return p->data;
}

static int on_message_begin(http_parser *p)
{
    struct http_conn *c = conn_of(p);
    c->started = true;
    c->url_len = 0;
    c->url_overflow = false;
    return 0;
}

/* The URL may come in pieces (a request split over reads). */
static int on_url(http_parser *p, const char *at, size_t len)
{
    struct http_conn *c = conn_of(p);
    if (len > sizeof(c->url) - c->url_len) {
        c->url_overflow = true;
        return 1; /* stops the parser: HPE_CB_url */
    }
    memcpy(c->url + c->url_len, at, len);
    c->url_len += len;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    struct http_conn *c = conn_of(p);
    c->complete = true;
    c->started = false;
    /* Stops http_parser_execute() right after this request, so that its
     * reply is written before the next pipelined one's. */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings g_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_message_complete = on_message_complete,
};

void http_conn_init(struct http_conn *c)
{
    memset(c, 0, offsetof(struct http_conn, url));
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
}

size_t http_conn_parse(struct http_conn *c, const char *buf, size_t len)
{
    size_t n = http_parser_execute(&c->parser, &g_settings, buf, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (c->complete)
        return n; /* paused after the request (HPE_PAUSED) */
    if (e != HPE_OK || c->parser.upgrade) {
        /* An upgrade (h2c, websocket) is not served: what follows its
         * headers is not HTTP/1.1 any more. */
        c->failed = true;
        c->started = false;
    }
    return n;
}

/* A decimal in [lo, hi] from s[0, len): 0, or -EINVAL. */
static int parse_uint(const char *s, size_t len, unsigned lo, unsigned hi, unsigned *out)
{
    unsigned long v = 0;
    if (len == 0 || len > 9)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < lo || v > hi)
        return -EINVAL;
    *out = (unsigned)v;
    return 0;
}

/* work and fanout from the query of c->url: 0, or -EINVAL. */
static int parse_query(const struct http_conn *c, unsigned *work, unsigned *fanout)
{
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(c->url, c->url_len, 0, &u) != 0)
        return -EINVAL;
    *work = 0;
    *fanout = 1;
    if (!(u.field_set & (1u << UF_QUERY)))
        return 0;
    const char *q = c->url + u.field_data[UF_QUERY].off, *end = q + u.field_data[UF_QUERY].len;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        if (eq != NULL) {
            size_t klen = (size_t)(eq - q), vlen = (size_t)(stop - eq - 1);
            int e = 0;
            if (klen == 4 && memcmp(q, "work", 4) == 0)
                e = parse_uint(eq + 1, vlen, 0, WORK_MAX_US, work);
            else if (klen == 6 && memcmp(q, "fanout", 6) == 0)
                e = parse_uint(eq + 1, vlen, 1, WORK_MAX_FANOUT, fanout);
            if (e != 0)
                return e;
        }
        q = stop + 1; /* other parameters are the client's business */
    }
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 405:
        return "Method Not Allowed";
    default:
        return "URI Too Long";
    }
}

struct http_reply http_conn_respond(struct http_conn *c, double iters_per_us,
                                    const struct work_fork *f, char *out)
{
    struct http_reply r = {.status = 200, .keep = false};
    char body[128];
    int blen = 0;
    bool head = false;
    unsigned work = 0, fanout = 1;

    if (c->failed) {
        r.status = c->url_overflow ? 414 : 400;
    } else {
        r.keep = http_should_keep_alive(&c->parser) != 0;
        head = c->parser.method == HTTP_HEAD;
        if (c->parser.method != HTTP_GET && !head)
            r.status = 405;
        else if (parse_query(c, &work, &fanout) != 0)
            r.status = 400;
    }
    if (r.status == 200) {
        uint64_t iters = work_iters(work, iters_per_us);
        uint64_t sum = work_run(iters, fanout, f);
        blen =
            snprintf(body, sizeof(body), "work=%u fanout=%u iters=%" PRIu64 " sum=%016" PRIx64 "\n",
                     work, fanout, iters, sum);
    } else {
        blen = snprintf(body, sizeof(body), "%d %s\n", r.status, reason(r.status));
    }
    /* HTTP/1.0 keeps a connection open only when both sides say so. */
    const char *conn = !r.keep                     ? "Connection: close\r\n"
                       : c->parser.http_minor == 0 ? "Connection: keep-alive\r\n"
                                                   : "";
    int n =
        snprintf(out, HTTP_REPLY_MAX,
                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s%s\r\n%s",
                 r.status, reason(r.status), blen, conn,
                 r.status == 405 ? "Allow: GET, HEAD\r\n" : "", head ? "" : body);
    r.len = (size_t)n;
    /* Ready for the next request: unpause, keep the parser's state (it is
     * between messages); a failed parser is not reused (the connection
     * closes). */
    if (!c->failed)
        http_parser_pause(&c->parser, 0); /* asserts if the parser is in an error state */
    c->complete = false;
    c->failed = false;
    return r;
}
