/*
 * wsched.h - a lock-free work-stealing scheduler for fork-join parallelism.
 *
 * The one public header of libwsched. Handles are opaque, except for the
 * fork-join fast path (ws_spawn/ws_sync), which is inline: a call into the
 * library would cost more than the whole spawn (see sched/README.md, "Why
 * the fast path is in the header"). Fields whose names start with ws__ are
 * private: they may change in any release.
 *
 * Conventions
 *  - Functions that can fail return 0 or a negative errno value; ws_strerror()
 *    names it. Invalid arguments give -EINVAL, never undefined behaviour.
 *  - "any thread" means any thread of the process, including a worker of
 *    another pool. "worker" means a worker thread of the pool, inside a task.
 *  - A task runs on a worker w with a head h, the position of w's deque,
 *    both passed by value: ws_spawn and ws_sync return the new head, which
 *    the task passes on to what it calls. Functions that may spawn or run
 *    tasks on the caller's worker take both (a pointer to the head if they
 *    change it); functions that only ask about the worker take w.
 *  - The library never prints, never reads the environment and never calls
 *    exit() or abort() on bad input.
 *
 * Fork-join discipline: a task that spawns must sync every child it spawned,
 * newest first, before it returns (strict fork-join, as in Cilk). Groups and
 * parallel_for follow the same nesting.
 */
#ifndef WSCHED_H
#define WSCHED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define WS__ATOMIC(T) T /* C++ sees the layout only; it calls the out-of-line path */
#else
#include <stdatomic.h>
#define WS__ATOMIC(T) _Atomic(T)
#endif

#if defined(WSCHED_STATIC_DEFINE)
#define WS_API
#elif defined(WSCHED_BUILDING)
#define WS_API __attribute__((visibility("default")))
#else
#define WS_API
#endif

#define WS_VERSION_MAJOR 0
#define WS_VERSION_MINOR 3
#define WS_VERSION_PATCH 0

typedef struct ws_pool ws_pool;     /* a set of workers; owns everything below */
typedef struct ws_worker ws_worker; /* one worker thread; valid inside its tasks */
typedef struct ws_task ws_task;     /* a spawned task's frame, owned by the spawner */
typedef struct ws_job ws_job;       /* a submitted root task, for wait or poll */

/*
 * A task's head: where its worker's deque is now (its next free slot).
 * Tasks receive it by value and pass it on by value; ws_spawn and ws_sync
 * return the new one, so that the deque's position lives in registers,
 * never in memory (see sched/README.md, "Where the time goes"). Rules:
 * pass on the head that the last ws_spawn or ws_sync returned, and do not
 * keep one past the task it was given to, or use it on another thread.
 */
typedef struct ws__head *ws_head;

/* A task body. Runs on worker w with head h; t is the frame passed to ws_spawn. */
typedef void (*ws_task_fn)(ws_worker *w, ws_head h, ws_task *t);
/* A body with a plain argument, for roots, jobs and task-group children. */
typedef void (*ws_fn)(ws_worker *w, ws_head h, void *arg);
/* A parallel_for body over the half-open index range [begin, end). */
typedef void (*ws_range_fn)(ws_worker *w, ws_head h, size_t begin, size_t end, void *arg);

/* ------------------------------------------------------------------ */
/* Errors                                                             */

/* A static, human-readable message for 0 or a negative errno. Any thread. */
WS_API const char *ws_strerror(int err);

/* ------------------------------------------------------------------ */
/* Configuration                                                      */

enum ws_pin_policy {
    WS_PIN_DEFAULT = 0, /* WS_PIN_CORE */
    WS_PIN_NONE,        /* do not bind workers */
    WS_PIN_CORE,        /* bind worker i to core i (mod cores) of the process's CPU set */
    WS_PIN_PU           /* bind worker i to hardware thread i (mod PUs) */
};

enum ws_victim_policy {
    WS_VICTIM_DEFAULT = 0, /* WS_VICTIM_NEAREST */
    WS_VICTIM_NEAREST, /* shared cache first, then NUMA node, then the rest; random within a level
                        */
    WS_VICTIM_RANDOM   /* uniformly random victim */
};

/*
 * Zero means "choose for me"; WS_CONFIG_INIT gives all defaults, and passing
 * NULL to ws_pool_create is the same.
 */
struct ws_config {
    /* Workers: 0, one per core of the process's CPU binding, and no more than
     * a CFS quota on its cgroup allows (ceil(quota / period), see
     * ws_pool_info.cpu_quota); at most WS_MAX_WORKERS. */
    unsigned workers;
    /* 0: WS_PIN_CORE. */
    enum ws_pin_policy pin;
    /* 0: WS_VICTIM_NEAREST. */
    enum ws_victim_policy victim;
    /* Deque slots committed at creation, as log2, 4..26; 0: 12 (4096 slots). */
    unsigned deque_log2;
    /* Deque slots reserved (address space, committed as first used), as
     * log2, deque_log2..32; 0: 22 (4M slots, 32 MiB), or deque_log2 if
     * larger. The slots never move. Spawns past that depth stay private to
     * their worker (not stealable). */
    unsigned deque_max_log2;
    /* Failed steal rounds (with back-off) before an idle worker sleeps; 0: 64. */
    unsigned spin_rounds;
    /* Initial slots of each worker's queue of roots from outside, as log2,
     * 4..20; 0: 10. The queues grow: submission never waits. */
    unsigned inject_log2;
    /* Worker thread stack in bytes, >= 64 KiB; 0: 64 MiB (reserved, not committed). */
    size_t stack_size;
    /* Victim-choice random seed; 0: a fixed default, so runs repeat. */
    uint64_t seed;
    /* A loaded hwloc_topology_t to borrow (it must outlive the pool); NULL: load one. */
    void *hwloc_topology;
    /* Spare threads that may stand in for workers blocked in ws_blocking, at
     * most 4096; 0: 256. */
    unsigned max_blocking;
    /* A spare with nothing to stand in for exits after this long; 0: 10 s. */
    unsigned spare_keepalive_ms;
};
#define WS_CONFIG_INIT                                                                             \
    {                                                                                              \
        0                                                                                          \
    }
#define WS_MAX_WORKERS 1024

/* ------------------------------------------------------------------ */
/* Pools                                                              */

/*
 * Creates a pool and starts its workers. Any thread. On success *pool is set
 * and 0 returned; on failure *pool is NULL and nothing is left behind:
 * -EINVAL (pool or a config field invalid), -ENOMEM, or the error of a thread
 * that could not be started (-EAGAIN under RLIMIT_NPROC, for example).
 * Topology or pinning failure is not an error: the pool runs unpinned and
 * ws_pool_info() says why.
 */
WS_API int ws_pool_create(ws_pool **pool, const struct ws_config *cfg);

/*
 * Stops admission at once: from then on ws_run, ws_submit and ws_post on this
 * pool return -ESHUTDOWN, also when called from the pool's own tasks. Then
 * waits until every root, job and posted task admitted before that has run,
 * exactly once, with everything it spawned (ws_pool_cancel first, to cancel
 * those not started instead); stops the workers and frees the pool. It
 * returns once those have finished, however many threads keep trying to
 * submit. After it returns the pool must not be touched: threads
 * that may still call into it must stop (and be joined) first, since their
 * next call would use freed memory.
 * Any thread except a worker of this pool (-EDEADLK, and nothing is done).
 * Not concurrently with another ws_pool_destroy of the same pool. NULL is a
 * no-op returning 0. Jobs not yet released stay valid until ws_job_release().
 */
WS_API int ws_pool_destroy(ws_pool *pool);

/*
 * Stops admission as ws_pool_destroy does, then cancels every root, job and
 * posted task still queued, so that a destroy after it waits only for what
 * is already running. Each cancelled frame's owner learns it exactly once:
 * ws_run and ws_job_wait return -ECANCELED, a posted task's fn is called
 * with w == NULL (on this thread: release the frame), and a detached job is
 * freed unrun. A frame that was being taken by a worker or pushed by a
 * submitter admitted just before runs instead; either way once. Returns the
 * number cancelled, or -EINVAL. Any thread, but not concurrently with
 * ws_pool_destroy of the same pool (call it first, then destroy).
 */
WS_API int ws_pool_cancel(ws_pool *pool);

struct ws_pool_info {
    unsigned workers;
    unsigned cores;               /* cores in the process's CPU binding, as hwloc saw it */
    unsigned pus;                 /* hardware threads in that binding */
    enum ws_pin_policy pin;       /* the policy asked for (resolved) */
    enum ws_victim_policy victim; /* the policy in use (resolved) */
    int pinned;                   /* 1 if every worker is bound to its CPU set */
    int pin_error;                /* 0, or the negative errno that made the pool run unpinned */
    char pin_message[160];        /* why the pool runs unpinned, or "" */
    unsigned numa_nodes;
    unsigned max_blocking; /* spare slots */
    unsigned spares;       /* spare threads alive now */
    /* CPUs the CFS quota of the process's cgroups allows (cgroup v2 cpu.max
     * or v1 cpu.cfs_quota_us over cpu.cfs_period_us, the smallest on the way
     * up), read at creation; 0: none, or unreadable. */
    double cpu_quota;
};

/* Fills *info. Any thread. -EINVAL on NULL. */
WS_API int ws_pool_info(const ws_pool *pool, struct ws_pool_info *info);

struct ws_worker_stats {
    uint64_t spawns;        /* ws_spawn calls (and group/loop spawns) */
    uint64_t steals;        /* tasks taken from other workers' deques */
    uint64_t steal_fails;   /* steal attempts that found nothing or lost a race */
    uint64_t leapfrogs;     /* steals made while waiting for a stolen child */
    uint64_t publishes;     /* private tasks made stealable on a thief's demand */
    uint64_t injected;      /* root tasks and jobs taken from the injection queue */
    uint64_t sleeps;        /* times the worker went to sleep */
    uint64_t idle_ns;       /* time spent looking for work or asleep */
    uint64_t blocking;      /* outermost ws_blocking calls made on it */
    uint64_t uncompensated; /* of those, calls no spare could stand in for */
    int cpu;                /* OS index of the first PU the worker is bound to, or -1 */
};

/*
 * Copies the counters of workers [0, n) into stats[] and returns how many
 * entries it filled, or -EINVAL. Entries past the worker count are the
 * spare slots ws_blocking has used (cpu -1): pass n = workers +
 * max_blocking to get them all. Any thread.
 * Counters are exact once the pool is idle; while tasks run, a worker's
 * spawn count may lag by the spawns since it last looked for work.
 */
WS_API int ws_pool_stats(const ws_pool *pool, struct ws_worker_stats *stats, unsigned n);

/* The number of workers. Any thread. */
WS_API unsigned ws_pool_workers(const ws_pool *pool);

/* ------------------------------------------------------------------ */
/* Entry from any thread                                              */

/*
 * Runs fn(w, h, arg) on a worker of the pool and blocks until it and all it
 * spawned have finished. From a worker of this pool, fn runs inline at once
 * (nested in the calling task, on that worker).
 * No allocation. Returns 0, or -EINVAL (NULL pool or fn), -ESHUTDOWN (see
 * ws_pool_destroy), -EAGAIN (as ws_submit), -ECANCELED (ws_pool_cancel
 * took it before it ran).
 */
WS_API int ws_run(ws_pool *pool, ws_fn fn, void *arg);

/*
 * Queues fn(w, h, arg) to run on the pool and returns at once; it never waits
 * for another thread (submission is lock-free, see sched/README.md). If job
 * is not NULL, *job receives a handle to wait on or poll, to be released
 * with ws_job_release(); if NULL, the job is detached. The job's record is
 * allocated here; ws_post is the form without allocation. Any thread.
 * Returns 0, -EINVAL, -ENOMEM, -ESHUTDOWN (see ws_pool_destroy), or -EAGAIN
 * with 2^30 frames unfinished at once.
 */
WS_API int ws_submit(ws_pool *pool, ws_job **job, ws_fn fn, void *arg);

/*
 * Blocks until the job has run. From a worker of the job's pool, the worker
 * runs the job itself if it has not started, and otherwise runs other tasks
 * while it waits. Several threads may wait for one job. Returns 0,
 * -ECANCELED (ws_pool_cancel took it before it ran; it never will), or
 * -EINVAL.
 */
WS_API int ws_job_wait(ws_job *job);

/* 1 if the job has finished (or was cancelled), 0 if not, -EINVAL on NULL.
 * Any thread, never blocks. */
WS_API int ws_job_poll(const ws_job *job);

/*
 * Releases the handle; a job still running completes and is freed later.
 * Waits on the job that other threads began before the release end
 * normally; no call may use the handle after it. NULL is a no-op.
 */
WS_API void ws_job_release(ws_job *job);

/*
 * Queues fn(w, h, t) to run on the pool, with no allocation: t is a frame the
 * caller owns, as for ws_spawn (embed it in a struct of your own). Returns
 * at once and never waits for another thread. The pool calls fn exactly once
 * (ws_pool_destroy runs every posted task first; if ws_pool_cancel cancels
 * it, fn(NULL, NULL, t) is called instead) and never touches t after calling it,
 * so fn may free or reuse t; until then t must stay valid and untouched.
 * Nothing waits for a posted task: fn signals whatever it needs.
 * Any thread. Returns 0, -EINVAL (NULL pool, t or fn), -ESHUTDOWN, -EAGAIN
 * (as ws_submit).
 */
WS_API int ws_post(ws_pool *pool, ws_task *t, ws_task_fn fn);

/* ------------------------------------------------------------------ */
/* Blocking inside a task                                             */

/*
 * Runs fn(w, h, arg), which may block (read, sleep, lock, a database call), on
 * the calling worker, while the pool keeps its configured number of threads
 * running tasks: the caller's private tasks are made stealable first, and
 * a spare thread stands in for the caller until fn returns (a retired
 * spare, or a new one, up to config.max_blocking; spares are kept for reuse
 * and exit after spare_keepalive_ms idle). fn may spawn and sync, and call
 * ws_blocking again (the inner call needs no second spare). If no spare can
 * stand in (all in use, or a thread cannot be started), fn runs anyway and
 * the worker's `uncompensated` counter says so. From outside any pool (w
 * NULL; h is then ignored) fn just runs. While calls are in flight,
 * ws_pool_destroy waits for them like for any running task. Worker (w and
 * h the calling task's) or w NULL. Returns 0, or -EINVAL (NULL fn; w not
 * the calling worker).
 */
WS_API int ws_blocking(ws_worker *w, ws_head h, ws_fn fn, void *arg);

/* ------------------------------------------------------------------ */
/* Workers                                                            */

/* The worker running the calling thread, or NULL outside any pool. */
WS_API ws_worker *ws_worker_self(void);
/* The worker's index: in [0, ws_pool_workers()) for the pool's workers;
 * a spare thread standing in for a blocked worker (ws_blocking) has its
 * slot's index, from ws_pool_workers() up to that plus max_blocking, as
 * ws_pool_stats numbers them. */
WS_API unsigned ws_worker_id(const ws_worker *w);
/*
 * Bytes left on the calling worker's stack below the caller's frame: how
 * much deeper a recursion may go (its frames, and what a wait runs on top
 * while it helps, share the stack; see ws_config.stack_size). w must be the
 * calling thread's own worker (ws_worker_self()). 0 if w is NULL, SIZE_MAX
 * if the stack's bounds are unknown. Cheap: a subtraction. (glibc takes a
 * thread's static TLS from the top of its stack: a root task starts with
 * a little less than stack_size, under ThreadSanitizer much less.)
 */
WS_API size_t ws_worker_stack_left(const ws_worker *w);
WS_API ws_pool *ws_worker_pool(const ws_worker *w);

/* ------------------------------------------------------------------ */
/* Fork-join (worker only)                                            */

/*
 * A task frame. Embed it in a struct of your own that holds the task's
 * arguments and results, keep it alive (on your stack, typically) until
 * ws_sync returns, and recover your struct in the body with WS_CONTAINER_OF.
 */
struct ws_task {
    ws_task_fn ws__fn;
    WS__ATOMIC(uint64_t) ws__state;
    ws_task *ws__link; /* the owner's list of stolen tasks (sched/deque.c) */
};

#define WS_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#if defined(__GNUC__)
#define WS__WUR __attribute__((warn_unused_result))
#else
#define WS__WUR
#endif

/*
 * h = ws_spawn(w, h, t, fn): makes fn(w', h', t) available to run in
 * parallel with the caller, on this or another worker, and returns the
 * caller's new head. Never blocks, never allocates on its fast path, cannot
 * fail (past the deque's end, 2^deque_max_log2 outstanding spawns, the task
 * stays private until its sync runs it).
 *
 * h = ws_sync(w, h, t): returns once fn(w', h', t) has finished, with the
 * caller's new head; t must be the caller's most recent spawn not yet
 * synced. If no thief took t, runs it here; if one did, runs other work
 * (the thief's first) until it completes. The frame's contents written by
 * fn are visible after ws_sync returns.
 *
 * Between the two, the caller passes the head ws_spawn returned to what it
 * calls:
 *
 *     h = ws_spawn(w, h, &a.task, fib_task);
 *     long y = fib(w, h, n - 2);
 *     h = ws_sync(w, h, &a.task);
 */
static inline ws_head ws_spawn(ws_worker *w, ws_head h, ws_task *t, ws_task_fn fn) WS__WUR;
static inline ws_head ws_sync(ws_worker *w, ws_head h, ws_task *t) WS__WUR;

/*
 * h = ws_reclaim(w, h, t, &mine): a sync that lets the caller run the child
 * itself. If no thief took t (the common case), takes it back unrun and
 * sets mine to 1: the caller then runs the child's work with a direct call,
 * which the compiler can see and inline, instead of the indirect call of
 * ws_sync. Otherwise sets mine to 0 once the thief has finished it. Either
 * way t counts as synced, and the caller's new head is returned:
 *
 *     h = ws_spawn(w, h, &a.task, fib_task);
 *     long y = fib(w, h, n - 2);
 *     int mine;
 *     h = ws_reclaim(w, h, &a.task, &mine);
 *     if (mine)
 *         a.result = fib(w, h, n - 1);
 *
 * (The head is returned, not updated through a pointer: a parameter whose
 * address is taken keeps GCC from inlining the caller's base case into its
 * call sites, measured in sched/README.md.) Once t is back, its frame is
 * dead: end the frame's scope there and make the direct call after it, and
 * the compiler can turn that call into a loop that reuses the frame
 * (sched/README.md, "Recursive tasks: two rules of shape").
 */
static inline ws_head ws_reclaim(ws_worker *w, ws_head h, ws_task *t, int *mine) WS__WUR;

/* Out-of-line versions of the three above, for C++ and for foreign-function use. */
WS_API ws_head ws_spawn_noinline(ws_worker *w, ws_head h, ws_task *t, ws_task_fn fn);
WS_API ws_head ws_sync_noinline(ws_worker *w, ws_head h, ws_task *t);
WS_API ws_head ws_reclaim_noinline(ws_worker *w, ws_head h, ws_task *t, int *mine);

/*
 * Runs fn(w', h', b, e, arg) over subranges [b, e) covering [begin, end),
 * in parallel, by recursive halving down to at most `grain` indices (0:
 * choose from the range and the worker count). Returns when all have
 * finished: 0, or -EINVAL (NULL w or fn, begin > end). Worker only (w and
 * h the calling task's).
 */
WS_API int ws_parallel_for(ws_worker *w, ws_head h, size_t begin, size_t end, size_t grain,
                           ws_range_fn fn, void *arg);

/*
 * A task group: spawn any number of children, then wait for all. The group
 * lives on the caller's stack; children's frames come from a per-worker arena
 * (allocation only when the arena first grows). The task that initialises a
 * group must wait on it before returning. Worker only.
 */
typedef struct ws_group {
    void *ws__head; /* newest child frame; children are linked newest first */
    size_t ws__count;
} ws_group;

WS_API void ws_group_init(ws_group *g);
/* Spawns fn(w', h', arg) into g, and updates *h as ws_spawn does. 0, or
 * -EINVAL (NULL w, h, g or fn). Under memory exhaustion the child runs at once. */
WS_API int ws_group_spawn(ws_worker *w, ws_head *h, ws_group *g, ws_fn fn, void *arg);
/* Waits for every child spawned into g, and updates *h as ws_sync does;
 * returns how many there were, or -EINVAL. */
WS_API long ws_group_wait(ws_worker *w, ws_head *h, ws_group *g);

/* ------------------------------------------------------------------ */
/* Waiting for descriptors and time: continuations that run as tasks  */

/* Events: what to wait for, and what revents reports. They are epoll's. */
#define WS_IO_READ  0x001u    /* readable (EPOLLIN) */
#define WS_IO_WRITE 0x004u    /* writable (EPOLLOUT) */
#define WS_IO_ERROR 0x008u    /* an error is pending (EPOLLERR); always reported */
#define WS_IO_HUP   0x010u    /* hang-up (EPOLLHUP); always reported */
#define WS_IO_RDHUP 0x2000u   /* the peer shut down its writing end (EPOLLRDHUP) */
#define WS_IO_TIMER 0x100000u /* a timer expired */

typedef struct ws_io ws_io;

/*
 * A continuation: runs as a task on worker w with head h (it may spawn
 * and sync) once its wait completes. revents is > 0, the events that happened (WS_IO_*), or a
 * negative errno: -ECANCELED (ws_io_cancel, ws_pool_cancel, or
 * ws_pool_destroy), -EBADF (a bad descriptor, or one closed while armed),
 * -EPERM (a descriptor epoll cannot watch, such as a regular file).
 * w (and h) are NULL only when ws_pool_cancel runs it on its own thread.
 */
typedef void (*ws_io_fn)(ws_worker *w, ws_head h, ws_io *req, int revents);

/*
 * A wait's frame: the caller owns it (no allocation per wait), keeps it
 * valid and untouched from arming until fn is called, and may reuse or
 * free it from fn on. Its fields are private.
 */
struct ws_io {
    ws_task ws__task;
    ws_io_fn ws__fn;
    ws_pool *ws__pool;
    uint64_t ws__deadline;
    size_t ws__slot;
    int ws__fd;
    int ws__result;
    int ws__kind;
    uint32_t ws__gen;
    unsigned ws__home;
    WS__ATOMIC(uint32_t) ws__state;
};

/*
 * Arms a one-shot wait for events (WS_IO_READ and/or WS_IO_WRITE, and
 * WS_IO_RDHUP) on fd: fn(w', h', req, revents) runs as a task when fd is ready,
 * preferably on the worker that armed it, else on any. One wait per
 * descriptor at a time. A bad descriptor is reported to fn (see ws_io_fn),
 * not here; close a descriptor only after its wait completed or was
 * cancelled (a descriptor closed while armed completes only then, or at the
 * next wait armed on its number, with -EBADF). Returns 0, or (nothing
 * armed, fn never called) -EINVAL, -EBUSY (a wait is armed on fd),
 * -ENOMEM, -ENOSPC, -EMFILE, -ESHUTDOWN. ws_io_wait: worker (w the calling
 * worker); ws_io_wait_on: any thread.
 */
WS_API int ws_io_wait(ws_worker *w, ws_io *req, int fd, unsigned events, ws_io_fn fn);
WS_API int ws_io_wait_on(ws_pool *pool, ws_io *req, int fd, unsigned events, ws_io_fn fn);

/*
 * Arms a one-shot timer: fn(w', h', req, WS_IO_TIMER) runs as a task ns
 * nanoseconds from now (CLOCK_MONOTONIC), or later. Returns as ws_io_wait.
 */
WS_API int ws_timer_after(ws_worker *w, ws_io *req, uint64_t ns, ws_io_fn fn);
WS_API int ws_timer_after_on(ws_pool *pool, ws_io *req, uint64_t ns, ws_io_fn fn);

/*
 * Cancels an armed wait or timer. Either way fn runs exactly once: 0 if
 * this call cancelled it (fn will get -ECANCELED), -EALREADY if it had
 * completed already (fn got, or will get, its events), -EINVAL if req was
 * never armed. Any thread.
 */
WS_API int ws_io_cancel(ws_io *req);

/* ------------------------------------------------------------------ */
/* Private: the inline fast path. Not part of the API.                */

/* The worker's owner-only fields, first in struct ws_worker (see sched/deque.h). */
struct ws__own {
    WS__ATOMIC(ws_task *) * head; /* the head while library code runs (tasks carry theirs
                                   * in their ws_head); owner only */
    WS__ATOMIC(uintptr_t) split;  /* slots at or above it are private; thieves poison it */
    WS__ATOMIC(uintptr_t)
    limit;           /* a spawn filling the slot at limit or past it takes the
                      * slow path; thieves poison it (0) */
    uint64_t nspawn; /* spawn counter, published on slow paths */
};

/* The slow paths: each takes the caller's head (after a spawn's push; with
 * the synced task still pushed) and returns the head after it. */
struct ws__reclaimed {
    ws_head head;
    int got;
};
WS_API ws_head ws__spawn_slow(ws_worker *w, ws_head head);
WS_API ws_head ws__sync_slow(ws_worker *w, ws_task *t, ws_head head);
WS_API struct ws__reclaimed ws__reclaim_slow(ws_worker *w, ws_head head);

#ifndef __cplusplus

#if defined(__GNUC__)
#define WS__LIKELY(x)   __builtin_expect(!!(x), 1)
#define WS__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define WS__LIKELY(x)   (x)
#define WS__UNLIKELY(x) (x)
#endif

static inline struct ws__own *ws__own_of(ws_worker *w)
{
    return (struct ws__own *)(void *)w;
}

/*
 * x > o->field, where field is split or limit: a relaxed atomic load and a
 * compare. GCC and Clang do not fold an atomic load into the compare's
 * memory operand (a load into a register, then the compare: two
 * instructions where one does), so on x86-64 the compare reads the word
 * itself, in asm. An aligned 8-byte load is single-copy atomic on x86, so
 * this is exactly a relaxed load, and the asm is not a C access that could
 * race; volatile, so that it is neither merged nor hoisted out of a loop (a
 * thief's poison must be seen at the next spawn, as with an atomic load).
 * The asm addresses the word as an offset from o, the worker the caller
 * holds anyway: given the word's address, GCC hoisted &o->split and
 * &o->limit out of fib's loop into two registers of their own, and spilled
 * the worker around every call (30.5 instructions per spawn against 32.1,
 * measured). The "m"(*o) input says that the asm reads *o, which orders it
 * after the owner's own stores there, as a load would be. Under
 * ThreadSanitizer, which cannot see into asm, and elsewhere: the C11 load.
 */
#if defined(__SANITIZE_THREAD__)
#define WS__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WS__TSAN 1
#endif
#endif
#if defined(__x86_64__) && defined(__GCC_ASM_FLAG_OUTPUTS__) && !defined(WS__TSAN)
/* A macro, so that the offset is a constant at every optimisation level. */
#define ws__above(ws__x, ws__o, field)                                                             \
    __extension__({                                                                                \
        int ws__a;                                                                                 \
        __asm__ volatile("cmpq %c[off](%[o]), %[x]"                                                \
                         : "=@cca"(ws__a)                                                          \
                         : [x] "r"((uintptr_t)(ws__x)), [o] "r"(ws__o),                            \
                           [off] "i"(offsetof(struct ws__own, field)), "m"(*(ws__o)));             \
        ws__a;                                                                                     \
    })
#else
#define ws__above(ws__x, ws__o, field)                                                             \
    ((uintptr_t)(ws__x) > atomic_load_explicit(&(ws__o)->field, memory_order_relaxed))
#endif

/* A head is a pointer to a deque slot. */
#define WS__SLOT(h) ((WS__ATOMIC(ws_task *) *)(void *)(h))

/*
 * An empty asm that "changes" x: a sync computes the slot as head - 1 again
 * instead of GCC keeping the spawn's slot pointer alive across the
 * caller's work in a second callee-saved register (one push and pop per
 * spawn, measured in sched/README.md).
 */
#if defined(__GNUC__)
#define WS__OPAQUE(x) __asm__("" : "+r"(x))
#else
#define WS__OPAQUE(x) ((void)0)
#endif

/*
 * The fast path. The head travels by value, in registers: a spawn writes
 * its slot and returns the head one up, a sync moves it down and clears the
 * slot. Nothing of it goes through memory, which would chain each spawn's
 * store to the next spawn's load (see sched/README.md). The slow paths take
 * the head and return where it is after them.
 */
static inline ws_head ws_spawn(ws_worker *w, ws_head head, ws_task *t, ws_task_fn fn)
{
    struct ws__own *o = ws__own_of(w);
    WS__ATOMIC(ws_task *) *s = WS__SLOT(head);
    t->ws__fn = fn;
    /* [F1] relaxed: the slot is private to the owner until [P1] in
     * ws__deque_publish_owner() releases it to thieves. */
    atomic_store_explicit(s, t, memory_order_relaxed);
    o->nspawn++;
    /* [F2] relaxed: limit is owner data that thieves may lower as a hint
     * ([D2] in ws__deque_demand()); a missed hint only delays a steal.
     * s >= limit, as s + 1 > limit: only the new head stays live. */
    if (WS__UNLIKELY(ws__above((uintptr_t)(s + 1), o, limit)))
        return ws__spawn_slow(w, (ws_head)(void *)(s + 1));
    return (ws_head)(void *)(s + 1);
}

static inline ws_head ws_sync(ws_worker *w, ws_head head, ws_task *t)
{
    struct ws__own *o = ws__own_of(w);
    WS__OPAQUE(head);
    /* [F3] relaxed: as [F2]; a poisoned split sends us to the slow path.
     * The slot head - 1 >= split, as head > split. */
    if (WS__LIKELY(ws__above((uintptr_t)head, o, split))) {
        WS__ATOMIC(ws_task *) *s = WS__SLOT(head) - 1;
        /* [F4] relaxed: a private slot; free slots hold NULL, which is how
         * an entry without a head finds it (ws__deque_find_head). */
        atomic_store_explicit(s, NULL, memory_order_relaxed);
        t->ws__fn(w, (ws_head)(void *)s, t);
        return (ws_head)(void *)s;
    }
    return ws__sync_slow(w, t, head);
}

static inline ws_head ws_reclaim(ws_worker *w, ws_head head, ws_task *t, int *mine)
{
    struct ws__own *o = ws__own_of(w);
    (void)t; /* the slot head - 1 holds it */
    WS__OPAQUE(head);
    /* [F3], [F4] as in ws_sync. */
    if (WS__LIKELY(ws__above((uintptr_t)head, o, split))) {
        WS__ATOMIC(ws_task *) *s = WS__SLOT(head) - 1;
        atomic_store_explicit(s, NULL, memory_order_relaxed);
        *mine = 1;
        return (ws_head)(void *)s;
    }
    /* The slow path finds t itself (the deque's newest task, or the newest
     * on its stolen list). */
    struct ws__reclaimed r = ws__reclaim_slow(w, head);
    *mine = r.got;
    return r.head;
}

#else /* __cplusplus */

static inline ws_head ws_spawn(ws_worker *w, ws_head h, ws_task *t, ws_task_fn fn)
{
    return ws_spawn_noinline(w, h, t, fn);
}
static inline ws_head ws_sync(ws_worker *w, ws_head h, ws_task *t)
{
    return ws_sync_noinline(w, h, t);
}
static inline ws_head ws_reclaim(ws_worker *w, ws_head h, ws_task *t, int *mine)
{
    return ws_reclaim_noinline(w, h, t, mine);
}

#endif

#ifdef __cplusplus
}
#endif

#endif /* WSCHED_H */
