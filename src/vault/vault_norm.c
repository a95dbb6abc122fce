/* vault_norm — names of the vault's enums and the blind-index value
 * normalisation (pure). */
#include "pii/pii.h"
#include "vault/vault.h"

#include <string.h>

static const char *const category_names[LX_VAULT_CAT_COUNT] = {
    [LX_VAULT_CAT_NONE] = "none",
    [LX_VAULT_CAT_NAME] = "name",
    [LX_VAULT_CAT_PHONE] = "phone",
    [LX_VAULT_CAT_ADDRESS] = "address",
    [LX_VAULT_CAT_REGION] = "region",
    [LX_VAULT_CAT_CASE_MATERIAL] = "case_material",
    [LX_VAULT_CAT_IDENTITY] = "identity",
    [LX_VAULT_CAT_TRANSACTION] = "transaction",
    [LX_VAULT_CAT_CHAT] = "chat",
    [LX_VAULT_CAT_CALL] = "call",
};

static const char *const sensitivity_names[LX_VAULT_SENS_COUNT] = {
    [LX_VAULT_SENS_NONE] = "none",
    [LX_VAULT_SENS_ID_DOCUMENT] = "id_document",
    [LX_VAULT_SENS_FINANCE] = "finance",
    [LX_VAULT_SENS_FAMILY] = "family",
    [LX_VAULT_SENS_HEALTH] = "health",
    [LX_VAULT_SENS_MINOR] = "minor",
    [LX_VAULT_SENS_LITIGATION] = "litigation",
    [LX_VAULT_SENS_CRIMINAL] = "criminal",
};

static const char *const format_names[LX_VAULT_FMT_COUNT] = {
    [LX_VAULT_FMT_TEXT] = "text",     [LX_VAULT_FMT_NAME] = "name",
    [LX_VAULT_FMT_MOBILE] = "mobile", [LX_VAULT_FMT_CN_ID] = "cn_id",
    [LX_VAULT_FMT_EMAIL] = "email",   [LX_VAULT_FMT_ADDRESS] = "address",
};

static const char *const index_names[LX_VAULT_INDEX_COUNT] = {
    [LX_VAULT_INDEX_NONE] = "none",
    [LX_VAULT_INDEX_PHONE] = "phone",
    [LX_VAULT_INDEX_ID_NUMBER] = "id_number",
    [LX_VAULT_INDEX_EMAIL] = "email",
};

static bool
parse_name(const char *const *names, int count, const char *s, int *out)
{
    *out = 0;
    if (s == NULL) {
        return false;
    }
    for (int i = 0; i < count; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

const char *
lx_vault_category_name(enum lx_vault_category c)
{
    return (unsigned)c < LX_VAULT_CAT_COUNT ? category_names[c] : NULL;
}

bool
lx_vault_category_parse(const char *s, enum lx_vault_category *out)
{
    int v;
    bool ok = parse_name(category_names, LX_VAULT_CAT_COUNT, s, &v);

    *out = (enum lx_vault_category)v;
    return ok;
}

const char *
lx_vault_sensitivity_name(enum lx_vault_sensitivity s)
{
    return (unsigned)s < LX_VAULT_SENS_COUNT ? sensitivity_names[s] : NULL;
}

bool
lx_vault_sensitivity_parse(const char *s, enum lx_vault_sensitivity *out)
{
    int v;
    bool ok = parse_name(sensitivity_names, LX_VAULT_SENS_COUNT, s, &v);

    *out = (enum lx_vault_sensitivity)v;
    return ok;
}

const char *
lx_vault_format_name(enum lx_vault_format f)
{
    return (unsigned)f < LX_VAULT_FMT_COUNT ? format_names[f] : NULL;
}

bool
lx_vault_format_parse(const char *s, enum lx_vault_format *out)
{
    int v;
    bool ok = parse_name(format_names, LX_VAULT_FMT_COUNT, s, &v);

    *out = (enum lx_vault_format)v;
    return ok;
}

const char *
lx_vault_index_name(enum lx_vault_index k)
{
    return (unsigned)k < LX_VAULT_INDEX_COUNT ? index_names[k] : NULL;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static lx_rc
norm_mobile(const char *v, size_t len, char *d, struct lx_err *err)
{
    char buf[24];
    size_t n = 0, skip = 0;

    for (size_t i = 0; i < len; i++) {
        if (v[i] == ' ' || v[i] == '-' || (v[i] == '+' && i == 0)) {
            continue;
        }
        if (!is_digit(v[i]) || n >= sizeof(buf)) {
            return lx_err_set(err, LX_EINVAL, "/value",
                              "not a mainland mobile number");
        }
        buf[n++] = v[i];
    }
    if (n == 13 && buf[0] == '8' && buf[1] == '6') {
        skip = 2;
    } else if (n == 15 && memcmp(buf, "0086", 4) == 0) {
        skip = 4;
    }
    if (n - skip != 11 || buf[skip] != '1' || buf[skip + 1] < '3') {
        return lx_err_set(err, LX_EINVAL, "/value",
                          "not a mainland mobile number");
    }
    memcpy(d, buf + skip, 11);
    d[11] = '\0';
    lx_crypto_wipe(buf, sizeof(buf));
    return LX_OK;
}

static lx_rc
norm_id(const char *v, size_t len, char *d, struct lx_err *err)
{
    if (len != 18) {
        return lx_err_set(err, LX_EINVAL, "/value", "not an 18-character ID");
    }
    for (size_t i = 0; i < 17; i++) {
        if (!is_digit(v[i])) {
            return lx_err_set(err, LX_EINVAL, "/value",
                              "not an 18-character ID");
        }
        d[i] = v[i];
    }
    d[17] = v[17] == 'x' ? 'X' : v[17];
    d[18] = '\0';
    if (lx_pii_id_check_char(d) != d[17]) {
        lx_crypto_wipe(d, 19);
        return lx_err_set(err, LX_EINVAL, "/value",
                          "ID number check character does not match");
    }
    return LX_OK;
}

static lx_rc
norm_email(const char *v, size_t len, char *d, struct lx_err *err)
{
    size_t at = len, dot = 0, ats = 0;

    if (len < 3 || len > 254) {
        return lx_err_set(err, LX_EINVAL, "/value", "not an email address");
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];

        if (c <= ' ' || c >= 0x7f) {
            return lx_err_set(err, LX_EINVAL, "/value", "not an email address");
        }
        if (c == '@') {
            at = i;
            ats++;
        } else if (c == '.' && ats == 1) {
            dot = i;
        }
        d[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    d[len] = '\0';
    if (ats != 1 || at == 0 || dot <= at + 1 || dot == len - 1) {
        lx_crypto_wipe(d, len);
        return lx_err_set(err, LX_EINVAL, "/value", "not an email address");
    }
    return LX_OK;
}

lx_rc
lx_vault_normalise(enum lx_vault_index kind, const char *value, size_t len,
                   char *out, size_t outsize, struct lx_err *err)
{
    if (outsize < 256) {
        return lx_err_set(err, LX_ETOOBIG, "/value",
                          "normalisation buffer too small");
    }
    out[0] = '\0';
    switch (kind) {
    case LX_VAULT_INDEX_PHONE:
        return norm_mobile(value, len, out, err);
    case LX_VAULT_INDEX_ID_NUMBER:
        return norm_id(value, len, out, err);
    case LX_VAULT_INDEX_EMAIL:
        return norm_email(value, len, out, err);
    case LX_VAULT_INDEX_NONE:
    case LX_VAULT_INDEX_COUNT:
        break;
    }
    return lx_err_set(err, LX_EINVAL, "/kind", "unknown blind index");
}
