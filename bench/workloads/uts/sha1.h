/*
 * sha1.h - SHA-1 (FIPS 180-4) for UTS's splittable random numbers
 * (bench/uts_tree.c): portable C, and the x86 SHA extensions where the CPU
 * has them.
 *
 * Not for security: SHA-1 is broken for collisions. UTS uses it only as a
 * well-mixed, reproducible function from a parent's state to a child's.
 *
 * Every function may be called from any thread; contexts are not shared.
 */
#ifndef WSBENCH_SHA1_H
#define WSBENCH_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN 20
#define SHA1_BLOCK_LEN  64
#define SHA1_SHORT_MAX  55 /* the longest message that pads into one block */

enum sha1_impl {
    SHA1_IMPL_AUTO = 0, /* the fastest this CPU supports */
    SHA1_IMPL_PORTABLE, /* C, everywhere */
    SHA1_IMPL_SHANI,    /* x86 SHA extensions (sha1rnds4 ...) */
};

/* Resolves SHA1_IMPL_AUTO; returns impl itself if it is supported, else -ENOTSUP. */
int sha1_impl_resolve(enum sha1_impl impl);
/* "portable", "shani", or "?" for a value outside the enum. AUTO is resolved first. */
const char *sha1_impl_name(enum sha1_impl impl);

struct sha1_ctx {
    uint32_t h[5];
    uint64_t bytes; /* message length so far */
    uint8_t buf[SHA1_BLOCK_LEN];
    size_t fill; /* bytes waiting in buf, < SHA1_BLOCK_LEN */
    void (*compress)(uint32_t h[5], const uint8_t *block);
};

/* 0, -EINVAL for an unknown impl, or -ENOTSUP if this CPU lacks it. */
int sha1_init(struct sha1_ctx *c, enum sha1_impl impl);
void sha1_update(struct sha1_ctx *c, const void *data, size_t len);
/* Writes the digest; c must be initialised again before reuse. */
void sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_DIGEST_LEN]);

/*
 * The UTS hot path: the digest of a message of at most SHA1_SHORT_MAX bytes
 * in one compression with no context (longer messages take the general
 * path). sha1_short_get() returns NULL if impl is unknown or unsupported.
 */
typedef void (*sha1_short_fn)(const void *data, size_t len, uint8_t out[SHA1_DIGEST_LEN]);
sha1_short_fn sha1_short_get(enum sha1_impl impl);

#endif /* WSBENCH_SHA1_H */
