/*
 * glb.c - between ranks: steal requests and their answers, lifelines, the
 * termination token, and the drain after termination. Everything here runs
 * under mpi_lock (bag.h), on whichever thread polls: a busy worker every
 * WSM_POLL_EVERY items once poll_us has passed, or the thread that called
 * ws_mpi_run (pool mode: while the rank is idle, or as a backstop; inline:
 * the only thread). So MPI is called by one thread at a time, never
 * concurrently: MPI_THREAD_SERIALIZED.
 *
 * The protocol is GLB's (Saraswat, Kambadur, Kodali, Grove, Krishnamoorthy,
 * PPoPP 2011), on point-to-point messages with MPI_Iprobe/MPI_Recv and
 * MPI_Isend, none blocking:
 *   An idle rank sends STEAL to a random other rank and waits for the
 *   answer, WORK or NOWORK; after `attempts` refusals it sends LIFELINE to
 *   each of its lifeline buddies it has not asked yet, and waits. A victim
 *   answers STEAL at once if it can split off work, else NOWORK (a pool
 *   whose workers are busy first asks them to publish, and answers at its
 *   next polls). It answers LIFELINE with work now if it has some, else
 *   remembers the thief and sends it work (LWORK) as soon as it has some.
 *   Lifelines: rank r asks (r + 2^i) mod P, i < ceil(log2 P): every rank is
 *   reachable from any other in ceil(log2 P) lifeline hops, and each rank is
 *   the buddy of at most ceil(log2 P) thieves.
 * Termination is Dijkstra-Safra's token (EWD998) over WORK and LWORK, the
 * only messages that carry items; README.md argues it. Every message is
 * counted by destination, so that after termination each rank can receive
 * exactly what was sent to it (wsm_glb_drain) and no message outlives the
 * run's communicator.
 */
#include "bag.h"
#include "rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WSM_PENDING_POLLS 2 /* polls a steal request may wait for workers to publish */

/* The victim choice (sched/rng.h); plain data under mpi_lock. */
static uint64_t rng_next(struct ws_mpi_ctx *r)
{
    return ws__xorshift64s(&r->rng);
}

int wsm_glb_init(struct ws_mpi_ctx *r)
{
    size_t p = (size_t)r->nranks;
    r->awaiting = -1;
    r->have_token = r->rank == 0;
    r->asked = calloc(p, 1);
    r->lifeline_in = calloc(p, 1);
    r->pending = calloc(p, sizeof(*r->pending));
    r->pending_age = calloc(p, sizeof(*r->pending_age));
    r->sent_to = calloc(p, sizeof(*r->sent_to));
    r->buddies = calloc(64, sizeof(*r->buddies));
    r->chunkbuf = malloc(r->chunk * r->isz);
    r->rcap = r->chunk * r->isz + 64;
    r->rbuf = malloc(r->rcap);
    if (!r->asked || !r->lifeline_in || !r->pending || !r->pending_age || !r->sent_to ||
        !r->buddies || !r->chunkbuf || !r->rbuf)
        return -ENOMEM;
    for (unsigned i = 0; i < 62 && ((uint64_t)1 << i) < p; i++) {
        int b = (int)(((uint64_t)r->rank + ((uint64_t)1 << i)) % p);
        unsigned j = 0;
        while (j < r->nbuddies && r->buddies[j] != b)
            j++;
        if (b != r->rank && j == r->nbuddies)
            r->buddies[r->nbuddies++] = b;
    }
    return 0;
}

void wsm_glb_free(struct ws_mpi_ctx *r)
{
    for (size_t i = 0; i < r->nsends; i++)
        free(r->sends[i].buf);
    free(r->sends);
    free(r->asked);
    free(r->lifeline_in);
    free(r->pending);
    free(r->pending_age);
    free(r->sent_to);
    free(r->buddies);
    free(r->chunkbuf);
    free(r->rbuf);
}

/* ---- sending ------------------------------------------------------------------------------- */

/* Frees the buffers of sends MPI has completed. */
static void reap(struct ws_mpi_ctx *r)
{
    size_t j = 0;
    for (size_t i = 0; i < r->nsends; i++) {
        int done = 0;
        MPI_Test(&r->sends[i].req, &done, MPI_STATUS_IGNORE);
        if (done)
            free(r->sends[i].buf);
        else
            r->sends[j++] = r->sends[i];
    }
    r->nsends = j;
}

/* Sends len bytes of data (copied: buf, if not NULL, is a malloc'd copy
 * the send takes over). Never blocks for the receiver. */
static void send_msg(struct ws_mpi_ctx *r, int dest, int tag, const void *data, size_t len,
                     void *buf)
{
    if (r->nsends == r->capsends) {
        reap(r);
        if (r->nsends == r->capsends) {
            size_t cap = r->capsends ? 2 * r->capsends : 16;
            struct wsm_send *s = realloc(r->sends, cap * sizeof(*s));
            if (s != NULL) {
                r->sends = s;
                r->capsends = cap;
            } else {
                /* No memory for another handle: finish the oldest send. */
                wsm_fail(r, -ENOMEM);
                MPI_Wait(&r->sends[0].req, MPI_STATUS_IGNORE);
                free(r->sends[0].buf);
                r->sends[0] = r->sends[--r->nsends];
            }
        }
    }
    if (buf == NULL && len > 0) {
        buf = malloc(len);
        if (buf == NULL) {
            /* Control messages are small: send them from a static-sized
             * copy the protocol cannot do without. */
            wsm_fail(r, -ENOMEM);
            MPI_Send(data, (int)len, MPI_BYTE, dest, tag, r->comm);
            goto counted;
        }
        memcpy(buf, data, len);
    }
    struct wsm_send *s = &r->sends[r->nsends++];
    s->buf = buf;
    MPI_Isend(buf, (int)len, MPI_BYTE, dest, tag, r->comm, &s->req);
counted:
    r->st.msgs_sent++;
    r->st.bytes_sent += len;
    r->sent_to[dest]++;
}

/* Sends the k items split into chunkbuf to thief, as WORK or LWORK. */
static void send_work(struct ws_mpi_ctx *r, int thief, int tag, size_t k)
{
    size_t len = k * r->isz;
    void *buf = malloc(len);
    if (buf == NULL) {
        /* Keep the items; the thief hears "no work" (a lifeline thief
         * stays owed). */
        if (wsm_bag_merge(r, r->chunkbuf, k) != 0)
            wsm_fail(r, -ENOMEM);
        if (tag == WSM_WORK)
            send_msg(r, thief, WSM_NOWORK, NULL, 0, NULL);
        return;
    }
    memcpy(buf, r->chunkbuf, len);
    send_msg(r, thief, tag, NULL, len, buf);
    r->count++; /* Safra: a basic message sent */
    r->st.served++;
    r->st.chunks_sent++;
    r->st.items_sent += k;
}

/* ---- answering ----------------------------------------------------------------------------- */

static void want_remote_update(struct ws_mpi_ctx *r)
{
    /* relaxed: a hint to busy workers (bag.h). */
    atomic_store_explicit(&r->want_remote, r->npending + r->nlifeline_in > 0, memory_order_relaxed);
}

static bool stopping(const struct ws_mpi_ctx *r)
{
    /* relaxed: a flag; see wsm_fail(). */
    return r->done || atomic_load_explicit(&r->stop, memory_order_relaxed) != 0;
}

static void on_steal(struct ws_mpi_ctx *r, struct wsm_worker *me, int thief)
{
    size_t k = stopping(r) ? 0 : wsm_bag_split(r, me);
    if (k > 0) {
        send_work(r, thief, WSM_WORK, k);
    } else if (r->mode == WS_MPI_POOL && !stopping(r) && !wsm_bag_passive(r)) {
        /* Busy workers hold the items: ask them to publish, answer later. */
        r->pending[r->npending] = thief;
        r->pending_age[r->npending++] = 0;
        want_remote_update(r);
    } else {
        send_msg(r, thief, WSM_NOWORK, NULL, 0, NULL);
        r->st.refused++;
    }
}

static void on_lifeline(struct ws_mpi_ctx *r, struct wsm_worker *me, int thief)
{
    size_t k = stopping(r) ? 0 : wsm_bag_split(r, me);
    if (k > 0) {
        send_work(r, thief, WSM_LWORK, k);
    } else if (!r->lifeline_in[thief]) {
        r->lifeline_in[thief] = 1;
        r->nlifeline_in++;
        want_remote_update(r);
    }
}

static void on_work(struct ws_mpi_ctx *r, int src, int tag, const void *items, size_t len)
{
    size_t k = len / r->isz;
    r->count--;   /* Safra: a basic message received, */
    r->black = 1; /* and this rank may have been passive when the token passed */
    r->st.chunks_recv++;
    r->st.items_recv += k;
    if (tag == WSM_WORK) {
        if (src == r->awaiting)
            r->awaiting = -1;
        r->st.steals_ok++;
    } else {
        r->asked[src] = 0; /* that lifeline is used up: ask again next time */
        r->st.lifelines_ok++;
    }
    r->tries = 0;
    r->dormant = 0;
    /* relaxed: see stopping(). */
    if (atomic_load_explicit(&r->stop, memory_order_relaxed) == 2)
        return; /* aborting: dropped, but counted, so termination still holds */
    int e = wsm_bag_merge(r, items, k);
    if (e != 0)
        wsm_fail(r, e);
}

static void handle(struct ws_mpi_ctx *r, struct wsm_worker *me, int src, int tag, size_t len)
{
    switch (tag) {
    case WSM_STEAL:
        on_steal(r, me, src);
        break;
    case WSM_LIFELINE:
        on_lifeline(r, me, src);
        break;
    case WSM_WORK:
    case WSM_LWORK:
        on_work(r, src, tag, r->rbuf, len);
        break;
    case WSM_NOWORK:
        if (src == r->awaiting)
            r->awaiting = -1;
        break;
    case WSM_TOKEN:
        if (len == sizeof(r->token))
            memcpy(&r->token, r->rbuf, sizeof(r->token));
        r->have_token = 1;
        break;
    case WSM_DONE:
        r->done = 1;
        break;
    case WSM_ABORT:
        atomic_store_explicit(&r->stop, 2, memory_order_relaxed); /* relaxed: see wsm_fail() */
        break;
    default:
        break;
    }
}

/* Receives one message if one is waiting: 1, else 0. blocking: wait for one. */
static int receive(struct ws_mpi_ctx *r, int blocking, int *src, int *tag, size_t *len)
{
    MPI_Status s;
    int flag = 1, n = 0;
    if (blocking)
        MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, r->comm, &s);
    else
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, r->comm, &flag, &s);
    if (!flag)
        return 0;
    MPI_Get_count(&s, MPI_BYTE, &n);
    if ((size_t)n > r->rcap) {
        char *b = realloc(r->rbuf, (size_t)n);
        if (b == NULL) {
            /* Receive it anyway, truncated, so the queue moves on; the run fails. */
            wsm_fail(r, -ENOMEM);
            n = (int)r->rcap;
        } else {
            r->rbuf = b;
            r->rcap = (size_t)n;
        }
    }
    MPI_Recv(r->rbuf, n, MPI_BYTE, s.MPI_SOURCE, s.MPI_TAG, r->comm, MPI_STATUS_IGNORE);
    r->recv_total++;
    r->st.msgs_recv++;
    r->st.bytes_recv += (size_t)n;
    *src = s.MPI_SOURCE;
    *tag = s.MPI_TAG;
    *len = (size_t)n;
    return 1;
}

/* ---- one poll ------------------------------------------------------------------------------ */

/* Serves thieves that wait for this rank's workers to publish. */
static void serve_waiting(struct ws_mpi_ctx *r, struct wsm_worker *me, bool passive)
{
    unsigned j = 0;
    for (unsigned i = 0; i < r->npending; i++) {
        size_t k = stopping(r) ? 0 : wsm_bag_split(r, me);
        if (k > 0) {
            send_work(r, r->pending[i], WSM_WORK, k);
        } else if (passive || stopping(r) || ++r->pending_age[i] >= WSM_PENDING_POLLS) {
            send_msg(r, r->pending[i], WSM_NOWORK, NULL, 0, NULL);
            r->st.refused++;
        } else {
            r->pending[j] = r->pending[i];
            r->pending_age[j++] = r->pending_age[i];
        }
    }
    r->npending = j;
    for (int t = 0; r->nlifeline_in > 0 && !passive && !stopping(r) && t < r->nranks; t++) {
        if (!r->lifeline_in[t])
            continue;
        size_t k = wsm_bag_split(r, me);
        if (k == 0)
            break;
        send_work(r, t, WSM_LWORK, k);
        r->lifeline_in[t] = 0;
        r->nlifeline_in--;
    }
    want_remote_update(r);
}

/* An idle rank's next step: a random steal, or its lifelines. */
static void steal(struct ws_mpi_ctx *r)
{
    if (r->nranks < 2 || r->awaiting >= 0 || r->dormant || stopping(r))
        return;
    if (r->tries < r->attempts) {
        int v = (int)(rng_next(r) % (uint64_t)(r->nranks - 1));
        if (v >= r->rank)
            v++;
        r->awaiting = v;
        r->tries++;
        r->st.steals++;
        send_msg(r, v, WSM_STEAL, NULL, 0, NULL);
        return;
    }
    for (unsigned i = 0; i < r->nbuddies; i++) {
        int b = r->buddies[i];
        if (!r->asked[b]) {
            r->asked[b] = 1;
            r->st.lifelines++;
            send_msg(r, b, WSM_LIFELINE, NULL, 0, NULL);
        }
    }
    r->dormant = 1;
}

/* Safra's token, held by a passive rank: pass it on, or (rank 0) decide. */
static void token(struct ws_mpi_ctx *r)
{
    if (r->rank != 0) {
        r->token.q += r->count;
        r->token.black |= r->black;
        r->black = 0;
        r->have_token = 0;
        r->st.token_rounds++;
        send_msg(r, (r->rank + 1) % r->nranks, WSM_TOKEN, &r->token, sizeof(r->token), NULL);
        return;
    }
    if (r->nranks == 1) {
        r->done = 1; /* one passive rank: no item anywhere, no message in flight */
        return;
    }
    if (r->token_out) {
        /* The token is back: terminated if no rank received work since it
         * passed and every WORK sent has been received. */
        if (!r->black && !r->token.black && r->token.q + r->count == 0) {
            r->done = 1;
            for (int i = 1; i < r->nranks; i++)
                send_msg(r, i, WSM_DONE, NULL, 0, NULL);
            return;
        }
    }
    r->st.token_rounds++;
    r->black = 0;
    r->token.q = 0;
    r->token.black = 0;
    r->token.round++;
    r->have_token = 0;
    r->token_out = 1;
    send_msg(r, 1, WSM_TOKEN, &r->token, sizeof(r->token), NULL);
}

void wsm_progress(struct ws_mpi_ctx *r, struct wsm_worker *me)
{
    int src, tag;
    size_t len;
    if (r->done)
        return; /* terminated: the caller drains, and nobody else calls MPI */
    r->st.polls++;
    reap(r);
    if (atomic_load_explicit(&r->stop, memory_order_relaxed) == 2 && !r->aborted) {
        /* relaxed: see wsm_fail(). Tell every rank once, and drop our items. */
        r->aborted = 1;
        for (int i = 0; i < r->nranks; i++)
            if (i != r->rank)
                send_msg(r, i, WSM_ABORT, NULL, 0, NULL);
    }
    while (!r->done && receive(r, 0, &src, &tag, &len))
        handle(r, me, src, tag, len);
    if (r->done)
        return;
    if (atomic_load_explicit(&r->stop, memory_order_relaxed) == 2)
        wsm_bag_drop(r);
    bool passive = wsm_bag_passive(r);
    serve_waiting(r, me, passive);
    if (!passive)
        return;
    steal(r);
    if (r->have_token)
        token(r);
}

void wsm_poll_maybe(struct ws_mpi_ctx *r, struct wsm_worker *me)
{
    uint64_t now = 0;
    if (me != NULL) {
        now = wsm_now_ns();
        /* relaxed: a time hint; the lock below decides who polls. */
        if (now < atomic_load_explicit(&r->next_poll, memory_order_relaxed))
            return;
    }
    if (pthread_mutex_trylock(&r->mpi_lock) != 0)
        return;
    if (me != NULL)
        atomic_store_explicit(&r->next_poll, now + r->poll_ns, memory_order_relaxed);
    wsm_progress(r, me);
    pthread_mutex_unlock(&r->mpi_lock);
}

int wsm_glb_drain(struct ws_mpi_ctx *r)
{
    uint64_t expect = 0;
    int err = 0, src, tag;
    size_t len;
    /* What every rank sent to this one, summed: after termination nobody
     * sends again, so this is all that will ever arrive. */
    MPI_Reduce_scatter_block(r->sent_to, &expect, 1, MPI_UINT64_T, MPI_SUM, r->comm);
    while (r->recv_total < expect && receive(r, 1, &src, &tag, &len))
        if (tag == WSM_WORK || tag == WSM_LWORK)
            err = -EPROTO; /* work after termination: the detection was wrong */
    for (size_t i = 0; i < r->nsends; i++) {
        MPI_Wait(&r->sends[i].req, MPI_STATUS_IGNORE);
        free(r->sends[i].buf);
    }
    r->nsends = 0;
    return err;
}
