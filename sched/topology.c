/*
 * topology.c - hwloc: the process's cores, worker binding, victim order.
 *
 * The CPU set is the process's binding at pool creation (so `taskset -c 0`
 * gives one core) intersected with the topology's allowed set (cgroups).
 * Workers are bound round-robin to the cores (or hardware threads) of that
 * set. A worker's victims are sorted by the depth of the deepest hwloc object
 * the two workers' places share - the same core, then a shared L2, L3,
 * package or NUMA group, then the machine - and each run of equal depth is a
 * level; thieves try levels in order, starting at a random member of each.
 */
#include "topology.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One level with every other worker: uniform victim choice. */
static void ws__flatten(struct ws__topo *tp)
{
    unsigned n = tp->nworkers;
    if (tp->victims != NULL) {
        for (unsigned i = 0; i < n; i++) {
            uint32_t *row = tp->victims + (size_t)i * (n - 1);
            for (unsigned j = 0, k = 0; j < n; j++)
                if (j != i)
                    row[k++] = j;
            tp->nlevels[i] = n > 1 ? 1 : 0;
            tp->level_end[(size_t)i * n] = n - 1;
        }
    }
}

void ws__topo_fail(struct ws__topo *tp, int err, const char *fmt, ...)
{
    if (tp->error == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tp->message, sizeof(tp->message), fmt, ap);
        va_end(ap);
        tp->error = err;
    }
    /* Without binding, "near" means nothing. */
    ws__flatten(tp);
}

static unsigned ws__affinity_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    return 1;
}

/* Objects of one type that intersect the process's set. */
static unsigned ws__collect(struct ws__topo *tp, hwloc_obj_type_t type, hwloc_obj_t *out,
                            unsigned cap)
{
    unsigned n = 0;
    int total = hwloc_get_nbobjs_by_type(tp->topo, type);
    for (int i = 0; i < total; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(tp->topo, type, (unsigned)i);
        if (o != NULL && o->cpuset != NULL && hwloc_bitmap_intersects(o->cpuset, tp->procset)) {
            if (out != NULL && n < cap)
                out[n] = o;
            n++;
        }
    }
    return n;
}

static int ws__load(struct ws__topo *tp, void *borrowed)
{
    if (borrowed != NULL) {
        tp->topo = (hwloc_topology_t)borrowed;
        tp->owned = false;
    } else {
        if (hwloc_topology_init(&tp->topo) != 0) {
            tp->topo = NULL;
            return -errno;
        }
        if (hwloc_topology_load(tp->topo) != 0) {
            int err = -errno;
            hwloc_topology_destroy(tp->topo);
            tp->topo = NULL;
            return err ? err : -EIO;
        }
        tp->owned = true;
    }
    tp->procset = hwloc_bitmap_alloc();
    if (tp->procset == NULL)
        return -ENOMEM;
    if (hwloc_get_cpubind(tp->topo, tp->procset, HWLOC_CPUBIND_PROCESS) != 0 ||
        hwloc_bitmap_iszero(tp->procset))
        hwloc_bitmap_copy(tp->procset, hwloc_topology_get_allowed_cpuset(tp->topo));
    hwloc_bitmap_and(tp->procset, tp->procset, hwloc_topology_get_allowed_cpuset(tp->topo));
    if (hwloc_bitmap_iszero(tp->procset))
        return -ENODEV;
    return 0;
}

struct ws__by_depth {
    uint32_t id;
    int depth;
};

static int ws__cmp_depth(const void *a, const void *b)
{
    const struct ws__by_depth *x = a, *y = b;
    if (x->depth != y->depth)
        return x->depth > y->depth ? -1 : 1; /* deeper shared object: nearer */
    return x->id < y->id ? -1 : x->id > y->id;
}

static int ws__plan_victims(struct ws__topo *tp, hwloc_obj_t *place)
{
    unsigned n = tp->nworkers;
    if (n < 2)
        return 0;
    struct ws__by_depth *tmp = malloc((n - 1) * sizeof(*tmp));
    if (tmp == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = 0;
        for (unsigned j = 0; j < n; j++) {
            if (j == i)
                continue;
            hwloc_obj_t a = hwloc_get_common_ancestor_obj(tp->topo, place[i], place[j]);
            tmp[k].id = j;
            tmp[k].depth = a != NULL ? a->depth : 0;
            k++;
        }
        qsort(tmp, n - 1, sizeof(*tmp), ws__cmp_depth);
        uint32_t *row = tp->victims + (size_t)i * (n - 1);
        uint32_t *ends = tp->level_end + (size_t)i * n;
        unsigned levels = 0;
        for (unsigned k2 = 0; k2 < n - 1; k2++) {
            row[k2] = tmp[k2].id;
            if (k2 + 1 == n - 1 || tmp[k2 + 1].depth != tmp[k2].depth)
                ends[levels++] = k2 + 1;
        }
        tp->nlevels[i] = levels;
    }
    free(tmp);
    return 0;
}

int ws__topo_init(struct ws__topo *tp, void *borrowed, enum ws_pin_policy pin,
                  enum ws_victim_policy victim, unsigned *nworkers, unsigned cap)
{
    memset(tp, 0, sizeof(*tp));
    int err = ws__load(tp, borrowed);
    hwloc_obj_t *objs = NULL;
    if (err == -ENOMEM)
        return err;
    if (err == 0) {
        tp->ncores = ws__collect(tp, HWLOC_OBJ_CORE, NULL, 0);
        tp->npus = ws__collect(tp, HWLOC_OBJ_PU, NULL, 0);
        tp->nnuma = 0;
        int nn = hwloc_get_nbobjs_by_type(tp->topo, HWLOC_OBJ_NUMANODE);
        for (int i = 0; i < nn; i++) {
            hwloc_obj_t o = hwloc_get_obj_by_type(tp->topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
            if (o != NULL && o->cpuset != NULL && hwloc_bitmap_intersects(o->cpuset, tp->procset))
                tp->nnuma++;
        }
        if (tp->npus == 0)
            err = -ENODEV;
        if (tp->ncores == 0)
            tp->ncores = tp->npus; /* some virtual machines expose no Core objects */
    }
    if (err != 0) {
        tp->ncores = tp->npus = ws__affinity_count();
        tp->nnuma = 1;
    }

    unsigned n = *nworkers ? *nworkers : cap > 0 && cap < tp->ncores ? cap : tp->ncores;
    *nworkers = tp->nworkers = n;
    tp->wcpu = malloc(n * sizeof(*tp->wcpu));
    tp->nlevels = calloc(n, sizeof(*tp->nlevels));
    tp->level_end = calloc((size_t)n * n, sizeof(*tp->level_end));
    tp->victims = calloc((size_t)n * (n > 1 ? n - 1 : 1), sizeof(*tp->victims));
    if (tp->wcpu == NULL || tp->nlevels == NULL || tp->level_end == NULL || tp->victims == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++)
        tp->wcpu[i] = -1;

    if (err != 0) {
        ws__topo_fail(tp, err, "hwloc could not load the topology (%s); running unpinned",
                      strerror(-err));
        return 0;
    }
    if (pin == WS_PIN_NONE) {
        ws__flatten(tp);
        return 0;
    }
    if (!hwloc_topology_is_thissystem(tp->topo)) {
        /* hwloc binds nothing for a synthetic or imported topology, and
         * says it succeeded: refuse to pretend. */
        ws__topo_fail(tp, -ENOSYS,
                      "the hwloc topology is not this machine's (synthetic or imported): "
                      "workers cannot be bound; running unpinned");
        return 0;
    }

    hwloc_obj_type_t type = pin == WS_PIN_PU ? HWLOC_OBJ_PU : HWLOC_OBJ_CORE;
    unsigned nplaces = ws__collect(tp, type, NULL, 0);
    if (nplaces == 0) {
        type = HWLOC_OBJ_PU;
        nplaces = ws__collect(tp, type, NULL, 0);
    }
    objs = malloc(nplaces * sizeof(*objs));
    hwloc_obj_t *place = malloc(n * sizeof(*place));
    tp->wset = calloc(n, sizeof(*tp->wset));
    if (objs == NULL || place == NULL || tp->wset == NULL) {
        free(objs);
        free(place);
        return -ENOMEM;
    }
    ws__collect(tp, type, objs, nplaces);
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        place[i] = objs[i % nplaces];
        tp->wset[i] = hwloc_bitmap_dup(place[i]->cpuset);
        if (tp->wset[i] == NULL) {
            rc = -ENOMEM;
            break;
        }
        hwloc_bitmap_and(tp->wset[i], tp->wset[i], tp->procset);
        tp->wcpu[i] = hwloc_bitmap_first(tp->wset[i]);
    }
    if (rc == 0)
        rc = ws__plan_victims(tp, place);
    if (rc == 0 && victim == WS_VICTIM_RANDOM)
        ws__flatten(tp); /* binding kept, victims uniform */
    free(objs);
    free(place);
    return rc;
}

int ws__topo_bind(struct ws__topo *tp, unsigned id)
{
    if (tp->topo == NULL || tp->wset == NULL || tp->wset[id] == NULL)
        return 0;
    if (hwloc_set_cpubind(tp->topo, tp->wset[id], HWLOC_CPUBIND_THREAD) != 0)
        return errno ? -errno : -EINVAL;
    return 0;
}

void ws__topo_unbind(struct ws__topo *tp)
{
    if (tp->topo != NULL && tp->procset != NULL)
        (void)hwloc_set_cpubind(tp->topo, tp->procset, HWLOC_CPUBIND_THREAD);
}

void ws__topo_destroy(struct ws__topo *tp)
{
    if (tp->wset != NULL) {
        for (unsigned i = 0; i < tp->nworkers; i++)
            hwloc_bitmap_free(tp->wset[i]);
        free(tp->wset);
    }
    free(tp->wcpu);
    free(tp->victims);
    free(tp->level_end);
    free(tp->nlevels);
    if (tp->procset != NULL)
        hwloc_bitmap_free(tp->procset);
    if (tp->owned && tp->topo != NULL)
        hwloc_topology_destroy(tp->topo);
    memset(tp, 0, sizeof(*tp));
}
