/*
 * file.c - the "file" workload: reads of a file set held in the page
 * cache, the IO of a static file server or a build reading its inputs:
 * system calls and memory copies, no device waits. For every executor each
 * task is one piece of one map(): open one file by its path, pread() it in
 * 64 KiB chunks, checksum it, close it.
 *
 * Parameters: files:<1..4096> (default 64), kb:<1..1048576> (each file's
 * size in KiB, default 1024; files x kb at most 4 GiB), tasks:<1..10^6>
 * (default 4 x files; task i reads file i mod files).
 *
 * prepare() makes a private directory under $TMPDIR (or /tmp), writes the
 * files with deterministic content, then reads each back once, which warms
 * the page cache and checks that the disk holds what was written; release()
 * (and any failure of prepare) removes the directory. The known answer of
 * each piece is its file's checksum and size. run->tasks = tasks; each
 * piece's submit-to-done time goes to run->latency.
 *
 * Event-driven: epoll cannot wait for a regular file (a read of the page
 * cache is never "not ready"; epoll_ctl refuses it with EPERM), so each task
 * offloads its read as a blocking call (ev_ops.offload: ws_blocking on
 * stealing-async, a thread of libuv's pool on the event loops), as libuv
 * itself does with every file operation.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/io/io.h"

#define FILE_CHUNK    (64u * 1024) /* bytes per pread() */
#define FILE_PATH_MAX 240          /* a piece's argument carries the path */

struct file_state {
    struct io_head h;
    char dir[FILE_PATH_MAX - 24]; /* room for "/f<index>" */
    uint64_t files, bytes, seed;
    uint64_t *sum; /* sum[f]: file f's checksum */
};

struct file_arg {
    uint32_t id;
    uint32_t file;
    char path[FILE_PATH_MAX];
};

struct file_res {
    uint32_t id;
    uint32_t pad;
    uint64_t sum;
    uint64_t bytes;
};

/*
 * The checksum of a file: four lanes of multiply-xor over its 8-byte words
 * (word w into lane w mod 4), combined at the end. Four independent chains
 * keep it close to memory speed, so a piece's time is the read, not the sum.
 * Files are whole KiB, so whole groups of four words.
 */
struct file_sum {
    uint64_t lane[4];
};

static void file_sum_init(struct file_sum *fs)
{
    for (int k = 0; k < 4; k++)
        fs->lane[k] = (uint64_t)k + 1;
}

static void file_sum_add(struct file_sum *fs, const unsigned char *p, size_t len)
{
    for (size_t off = 0; off + 32 <= len; off += 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, p + off + 8 * (size_t)k, 8);
            fs->lane[k] = (fs->lane[k] ^ w) * UINT64_C(0x9e3779b97f4a7c15);
        }
    }
}

static uint64_t file_sum_end(const struct file_sum *fs)
{
    return wl_mix64(fs->lane[0] ^ wl_mix64(fs->lane[1] ^ wl_mix64(fs->lane[2] ^ fs->lane[3])));
}

/* Reads the whole file at path (expected to be `want` bytes) and checksums it. */
static int file_read_sum(const char *path, uint64_t want, unsigned char *buf, struct file_res *r)
{
    struct file_sum fs;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

    if (fd < 0)
        return -errno;
    file_sum_init(&fs);
    r->bytes = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, FILE_CHUNK, (off_t)r->bytes);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = -errno;
            break;
        }
        if (n == 0)
            break;
        /* A chunk is whole 32-byte groups unless the file was cut short or grew. */
        if (n % 32 != 0 || r->bytes + (uint64_t)n > want) {
            r->bytes += (uint64_t)n;
            break;
        }
        file_sum_add(&fs, buf, (size_t)n);
        r->bytes += (uint64_t)n;
    }
    close(fd);
    r->sum = file_sum_end(&fs);
    return e;
}

/* exec_piece_fn: reads one file; the answer is its checksum and its length. */
static int file_piece(const void *arg, size_t arg_len, void *res, size_t res_cap, size_t *res_len)
{
    struct file_arg a;
    struct file_res r;
    unsigned char *buf;
    int e;

    if ((e = io_piece_start(&a, sizeof(a), arg, arg_len, sizeof(r), res_cap)) != 0)
        return e;
    if (memchr(a.path, '\0', sizeof(a.path)) == NULL)
        return -EINVAL;
    buf = malloc(FILE_CHUNK);
    if (!buf)
        return -ENOMEM;
    e = file_read_sum(a.path, UINT64_MAX, buf, &r);
    free(buf);
    if (e)
        return e;
    r.id = a.id;
    r.pad = 0;
    memcpy(res, &r, sizeof(r));
    *res_len = sizeof(r);
    return 0;
}

/* The event-driven form: one offloaded read. */
struct file_ev {
    char unused;
};

static int file_ev_work(void *arg)
{
    struct io_task *t = arg;
    size_t len;

    return file_piece(t->arg, sizeof(struct file_arg), t->res, sizeof(struct file_res), &len);
}

static void file_ev_read(struct ev_ctx *c, struct ev_req *r, int result)
{
    io_task_finish(c, io_task_of(r), result);
}

static void file_ev_start(struct ev_ctx *c, struct io_task *t)
{
    int e = t->ops->offload(c, &t->req, file_ev_work, t, file_ev_read);

    if (e != 0)
        io_task_finish(c, t, e);
}

static int file_check(const void *state, const void *arg, const void *res, char *why, size_t whylen)
{
    const struct file_state *s = state;
    const struct file_arg *a = arg;
    const struct file_res *r = res;

    if (r->bytes != s->bytes || r->sum != s->sum[a->file]) {
        snprintf(why, whylen,
                 "%s: %" PRIu64 " bytes with checksum %016" PRIx64 ", expected %" PRIu64
                 " with %016" PRIx64,
                 a->path, r->bytes, r->sum, s->bytes, s->sum[a->file]);
        return -EPROTO;
    }
    return 0;
}

static void file_path(const struct file_state *s, uint64_t f, char *path, size_t len)
{
    snprintf(path, len, "%s/f%" PRIu64, s->dir, f);
}

/* File f's content, one chunk at byte offset off (a multiple of 8). */
static void file_content(const struct file_state *s, uint64_t f, uint64_t off, unsigned char *buf,
                         size_t len)
{
    for (size_t j = 0; j < len; j += 8) {
        uint64_t w = wl_mix64(s->seed ^ (f << 40) ^ ((off + j) >> 3));
        memcpy(buf + j, &w, 8);
    }
}

/* Writes file f, recording its checksum. */
static int file_write(struct file_state *s, uint64_t f, unsigned char *buf, char *err,
                      size_t errlen)
{
    char path[FILE_PATH_MAX];
    struct file_sum fs;
    uint64_t off;
    int fd, e = 0;

    file_path(s, f, path, sizeof(path));
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        e = -errno;
        snprintf(err, errlen, "file: cannot create %s: %s", path, strerror(-e));
        return e;
    }
    file_sum_init(&fs);
    for (off = 0; off < s->bytes && e == 0; off += FILE_CHUNK) {
        size_t len = s->bytes - off < FILE_CHUNK ? (size_t)(s->bytes - off) : FILE_CHUNK;
        file_content(s, f, off, buf, len);
        file_sum_add(&fs, buf, len);
        e = io_write_all(fd, buf, len, IO_TIMEOUT_MS);
    }
    if (close(fd) != 0 && e == 0)
        e = -errno;
    if (e)
        snprintf(err, errlen, "file: cannot write %s: %s", path, strerror(-e));
    s->sum[f] = file_sum_end(&fs);
    return e;
}

static void file_fill(const void *state, size_t i, void *arg)
{
    const struct file_state *s = state;
    struct file_arg *a = arg; /* zeroed */

    a->id = (uint32_t)i;
    a->file = (uint32_t)(i % s->files);
    file_path(s, a->file, a->path, sizeof(a->path));
}

static const char *const file_keys[] = {"files", "kb", "tasks", NULL};

/* tasks 0: its default is 4 x files, so file_prepare() reads it. */
static const struct io_desc file_desc = IO_DESC(file, "file", file_keys, 0);

static void file_release(void *state)
{
    struct file_state *s = state;

    if (!s)
        return;
    io_tmpdir_remove(s->dir);
    free(s->sum);
    free(s);
}

static int file_prepare(void **state, const char *params, char *err, size_t errlen)
{
    struct file_state *s;
    unsigned char *buf = NULL;
    uint64_t files, kb, tasks, f;
    int e;

    if (io_params(&file_desc, params, NULL, err, errlen) ||
        wl_param_u64("file", params, "files", 1, 4096, 64, &files, err, errlen) ||
        wl_param_u64("file", params, "kb", 1, 1048576, 1024, &kb, err, errlen) ||
        wl_param_u64("file", params, "tasks", 1, 1000000, 4 * files, &tasks, err, errlen))
        return -EINVAL;
    if (files * kb > UINT64_C(4) * 1024 * 1024) {
        snprintf(err, errlen, "file: files x kb is %" PRIu64 " KiB, more than 4 GiB", files * kb);
        return -EINVAL;
    }
    s = io_state_new(sizeof(*s), &file_desc, params, tasks, err, errlen);
    if (s)
        s->sum = calloc(files, sizeof(*s->sum));
    buf = malloc(FILE_CHUNK);
    if (!s || !s->sum || !buf) {
        snprintf(err, errlen, "file: out of memory");
        e = -ENOMEM;
        goto fail;
    }
    s->files = files;
    s->bytes = kb * 1024;
    s->seed = wl_token();
    e = io_tmpdir_make(s->dir, sizeof(s->dir), sizeof(s->dir), "file");
    if (e) {
        snprintf(err, errlen, "file: cannot make a directory under $TMPDIR or /tmp: %s",
                 strerror(-e));
        goto fail;
    }
    for (f = 0; f < files; f++)
        if ((e = file_write(s, f, buf, err, errlen)) != 0)
            goto fail;
    /* Read everything back once: the page cache holds it, and it is what was written. */
    for (f = 0; f < files; f++) {
        char path[FILE_PATH_MAX];
        struct file_res r;

        file_path(s, f, path, sizeof(path));
        e = file_read_sum(path, s->bytes, buf, &r);
        if (e == 0 && (r.bytes != s->bytes || r.sum != s->sum[f]))
            e = -EIO;
        if (e) {
            snprintf(err, errlen, "file: reading back %s: %s", path, strerror(-e));
            goto fail;
        }
    }
    free(buf);
    *state = s;
    return 0;
fail:
    free(buf);
    file_release(s);
    return e;
}

const struct workload workload_file =
    IO_WORKLOAD("file", "io", "files:64/kb:1024", "files:8/kb:1024", file_prepare, file_release);
