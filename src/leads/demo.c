/*
 * demo.c — fictional demo leads (lx_leads_demo_seed): example numbers
 * from the 1380013xxxx test range, spread over the demo firms' regions
 * (people/demo.c: Beijing 110000, Shanghai 310000, Shenzhen 440300) and
 * the areas each of them practises, taken through the ordinary intake so
 * every lead is vaulted, masked and distributed like a real one.
 */
#include "leads/leads.h"

#include "base/time.h"

#include <stdio.h>
#include <string.h>

struct demo_lead {
    const char *area;
    const char *region;
    const char *description;
};

static const struct demo_lead demo_leads[] = {
    {"labor", "110105", "公司连续三个月拖欠工资，想了解如何申请劳动仲裁。"},
    {"marriage_family", "110108", "协议离婚后对方不按约定支付抚养费，怎么办？"},
    {"debt", "110105", "朋友借款五万元到期不还，手上只有微信聊天记录。"},
    {"contract", "110108", "装修公司逾期两个月未完工，想解除合同并索赔。"},
    {"company", "310104", "有限公司股东想查阅公司账簿被拒绝，如何维权？"},
    {"ip", "310115", "自己拍摄的照片被商家未经许可用于广告宣传。"},
    {"consumer", "310104", "网购的家电存在质量问题，商家拒绝退货。"},
    {"contract", "310115", "房屋租赁合同未到期，房东要求提前收回房屋。"},
    {"labor", "440304", "试用期被无故辞退，公司未支付任何补偿。"},
    {"traffic", "440305", "电动车被汽车刮倒受伤，对方保险公司理赔金额过低。"},
    {"property", "440304", "购买的新房交付时面积比合同约定少了五平方米。"},
    {"criminal", "440305", "家人因涉嫌诈骗被刑事拘留，想咨询如何会见。"},
};

#define DEMO_N (sizeof(demo_leads) / sizeof(demo_leads[0]))

lx_rc
lx_leads_demo_seed(struct lx_app *app, const struct lx_leads_opts *o, int count,
                   struct lx_err *err)
{
    struct lx_ctx ctx;
    lx_rc rc = LX_OK;

    if (count < 0 || count > 1000) {
        return lx_err_set(err, LX_EINVAL, "/count", "must be 0..1000");
    }
    lx_ctx_init(&ctx, app, lx_time_now_ms());
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    snprintf(ctx.actor.role, sizeof(ctx.actor.role), "%s", "system");
    snprintf(ctx.req_id, sizeof(ctx.req_id), "%s", "demo-seed");
    for (int i = 0; i < count && rc == LX_OK; i++) {
        const struct demo_lead *d = &demo_leads[(size_t)i % DEMO_N];
        struct lx_leads_intake in = {0};
        struct lx_leads_intake_result out;
        char phone[16];

        snprintf(phone, sizeof(phone), "1380013%04d", (i + 100) % 10000);
        in.area = d->area;
        in.region = d->region;
        in.description = d->description;
        in.phone = phone;
        in.consent_version = "demo-1";
        in.consent_ms = ctx.now_ms;
        in.consent_share = true;
        rc = lx_leads_intake(&ctx, o, &in, &out);
    }
    if (rc != LX_OK && err != NULL) {
        *err = ctx.err;
    }
    lx_ctx_release(&ctx);
    return rc;
}
