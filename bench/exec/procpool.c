/*
 * procpool.c - the "procpool" executor: N pre-forked worker processes,
 * the model of Python's concurrent.futures.ProcessPoolExecutor.
 *
 * Shape. create() forks N workers (fork, no exec: a child calls a piece's
 * function at the address the parent passes). Each worker owns
 *  - a memfd, mapped MAP_SHARED by both sides: map() copies the piece's
 *    argument bytes to its start, the child runs the piece there and leaves
 *    its result after them, and map() copies the result bytes back into the
 *    caller's buffer. Those two copies are part of the model's honest cost
 *    (Python pickles through a pipe instead: more copies, same idea). The
 *    memfd grows on demand (ftruncate); the child remaps when told.
 *  - an AF_UNIX SOCK_SEQPACKET socketpair carrying one fixed-size command per
 *    piece (function, sizes) and one reply (status, length, start time).
 * map() keeps every worker busy: it hands the next piece to whichever worker
 * replies, waiting in poll() on the busy workers' sockets.
 *
 * Dead workers. A worker that dies (SIGKILL, a crash, _exit in a piece)
 * closes its end of the socket: poll() reports it, recv() reads end-of-file.
 * map() then SIGKILLs the pid (harmless on a zombie; it also ends a worker
 * that merely closed its socket), reaps it with waitpid(), marks the piece
 * -ECHILD, records "procpool: worker pid P died (signal S) running piece I"
 * for last_error() (each death, in the order found, up to PP_NAMED_DEATHS), forks a replacement
 * into the slot and carries on. If the fork fails, the survivors run the rest; with no survivor
 * left, every piece not yet run fails with -ECHILD and the message says so. If the caller has
 * forked a process that holds a copy of a worker's socket, end-of-file never
 * comes: poll() therefore wakes every PP_POLL_MS to waitpid(WNOHANG) the busy
 * workers. A worker that died while idle (say, killed between maps) is found
 * when the next piece is sent to it (EPIPE): it is reaped and replaced and
 * the piece goes to the replacement or another worker. Slots left empty by a
 * failed fork are refilled at the next map(). Nothing is dropped, nothing
 * hangs on the dead.
 *
 * SIGPIPE. Commands are sent with send(..., MSG_NOSIGNAL), so writing to a
 * dead worker gives EPIPE instead of a signal; no signal disposition or mask
 * of the caller's process is touched. Workers use MSG_NOSIGNAL too.
 *
 * Children. A child closes every inherited descriptor but 0-2, its socket
 * and its memfd (so it holds no sibling's or caller's pipe open), and only
 * leaves through the exit_group system call, as _exit() does but with no
 * interposer in between: it never runs the parent's atexit handlers or
 * flushes the parent's stdio buffers. Between pieces it calls only
 * async-signal-safe functions (recv, send, mmap, mremap, clock_gettime).
 * destroy() shuts the sockets down (shutdown() reaches the child even if
 * another process holds a copy) and reaps every child with waitpid().
 *
 * fork with other threads alive. A child is a copy of the one thread that
 * called create() or map() (replacements are forked from map()). Locks held
 * by any other thread at that instant stay held forever in the child. So:
 * pieces must not take locks that other threads of the parent may hold
 * (stdio, locale, the caller's own mutexes); glibc's malloc is safe, as
 * glibc resets it in the child. The child sees the parent's memory as it was
 * at the fork, which is why pieces receive their inputs as bytes. Best:
 * create the procpool before starting other thread pools. The caller's
 * SIGCHLD must not be SIG_IGN-with-auto-reap if it wants exit statuses in
 * messages (waitpid then fails with ECHILD; the death is still detected).
 *
 * map() runs one call at a time per pool (-EBUSY for a concurrent second).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/exec.h"

#define PP_MAX_WORKERS  1024
#define PP_SHM_INITIAL  (64u * 1024) /* bytes of memfd per worker at first; grows */
#define PP_ALIGN        64           /* the result area starts on a cache line */
#define PP_POLL_MS      200          /* how often map() looks for deaths poll() cannot see */
#define PP_NAMED_DEATHS 4            /* deaths last_error() names one by one */
#define PP_EXIT_SETUP   120          /* child exit codes for its own failures */
#define PP_EXIT_PROTO   121

/* Parent to child: run one piece. The argument is at offset 0 of the shm. */
struct pp_cmd {
    exec_piece_fn fn; /* valid in the child: same image, no exec */
    uint64_t arg_len;
    uint64_t res_off; /* the result area is [res_off, res_off + res_cap) */
    uint64_t res_cap;
    uint64_t shm_size; /* the memfd's size now: the child remaps if it maps less */
};

/* Child to parent: the piece has returned. */
struct pp_reply {
    int64_t status;
    uint64_t res_len;
    uint64_t t_start_ns;
};

struct pp_worker {
    pid_t pid;          /* 0: no process in this slot (not started, or could not be replaced) */
    int sock;           /* the parent's end of the socketpair; -1 with pid 0 */
    int shm_fd;         /* the memfd: outlives the processes of this slot */
    unsigned char *shm; /* the parent's mapping of it */
    size_t shm_size;
    size_t res_off; /* of the piece in flight */
    size_t busy;    /* index + 1 of the piece in flight, 0 when idle */
};

struct exec {
    atomic_flag in_map;   /* set while a map() runs */
    unsigned n;           /* slots */
    unsigned live;        /* slots with a process */
    unsigned deaths;      /* workers that died running a piece in this map() */
    unsigned respawns;    /* replacements forked in this map() */
    int fork_err;         /* the last failed fork or socketpair of this map(), 0 if none */
    uint64_t dead_cpu_ns; /* CPU time of reaped workers (wait4's rusage) */
    struct pp_worker *w;
    struct pollfd *pfd; /* pfd[i].fd: w[i].sock while busy, else -1 (poll skips it) */
    char msg[512];      /* last_error() */
};

static unsigned pp_default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static uint64_t pp_rusage_ns(const struct rusage *ru)
{
    return ((uint64_t)ru->ru_utime.tv_sec + (uint64_t)ru->ru_stime.tv_sec) * 1000000000u +
           ((uint64_t)ru->ru_utime.tv_usec + (uint64_t)ru->ru_stime.tv_usec) * 1000u;
}

/* A live worker's CPU time: the scheduler's nanosecond count, else ticks. */
static uint64_t pp_proc_cpu_ns(pid_t pid)
{
    char path[64];
    unsigned long long ns = 0, ut = 0, st = 0;
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        int ok = fscanf(f, "%llu", &ns) == 1;
        fclose(f);
        if (ok)
            return ns;
    }
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    /* Fields 14 and 15 (utime, stime), after the ")" that ends field 2. */
    char buf[1024];
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (ut + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static uint64_t pp_child_cpu_ns(const struct exec *x)
{
    uint64_t ns = x->dead_cpu_ns;
    for (unsigned i = 0; i < x->n; i++)
        if (x->w[i].pid != 0)
            ns += pp_proc_cpu_ns(x->w[i].pid);
    return ns;
}

/* ---- the child's side ---------------------------------------------------- */

/*
 * _exit(), without any interposer: ThreadSanitizer's _exit() flushes stdio,
 * which would write the parent's buffered output a second time.
 */
static _Noreturn void pp_child_exit(int code)
{
    for (;;)
        syscall(SYS_exit_group, code);
}

/* Closes every descriptor but 0-2 and the two given. */
static void pp_child_close_fds(int a, int b)
{
    unsigned keep[5] = {0, 1, 2, (unsigned)a, (unsigned)b};
    unsigned prev = 0;

    if (keep[3] > keep[4]) {
        keep[3] = (unsigned)b;
        keep[4] = (unsigned)a;
    }
    /* keep[] is sorted unless a or b is below 3; both are then already kept. */
    for (int k = 1; k <= 5; k++) {
        unsigned next = k < 5 ? keep[k] : ~0u;
        if (next > prev + 1) {
            unsigned last = k < 5 ? next - 1 : ~0u;
            if (close_range(prev + 1, last, 0) != 0) {
                long max = sysconf(_SC_OPEN_MAX);
                for (unsigned fd = prev + 1; fd <= last && (long)fd < max; fd++)
                    close((int)fd);
            }
        }
        if (next > prev)
            prev = next;
    }
}

static _Noreturn void pp_child(int sock, int shm_fd, size_t shm_size)
{
    unsigned char *shm;

    pp_child_close_fds(sock, shm_fd);
    shm = mmap(NULL, shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
    if (shm == MAP_FAILED)
        pp_child_exit(PP_EXIT_SETUP);
    for (;;) {
        struct pp_cmd c;
        struct pp_reply rep = {0};
        size_t len = 0;
        ssize_t r = recv(sock, &c, sizeof(c), 0);

        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            pp_child_exit(0); /* the parent shut the socket down: destroy() */
        if (r != (ssize_t)sizeof(c))
            pp_child_exit(PP_EXIT_PROTO);
        if (c.shm_size > shm_size) {
            void *m = mremap(shm, shm_size, c.shm_size, MREMAP_MAYMOVE);
            if (m == MAP_FAILED) {
                rep.status = -ENOMEM;
                goto reply;
            }
            shm = m;
            shm_size = c.shm_size;
        }
        rep.t_start_ns = exec_now_ns();
        rep.status = c.fn(shm, c.arg_len, shm + c.res_off, c.res_cap, &len);
        rep.res_len = len;
    reply:
        while ((r = send(sock, &rep, sizeof(rep), MSG_NOSIGNAL)) < 0 && errno == EINTR)
            ;
        if (r != (ssize_t)sizeof(rep))
            pp_child_exit(PP_EXIT_PROTO);
    }
}

/* ---- the parent's side --------------------------------------------------- */

/* Starts a worker process in slot i (its memfd exists). 0 or a negative errno. */
static int pp_spawn(struct exec *x, unsigned i)
{
    struct pp_worker *w = &x->w[i];
    int sv[2], e;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        e = -errno;
        close(sv[0]);
        close(sv[1]);
        return e;
    }
    if (pid == 0)
        pp_child(sv[1], w->shm_fd, w->shm_size);
    close(sv[1]);
    w->pid = pid;
    w->sock = sv[0];
    w->busy = 0;
    x->live++;
    return 0;
}

/* Describes a wait status: "signal 9", "exit 3". */
static void pp_describe(char *buf, size_t len, int known, int st)
{
    if (!known)
        snprintf(buf, len, "status unknown: reaped elsewhere");
    else if (WIFSIGNALED(st))
        snprintf(buf, len, "signal %d", WTERMSIG(st));
    else if (WIFEXITED(st))
        snprintf(buf, len, "exit %d", WEXITSTATUS(st));
    else
        snprintf(buf, len, "status 0x%x", (unsigned)st);
}

/*
 * Slot i's process is dead or has dropped its socket: make sure it is gone,
 * reap it (unless `reaped`, with its status in st), empty the slot and write
 * how it ended to `how`.
 */
static void pp_bury(struct exec *x, unsigned i, int reaped, int st, char *how, size_t howlen)
{
    struct pp_worker *w = &x->w[i];
    int known = 1;

    if (!reaped) {
        struct rusage ru;
        pid_t r = wait4(w->pid, &st, WNOHANG, &ru);
        if (r == 0) {
            /* Still there: dying, or alive without its socket. Only ever our unreaped child. */
            kill(w->pid, SIGKILL);
            while ((r = wait4(w->pid, &st, 0, &ru)) < 0 && errno == EINTR)
                ;
        }
        if (r == w->pid)
            x->dead_cpu_ns += pp_rusage_ns(&ru);
        known = r == w->pid; /* else ECHILD: SIGCHLD is SIG_IGN and the kernel reaped it */
    } else if (reaped < 0) {
        known = 0;
    }
    pp_describe(how, howlen, known, st);
    close(w->sock);
    w->sock = -1;
    w->pid = 0;
    w->busy = 0;
    x->pfd[i].fd = -1;
    x->live--;
}

/*
 * Forks a replacement into the empty slot i, remembering a failure for the
 * message. `pieces` bounds the respawns of one map(): a worker per piece,
 * plus a round of slots, so workers that die before taking any piece cannot
 * keep map() forking forever.
 */
static void pp_replace(struct exec *x, unsigned i, size_t pieces)
{
    int e;

    if (x->respawns >= pieces + 2 * (size_t)x->n) {
        x->fork_err = -ECHILD;
        return;
    }
    x->respawns++;
    if ((e = pp_spawn(x, i)) != 0)
        x->fork_err = e;
}

/* Appends text to last_error()'s message: "procpool: a; b; c". */
__attribute__((format(printf, 2, 3))) static void pp_note(struct exec *x, const char *fmt, ...)
{
    size_t len = strlen(x->msg);
    va_list ap;

    len += (size_t)snprintf(x->msg + len, sizeof(x->msg) - len, len ? "; " : "procpool: ");
    if (len >= sizeof(x->msg))
        return;
    va_start(ap, fmt);
    vsnprintf(x->msg + len, sizeof(x->msg) - len, fmt, ap);
    va_end(ap);
}

static void pp_finish(struct exec_piece *p, int status)
{
    p->status = status;
    p->res_len = 0;
    p->t_done_ns = exec_now_ns();
    if (p->t_start_ns == 0)
        p->t_start_ns = p->t_done_ns;
}

/* The busy worker in slot i died with piece p: fail it, say so, replace the worker. */
static void pp_lost_piece(struct exec *x, unsigned i, struct exec_piece *p, int reaped, int st,
                          size_t n)
{
    char how[64];
    pid_t pid = x->w[i].pid;

    pp_bury(x, i, reaped, st, how, sizeof(how));
    pp_finish(p, -ECHILD);
    if (x->deaths++ < PP_NAMED_DEATHS)
        pp_note(x, "worker pid %d died (%s) running piece %u", (int)pid, how, (unsigned)p->id);
    pp_replace(x, i, n);
}

/* Grows slot i's memfd and the parent's mapping to at least `need` bytes. */
static int pp_grow(struct pp_worker *w, size_t need)
{
    size_t size = w->shm_size;
    void *m;

    while (size < need) {
        if (size > SIZE_MAX / 2)
            return -EMSGSIZE;
        size *= 2;
    }
    if (ftruncate(w->shm_fd, (off_t)size) != 0)
        return -errno;
    m = mremap(w->shm, w->shm_size, size, MREMAP_MAYMOVE);
    if (m == MAP_FAILED)
        return -errno;
    w->shm = m;
    w->shm_size = size;
    return 0;
}

enum pp_send_result { PP_SENT, PP_FAILED_HERE, PP_WORKER_GONE };

/* Copies piece `idx`'s argument to idle slot i and sends it there. */
static enum pp_send_result pp_send(struct exec *x, unsigned i, exec_piece_fn fn,
                                   struct exec_piece *pieces, size_t idx)
{
    struct pp_worker *w = &x->w[i];
    struct exec_piece *p = &pieces[idx];
    struct pp_cmd c;
    size_t res_off;
    ssize_t r;
    int e;

    if ((p->arg == NULL && p->arg_len != 0) || (p->res == NULL && p->res_cap != 0)) {
        pp_finish(p, -EINVAL);
        return PP_FAILED_HERE;
    }
    if (p->arg_len > SIZE_MAX - PP_ALIGN || p->res_cap > SIZE_MAX - PP_ALIGN - p->arg_len) {
        pp_finish(p, -EMSGSIZE);
        return PP_FAILED_HERE;
    }
    res_off = (p->arg_len + PP_ALIGN - 1) / PP_ALIGN * PP_ALIGN;
    if (res_off + p->res_cap > w->shm_size && (e = pp_grow(w, res_off + p->res_cap)) != 0) {
        pp_finish(p, e);
        return PP_FAILED_HERE;
    }
    if (p->arg_len != 0)
        memcpy(w->shm, p->arg, p->arg_len);
    c = (struct pp_cmd){.fn = fn,
                        .arg_len = p->arg_len,
                        .res_off = res_off,
                        .res_cap = p->res_cap,
                        .shm_size = w->shm_size};
    p->t_start_ns = exec_now_ns(); /* until the child says when it began */
    while ((r = send(w->sock, &c, sizeof(c), MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (r != (ssize_t)sizeof(c)) {
        p->t_start_ns = 0;
        return PP_WORKER_GONE; /* EPIPE, ECONNRESET: it died while idle */
    }
    w->res_off = res_off;
    w->busy = idx + 1;
    x->pfd[i].fd = w->sock;
    return PP_SENT;
}

/* Slot i is readable: take its reply, or find it dead. */
static void pp_collect(struct exec *x, unsigned i, struct exec_piece *pieces, size_t n)
{
    struct pp_worker *w = &x->w[i];
    struct exec_piece *p = &pieces[w->busy - 1];
    struct pp_reply rep;
    ssize_t r = recv(w->sock, &rep, sizeof(rep), MSG_DONTWAIT);

    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return; /* nothing after all; poll again */
    if (r != (ssize_t)sizeof(rep)) {
        pp_lost_piece(x, i, p, 0, 0, n); /* end-of-file, reset, or garbage: dead to us */
        return;
    }
    if (rep.status == 0 && rep.res_len > p->res_cap)
        rep.status = -EMSGSIZE;
    if (rep.status == 0 && rep.res_len != 0)
        memcpy(p->res, w->shm + w->res_off, rep.res_len);
    p->status = (int)rep.status;
    p->res_len = rep.status == 0 ? rep.res_len : 0;
    p->t_start_ns = rep.t_start_ns;
    p->t_done_ns = exec_now_ns();
    w->busy = 0;
    x->pfd[i].fd = -1;
}

/* poll() timed out: look for busy workers that died without closing their socket. */
static void pp_check_busy(struct exec *x, struct exec_piece *pieces, size_t n)
{
    for (unsigned i = 0; i < x->n; i++) {
        struct pp_worker *w = &x->w[i];
        int st = 0;
        pid_t r;

        if (w->busy == 0)
            continue;
        r = waitpid(w->pid, &st, WNOHANG);
        if (r == w->pid)
            pp_lost_piece(x, i, &pieces[w->busy - 1], 1, st, n);
        else if (r < 0 && errno == ECHILD)
            pp_lost_piece(x, i, &pieces[w->busy - 1], -1, 0, n);
    }
}

/*
 * Before a map() of n pieces: refill empty slots. (A worker that died while
 * idle is found when a piece is sent to it: EPIPE.)
 */
static void pp_heal(struct exec *x, size_t n)
{
    for (unsigned i = 0; i < x->n; i++)
        if (x->w[i].pid == 0)
            pp_replace(x, i, n);
}

/*
 * Hands pieces from *next on to idle workers until none is idle or none is
 * left; counts in *done the pieces that failed here without a worker.
 */
static void pp_dispatch(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n,
                        size_t *next, size_t *done)
{
    unsigned i = 0;

    while (i < x->n && *next < n) {
        char how[64];

        if (x->w[i].pid == 0 || x->w[i].busy != 0) {
            i++;
            continue;
        }
        switch (pp_send(x, i, fn, pieces, *next)) {
        case PP_SENT:
            ++*next;
            i++;
            break;
        case PP_FAILED_HERE: /* the worker is still idle: give it the next piece */
            ++*next;
            ++*done;
            break;
        case PP_WORKER_GONE: /* died while idle: its replacement, if any, takes the piece */
            pp_bury(x, i, 0, 0, how, sizeof(how));
            pp_replace(x, i, n);
            break;
        }
    }
}

static int pp_first_failure(const struct exec_piece *pieces, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pieces[i].status != 0)
            return pieces[i].status;
    return 0;
}

static int pp_map(struct exec *x, exec_piece_fn fn, struct exec_piece *pieces, size_t n)
{
    size_t next = 0, done = 0, not_run = 0;
    uint64_t now;

    if (x == NULL || fn == NULL || (n != 0 && pieces == NULL))
        return -EINVAL;
    /* [M1] acquire: pairs with [M2] in the previous map(), whose pool state this one takes over. */
    if (atomic_flag_test_and_set_explicit(&x->in_map, memory_order_acquire))
        return -EBUSY;
    x->msg[0] = '\0';
    x->deaths = 0;
    x->respawns = 0;
    x->fork_err = 0;
    now = exec_now_ns();
    for (size_t k = 0; k < n; k++) {
        pieces[k].t_submit_ns = now;
        pieces[k].t_start_ns = pieces[k].t_done_ns = 0;
        pieces[k].res_len = 0;
        pieces[k].status = 0;
    }
    if (n != 0)
        pp_heal(x, n);

    while (done < n) {
        int r;

        pp_dispatch(x, fn, pieces, n, &next, &done);
        if (x->live == 0) {
            /* Nobody left to run the rest, and so nobody busy either: fail what is left. */
            for (; next < n; next++, done++, not_run++)
                pp_finish(&pieces[next], -ECHILD);
            break;
        }
        if (done == n)
            break;

        r = poll(x->pfd, x->n, PP_POLL_MS);
        if (r < 0)
            continue; /* EINTR; nothing else is expected from a valid set */
        if (r == 0) {
            pp_check_busy(x, pieces, n);
            continue;
        }
        for (unsigned i = 0; i < x->n; i++) {
            if (x->pfd[i].fd < 0 || x->pfd[i].revents == 0)
                continue;
            pp_collect(x, i, pieces, n);
            if (x->w[i].busy == 0)
                done++; /* finished, or failed with its worker */
        }
    }

    if (x->deaths > 1)
        pp_note(x, "%u workers died in all", x->deaths);
    if (x->fork_err == -ECHILD)
        pp_note(x, "workers kept dying: no more replacements, %u of %u left", x->live, x->n);
    else if (x->fork_err != 0)
        pp_note(x, "replacement fork failed (%s), %u of %u workers left", strerror(-x->fork_err),
                x->live, x->n);
    if (not_run != 0)
        pp_note(x, "no worker left, %zu pieces not run", not_run);
    /* [M2] release: pairs with [M1] in the next map(). */
    atomic_flag_clear_explicit(&x->in_map, memory_order_release);
    return pp_first_failure(pieces, n);
}

static void pp_destroy(struct exec *x)
{
    if (x == NULL)
        return;
    for (unsigned i = 0; i < x->n; i++) {
        if (x->w[i].sock >= 0) {
            shutdown(x->w[i].sock,
                     SHUT_RDWR); /* end-of-file for the child, whoever else holds it */
            close(x->w[i].sock);
        }
    }
    for (unsigned i = 0; i < x->n; i++) {
        struct pp_worker *w = &x->w[i];
        if (w->pid != 0)
            while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (w->shm != NULL)
            munmap(w->shm, w->shm_size);
        if (w->shm_fd >= 0)
            close(w->shm_fd);
    }
    free(x->pfd);
    free(x->w);
    free(x);
}

static int pp_create(struct exec **out, const struct exec_config *cfg)
{
    struct exec *x;
    unsigned n;
    int e = 0;

    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    n = cfg != NULL && cfg->workers != 0 ? cfg->workers : pp_default_workers();
    if (n > PP_MAX_WORKERS)
        return -EINVAL;

    x = calloc(1, sizeof(*x));
    if (x == NULL)
        return -ENOMEM;
    atomic_flag_clear_explicit(&x->in_map, memory_order_relaxed); /* not shared yet */
    x->w = calloc(n, sizeof(*x->w));
    x->pfd = calloc(n, sizeof(*x->pfd));
    if (x->w == NULL || x->pfd == NULL) {
        pp_destroy(x);
        return -ENOMEM;
    }
    x->n = n;
    for (unsigned i = 0; i < n; i++) {
        x->w[i].sock = x->w[i].shm_fd = x->pfd[i].fd = -1;
        x->pfd[i].events = POLLIN;
    }
    for (unsigned i = 0; i < n && e == 0; i++) {
        struct pp_worker *w = &x->w[i];
        void *m;

        w->shm_fd = memfd_create("wsbench-procpool", MFD_CLOEXEC);
        if (w->shm_fd < 0 || ftruncate(w->shm_fd, PP_SHM_INITIAL) != 0) {
            e = -errno;
            break;
        }
        m = mmap(NULL, PP_SHM_INITIAL, PROT_READ | PROT_WRITE, MAP_SHARED, w->shm_fd, 0);
        if (m == MAP_FAILED) {
            e = -errno;
            break;
        }
        w->shm = m;
        w->shm_size = PP_SHM_INITIAL;
    }
    for (unsigned i = 0; i < n && e == 0; i++)
        e = pp_spawn(x, i);
    if (e != 0) {
        pp_destroy(x);
        return e;
    }
    *out = x;
    return 0;
}

static unsigned pp_workers(const struct exec *x)
{
    return x != NULL ? x->live : 0;
}

static const char *pp_last_error(const struct exec *x)
{
    return x != NULL ? x->msg : "";
}

const struct exec_ops exec_procpool = {
    .name = "procpool",
    .flags = EXEC_PROCESSES | EXEC_BLOCKING_OK,
    .create = pp_create,
    .destroy = pp_destroy,
    .map = pp_map,
    .run = NULL,
    .forkn = NULL,
    .workers = pp_workers,
    .last_error = pp_last_error,
    .child_cpu_ns = pp_child_cpu_ns,
};
