/*
 * loop.c - ws_parallel_for: recursive halving over an index range. Each
 * split spawns the upper half and recurses into the lower, so the oldest
 * task on a deque - the one a thief gets - is always the largest.
 */
#include <errno.h>

#include "pool.h"

struct ws__for {
    ws_task task;
    ws_range_fn fn;
    void *arg;
    size_t begin, end, grain;
};

static void ws__for_range(ws_worker *w, ws_head h, ws_range_fn fn, void *arg, size_t begin,
                          size_t end, size_t grain);

static void ws__for_run(ws_worker *w, ws_head h, ws_task *t)
{
    struct ws__for *f = WS_CONTAINER_OF(t, struct ws__for, task);
    ws__for_range(w, h, f->fn, f->arg, f->begin, f->end, f->grain);
}

static void ws__for_range(ws_worker *w, ws_head h, ws_range_fn fn, void *arg, size_t begin,
                          size_t end, size_t grain)
{
    if (end - begin <= grain) {
        fn(w, h, begin, end, arg);
        return;
    }
    size_t mid = begin + (end - begin) / 2;
    struct ws__for upper = {.fn = fn, .arg = arg, .begin = mid, .end = end, .grain = grain};
    h = ws_spawn(w, h, &upper.task, ws__for_run);
    ws__for_range(w, h, fn, arg, begin, mid, grain);
    h = ws_sync(w, h, &upper.task);
}

int ws_parallel_for(ws_worker *w, ws_head h, size_t begin, size_t end, size_t grain, ws_range_fn fn,
                    void *arg)
{
    if (w == NULL || fn == NULL || begin > end)
        return -EINVAL;
    if (begin == end)
        return 0;
    if (grain == 0) {
        /* About eight pieces per worker: enough slack for stealing to
         * balance uneven pieces, few enough to keep overhead small. */
        size_t pieces = (size_t)w->pool->nworkers * 8;
        grain = (end - begin + pieces - 1) / pieces;
        if (grain == 0)
            grain = 1;
    }
    ws__for_range(w, h, fn, arg, begin, end, grain);
    return 0;
}
