/*
 * ranks_schema.h - the columns of ranks.csv, the per-rank counters of the
 * MPI suite (bench/mpi/), defined once: wsbench-mpi writes them and
 * wsreport-mpi reads them by the same list. One row per rank per
 * repetition of a benchmark of results.csv (core/schema.h), joined on
 * (name, stat). Counters are libwsched-mpi's (struct ws_mpi_stats); the
 * static split has none but items, wall and idle time.
 */
#ifndef WSBENCH_RANKS_SCHEMA_H
#define WSBENCH_RANKS_SCHEMA_H

/* X(column): every column but the first two (name, stat: text) is an unsigned count. */
#define WSBENCH_RANK_COLUMNS(X)                                                                    \
    X(rank)         /* this rank */                                                                \
    X(ranks)        /* ranks in the job */                                                         \
    X(workers)      /* threads of this rank that processed items */                                \
    X(cores)        /* cores the machine has: ranks x workers above it oversubscribes */           \
    X(items)        /* items processed here */                                                     \
    X(steals)       /* random steal requests sent */                                               \
    X(steals_ok)    /* answered with work */                                                       \
    X(lifelines)    /* lifeline requests sent */                                                   \
    X(lifelines_ok) /* chunks received along lifelines */                                          \
    X(served)       /* chunks given to thieves */                                                  \
    X(refused)      /* steal requests answered no */                                               \
    X(chunks_sent)                                                                                 \
    X(chunks_recv)                                                                                 \
    X(items_sent)                                                                                  \
    X(items_recv)                                                                                  \
    X(bytes_sent) /* every message, control included */                                            \
    X(bytes_recv)                                                                                  \
    X(msgs_sent)                                                                                   \
    X(msgs_recv)                                                                                   \
    X(token_rounds)                                                                                \
    X(polls)                                                                                       \
    X(wall_ns)    /* the run on this rank */                                                       \
    X(idle_ns)    /* thread-time without an item (workers x wall at most) */                       \
    X(passive_ns) /* time the whole rank had no item */

#endif /* WSBENCH_RANKS_SCHEMA_H */
