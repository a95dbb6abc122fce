/*
 * entry — the canonical byte encoding of an audit entry, and base64.
 *
 * Format version 1 (docs/audit.md is the reference; change it only by
 * adding a new version byte):
 *
 *   u8  version = 1
 *   u64 seq              big-endian
 *   i64 time_ms          big-endian two's complement
 *   u8  kind             enum lx_audit_kind
 *   u8  actor_kind       enum lx_actor_kind
 *   i64 actor_id
 *   i64 actor_firm
 *   then eleven fields, each u16 big-endian length + bytes, in this order:
 *   actor_role action resource_type resource_id subject field purpose
 *   decision reason clause request_id
 *
 * Text fields are UTF-8 without a terminator; subject is raw bytes. An
 * absent field is length 0. There is exactly one encoding per entry.
 */
#include "audit/audit.h"

#include <string.h>

#define ENTRY_VERSION 1
#define NFIELDS 11
#define SUBJECT_SLOT 4

static const char *const kind_names[LX_AUDIT_KIND_COUNT_] = {
    [LX_AUDIT_KIND_NONE] = NULL,      [LX_AUDIT_ACCESS] = "access",
    [LX_AUDIT_HANDOVER] = "handover", [LX_AUDIT_DELETION] = "deletion",
    [LX_AUDIT_AUTH] = "auth",         [LX_AUDIT_ADMIN] = "admin",
    [LX_AUDIT_POLICY] = "policy",     [LX_AUDIT_KEY] = "key",
};

static const char *const field_names[NFIELDS] = {
    "actor_role", "action", "resource_type", "resource_id",
    "subject",    "field",  "purpose",       "decision",
    "reason",     "clause", "request_id",
};

const char *
lx_audit_kind_name(enum lx_audit_kind kind)
{
    if ((int)kind <= 0 || kind >= LX_AUDIT_KIND_COUNT_) {
        return NULL;
    }
    return kind_names[kind];
}

enum lx_audit_kind
lx_audit_kind_parse(const char *name, size_t n)
{
    for (int k = 1; k < LX_AUDIT_KIND_COUNT_; k++) {
        if (strlen(kind_names[k]) == n && memcmp(kind_names[k], name, n) == 0) {
            return (enum lx_audit_kind)k;
        }
    }
    return LX_AUDIT_KIND_NONE;
}

static void
put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xffu);
        v >>= 8;
    }
}

static uint64_t
get_u64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

lx_rc
lx_audit_entry_encode(const struct lx_audit_entry *e, struct lx_buf *out,
                      struct lx_err *err)
{
    const char *text[NFIELDS] = {
        e->actor_role, e->action, e->resource_type, e->resource_id,
        NULL,          e->field,  e->purpose,       e->decision,
        e->reason,     e->clause, e->request_id,
    };
    unsigned char head[1 + 8 + 8 + 1 + 1 + 8 + 8];
    size_t start = out->len;
    lx_rc rc;

    if (lx_audit_kind_name(e->kind) == NULL) {
        return lx_err_set(err, LX_EINVAL, "/kind", "unknown audit kind");
    }
    if (e->actor_kind < 0 || e->actor_kind > 255) {
        return lx_err_set(err, LX_EINVAL, "/actor_kind", "out of range");
    }
    head[0] = ENTRY_VERSION;
    put_u64(head + 1, e->seq);
    put_u64(head + 9, (uint64_t)e->time_ms);
    head[17] = (unsigned char)e->kind;
    head[18] = (unsigned char)e->actor_kind;
    put_u64(head + 19, (uint64_t)e->actor_id);
    put_u64(head + 27, (uint64_t)e->actor_firm);
    rc = lx_buf_append(out, head, sizeof(head));
    for (int i = 0; i < NFIELDS && rc == LX_OK; i++) {
        const void *p = text[i];
        size_t n = text[i] != NULL ? strlen(text[i]) : 0;
        unsigned char len2[2];

        if (i == SUBJECT_SLOT) {
            p = e->subject;
            n = e->subject != NULL ? e->subject_len : 0;
            if (n > LX_AUDIT_SUBJECT_MAX) {
                rc = lx_err_set(err, LX_EINVAL, "/subject", "too long");
                break;
            }
        } else if (n > LX_AUDIT_FIELD_MAX) {
            rc = lx_err_set(err, LX_EINVAL, NULL, "field %s too long",
                            field_names[i]);
            break;
        }
        len2[0] = (unsigned char)(n >> 8);
        len2[1] = (unsigned char)(n & 0xffu);
        rc = lx_buf_append(out, len2, 2);
        if (rc == LX_OK && n > 0) {
            rc = lx_buf_append(out, p, n);
        }
    }
    if (rc == LX_ETOOBIG) {
        lx_err_set(err, rc, NULL, "audit entry exceeds the buffer");
    }
    if (rc != LX_OK && out->p != NULL) {
        out->len = start; /* all or nothing */
        out->p[start] = '\0';
    }
    return rc;
}

lx_rc
lx_audit_entry_decode(const void *data, size_t len, char *scratch,
                      size_t scratch_len, struct lx_audit_entry *out,
                      struct lx_err *err)
{
    const unsigned char *p = data;
    const char **text[NFIELDS] = {
        &out->actor_role,
        &out->action,
        &out->resource_type,
        &out->resource_id,
        NULL,
        &out->field,
        &out->purpose,
        &out->decision,
        &out->reason,
        &out->clause,
        &out->request_id,
    };
    size_t off = 35, used = 0;

    memset(out, 0, sizeof(*out));
    if (scratch_len < len + NFIELDS) {
        return lx_err_set(err, LX_EINVAL, NULL, "decode scratch too small");
    }
    if (len < off || p[0] != ENTRY_VERSION) {
        return lx_err_set(err, LX_EINVAL, NULL, "not an audit entry");
    }
    out->seq = get_u64(p + 1);
    out->time_ms = (int64_t)get_u64(p + 9);
    out->kind = (enum lx_audit_kind)p[17];
    if (lx_audit_kind_name(out->kind) == NULL) {
        return lx_err_set(err, LX_EINVAL, "/kind", "unknown audit kind");
    }
    out->actor_kind = p[18];
    out->actor_id = (int64_t)get_u64(p + 19);
    out->actor_firm = (int64_t)get_u64(p + 27);
    for (int i = 0; i < NFIELDS; i++) {
        size_t n;

        if (len - off < 2) {
            return lx_err_set(err, LX_EINVAL, NULL, "entry cut short");
        }
        n = ((size_t)p[off] << 8) | p[off + 1];
        off += 2;
        if (len - off < n) {
            return lx_err_set(err, LX_EINVAL, NULL, "entry cut short");
        }
        if (i == SUBJECT_SLOT) {
            if (n > LX_AUDIT_SUBJECT_MAX) {
                return lx_err_set(err, LX_EINVAL, "/subject", "too long");
            }
            out->subject = n > 0 ? p + off : NULL;
            out->subject_len = n;
        } else {
            if (n > LX_AUDIT_FIELD_MAX || memchr(p + off, 0, n) != NULL) {
                return lx_err_set(err, LX_EINVAL, NULL, "bad field %s",
                                  field_names[i]);
            }
            memcpy(scratch + used, p + off, n);
            scratch[used + n] = '\0';
            *text[i] = scratch + used;
            used += n + 1;
        }
        off += n;
    }
    if (off != len) {
        return lx_err_set(err, LX_EINVAL, NULL, "trailing bytes after entry");
    }
    return LX_OK;
}

/* ---- base64 -------------------------------------------------------------- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

lx_rc
lx_audit_b64_encode(const void *data, size_t n, struct lx_buf *out)
{
    const unsigned char *p = data;
    char q[4];
    lx_rc rc = LX_OK;

    for (size_t i = 0; i < n && rc == LX_OK; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t left = n - i;

        if (left > 1) {
            v |= (uint32_t)p[i + 1] << 8;
        }
        if (left > 2) {
            v |= p[i + 2];
        }
        q[0] = b64_alphabet[(v >> 18) & 63];
        q[1] = b64_alphabet[(v >> 12) & 63];
        q[2] = left > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
        q[3] = left > 2 ? b64_alphabet[v & 63] : '=';
        rc = lx_buf_append(out, q, 4);
    }
    return rc;
}

static int
b64_value(char c)
{
    const char *hit;

    if (c == '\0') {
        return -1;
    }
    hit = strchr(b64_alphabet, c);
    return hit != NULL ? (int)(hit - b64_alphabet) : -1;
}

lx_rc
lx_audit_b64_decode(const char *s, size_t n, unsigned char *out, size_t cap,
                    size_t *outlen)
{
    size_t o = 0;

    *outlen = 0;
    if (n % 4 != 0) {
        return LX_EINVAL;
    }
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        uint32_t w;
        size_t take;

        for (int j = 0; j < 4; j++) {
            if (s[i + j] == '=' && i + 4 == n && j >= 2) {
                v[j] = 0;
                pad++;
                continue;
            }
            if (pad > 0) {
                return LX_EINVAL; /* data after '=' */
            }
            v[j] = b64_value(s[i + j]);
            if (v[j] < 0) {
                return LX_EINVAL;
            }
        }
        w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
            ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        /* Canonical only: the bits under the padding must be zero. */
        if ((pad == 1 && (w & 0xffu) != 0) ||
            (pad == 2 && (w & 0xffffu) != 0)) {
            return LX_EINVAL;
        }
        take = 3 - (size_t)pad;
        if (cap - o < take) {
            return LX_EINVAL;
        }
        out[o] = (unsigned char)(w >> 16);
        if (take > 1) {
            out[o + 1] = (unsigned char)(w >> 8);
        }
        if (take > 2) {
            out[o + 2] = (unsigned char)w;
        }
        o += take;
    }
    *outlen = o;
    return LX_OK;
}
