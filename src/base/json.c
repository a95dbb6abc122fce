/* json — limits on top of jansson's strict parser. */
#include "base/json.h"

#include <jansson.h>
#include <string.h>

/* Walk the tree; depth counts containers. */
static lx_rc
check(json_t *v, size_t depth, const struct lx_json_limits *lim,
      struct lx_err *err)
{
    if (json_is_object(v) || json_is_array(v)) {
        if (depth + 1 > lim->max_depth) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "JSON nested deeper than %zu", lim->max_depth);
        }
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            if (strlen(k) > lim->max_string_bytes) {
                return lx_err_set(err, LX_EINVAL, NULL, "JSON key too long");
            }
            lx_rc rc = check(m, depth + 1, lim, err);
            if (rc != LX_OK) {
                return rc;
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            lx_rc rc = check(m, depth + 1, lim, err);
            if (rc != LX_OK) {
                return rc;
            }
        }
    } else if (json_is_string(v)) {
        if (json_string_length(v) > lim->max_string_bytes) {
            return lx_err_set(err, LX_EINVAL, NULL, "JSON string too long");
        }
    }
    return LX_OK;
}

lx_rc
lx_json_parse(const char *buf, size_t n, const struct lx_json_limits *lim,
              struct json_t **out, struct lx_err *err)
{
    static const struct lx_json_limits def = LX_JSON_LIMITS_DEFAULT;
    json_error_t je;
    json_t *root;
    lx_rc rc;

    *out = NULL;
    if (lim == NULL) {
        lim = &def;
    }
    if (n > lim->max_bytes) {
        return lx_err_set(err, LX_ETOOBIG, NULL, "JSON body over %zu bytes",
                          lim->max_bytes);
    }
    /*
     * Reject absurd nesting before jansson recurses: count brackets
     * outside strings. jansson's own cap (2048) is far above ours.
     */
    {
        size_t depth = 0;
        int in_str = 0, esc = 0;
        for (size_t i = 0; i < n; i++) {
            char c = buf[i];
            if (in_str) {
                if (esc) {
                    esc = 0;
                } else if (c == '\\') {
                    esc = 1;
                } else if (c == '"') {
                    in_str = 0;
                }
            } else if (c == '"') {
                in_str = 1;
            } else if (c == '[' || c == '{') {
                if (++depth > lim->max_depth) {
                    return lx_err_set(err, LX_EINVAL, NULL,
                                      "JSON nested deeper than %zu",
                                      lim->max_depth);
                }
            } else if ((c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
    }
    root = json_loadb(buf, n, JSON_REJECT_DUPLICATES,
                      &je);
    if (root == NULL) {
        /* je.text may quote input; report only the position and a class. */
        const char *why = "malformed JSON";
        switch (json_error_code(&je)) {
        case json_error_invalid_utf8:
            why = "invalid UTF-8 in JSON";
            break;
        case json_error_duplicate_key:
            why = "duplicate key in JSON object";
            break;
        case json_error_null_character:
        case json_error_null_byte_in_key:
            why = "NUL character in JSON";
            break;
        case json_error_unknown:
        case json_error_out_of_memory:
        case json_error_stack_overflow:
        case json_error_cannot_open_file:
        case json_error_invalid_argument:
        case json_error_premature_end_of_input:
        case json_error_end_of_input_expected:
        case json_error_invalid_syntax:
        case json_error_invalid_format:
        case json_error_wrong_type:
        case json_error_null_value:
        case json_error_item_not_found:
        case json_error_index_out_of_range:
        case json_error_numeric_overflow:
        default:
            break;
        }
        return lx_err_set(err, LX_EINVAL, NULL, "%s at line %d column %d",
                          why, je.line, je.column);
    }
    rc = check(root, 0, lim, err);
    if (rc != LX_OK) {
        json_decref(root);
        return rc;
    }
    *out = root;
    return LX_OK;
}

lx_rc
lx_json_get_str(struct json_t *obj, const char *k, const char *ptr,
                const char **out, size_t *len, struct lx_err *err)
{
    json_t *v = json_object_get(obj, k);

    if (!json_is_string(v)) {
        return lx_err_set(err, LX_EINVAL, ptr, "%s must be a string", k);
    }
    *out = json_string_value(v);
    if (len != NULL) {
        *len = json_string_length(v);
    }
    return LX_OK;
}

lx_rc
lx_json_get_int(struct json_t *obj, const char *k, const char *ptr,
                int64_t *out, struct lx_err *err)
{
    json_t *v = json_object_get(obj, k);

    if (!json_is_integer(v)) {
        return lx_err_set(err, LX_EINVAL, ptr, "%s must be an integer", k);
    }
    *out = (int64_t)json_integer_value(v);
    return LX_OK;
}
