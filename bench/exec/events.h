/*
 * events.h - the event-driven side of an executor: the small interface the
 * event-driven forms of the IO workloads are written against (their
 * run_events), and that an event-driven model implements (exec_ops.events):
 * stealing-async on libwsched's reactor, and the event loops.
 *
 * A program is n tasks. run() starts every one (start(c, arg, i)) and
 * returns once each has called done() exactly once. A task is a chain of
 * callbacks: it arms a timer, a wait on a non-blocking descriptor, or an
 * offloaded blocking call, and the callback arms the next; nothing blocks
 * in between. A callback runs on the model's loop (any wsched worker, or an
 * event loop's thread) with the context c it should pass back; it may
 * compute, and fork-join that with forkn() where the model can run it in
 * parallel (wsched); an event loop runs forkn's parts in turn.
 *
 * Errors are 0 or a negative errno, as everywhere in wsbench.
 */
#ifndef WSBENCH_EXEC_EVENTS_H
#define WSBENCH_EXEC_EVENTS_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exec;
struct ev_ctx; /* where a callback runs: the model's own (a worker, a loop) */

/* Readiness and timer results, as callbacks receive them (> 0). */
#define EV_READ  0x001u
#define EV_WRITE 0x004u
#define EV_TIMER 0x100000u

/* One armed operation of a task: the model's storage, owned by the task
 * (no allocation per operation); valid until its callback is called. */
#define EV_REQ_SIZE 256
struct ev_req {
    alignas(16) unsigned char opaque[EV_REQ_SIZE];
};

/* result: > 0 the events (EV_*), or a negative errno (for an offload: the
 * work's own status, 0 or negative). */
typedef void (*ev_fn)(struct ev_ctx *c, struct ev_req *r, int result);

/* A task's first step, and a part of forkn(). */
typedef void (*ev_start_fn)(struct ev_ctx *c, void *arg, size_t i);

struct ev_ops {
    /* Runs a program of n tasks (see the top): 0 once all are done, or a
     * negative errno if they could not be started (none then is). */
    int (*run)(struct exec *x, size_t n, ev_start_fn start, void *arg);
    /* The task that called it has finished. Exactly once per task. */
    void (*done)(struct ev_ctx *c);
    /* fn(c, r, EV_TIMER) after ns nanoseconds. */
    int (*timer)(struct ev_ctx *c, struct ev_req *r, uint64_t ns, ev_fn fn);
    /* fn(c, r, events) once fd (non-blocking) is ready for events
     * (EV_READ and/or EV_WRITE); a failure of the descriptor reaches fn as
     * a negative errno, or as the events with which the next call fails. */
    int (*wait)(struct ev_ctx *c, struct ev_req *r, int fd, unsigned events, ev_fn fn);
    /* Cancels an armed timer or wait: its callback still runs once, with
     * -ECANCELED if the cancel came first. */
    int (*cancel)(struct ev_ctx *c, struct ev_req *r);
    /* Runs work(arg), which may block (a file read), off the loop, then
     * fn(c, r, its status) on the loop. */
    int (*offload)(struct ev_ctx *c, struct ev_req *r, int (*work)(void *arg), void *arg, ev_fn fn);
    /* fn(c, arg, i) for every i in [0, n), in parallel where the model can;
     * returns when all have returned. From a callback only. */
    void (*forkn)(struct ev_ctx *c, size_t n, ev_start_fn fn, void *arg);
};

#ifdef __cplusplus
}
#endif

#endif /* WSBENCH_EXEC_EVENTS_H */
