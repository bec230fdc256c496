/*
 * http.h - one HTTP/1.1 connection's request side, over the http_parser
 * library (Debian's libhttp-parser, the parser Node.js used before llhttp),
 * and the handler every model serves: GET /<path>?work=US&fanout=K.
 *
 * A model feeds the bytes it reads to http_conn_parse(), which stops after
 * each whole request (or at a malformed one); http_conn_respond() then
 * computes that request's reply, and the model writes it before parsing on.
 * So pipelined requests are answered in order, one reply per request, and
 * a request split over many reads is one request. The bytes need not stay
 * valid after a call: what the handler needs of them (the URL) is copied.
 *
 * Replies:
 *  200 GET or HEAD with valid parameters; body "work=US fanout=K iters=I
 *      sum=<16 hex>\n" (see work.h); HEAD gets the headers alone.
 *  400 a malformed request (the connection then closes: the stream cannot
 *      be trusted), or a bad parameter (it stays open).
 *  405 another method (it stays open), with Allow: GET, HEAD.
 *  414 a URL longer than HTTP_URL_MAX (the connection closes).
 */
#ifndef WSSERVE_HTTP_H
#define WSSERVE_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>

#include "serve/work.h"

#define HTTP_URL_MAX   2048
#define HTTP_REPLY_MAX 512 /* the longest reply http_conn_respond() writes */

struct http_conn {
    http_parser parser;
    size_t url_len;
    bool url_overflow; /* the URL did not fit: 414 */
    bool complete;     /* a whole request waits for http_conn_respond() */
    bool failed;       /* a malformed one does (400 or 414, then close) */
    bool started;      /* bytes of a request not yet complete were parsed */
    char url[HTTP_URL_MAX];
};

/* What a reply is, for the model's counters. */
struct http_reply {
    size_t len; /* bytes in the caller's buffer */
    int status; /* 200, 400, 405, 414 */
    bool keep;  /* the connection stays open after it */
};

void http_conn_init(struct http_conn *c);

/*
 * Parses buf[0, len), len > 0, and returns how many bytes it consumed: all
 * of them, or fewer when it stopped after a whole request (c->complete) or
 * at a malformed one (c->failed). Call http_conn_respond() then, and parse
 * the rest after.
 */
size_t http_conn_parse(struct http_conn *c, const char *buf, size_t len);

/*
 * The reply to the request c->complete or c->failed announced, written to
 * out (HTTP_REPLY_MAX bytes); its work runs through f (NULL: in turn), at
 * iters_per_us iterations per microsecond. Readies c for the next request.
 */
struct http_reply http_conn_respond(struct http_conn *c, double iters_per_us,
                                    const struct work_fork *f, char *out);

#endif /* WSSERVE_HTTP_H */
