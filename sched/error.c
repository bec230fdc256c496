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
        return "resource temporarily unavailable (a thread could not be started)";
    case -EDEADLK:
        return "would deadlock: a worker cannot destroy its own pool";
    case -ESHUTDOWN:
        return "the pool is being destroyed";
    default:
        break;
    }
    if (err < 0 && err > -4096) {
        /* strerror's table is static for known codes in glibc; copy nothing. */
        return strerror(-err);
    }
    return "unknown error";
}
