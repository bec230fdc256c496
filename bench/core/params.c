/*
 * util.c - the clock and the parameter parser every part of wsbench uses.
 *
 * Parameters are "key:value" pairs joined by '/', exactly as they appear in
 * benchmark names ("fib/stealing/n:30/workers:2"), so a name can be parsed
 * back into the run it stands for.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec.h"
#include "workloads/workload.h"

uint64_t exec_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Finds "key:" at the start of a '/'-separated field; returns the value's
 * start and sets *len, or NULL. */
static const char *param_find(const char *params, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    const char *p = params;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, '/');
        size_t flen = end ? (size_t)(end - p) : strlen(p);
        if (flen > klen && strncmp(p, key, klen) == 0 && p[klen] == ':') {
            *len = flen - klen - 1;
            return p + klen + 1;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

int param_str(const char *params, const char *key, char *out, size_t outlen)
{
    size_t len;
    if (params == NULL || key == NULL || out == NULL || outlen == 0)
        return -EINVAL;
    const char *v = param_find(params, key, &len);
    if (v == NULL)
        return 1;
    if (len >= outlen)
        return -EINVAL;
    memcpy(out, v, len);
    out[len] = '\0';
    return 0;
}

int param_u64(const char *params, const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char buf[32], *end;
    int r = param_str(params, key, buf, sizeof(buf));
    if (r != 0)
        return r;
    if (buf[0] == '\0' || buf[0] == '-')
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    /* Accept the k/M/G suffixes that make "tasks:1M" readable. */
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1000ull, end++;
    else if (*end == 'M')
        mul = 1000000ull, end++;
    else if (*end == 'G')
        mul = 1000000000ull, end++;
    if (errno != 0 || *end != '\0' || (mul > 1 && v > UINT64_MAX / mul))
        return -EINVAL;
    v *= mul;
    if (v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

int param_double(const char *params, const char *key, double lo, double hi, double *out)
{
    char buf[32], *end;
    int r = param_str(params, key, buf, sizeof(buf));
    if (r != 0)
        return r;
    errno = 0;
    double v = strtod(buf, &end);
    if (buf[0] == '\0' || errno != 0 || *end != '\0' || !isfinite(v) || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

int wl_params_known(const char *wname, const char *params, const char *const *keys, char *err,
                    size_t errlen)
{
    const char *p = params;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, '/');
        size_t flen = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', flen);
        size_t klen = colon ? (size_t)(colon - p) : 0;
        size_t k;

        for (k = 0; colon != NULL && keys[k] != NULL; k++)
            if (strlen(keys[k]) == klen && strncmp(p, keys[k], klen) == 0)
                break;
        if (colon == NULL || keys[k] == NULL) {
            size_t len = (size_t)snprintf(err, errlen, "%s: unknown parameter '%.*s' (knows", wname,
                                          (int)flen, p);
            for (k = 0; keys[k] != NULL && len < errlen; k++)
                len += (size_t)snprintf(err + len, errlen - len, " %s:", keys[k]);
            if (len < errlen)
                snprintf(err + len, errlen - len, ")");
            return -EINVAL;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}
