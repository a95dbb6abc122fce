/* conf — the key table, INI loading, environment overrides. */
#include "base/conf.h"
#include "base/buf.h"

#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum conf_type {
    T_STR,
    T_INT,
    T_BOOL, /* "true"/"false" (also 1/0) into a bool */
    T_TOD,  /* a local time of day "HH:MM" into int64_t ms after 00:00 */
};

struct conf_key {
    const char *name; /* section.key */
    enum conf_type type;
    size_t off;
    size_t size; /* string capacity */
    const char *def;
    int64_t min, max;
    const char *flag; /* the command-line flag that overrides it, or NULL */
    const char *doc;
};

#define S(f) T_STR, offsetof(struct lx_conf, f), sizeof(((struct lx_conf *)0)->f)
#define I(f) T_INT, offsetof(struct lx_conf, f), 0
#define B(f) T_BOOL, offsetof(struct lx_conf, f), 0
#define TOD(f) T_TOD, offsetof(struct lx_conf, f), 0

static const struct conf_key keys[] = {
    {"server.listen", S(listen), "127.0.0.1", 0, 0, "--listen",
     "Address the HTTP server binds. Keep it on loopback and put nginx in "
     "front for TLS and public exposure."},
    {"server.port", I(port), "8080", 0, 65535, "--port",
     "TCP port of the HTTP server; 0 picks a free one (printed at start)."},
    {"server.threads", I(threads), "2", 1, 256, NULL,
     "Worker threads of the HTTP server's epoll pool."},
    {"server.max_connections", I(max_connections), "1024", 1, 100000, NULL,
     "Connections served at once; beyond it requests get 503 with "
     "Retry-After."},
    {"server.max_body_bytes", I(max_body_bytes), "1048576", 1024,
     64 * 1024 * 1024, NULL, "Largest request body; larger gets 413."},
    {"server.max_header_bytes", I(max_header_bytes), "8192", 1024, 65536, NULL,
     "Largest request line plus headers; larger gets 431."},
    {"server.idle_timeout_s", I(idle_timeout_s), "30", 1, 3600, NULL,
     "A connection idle (or a client this slow) for this long is closed."},
    {"server.drain_timeout_s", I(drain_timeout_s), "10", 0, 600, NULL,
     "On SIGTERM, how long in-flight requests may finish before exit."},
    {"store.db", S(db), "sqlite:lexgate.db", 0, 0, "--db",
     "Database URL: sqlite:PATH (embedded) or postgres://… (scale-out)."},
    {"store.readers", I(readers), "4", 1, 64, NULL,
     "SQLite reader connections (reads never wait for the writer)."},
    {"store.busy_timeout_ms", I(busy_timeout_ms), "5000", 0, 600000, NULL,
     "How long a statement waits for a lock before store-unavailable."},
    {"store.group_max", I(group_max), "64", 1, 4096, NULL,
     "Most units of work the SQLite writer commits in one transaction."},
    {"keys.dir", S(keys_dir), "keys", 0, 0, "--keys",
     "Directory of master.key and signing.key (mode 0600, made by "
     "`lexgate init`)."},
    {"log.level", S(log_level), "info", 0, 0, "--log-level",
     "Lowest level logged: debug, info, warn or error."},
    {"calendar.file", S(calendar_file), "", 0, 0, "--calendar",
     "Holiday calendar CSV; empty uses the copy embedded in the binary."},
    {"audit.checkpoint_every", I(audit_checkpoint_every), "1000", 0,
     100000000, NULL,
     "The daemon signs an audit checkpoint when the log has grown by this "
     "many entries (0: not by count)."},
    {"audit.checkpoint_every_s", I(audit_checkpoint_every_s), "300", 0,
     86400, NULL,
     "...or when it has grown at all and the newest checkpoint is this old "
     "(0: not by age; both 0: no automatic checkpoints)."},
    {"audit.export_dir", S(audit_export_dir), "", 0, 0, NULL,
     "Directory the daemon writes each checkpoint to (checkpoint.<size> "
     "and checkpoint); keep a copy off the database host."},
    {"sla.poll_ms", I(sla_poll_ms), "1000", 10, 3600000, NULL,
     "Longest sleep of the SLA runner: how soon a deadline scheduled by "
     "another daemon is seen."},
    {"sla.grace_ms", I(sla_grace_ms), "5000", 0, 3600000, NULL,
     "A deadline fired later than this after it was due is marked late."},
    {"leads.offer_window_s", I(leads_offer_window_s), "600", 60, 86400, NULL,
     "How long a firm has to claim or decline a lead offered to it (C5.1)."},
    {"leads.dedupe_window_s", I(leads_dedupe_window_s), "86400", 60, 2592000,
     NULL,
     "A lead whose phone number matches one taken this recently is linked "
     "to it as a duplicate and not distributed again."},
    {"leads.detect_every_s", I(leads_detect_every_s), "3600", 0, 604800,
     NULL,
     "The daemon runs lead-trading detection (C5.9) this often, into the "
     "violation ledger (0: only by `lexgate leads detect`)."},
    {"talk.max_unanswered", I(talk_max_unanswered), "3", 0, 1000, NULL,
     "Outgoing contact attempts (messages, calls) a firm may make to a user "
     "per window without a reply (C5.3)."},
    {"talk.window_s", I(talk_window_s), "86400", 60, 2592000, NULL,
     "The rolling window of talk.max_unanswered (C5.3)."},
    {"talk.quiet_start", TOD(talk_quiet_start_ms), "21:00", 0, 0, NULL,
     "Start of the quiet hours (HH:MM, +08:00): no contact attempts until "
     "talk.quiet_end unless the user wrote recently; equal to "
     "talk.quiet_end means none (C5.3)."},
    {"talk.quiet_end", TOD(talk_quiet_end_ms), "08:00", 0, 0, NULL,
     "End of the quiet hours (HH:MM, +08:00), exclusive (C5.3)."},
    {"talk.user_recent_s", I(talk_user_recent_s), "1800", 0, 86400, NULL,
     "A user message this recent lifts the quiet hours (C5.3)."},
    {"talk.hold_review", B(talk_hold_review), "false", 0, 0, NULL,
     "Hold messages with a review verdict until the platform reviews them "
     "(false: deliver and queue for review)."},
    {"talk.virtual_numbers", S(talk_virtual_numbers), "", 0, 0, NULL,
     "The virtual-number pool for calls (AXB bindings), comma-separated; "
     "empty: no calls through the platform."},
    {"talk.binding_ttl_s", I(talk_binding_ttl_s), "600", 60, 86400, NULL,
     "How long a virtual-number binding lasts."},
    {"talk.max_call_s", I(talk_max_call_s), "3600", 60, 14400, NULL,
     "Longest call through a binding; a longer one is marked over the "
     "limit."},
    {"talk.telephony_key_file", S(talk_telephony_key_file), "", 0, 0, NULL,
     "File holding the HMAC-SHA256 key that signs telephony webhook bodies "
     "(mode 0600; 1 to 1024 bytes, used as they are); empty: the webhook "
     "refuses every event."},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct conf_key *
find(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].name, name) == 0) {
            return &keys[i];
        }
    }
    return NULL;
}

static lx_rc
set_key(struct lx_conf *c, const struct conf_key *k, const char *v,
        struct lx_err *err)
{
    char *base = (char *)c;

    if (k->type == T_STR) {
        size_t n = strlen(v);
        if (n >= k->size) {
            return lx_err_set(err, LX_EINVAL, NULL, "%s: value too long",
                              k->name);
        }
        if (strcmp(k->name, "log.level") == 0 &&
            strcmp(v, "debug") != 0 && strcmp(v, "info") != 0 &&
            strcmp(v, "warn") != 0 && strcmp(v, "error") != 0) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "log.level must be debug, info, warn or error");
        }
        memcpy(base + k->off, v, n + 1);
    } else if (k->type == T_BOOL) {
        bool b;
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
            b = true;
        } else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
            b = false;
        } else {
            return lx_err_set(err, LX_EINVAL, NULL, "%s: must be true or false",
                              k->name);
        }
        memcpy(base + k->off, &b, sizeof(bool));
    } else if (k->type == T_TOD) {
        /* Exactly HH:MM, 00:00 to 23:59. */
        if (strlen(v) != 5 || v[2] != ':' || v[0] < '0' || v[0] > '2' ||
            v[1] < '0' || v[1] > '9' || v[3] < '0' || v[3] > '5' ||
            v[4] < '0' || v[4] > '9' ||
            (v[0] - '0') * 10 + (v[1] - '0') > 23) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "%s: must be a time of day HH:MM", k->name);
        }
        memcpy(base + k->off,
               &(int64_t){(((v[0] - '0') * 10 + (v[1] - '0')) * 60 +
                           (v[3] - '0') * 10 + (v[4] - '0')) *
                          INT64_C(60000)},
               sizeof(int64_t));
    } else {
        char *end;
        long long x;

        errno = 0;
        x = strtoll(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0') {
            return lx_err_set(err, LX_EINVAL, NULL, "%s: not an integer",
                              k->name);
        }
        if (x < k->min || x > k->max) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "%s: must be between %lld and %lld", k->name,
                              (long long)k->min, (long long)k->max);
        }
        memcpy(base + k->off, &(int64_t){x}, sizeof(int64_t));
    }
    return LX_OK;
}

void
lx_conf_defaults(struct lx_conf *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NKEYS; i++) {
        lx_rc rc = set_key(c, &keys[i], keys[i].def, NULL);
        (void)rc; /* defaults are valid by construction; a test checks */
    }
}

lx_rc
lx_conf_set(struct lx_conf *c, const char *key, const char *value,
            struct lx_err *err)
{
    const struct conf_key *k = find(key);

    if (k == NULL) {
        return lx_err_set(err, LX_EINVAL, NULL, "unknown configuration key %s",
                          key);
    }
    return set_key(c, k, value, err);
}

struct ini_state {
    struct lx_conf *c;
    struct lx_err *err;
    lx_rc rc;
};

static int
on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct ini_state *st = user;
    char full[128];

    if (st->rc != LX_OK) {
        return 0;
    }
    if (snprintf(full, sizeof(full), "%s.%s", section, name) >=
        (int)sizeof(full)) {
        st->rc = lx_err_set(st->err, LX_EINVAL, NULL, "configuration key too long");
        return 0;
    }
    if (find(full) == NULL) {
        /* Do not echo the key: it is the file's text. Count is enough. */
        st->rc = lx_err_set(st->err, LX_EINVAL, NULL,
                            "unknown key in configuration file");
        return 0;
    }
    st->rc = lx_conf_set(st->c, full, value, st->err);
    return st->rc == LX_OK;
}

lx_rc
lx_conf_load_file(struct lx_conf *c, const char *path, struct lx_err *err)
{
    struct ini_state st = {.c = c, .err = err, .rc = LX_OK};
    int r = ini_parse(path, on_ini, &st);

    if (r < 0) {
        return lx_err_set(err, LX_EIO, NULL, "cannot read configuration file");
    }
    if (st.rc != LX_OK) {
        return st.rc;
    }
    if (r > 0) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "configuration file: syntax error on line %d", r);
    }
    return LX_OK;
}

static void
env_name(const char *key, char *out, size_t n)
{
    size_t j = (size_t)snprintf(out, n, "LEXGATE_");

    for (size_t i = 0; key[i] != '\0' && j + 1 < n; i++) {
        char ch = key[i];
        out[j++] = ch == '.' ? '_' : (ch >= 'a' && ch <= 'z') ? ch - 32 : ch;
    }
    out[j] = '\0';
}

lx_rc
lx_conf_load_env(struct lx_conf *c, struct lx_err *err)
{
    char name[96];

    for (size_t i = 0; i < NKEYS; i++) {
        const char *v;
        env_name(keys[i].name, name, sizeof(name));
        v = getenv(name);
        if (v != NULL) {
            lx_rc rc = set_key(c, &keys[i], v, err);
            if (rc != LX_OK) {
                return rc;
            }
        }
    }
    return LX_OK;
}

void
lx_conf_write_doc(int fd)
{
    struct lx_buf b = LX_BUF_INIT(64 * 1024);
    char env[96];

    lx_buf_append_str(
        &b, "# Configuration\n\n"
            "Generated by `lexgate config doc` from the key table in "
            "`src/base/conf.c`; a test checks this file against it.\n\n"
            "Precedence, lowest first: the default, the INI file given by "
            "`--config FILE` (or `LEXGATE_CONFIG`), the environment "
            "variable, the command-line flag. A key the file does not know "
            "is an error.\n\n"
            "```ini\n[server]\nport = 8080\n\n[store]\ndb = sqlite:lexgate.db\n"
            "```\n\n"
            "| key | environment | flag | default | meaning |\n"
            "|---|---|---|---|---|\n");
    for (size_t i = 0; i < NKEYS; i++) {
        const struct conf_key *k = &keys[i];
        env_name(k->name, env, sizeof(env));
        lx_buf_printf(&b, "| `%s` | `%s` | %s%s%s | `%s` | %s", k->name, env,
                      k->flag ? "`" : "", k->flag ? k->flag : "-",
                      k->flag ? "`" : "", k->def[0] ? k->def : "\"\"", k->doc);
        if (k->type == T_INT) {
            lx_buf_printf(&b, " (%lld..%lld)", (long long)k->min,
                          (long long)k->max);
        }
        lx_buf_append_str(&b, " |\n");
    }
    if (write(fd, lx_buf_peek(&b), b.len) < 0) {
        /* Nothing to do: the caller checks the output. */
    }
    lx_buf_release(&b);
}
