/*
 * checkpoint — signed tree heads in the C2SP tlog-checkpoint format, as a
 * C2SP signed note with Ed25519 signatures:
 *
 *   <origin>\n
 *   <tree size, decimal>\n
 *   <base64 root hash>\n
 *   \n
 *   — <key name> <base64(key id || signature)>\n      (one or more)
 *
 * The signature covers the body (the first three lines, final newline
 * included). The key id is the first four bytes of SHA-256(key name ||
 * '\n' || 0x01 || public key), 0x01 naming Ed25519. This verifier is
 * strict: no extension lines, canonical numbers and base64, at most
 * LX_AUDIT_NOTE_MAX bytes.
 */
#include "audit/audit.h"
#include "base/utf8.h"
#include "crypto/crypto.h"

#include <stdio.h>
#include <string.h>

#define EM_DASH "\xe2\x80\x94"
#define SIG_PREFIX EM_DASH " "
#define ALG_ED25519 0x01

static const char *const cp_fail_names[] = {
    [LX_AUDIT_CP_OK] = "ok",
    [LX_AUDIT_CP_MALFORMED] = "malformed_checkpoint",
    [LX_AUDIT_CP_UNKNOWN_KEY] = "unknown_key",
    [LX_AUDIT_CP_BAD_SIG] = "bad_signature",
    [LX_AUDIT_CP_RETIRED_KEY] = "retired_key",
    [LX_AUDIT_CP_ORIGIN] = "wrong_origin",
};

const char *
lx_audit_cp_fail_name(enum lx_audit_cp_fail f)
{
    if ((int)f < 0 ||
        (size_t)f >= sizeof(cp_fail_names) / sizeof(*cp_fail_names)) {
        return "unknown";
    }
    return cp_fail_names[f];
}

/* A key name or origin: 1..LX_AUDIT_ORIGIN_MAX bytes, no space, '+' or
 * control character (C2SP: names are non-empty, without spaces or '+'). */
static bool
name_ok(const char *s, size_t n)
{
    if (n == 0 || n > LX_AUDIT_ORIGIN_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '+') {
            return false;
        }
    }
    return true;
}

void
lx_audit_key_id(const char *name, const unsigned char pk[32],
                unsigned char id[LX_AUDIT_KEY_ID_BYTES])
{
    unsigned char tail[2 + 32], h[LX_CRYPTO_SHA256_BYTES];

    tail[0] = '\n';
    tail[1] = ALG_ED25519;
    memcpy(tail + 2, pk, 32);
    lx_crypto_sha256(name, strlen(name), tail, sizeof(tail), h);
    memcpy(id, h, LX_AUDIT_KEY_ID_BYTES);
}

lx_rc
lx_audit_vkey_format(const char *name, const unsigned char pk[32],
                     struct lx_buf *out)
{
    unsigned char id[LX_AUDIT_KEY_ID_BYTES], key[33];
    lx_rc rc;

    if (!name_ok(name, strlen(name))) {
        return LX_EINVAL;
    }
    lx_audit_key_id(name, pk, id);
    key[0] = ALG_ED25519;
    memcpy(key + 1, pk, 32);
    rc = lx_buf_printf(out, "%s+%02x%02x%02x%02x+", name, id[0], id[1], id[2],
                       id[3]);
    if (rc == LX_OK) {
        rc = lx_audit_b64_encode(key, sizeof(key), out);
    }
    return rc;
}

/* Parse a canonical decimal u64 (no sign, no leading zero). */
static bool
parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > 20 || (n > 1 && s[0] == '0')) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

lx_rc
lx_audit_vkey_parse(const char *line, size_t n, struct lx_audit_vkey *out,
                    struct lx_err *err)
{
    const char *p1, *p2, *sp, *end = line + n;
    unsigned char key[40], id[LX_AUDIT_KEY_ID_BYTES];
    size_t klen = 0;

    memset(out, 0, sizeof(*out));
    p1 = memchr(line, '+', n);
    if (p1 == NULL || !name_ok(line, (size_t)(p1 - line))) {
        return lx_err_set(err, LX_EINVAL, NULL, "trust key: bad name");
    }
    memcpy(out->name, line, (size_t)(p1 - line));
    p2 = memchr(p1 + 1, '+', (size_t)(end - p1 - 1));
    if (p2 == NULL || p2 - p1 - 1 != 2 * LX_AUDIT_KEY_ID_BYTES) {
        return lx_err_set(err, LX_EINVAL, NULL, "trust key: bad key id");
    }
    for (int i = 0; i < LX_AUDIT_KEY_ID_BYTES; i++) {
        int hi = lx_hex_digit_lower(p1[1 + 2 * i]),
            lo = lx_hex_digit_lower(p1[2 + 2 * i]);
        if (hi < 0 || lo < 0) {
            return lx_err_set(err, LX_EINVAL, NULL, "trust key: bad key id");
        }
        out->id[i] = (unsigned char)(hi << 4 | lo);
    }
    sp = memchr(p2 + 1, ' ', (size_t)(end - p2 - 1));
    if (lx_audit_b64_decode(p2 + 1, (size_t)((sp ? sp : end) - p2 - 1), key,
                            sizeof(key), &klen) != LX_OK ||
        klen != 33 || key[0] != ALG_ED25519) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "trust key: not an Ed25519 key");
    }
    memcpy(out->pk, key + 1, 32);
    lx_audit_key_id(out->name, out->pk, id);
    if (memcmp(id, out->id, sizeof(id)) != 0) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "trust key: key id does not match the key");
    }
    if (sp != NULL) {
        static const char kw[] = " until=";
        size_t rest = (size_t)(end - sp);
        if (rest <= sizeof(kw) - 1 || memcmp(sp, kw, sizeof(kw) - 1) != 0 ||
            !parse_u64(sp + sizeof(kw) - 1, rest - (sizeof(kw) - 1),
                       &out->until) ||
            out->until == 0) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "trust key: want ' until=N' after the key");
        }
    }
    return LX_OK;
}

/* Append the checkpoint body of 'head'. */
static lx_rc
body_format(const struct lx_audit_head *head, struct lx_buf *out)
{
    lx_rc rc;

    rc = lx_buf_printf(out, "%s\n%llu\n", head->origin,
                       (unsigned long long)head->size);
    if (rc == LX_OK) {
        rc = lx_audit_b64_encode(head->root, LX_AUDIT_HASH_BYTES, out);
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(out, "\n", 1);
    }
    return rc;
}

lx_rc
lx_audit_checkpoint_sign(const struct lx_audit_head *head, const char *key_name,
                         const struct lx_crypto_keys *k, struct lx_buf *out,
                         struct lx_err *err)
{
    unsigned char blob[LX_AUDIT_KEY_ID_BYTES + LX_CRYPTO_SIGNATURE_BYTES];
    size_t start = out->len;
    lx_rc rc;

    if (!name_ok(head->origin, strlen(head->origin))) {
        return lx_err_set(err, LX_EINVAL, "/origin",
                          "origin must be 1-128 bytes without spaces or '+'");
    }
    if (!name_ok(key_name, strlen(key_name))) {
        return lx_err_set(err, LX_EINVAL, "/key_name",
                          "key name must be 1-128 bytes without spaces or '+'");
    }
    rc = body_format(head, out);
    if (rc != LX_OK) {
        goto out;
    }
    lx_audit_key_id(key_name, k->sign_pk, blob);
    lx_crypto_sign(k, out->p + start, out->len - start,
                   blob + LX_AUDIT_KEY_ID_BYTES);
    rc = lx_buf_printf(out, "\n" SIG_PREFIX "%s ", key_name);
    if (rc == LX_OK) {
        rc = lx_audit_b64_encode(blob, sizeof(blob), out);
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(out, "\n", 1);
    }
out:
    if (rc != LX_OK) {
        if (out->p != NULL) {
            out->len = start;
            out->p[start] = '\0';
        }
        return lx_err_set(err, rc, NULL, "checkpoint note exceeds its buffer");
    }
    return LX_OK;
}

/* Parse the three body lines; false when malformed. */
static bool
body_parse(const char *s, size_t n, struct lx_audit_head *head)
{
    const char *l1, *l2, *l3;
    size_t rlen = 0;

    l1 = memchr(s, '\n', n);
    if (l1 == NULL || !name_ok(s, (size_t)(l1 - s))) {
        return false;
    }
    memcpy(head->origin, s, (size_t)(l1 - s));
    head->origin[l1 - s] = '\0';
    l2 = memchr(l1 + 1, '\n', (size_t)(s + n - l1 - 1));
    if (l2 == NULL || !parse_u64(l1 + 1, (size_t)(l2 - l1 - 1), &head->size)) {
        return false;
    }
    l3 = memchr(l2 + 1, '\n', (size_t)(s + n - l2 - 1));
    if (l3 == NULL || l3 + 1 != s + n) {
        return false; /* exactly three lines: no extension lines */
    }
    return lx_audit_b64_decode(l2 + 1, (size_t)(l3 - l2 - 1), head->root,
                               sizeof(head->root), &rlen) == LX_OK &&
           rlen == LX_AUDIT_HASH_BYTES;
}

lx_rc
lx_audit_checkpoint_open(const char *note, size_t n,
                         const struct lx_audit_vkey *trust, size_t ntrust,
                         const char *origin, struct lx_audit_head *head,
                         enum lx_audit_cp_fail *why)
{
    const char *sep = NULL, *p, *end = note + n;
    size_t body_len;
    bool good = false, bad = false, retired = false, any = false;

    memset(head, 0, sizeof(*head));
    *why = LX_AUDIT_CP_MALFORMED;
    if (n > LX_AUDIT_NOTE_MAX || memchr(note, '\0', n) != NULL) {
        return LX_EINTEGRITY;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        if (note[i] == '\n' && note[i + 1] == '\n') {
            sep = note + i;
            break;
        }
    }
    if (sep == NULL) {
        return LX_EINTEGRITY;
    }
    body_len = (size_t)(sep - note) + 1;
    if (!body_parse(note, body_len, head)) {
        return LX_EINTEGRITY;
    }
    for (p = sep + 2; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *name, *sp;
        unsigned char blob[LX_AUDIT_KEY_ID_BYTES + LX_CRYPTO_SIGNATURE_BYTES];
        size_t blen = 0, name_len;

        if (nl == NULL || (size_t)(nl - p) < sizeof(SIG_PREFIX) - 1 ||
            memcmp(p, SIG_PREFIX, sizeof(SIG_PREFIX) - 1) != 0) {
            return LX_EINTEGRITY;
        }
        name = p + sizeof(SIG_PREFIX) - 1;
        sp = memchr(name, ' ', (size_t)(nl - name));
        if (sp == NULL || !name_ok(name, (size_t)(sp - name))) {
            return LX_EINTEGRITY;
        }
        name_len = (size_t)(sp - name);
        /* Signatures of other algorithms are longer or shorter: a line that
         * is not an Ed25519 signature is only an unknown key's. */
        if (lx_audit_b64_decode(sp + 1, (size_t)(nl - sp - 1), blob,
                                sizeof(blob), &blen) != LX_OK) {
            blen = 0;
        }
        any = true;
        for (size_t k = 0; k < ntrust && blen == sizeof(blob); k++) {
            const struct lx_audit_vkey *v = &trust[k];
            if (strlen(v->name) != name_len ||
                memcmp(v->name, name, name_len) != 0 ||
                memcmp(v->id, blob, LX_AUDIT_KEY_ID_BYTES) != 0) {
                continue;
            }
            if (lx_crypto_verify(v->pk, note, body_len,
                                 blob + LX_AUDIT_KEY_ID_BYTES) != LX_OK) {
                bad = true;
            } else if (v->until != 0 && head->size > v->until) {
                retired = true;
            } else {
                good = true;
            }
        }
        p = nl + 1;
    }
    if (!any) {
        return LX_EINTEGRITY; /* a note has at least one signature */
    }
    if (!good) {
        *why = bad       ? LX_AUDIT_CP_BAD_SIG
               : retired ? LX_AUDIT_CP_RETIRED_KEY
                         : LX_AUDIT_CP_UNKNOWN_KEY;
        return LX_EINTEGRITY;
    }
    if (origin != NULL && strcmp(origin, head->origin) != 0) {
        *why = LX_AUDIT_CP_ORIGIN;
        return LX_EINTEGRITY;
    }
    *why = LX_AUDIT_CP_OK;
    return LX_OK;
}
