/*
 * blocking.c - the three blocking models: a thread per connection, a
 * thread pool serving queued connections, and pre-forked processes
 * sharing the listening socket. Each connection is served by one thread
 * or process at a time, with plain blocking read() and write():
 *
 *  thread-per-conn  the concurrency guides' threading server (Python's
 *                   ThreadingMixIn): main() accepts, a new detached thread
 *                   (default stack size) serves each connection. A thread
 *                   that cannot start is a refused connection, counted and
 *                   reported once on stderr.
 *  threadpool       ThreadPoolExecutor.submit(handle_connection): --workers
 *                   threads take accepted connections from an unbounded
 *                   queue and serve each until it closes; connections
 *                   beyond the pool wait in the queue, unread.
 *  prefork          Apache's prefork, gunicorn's sync workers: --workers
 *                   processes forked at start, each blocking in accept() on
 *                   the shared socket (Linux wakes one per connection) and
 *                   serving one connection at a time. A process that dies
 *                   is reported, counted and replaced.
 *
 * Stopping a thread blocked in read() without a syscall per request: the
 * stopper sets the model's stop flag and sends SIGUSR1 (a handler that does
 * nothing, installed without SA_RESTART, so the read fails with EINTR) to
 * every serving thread, again every STOP_RESEND_MS until all have gone: a
 * signal that lands just before read() is not lost, the next one comes.
 * Prefork's parent does the same with SIGTERM to its processes. A thread
 * checks the flag only before a read, so the requests it has read are all
 * answered, and then it lingers (serve_linger) before closing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serve/serve.h"

#define STOP_RESEND_MS    10
#define BL_READ_BUF       8192
#define BL_SEND_TIMEOUT_S 10 /* a peer that stops reading loses its reply, never hangs a thread */

/* ---- one connection, blocking ------------------------------------------------------------ */

/*
 * Serves fd until the peer closes, a read or write fails, a reply closes
 * the connection, or *stop is set (checked before each read). Closes fd,
 * lingering when the server ends the connection.
 */
static void bl_serve(struct serve *s, int fd, _Atomic int *stop)
{
    struct http_conn c;
    char in[BL_READ_BUF], out[HTTP_REPLY_MAX];
    struct timeval tv = {.tv_sec = BL_SEND_TIMEOUT_S};
    bool linger = false;

    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    http_conn_init(&c);
    for (;;) {
        /* relaxed: the flag only; the signal that follows it makes read() return. */
        if (atomic_load_explicit(stop, memory_order_relaxed)) {
            linger = true;
            break;
        }
        ssize_t n = read(fd, in, sizeof(in));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the peer closed (a request it had begun is dropped), or failed */
        for (size_t off = 0; off < (size_t)n;) {
            size_t used = http_conn_parse(&c, in + off, (size_t)n - off);
            off += used;
            if (!c.complete && !c.failed) {
                if (used == 0)
                    off = (size_t)n; /* cannot happen: the parser takes what it is given */
                continue;
            }
            serve_count(&s->n->requests, 1);
            struct http_reply r = http_conn_respond(&c, s->iters_per_us, NULL, out);
            bool written = serve_write_all(fd, out, r.len) == 0;
            serve_count_reply(s, r.status, written);
            if (!written)
                goto done;
            if (!r.keep) {
                linger = true;
                goto done;
            }
        }
    }
done:
    serve_count(&s->n->active, -1);
    if (linger)
        serve_linger(fd, SERVE_LINGER_MS);
    else
        close(fd);
}

static void bl_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/*
 * The accept loop of the threaded models, on the main thread: polls the
 * listening socket (made non-blocking) and a signalfd of the stop signals,
 * hands every admitted connection to take(m, fd), and returns at a stop
 * signal. 0, or a negative errno (with a message) if it cannot go on.
 */
static int bl_accept_loop(struct serve *s, void (*take)(void *m, int fd), void *m)
{
    int sfd = signalfd(-1, &s->stop_set, SFD_CLOEXEC);
    if (sfd < 0) {
        int e = -errno;
        fprintf(stderr, "wsserve: signalfd: %s\n", strerror(-e));
        return e;
    }
    int fl = fcntl(s->lfd, F_GETFL);
    (void)fcntl(s->lfd, F_SETFL, fl | O_NONBLOCK);
    struct pollfd p[2] = {{.fd = s->lfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    int err = 0;
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            fprintf(stderr, "wsserve: poll: %s\n", strerror(errno));
            break;
        }
        if (p[1].revents)
            break; /* a stop signal; the model reads nothing more from sfd */
        for (;;) {
            int fd = serve_accept(s, false);
            if (fd >= 0) {
                take(m, fd);
            } else if (fd != -ECONNREFUSED && fd != -ECONNABORTED && fd != -EINTR) {
                if (fd != -EAGAIN)
                    bl_sleep_ms(STOP_RESEND_MS); /* EMFILE and the like: reported there */
                break;
            }
        }
    }
    close(sfd);
    return err;
}

/* Calls each(m), which signals every serving thread, under lock, every
 * STOP_RESEND_MS until *live is 0. */
static void bl_interrupt_until_gone(pthread_mutex_t *lock, void (*each)(void *m), void *m,
                                    _Atomic unsigned *live)
{
    /* acquire: pairs with the release decrement of each exiting thread, so
     * that after the last one the stopper sees everything they did. */
    while (atomic_load_explicit(live, memory_order_acquire) > 0) {
        pthread_mutex_lock(lock);
        each(m);
        pthread_mutex_unlock(lock);
        bl_sleep_ms(STOP_RESEND_MS);
    }
}

/* ---- thread-per-conn ------------------------------------------------------------------------ */

struct tpc_conn {
    struct tpc *m;
    int fd;
    pthread_t tid;
    struct tpc_conn *prev, *next;
};

struct tpc {
    struct serve *s;
    _Atomic int stop;
    _Atomic unsigned live; /* connection threads not finished */
    pthread_mutex_t lock;  /* the list; a thread leaves it before it exits */
    struct tpc_conn head;  /* circular list of the registered threads */
    bool warned;           /* a failed thread start was reported */
};

static void *tpc_thread(void *arg)
{
    struct tpc_conn *tc = arg;
    struct tpc *m = tc->m;
    pthread_mutex_lock(&m->lock);
    tc->tid = pthread_self();
    tc->next = m->head.next;
    tc->prev = &m->head;
    m->head.next->prev = tc;
    m->head.next = tc;
    pthread_mutex_unlock(&m->lock);
    /* Registered before the flag is read in bl_serve(): a stop that came
     * earlier is seen there, a later one signals this thread. */
    bl_serve(m->s, tc->fd, &m->stop);
    pthread_mutex_lock(&m->lock);
    tc->prev->next = tc->next;
    tc->next->prev = tc->prev;
    pthread_mutex_unlock(&m->lock);
    free(tc);
    /* release: see bl_interrupt_until_gone(). */
    atomic_fetch_sub_explicit(&m->live, 1, memory_order_release);
    return NULL;
}

static void tpc_take(void *mv, int fd)
{
    struct tpc *m = mv;
    struct tpc_conn *tc = calloc(1, sizeof(*tc));
    pthread_attr_t a;
    pthread_t t;
    int e = ENOMEM;
    if (tc != NULL) {
        tc->m = m;
        tc->fd = fd;
        /* relaxed: a count; the thread's release decrement is what the stopper reads. */
        atomic_fetch_add_explicit(&m->live, 1, memory_order_relaxed);
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        e = pthread_create(&t, &a, tpc_thread, tc);
        pthread_attr_destroy(&a);
        if (e != 0) {
            atomic_fetch_sub_explicit(&m->live, 1, memory_order_relaxed);
            free(tc);
        }
    }
    if (e != 0) {
        if (!m->warned) {
            fprintf(stderr,
                    "wsserve: thread-per-conn: cannot start a thread (%s): connection refused "
                    "(counted in refused=; reported once)\n",
                    strerror(e));
            m->warned = true;
        }
        serve_count(&m->s->n->refused, 1);
        serve_count(&m->s->n->active, -1);
        close(fd);
    }
}

static void tpc_signal_all(void *mv)
{
    struct tpc *m = mv;
    for (struct tpc_conn *tc = m->head.next; tc != &m->head; tc = tc->next)
        pthread_kill(tc->tid, SIGUSR1);
}

static int tpc_run(struct serve *s)
{
    struct tpc m = {.s = s};
    pthread_mutex_init(&m.lock, NULL);
    m.head.next = m.head.prev = &m.head;
    atomic_init(&m.stop, 0);
    atomic_init(&m.live, 0);
    serve_ready(s);
    int err = bl_accept_loop(s, tpc_take, &m);
    close(s->lfd);
    s->lfd = -1;
    /* relaxed: the signals that follow make each thread read it. */
    atomic_store_explicit(&m.stop, 1, memory_order_relaxed);
    bl_interrupt_until_gone(&m.lock, tpc_signal_all, &m, &m.live);
    pthread_mutex_destroy(&m.lock);
    return err;
}

/* ---- threadpool ----------------------------------------------------------------------------- */

struct tp {
    struct serve *s;
    _Atomic int stop;
    _Atomic unsigned live; /* pool threads not finished */
    pthread_mutex_t lock;  /* the queue and stop's hand-off to waiting threads */
    pthread_cond_t more;
    int *q; /* a ring of accepted connections */
    size_t head, len, cap;
    pthread_t *tids;
    unsigned started;
};

static void *tp_thread(void *arg)
{
    struct tp *m = arg;
    for (;;) {
        pthread_mutex_lock(&m->lock);
        while (m->len == 0 && !atomic_load_explicit(&m->stop, memory_order_relaxed))
            pthread_cond_wait(&m->more, &m->lock);
        if (atomic_load_explicit(&m->stop, memory_order_relaxed)) { /* relaxed: under the lock */
            pthread_mutex_unlock(&m->lock);
            break;
        }
        int fd = m->q[m->head];
        m->head = (m->head + 1) % m->cap;
        m->len--;
        pthread_mutex_unlock(&m->lock);
        bl_serve(m->s, fd, &m->stop);
    }
    /* release: see bl_interrupt_until_gone(). */
    atomic_fetch_sub_explicit(&m->live, 1, memory_order_release);
    return NULL;
}

static void tp_take(void *mv, int fd)
{
    struct tp *m = mv;
    pthread_mutex_lock(&m->lock);
    if (m->len == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        int *q = malloc(cap * sizeof(*q));
        if (q == NULL) {
            pthread_mutex_unlock(&m->lock);
            serve_count(&m->s->n->refused, 1);
            serve_count(&m->s->n->active, -1);
            close(fd);
            return;
        }
        for (size_t i = 0; i < m->len; i++)
            q[i] = m->q[(m->head + i) % m->cap];
        free(m->q);
        m->q = q;
        m->head = 0;
        m->cap = cap;
    }
    m->q[(m->head + m->len++) % m->cap] = fd;
    pthread_cond_signal(&m->more);
    pthread_mutex_unlock(&m->lock);
}

static void tp_signal_all(void *mv)
{
    struct tp *m = mv;
    for (unsigned i = 0; i < m->started; i++)
        pthread_kill(m->tids[i], SIGUSR1); /* valid until joined, finished or not */
}

static int tp_run(struct serve *s)
{
    struct tp m = {.s = s};
    int err = 0;
    pthread_mutex_init(&m.lock, NULL);
    pthread_cond_init(&m.more, NULL);
    atomic_init(&m.stop, 0);
    atomic_init(&m.live, 0);
    m.tids = calloc(s->workers, sizeof(*m.tids));
    if (m.tids == NULL)
        err = -ENOMEM;
    for (; err == 0 && m.started < s->workers; m.started++) {
        atomic_fetch_add_explicit(&m.live, 1, memory_order_relaxed); /* relaxed: as tpc_take */
        int e = pthread_create(&m.tids[m.started], NULL, tp_thread, &m);
        if (e != 0) {
            atomic_fetch_sub_explicit(&m.live, 1, memory_order_relaxed);
            fprintf(stderr, "wsserve: threadpool: cannot start thread %u of %u: %s\n",
                    m.started + 1, s->workers, strerror(e));
            err = -e;
            break;
        }
    }
    if (err == 0) {
        serve_ready(s);
        err = bl_accept_loop(s, tp_take, &m);
    }
    close(s->lfd);
    s->lfd = -1;
    pthread_mutex_lock(&m.lock);
    atomic_store_explicit(&m.stop, 1, memory_order_relaxed); /* relaxed: under the lock */
    pthread_cond_broadcast(&m.more);
    pthread_mutex_unlock(&m.lock);
    bl_interrupt_until_gone(&m.lock, tp_signal_all, &m, &m.live);
    for (unsigned i = 0; i < m.started; i++)
        pthread_join(m.tids[i], NULL);
    /* Connections still queued were never read: refused, closed. */
    for (size_t i = 0; i < m.len; i++) {
        serve_count(&s->n->refused, 1);
        serve_count(&s->n->active, -1);
        close(m.q[(m.head + i) % m.cap]);
    }
    free(m.q);
    free(m.tids);
    pthread_cond_destroy(&m.more);
    pthread_mutex_destroy(&m.lock);
    return err;
}

/* ---- prefork -------------------------------------------------------------------------------- */

/* A worker process's stop flag, set by its SIGTERM handler (lock-free: safe there). */
static _Atomic int g_child_stop;

static void pf_on_term(int sig)
{
    (void)sig;
    /* relaxed: the flag only; the signal itself interrupts the blocking call. */
    atomic_store_explicit(&g_child_stop, 1, memory_order_relaxed);
}

static void pf_child(struct serve *s, int sfd)
{
    close(sfd);                                       /* the parent's */
    struct sigaction sa = {.sa_handler = pf_on_term}; /* no SA_RESTART: accept/read fail EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGINT, SIG_IGN); /* a terminal's ^C reaches the parent, which stops us cleanly */
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &term, NULL);
    while (!atomic_load_explicit(&g_child_stop, memory_order_relaxed)) {
        int fd = serve_accept(s, false);
        if (fd >= 0)
            bl_serve(s, fd, &g_child_stop);
        else if (fd != -EINTR && fd != -ECONNREFUSED && fd != -ECONNABORTED)
            bl_sleep_ms(STOP_RESEND_MS); /* EMFILE and the like: reported there; wait a little */
    }
    close(s->lfd);
    _exit(0);
}

static pid_t pf_spawn(struct serve *s, int sfd)
{
    fflush(NULL); /* a child must not write the parent's buffered output again */
    pid_t pid = fork();
    if (pid == 0)
        pf_child(s, sfd);
    return pid; /* the child never returns from pf_child */
}

static int pf_run(struct serve *s)
{
    /* The counters, shared with the workers. */
    struct serve_counters *shared =
        mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        fprintf(stderr, "wsserve: prefork: mmap: %s\n", strerror(errno));
        return -errno;
    }
    memcpy(shared, s->n, sizeof(*shared));
    struct serve_counters *own = s->n;
    s->n = shared;

    sigset_t set = s->stop_set;
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    pid_t *pids = calloc(s->workers, sizeof(*pids));
    int err = 0;
    if (sfd < 0 || pids == NULL) {
        err = sfd < 0 ? -errno : -ENOMEM;
        fprintf(stderr, "wsserve: prefork: %s\n", strerror(-err));
    }
    unsigned live = 0;
    for (unsigned i = 0; err == 0 && i < s->workers; i++) {
        pids[i] = pf_spawn(s, sfd);
        if (pids[i] < 0) {
            err = -errno;
            fprintf(stderr, "wsserve: prefork: cannot fork worker %u of %u: %s\n", i + 1,
                    s->workers, strerror(errno));
            pids[i] = 0;
        } else {
            live++;
        }
    }
    if (err == 0)
        serve_ready(s);
    bool stopping = err != 0;
    uint64_t last_resend = 0;
    while (live > 0) {
        if (stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
            if (now - last_resend >= STOP_RESEND_MS) {
                for (unsigned i = 0; i < s->workers; i++)
                    if (pids[i] > 0)
                        kill(pids[i], SIGTERM);
                last_resend = now;
            }
        }
        struct pollfd p = {.fd = sfd, .events = POLLIN};
        int r = poll(&p, 1, stopping ? STOP_RESEND_MS : -1);
        if (r > 0) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof(si)) == sizeof(si))
                if (si.ssi_signo != SIGCHLD)
                    stopping = true;
        }
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            unsigned i = 0;
            while (i < s->workers && pids[i] != pid)
                i++;
            if (i == s->workers)
                continue;
            pids[i] = 0;
            live--;
            bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (stopping && clean)
                continue;
            serve_count(&s->n->died, 1);
            if (WIFSIGNALED(status))
                fprintf(stderr, "wsserve: prefork: worker pid %d died (signal %d)%s\n", (int)pid,
                        WTERMSIG(status), stopping ? "" : "; starting another");
            else
                fprintf(stderr, "wsserve: prefork: worker pid %d exited with status %d%s\n",
                        (int)pid, WEXITSTATUS(status), stopping ? "" : "; starting another");
            if (!stopping) {
                pids[i] = pf_spawn(s, sfd);
                if (pids[i] < 0) {
                    fprintf(stderr, "wsserve: prefork: cannot fork a replacement: %s\n",
                            strerror(errno));
                    pids[i] = 0;
                } else {
                    live++;
                }
            }
        }
    }
    if (sfd >= 0)
        close(sfd);
    free(pids);
    close(s->lfd);
    s->lfd = -1;
    memcpy(own, shared, sizeof(*own)); /* every worker has been reaped */
    s->n = own;
    munmap(shared, sizeof(*shared));
    return err;
}

const struct serve_model serve_thread_per_conn = {
    .name = "thread-per-conn",
    .what = "a new thread per connection (Python's ThreadingMixIn)",
    .run = tpc_run,
};

const struct serve_model serve_threadpool = {
    .name = "threadpool",
    .what = "--workers threads serving queued connections (ThreadPoolExecutor)",
    .workers_default = 64,
    .uses_workers = true,
    .run = tp_run,
};

const struct serve_model serve_prefork = {
    .name = "prefork",
    .what = "--workers processes accepting on one socket (Apache prefork, gunicorn sync)",
    .workers_default = 64,
    .uses_workers = true,
    .run = pf_run,
};
