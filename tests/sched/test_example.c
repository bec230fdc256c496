#include <stdio.h>
#include <wsched.h>

struct fib {
    ws_task task; /* what ws_spawn queues; lives on the spawner's stack */
    int n;
    long r;
};

static void fib(ws_worker *w, ws_task *t) /* a task body: f->r = fib(f->n) */
{
    struct fib *f = WS_CONTAINER_OF(t, struct fib, task);
    struct fib a = {.n = f->n - 1}, b = {.n = f->n - 2};
    f->r = f->n;
    if (f->n < 2)
        return;
    ws_spawn(w, &a.task, fib); /* a may run on another worker */
    fib(w, &b.task);           /* while this one computes b; */
    ws_sync(w, &a.task);       /* then a is done (run here if nobody stole it) */
    f->r = a.r + b.r;
}

static void root(ws_worker *w, void *arg)
{
    fib(w, arg);
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
