/*
 * io_pipe.c - the "pipe" workload: request/response round trips through
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
 * Pairs are claimed through an array of atomic flags in a MAP_SHARED
 * mapping made in prepare(), so threads and forked workers see the same
 * flags. A piece that fails keeps its pair claimed (its bytes may still be
 * in flight; no later piece should read them), so one failure cannot spread.
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
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io_common.h"

#define PIPE_DIR_MAX  200 /* the directory's path, carried in each piece's argument */
#define PIPE_MAX_MSG  PIPE_BUF
#define PIPE_CLAIM_US 20 /* a piece with no free pair looks again after this long */

/*
 * Shared between the benchmark process and its forked workers. claim[i] is
 * 1 while a piece owns pair i: [C1] a successful claim (acquire) pairs with
 * [C2], the release store of the piece that owned the pair before, so the
 * new owner starts after the old one has finished with the pipes.
 */
struct pipe_shared {
    uint64_t token;
    uint32_t slots;
    _Atomic uint32_t claim[];
};

struct pipe_state {
    struct io_head h;
    char dir[PIPE_DIR_MAX];
    uint64_t rounds, bytes, slots;
    struct pipe_shared *sh;
    size_t sh_size;
    int *fd;             /* fd[2i], fd[2i+1]: the echo thread's O_RDWR ends of q<i> and r<i> */
    struct io_loop echo; /* the echo thread and its epoll set: every q<i> */
};

struct pipe_arg {
    struct pipe_shared *sh; /* valid in a worker forked after prepare() */
    uint64_t token;
    uint32_t id, rounds, bytes, pad;
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
            /* The response pipe holds at most one message (its owner reads each before it
             * sends the next), so this write fits; were it ever short, the owner times out. */
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

/* Claims a free pair, starting at id's own: its index, or -ETIMEDOUT if none frees up. */
static int64_t pipe_claim(struct pipe_shared *sh, uint32_t id)
{
    uint64_t deadline = exec_now_ns() + (uint64_t)IO_TIMEOUT_MS * 1000000u;
    struct timespec pause = {0, PIPE_CLAIM_US * 1000};

    do {
        for (uint32_t k = 0; k < sh->slots; k++) {
            uint32_t i = (id + k) % sh->slots, free_ = 0;
            /* [C1] acquire: pairs with [C2]; relaxed on failure: nothing was taken. */
            if (atomic_compare_exchange_strong_explicit(&sh->claim[i], &free_, 1,
                                                        memory_order_acquire, memory_order_relaxed))
                return i;
        }
        nanosleep(&pause, NULL);
    } while (exec_now_ns() < deadline);
    return -ETIMEDOUT;
}

/* R round trips on pair `slot`. 0 with r filled (a mismatch shows in it), or an IO error. */
static int pipe_trips(const struct pipe_arg *a, int64_t slot, struct pipe_res *r)
{
    unsigned char msg[PIPE_MAX_MSG], echo[PIPE_MAX_MSG];
    char path[PIPE_DIR_MAX + 24];
    int q, rs, e = 0;

    snprintf(path, sizeof(path), "%s/q%" PRId64, a->dir, slot);
    q = open(path, O_WRONLY | O_CLOEXEC);
    if (q < 0)
        return -errno;
    snprintf(path, sizeof(path), "%s/r%" PRId64, a->dir, slot);
    rs = open(path, O_RDONLY | O_CLOEXEC);
    if (rs < 0) {
        e = -errno;
        close(q);
        return e;
    }
    for (uint32_t k = 0; k < a->rounds && e == 0; k++) {
        pipe_message(msg, a->bytes, a->token, a->id, k);
        e = io_write_all(q, msg, a->bytes, IO_TIMEOUT_MS);
        if (e == 0)
            e = io_read_full(rs, echo, a->bytes, IO_TIMEOUT_MS);
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
    close(rs);
    close(q);
    return e;
}

/* exec_piece_fn: claims a pair, makes the round trips, gives the pair back if all went well. */
static int pipe_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct pipe_arg a;
    struct pipe_res r = {0, 0, 0, 0};
    int64_t slot;
    int e;

    if (arg_len != sizeof(a))
        return -EINVAL;
    if (res_cap < sizeof(r))
        return -EMSGSIZE;
    memcpy(&a, arg, sizeof(a));
    if (a.bytes == 0 || a.bytes > PIPE_MAX_MSG || memchr(a.dir, '\0', sizeof(a.dir)) == NULL)
        return -EINVAL;
    if (a.sh->token != a.token)
        return -ESTALE; /* forked before prepare(): a.sh is not this state's mapping */
    slot = pipe_claim(a.sh, a.id);
    if (slot < 0)
        return (int)slot;
    r.id = a.id;
    e = pipe_trips(&a, slot, &r);
    if (e == 0 && r.rounds_ok == a.rounds)
        /* [C2] release: the pair is clean again; pairs with [C1] of its next owner. */
        atomic_store_explicit(&a.sh->claim[slot], 0, memory_order_release);
    if (e)
        return e;
    memcpy(res, &r, sizeof(r));
    *res_len = sizeof(r);
    return 0;
}

static int pipe_check(const void *state, size_t i, const void *arg, const void *res, char *why,
                      size_t whylen)
{
    const struct pipe_state *s = state;
    struct pipe_res r;

    (void)i;
    (void)arg;
    memcpy(&r, res, sizeof(r));
    if (r.rounds_ok != s->rounds) {
        snprintf(why, whylen, "round %" PRIu32 ": the echo differs at byte %" PRIu32, r.rounds_ok,
                 r.bad_offset);
        return -EPROTO;
    }
    return 0;
}

static void pipe_fill(const void *state, size_t i, void *arg)
{
    const struct pipe_state *s = state;
    struct pipe_arg *a = arg; /* zeroed */

    a->sh = s->sh;
    a->token = s->sh->token;
    a->id = (uint32_t)i;
    a->rounds = (uint32_t)s->rounds;
    a->bytes = (uint32_t)s->bytes;
    memcpy(a->dir, s->dir, sizeof(a->dir));
}

static const struct io_desc pipe_desc = {
    .arg_size = sizeof(struct pipe_arg),
    .res_size = sizeof(struct pipe_res),
    .piece = pipe_piece,
    .fill = pipe_fill,
    .check = pipe_check,
};

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
    if (s->sh)
        munmap(s->sh, s->sh_size);
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
    static const char *const keys[] = {"tasks", "rounds", "bytes", "slots", NULL};
    struct pipe_state *s;
    uint64_t tasks, rounds, bytes, slots, i;
    int e;

    if (wl_params_known("pipe", params, keys, err, errlen) ||
        wl_param_u64("pipe", params, "tasks", 1, 1000000, 256, &tasks, err, errlen) ||
        wl_param_u64("pipe", params, "rounds", 1, 1000000, 100, &rounds, err, errlen) ||
        wl_param_u64("pipe", params, "bytes", 1, PIPE_MAX_MSG, 64, &bytes, err, errlen) ||
        wl_param_u64("pipe", params, "slots", 1, 1024, 256, &slots, err, errlen))
        return -EINVAL;
    s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "pipe: out of memory");
        return -ENOMEM;
    }
    s->echo.epfd = s->echo.stop_fd = -1;
    s->h.desc = &pipe_desc;
    wl_label(s->h.label, sizeof(s->h.label), "pipe", params);
    s->h.tasks = tasks;
    s->rounds = rounds;
    s->bytes = bytes;
    s->slots = slots;
    s->fd = malloc(2 * slots * sizeof(*s->fd));
    s->sh_size = sizeof(*s->sh) + slots * sizeof(s->sh->claim[0]);
    s->sh = mmap(NULL, s->sh_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s->sh == MAP_FAILED)
        s->sh = NULL;
    if (!s->fd || !s->sh) {
        snprintf(err, errlen, "pipe: out of memory");
        e = -ENOMEM;
        goto fail;
    }
    for (i = 0; i < 2 * slots; i++)
        s->fd[i] = -1;
    /* Zero-filled by mmap: every pair free. Seen by threads and workers created after this. */
    s->sh->token = wl_token();
    s->sh->slots = (uint32_t)slots;
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

const struct workload workload_pipe = {
    .name = "pipe",
    .kind = "io",
    .params_default = "tasks:256/rounds:100/bytes:64",
    .params_quick = "tasks:16/rounds:10/bytes:64",
    .prepare = pipe_prepare,
    .release = pipe_release,
    .run = io_run,
    .serial = io_serial,
};
