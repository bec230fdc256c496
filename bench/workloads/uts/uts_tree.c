/*
 * uts_tree.c - UTS tree parameters, the SHA-1 splittable random numbers and
 * the children-per-node rules; the definitions are in uts_tree.h.
 */
#include "workloads/uts/uts_tree.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct uts_node) == SHA1_DIGEST_LEN + 4, "uts_node has no padding");

const struct uts_sample uts_samples[UTS_NSAMPLES] = {
    {"T1", "-t 1 -a 3 -d 10 -b 4 -r 19", 4130071, 3305118, 10, false},
    {"T2", "-t 1 -a 2 -d 16 -b 6 -r 502", 4117769, 2342762, 81, false},
    {"T3", "-t 0 -b 2000 -q 0.124875 -m 8 -r 42", 4112897, 3599034, 1572, false},
    {"T4", "-t 2 -a 0 -d 16 -b 6 -r 1 -q 0.234375 -m 4", 4132453, 3108986, 134, false},
    {"T5", "-t 1 -a 0 -d 20 -b 4 -r 34", 4147582, 2181318, 20, false},
    /* The large ones: T3L is as deep as a binomial sample gets (17,844). */
    {"T1L", "-t 1 -a 3 -d 13 -b 4 -r 29", 102181082, 81746377, 13, true},
    {"T3L", "-t 0 -b 2000 -q 0.200014 -m 5 -r 7", 111345631, 89076904, 17844, true},
};

const struct uts_sample *uts_sample_find(const char *name)
{
    int i;

    for (i = 0; name && i < UTS_NSAMPLES; i++)
        if (strcmp(name, uts_samples[i].name) == 0)
            return &uts_samples[i];
    return NULL;
}

void uts_params_default(struct uts_params *p)
{
    memset(p, 0, sizeof(*p)); /* no stray padding bytes when p travels as bytes */
    p->type = UTS_GEO;
    p->shape = UTS_LINEAR;
    p->seed = 0;
    p->m = 4;
    p->gen_mx = 6;
    p->gran = 1;
    p->b0 = 4.0;
    p->q = 15.0 / 64.0;
    p->shift = 0.5;
}

/* Fills err (if any) and returns -EINVAL. */
__attribute__((format(printf, 3, 4))) static int uts_fail(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int in_range(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

int uts_params_check(const struct uts_params *p, char *err, size_t errlen)
{
    if (p->type < UTS_BIN || p->type > UTS_BALANCED)
        return uts_fail(err, errlen,
                        "uts: -t %d: tree type must be 0 (BIN), 1 (GEO), 2 (HYBRID) or 3 "
                        "(BALANCED)",
                        (int)p->type);
    if (p->shape < UTS_LINEAR || p->shape > UTS_FIXED)
        return uts_fail(err, errlen,
                        "uts: -a %d: shape must be 0 (LINEAR), 1 (EXPDEC), 2 (CYCLIC) or 3 "
                        "(FIXED)",
                        (int)p->shape);
    if (p->m < 0 || p->m > UTS_MAX_CHILDREN)
        return uts_fail(err, errlen, "uts: -m %d: children of a BIN non-leaf must be in [0, %d]",
                        (int)p->m, UTS_MAX_CHILDREN);
    if (p->gen_mx < 1 || p->gen_mx > UTS_MAX_GEN)
        return uts_fail(err, errlen, "uts: -d %d: depth must be in [1, %d]", (int)p->gen_mx,
                        UTS_MAX_GEN);
    if (p->shape == UTS_EXPDEC && p->gen_mx < 2)
        return uts_fail(err, errlen, "uts: -d %d: the EXPDEC shape (-a 1) needs a depth >= 2",
                        (int)p->gen_mx);
    if (p->gran < 1 || p->gran > UTS_MAX_GRAN)
        return uts_fail(err, errlen, "uts: -g %d: granularity must be in [1, %d]", (int)p->gran,
                        UTS_MAX_GRAN);
    if (!in_range(p->b0, 0.0, UTS_MAX_B0))
        return uts_fail(err, errlen, "uts: -b %g: root branching factor must be in [0, %d]", p->b0,
                        UTS_MAX_B0);
    if (!in_range(p->q, 0.0, 1.0))
        return uts_fail(err, errlen, "uts: -q %g: probability must be in [0, 1]", p->q);
    if (!in_range(p->shift, 0.0, 1.0))
        return uts_fail(err, errlen, "uts: -f %g: shift depth fraction must be in [0, 1]",
                        p->shift);
    return 0;
}

static int parse_int(const char *tok, int32_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(tok, &end, 10);
    if (errno || end == tok || *end || v < INT32_MIN || v > INT32_MAX)
        return -EINVAL;
    *out = (int32_t)v;
    return 0;
}

static int parse_double(const char *tok, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(tok, &end);
    if (errno || end == tok || *end || !isfinite(v))
        return -EINVAL;
    *out = v;
    return 0;
}

#define UTS_TOKEN_MAX 64
#define UTS_SPACES    " \t\n"

/* Copies the next token of *s into tok; 0, 1 at the end, or -EINVAL if too long. */
static int next_token(const char **s, char tok[UTS_TOKEN_MAX])
{
    size_t n;

    *s += strspn(*s, UTS_SPACES);
    n = strcspn(*s, UTS_SPACES);
    if (n == 0)
        return 1;
    if (n >= UTS_TOKEN_MAX)
        return -EINVAL;
    memcpy(tok, *s, n);
    tok[n] = '\0';
    *s += n;
    return 0;
}

int uts_params_parse(struct uts_params *p, const char *spec, char *err, size_t errlen)
{
    const struct uts_sample *sample;
    struct uts_params np;
    char opt[UTS_TOKEN_MAX], val[UTS_TOKEN_MAX];
    int r;

    if (!p || !spec)
        return uts_fail(err, errlen, "uts: no tree given");
    sample = uts_sample_find(spec);
    if (sample)
        spec = sample->spec;
    uts_params_default(&np);
    for (;;) {
        r = next_token(&spec, opt);
        if (r == 1)
            break;
        if (r < 0 || opt[0] != '-' || !opt[1] || opt[2] || !strchr("tarmdgbqf", opt[1]))
            return uts_fail(
                err, errlen,
                "uts: unknown option '%.*s' (a sample T1..T5, T1L, T3L, or options -t -b -r "
                "-m -q -d -a -f -g, each with a value)",
                UTS_TOKEN_MAX, r < 0 ? spec : opt);
        r = next_token(&spec, val);
        if (r == 1)
            return uts_fail(err, errlen, "uts: %s needs a value", opt);
        if (r < 0)
            return uts_fail(err, errlen, "uts: %s: value too long", opt);
        switch (opt[1]) {
        case 't':
            r = parse_int(val, &np.type);
            break;
        case 'a':
            r = parse_int(val, &np.shape);
            break;
        case 'r':
            r = parse_int(val, &np.seed);
            break;
        case 'm':
            r = parse_int(val, &np.m);
            break;
        case 'd':
            r = parse_int(val, &np.gen_mx);
            break;
        case 'g':
            r = parse_int(val, &np.gran);
            break;
        case 'b':
            r = parse_double(val, &np.b0);
            break;
        case 'q':
            r = parse_double(val, &np.q);
            break;
        default: /* 'f' */
            r = parse_double(val, &np.shift);
            break;
        }
        if (r < 0)
            return uts_fail(err, errlen, "uts: %s '%s': not %s", opt, val,
                            strchr("bqf", opt[1]) ? "a finite number" : "a 32-bit integer");
    }
    r = uts_params_check(&np, err, errlen);
    if (r == 0)
        *p = np;
    return r;
}

int uts_tree_init(struct uts_tree *t, const struct uts_params *p, enum sha1_impl impl, char *err,
                  size_t errlen)
{
    int r = uts_params_check(p, err, errlen);

    if (r < 0)
        return r;
    t->sha = sha1_short_get(impl);
    if (!t->sha) {
        if (err && errlen)
            snprintf(err, errlen, "uts: SHA-1 implementation %d is not available on this CPU",
                     (int)impl);
        return -ENOTSUP;
    }
    t->p = *p;
    return 0;
}

static inline void put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

void uts_root(const struct uts_tree *t, struct uts_node *root)
{
    uint8_t msg[SHA1_DIGEST_LEN] = {0};

    put_be32(msg + 16, (uint32_t)t->p.seed);
    t->sha(msg, sizeof(msg), root->state);
    root->height = 0;
}

void uts_child(const struct uts_tree *t, const struct uts_node *parent, int i,
               struct uts_node *child)
{
    uint8_t msg[SHA1_DIGEST_LEN + 4];
    int g;

    memcpy(msg, parent->state, SHA1_DIGEST_LEN);
    put_be32(msg + SHA1_DIGEST_LEN, (uint32_t)i);
    /* -g repeats the same digest: extra work per node, the same tree. */
    for (g = 0; g < t->p.gran; g++)
        t->sha(msg, sizeof(msg), child->state);
    child->height = parent->height + 1;
}

/* The node's uniform draw on [0, 1): 31 bits of its state over 2^31. */
static double uts_prob(const struct uts_node *n)
{
    uint32_t v = (uint32_t)n->state[16] << 24 | (uint32_t)n->state[17] << 16 |
                 (uint32_t)n->state[18] << 8 | (uint32_t)n->state[19];

    return (double)(v & 0x7fffffffu) / 2147483648.0;
}

static int uts_children_bin(const struct uts_params *p, const struct uts_node *n)
{
    return uts_prob(n) < p->q ? p->m : 0;
}

/* The expected branching factor b_h of a GEO node at height h > 0. */
static double uts_geo_mean(const struct uts_params *p, uint32_t h)
{
    double d = (double)p->gen_mx;

    switch (p->shape) {
    case UTS_EXPDEC:
        return p->b0 * pow((double)h, -log(p->b0) / log(d));
    case UTS_CYCLIC:
        if (h > 5 * (uint64_t)p->gen_mx)
            return 0.0;
        /* (2 pi h) / d, in the reference's order, for bit-identical trees. */
        return pow(p->b0, sin(2.0 * 3.141592653589793 * (double)h / d));
    case UTS_FIXED:
        return h < (uint32_t)p->gen_mx ? p->b0 : 0.0;
    default: /* UTS_LINEAR */
        return p->b0 * (1.0 - (double)h / d);
    }
}

static int uts_children_geo(const struct uts_params *p, const struct uts_node *n)
{
    double b = n->height == 0 ? p->b0 : uts_geo_mean(p, n->height);
    double prob = 1.0 / (1.0 + b);
    /* The inverse of the geometric distribution's CDF at the node's draw. */
    double k = floor(log(1.0 - uts_prob(n)) / log(1.0 - prob));

    /* NaN (only from degenerate shapes, e.g. EXPDEC with b0 = 0) and -0 mean none. */
    if (!(k > 0.0))
        return 0;
    return k > UTS_MAX_CHILDREN ? UTS_MAX_CHILDREN : (int)k;
}

int uts_num_children(const struct uts_tree *t, const struct uts_node *n)
{
    const struct uts_params *p = &t->p;

    switch (p->type) {
    case UTS_BIN:
        /* Only the root of a BIN tree exceeds UTS_MAX_CHILDREN: floor(b0) <= UTS_MAX_B0. */
        return n->height == 0 ? (int)floor(p->b0) : uts_children_bin(p, n);
    case UTS_HYBRID:
        if ((double)n->height < p->shift * (double)p->gen_mx)
            return uts_children_geo(p, n);
        return uts_children_bin(p, n);
    case UTS_BALANCED:
        return n->height < (uint32_t)p->gen_mx ? (int)p->b0 : 0;
    default: /* UTS_GEO */
        return uts_children_geo(p, n);
    }
}

int uts_count(const struct uts_tree *t, const struct uts_node *start, uint64_t max_nodes,
              struct uts_count *c)
{
    size_t cap = 1024, top = 0;
    struct uts_node *stack = malloc(cap * sizeof(*stack));
    uint64_t seen = 0;
    int r = 0;

    if (!stack)
        return -ENOMEM;
    stack[top++] = *start;
    while (top) {
        struct uts_node n = stack[--top];
        int k = uts_num_children(t, &n), i;

        if (++seen > max_nodes) {
            r = -EFBIG;
            break;
        }
        c->nodes++;
        if (k == 0)
            c->leaves++;
        if (n.height > c->max_depth)
            c->max_depth = n.height;
        if (cap - top < (size_t)k) {
            size_t ncap = 2 * cap + (size_t)k;
            struct uts_node *ns = realloc(stack, ncap * sizeof(*stack));
            if (!ns) {
                r = -ENOMEM;
                break;
            }
            stack = ns;
            cap = ncap;
        }
        for (i = 0; i < k; i++)
            uts_child(t, &n, i, &stack[top++]);
    }
    free(stack);
    return r;
}

int uts_frontier(const struct uts_tree *t, size_t want, struct uts_count *top,
                 struct uts_node **front, size_t *nfront)
{
    size_t cap = want + UTS_MAX_CHILDREN, head = 0, tail = 0;
    struct uts_node *q = malloc(cap * sizeof(*q));

    if (!q)
        return -ENOMEM;
    uts_root(t, &q[tail++]);
    while (tail > head && tail - head < want) {
        struct uts_node n = q[head++];
        int k = uts_num_children(t, &n), i;

        top->nodes++;
        top->leaves += k == 0;
        if (n.height > top->max_depth)
            top->max_depth = n.height;
        if (cap - tail < (size_t)k) {
            /* Slide the live part down first; grow only if that is not enough. */
            memmove(q, q + head, (tail - head) * sizeof(*q));
            tail -= head;
            head = 0;
            if (cap - tail < (size_t)k) {
                size_t ncap = 2 * cap + (size_t)k;
                struct uts_node *nq = realloc(q, ncap * sizeof(*q));
                if (!nq) {
                    free(q);
                    return -ENOMEM;
                }
                q = nq;
                cap = ncap;
            }
        }
        for (i = 0; i < k; i++)
            uts_child(t, &n, i, &q[tail++]);
    }
    memmove(q, q + head, (tail - head) * sizeof(*q));
    *front = q;
    *nfront = tail - head;
    return 0;
}
