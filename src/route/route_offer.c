/*
 * route_offer.c — the offer state machine of one lead (route.h).
 *
 * The table below is the whole of what may happen; the guards after it
 * (holder, deadline, attempt limit) only narrow it. Every check runs
 * before the first write, so a refused event leaves the state untouched.
 */
#include "route/route.h"

#include <string.h>

/* clang-format off */
/* next[state][event]: the state after the event, or COUNT for "not
 * allowed". DECLINE and TIMEOUT go to PENDING, or EXHAUSTED once the
 * attempt record is full (decided in lx_route_offer_step). */
static const enum lx_route_state
    next[LX_ROUTE_STATE_COUNT][LX_ROUTE_EV_COUNT] = {
    [LX_ROUTE_STATE_PENDING] = {
        [LX_ROUTE_EV_NONE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_OFFER] = LX_ROUTE_STATE_OFFERED,
        [LX_ROUTE_EV_CLAIM] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_DECLINE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_TIMEOUT] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_EXHAUST] = LX_ROUTE_STATE_EXHAUSTED,
        [LX_ROUTE_EV_CANCEL] = LX_ROUTE_STATE_CANCELLED,
    },
    [LX_ROUTE_STATE_OFFERED] = {
        [LX_ROUTE_EV_NONE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_OFFER] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_CLAIM] = LX_ROUTE_STATE_CLAIMED,
        [LX_ROUTE_EV_DECLINE] = LX_ROUTE_STATE_PENDING,
        [LX_ROUTE_EV_TIMEOUT] = LX_ROUTE_STATE_PENDING,
        [LX_ROUTE_EV_EXHAUST] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_CANCEL] = LX_ROUTE_STATE_CANCELLED,
    },
    [LX_ROUTE_STATE_CLAIMED] = {
        [LX_ROUTE_EV_NONE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_OFFER] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_CLAIM] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_DECLINE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_TIMEOUT] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_EXHAUST] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_CANCEL] = LX_ROUTE_STATE_COUNT,
    },
    [LX_ROUTE_STATE_EXHAUSTED] = {
        [LX_ROUTE_EV_NONE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_OFFER] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_CLAIM] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_DECLINE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_TIMEOUT] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_EXHAUST] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_CANCEL] = LX_ROUTE_STATE_COUNT,
    },
    [LX_ROUTE_STATE_CANCELLED] = {
        [LX_ROUTE_EV_NONE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_OFFER] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_CLAIM] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_DECLINE] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_TIMEOUT] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_EXHAUST] = LX_ROUTE_STATE_COUNT,
        [LX_ROUTE_EV_CANCEL] = LX_ROUTE_STATE_COUNT,
    },
};
/* clang-format on */

static struct lx_route_attempt *
open_attempt(struct lx_route_offer_state *st)
{
    if (st->state != LX_ROUTE_STATE_OFFERED || st->n_attempts == 0) {
        return NULL;
    }
    return &st->attempts[st->n_attempts - 1];
}

static bool
already_offered(const struct lx_route_offer_state *st, uint64_t firm_id)
{
    for (uint32_t i = 0; i < st->n_attempts; i++) {
        if (st->attempts[i].firm_id == firm_id) {
            return true;
        }
    }
    return false;
}

lx_rc
lx_route_offer_step(struct lx_route_offer_state *st,
                    const struct lx_route_event *ev, struct lx_err *err)
{
    enum lx_route_state to;
    struct lx_route_attempt *open;
    int64_t window = ev->window_ms;

    if ((unsigned)ev->kind >= (unsigned)LX_ROUTE_EV_COUNT ||
        ev->kind == LX_ROUTE_EV_NONE) {
        return lx_err_set(err, LX_EINVAL, "/event", "unknown event");
    }
    if ((unsigned)st->state >= (unsigned)LX_ROUTE_STATE_COUNT ||
        st->n_attempts > LX_ROUTE_MAX_OFFERS) {
        return lx_err_set(err, LX_EINVAL, "/state", "corrupt offer state");
    }
    if (ev->kind == LX_ROUTE_EV_CLAIM || ev->kind == LX_ROUTE_EV_DECLINE) {
        /* A firm acts only on a lead it holds; anything else is one answer
         * that says nothing about the lead (C1.2). */
        if (ev->firm_id == 0) {
            return lx_err_set(err, LX_EINVAL, "/firm_id", "firm id is 0");
        }
        if (st->holder != ev->firm_id) {
            return lx_err_set(err, LX_EDENIED, "/firm_id",
                              "no open offer for this firm");
        }
    }
    to = next[st->state][ev->kind];
    if (to == LX_ROUTE_STATE_COUNT) {
        return lx_err_set(
            err, LX_ECONFLICT, "/state", "offer state is %s: %s not allowed",
            lx_route_state_name(st->state), lx_route_event_name(ev->kind));
    }
    open = open_attempt(st);
    if (open != NULL && ev->now_ms < open->offered_ms) {
        return lx_err_set(err, LX_EINVAL, "/now_ms",
                          "event earlier than the open offer");
    }

    switch (ev->kind) {
    case LX_ROUTE_EV_OFFER:
        if (ev->firm_id == 0) {
            return lx_err_set(err, LX_EINVAL, "/firm_id", "firm id is 0");
        }
        if (window == 0) {
            window = LX_ROUTE_WINDOW_DEFAULT_MS;
        }
        if (window < 1 || window > LX_ROUTE_WINDOW_MAX_MS) {
            return lx_err_set(err, LX_EINVAL, "/window_ms",
                              "offer window outside 1 ms..24 h");
        }
        if (already_offered(st, ev->firm_id)) {
            return lx_err_set(err, LX_ECONFLICT, "/firm_id",
                              "firm already offered this lead");
        }
        if (st->n_attempts >= LX_ROUTE_MAX_OFFERS) {
            return lx_err_set(err, LX_ECONFLICT, "/state",
                              "offer limit reached");
        }
        open = &st->attempts[st->n_attempts++];
        memset(open, 0, sizeof *open);
        open->firm_id = ev->firm_id;
        open->offered_ms = ev->now_ms;
        open->deadline_ms = ev->now_ms + window;
        open->outcome = LX_ROUTE_OUTCOME_OPEN;
        st->holder = ev->firm_id;
        break;
    case LX_ROUTE_EV_CLAIM:
        if (ev->now_ms >= open->deadline_ms) {
            return lx_err_set(err, LX_ECONFLICT, "/now_ms",
                              "offer window closed");
        }
        open->outcome = LX_ROUTE_OUTCOME_CLAIMED;
        open->closed_ms = ev->now_ms;
        break; /* the claimant stays the holder */
    case LX_ROUTE_EV_DECLINE:
        if ((unsigned)ev->reason >= (unsigned)LX_ROUTE_DECLINE_COUNT ||
            ev->reason == LX_ROUTE_DECLINE_NONE) {
            return lx_err_set(err, LX_EINVAL, "/reason",
                              "a decline needs a reason");
        }
        open->outcome = LX_ROUTE_OUTCOME_DECLINED;
        open->reason = ev->reason;
        open->closed_ms = ev->now_ms;
        st->holder = 0;
        break;
    case LX_ROUTE_EV_TIMEOUT:
        if (ev->now_ms < open->deadline_ms) {
            return lx_err_set(err, LX_ECONFLICT, "/now_ms",
                              "offer window still open");
        }
        open->outcome = LX_ROUTE_OUTCOME_TIMED_OUT;
        open->closed_ms = ev->now_ms;
        st->holder = 0;
        break;
    case LX_ROUTE_EV_CANCEL:
        if (open != NULL) {
            open->outcome = LX_ROUTE_OUTCOME_CANCELLED;
            open->closed_ms = ev->now_ms;
        }
        st->holder = 0;
        break;
    case LX_ROUTE_EV_EXHAUST:
        break;
    case LX_ROUTE_EV_NONE:
    case LX_ROUTE_EV_COUNT:
    default:
        return lx_err_set(err, LX_EINVAL, "/event", "unknown event");
    }
    if (to == LX_ROUTE_STATE_PENDING && st->n_attempts >= LX_ROUTE_MAX_OFFERS) {
        to = LX_ROUTE_STATE_EXHAUSTED;
    }
    st->state = to;
    return LX_OK;
}

lx_rc
lx_route_next_offer(struct lx_route_index *ix, struct lx_route_offer_state *st,
                    const struct lx_route_lead *lead, int64_t now_ms,
                    int64_t window_ms, uint64_t draw,
                    struct lx_route_decision *out, struct lx_err *err)
{
    uint64_t tried[LX_ROUTE_MAX_OFFERS];
    struct lx_route_lead l = *lead;
    struct lx_route_event ev = {0};
    lx_rc rc;

    memset(out, 0, sizeof *out);
    if (st->state != LX_ROUTE_STATE_PENDING) {
        return lx_err_set(err, LX_ECONFLICT, "/state",
                          "offer state is %s: next offer not allowed",
                          lx_route_state_name(st->state));
    }
    if (st->n_attempts > LX_ROUTE_MAX_OFFERS) {
        return lx_err_set(err, LX_EINVAL, "/state", "corrupt offer state");
    }
    if (window_ms != 0 &&
        (window_ms < 1 || window_ms > LX_ROUTE_WINDOW_MAX_MS)) {
        /* Checked before routing so a refused offer costs no credit. */
        return lx_err_set(err, LX_EINVAL, "/window_ms",
                          "offer window outside 1 ms..24 h");
    }
    for (uint32_t i = 0; i < st->n_attempts; i++) {
        tried[i] = st->attempts[i].firm_id;
    }
    l.exclude = tried;
    l.n_exclude = st->n_attempts;
    rc = lx_route_decide(ix, &l, now_ms, draw, out, err);
    if (rc != LX_OK) {
        return rc;
    }
    ev.now_ms = now_ms;
    if (out->firm_id == 0) {
        ev.kind = LX_ROUTE_EV_EXHAUST;
    } else {
        ev.kind = LX_ROUTE_EV_OFFER;
        ev.firm_id = out->firm_id;
        ev.window_ms = window_ms;
    }
    return lx_route_offer_step(st, &ev, err);
}
