/*
 * shutdown.pml - the pool's admission and shutdown protocol, for the model
 * checker spin (sched/README.md, "Shutdown"; scripts/test.sh runs it).
 *
 *   spin -a sched/shutdown.pml && cc -O2 -o pan pan.c && ./pan -m100000
 *
 * What is modelled, step by step as the code does it (sched/job.c,
 * sched/pool.c, sched/worker.c, sched/inject.c):
 *  - the gate word: a CLOSED bit and a count of unfinished frames plus
 *    callers inside an entry call; an entry adds 2 by CAS unless CLOSED;
 *    the caller drops 1 when it leaves, the finisher of a frame 1;
 *    a decrement that leaves exactly CLOSED wakes the destroyer's futex,
 *    by address only, in a step of its own after the decrement;
 *  - one inbox (take-all) and a root queue per worker; a worker takes the
 *    inbox, keeps one frame and, in a later step, appends the rest to its
 *    root queue; any worker pops any root queue;
 *  - ws_pool_cancel (chosen or not by the destroyer): close, then take the
 *    inbox and pop every root queue, cancelling what it gets;
 *  - ws_pool_destroy: close with one RMW, wait on the futex until the
 *    count is zero (a futex wait returns at once if the word changed since
 *    it was read), set exit, join the workers, free.
 * With -DOLD_ORDER the destroyer waits for the count to reach zero before
 * it closes, the order of 7b23bf3: spin then finds the deadlock that the
 * reproducer destroy_race hit (tests/sched/test_model.sh checks both).
 * Abstracted: sleeping workers (a worker with nothing to do blocks until a
 * queue is non-empty or exit is set; park.c's handshake is argued in its
 * own file and in sched/README.md), and the contents of frames.
 *
 * Checked, over every interleaving of NSUB submitters making PER calls
 * each, NW workers and the destroyer:
 *  - no call that started before ws_pool_destroy returned touches the
 *    pool after it is freed (the futex wake excepted: it reads no memory);
 *  - every admitted frame runs or is cancelled exactly once, and no refused
 *    one does;
 *  - nothing deadlocks: every process reaches its end (spin's invalid end
 *    states), so destroy returns and the workers exit.
 */
#define NSUB 2
#define PER 2
#define NW 2
#define NF 4          /* NSUB * PER frames */
#define CLOSED 128    /* the gate's CLOSED bit; the count is below it */

byte gate = 0;
byte inbox = 0;       /* frames pushed and not taken: a bit each */
byte rq[NW];          /* frames in each worker's root queue */
byte ran[NF];
byte cancelled[NF];
bool admitted[NF];
bool exiting = 0;     /* p->exit */
bool freed = 0;
bool returned = 0;    /* ws_pool_destroy has returned */
bool dwaiting = 0;    /* the destroyer sleeps on the gate's futex */
bool dwoken = 0;
byte workers_done = 0;
byte subs_done = 0;

/* The lowest frame in a set. */
inline lowest(set, f) {
    f = 0;
    do
    :: f < NF && (set & (1 << f)) == 0 -> f++
    :: else -> break
    od
}

/* ws__gate_leave(n): the decrement, then (a step of its own, maybe after
 * the pool is freed) the futex wake by address. */
inline gate_leave(n) {
    atomic {
        assert(!freed);
        gate = gate - n;
        last = (gate == CLOSED)
    }
    if
    :: last -> atomic { if :: dwaiting -> dwoken = 1 :: else -> skip fi }
    :: else -> skip
    fi
}

/* A frame finished: run (by a worker) or cancelled; its count goes. */
inline finish(f, was_run) {
    if
    :: was_run -> ran[f]++
    :: else -> cancelled[f]++
    fi;
    gate_leave(1)
}

proctype Submitter(byte s) {
    byte k = 0;
    byte f;
    bool last;
    do
    :: k < PER ->
        f = s * PER + k;
        /* ws__gate_enter: the call starts here, and must start before
         * ws_pool_destroy returns (the contract). */
        atomic {
            if
            :: returned -> goto done
            :: else -> skip
            fi;
            assert(!freed);
            if
            :: (gate & CLOSED) != 0 -> goto done /* -ESHUTDOWN */
            :: else -> gate = gate + 2; admitted[f] = 1
            fi
        }
        /* ws__inbox_push: one CAS. */
        atomic { assert(!freed); inbox = inbox | (1 << f) }
        gate_leave(1); /* the caller's own count */
        k++
    :: else -> break
    od;
done:
    subs_done++
}

proctype Worker(byte w) {
    byte f, chain, v;
    bool last;
    do
    :: atomic { exiting -> break }
    :: atomic {
           /* pop any root queue (its own or another's) */
           (rq[0] | rq[1]) != 0 && !exiting;
           assert(!freed);
           if
           :: rq[0] != 0 -> v = 0
           :: rq[1] != 0 -> v = 1
           fi;
           lowest(rq[v], f);
           rq[v] = rq[v] & ~(1 << f)
       }
       finish(f, 1)
    :: atomic {
           /* take the whole inbox */
           inbox != 0 && !exiting;
           assert(!freed);
           chain = inbox;
           inbox = 0
       }
       lowest(chain, f);
       chain = chain & ~(1 << f);
       /* the transfer window: the rest is held here until appended */
       atomic { assert(!freed); rq[w] = rq[w] | chain };
       chain = 0;
       finish(f, 1)
    od;
    workers_done++
}

active proctype Destroyer() {
    byte f, v, i;
    bool last;
    /* Start the others here, so that the run/cancel tallies are checked
     * by this process at its end. */
    atomic {
        run Submitter(0);
        run Submitter(1);
        run Worker(0);
        run Worker(1)
    }
    /* ws_pool_cancel first, or not. */
    if
    :: skip
    :: atomic { gate = gate | CLOSED };
        /* take the inbox; cancel each frame */
        atomic { v = inbox; inbox = 0 };
        do
        :: v != 0 -> lowest(v, f); v = v & ~(1 << f); finish(f, 0)
        :: else -> break
        od;
        /* pop every root queue until it is empty */
        i = 0;
        do
        :: i < NW ->
            do
            :: atomic { rq[i] != 0 -> lowest(rq[i], f); rq[i] = rq[i] & ~(1 << f) };
                finish(f, 0)
            :: atomic { rq[i] == 0 -> break }
            od;
            i++
        :: else -> break
        od
    fi;
    /* ws_pool_destroy: close, then wait for the count to reach zero. */
#ifndef OLD_ORDER
    atomic { gate = gate | CLOSED };
#endif
    do
    :: atomic { v = gate };
        if
        :: v == CLOSED || v == 0 -> break
        :: else ->
            /* futex_wait(&gate, v): returns at once if gate != v */
            atomic {
                if
                :: gate != v -> skip
                :: else -> dwaiting = 1
                fi
            };
            if
            :: dwaiting -> atomic { dwoken -> dwaiting = 0; dwoken = 0 }
            :: else -> skip
            fi
        fi
    od;
#ifdef OLD_ORDER
    atomic { gate = gate | CLOSED };
#endif
    exiting = 1;
    workers_done == NW;   /* pthread_join */
    atomic { freed = 1; returned = 1 };

    /* Exactly once, once every submitter has finished its last call. */
    subs_done == NSUB;
    f = 0;
    do
    :: f < NF ->
        assert((admitted[f] -> (ran[f] + cancelled[f] == 1) : (ran[f] + cancelled[f] == 0)));
        f++
    :: else -> break
    od
}
