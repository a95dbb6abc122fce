/*
 * talk_contact.c — contact limits and opt-out detection (C5.3).
 *
 * docs/talk.md gives the rules and their boundaries; the short form:
 *   window      (now - window_ms, now]: an attempt exactly window_ms old no
 *               longer counts;
 *   unanswered  attempts strictly after the user's last message;
 *   quiet hours [21:00:00.000, 08:00:00.000) at +08:00;
 *   recent user now - user_last_msg <= 30 min lifts quiet hours;
 *   opt-out     stands until the user writes again after it (one of
 *               unknown time, opted_out_ms <= 0, always stands).
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "base/time.h"

#define MS_PER_MIN INT64_C(60000)
#define MS_PER_HOUR (60 * MS_PER_MIN)
/* Above this many counted attempts, retry_ms is bounded instead of exact,
 * to keep the decision O(n). */
#define EXACT_RETRY_MAX 512
/* Instants beyond this (year ~146 million) are bad facts, so now_ms plus a
 * day cannot overflow. */
#define TIME_MAX (INT64_MAX / 2)

void
lx_talk_limits_default(struct lx_talk_limits *out)
{
    out->max_unanswered = 3;
    out->window_ms = 24 * MS_PER_HOUR;
    out->quiet_start_ms = 21 * MS_PER_HOUR;
    out->quiet_end_ms = 8 * MS_PER_HOUR;
    out->user_recent_ms = 30 * MS_PER_MIN;
}

static void
verdict(struct lx_talk_contact_decision *out, enum lx_talk_verdict v,
        const char *reason, const char *message, int64_t retry_ms)
{
    out->verdict = v;
    out->reason = reason;
    out->clause = v == LX_TALK_ALLOW ? NULL : LX_TALK_CLAUSE_CONTACT;
    out->message = message;
    out->retry_ms = retry_ms;
}

static bool
limits_ok(const struct lx_talk_limits *lim)
{
    return lim != NULL && lim->max_unanswered >= 0 && lim->window_ms > 0 &&
           lim->quiet_start_ms >= 0 && lim->quiet_start_ms < LX_MS_PER_DAY &&
           lim->quiet_end_ms >= 0 && lim->quiet_end_ms < LX_MS_PER_DAY &&
           lim->user_recent_ms >= 0;
}

/* Local (+08:00) time of day in ms. */
static int64_t
local_tod(int64_t ms)
{
    int64_t t = ms + (int64_t)LX_CN_OFFSET_MIN * MS_PER_MIN;
    int64_t r = t % LX_MS_PER_DAY;

    return r < 0 ? r + LX_MS_PER_DAY : r;
}

static bool
in_quiet(int64_t tod, const struct lx_talk_limits *lim)
{
    if (lim->quiet_start_ms == lim->quiet_end_ms) {
        return false; /* an empty window: no quiet hours */
    }
    if (lim->quiet_start_ms < lim->quiet_end_ms) {
        return tod >= lim->quiet_start_ms && tod < lim->quiet_end_ms;
    }
    return tod >= lim->quiet_start_ms || tod < lim->quiet_end_ms;
}

static bool
counts(int64_t t, const struct lx_talk_contact_facts *f, int64_t from)
{
    return t > from && t > f->user_last_msg_ms;
}

/* The k-th smallest (1-based) counted attempt, or the largest when there
 * are too many to rank exactly (a later, hence safe, retry time). */
static int64_t
kth_counted(const struct lx_talk_contact_facts *f, int64_t from, int k,
            int total)
{
    int64_t best = INT64_MIN;

    if (total > EXACT_RETRY_MAX) {
        for (size_t i = 0; i < f->n_attempts; i++) {
            int64_t t = f->attempts_ms[i];
            if (counts(t, f, from) && t > best) {
                best = t;
            }
        }
        return best;
    }
    for (size_t i = 0; i < f->n_attempts; i++) {
        int64_t t = f->attempts_ms[i];
        int less = 0, leq = 0;
        if (!counts(t, f, from)) {
            continue;
        }
        for (size_t j = 0; j < f->n_attempts; j++) {
            int64_t u = f->attempts_ms[j];
            if (!counts(u, f, from)) {
                continue;
            }
            less += u < t;
            leq += u <= t;
        }
        if (less < k && k <= leq) {
            return t;
        }
    }
    return best;
}

void
lx_talk_contact_decide(const struct lx_talk_contact_facts *f,
                       const struct lx_talk_limits *lim, int64_t now_ms,
                       struct lx_talk_contact_decision *out)
{
    int64_t from, tod;
    int n = 0;

    out->counted = 0;
    if (!limits_ok(lim)) {
        verdict(out, LX_TALK_DENY, "bad_limits", "联系限制配置无效 (C5.3)", 0);
        return;
    }
    if (f == NULL || f->kind == LX_TALK_ATTEMPT_NONE ||
        f->purpose == LX_TALK_PURPOSE_NONE ||
        (f->n_attempts > 0 && f->attempts_ms == NULL) ||
        f->user_last_msg_ms < 0 || now_ms <= 0 || now_ms > TIME_MAX ||
        (f->kind != LX_TALK_ATTEMPT_MESSAGE &&
         f->kind != LX_TALK_ATTEMPT_CALL) ||
        (f->purpose != LX_TALK_PURPOSE_CONSULTATION &&
         f->purpose != LX_TALK_PURPOSE_COMPLAINT)) {
        verdict(out, LX_TALK_DENY, "bad_facts",
                "联系事实不完整，不能判断是否允许 (C5.3)", 0);
        return;
    }

    /* C5.3: after an opt-out only complaint handling may reach the user,
     * until the user writes again of their own accord. An opt-out of unknown
     * time stands. */
    if (f->opted_out &&
        (f->opted_out_ms <= 0 || f->user_last_msg_ms <= f->opted_out_ms) &&
        f->purpose != LX_TALK_PURPOSE_COMPLAINT) {
        verdict(out, LX_TALK_DENY, "opted_out",
                "用户已要求不再联系，仅可处理投诉 (C5.3)", 0);
        return;
    }

    /* C5.3: no contact in quiet hours unless the user just wrote. */
    tod = local_tod(now_ms);
    if (in_quiet(tod, lim)) {
        bool recent = f->user_last_msg_ms > 0 &&
                      f->user_last_msg_ms <= now_ms &&
                      now_ms - f->user_last_msg_ms <= lim->user_recent_ms;
        if (!recent) {
            int64_t wait = lim->quiet_end_ms - tod;
            if (wait <= 0) {
                wait += LX_MS_PER_DAY;
            }
            verdict(out, LX_TALK_DENY, "quiet_hours",
                    "21:00至次日08:00不得联系用户，除非用户30分钟内来信 "
                    "(C5.3)",
                    now_ms + wait);
            return;
        }
    }

    /* C5.3: at most max_unanswered attempts per window without a reply. */
    from = now_ms - lim->window_ms;
    for (size_t i = 0; i < f->n_attempts; i++) {
        if (counts(f->attempts_ms[i], f, from) && n < INT32_MAX) {
            n++;
        }
    }
    out->counted = n;
    if (n >= lim->max_unanswered) {
        int64_t retry = 0;
        if (n > 0) {
            int k = n - lim->max_unanswered + 1;
            int64_t t = kth_counted(f, from, k, n);
            retry =
                t > INT64_MAX - lim->window_ms ? INT64_MAX : t + lim->window_ms;
        }
        verdict(out, LX_TALK_DENY, "unanswered_limit",
                "用户未回复，24小时内已达联系次数上限 (C5.3)", retry);
        return;
    }
    verdict(out, LX_TALK_ALLOW, "allowed", "允许联系", 0);
}

/* ---- Opt-out detection --------------------------------------------------- */

/* Longest first where one phrase contains another. */
static const char *const optout_phrases[] = {
    "别再联系我", "不要再联系我", "不要联系我", "别联系我",     "不用再联系",
    "别再打了",   "不要再打了",   "别再打电话", "不要再打电话", "别打了",
    "不要打了",   "别再发了",     "不要再发了", "不需要了",     "不需要你们",
    "请勿打扰",   "别打扰我",     "不要打扰我", "停止联系",     "取消订阅",
    "退订",
};

/* Words that, right before a phrase, negate it. */
static const char *const negators[] = {
    "不是", "不是说", "并不是", "没说", "没有说", "并非", "而非", "没让你",
};

static bool
negated(const char *s, size_t p)
{
    for (size_t i = 0; i < sizeof negators / sizeof negators[0]; i++) {
        if (talk__ends(s, p, negators[i])) {
            return true;
        }
    }
    return false;
}

static bool
question(const char *s, size_t n, size_t e)
{
    return talk__at(s, n, e, "吗") > 0 || talk__at(s, n, e, "么") > 0 ||
           talk__at(s, n, e, "?") > 0 || talk__at(s, n, e, "？") > 0;
}

bool
lx_talk_optout_find(const char *s, size_t n, struct lx_talk_span *at)
{
    if (s == NULL) {
        return false;
    }
    for (size_t p = 0; p < n; p += talk__step(s, n, p)) {
        for (size_t i = 0; i < sizeof optout_phrases / sizeof optout_phrases[0];
             i++) {
            size_t l = talk__at(s, n, p, optout_phrases[i]);
            if (l == 0 || negated(s, p) || question(s, n, p + l)) {
                continue;
            }
            if (at != NULL) {
                at->off = p;
                at->len = l;
            }
            return true;
        }
    }
    return false;
}
