/*
 * pipe.c - the "pipe" workload: request/response round trips through
 * pipes to an echo service in the benchmark process, the shape of talking
 * to a local helper process (a compiler server, a language server) over its
 * stdin/stdout. For every executor each task is one piece of one map(): it
 * claims a pipe pair, makes R round trips of a B-byte message on it, checks
 * every echo, and gives the pair back.
 *
 * Parameters: tasks:<1..10^6> (default 256), rounds:<1..10^6> (default
 * 100), bytes:<1..4096> (default 64; at most PIPE_BUF, so each message is
 * one atomic write), slots:<1..1024> (pipe pairs, default 256: at least the
 * most pieces any executor runs at once, else pieces wait for a pair).
 *
 * The pipes are FIFOs. prepare() makes `slots` pairs (q<i>, r<i>) in a
 * private directory under $TMPDIR (or /tmp) and starts the echo thread,
 * which holds both ends of every FIFO open (O_RDWR) and, under epoll, copies
 * whatever arrives on q<i> to r<i>. A piece opens its pair by path: the
 * procpool's workers close every descriptor they inherit
 * (exec_procpool.c), so inherited pipe descriptors would not reach them; the
 * echo thread's O_RDWR ends make those opens never block and the pipes
 * never see end-of-file or SIGPIPE. Every executor's pieces do the same
 * open and close, so the models pay the same per-piece cost.
 *
 * A piece claims a pair with flock(LOCK_EX | LOCK_NB) on its own descriptor
 * of q<i>, trying the pairs from its id's own on, and sleeping 20 us
 * between rounds if all are taken. The kernel holds the claim for the
 * descriptor, for threads and forked workers alike, so nothing is shared in
 * memory, and a worker that dies mid-piece gives its pair back. A new owner
 * first drains bytes a failed owner may have left in r<i>; were a late echo
 * of theirs still to arrive, its mismatch would fail the new piece too, not
 * pass silently.
 *
 * Event-driven: the same steps on non-blocking descriptors, each wait an
 * armed wait (for the echo, or for room in the pipe) and the wait for a
 * free pair a timer, never a blocking call.
 *
 * The known answer: every echo equals its message (bytes drawn from the
 * piece id, the round and a per-prepare token). run->tasks = tasks; each
 * piece's submit-to-done time goes to run->latency. release() stops the
 * thread and removes the FIFOs and their directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "workloads/io/io.h"

#define PIPE_DIR_MAX  200 /* the directory's path, carried in each piece's argument */
#define PIPE_MAX_MSG  PIPE_BUF
#define PIPE_CLAIM_US 20 /* a piece with no free pair looks again after this long */

struct pipe_state {
    struct io_head h;
    char dir[PIPE_DIR_MAX];
    uint64_t rounds, bytes, slots, token;
    int *fd;             /* fd[2i], fd[2i+1]: the echo thread's O_RDWR ends of q<i> and r<i> */
    struct io_loop echo; /* the echo thread and its epoll set: every q<i> */
};

struct pipe_arg {
    uint64_t token; /* salts the messages: this prepare()'s, not another's */
    uint32_t id, rounds, bytes, slots;
    char dir[PIPE_DIR_MAX];
};

struct pipe_res {
    uint32_t id;
    uint32_t rounds_ok;  /* rounds whose echo matched */
    uint32_t bad_offset; /* the first byte that differed, if one did */
    uint32_t pad;
};

/* ---- the echo thread --------------------------------------------------------------------- */

static void *pipe_echo(void *arg)
{
    struct pipe_state *s = arg;
    struct epoll_event ev[64];
    unsigned char buf[PIPE_MAX_MSG];

    for (;;) {
        int n = epoll_wait(s->echo.epfd, ev, 64, -1);

        for (int k = 0; k < n; k++) {
            uint64_t slot = ev[k].data.u64;
            ssize_t r, w;

            if (slot == IO_LOOP_STOP)
                return NULL;
            /* Level-triggered: what this read leaves behind wakes the next epoll_wait(). */
            r = read(s->fd[2 * slot], buf, sizeof(buf));
            if (r <= 0)
                continue;
            /* The response pipe holds one message at most (its owner reads each before it
             * sends the next; a dead owner leaves one more at most), far below its 64 KiB, so
             * this write fits; were it ever short, the owner would time out. */
            w = write(s->fd[2 * slot + 1], buf, (size_t)r);
            (void)w;
        }
    }
}

/* ---- a piece ----------------------------------------------------------------------------- */

static void pipe_message(unsigned char *m, size_t len, uint64_t token, uint32_t id, uint32_t round)
{
    uint64_t w = 0;

    for (size_t j = 0; j < len; j++) {
        if (j % 8 == 0)
            w = wl_mix64(token ^ ((uint64_t)id << 32) ^ ((uint64_t)round << 12) ^ j);
        m[j] = (unsigned char)(w >> (8 * (j % 8)));
    }
}

/* Opens FIFO <dir>/<kind><slot> with flags. The descriptor, or a negative errno. */
static int pipe_open(const struct pipe_arg *a, char kind, uint32_t slot, int flags)
{
    char path[PIPE_DIR_MAX + 24];
    int fd;

    snprintf(path, sizeof(path), "%s/%c%" PRIu32, a->dir, kind, slot);
    fd = open(path, flags | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

/*
 * Claims a free pair, trying id's own first: returns the locked descriptor
 * of its q<i> and sets *slot, or -ETIMEDOUT if none frees up in time.
 */
static int pipe_claim(const struct pipe_arg *a, uint32_t *slot)
{
    uint64_t deadline = exec_now_ns() + (uint64_t)IO_TIMEOUT_MS * 1000000u;
    struct timespec pause = {0, PIPE_CLAIM_US * 1000};

    do {
        for (uint32_t k = 0; k < a->slots; k++) {
            uint32_t i = (a->id + k) % a->slots;
            int q = pipe_open(a, 'q', i, O_WRONLY);

            if (q < 0)
                return q;
            if (flock(q, LOCK_EX | LOCK_NB) == 0) {
                *slot = i;
                return q;
            }
            close(q); /* EWOULDBLOCK: another piece owns it */
        }
        nanosleep(&pause, NULL);
    } while (exec_now_ns() < deadline);
    return -ETIMEDOUT;
}

/* R round trips on the claimed pair. 0 with r filled (a mismatch shows in it), or an IO error. */
static int pipe_trips(const struct pipe_arg *a, int q, uint32_t slot, struct pipe_res *r)
{
    unsigned char msg[PIPE_MAX_MSG], echo[PIPE_MAX_MSG];
    struct pollfd pfd = {.events = POLLIN};
    int e = 0;

    pfd.fd = pipe_open(a, 'r', slot, O_RDONLY);
    if (pfd.fd < 0)
        return pfd.fd;
    while (poll(&pfd, 1, 0) > 0 && read(pfd.fd, echo, sizeof(echo)) > 0)
        ; /* what a failed owner left */
    for (uint32_t k = 0; k < a->rounds && e == 0; k++) {
        pipe_message(msg, a->bytes, a->token, a->id, k);
        e = io_write_all(q, msg, a->bytes, IO_TIMEOUT_MS);
        if (e == 0)
            e = io_read_full(pfd.fd, echo, a->bytes, IO_TIMEOUT_MS);
        if (e == 0 && memcmp(msg, echo, a->bytes) != 0) {
            uint32_t j = 0;
            while (msg[j] == echo[j])
                j++;
            r->bad_offset = j;
            break;
        }
        if (e == 0)
            r->rounds_ok++;
    }
    close(pfd.fd);
    return e;
}

/* exec_piece_fn: claims a pair, makes the round trips, gives the pair back. */
static int pipe_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct pipe_arg a;
    struct pipe_res r = {0, 0, 0, 0};
    uint32_t slot;
    int q, e;

    if ((e = io_piece_start(&a, sizeof(a), arg, arg_len, sizeof(r), res_cap)) != 0)
        return e;
    if (a.bytes == 0 || a.bytes > PIPE_MAX_MSG || a.slots == 0 ||
        memchr(a.dir, '\0', sizeof(a.dir)) == NULL)
        return -EINVAL;
    q = pipe_claim(&a, &slot);
    if (q < 0)
        return q;
    r.id = a.id;
    e = pipe_trips(&a, q, slot, &r);
    close(q); /* gives the pair back: the lock belonged to this descriptor */
    if (e)
        return e;
    memcpy(res, &r, sizeof(r));
    *res_len = sizeof(r);
    return 0;
}

/* ---- the event-driven form --------------------------------------------------------------- */

struct pipe_ev {
    int q, r;             /* the claimed pair's descriptors, -1 if not open */
    uint32_t slot, round; /* the pair; the round trip under way */
    uint32_t have;        /* bytes of the echo read so far */
    uint64_t claim_until; /* give up looking for a free pair then */
    unsigned char msg[PIPE_MAX_MSG], echo[PIPE_MAX_MSG];
};

static void pipe_ev_end(struct ev_ctx *c, struct io_task *t, int status)
{
    struct pipe_ev *s = t->scratch;

    if (s->r >= 0)
        close(s->r);
    if (s->q >= 0)
        close(s->q); /* gives the pair back: the lock belonged to this descriptor */
    s->q = s->r = -1;
    io_task_finish(c, t, status);
}

static void pipe_ev_send(struct ev_ctx *c, struct io_task *t);

static void pipe_ev_echoed(struct ev_ctx *c, struct ev_req *req, int result)
{
    struct io_task *t = io_task_of(req);
    struct pipe_ev *s = t->scratch;
    const struct pipe_arg *a = t->arg;
    struct pipe_res *res = t->res;

    if (result < 0) {
        pipe_ev_end(c, t, result);
        return;
    }
    ssize_t n = read(s->r, s->echo + s->have, a->bytes - s->have);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        pipe_ev_end(c, t, -errno);
        return;
    }
    if (n > 0)
        s->have += (uint32_t)n;
    if (s->have < a->bytes) {
        int e = io_task_wait(c, t, s->r, EV_READ, pipe_ev_echoed);
        if (e != 0)
            pipe_ev_end(c, t, e);
        return;
    }
    if (memcmp(s->msg, s->echo, a->bytes) != 0) {
        uint32_t j = 0;
        while (s->msg[j] == s->echo[j])
            j++;
        res->bad_offset = j;
        pipe_ev_end(c, t, 0); /* rounds_ok says where: check() fails it */
        return;
    }
    res->rounds_ok++;
    if (++s->round < a->rounds)
        pipe_ev_send(c, t);
    else
        pipe_ev_end(c, t, 0);
}

static void pipe_ev_room(struct ev_ctx *c, struct ev_req *req, int result)
{
    struct io_task *t = io_task_of(req);

    if (result < 0)
        pipe_ev_end(c, t, result);
    else
        pipe_ev_send(c, t);
}

/* Writes this round's message (at most PIPE_BUF: all or nothing), then
 * waits for its echo. */
static void pipe_ev_send(struct ev_ctx *c, struct io_task *t)
{
    struct pipe_ev *s = t->scratch;
    const struct pipe_arg *a = t->arg;
    int e;

    pipe_message(s->msg, a->bytes, a->token, a->id, s->round);
    ssize_t n = write(s->q, s->msg, a->bytes);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        pipe_ev_end(c, t, -errno);
        return;
    }
    if (n < 0) {
        e = io_task_wait(c, t, s->q, EV_WRITE, pipe_ev_room);
    } else if ((uint32_t)n != a->bytes) {
        e = -EIO; /* a pipe write of at most PIPE_BUF is never short */
    } else {
        s->have = 0;
        e = io_task_wait(c, t, s->r, EV_READ, pipe_ev_echoed);
    }
    if (e != 0)
        pipe_ev_end(c, t, e);
}

static void pipe_ev_claim(struct ev_ctx *c, struct ev_req *req, int result);

/* Claims a free pair (as pipe_claim(), without sleeping): on success opens
 * its response end, drains it and starts the round trips; with all pairs
 * taken, looks again after PIPE_CLAIM_US. */
static void pipe_ev_try(struct ev_ctx *c, struct io_task *t)
{
    struct pipe_ev *s = t->scratch;
    const struct pipe_arg *a = t->arg;
    unsigned char drain[PIPE_MAX_MSG];

    for (uint32_t k = 0; k < a->slots; k++) {
        uint32_t i = (a->id + k) % a->slots;
        int q = pipe_open(a, 'q', i, O_WRONLY | O_NONBLOCK);

        if (q < 0) {
            pipe_ev_end(c, t, q);
            return;
        }
        if (flock(q, LOCK_EX | LOCK_NB) != 0) {
            close(q); /* EWOULDBLOCK: another piece owns it */
            continue;
        }
        s->q = q;
        s->slot = i;
        s->r = pipe_open(a, 'r', i, O_RDONLY | O_NONBLOCK);
        if (s->r < 0) {
            int e = s->r;
            s->r = -1;
            pipe_ev_end(c, t, e);
            return;
        }
        while (read(s->r, drain, sizeof(drain)) > 0)
            ; /* what a failed owner left */
        s->round = 0;
        pipe_ev_send(c, t);
        return;
    }
    if (exec_now_ns() >= s->claim_until) {
        pipe_ev_end(c, t, -ETIMEDOUT);
        return;
    }
    int e = io_task_timer(c, t, PIPE_CLAIM_US * 1000u, pipe_ev_claim);
    if (e != 0)
        pipe_ev_end(c, t, e);
}

static void pipe_ev_claim(struct ev_ctx *c, struct ev_req *req, int result)
{
    struct io_task *t = io_task_of(req);

    if (result < 0)
        pipe_ev_end(c, t, result);
    else
        pipe_ev_try(c, t);
}

static void pipe_ev_start(struct ev_ctx *c, struct io_task *t)
{
    struct pipe_ev *s = t->scratch;
    const struct pipe_arg *a = t->arg;
    struct pipe_res *res = t->res;

    s->q = s->r = -1;
    res->id = a->id;
    if (a->bytes == 0 || a->bytes > PIPE_MAX_MSG || a->slots == 0) {
        pipe_ev_end(c, t, -EINVAL);
        return;
    }
    s->claim_until = exec_now_ns() + (uint64_t)IO_TIMEOUT_MS * 1000000u;
    pipe_ev_try(c, t);
}

static int pipe_check(const void *state, const void *arg, const void *res, char *why, size_t whylen)
{
    const struct pipe_state *s = state;
    const struct pipe_res *r = res;

    (void)arg;
    if (r->rounds_ok != s->rounds) {
        snprintf(why, whylen, "round %" PRIu32 ": the echo differs at byte %" PRIu32, r->rounds_ok,
                 r->bad_offset);
        return -EPROTO;
    }
    return 0;
}

static void pipe_fill(const void *state, size_t i, void *arg)
{
    const struct pipe_state *s = state;
    struct pipe_arg *a = arg; /* zeroed */

    a->token = s->token;
    a->id = (uint32_t)i;
    a->rounds = (uint32_t)s->rounds;
    a->bytes = (uint32_t)s->bytes;
    a->slots = (uint32_t)s->slots;
    memcpy(a->dir, s->dir, sizeof(a->dir));
}

static const char *const pipe_keys[] = {"tasks", "rounds", "bytes", "slots", NULL};

static const struct io_desc pipe_desc = IO_DESC(pipe, "pipe", pipe_keys, 256);

/* ---- prepare and release ----------------------------------------------------------------- */

static void pipe_release(void *state)
{
    struct pipe_state *s = state;

    if (!s)
        return;
    io_loop_close(&s->echo);
    if (s->fd)
        for (uint64_t k = 0; k < 2 * s->slots; k++)
            if (s->fd[k] >= 0)
                close(s->fd[k]);
    io_tmpdir_remove(s->dir);
    free(s->fd);
    free(s);
}

/* Makes the FIFOs of pair i, opens the echo thread's ends and watches q<i>. */
static int pipe_make_pair(struct pipe_state *s, uint64_t i, char *err, size_t errlen)
{
    char path[PIPE_DIR_MAX + 24];
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};

    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof(path), "%s/%c%" PRIu64, s->dir, k ? 'r' : 'q', i);
        if (mkfifo(path, 0600) != 0 ||
            (s->fd[2 * i + (uint64_t)k] = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
            int e = -errno;
            snprintf(err, errlen, "pipe: %s: %s", path, strerror(-e));
            return e;
        }
    }
    if (epoll_ctl(s->echo.epfd, EPOLL_CTL_ADD, s->fd[2 * i], &ev) != 0) {
        int e = -errno;
        snprintf(err, errlen, "pipe: epoll_ctl: %s", strerror(-e));
        return e;
    }
    return 0;
}

static int pipe_prepare(void **state, const char *params, char *err, size_t errlen)
{
    struct pipe_state *s;
    uint64_t tasks, rounds, bytes, slots, i;
    int e;

    if (io_params(&pipe_desc, params, &tasks, err, errlen) ||
        wl_param_u64("pipe", params, "rounds", 1, 1000000, 100, &rounds, err, errlen) ||
        wl_param_u64("pipe", params, "bytes", 1, PIPE_MAX_MSG, 64, &bytes, err, errlen) ||
        wl_param_u64("pipe", params, "slots", 1, 1024, 256, &slots, err, errlen))
        return -EINVAL;
    s = io_state_new(sizeof(*s), &pipe_desc, params, tasks, err, errlen);
    if (!s)
        return -ENOMEM;
    s->echo.epfd = s->echo.stop_fd = -1;
    s->rounds = rounds;
    s->bytes = bytes;
    s->slots = slots;
    s->token = wl_token();
    s->fd = malloc(2 * slots * sizeof(*s->fd));
    if (!s->fd) {
        snprintf(err, errlen, "pipe: out of memory");
        e = -ENOMEM;
        goto fail;
    }
    for (i = 0; i < 2 * slots; i++)
        s->fd[i] = -1;
    e = io_tmpdir_make(s->dir, sizeof(s->dir), sizeof(s->dir), "pipe");
    if (e) {
        snprintf(err, errlen, "pipe: cannot make a directory under $TMPDIR or /tmp: %s",
                 strerror(-e));
        goto fail;
    }
    e = io_loop_open(&s->echo);
    if (e) {
        snprintf(err, errlen, "pipe: epoll or eventfd: %s", strerror(-e));
        goto fail;
    }
    for (i = 0; i < slots; i++)
        if ((e = pipe_make_pair(s, i, err, errlen)) != 0)
            goto fail;
    e = io_loop_start(&s->echo, pipe_echo, s);
    if (e) {
        snprintf(err, errlen, "pipe: cannot start the echo thread: %s", strerror(-e));
        goto fail;
    }
    *state = s;
    return 0;
fail:
    pipe_release(s);
    return e;
}

const struct workload workload_pipe =
    IO_WORKLOAD("pipe", "io", "tasks:256/rounds:100/bytes:64", "tasks:16/rounds:10/bytes:64",
                pipe_prepare, pipe_release);
