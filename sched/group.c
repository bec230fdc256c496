/*
 * group.c - task groups: any number of children, then wait for all.
 *
 * A child's frame comes from the spawning worker's arena: a free list of
 * fixed-size frames carved from slabs that live until the pool is freed.
 * The frames of a group are linked newest first, and ws_group_wait syncs
 * them in that order - exactly the LIFO order ws_sync requires - so a group
 * reuses the spawn/sync protocol and its leapfrogging unchanged. The task
 * that spawns into a group also waits on it, so frames are allocated and
 * freed by the same worker, with no synchronisation.
 */
#include <errno.h>
#include <stdlib.h>

#include "pool.h"

#define WS__SLAB_FRAMES 128u

static struct ws__gframe *ws__frame_get(struct ws_worker *w)
{
    struct ws__gframe *f = w->free_frames;
    if (f == NULL) {
        /* A slab: one link word, then frames. */
        char *slab = malloc(sizeof(struct ws__gframe) * (WS__SLAB_FRAMES + 1));
        if (slab == NULL)
            return NULL;
        *(void **)slab = w->slabs;
        w->slabs = slab;
        struct ws__gframe *frames = (struct ws__gframe *)(void *)slab + 1;
        for (unsigned i = 0; i < WS__SLAB_FRAMES; i++) {
            frames[i].next = f;
            f = &frames[i];
        }
    }
    w->free_frames = f->next;
    return f;
}

static void ws__frame_put(struct ws_worker *w, struct ws__gframe *f)
{
    f->next = w->free_frames;
    w->free_frames = f;
}

static void ws__gframe_run(ws_worker *w, ws_head h, ws_task *t)
{
    struct ws__gframe *f = WS_CONTAINER_OF(t, struct ws__gframe, task);
    f->fn(w, h, f->arg);
}

void ws_group_init(ws_group *g)
{
    if (g != NULL) {
        g->ws__head = NULL;
        g->ws__count = 0;
    }
}

int ws_group_spawn(ws_worker *w, ws_head *h, ws_group *g, ws_fn fn, void *arg)
{
    if (w == NULL || h == NULL || g == NULL || fn == NULL)
        return -EINVAL;
    struct ws__gframe *f = ws__frame_get(w);
    if (f == NULL) {
        fn(w, *h, arg); /* no memory for a frame: run the child now */
        return 0;
    }
    f->fn = fn;
    f->arg = arg;
    f->next = g->ws__head;
    g->ws__head = f;
    g->ws__count++;
    *h = ws_spawn(w, *h, &f->task, ws__gframe_run);
    return 0;
}

long ws_group_wait(ws_worker *w, ws_head *h, ws_group *g)
{
    if (w == NULL || h == NULL || g == NULL)
        return -EINVAL;
    long n = 0;
    struct ws__gframe *f = g->ws__head;
    while (f != NULL) {
        struct ws__gframe *next = f->next;
        *h = ws_sync(w, *h, &f->task);
        ws__frame_put(w, f);
        f = next;
        n++;
    }
    g->ws__head = NULL;
    g->ws__count = 0;
    return n;
}
