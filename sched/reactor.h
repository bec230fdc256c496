/*
 * reactor.h - readiness waits and timers whose continuations run as tasks
 * (theory in reactor.c). One epoll instance per pool; no thread of its
 * own: idle workers poll it, and when the whole pool is idle one worker
 * blocks in epoll_wait instead of sleeping.
 */
#ifndef WS_REACTOR_H
#define WS_REACTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <wsched.h>

struct ws_pool;
struct ws_worker;

/* One slot per descriptor number with a wait on it. */
struct ws__fdslot {
    ws_io *req;   /* the armed wait, or NULL */
    uint32_t gen; /* bumped at every registration, carried in the epoll event */
};

struct ws__reactor {
    _Atomic int epfd;       /* -1 until the first wait ([Y4]) */
    _Atomic int evfd;       /* eventfd that wakes a blocked poller ([Y4]) */
    pthread_mutex_t lock;   /* the tables below, epoll_ctl, and closing */
    struct ws__fdslot *fds; /* indexed by descriptor, nfds long (lock) */
    unsigned nfds;
    ws_io **heap; /* timers, a binary min-heap on deadline (lock) */
    size_t ntimers, heap_cap;
    bool closed;               /* destroy or cancel: no new waits (lock) */
    _Atomic bool no_pwait2;    /* the kernel has no epoll_pwait2: use epoll_wait ([Y5]) */
    uint64_t blocked_deadline; /* the blocked poller's time-out, or UINT64_MAX (lock) */
    _Atomic uint32_t armed;    /* waits and timers armed: idle workers poll only if any */
    _Atomic uint32_t polling;  /* 1 while some worker polls (only one at a time) */
    _Atomic int32_t blocked;   /* the worker blocked in epoll_wait, or -1 */
};

int ws__reactor_init(struct ws__reactor *r);
void ws__reactor_destroy(struct ws__reactor *r);

/* Polls once, without blocking, if any wait is armed and no one else is
 * polling: posts the continuations of what is ready. Any worker. */
void ws__reactor_poll(struct ws_worker *w);

/* Sleeping in epoll_wait instead of on the event count (ws__park): claim
 * the role before announcing the sleep (true if waits are armed and no
 * other worker has it); block until an event, the nearest timer or a
 * wake-up (the role ends as the wait returns); give the role back (a no-op
 * if it ended already). */
bool ws__reactor_claim_block(struct ws_worker *w);
void ws__reactor_block(struct ws_worker *w);
void ws__reactor_unclaim_block(struct ws_worker *w);
/* Is w the worker blocked (or about to block) in epoll_wait? */
bool ws__reactor_is_blocked(struct ws_worker *w);

/* Wakes the worker blocked in epoll_wait (an eventfd write). */
void ws__reactor_wake(struct ws__reactor *r);

/* Is t a completed wait's continuation (queued by the reactor)? */
bool ws__reactor_owns(const ws_task *t);

/* Completes every armed wait and timer with -ECANCELED and refuses new
 * ones (ws_pool_destroy, ws_pool_cancel). Returns how many. */
int ws__reactor_cancel_all(struct ws_pool *p);

#endif /* WS_REACTOR_H */
