/* The smallest libwsched-mpi program: counts the multiples of 7 below 10^6
 * with ranges that split in two, across ranks. The installed-package test
 * (tests/sched/test_install.sh) builds it against the install and runs it
 * under mpirun -np 2. */
#include <stdio.h>
#include <wsched_mpi.h>

struct range {
    long lo, hi;
};

static int process(ws_mpi_ctx *ctx, ws_worker *w, ws_head h, void *item, void *result, void *user)
{
    struct range *r = item;
    long *count = result;
    (void)w; /* no fork-join inside an item here */
    (void)h;
    (void)user;
    if (r->hi - r->lo > 1000) { /* too big: two halves, which idle ranks may steal */
        struct range a = {r->lo, (r->lo + r->hi) / 2}, b = {a.hi, r->hi};
        int e = ws_mpi_push(ctx, &a);
        return e ? e : ws_mpi_push(ctx, &b);
    }
    for (long i = r->lo; i < r->hi; i++)
        *count += i % 7 == 0;
    return 0;
}

static void sum(void *acc, const void *in, size_t size, void *user)
{
    (void)size;
    (void)user;
    *(long *)acc += *(const long *)in;
}

int main(int argc, char **argv)
{
    int level, rank;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &level);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    struct ws_mpi_ops ops = {process, ws_mpi_split_oldest, ws_mpi_merge_append, sum};
    struct ws_mpi_config cfg = WS_MPI_CONFIG_INIT;
    cfg.item_size = sizeof(struct range);
    cfg.result_size = sizeof(long);
    struct range all = {0, 1000000};
    long count = 0;
    int err = ws_mpi_run(MPI_COMM_WORLD, &cfg, &ops, &all, rank == 0, NULL, &count, NULL);
    if (rank == 0)
        printf("multiples of 7 below 10^6: %ld (%s)\n", count, ws_strerror(err));
    MPI_Finalize();
    return err == 0 && count == 142858 ? 0 : 1;
}
