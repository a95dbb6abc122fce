/*
 * merkle — RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency
 * proofs. Pure: no I/O, no clock, no allocation beyond the caller's
 * arrays; SHA-256 comes from crypto/ (lx_crypto_sha256).
 *
 * The proof generators follow the recursive definitions of §2.1.3.1 (PATH)
 * and §2.1.4.1 (SUBPROOF) literally; subtree roots are computed with a
 * frontier (one perfect subtree per set bit of the size), so MTH of any
 * range costs one hash per leaf and O(log n) memory. The verifiers follow
 * the bit-shifting algorithms of §2.1.3.2 and §2.1.4.2 step by step.
 */
#include "audit/audit.h"
#include "crypto/crypto.h"

#include <string.h>

void
lx_audit_leaf_hash(const void *entry, size_t len,
                   unsigned char out[LX_AUDIT_HASH_BYTES])
{
    static const unsigned char prefix = 0x00;

    lx_crypto_sha256(&prefix, 1, entry, len, out);
}

void
lx_audit_node_hash(const unsigned char left[LX_AUDIT_HASH_BYTES],
                   const unsigned char right[LX_AUDIT_HASH_BYTES],
                   unsigned char out[LX_AUDIT_HASH_BYTES])
{
    unsigned char buf[1 + 2 * LX_AUDIT_HASH_BYTES];

    buf[0] = 0x01;
    memcpy(buf + 1, left, LX_AUDIT_HASH_BYTES);
    memcpy(buf + 1 + LX_AUDIT_HASH_BYTES, right, LX_AUDIT_HASH_BYTES);
    lx_crypto_sha256(buf, sizeof(buf), NULL, 0, out);
}

void
lx_audit_frontier_init(struct lx_audit_frontier *f)
{
    memset(f, 0, sizeof(*f));
}

void
lx_audit_frontier_push(struct lx_audit_frontier *f,
                       const unsigned char leaf[LX_AUDIT_HASH_BYTES])
{
    unsigned char carry[LX_AUDIT_HASH_BYTES];
    int k = 0;

    memcpy(carry, leaf, LX_AUDIT_HASH_BYTES);
    /* Adding one to the size: every set low bit merges into its left
     * neighbour, exactly like a binary carry. */
    while (k < 63 && (f->size >> k) & 1u) {
        lx_audit_node_hash(f->h[k], carry, carry);
        k++;
    }
    memcpy(f->h[k], carry, LX_AUDIT_HASH_BYTES);
    f->size++;
}

void
lx_audit_frontier_root(const struct lx_audit_frontier *f,
                       unsigned char out[LX_AUDIT_HASH_BYTES])
{
    unsigned char acc[LX_AUDIT_HASH_BYTES];
    bool have = false;

    if (f->size == 0) {
        lx_crypto_sha256(NULL, 0, NULL, 0, out); /* MTH({}) = HASH() */
        return;
    }
    /* MTH splits at the largest power of two below n, so the tree of n
     * leaves is its perfect subtrees, largest on the left, folded from the
     * right. */
    for (int k = 0; k < 64; k++) {
        if (!((f->size >> k) & 1u)) {
            continue;
        }
        if (have) {
            lx_audit_node_hash(f->h[k], acc, acc);
        } else {
            memcpy(acc, f->h[k], LX_AUDIT_HASH_BYTES);
            have = true;
        }
    }
    memcpy(out, acc, LX_AUDIT_HASH_BYTES);
}

/* MTH(D[lo:hi]). */
static void
range_root(const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES], uint64_t lo,
           uint64_t hi, unsigned char out[LX_AUDIT_HASH_BYTES])
{
    struct lx_audit_frontier f;

    lx_audit_frontier_init(&f);
    for (uint64_t i = lo; i < hi; i++) {
        lx_audit_frontier_push(&f, leaves[i]);
    }
    lx_audit_frontier_root(&f, out);
}

void
lx_audit_merkle_root(const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES],
                     uint64_t n, unsigned char out[LX_AUDIT_HASH_BYTES])
{
    range_root(leaves, 0, n, out);
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
    uint64_t k = 1;

    while (k << 1 < n) {
        k <<= 1;
    }
    return k;
}

/* Append one hash to the proof; false when it would exceed the maximum. */
static bool
proof_add(unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t *len,
          const unsigned char h[LX_AUDIT_HASH_BYTES])
{
    if (*len >= LX_AUDIT_PROOF_MAX) {
        return false;
    }
    memcpy(proof[*len], h, LX_AUDIT_HASH_BYTES);
    (*len)++;
    return true;
}

/* RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), appended to proof. */
static bool
path(const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES], uint64_t m,
     uint64_t lo, uint64_t hi, unsigned char (*proof)[LX_AUDIT_HASH_BYTES],
     size_t *len)
{
    unsigned char h[LX_AUDIT_HASH_BYTES];
    uint64_t n = hi - lo, k;

    if (n <= 1) {
        return true; /* PATH(0, {d0}) = {} */
    }
    k = split_point(n);
    if (m < k) {
        if (!path(leaves, m, lo, lo + k, proof, len)) {
            return false;
        }
        range_root(leaves, lo + k, hi, h);
    } else {
        if (!path(leaves, m - k, lo + k, hi, proof, len)) {
            return false;
        }
        range_root(leaves, lo, lo + k, h);
    }
    return proof_add(proof, len, h);
}

lx_rc
lx_audit_merkle_inclusion(const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES],
                          uint64_t n, uint64_t index,
                          unsigned char (*proof)[LX_AUDIT_HASH_BYTES],
                          size_t *len)
{
    *len = 0;
    if (index >= n) {
        return LX_EINVAL;
    }
    if (!path(leaves, index, 0, n, proof, len)) {
        return LX_ETOOBIG;
    }
    return LX_OK;
}

/* RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b), appended to proof. */
static bool
subproof(const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES], uint64_t m,
         uint64_t lo, uint64_t hi, bool b,
         unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t *len)
{
    unsigned char h[LX_AUDIT_HASH_BYTES];
    uint64_t n = hi - lo, k;

    if (m == n) {
        if (b) {
            return true;
        }
        range_root(leaves, lo, hi, h);
        return proof_add(proof, len, h);
    }
    k = split_point(n);
    if (m <= k) {
        if (!subproof(leaves, m, lo, lo + k, b, proof, len)) {
            return false;
        }
        range_root(leaves, lo + k, hi, h);
    } else {
        if (!subproof(leaves, m - k, lo + k, hi, false, proof, len)) {
            return false;
        }
        range_root(leaves, lo, lo + k, h);
    }
    return proof_add(proof, len, h);
}

lx_rc
lx_audit_merkle_consistency(const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES],
                            uint64_t n, uint64_t m,
                            unsigned char (*proof)[LX_AUDIT_HASH_BYTES],
                            size_t *len)
{
    *len = 0;
    if (m == 0 || m > n) {
        return LX_EINVAL;
    }
    if (m == n) {
        return LX_OK; /* equal trees: the empty proof */
    }
    if (!subproof(leaves, m, 0, n, true, proof, len)) {
        return LX_ETOOBIG;
    }
    return LX_OK;
}

lx_rc
lx_audit_merkle_inclusion_verify(
    uint64_t index, uint64_t size,
    const unsigned char leaf[LX_AUDIT_HASH_BYTES],
    const unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t len,
    const unsigned char root[LX_AUDIT_HASH_BYTES])
{
    unsigned char r[LX_AUDIT_HASH_BYTES];
    uint64_t fn, sn;

    if (index >= size || len > LX_AUDIT_PROOF_MAX) {
        return LX_EINTEGRITY;
    }
    fn = index;
    sn = size - 1;
    memcpy(r, leaf, LX_AUDIT_HASH_BYTES);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0) {
            return LX_EINTEGRITY;
        }
        if ((fn & 1u) || fn == sn) {
            lx_audit_node_hash(proof[i], r, r);
            if (!(fn & 1u)) {
                while (!(fn & 1u) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            lx_audit_node_hash(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(r, root, LX_AUDIT_HASH_BYTES) != 0) {
        return LX_EINTEGRITY;
    }
    return LX_OK;
}

lx_rc
lx_audit_merkle_consistency_verify(
    uint64_t first, uint64_t second,
    const unsigned char first_root[LX_AUDIT_HASH_BYTES],
    const unsigned char second_root[LX_AUDIT_HASH_BYTES],
    const unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t len)
{
    unsigned char fr[LX_AUDIT_HASH_BYTES], sr[LX_AUDIT_HASH_BYTES];
    const unsigned char *c;
    uint64_t fn, sn;
    size_t i;
    bool pow2;

    if (first == 0 || first > second || len > LX_AUDIT_PROOF_MAX) {
        return LX_EINTEGRITY;
    }
    if (first == second) {
        /* Not covered by the RFC's algorithm: equal sizes need an empty
         * proof and equal roots. */
        if (len != 0 ||
            memcmp(first_root, second_root, LX_AUDIT_HASH_BYTES) != 0) {
            return LX_EINTEGRITY;
        }
        return LX_OK;
    }
    if (len == 0) {
        return LX_EINTEGRITY;
    }
    /* Step 2: a power-of-two first tree is its own first proof node. */
    pow2 = (first & (first - 1)) == 0;
    fn = first - 1;
    sn = second - 1;
    while (fn & 1u) {
        fn >>= 1;
        sn >>= 1;
    }
    c = pow2 ? first_root : proof[0];
    memcpy(fr, c, LX_AUDIT_HASH_BYTES);
    memcpy(sr, c, LX_AUDIT_HASH_BYTES);
    for (i = pow2 ? 0 : 1; i < len; i++) {
        c = proof[i];
        if (sn == 0) {
            return LX_EINTEGRITY;
        }
        if ((fn & 1u) || fn == sn) {
            lx_audit_node_hash(c, fr, fr);
            lx_audit_node_hash(c, sr, sr);
            if (!(fn & 1u)) {
                while (!(fn & 1u) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            lx_audit_node_hash(sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(fr, first_root, LX_AUDIT_HASH_BYTES) != 0 ||
        memcmp(sr, second_root, LX_AUDIT_HASH_BYTES) != 0) {
        return LX_EINTEGRITY;
    }
    return LX_OK;
}
