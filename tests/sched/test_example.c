#include <stdio.h>
#include <wsched.h>

struct fib {
    ws_task task; /* what ws_spawn queues; lives on the spawner's stack */
    int n;
    long r;
};

/* A task body: f->r = fib(f->n). h is where w's deque is: pass on the newest. */
static void fib(ws_worker *w, ws_head h, ws_task *t)
{
    struct fib *f = WS_CONTAINER_OF(t, struct fib, task);
    struct fib a = {.n = f->n - 1}, b = {.n = f->n - 2};
    f->r = f->n;
    if (f->n < 2)
        return;
    h = ws_spawn(w, h, &a.task, fib); /* a may run on another worker */
    fib(w, h, &b.task);               /* while this one computes b; */
    h = ws_sync(w, h, &a.task);       /* then a is done (run here if nobody stole it) */
    f->r = a.r + b.r;
}

static void root(ws_worker *w, ws_head h, void *arg)
{
    fib(w, h, arg);
}

int main(void)
{
    struct fib f = {.n = 30};
    ws_pool *pool;
    if (ws_pool_create(&pool, NULL) != 0) /* NULL: defaults, one worker per core */
        return 1;
    ws_run(pool, root, &f.task); /* runs root on a worker; returns when all is done */
    ws_pool_destroy(pool);
    printf("fib(30) = %ld\n", f.r);
    return f.r == 832040 ? 0 : 1;
}
