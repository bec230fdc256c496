/*
 * mpi_wl.h - a workload of the MPI suite (bench/mpi/): its items and
 * callbacks for libwsched-mpi's bag, the static split users write first,
 * and the sequential twin, each checked against a known answer. The trees
 * and boards are wsbench's own (workloads/uts/uts_tree.h,
 * workloads/nqueens/nqueens.h): nothing here is a second UTS or nqueens.
 */
#ifndef WSBENCH_MPI_WL_H
#define WSBENCH_MPI_WL_H

#include <stddef.h>
#include <stdint.h>

#include <wsched_mpi.h>

struct mpi_wl {
    const char *name;           /* "uts", "nqueens" */
    const char *params_default; /* "tree:T1" */
    /* Parses params; every rank prepares the same state. 0 or -EINVAL (err). */
    int (*prepare)(const char *params, void **state, char *err, size_t errlen);
    void (*release)(void *state);
    size_t item_size, result_size;
    const struct ws_mpi_ops *ops;
    /* This rank's initial items (the root on rank 0): *items malloc'd or NULL. */
    int (*roots)(void *state, int rank, void **items, size_t *n);
    /* Static split: the work of share `share` of `shares`, added into result
     * (a reduction identity, zeroed by the caller). Any thread, once a call
     * with share == shares (which does no work) has prepared the split for
     * that many shares. 0 or -errno. */
    int (*static_share)(void *state, unsigned share, unsigned shares, void *result);
    /* The answer's check: 0, or -EPROTO with err naming what is wrong. */
    int (*check)(void *state, const void *result, char *err, size_t errlen);
    /* Tasks (nodes, placements) a result counted. */
    uint64_t (*tasks)(const void *result);
};

extern const struct mpi_wl mpi_wl_uts;
extern const struct mpi_wl mpi_wl_nqueens;

#endif /* WSBENCH_MPI_WL_H */
