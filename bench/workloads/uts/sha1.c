/*
 * sha1.c - SHA-1 as specified in FIPS 180-4, section 6.1, in portable C.
 *
 * The compression keeps the message schedule as a 16-word ring (W[t] for
 * t >= 16 overwrites W[t - 16]), as FIPS 180-4 section 6.1.3 allows, so one
 * block needs 64 bytes of schedule instead of 320.
 */
#include "workloads/uts/sha1.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define SHA1_HAVE_X86 1
#endif

static const uint32_t sha1_iv[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
                                    0xc3d2e1f0u};

static inline uint32_t rol32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One round: f is the round's logical function of (b, c, d), k its constant. */
#define SHA1_ROUND(f, k, w)                                                                        \
    do {                                                                                           \
        uint32_t t_ = rol32(a, 5) + (f) + e + (k) + (w);                                           \
        e = d;                                                                                     \
        d = c;                                                                                     \
        c = rol32(b, 30);                                                                          \
        b = a;                                                                                     \
        a = t_;                                                                                    \
    } while (0)

/* W[t] for t >= 16, written into the ring slot of W[t - 16]. */
#define SHA1_SCHED(t)                                                                              \
    (w[(t)&15] = rol32(w[((t) + 13) & 15] ^ w[((t) + 8) & 15] ^ w[((t) + 2) & 15] ^ w[(t)&15], 1))

static void sha1_compress(uint32_t h[5], const uint8_t block[SHA1_BLOCK_LEN])
{
    uint32_t w[16];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    int t;

    for (t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (t = 0; t < 16; t++)
        SHA1_ROUND((b & c) | (~b & d), 0x5a827999u, w[t]);
    for (; t < 20; t++)
        SHA1_ROUND((b & c) | (~b & d), 0x5a827999u, SHA1_SCHED(t));
    for (; t < 40; t++)
        SHA1_ROUND(b ^ c ^ d, 0x6ed9eba1u, SHA1_SCHED(t));
    for (; t < 60; t++)
        SHA1_ROUND((b & c) | (b & d) | (c & d), 0x8f1bbcdcu, SHA1_SCHED(t));
    for (; t < 80; t++)
        SHA1_ROUND(b ^ c ^ d, 0xca62c1d6u, SHA1_SCHED(t));

    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

#ifdef SHA1_HAVE_X86
/*
 * The same compression on the SHA extensions (Intel SHA-NI, also on AMD
 * since Zen). The state lives as ABCD in one register, A in the top lane,
 * and E in the top lane of another; each group below is four rounds:
 *   sha1rnds4(abcd, wk, f)  rounds 4i..4i+3 with logical function f = i / 5,
 *                           wk = W[4i..4i+3] with E added to the top lane;
 *   sha1nexte(prev, w)      adds E = rol(A of four rounds earlier, 30) to w;
 *   sha1msg1/sha1msg2       the schedule: W_i = msg2(msg1(W_{i-4}, W_{i-3})
 *                           ^ W_{i-2}, W_{i-1}), four words at a time.
 */
#define SHANI_GROUP(i)                                                                             \
    do {                                                                                           \
        if ((i) >= 4)                                                                              \
            w[(i)&3] = _mm_sha1msg2_epu32(                                                         \
                _mm_xor_si128(_mm_sha1msg1_epu32(w[(i)&3], w[((i) + 1) & 3]), w[((i) + 2) & 3]),   \
                w[((i) + 3) & 3]);                                                                 \
        wk = (i) == 0 ? _mm_add_epi32(e_in, w[0]) : _mm_sha1nexte_epu32(prev, w[(i)&3]);           \
        prev = abcd;                                                                               \
        abcd = _mm_sha1rnds4_epu32(abcd, wk, (i) / 5);                                             \
    } while (0)

__attribute__((target("sha,ssse3,sse4.1"))) static void
sha1_compress_shani(uint32_t h[5], const uint8_t block[SHA1_BLOCK_LEN])
{
    /* Reverses all 16 bytes: big-endian W[0] lands in the top lane. */
    const __m128i bswap = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i abcd_in = _mm_shuffle_epi32(_mm_loadu_si128((const void *)h), 0x1b);
    const __m128i e_in = _mm_set_epi32((int)h[4], 0, 0, 0);
    __m128i abcd = abcd_in, prev = abcd_in, wk, w[4];
    int i;

    for (i = 0; i < 4; i++)
        w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const void *)(block + 16 * i)), bswap);
    SHANI_GROUP(0);
    SHANI_GROUP(1);
    SHANI_GROUP(2);
    SHANI_GROUP(3);
    SHANI_GROUP(4);
    SHANI_GROUP(5);
    SHANI_GROUP(6);
    SHANI_GROUP(7);
    SHANI_GROUP(8);
    SHANI_GROUP(9);
    SHANI_GROUP(10);
    SHANI_GROUP(11);
    SHANI_GROUP(12);
    SHANI_GROUP(13);
    SHANI_GROUP(14);
    SHANI_GROUP(15);
    SHANI_GROUP(16);
    SHANI_GROUP(17);
    SHANI_GROUP(18);
    SHANI_GROUP(19);
    /* After round 79, E is rol(A at the start of the last group, 30). */
    wk = _mm_sha1nexte_epu32(prev, e_in);
    abcd = _mm_add_epi32(abcd, abcd_in);
    _mm_storeu_si128((void *)h, _mm_shuffle_epi32(abcd, 0x1b));
    h[4] = (uint32_t)_mm_extract_epi32(wk, 3);
}
#endif

/*
 * CPU support for the SHA extensions: CPUID leaf 7 EBX bit 29 (SHA), with
 * SSSE3 (leaf 1 ECX bit 9) and SSE4.1 (bit 19) for the shuffles and the
 * extract. Cached: 0 not yet asked, 1 no, 2 yes.
 */
static _Atomic int sha1_shani_cache;

static int sha1_have_shani(void)
{
#ifdef SHA1_HAVE_X86
    /* relaxed: the cache holds a fact about the CPU that every thread computes identically;
     * nothing else is published through it. */
    int v = atomic_load_explicit(&sha1_shani_cache, memory_order_relaxed);
    unsigned a, b, c, d;

    if (v)
        return v == 2;
    v = 1;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 9)) && (c & (1u << 19)) &&
        __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)))
        v = 2;
    /* relaxed: see the load above. */
    atomic_store_explicit(&sha1_shani_cache, v, memory_order_relaxed);
    return v == 2;
#else
    return 0;
#endif
}

int sha1_impl_resolve(enum sha1_impl impl)
{
    switch (impl) {
    case SHA1_IMPL_AUTO:
        return sha1_have_shani() ? SHA1_IMPL_SHANI : SHA1_IMPL_PORTABLE;
    case SHA1_IMPL_PORTABLE:
        return impl;
    case SHA1_IMPL_SHANI:
        return sha1_have_shani() ? (int)impl : -ENOTSUP;
    }
    return -EINVAL;
}

const char *sha1_impl_name(enum sha1_impl impl)
{
    switch (sha1_impl_resolve(impl)) {
    case SHA1_IMPL_PORTABLE:
        return "portable";
    case SHA1_IMPL_SHANI:
        return "shani";
    default:
        return "?";
    }
}

int sha1_init(struct sha1_ctx *c, enum sha1_impl impl)
{
    int r = sha1_impl_resolve(impl);

    if (r < 0)
        return r;
    c->compress = sha1_compress;
#ifdef SHA1_HAVE_X86
    if (r == SHA1_IMPL_SHANI)
        c->compress = sha1_compress_shani;
#endif
    memcpy(c->h, sha1_iv, sizeof(c->h));
    c->bytes = 0;
    c->fill = 0;
    return 0;
}

void sha1_update(struct sha1_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;

    c->bytes += len;
    if (c->fill) {
        size_t take = SHA1_BLOCK_LEN - c->fill;
        if (take > len)
            take = len;
        memcpy(c->buf + c->fill, p, take);
        c->fill += take;
        p += take;
        len -= take;
        if (c->fill < SHA1_BLOCK_LEN)
            return;
        c->compress(c->h, c->buf);
        c->fill = 0;
    }
    for (; len >= SHA1_BLOCK_LEN; p += SHA1_BLOCK_LEN, len -= SHA1_BLOCK_LEN)
        c->compress(c->h, p);
    memcpy(c->buf, p, len);
    c->fill = len;
}

/* The padding of FIPS 180-4 section 5.1.1 ends each message with its length in bits. */
static void sha1_put_length(uint8_t block[SHA1_BLOCK_LEN], uint64_t bytes)
{
    uint64_t bits = bytes * 8;
    int i;

    for (i = 0; i < 8; i++)
        block[SHA1_BLOCK_LEN - 1 - i] = (uint8_t)(bits >> (8 * i));
}

static void sha1_put_digest(uint8_t out[SHA1_DIGEST_LEN], const uint32_t h[5])
{
    int i;

    for (i = 0; i < 5; i++)
        store_be32(out + 4 * i, h[i]);
}

void sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_DIGEST_LEN])
{
    c->buf[c->fill++] = 0x80;
    if (c->fill > SHA1_BLOCK_LEN - 8) {
        memset(c->buf + c->fill, 0, SHA1_BLOCK_LEN - c->fill);
        c->compress(c->h, c->buf);
        c->fill = 0;
    }
    memset(c->buf + c->fill, 0, SHA1_BLOCK_LEN - 8 - c->fill);
    sha1_put_length(c->buf, c->bytes);
    c->compress(c->h, c->buf);
    sha1_put_digest(out, c->h);
}

/* The general path, for a short-message function handed a long message. */
static void sha1_long(enum sha1_impl impl, const void *data, size_t len,
                      uint8_t out[SHA1_DIGEST_LEN])
{
    struct sha1_ctx c;
    int r = sha1_init(&c, impl);

    assert(r == 0); /* the caller came from sha1_short_get(impl), which checked impl */
    (void)r;
    sha1_update(&c, data, len);
    sha1_final(&c, out);
}

typedef void (*sha1_compress_fn)(uint32_t h[5], const uint8_t *block);

/*
 * The one-block digest, with the compression of impl. Always inlined into
 * the wrappers below, so each calls its compression directly.
 */
static inline __attribute__((always_inline)) void sha1_short_with(sha1_compress_fn compress,
                                                                  enum sha1_impl impl,
                                                                  const void *data, size_t len,
                                                                  uint8_t out[SHA1_DIGEST_LEN])
{
    uint8_t block[SHA1_BLOCK_LEN];
    uint32_t h[5];

    if (len > SHA1_SHORT_MAX) {
        sha1_long(impl, data, len, out);
        return;
    }
    memcpy(block, data, len);
    block[len] = 0x80;
    memset(block + len + 1, 0, SHA1_BLOCK_LEN - 8 - (len + 1));
    sha1_put_length(block, len);
    memcpy(h, sha1_iv, sizeof(h));
    compress(h, block);
    sha1_put_digest(out, h);
}

static void sha1_short_portable(const void *data, size_t len, uint8_t out[SHA1_DIGEST_LEN])
{
    sha1_short_with(sha1_compress, SHA1_IMPL_PORTABLE, data, len, out);
}

#ifdef SHA1_HAVE_X86
__attribute__((target("sha,ssse3,sse4.1"))) static void
sha1_short_shani(const void *data, size_t len, uint8_t out[SHA1_DIGEST_LEN])
{
    sha1_short_with(sha1_compress_shani, SHA1_IMPL_SHANI, data, len, out);
}
#endif

sha1_short_fn sha1_short_get(enum sha1_impl impl)
{
    switch (sha1_impl_resolve(impl)) {
    case SHA1_IMPL_PORTABLE:
        return sha1_short_portable;
#ifdef SHA1_HAVE_X86
    case SHA1_IMPL_SHANI:
        return sha1_short_shani;
#endif
    default:
        return NULL;
    }
}
