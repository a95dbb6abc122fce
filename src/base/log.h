/*
 * log — structured JSON Lines logging on stderr (STYLE.md §5).
 *
 * A line is {"ts":…,"level":…,"event":…,"req":…,…typed fields}. Events are
 * stable snake_case names that operators alert on. Fields go through typed
 * helpers that take ids, counts, codes and field names only: there is no
 * helper for free text, and lx_log_id() replaces any value that is not a
 * short token of [A-Za-z0-9_.:/@+-] with "?", so Chinese text, phone-like
 * prose or a sentence cannot reach a log line by accident. Each line is
 * written with one write(2), so lines from threads never interleave.
 */
#ifndef LX_BASE_LOG_H
#define LX_BASE_LOG_H

#include "base/buf.h"

#include <stdbool.h>
#include <stdint.h>

enum lx_log_level {
    LX_LOG_DEBUG = 0,
    LX_LOG_INFO,
    LX_LOG_WARN,
    LX_LOG_ERROR,
};

/* A sink: where lines go and from which level. Owned by struct lx_app. */
struct lx_log {
    int fd;                      /* usually 2 */
    enum lx_log_level min_level; /* lines below are dropped */
};

/* One line being built on the stack; at most 2 KiB, longer fields cut. */
struct lx_log_line {
    const struct lx_log *log;
    bool on;
    struct lx_buf b;
    char mem[2048];
};

/* Parse "debug|info|warn|error"; false if unknown. */
bool lx_log_level_parse(const char *s, enum lx_log_level *out);
const char *lx_log_level_name(enum lx_log_level lvl);

/* Start a line; 'event' must be a static snake_case name. 'req' may be
 * NULL. 'now_ms' is the wall clock to stamp. */
void lx_log_begin(struct lx_log_line *l, const struct lx_log *log,
                  enum lx_log_level lvl, const char *event, const char *req,
                  int64_t now_ms);
/* An identifier, code, route template or field name (checked, see above). */
void lx_log_id(struct lx_log_line *l, const char *key, const char *value);
void lx_log_int(struct lx_log_line *l, const char *key, int64_t value);
void lx_log_bool(struct lx_log_line *l, const char *key, bool value);
/* Finish and write the line. */
void lx_log_end(struct lx_log_line *l);

/* True when value would be logged unchanged by lx_log_id(). */
bool lx_log_token_ok(const char *value);

#endif /* LX_BASE_LOG_H */
