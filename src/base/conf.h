/*
 * conf — configuration: defaults < INI file < LEXGATE_* environment < flags.
 *
 * Every key is one row of the table in conf.c; that table is the only list.
 * It generates `lexgate config doc` (docs/config.md, checked by a test),
 * the environment names (LEXGATE_ + the key upper-cased, '.' -> '_'), and
 * the validation of each value (type and range). The INI file is read with
 * inih; a key it does not know is an error, not a silent typo.
 */
#ifndef LX_BASE_CONF_H
#define LX_BASE_CONF_H

#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

struct lx_conf {
    /* [server] */
    char listen[64]; /* server.listen */
    int64_t port;    /* server.port */
    int64_t threads;
    int64_t max_connections;
    int64_t max_body_bytes;
    int64_t max_header_bytes;
    int64_t idle_timeout_s;
    int64_t drain_timeout_s;
    /* [store] */
    char db[512]; /* store.db: sqlite:PATH or postgres://… */
    int64_t readers;
    int64_t busy_timeout_ms;
    int64_t group_max;
    /* [keys] */
    char keys_dir[512];
    /* [log] */
    char log_level[16];
    /* [calendar] */
    char calendar_file[512];
    /* [audit] */
    int64_t audit_checkpoint_every;
    int64_t audit_checkpoint_every_s;
    char audit_export_dir[512];
    /* [sla] */
    int64_t sla_poll_ms;
    int64_t sla_grace_ms;
    /* [leads] */
    int64_t leads_offer_window_s;
    int64_t leads_dedupe_window_s;
    int64_t leads_detect_every_s;
    /* [talk] (C5.3 contact limits, review hold, virtual-number calls) */
    int64_t talk_max_unanswered;
    int64_t talk_window_s;
    int64_t talk_quiet_start_ms; /* talk.quiet_start "HH:MM" (+08:00) */
    int64_t talk_quiet_end_ms;   /* talk.quiet_end */
    int64_t talk_user_recent_s;
    bool talk_hold_review;
    char talk_virtual_numbers[4096]; /* comma-separated pool */
    int64_t talk_binding_ttl_s;
    int64_t talk_max_call_s;
    char talk_telephony_key_file[512];
};

/* Fill with the defaults. */
void lx_conf_defaults(struct lx_conf *c);

/* Set one key from text ("server.port", "9000"); validates type and range. */
lx_rc lx_conf_set(struct lx_conf *c, const char *key, const char *value,
                  struct lx_err *err);

/* Read an INI file; unknown sections or keys are errors. */
lx_rc lx_conf_load_file(struct lx_conf *c, const char *path,
                        struct lx_err *err);

/* Apply every LEXGATE_* variable of the table found in the environment. */
lx_rc lx_conf_load_env(struct lx_conf *c, struct lx_err *err);

/* Write the Markdown reference of all keys (docs/config.md) to fd. */
void lx_conf_write_doc(int fd);

#endif /* LX_BASE_CONF_H */
