/*
 * eventloop_ev.c - the event-driven side of the event-loop executors
 * (exec/events.h) on libuv: timers on uv_timer_t, waits on uv_poll_t,
 * offloads on uv_queue_work(), forkn's parts in turn on the loop.
 *
 * Every op runs on the loop thread that owns the task (events.h: callbacks
 * run on the model's loop, and a task's steps are armed from them): a
 * task's whole life is on the one loop it was dealt to. The ops check it
 * and return -EPERM from any other thread; done() and forkn() assert it.
 *
 * Handles live in per-loop pools, not in the ev_req. A libuv handle must be
 * uv_close()d before its memory is reused, and the close completes later,
 * in the loop's closing phase; but an ev_req belongs to its task, and the
 * task reuses it for its next step from inside the callback, long before a
 * close could have completed. So an ev_req holds a pointer to a pooled
 * handle, which goes back to its loop's pool instead:
 *  - timers: a fired or stopped uv_timer_t is inactive and can be started
 *    again at once: the pool keeps them initialized.
 *  - polls: one uv_poll_t per wait, as asyncio's add_reader/remove_reader:
 *    uv_poll_init + uv_poll_start, and on readiness (or a cancel)
 *    uv_poll_stop + uv_close, whose callback returns the memory to the pool.
 *    The stop takes the descriptor out of epoll at once, so the task may
 *    close it any time after its callback has begun. The price, against
 *    the wsched reactor's one EPOLL_CTL_MOD of a ONESHOT registration per
 *    wait: libuv 1.44 makes six epoll_ctl calls and an ioctl per wait
 *    (uv_poll_init probes with ADD+DEL and sets FIONBIO; uv_poll_start
 *    begins with a DEL; the loop's next poll ADDs; the stop DELs; the close
 *    DELs again). A wait on a descriptor that the same loop already waits
 *    on fails with -EEXIST (libuv has one watcher per descriptor and loop);
 *    a descriptor must stay open while its wait is armed (libuv aborts when
 *    epoll_ctl fails on it).
 *  - offloads: a uv_work_t is a request, not a handle, and libuv lets go of
 *    it before it calls the after-work callback, so it lives in the ev_req.
 *
 * Timers. libuv's clock is in milliseconds: uv_timer_start(t, ms) fires
 * when the loop's time (floor of CLOCK_MONOTONIC in ms, or of
 * CLOCK_MONOTONIC_COARSE, which never runs ahead of it, read once per
 * iteration) reaches uv_now() + ms. So a timer of ns nanoseconds asks for
 * ceil((deadline - uv_now() ms) / 1 ms), deadline = now + ns on
 * CLOCK_MONOTONIC: when the loop's time reaches the due millisecond the
 * real time is past the deadline. It never fires early, and fires at the
 * first loop iteration after the next millisecond boundary past its
 * deadline: up to 1 ms late by design, as Node's setTimeout. Timers fire
 * in the order of their due milliseconds, those due in the same one in the
 * order they were armed.
 *
 * Cancel. The callback runs exactly once either way. A cancel that comes
 * first stops the timer (back to the pool) or the poll (closed), and queues
 * the request on its loop's list of deferred callbacks, which a uv_idle_t
 * runs with -ECANCELED on the next loop iteration (an active idle handle
 * keeps the loop from blocking), never inside cancel(). An offload's cancel
 * is uv_cancel(): if the work has not started, libuv calls back with
 * UV_ECANCELED, itself deferred; if it has, the callback brings its status.
 * Cancelling a request that is not armed (fired, or never used: zeroed) is a
 * no-op returning 0.
 *
 * A share of a program ends (el_share_check) when all its tasks have called
 * done() and no callback of it is armed or running (armed counts a callback
 * until it has returned): its context lives on the caller's side, and
 * nothing may use it after run() returned.
 *
 * Memory orders (offloads only; everything else stays on one loop thread,
 * or crosses it under x->mu, see eventloop.c):
 *   [O1] release, the loop posting the work  -> [O2] acquire, the pool thread before the work
 *   [O3] release, the pool thread after it   -> [O4] acquire, the loop in the after-work callback
 * libuv's own hand-offs (its queue's mutex, the uv_async_send to the loop)
 * order them too, but TSan cannot see those inside an uninstrumented
 * libuv; these pairs say it in C11 where it can.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "exec/eventloop.h"

/* A pooled timer: initialized, inactive while in the pool. */
struct el_timer {
    uv_timer_t h; /* h.data: the el_req while armed */
    struct el_timer *next;
};

/* A pooled poll handle: closed (not known to the loop) while in the pool. */
struct el_poll {
    uv_poll_t h; /* h.data: the el_req while armed */
    struct el_poll *next;
};

enum el_state {
    EL_IDLE = 0, /* not armed: a zeroed ev_req too */
    EL_TIMER,
    EL_WAIT,
    EL_OFFLOAD,
    EL_CANCELLED, /* its -ECANCELED callback is due (the deferred list, or libuv's for an offload)
                   */
};

/* An offload's progress, in work_phase. */
enum { EL_POSTED = 1, EL_RAN = 2 };

/* What an ev_req holds. Loop-thread only, but for an offload's work fields. */
struct el_req {
    unsigned state;  /* enum el_state */
    unsigned events; /* a wait's, as asked */
    ev_fn fn;
    struct ev_ctx *c;
    struct el_req *later_next; /* in the loop's deferred list */
    union {
        struct el_timer *timer;
        struct el_poll *poll;
    } h;
    uv_work_t work;
    int (*work_fn)(void *arg); /* written before [O1] */
    void *work_arg;
    int work_status; /* written by the pool thread before [O3] */
    _Atomic unsigned work_phase;
};
_Static_assert(sizeof(struct el_req) <= EV_REQ_SIZE, "an el_req fits in an ev_req");
_Static_assert(alignof(struct el_req) <= alignof(struct ev_req), "an ev_req can hold an el_req");

static struct el_req *el_req_of(struct ev_req *r)
{
    return (struct el_req *)(void *)r->opaque;
}

static struct ev_req *el_ev_req(struct el_req *q)
{
    return (struct ev_req *)(void *)q;
}

static struct el_loop *el_loop_of(const uv_handle_t *h)
{
    return h->loop->data;
}

/* An op's arguments: 0, -EINVAL, or -EPERM off the task's loop thread. */
static int el_check(const struct ev_ctx *c, const struct ev_req *r, ev_fn fn)
{
    if (c == NULL || r == NULL || fn == NULL)
        return -EINVAL;
    return el_self() == c->l ? 0 : -EPERM;
}

static void el_arm(struct el_req *q, struct ev_ctx *c, ev_fn fn, enum el_state s)
{
    q->state = s;
    q->fn = fn;
    q->c = c;
    c->armed++;
}

/* The one callback of an armed request; its share may end once it returns. */
static void el_fire(struct el_req *q, int result)
{
    struct ev_ctx *c = q->c;

    q->state = EL_IDLE; /* the task may arm q again from fn */
    q->fn(c, el_ev_req(q), result);
    c->armed--;
    el_share_check(c);
}

/* ---- deferred callbacks ------------------------------------------------------------------ */

static void el_later_run(uv_idle_t *h)
{
    struct el_loop *l = el_loop_of((uv_handle_t *)h);
    struct el_req *q = l->later_head;

    /* This round's only: what these callbacks cancel runs on the next iteration. */
    l->later_head = l->later_tail = NULL;
    while (q != NULL) {
        /* Still armed until fired, so its share (and next's) cannot end before. */
        struct el_req *next = q->later_next;
        el_fire(q, -ECANCELED);
        q = next;
    }
    if (l->later_head == NULL)
        (void)uv_idle_stop(h);
}

static void el_later(struct el_loop *l, struct el_req *q)
{
    q->state = EL_CANCELLED;
    q->later_next = NULL;
    if (l->later_tail != NULL)
        l->later_tail->later_next = q;
    else
        l->later_head = q;
    l->later_tail = q;
    if (!uv_is_active((uv_handle_t *)&l->later))
        (void)uv_idle_start(&l->later, el_later_run); /* fails only without a callback */
}

/* ---- timers ------------------------------------------------------------------------------ */

static void el_timer_put(struct el_loop *l, struct el_timer *t)
{
    t->h.data = NULL;
    t->next = l->free_timers;
    l->free_timers = t;
}

static void el_timer_fired(uv_timer_t *h)
{
    struct el_timer *t = (struct el_timer *)(void *)h;
    struct el_req *q = h->data;

    el_timer_put(el_loop_of((uv_handle_t *)h), t); /* inactive now: reusable from the callback */
    el_fire(q, (int)EV_TIMER);
}

/* The milliseconds to ask libuv for so that the timer fires no earlier than ns from now. */
static uint64_t el_timeout_ms(const uv_loop_t *uv, uint64_t ns)
{
    uint64_t now = exec_now_ns();
    uint64_t deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    uint64_t base = uv_now(uv) * 1000000u; /* what libuv adds the timeout to */

    return deadline <= base ? 0
                            : (deadline - base) / 1000000u + ((deadline - base) % 1000000u != 0);
}

static int el_ev_timer(struct ev_ctx *c, struct ev_req *r, uint64_t ns, ev_fn fn)
{
    int e = el_check(c, r, fn);
    struct el_req *q;
    struct el_loop *l;
    struct el_timer *t;

    if (e != 0)
        return e;
    q = el_req_of(r);
    l = c->l;
    t = l->free_timers;
    if (t != NULL) {
        l->free_timers = t->next;
    } else {
        t = malloc(sizeof(*t));
        if (t == NULL)
            return -ENOMEM;
        (void)uv_timer_init(&l->uv, &t->h); /* cannot fail */
    }
    el_arm(q, c, fn, EL_TIMER);
    q->h.timer = t;
    t->h.data = q;
    e = uv_timer_start(&t->h, el_timer_fired, el_timeout_ms(&l->uv, ns), 0);
    assert(e == 0); /* only a closing handle or no callback fail */
    return 0;
}

/* ---- waits ------------------------------------------------------------------------------- */

static void el_poll_closed(uv_handle_t *h)
{
    struct el_loop *l = el_loop_of(h);
    struct el_poll *p = (struct el_poll *)(void *)h;

    p->next = l->free_polls;
    l->free_polls = p;
}

/* Out of epoll now, back in the pool once closed. */
static void el_poll_drop(struct el_poll *p)
{
    p->h.data = NULL;
    (void)uv_poll_stop(&p->h);
    uv_close((uv_handle_t *)&p->h, el_poll_closed);
}

static void el_poll_ready(uv_poll_t *h, int status, int events)
{
    struct el_req *q = h->data;
    int result = status;

    el_poll_drop((struct el_poll *)(void *)h);
    if (status == 0) {
        result =
            (events & UV_READABLE ? (int)EV_READ : 0) | (events & UV_WRITABLE ? (int)EV_WRITE : 0);
        if (result == 0)
            result = (int)q->events; /* only a hang-up or priority data: the next call says what */
    }
    el_fire(q, result); /* status: libuv's, already a negative errno (UV_EBADF on POLLERR) */
}

static int el_ev_wait(struct ev_ctx *c, struct ev_req *r, int fd, unsigned events, ev_fn fn)
{
    int e = el_check(c, r, fn);
    struct el_req *q;
    struct el_loop *l;
    struct el_poll *p;

    if (e != 0)
        return e;
    if (events == 0 || (events & ~(EV_READ | EV_WRITE)) != 0)
        return -EINVAL;
    if (fd < 0)
        return -EBADF;
    q = el_req_of(r);
    l = c->l;
    p = l->free_polls;
    if (p != NULL) {
        l->free_polls = p->next;
    } else if ((p = malloc(sizeof(*p))) == NULL) {
        return -ENOMEM;
    }
    if ((e = uv_poll_init(&l->uv, &p->h, fd)) != 0) {
        p->next = l->free_polls; /* refused before libuv registered it: still closed */
        l->free_polls = p;
        return e; /* -EEXIST, -EBADF, -EPERM (a regular file), ... */
    }
    p->h.data = q;
    e = uv_poll_start(&p->h,
                      (events & EV_READ ? UV_READABLE : 0) | (events & EV_WRITE ? UV_WRITABLE : 0),
                      el_poll_ready);
    if (e != 0) {
        el_poll_drop(p);
        return e;
    }
    el_arm(q, c, fn, EL_WAIT);
    q->h.poll = p;
    q->events = events;
    return 0;
}

/* ---- offloads ---------------------------------------------------------------------------- */

static struct el_req *el_req_of_work(uv_work_t *w)
{
    return (struct el_req *)(void *)((char *)w - offsetof(struct el_req, work));
}

/* On a thread of libuv's pool. */
static void el_work_run(uv_work_t *w)
{
    struct el_req *q = el_req_of_work(w);

    /* [O2] acquire: pairs with [O1]: the work and its argument as the loop left them. */
    unsigned phase = atomic_load_explicit(&q->work_phase, memory_order_acquire);
    assert(phase == EL_POSTED);
    (void)phase;
    q->work_status = q->work_fn(q->work_arg);
    /* [O3] release: publishes work_status and all the work wrote; pairs with [O4]. */
    atomic_store_explicit(&q->work_phase, EL_RAN, memory_order_release);
}

static void el_work_back(uv_work_t *w, int status)
{
    struct el_req *q = el_req_of_work(w);

    /* [O4] acquire: pairs with [O3]: the work's status and results. */
    unsigned phase = atomic_load_explicit(&q->work_phase, memory_order_acquire);
    assert(phase == (status == UV_ECANCELED ? EL_POSTED : EL_RAN));
    (void)phase;
    el_fire(q, status == UV_ECANCELED ? -ECANCELED : q->work_status);
}

static int el_ev_offload(struct ev_ctx *c, struct ev_req *r, int (*work)(void *arg), void *arg,
                         ev_fn fn)
{
    int e = el_check(c, r, fn);
    struct el_req *q;

    if (e != 0)
        return e;
    if (work == NULL)
        return -EINVAL;
    q = el_req_of(r);
    q->work_fn = work;
    q->work_arg = arg;
    q->work_status = 0;
    el_arm(q, c, fn, EL_OFFLOAD);
    /* [O1] release: publishes the work, its argument and what the task wrote for it; pairs
     * with [O2]. */
    atomic_store_explicit(&q->work_phase, EL_POSTED, memory_order_release);
    e = uv_queue_work(&c->l->uv, &q->work, el_work_run, el_work_back);
    assert(e == 0); /* only a NULL work callback fails */
    return 0;
}

/* ---- cancel, done, forkn ----------------------------------------------------------------- */

static int el_ev_cancel(struct ev_ctx *c, struct ev_req *r)
{
    struct el_req *q;

    if (c == NULL || r == NULL)
        return -EINVAL;
    if (el_self() != c->l)
        return -EPERM;
    q = el_req_of(r);
    switch (q->state) {
    case EL_TIMER:
        (void)uv_timer_stop(&q->h.timer->h);
        el_timer_put(c->l, q->h.timer);
        el_later(c->l, q);
        break;
    case EL_WAIT:
        el_poll_drop(q->h.poll);
        el_later(c->l, q);
        break;
    case EL_OFFLOAD:
        /* 0: not started, libuv calls back with UV_ECANCELED; UV_EBUSY: it runs or ran. */
        if (uv_cancel((uv_req_t *)&q->work) == 0)
            q->state = EL_CANCELLED;
        break;
    default: /* not armed, or its callback is due already */
        break;
    }
    return 0;
}

static void el_ev_done(struct ev_ctx *c)
{
    assert(el_self() == c->l);
    assert(c->left > 0); /* done() once per task */
    if (c->left == 0)
        return;
    c->left--;
    el_share_check(c);
}

static void el_ev_forkn(struct ev_ctx *c, size_t n, ev_start_fn fn, void *arg)
{
    assert(el_self() == c->l);
    for (size_t i = 0; i < n; i++)
        fn(c, arg, i); /* one loop: in turn */
}

const struct ev_ops el_events = {
    .run = el_run,
    .done = el_ev_done,
    .timer = el_ev_timer,
    .wait = el_ev_wait,
    .cancel = el_ev_cancel,
    .offload = el_ev_offload,
    .forkn = el_ev_forkn,
};

/* ---- a share of a program; closing a loop ------------------------------------------------ */

void el_program_start(struct ev_ctx *c)
{
    const struct el_batch *b = c->b;

    c->left = (b->n - c->first + b->step - 1) / b->step;
    c->armed = 1; /* the starts: its share cannot end before they have all run */
    for (size_t i = c->first; i < b->n; i += b->step)
        b->start(c, b->arg, i);
    c->armed--;
    el_share_check(c);
}

static void el_timer_freed(uv_handle_t *h)
{
    free((struct el_timer *)(void *)h);
}

static void el_close_one(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h))
        return; /* a poll on its way back to the pool */
    if (h->type == UV_TIMER)
        uv_close(h, el_timer_freed);
    else if (h->type == UV_POLL)
        uv_close(h, el_poll_closed);
    else
        uv_close(h, NULL); /* the wake-up and the idle handle: parts of the el_loop */
}

void el_loop_close_all(struct el_loop *l)
{
    /* Every pooled timer is a live handle of the loop: the walk closes and frees each. */
    l->free_timers = NULL;
    uv_walk(&l->uv, el_close_one, NULL);
}

void el_loop_free_closed(struct el_loop *l)
{
    while (l->free_polls != NULL) {
        struct el_poll *p = l->free_polls;
        l->free_polls = p->next;
        free(p);
    }
}
