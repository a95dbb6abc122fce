/* log — JSON Lines writer with typed fields only. */
#include "base/log.h"
#include "base/time.h"

#include <string.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

bool
lx_log_level_parse(const char *s, enum lx_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum lx_log_level)i;
            return true;
        }
    }
    return false;
}

const char *
lx_log_level_name(enum lx_log_level lvl)
{
    return (unsigned)lvl < 4 ? level_names[lvl] : "error";
}

bool
lx_log_token_ok(const char *v)
{
    size_t n = 0;

    if (v == NULL) {
        return false;
    }
    for (; v[n] != '\0'; n++) {
        char c = v[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || strchr("_.:/@+-{}", c) != NULL;
        if (!ok || n >= 128) {
            return false;
        }
    }
    return true;
}

static void
key(struct lx_log_line *l, const char *k)
{
    lx_buf_append(&l->b, ",", 1);
    lx_buf_append_json_str(&l->b, k, strlen(k));
    lx_buf_append(&l->b, ":", 1);
}

void
lx_log_begin(struct lx_log_line *l, const struct lx_log *log,
             enum lx_log_level lvl, const char *event, const char *req,
             int64_t now_ms)
{
    char ts[40];

    l->log = log;
    l->on = log != NULL && lvl >= log->min_level;
    /* The line is built in the struct's own array: no allocation. */
    l->b.p = l->mem;
    l->b.len = 0;
    l->b.cap = sizeof(l->mem);
    l->b.max = sizeof(l->mem) - 2; /* room for "}\n" */
    l->mem[0] = '\0';
    if (!l->on) {
        return;
    }
    lx_time_format(now_ms, 0, true, ts, sizeof(ts));
    lx_buf_append_str(&l->b, "{\"ts\":\"");
    lx_buf_append_str(&l->b, ts);
    lx_buf_append_str(&l->b, "\",\"level\":\"");
    lx_buf_append_str(&l->b, lx_log_level_name(lvl));
    lx_buf_append_str(&l->b, "\",\"event\":");
    lx_buf_append_json_str(&l->b, event, strlen(event));
    if (req != NULL && req[0] != '\0') {
        lx_log_id(l, "req", req);
    }
}

void
lx_log_id(struct lx_log_line *l, const char *k, const char *value)
{
    if (!l->on) {
        return;
    }
    key(l, k);
    if (value == NULL) {
        lx_buf_append_str(&l->b, "null");
    } else if (lx_log_token_ok(value)) {
        lx_buf_append_json_str(&l->b, value, strlen(value));
    } else {
        lx_buf_append_str(&l->b, "\"?\"");
    }
}

void
lx_log_int(struct lx_log_line *l, const char *k, int64_t value)
{
    if (!l->on) {
        return;
    }
    key(l, k);
    lx_buf_printf(&l->b, "%lld", (long long)value);
}

void
lx_log_bool(struct lx_log_line *l, const char *k, bool value)
{
    if (!l->on) {
        return;
    }
    key(l, k);
    lx_buf_append_str(&l->b, value ? "true" : "false");
}

void
lx_log_end(struct lx_log_line *l)
{
    size_t off = 0;

    if (!l->on) {
        return;
    }
    /* max left two bytes free, so this always fits. */
    l->mem[l->b.len++] = '}';
    l->mem[l->b.len++] = '\n';
    while (off < l->b.len) {
        ssize_t w = write(l->log->fd, l->mem + off, l->b.len - off);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    l->on = false;
}
