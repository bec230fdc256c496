/*
 * topology.h - where workers run and whom they steal from. Every hwloc call
 * of the library is in topology.c.
 */
#ifndef WS_TOPOLOGY_H
#define WS_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#include <hwloc.h>

#include <wsched.h>

struct ws__topo {
    hwloc_topology_t topo;        /* NULL if hwloc could not load one */
    bool owned;                   /* we loaded it (else borrowed) */
    unsigned ncores, npus, nnuma; /* inside the process's CPU binding */
    unsigned nworkers;
    hwloc_bitmap_t procset; /* the process's binding at creation, or NULL */
    hwloc_bitmap_t *wset;   /* [nworkers] where each worker is bound, or NULL: unpinned */
    int *wcpu;              /* [nworkers] first PU of wset, or -1 */
    uint32_t *victims;      /* [nworkers][nworkers-1] victim ids, nearest level first */
    uint32_t *level_end;    /* [nworkers][nworkers] end of each level in the row above */
    uint32_t *nlevels;      /* [nworkers] */
    int error;              /* 0, or why the pool runs unpinned */
    char message[160];
};

/*
 * Discovers the machine (or uses `borrowed`), resolves the worker count
 * (*nworkers: 0 means one per core, but at most cap if cap > 0) and plans
 * binding and victim order.
 * Returns 0 or -ENOMEM; hwloc failures are not errors: tp->error and
 * tp->message say why the pool runs unpinned.
 */
int ws__topo_init(struct ws__topo *tp, void *borrowed, enum ws_pin_policy pin,
                  enum ws_victim_policy victim, unsigned *nworkers, unsigned cap);
void ws__topo_destroy(struct ws__topo *tp);

/* From worker `id`'s own thread: binds it. 0, or a negative errno. */
int ws__topo_bind(struct ws__topo *tp, unsigned id);
/* From a worker's thread: undoes ws__topo_bind (back to the process's set). */
void ws__topo_unbind(struct ws__topo *tp);
/* Records a binding failure and makes victim order flat (all one level). */
void ws__topo_fail(struct ws__topo *tp, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* WS_TOPOLOGY_H */
