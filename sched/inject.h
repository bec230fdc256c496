/*
 * inject.h - the queue through which outside threads hand root tasks and
 * jobs to a pool: ck_ring in multi-producer, multi-consumer mode.
 */
#ifndef WS_INJECT_H
#define WS_INJECT_H

#include <stdbool.h>

#include <ck_ring.h>

struct ws__inject {
    struct ck_ring ring;
    struct ck_ring_buffer *buf;
};

int ws__inject_init(struct ws__inject *q, unsigned log2_capacity);
void ws__inject_destroy(struct ws__inject *q);
/* Any thread. False if the queue is full. The item's contents written
 * before the call are visible to whoever pops it. */
bool ws__inject_push(struct ws__inject *q, void *item);
/* Any thread. NULL if empty. */
void *ws__inject_pop(struct ws__inject *q);
/* Any thread. A hint: might the queue hold something? */
bool ws__inject_nonempty(struct ws__inject *q);

#endif /* WS_INJECT_H */
