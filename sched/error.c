/*
 * error.c - ws_strerror.
 */
#include <errno.h>
#include <string.h>

#include <wsched.h>

const char *ws_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case -EINVAL:
        return "invalid argument";
    case -ENOMEM:
        return "out of memory";
    case -EAGAIN:
        return "resource temporarily unavailable (a thread could not be started, or 2^30 frames "
               "are unfinished)";
    case -EDEADLK:
        return "would deadlock: a worker cannot destroy its own pool";
    case -ESHUTDOWN:
        return "the pool is shutting down: it admits no new work";
    case -ECANCELED:
        return "cancelled: ws_pool_cancel took it before it ran";
    default:
        break;
    }
    if (err < 0 && err > -4096) {
        /* strerror's table is static for known codes in glibc; copy nothing. */
        return strerror(-err);
    }
    return "unknown error";
}
