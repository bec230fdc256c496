/*
 * uts_tree.h - the trees of the Unbalanced Tree Search benchmark (UTS):
 * parameters, SHA-1 splittable random numbers, children per node, and a
 * sequential count.
 *
 * UTS: Olivier, Huan, Liu, Prins, Dinan, Sadayappan, Tseng, "UTS: An
 * Unbalanced Tree Search Benchmark", LCPC 2006. The trees are those of its
 * reference implementation (uts.c, rng/brg_sha1.c), parameter for parameter:
 *
 *   state(root)     = SHA-1(16 zero bytes || seed as 4 bytes big-endian)
 *   state(child i)  = SHA-1(state(parent) || i as 4 bytes big-endian)
 *   rand(node)      = bytes 16..19 of state, big-endian, & 0x7fffffff
 *   prob(node)      = rand / 2^31, in [0, 1)
 *
 * Children of a node at height h (the root has height 0):
 *   BIN     root: floor(b0); below: m if prob < q, else 0.
 *   GEO     geometric with mean b_h: floor(log(1 - prob) / log(1 - p)),
 *           p = 1 / (1 + b_h), b_0 = b0 and below the root, by shape:
 *           LINEAR  b0 * (1 - h / d)
 *           EXPDEC  b0 * h^(-ln b0 / ln d)
 *           CYCLIC  b0^sin(2 pi h / d), and 0 for h > 5 d
 *           FIXED   b0 for h < d, else 0
 *   HYBRID  GEO while h < f * d, BIN below (the BIN root rule never applies).
 *   BALANCED floor(b0) children while h < d.
 * No node but a BIN root or a BALANCED node has more than UTS_MAX_CHILDREN
 * children: larger draws are truncated, as in the reference.
 * All arithmetic is IEEE double in the reference's order of operations,
 * which reproduces the published sample trees exactly.
 *
 * Everything here is reentrant; a struct uts_tree is read-only once built.
 */
#ifndef WSBENCH_UTS_TREE_H
#define WSBENCH_UTS_TREE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "workloads/uts/sha1.h"

enum uts_type { UTS_BIN = 0, UTS_GEO = 1, UTS_HYBRID = 2, UTS_BALANCED = 3 };
enum uts_shape { UTS_LINEAR = 0, UTS_EXPDEC = 1, UTS_CYCLIC = 2, UTS_FIXED = 3 };

#define UTS_MAX_CHILDREN 100          /* the reference's MAXNUMCHILDREN */
#define UTS_MAX_B0       100000       /* our bound on -b: a BIN root has floor(b0) children */
#define UTS_MAX_GEN      100000       /* our bound on -d */
#define UTS_MAX_GRAN     100000       /* our bound on -g */
#define UTS_MAX_NODES    (1ull << 30) /* uts_count() gives up beyond this many nodes */

/* The parameters of one tree; plain data (it crosses process boundaries as bytes). */
struct uts_params {
    int32_t type;   /* -t enum uts_type; default GEO */
    int32_t shape;  /* -a enum uts_shape; default LINEAR */
    int32_t seed;   /* -r root seed; default 0 */
    int32_t m;      /* -m children of a BIN non-leaf; default 4 */
    int32_t gen_mx; /* -d depth parameter d; default 6 */
    int32_t gran;   /* -g SHA-1 evaluations per child (compute granularity); default 1 */
    double b0;      /* -b root branching factor; default 4.0 */
    double q;       /* -q probability that a BIN node is a non-leaf; default 15/64 */
    double shift;   /* -f HYBRID switches GEO -> BIN at depth f * d; default 0.5 */
};

/* A node: its random state and its height. 24 bytes, no padding. */
struct uts_node {
    uint8_t state[SHA1_DIGEST_LEN];
    uint32_t height;
};

/* A (sub)tree's answer. */
struct uts_count {
    uint64_t nodes;
    uint64_t leaves;
    uint64_t max_depth; /* the greatest height seen */
};

/* A tree ready to walk: parameters and the SHA-1 implementation. */
struct uts_tree {
    struct uts_params p;
    sha1_short_fn sha;
};

/* A published sample tree and its answer. */
struct uts_sample {
    const char *name; /* "T1" .. "T5", "T1L", "T3L" */
    const char *spec; /* the reference's command-line arguments */
    uint64_t nodes;
    uint64_t leaves;
    uint64_t max_depth; /* the reference's sample-tree list gives it too */
    bool large;         /* T1L, T3L: 10^8 nodes, seconds per count */
};

#define UTS_NSAMPLES 7
extern const struct uts_sample uts_samples[UTS_NSAMPLES];
/* The sample called name, or NULL. */
const struct uts_sample *uts_sample_find(const char *name);

/* The reference's defaults. */
void uts_params_default(struct uts_params *p);

/*
 * Parses a sample name ("T3") or reference arguments ("-t 0 -b 2000 -q
 * 0.124875 -m 8 -r 42", separated by spaces or tabs) over the defaults.
 * 0, or -EINVAL with a one-line reason in err (if errlen > 0).
 */
int uts_params_parse(struct uts_params *p, const char *spec, char *err, size_t errlen);

/* 0 if p is within the bounds uts_params_parse() enforces, else -EINVAL with err. */
int uts_params_check(const struct uts_params *p, char *err, size_t errlen);

/* 0, -EINVAL (bad params, err filled) or -ENOTSUP (impl not on this CPU). */
int uts_tree_init(struct uts_tree *t, const struct uts_params *p, enum sha1_impl impl, char *err,
                  size_t errlen);

void uts_root(const struct uts_tree *t, struct uts_node *root);
/* The number of children of n, in [0, UTS_MAX_B0]. */
int uts_num_children(const struct uts_tree *t, const struct uts_node *n);
/* Child i of parent (0 <= i < uts_num_children(parent)). */
void uts_child(const struct uts_tree *t, const struct uts_node *parent, int i,
               struct uts_node *child);

/*
 * Counts the subtree under start (inclusive), depth first with a heap stack
 * (no recursion, so any depth is fine), and adds it to *c. 0, -ENOMEM, or
 * -EFBIG once more than max_nodes nodes were seen (c then holds a partial
 * count).
 */
int uts_count(const struct uts_tree *t, const struct uts_node *start, uint64_t max_nodes,
              struct uts_count *c);

/*
 * Expands the tree breadth first from the root until at least want nodes
 * wait (or none do), counting the expanded nodes into *top. On success
 * *front holds the frontier (*nfront nodes, malloc'd: the caller frees
 * it); 0 or -ENOMEM. The frontier's subtrees and *top together are the
 * whole tree: what flat executors and static splits divide.
 */
int uts_frontier(const struct uts_tree *t, size_t want, struct uts_count *top,
                 struct uts_node **front, size_t *nfront);

/* Adds b into a. */
static inline void uts_count_add(struct uts_count *a, const struct uts_count *b)
{
    a->nodes += b->nodes;
    a->leaves += b->leaves;
    if (b->max_depth > a->max_depth)
        a->max_depth = b->max_depth;
}

#endif /* WSBENCH_UTS_TREE_H */
