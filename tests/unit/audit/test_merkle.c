/*
 * test_merkle — the pure parts of audit/: RFC 9162 hashing and proofs
 * (known answers from RFC 6962 / Certificate Transparency, exhaustive
 * generate-verify-mutate over small trees), base64 (RFC 4648 vectors), the
 * canonical entry encoding, and signed checkpoints (C2SP note format).
 */
#include "audit/audit.h"
#include "crypto/crypto.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef unsigned char hash_t[LX_AUDIT_HASH_BYTES];

static void
unhex(const char *s, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

static void
assert_hash_hex(const unsigned char *h, const char *want)
{
    unsigned char w[LX_AUDIT_HASH_BYTES];

    unhex(want, w, sizeof(w));
    assert_memory_equal(h, w, sizeof(w));
}

/* The CT reference leaves (certificate-transparency test vectors). */
static const char *const ct_leaves[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const ct_roots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
ct_leaf_hashes(hash_t *out)
{
    for (size_t i = 0; i < 8; i++) {
        unsigned char d[16];
        size_t n = strlen(ct_leaves[i]) / 2;
        unhex(ct_leaves[i], d, n);
        lx_audit_leaf_hash(d, n, out[i]);
    }
}

static void
test_known_answers(void **state)
{
    struct lx_audit_frontier f;
    hash_t leaves[8], root, proof[LX_AUDIT_PROOF_MAX];
    size_t len = 0;

    (void)state;
    lx_audit_frontier_init(&f);
    lx_audit_frontier_root(&f, root);
    assert_hash_hex(
        root,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ct_leaf_hashes(leaves);
    for (uint64_t n = 1; n <= 8; n++) {
        lx_audit_merkle_root((const hash_t *)leaves, n, root);
        assert_hash_hex(root, ct_roots[n - 1]);
        lx_audit_frontier_push(&f, leaves[n - 1]);
        lx_audit_frontier_root(&f, root);
        assert_hash_hex(root, ct_roots[n - 1]);
    }
    /* CT reference inclusion path of leaf 0 in the tree of 8. */
    assert_int_equal(
        lx_audit_merkle_inclusion((const hash_t *)leaves, 8, 0, proof, &len),
        LX_OK);
    assert_int_equal(len, 3);
    assert_hash_hex(
        proof[0],
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
    assert_hash_hex(
        proof[1],
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
    assert_hash_hex(
        proof[2],
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
}

static void
make_leaves(hash_t *leaves, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char d[32];
        int k = snprintf(d, sizeof(d), "entry %zu", i);
        lx_audit_leaf_hash(d, (size_t)k, leaves[i]);
    }
}

static void
test_inclusion_all(void **state)
{
    enum { N = 33 };
    hash_t leaves[N], root, proof[LX_AUDIT_PROOF_MAX];
    size_t len;

    (void)state;
    make_leaves(leaves, N);
    for (uint64_t n = 1; n <= N; n++) {
        lx_audit_merkle_root((const hash_t *)leaves, n, root);
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(lx_audit_merkle_inclusion((const hash_t *)leaves,
                                                       n, i, proof, &len),
                             LX_OK);
            assert_int_equal(
                lx_audit_merkle_inclusion_verify(
                    i, n, leaves[i], (const hash_t *)proof, len, root),
                LX_OK);
            /* Another leaf, index, size or root, and any flipped bit,
             * a dropped or an added hash: all refused. */
            if (n > 1) {
                assert_int_equal(lx_audit_merkle_inclusion_verify(
                                     i, n, leaves[(i + 1) % n],
                                     (const hash_t *)proof, len, root),
                                 LX_EINTEGRITY);
                assert_int_equal(lx_audit_merkle_inclusion_verify(
                                     (i + 1) % n, n, leaves[i],
                                     (const hash_t *)proof, len, root),
                                 LX_EINTEGRITY);
            }
            assert_int_equal(
                lx_audit_merkle_inclusion_verify(
                    n, n, leaves[i], (const hash_t *)proof, len, root),
                LX_EINTEGRITY);
            for (size_t j = 0; j < len; j++) {
                proof[j][j % 32] ^= 0x80;
                assert_int_equal(
                    lx_audit_merkle_inclusion_verify(
                        i, n, leaves[i], (const hash_t *)proof, len, root),
                    LX_EINTEGRITY);
                proof[j][j % 32] ^= 0x80;
            }
            if (len > 0) {
                assert_int_equal(
                    lx_audit_merkle_inclusion_verify(
                        i, n, leaves[i], (const hash_t *)proof, len - 1, root),
                    LX_EINTEGRITY);
            }
            memcpy(proof[len], leaves[0], sizeof(hash_t));
            assert_int_equal(
                lx_audit_merkle_inclusion_verify(
                    i, n, leaves[i], (const hash_t *)proof, len + 1, root),
                LX_EINTEGRITY);
        }
        assert_int_equal(lx_audit_merkle_inclusion((const hash_t *)leaves, n, n,
                                                   proof, &len),
                         LX_EINVAL);
    }
}

static void
test_consistency_all(void **state)
{
    enum { N = 33 };
    hash_t leaves[N], roots[N + 1], proof[LX_AUDIT_PROOF_MAX];
    size_t len;

    (void)state;
    make_leaves(leaves, N);
    for (uint64_t n = 1; n <= N; n++) {
        lx_audit_merkle_root((const hash_t *)leaves, n, roots[n]);
    }
    for (uint64_t n = 1; n <= N; n++) {
        for (uint64_t m = 1; m <= n; m++) {
            assert_int_equal(lx_audit_merkle_consistency((const hash_t *)leaves,
                                                         n, m, proof, &len),
                             LX_OK);
            assert_int_equal(
                lx_audit_merkle_consistency_verify(m, n, roots[m], roots[n],
                                                   (const hash_t *)proof, len),
                LX_OK);
            if (m == n) {
                assert_int_equal(len, 0);
                continue;
            }
            /* A forked old tree, a wrong new root, wrong sizes, mutations. */
            assert_int_equal(lx_audit_merkle_consistency_verify(
                                 m, n, roots[m == 1 ? 2 : m - 1], roots[n],
                                 (const hash_t *)proof, len),
                             LX_EINTEGRITY);
            assert_int_equal(
                lx_audit_merkle_consistency_verify(m, n, roots[m], roots[n - 1],
                                                   (const hash_t *)proof, len),
                LX_EINTEGRITY);
            assert_int_equal(
                lx_audit_merkle_consistency_verify(m, n, roots[m], roots[n],
                                                   (const hash_t *)proof, 0),
                LX_EINTEGRITY);
            for (size_t j = 0; j < len; j++) {
                proof[j][31 - j % 32] ^= 0x01;
                assert_int_equal(
                    lx_audit_merkle_consistency_verify(
                        m, n, roots[m], roots[n], (const hash_t *)proof, len),
                    LX_EINTEGRITY);
                proof[j][31 - j % 32] ^= 0x01;
            }
        }
        assert_int_equal(lx_audit_merkle_consistency((const hash_t *)leaves, n,
                                                     0, proof, &len),
                         LX_EINVAL);
        assert_int_equal(lx_audit_merkle_consistency((const hash_t *)leaves, n,
                                                     n + 1, proof, &len),
                         LX_EINVAL);
    }
    assert_int_equal(lx_audit_merkle_consistency_verify(
                         0, 4, roots[1], roots[4], (const hash_t *)proof, 1),
                     LX_EINTEGRITY);
    assert_int_equal(lx_audit_merkle_consistency_verify(
                         3, 3, roots[3], roots[2], (const hash_t *)proof, 0),
                     LX_EINTEGRITY);
}

static void
test_base64(void **state)
{
    static const char *const vec[][2] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    static const char *const bad[] = {
        "Zg=", "Zh==", "Zm9=", "Zg==Zg==", "Z===", "Zm9v!A==", "=Zm9"};
    unsigned char out[16];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(vec) / sizeof(*vec); i++) {
        struct lx_buf b = LX_BUF_INIT(64);
        assert_int_equal(lx_audit_b64_encode(vec[i][0], strlen(vec[i][0]), &b),
                         LX_OK);
        assert_string_equal(lx_buf_peek(&b), vec[i][1]);
        assert_int_equal(lx_audit_b64_decode(vec[i][1], strlen(vec[i][1]), out,
                                             sizeof(out), &n),
                         LX_OK);
        assert_int_equal(n, strlen(vec[i][0]));
        assert_memory_equal(out, vec[i][0], n);
        lx_buf_release(&b);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_int_equal(
            lx_audit_b64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n),
            LX_EINVAL);
    }
    assert_int_equal(lx_audit_b64_decode("Zm9vYmFy", 8, out, 5, &n), LX_EINVAL);
}

static void
test_entry_encoding(void **state)
{
    static const unsigned char subj[] = {0xab, 0xcd};
    /* The layout of docs/audit.md, byte for byte. */
    static const unsigned char want[] = {
        0x01,                                           /* version */
        0,    0,    0,    0,    0,    0,    0,    7,    /* seq */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, /* time_ms = -2 */
        0x01,                                           /* kind access */
        0x02,                                           /* actor kind */
        0,    0,    0,    0,    0,    0,    0x01, 0x00, /* actor 256 */
        0,    0,    0,    0,    0,    0,    0,    9,    /* firm */
        0,    1,    'r',                                /* actor_role */
        0,    2,    'r',  'v',                          /* action */
        0,    0,                                        /* resource_type */
        0,    0,                                        /* resource_id */
        0,    2,    0xab, 0xcd,                         /* subject */
        0,    0,    0,    0,    0,    0,                /* field … decision */
        0,    0,                                        /* reason */
        0,    4,    'C',  '4',  '.',  '3',              /* clause */
        0,    0,                                        /* request_id */
    };
    struct lx_audit_entry e = {.seq = 7,
                               .time_ms = -2,
                               .kind = LX_AUDIT_ACCESS,
                               .actor_kind = 2,
                               .actor_id = 256,
                               .actor_firm = 9,
                               .actor_role = "r",
                               .action = "rv",
                               .subject = subj,
                               .subject_len = 2,
                               .clause = "C4.3"};
    struct lx_audit_entry d;
    struct lx_buf b = LX_BUF_INIT(LX_AUDIT_ENTRY_MAX + 1);
    struct lx_err err = {0};
    char scratch[256], big[LX_AUDIT_FIELD_MAX + 2];

    (void)state;
    assert_int_equal(lx_audit_entry_encode(&e, &b, &err), LX_OK);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.p, want, sizeof(want));

    assert_int_equal(
        lx_audit_entry_decode(b.p, b.len, scratch, sizeof(scratch), &d, &err),
        LX_OK);
    assert_int_equal(d.seq, 7);
    assert_int_equal(d.time_ms, -2);
    assert_int_equal(d.kind, LX_AUDIT_ACCESS);
    assert_int_equal(d.actor_id, 256);
    assert_string_equal(d.action, "rv");
    assert_string_equal(d.clause, "C4.3");
    assert_string_equal(d.field, "");
    assert_int_equal(d.subject_len, 2);
    assert_memory_equal(d.subject, subj, 2);

    /* Every prefix and an extra byte are refused. */
    for (size_t n = 0; n < b.len; n++) {
        assert_int_equal(
            lx_audit_entry_decode(b.p, n, scratch, sizeof(scratch), &d, &err),
            LX_EINVAL);
    }
    assert_int_equal(lx_buf_append(&b, "x", 1), LX_OK);
    assert_int_equal(
        lx_audit_entry_decode(b.p, b.len, scratch, sizeof(scratch), &d, &err),
        LX_EINVAL);

    /* Bad input leaves the buffer as it was. */
    lx_buf_reset(&b);
    e.kind = LX_AUDIT_KIND_NONE;
    assert_int_equal(lx_audit_entry_encode(&e, &b, &err), LX_EINVAL);
    assert_string_equal(err.field, "/kind");
    e.kind = LX_AUDIT_KEY;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    e.reason = big;
    assert_int_equal(lx_audit_entry_encode(&e, &b, &err), LX_EINVAL);
    assert_int_equal(b.len, 0);
    e.reason = NULL;
    e.subject_len = LX_AUDIT_SUBJECT_MAX + 1;
    assert_int_equal(lx_audit_entry_encode(&e, &b, &err), LX_EINVAL);
    e.subject_len = 2;
    e.actor_kind = 256;
    assert_int_equal(lx_audit_entry_encode(&e, &b, &err), LX_EINVAL);

    for (int k = 1; k < LX_AUDIT_KIND_COUNT_; k++) {
        const char *name = lx_audit_kind_name((enum lx_audit_kind)k);
        assert_non_null(name);
        assert_int_equal(lx_audit_kind_parse(name, strlen(name)), k);
    }
    assert_int_equal(lx_audit_kind_parse("acces", 5), LX_AUDIT_KIND_NONE);
    assert_null(lx_audit_kind_name(LX_AUDIT_KIND_COUNT_));
    lx_buf_release(&b);
}

/* ---- checkpoints --------------------------------------------------------- */

struct keyfx {
    char dir[64];
    struct lx_crypto_keys *k;
};

static void
keys_new(struct keyfx *f)
{
    struct lx_err err = {0};
    char sub[96];

    snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/lx-audit-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(sub, sizeof(sub), "%s/k", f->dir);
    assert_int_equal(lx_crypto_init(&err), LX_OK);
    assert_int_equal(lx_crypto_keys_create(sub, &err), LX_OK);
    assert_int_equal(lx_crypto_keys_load(sub, &f->k, &err), LX_OK);
}

static void
keys_free(struct keyfx *f)
{
    static const char *const names[] = {"master.key", "signing.key",
                                        "signing.pub"};
    char p[128];

    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s/k/%s", f->dir, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/k", f->dir);
    rmdir(p);
    rmdir(f->dir);
    lx_crypto_keys_free(f->k);
}

static void
vkey_of(const char *name, const unsigned char pk[32], struct lx_audit_vkey *v)
{
    struct lx_buf b = LX_BUF_INIT(512);
    struct lx_err err = {0};

    assert_int_equal(lx_audit_vkey_format(name, pk, &b), LX_OK);
    assert_int_equal(lx_audit_vkey_parse(b.p, b.len, v, &err), LX_OK);
    assert_string_equal(v->name, name);
    assert_memory_equal(v->pk, pk, 32);
    lx_buf_release(&b);
}

static enum lx_audit_cp_fail
open_why(const char *note, size_t n, const struct lx_audit_vkey *trust,
         size_t ntrust, const char *origin)
{
    struct lx_audit_head h;
    enum lx_audit_cp_fail why = LX_AUDIT_CP_OK;
    lx_rc rc =
        lx_audit_checkpoint_open(note, n, trust, ntrust, origin, &h, &why);

    assert_true((rc == LX_OK) == (why == LX_AUDIT_CP_OK));
    return why;
}

static void
test_checkpoint(void **state)
{
    struct keyfx a, b;
    struct lx_audit_head head = {.origin = "lexgate/test", .size = 42}, got;
    struct lx_audit_vkey trust[2];
    struct lx_buf note = LX_BUF_INIT(LX_AUDIT_NOTE_MAX);
    struct lx_err err = {0};
    enum lx_audit_cp_fail why;
    char *copy;

    (void)state;
    keys_new(&a);
    keys_new(&b);
    for (int i = 0; i < 32; i++) {
        head.root[i] = (unsigned char)i;
    }
    assert_int_equal(
        lx_audit_checkpoint_sign(&head, "lexgate/test", a.k, &note, &err),
        LX_OK);
    assert_true(strncmp(note.p,
                        "lexgate/test\n42\n"
                        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n"
                        "\xe2\x80\x94 lexgate/test ",
                        16 + 45 + 1 + 17) == 0);
    vkey_of("lexgate/test", a.k->sign_pk, &trust[0]);
    vkey_of("lexgate/test", b.k->sign_pk, &trust[1]);

    assert_int_equal(lx_audit_checkpoint_open(note.p, note.len, trust, 1,
                                              "lexgate/test", &got, &why),
                     LX_OK);
    assert_int_equal(got.size, 42);
    assert_memory_equal(got.root, head.root, 32);
    assert_string_equal(got.origin, "lexgate/test");

    /* Only b trusted: a's signature is an unknown key's. */
    assert_int_equal(open_why(note.p, note.len, &trust[1], 1, NULL),
                     LX_AUDIT_CP_UNKNOWN_KEY);
    assert_int_equal(open_why(note.p, note.len, trust, 0, NULL),
                     LX_AUDIT_CP_UNKNOWN_KEY);
    /* Another origin. */
    assert_int_equal(open_why(note.p, note.len, trust, 1, "lexgate/other"),
                     LX_AUDIT_CP_ORIGIN);
    /* Retired before this size; still fine for an old enough size. */
    trust[0].until = 41;
    assert_int_equal(open_why(note.p, note.len, trust, 1, NULL),
                     LX_AUDIT_CP_RETIRED_KEY);
    trust[0].until = 42;
    assert_int_equal(open_why(note.p, note.len, trust, 1, NULL),
                     LX_AUDIT_CP_OK);
    trust[0].until = 0;

    /* b signs under a's name: the key id differs, so it is unknown; with
     * a's id copied in, the signature is bad. */
    copy = malloc(note.len + 1);
    memcpy(copy, note.p, note.len + 1);
    copy[14] = '3'; /* size 42 -> 43: the signature no longer matches */
    assert_int_equal(open_why(copy, note.len, trust, 1, NULL),
                     LX_AUDIT_CP_BAD_SIG);
    memcpy(copy, note.p, note.len + 1);
    copy[20] ^= 0x01; /* inside the base64 root */
    assert_int_not_equal(open_why(copy, note.len, trust, 1, NULL),
                         LX_AUDIT_CP_OK);
    memcpy(copy, note.p, note.len + 1);
    copy[note.len - 5] = copy[note.len - 5] == 'A' ? 'B' : 'A';
    assert_int_not_equal(open_why(copy, note.len, trust, 1, NULL),
                         LX_AUDIT_CP_OK);
    /* Every single-byte change of the note is refused. */
    for (size_t i = 0; i < note.len; i++) {
        memcpy(copy, note.p, note.len + 1);
        copy[i] ^= 0x20;
        assert_int_not_equal(open_why(copy, note.len, trust, 1, NULL),
                             LX_AUDIT_CP_OK);
    }
    /* Truncations are malformed or unsigned. */
    for (size_t n = 0; n < note.len; n++) {
        assert_int_not_equal(open_why(note.p, n, trust, 1, NULL),
                             LX_AUDIT_CP_OK);
    }
    free(copy);

    /* Malformed bodies. */
    assert_int_equal(open_why("x\n1\n\n", 5, trust, 1, NULL),
                     LX_AUDIT_CP_MALFORMED);
    assert_int_equal(open_why("x\n01\nAA==\n\n", 11, trust, 1, NULL),
                     LX_AUDIT_CP_MALFORMED);

    /* A bad origin is refused when signing. */
    memcpy(head.origin, "has space", 10);
    lx_buf_reset(&note);
    assert_int_equal(lx_audit_checkpoint_sign(&head, "k", a.k, &note, &err),
                     LX_EINVAL);
    assert_int_equal(note.len, 0);

    /* vkey lines: a wrong id, a wrong algorithm and a bad suffix. */
    {
        struct lx_audit_vkey v;
        struct lx_buf line = LX_BUF_INIT(512);
        assert_int_equal(lx_audit_vkey_format("n", a.k->sign_pk, &line), LX_OK);
        char keep = line.p[2];
        line.p[2] = keep == '0' ? '1' : '0';
        assert_int_equal(lx_audit_vkey_parse(line.p, line.len, &v, &err),
                         LX_EINVAL);
        line.p[2] = keep;
        assert_int_equal(lx_buf_append_str(&line, " until=7"), LX_OK);
        assert_int_equal(lx_audit_vkey_parse(line.p, line.len, &v, &err),
                         LX_OK);
        assert_int_equal(v.until, 7);
        assert_int_equal(lx_buf_append_str(&line, "x"), LX_OK);
        assert_int_equal(lx_audit_vkey_parse(line.p, line.len, &v, &err),
                         LX_EINVAL);
        lx_buf_release(&line);
    }

    lx_buf_release(&note);
    keys_free(&a);
    keys_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_inclusion_all),
        cmocka_unit_test(test_consistency_all),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_entry_encoding),
        cmocka_unit_test(test_checkpoint),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
