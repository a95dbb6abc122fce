/*
 * h_calendar — POST /v1/calendar/deadline: the calendar engine (cal/) over
 * HTTP, the same computation as `lexgate calendar deadline`.
 *
 * Request (application/json):
 *   {"from":"2030-01-07T10:00:00+08:00",          ISO 8601 with an offset
 *    "rule":"minutes|hours|working_days|first_response",
 *    "count":N,                                    all rules but first_response
 *    "close":"HH:MM"}                              working_days only, optional
 * Answer: {"deadline":"…+08:00","deadline_ms":N,"special":bool}; special
 * tells whether a first response arrived in a special period (C5.1).
 *
 * The schedule is loaded once at start (calendar.file, or the one embedded
 * under data/cn-holidays/) and is immutable, so handlers share it.
 */
#include "base/file.h"
#include "base/conf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "cal/cal.h"
#include "sla/sla.h"
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

lx_rc
http__calendar_load(const struct lx_conf *conf, struct lx_cal **out,
                    struct lx_err *err)
{
    return lx_sla_calendar_load(conf, out, err);
}

/* "HH:MM" -> minutes after midnight, 1..1439. */
static bool
parse_close(const char *s, size_t n, int *out)
{
    int h, m;

    if (n != 5 || s[2] != ':') {
        return false;
    }
    for (size_t i = 0; i < 5; i++) {
        if (i != 2 && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59 || h * 60 + m == 0) {
        return false;
    }
    *out = h * 60 + m;
    return true;
}

static const struct {
    const char *name;
    enum lx_cal_kind kind;
} rules[] = {
    {"minutes", LX_CAL_MINUTES},
    {"hours", LX_CAL_HOURS},
    {"working_days", LX_CAL_WORKING_DAYS},
    {"first_response", LX_CAL_FIRST_RESPONSE},
};

lx_rc
http__h_calendar_deadline(struct lx_http_req *req, struct lx_http_res *res)
{
    static const char *const known[] = {"from", "rule", "count", "close"};
    struct lx_err *err = &req->ctx.err;
    struct lx_cal_rule rule = {0};
    struct lx_cal_result out = {0};
    struct json_t *body;
    const char *key, *s;
    json_t *v;
    size_t n;
    int64_t start_ms;
    char text[40];
    lx_rc rc;

    rc = http__body_json(req, &body);
    if (rc != LX_OK) {
        return rc;
    }
    if (!json_is_object(body)) {
        return lx_err_set(err, LX_EINVAL, "", "body must be a JSON object");
    }
    json_object_foreach(body, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            ok = ok || strcmp(key, known[i]) == 0;
        }
        if (!ok) {
            /* The key is client text: name no member, only the rule. */
            return lx_err_set(err, LX_EINVAL, "",
                              "unknown member; expected from, rule, count, "
                              "close");
        }
    }
    rc = lx_json_get_str(body, "from", "/from", &s, &n, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (lx_time_parse_iso(s, n, &start_ms, NULL, err) != LX_OK) {
        err->field = "/from";
        return err->rc;
    }
    rc = lx_json_get_str(body, "rule", "/rule", &s, &n, err);
    if (rc != LX_OK) {
        return rc;
    }
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (strcmp(s, rules[i].name) == 0) {
            rule.kind = rules[i].kind;
        }
    }
    if (rule.kind == LX_CAL_RULE_NONE) {
        return lx_err_set(err, LX_EINVAL, "/rule",
                          "rule must be minutes, hours, working_days or "
                          "first_response");
    }
    if (rule.kind == LX_CAL_FIRST_RESPONSE) {
        if (json_object_get(body, "count") != NULL) {
            return lx_err_set(err, LX_EINVAL, "/count",
                              "first_response takes no count");
        }
    } else {
        rc = lx_json_get_int(body, "count", "/count", &rule.count, err);
        if (rc != LX_OK) {
            return rc;
        }
    }
    if (json_object_get(body, "close") != NULL) {
        if (rule.kind != LX_CAL_WORKING_DAYS) {
            return lx_err_set(err, LX_EINVAL, "/close",
                              "close applies to working_days only");
        }
        rc = lx_json_get_str(body, "close", "/close", &s, &n, err);
        if (rc != LX_OK) {
            return rc;
        }
        if (!parse_close(s, n, &rule.close_min)) {
            return lx_err_set(err, LX_EINVAL, "/close",
                              "close must be HH:MM after 00:00");
        }
    }

    rc = lx_cal_deadline(req->srv->cal, start_ms, &rule, &out, err);
    if (rc != LX_OK) {
        return rc;
    }
    lx_time_format_cn(out.deadline_ms, text, sizeof(text));
    lx_buf_init(&res->buf, 256);
    lx_buf_printf(&res->buf,
                  "{\"deadline\":\"%s\",\"deadline_ms\":%lld,\"special\":%s}",
                  text, (long long)out.deadline_ms,
                  (out.flags & LX_CAL_RESULT_SPECIAL) ? "true" : "false");
    return LX_OK;
}
