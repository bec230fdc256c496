/*
 * reactor.c - readiness waits and timers whose continuations run as tasks.
 *
 * Theory
 * ------
 * A wait (ws_io_wait) or a timer (ws_timer_after) is a caller-owned ws_io
 * frame. Arming it is an admission, as ws_post is (job.c's gate counts it
 * until its continuation has run, so ws_pool_destroy cannot miss it). A
 * descriptor wait is an EPOLLONESHOT registration whose event carries the
 * descriptor and a generation number, never a pointer; the frame itself
 * sits in a table indexed by descriptor. A timer sits in a binary heap on
 * its deadline. Table, heap and epoll_ctl are under one mutex; the
 * scheduling paths (spawn, sync, steal, submit) never take it.
 *
 * A wait completes exactly once: the poller that sees its event, the
 * poller that sees its deadline pass, ws_io_cancel and the destroy's
 * cancel-all all take the lock and complete it only if it is still ARMED
 * in its table or heap slot, and the completion (result, state FIRED,
 * slot emptied) happens under the same lock. A stale epoll event - its
 * wait cancelled, its descriptor reused - carries an old generation and is
 * dropped. The completed frame is then posted, as a ws_post is, to the
 * inbox of the worker that armed it: that worker takes its own inbox first
 * (locality), and any idle worker may take it. The continuation's task
 * reads the function and the result, then calls fn(w, h, req, result); the
 * library does not touch the frame after that call.
 *
 * Who polls: there is no reactor thread. An idle worker polls without
 * blocking between its search rounds, a busy one every 32 tasks it runs
 * from its idle loop, and only while some wait is armed. A worker about to
 * sleep with waits armed and no other worker blocked in epoll_wait blocks
 * there instead (ws__park), until an event, the nearest timer, or a
 * wake-up: a waker that picks it from the sleeper set writes to an eventfd
 * registered in the same epoll set. So an idle pool with 10,000 armed
 * waits has one thread in epoll_wait and the others asleep, as before.
 *
 * A descriptor closed while a wait is armed leaves epoll without a word
 * (the kernel drops the registration with the last reference). Such a wait
 * completes when it is cancelled, at destroy (-ECANCELED), or - detected
 * then - when a new wait is armed on the same descriptor number: its
 * EPOLL_CTL_ADD succeeds where the old registration would have made it
 * fail, so the old wait completes with -EBADF.
 *
 * Atomics and their pairs
 * -----------------------
 *  [Y1] relaxed armed count: a hint that tells idle workers to poll; its
 *       exact value is kept under the lock
 *  [Y2] acquire CAS of `polling` (a try-lock on the poll syscall, so that
 *       idle workers do not all call it); release store to give it back
 *  [Y3] seq_cst CAS of `blocked` before the poller announces itself in
 *       park.c; seq_cst load of it by a waker after [K3]: a waker that
 *       claimed the poller's sleeper bit sees that it must write the
 *       eventfd (see ws__park)
 *  [Y4] release stores of epfd and evfd once both are set up (under the
 *       lock); acquire loads by pollers and wakers, which may run without
 *       it: they see descriptors that are ready to use
 *  [Y5] relaxed no_pwait2: a flag every poller learns alike (ENOSYS)
 *  The frames' fields are written and read under the lock, and handed to
 *  the worker that runs the continuation by the inbox push ([I2]/[I3]).
 */
#include "reactor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

#define WS__IO_IDLE  0u /* not armed (never, or completed) */
#define WS__IO_ARMED 1u /* in the table or the heap */
#define WS__IO_FIRED 2u /* completed; its continuation is queued or has run */

#define WS__IO_KIND_FD    0
#define WS__IO_KIND_TIMER 1

#define WS__EV_TAG_WAKE UINT64_MAX /* the eventfd's epoll data */
#define WS__POLL_BATCH  64

_Static_assert(WS_IO_READ == EPOLLIN && WS_IO_WRITE == EPOLLOUT && WS_IO_ERROR == EPOLLERR &&
                   WS_IO_HUP == EPOLLHUP && WS_IO_RDHUP == EPOLLRDHUP,
               "WS_IO_* are epoll's bits, so events pass through unchanged");
_Static_assert((WS_IO_TIMER & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) == 0,
               "WS_IO_TIMER is no epoll bit");

static uint64_t ws__mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ws__reactor_init(struct ws__reactor *r)
{
    memset(r, 0, sizeof(*r));
    atomic_init(&r->epfd, -1);
    atomic_init(&r->evfd, -1);
    atomic_init(&r->no_pwait2, false);
    r->blocked_deadline = UINT64_MAX;
    atomic_init(&r->armed, 0);
    atomic_init(&r->polling, 0);
    atomic_init(&r->blocked, -1);
    int err = pthread_mutex_init(&r->lock, NULL);
    return -err;
}

void ws__reactor_destroy(struct ws__reactor *r)
{
    /* relaxed: the pool's threads are gone. */
    int ep = atomic_load_explicit(&r->epfd, memory_order_relaxed);
    int ev = atomic_load_explicit(&r->evfd, memory_order_relaxed);
    if (ep >= 0)
        close(ep);
    if (ev >= 0)
        close(ev);
    free(r->fds);
    free(r->heap);
    pthread_mutex_destroy(&r->lock);
}

/* The epoll set (lock held, or once a wait is armed). */
static int ws__epfd(struct ws__reactor *r)
{
    return atomic_load_explicit(&r->epfd, memory_order_acquire); /* [Y4] */
}

/* The epoll set and its eventfd, on first use (lock held). */
static int ws__reactor_open(struct ws__reactor *r)
{
    /* relaxed: only this function, under the lock, stores it. */
    if (atomic_load_explicit(&r->epfd, memory_order_relaxed) >= 0)
        return 0;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return -errno;
    int ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ev < 0) {
        int err = -errno;
        close(ep);
        return err;
    }
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = WS__EV_TAG_WAKE};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) != 0) {
        int err = -errno;
        close(ep);
        close(ev);
        return err;
    }
    /* [Y4] */
    atomic_store_explicit(&r->evfd, ev, memory_order_release);
    atomic_store_explicit(&r->epfd, ep, memory_order_release);
    return 0;
}

void ws__reactor_wake(struct ws__reactor *r)
{
    uint64_t one = 1;
    /* An eventfd write cannot block (non-blocking, and the counter would
     * need 2^64 writes to fill); a failure only means no blocked poller. */
    int ev = atomic_load_explicit(&r->evfd, memory_order_acquire); /* [Y4] */
    if (ev >= 0 && write(ev, &one, sizeof(one)) < 0)
        return;
}

/* ------------------------------------------------------------------ */
/* The heap of timers (lock held)                                     */

static void ws__heap_set(struct ws__reactor *r, size_t i, ws_io *t)
{
    r->heap[i] = t;
    t->ws__slot = i;
}

static void ws__heap_up(struct ws__reactor *r, size_t i)
{
    ws_io *t = r->heap[i];
    while (i > 0 && r->heap[(i - 1) / 2]->ws__deadline > t->ws__deadline) {
        ws__heap_set(r, i, r->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    ws__heap_set(r, i, t);
}

static void ws__heap_down(struct ws__reactor *r, size_t i)
{
    ws_io *t = r->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->ntimers)
            break;
        if (c + 1 < r->ntimers && r->heap[c + 1]->ws__deadline < r->heap[c]->ws__deadline)
            c++;
        if (r->heap[c]->ws__deadline >= t->ws__deadline)
            break;
        ws__heap_set(r, i, r->heap[c]);
        i = c;
    }
    ws__heap_set(r, i, t);
}

static int ws__heap_push(struct ws__reactor *r, ws_io *t)
{
    if (r->ntimers == r->heap_cap) {
        size_t cap = r->heap_cap ? r->heap_cap * 2 : 64;
        ws_io **h = realloc(r->heap, cap * sizeof(*h));
        if (h == NULL)
            return -ENOMEM;
        r->heap = h;
        r->heap_cap = cap;
    }
    r->heap[r->ntimers] = t;
    t->ws__slot = r->ntimers++;
    ws__heap_up(r, t->ws__slot);
    return 0;
}

static void ws__heap_remove(struct ws__reactor *r, size_t i)
{
    ws_io *last = r->heap[--r->ntimers];
    if (i == r->ntimers)
        return;
    ws__heap_set(r, i, last);
    ws__heap_down(r, i);
    ws__heap_up(r, last->ws__slot);
}

/* ------------------------------------------------------------------ */
/* Completion                                                         */

/* The continuation's task: reads what it needs, then hands the frame over. */
static void ws__io_run(ws_worker *w, ws_head h, ws_task *t)
{
    ws_io *req = WS_CONTAINER_OF(t, ws_io, ws__task);
    ws_io_fn fn = req->ws__fn;
    int result = req->ws__result;
    fn(w, h, req, result); /* w is NULL when ws_pool_cancel runs it: see below */
}

/* Completes an armed wait (lock held): out of its slot, result set, onto
 * the caller's list to post once the lock is released. */
static void ws__io_complete(struct ws__reactor *r, ws_io *req, int result, ws_task **list)
{
    if (req->ws__kind == WS__IO_KIND_FD)
        r->fds[req->ws__fd].req = NULL;
    else
        ws__heap_remove(r, req->ws__slot);
    req->ws__result = result;
    /* relaxed: under the lock, which every reader of the state holds. */
    atomic_store_explicit(&req->ws__state, WS__IO_FIRED, memory_order_relaxed);
    atomic_fetch_sub_explicit(&r->armed, 1, memory_order_relaxed); /* [Y1] */
    req->ws__task.ws__link = *list;
    *list = &req->ws__task;
}

/* Posts completed frames (lock released) to their homes' inboxes. */
static void ws__io_post(struct ws_pool *p, ws_task *list)
{
    if (list == NULL)
        return;
    /* list is newest first (ws__io_complete prepends, in the order the
     * events came). Pushed oldest first, they are taken oldest first: a
     * batch of 64 events otherwise ran last-reported first, and the first
     * reported waited for the whole batch. */
    ws_task *fifo = NULL;
    while (list != NULL) {
        ws_task *next = list->ws__link;
        list->ws__link = fifo;
        fifo = list;
        list = next;
    }
    list = fifo;
    while (list != NULL) {
        ws_task *next = list->ws__link;
        ws_io *req = WS_CONTAINER_OF(list, ws_io, ws__task);
        list->ws__fn = ws__io_run;
        ws__inbox_push(&p->workers[req->ws__home].inbox, list, NULL);
        list = next;
    }
    ws__wake_one_after_rmw(p); /* [I2] was a seq_cst RMW */
}

/* ------------------------------------------------------------------ */
/* Arming                                                             */

static struct ws_worker *ws__caller_worker(struct ws_pool *p)
{
    struct ws_worker *self = ws__self;
    return self != NULL && self->pool == p ? self : NULL;
}

/* Grows the descriptor table to hold fd (lock held). */
static int ws__fds_reserve(struct ws__reactor *r, int fd)
{
    if ((unsigned)fd < r->nfds)
        return 0;
    unsigned n = r->nfds ? r->nfds : 64;
    while (n <= (unsigned)fd)
        n *= 2;
    struct ws__fdslot *t = realloc(r->fds, n * sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    memset(t + r->nfds, 0, (n - r->nfds) * sizeof(*t));
    r->fds = t;
    r->nfds = n;
    return 0;
}

/* Arms req (an admitted frame) on fd (lock held). Returns 0 if armed, or a
 * negative errno to complete it with at once. *stale is set to a wait on
 * the same descriptor number whose descriptor was closed (-EBADF). */
static int ws__arm_fd(struct ws__reactor *r, ws_io *req, int fd, unsigned events, ws_io **stale)
{
    int err = ws__fds_reserve(r, fd);
    if (err != 0)
        return err;
    struct ws__fdslot *s = &r->fds[fd];
    uint32_t gen = s->gen + 1;
    struct epoll_event e = {.events =
                                (events & (WS_IO_READ | WS_IO_WRITE | WS_IO_RDHUP)) | EPOLLONESHOT,
                            .data.u64 = ((uint64_t)gen << 32) | (uint32_t)fd};
    if (epoll_ctl(ws__epfd(r), EPOLL_CTL_ADD, fd, &e) == 0) {
        /* Not registered before: any wait still in the slot is for a
         * descriptor that was closed under it. */
        *stale = s->req;
    } else if (errno == EEXIST) {
        if (s->req != NULL)
            return -EBUSY; /* the wait armed on it is alive */
        /* A registration left disarmed by an earlier one-shot wait. */
        if (epoll_ctl(ws__epfd(r), EPOLL_CTL_MOD, fd, &e) != 0)
            return -errno;
    } else {
        return -errno; /* EBADF, EPERM (a regular file), ENOMEM, ... */
    }
    s->gen = gen;
    s->req = req;
    req->ws__fd = fd;
    req->ws__gen = gen;
    req->ws__kind = WS__IO_KIND_FD;
    return 0;
}

enum ws__arm_kind { WS__ARM_FD, WS__ARM_TIMER };

/* The common path of the four arming calls. */
static int ws__arm(struct ws_pool *p, struct ws_worker *home, ws_io *req, enum ws__arm_kind kind,
                   int fd, unsigned events, uint64_t ns, ws_io_fn fn)
{
    struct ws__reactor *r = &p->reactor;
    int err = ws__gate_enter(p);
    if (err != 0)
        return err;
    req->ws__fn = fn;
    req->ws__pool = p;
    req->ws__home = home != NULL ? home->id % p->nworkers : ws__inbox_index_for_caller(p);
    ws_task *done = NULL;
    ws_io *stale = NULL;
    bool wake_poller = false, wake_any = false;
    pthread_mutex_lock(&r->lock);
    if (r->closed) {
        err = -ECANCELED; /* admitted just before destroy or cancel closed it */
    } else if ((err = ws__reactor_open(r)) == 0) {
        if (kind == WS__ARM_FD) {
            err = ws__arm_fd(r, req, fd, events, &stale);
        } else {
            uint64_t now = ws__mono_ns();
            req->ws__deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
            req->ws__kind = WS__IO_KIND_TIMER;
            err = ws__heap_push(r, req);
            /* A blocked poller sleeping past the new deadline must wake. */
            wake_poller = err == 0 && req->ws__deadline < r->blocked_deadline;
        }
    }
    if (err == -EBUSY || err == -ENOMEM || err == -ENOSPC || err == -EMFILE || err == -ENFILE) {
        /* Refused: nothing armed; neither the frame nor the call counts. */
        pthread_mutex_unlock(&r->lock);
        ws__gate_leave(p, 2);
        return err;
    }
    if (err == 0) {
        /* relaxed: under the lock, which every reader of the state holds. */
        atomic_store_explicit(&req->ws__state, WS__IO_ARMED, memory_order_relaxed);
        /* [Y1] */
        if (atomic_fetch_add_explicit(&r->armed, 1, memory_order_relaxed) == 0)
            wake_any = true; /* the first wait: someone must poll */
    } else {
        /* A descriptor that cannot be waited for (EBADF, EPERM for a
         * regular file, ...), or a closed reactor: complete at once. */
        req->ws__kind = WS__IO_KIND_FD;
        req->ws__fd = -1;
        req->ws__result = err;
        atomic_store_explicit(&req->ws__state, WS__IO_FIRED, memory_order_relaxed);
        req->ws__task.ws__link = NULL;
        done = &req->ws__task;
    }
    if (stale != NULL) {
        /* Its descriptor was closed while it waited (see the top). */
        stale->ws__result = -EBADF;
        atomic_store_explicit(&stale->ws__state, WS__IO_FIRED, memory_order_relaxed);
        atomic_fetch_sub_explicit(&r->armed, 1, memory_order_relaxed); /* [Y1] */
        stale->ws__task.ws__link = done;
        done = &stale->ws__task;
    }
    pthread_mutex_unlock(&r->lock);
    ws__io_post(p, done);
    if (wake_poller)
        ws__reactor_wake(r);
    if (wake_any)
        ws__wake_one(p);  /* a sleeping pool: one worker will block in epoll_wait */
    ws__gate_leave(p, 1); /* the caller's own count; the frame's stays until fn ran */
    return 0;
}

static int ws__arm_check(ws_io *req, ws_io_fn fn)
{
    return req == NULL || fn == NULL ? -EINVAL : 0;
}

int ws_io_wait(ws_worker *w, ws_io *req, int fd, unsigned events, ws_io_fn fn)
{
    if (w == NULL || w != ws__self || ws__arm_check(req, fn) != 0 || fd < 0 ||
        (events & (WS_IO_READ | WS_IO_WRITE | WS_IO_RDHUP)) == 0)
        return -EINVAL;
    return ws__arm(w->pool, w, req, WS__ARM_FD, fd, events, 0, fn);
}

int ws_io_wait_on(ws_pool *p, ws_io *req, int fd, unsigned events, ws_io_fn fn)
{
    if (p == NULL || ws__arm_check(req, fn) != 0 || fd < 0 ||
        (events & (WS_IO_READ | WS_IO_WRITE | WS_IO_RDHUP)) == 0)
        return -EINVAL;
    return ws__arm(p, ws__caller_worker(p), req, WS__ARM_FD, fd, events, 0, fn);
}

int ws_timer_after(ws_worker *w, ws_io *req, uint64_t ns, ws_io_fn fn)
{
    if (w == NULL || w != ws__self || ws__arm_check(req, fn) != 0)
        return -EINVAL;
    return ws__arm(w->pool, w, req, WS__ARM_TIMER, -1, 0, ns, fn);
}

int ws_timer_after_on(ws_pool *p, ws_io *req, uint64_t ns, ws_io_fn fn)
{
    if (p == NULL || ws__arm_check(req, fn) != 0)
        return -EINVAL;
    return ws__arm(p, ws__caller_worker(p), req, WS__ARM_TIMER, -1, 0, ns, fn);
}

int ws_io_cancel(ws_io *req)
{
    if (req == NULL || req->ws__pool == NULL)
        return -EINVAL;
    struct ws_pool *p = req->ws__pool;
    struct ws__reactor *r = &p->reactor;
    ws_task *done = NULL;
    pthread_mutex_lock(&r->lock);
    /* Armed, and really in its slot (a frame that was never armed, or
     * armed again since, fails one of these). */
    bool armed =
        atomic_load_explicit(&req->ws__state, memory_order_relaxed) == WS__IO_ARMED &&
        (req->ws__kind == WS__IO_KIND_FD
             ? req->ws__fd >= 0 && (unsigned)req->ws__fd < r->nfds && r->fds[req->ws__fd].req == req
             : req->ws__slot < r->ntimers && r->heap[req->ws__slot] == req);
    if (armed) {
        if (req->ws__kind == WS__IO_KIND_FD) {
            /* Disarm it in the kernel too; its event, if already queued,
             * carries an old generation once the slot is reused. */
            struct epoll_event e = {0};
            epoll_ctl(ws__epfd(r), EPOLL_CTL_DEL, req->ws__fd, &e);
        }
        ws__io_complete(r, req, -ECANCELED, &done);
    }
    pthread_mutex_unlock(&r->lock);
    if (!armed)
        return -EALREADY;
    ws__io_post(p, done);
    return 0;
}

int ws__reactor_cancel_all(struct ws_pool *p)
{
    struct ws__reactor *r = &p->reactor;
    ws_task *done = NULL;
    int n = 0;
    pthread_mutex_lock(&r->lock);
    r->closed = true;
    for (unsigned fd = 0; fd < r->nfds; fd++)
        if (r->fds[fd].req != NULL) {
            struct epoll_event e = {0};
            epoll_ctl(ws__epfd(r), EPOLL_CTL_DEL, (int)fd, &e);
            ws__io_complete(r, r->fds[fd].req, -ECANCELED, &done);
            n++;
        }
    while (r->ntimers > 0) {
        ws__io_complete(r, r->heap[0], -ECANCELED, &done);
        n++;
    }
    pthread_mutex_unlock(&r->lock);
    ws__io_post(p, done);
    ws__reactor_wake(r);
    return n;
}

/* ------------------------------------------------------------------ */
/* Polling                                                            */

/* One epoll wait (timeout NULL: until something happens; {0, 0}: a poll)
 * and what it made ready, then the expired timers. epoll_pwait2 takes the
 * time-out in nanoseconds; where the kernel lacks it, epoll_wait rounds it
 * up to milliseconds. */
static void ws__reactor_run(struct ws_pool *p, const struct timespec *timeout, bool blocked)
{
    struct ws__reactor *r = &p->reactor;
    struct epoll_event ev[WS__POLL_BATCH];
    int ep = ws__epfd(r);
    if (ep < 0)
        return; /* no wait was ever armed */
    int n = -1;
    if (!atomic_load_explicit(&r->no_pwait2, memory_order_relaxed)) { /* [Y5] */
        n = epoll_pwait2(ep, ev, WS__POLL_BATCH, timeout, NULL);
        if (n < 0 && errno == ENOSYS)
            atomic_store_explicit(&r->no_pwait2, true, memory_order_relaxed);
    }
    if (atomic_load_explicit(&r->no_pwait2, memory_order_relaxed)) {
        int ms = timeout == NULL
                     ? -1
                     : (int)(timeout->tv_sec * 1000 + (timeout->tv_nsec + 999999) / 1000000);
        n = epoll_wait(ep, ev, WS__POLL_BATCH, ms);
    }
    /* The blocked poller is awake now: a waker that picks it from the
     * sleeper set while it posts what it found need not write the eventfd
     * (it would only wake it once more, for nothing). [Y3] */
    if (blocked)
        atomic_store_explicit(&p->reactor.blocked, -1, memory_order_seq_cst);
    ws_task *done = NULL;
    pthread_mutex_lock(&r->lock);
    for (int i = 0; i < n; i++) {
        if (ev[i].data.u64 == WS__EV_TAG_WAKE) {
            /* Only the blocked poller consumes a wake-up. A non-blocking
             * poll that did would steal the one meant for a poller about
             * to block on a deadline computed before a nearer timer was
             * armed: that poller would sleep to its old deadline, the new
             * timer lost meanwhile (seen: 5-10 s stalls of mixed on
             * stealing-async, TSan on one core). Left readable, the wake
             * makes the next blocking wait return at once, and that
             * poller recomputes its deadline. */
            uint64_t v;
            while (blocked &&
                   read(atomic_load_explicit(&r->evfd, memory_order_relaxed), &v, sizeof(v)) > 0)
                ;
            continue;
        }
        unsigned fd = (uint32_t)ev[i].data.u64;
        uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
        if (fd < r->nfds && r->fds[fd].req != NULL && r->fds[fd].gen == gen)
            ws__io_complete(r, r->fds[fd].req, (int)ev[i].events, &done);
    }
    if (r->ntimers > 0) {
        uint64_t now = ws__mono_ns();
        while (r->ntimers > 0 && r->heap[0]->ws__deadline <= now)
            ws__io_complete(r, r->heap[0], WS_IO_TIMER, &done);
    }
    pthread_mutex_unlock(&r->lock);
    ws__io_post(p, done);
}

void ws__reactor_poll(struct ws_worker *w)
{
    struct ws__reactor *r = &w->pool->reactor;
    /* [Y1] */
    if (atomic_load_explicit(&r->armed, memory_order_relaxed) == 0)
        return;
    uint32_t zero = 0;
    /* [Y2] */
    if (!atomic_compare_exchange_strong_explicit(&r->polling, &zero, 1, memory_order_acquire,
                                                 memory_order_relaxed))
        return;
    struct timespec zero_ts = {0, 0};
    ws__reactor_run(w->pool, &zero_ts, false);
    atomic_store_explicit(&r->polling, 0, memory_order_release); /* [Y2] */
}

bool ws__reactor_claim_block(struct ws_worker *w)
{
    struct ws__reactor *r = &w->pool->reactor;
    /* [Y1] */
    if (atomic_load_explicit(&r->armed, memory_order_relaxed) == 0)
        return false;
    int32_t none = -1;
    /* [Y3] */
    return atomic_compare_exchange_strong_explicit(&r->blocked, &none, (int32_t)w->id,
                                                   memory_order_seq_cst, memory_order_relaxed);
}

void ws__reactor_unclaim_block(struct ws_worker *w)
{
    int32_t me = (int32_t)w->id;
    /* [Y3]; a CAS, since another worker may hold the role by now. */
    atomic_compare_exchange_strong_explicit(&w->pool->reactor.blocked, &me, -1,
                                            memory_order_seq_cst, memory_order_relaxed);
}

void ws__reactor_block(struct ws_worker *w)
{
    struct ws_pool *p = w->pool;
    struct ws__reactor *r = &p->reactor;
    pthread_mutex_lock(&r->lock);
    uint64_t deadline = r->ntimers > 0 ? r->heap[0]->ws__deadline : UINT64_MAX;
    r->blocked_deadline = deadline;
    pthread_mutex_unlock(&r->lock);
    struct timespec ts, *timeout = NULL;
    if (deadline != UINT64_MAX) {
        uint64_t now = ws__mono_ns(), left = deadline > now ? deadline - now : 0;
        ts.tv_sec = (time_t)(left / 1000000000u);
        ts.tv_nsec = (long)(left % 1000000000u);
        timeout = &ts;
    }
    ws__reactor_run(p, timeout, true);
    pthread_mutex_lock(&r->lock);
    r->blocked_deadline = UINT64_MAX;
    pthread_mutex_unlock(&r->lock);
}

bool ws__reactor_is_blocked(struct ws_worker *w)
{
    /* [Y3] */
    return atomic_load_explicit(&w->pool->reactor.blocked, memory_order_seq_cst) == (int32_t)w->id;
}

bool ws__reactor_owns(const ws_task *t)
{
    return t->ws__fn == ws__io_run;
}
