/*
 * bench/pii — single-thread throughput of lx_pii_scan() over a generated
 * ~100 MB Chinese consultation-chat corpus, beside a PCRE2-JIT baseline
 * (one compiled alternation of comparable patterns) in the same run.
 *
 *   make bench-pii          (or: build/bench_pii [MB] [SEED])
 *
 * The corpus is built in memory from a fixed seed: short chat messages
 * (greetings, questions about cases, dates, amounts, court case numbers,
 * emoji) with personal data in about 4% of lines (mobiles, IDs with
 * computed check digits, cards, e-mail, WeChat, addresses, plates).
 * Prints one JSON line per engine and one with the ratio; the goal is
 * lx_pii_scan >= 200 MB/s.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "base/asset.h"
#include "pii/pii.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t seed_state;

static uint32_t
next(void)
{
    seed_state = seed_state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(seed_state >> 33);
}

static const char *const chat[] = {
    "律师您好，我想咨询一下离婚后孩子抚养权的问题",
    "对方欠我钱一直不还，借条还在，应该怎么起诉",
    "好的，明天下午可以吗",
    "谢谢律师，我再考虑一下",
    "公司拖欠工资三个月了，劳动仲裁需要准备什么材料",
    "合同是去年签的，现在对方违约了",
    "您看一下这份租赁合同有没有问题",
    "我在网上买的东西是假货，商家不给退款",
    "交通事故对方全责，保险公司赔偿太少",
    "请问律师费怎么收",
    "嗯嗯",
    "好的👍",
    "房子是婚前买的，婚后一起还贷，离婚怎么分",
    "老人去世没有遗嘱，房产怎么继承",
    "收到，我整理一下证据发给您",
    "对方威胁我说要去单位闹",
    "可以先发律师函吗",
    "ok，那就这么定了",
};

/* Numbers that are not personal data: amounts, dates, case numbers. */
static size_t
put_numeric(char *p, size_t cap)
{
    unsigned a = 1 + next() % 20000, b = 1 + next() % 28;

    switch (next() % 7) {
    case 0:
        return (size_t)snprintf(p, cap, "借了%u块钱，约定月底还", a);
    case 1:
        return (size_t)snprintf(p, cap, "开庭时间是2024年%u月%u日上午",
                                b % 12 + 1, b);
    case 2:
        return (size_t)snprintf(p, cap, "案号（2024）京0105民初%u号", a);
    case 3:
        return (size_t)snprintf(p, cap, "赔偿金额大概%u元左右", a * 10);
    case 4:
        return (size_t)snprintf(p, cap, "订单号：2024%010u，已经签收了",
                                next());
    case 5:
        return (size_t)snprintf(p, cap, "下午%u点在律所见面", b % 6 + 1);
    default:
        return (size_t)snprintf(p, cap, "房租每月%u元，押一付三", a);
    }
}

static const char *const regions_pick[] = {"110105", "310115", "440305",
                                           "330106", "510107", "420106"};

static size_t
put_pii(char *p, size_t cap)
{
    static const char w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                               3, 7, 9,  10, 5, 8, 4, 2};
    char v[40];
    int sum = 0;

    switch (next() % 8) {
    case 0:
        return (size_t)snprintf(p, cap, "我的手机是13%u%08u，有事打我",
                                next() % 10, next() % 100000000);
    case 1:
        snprintf(v, sizeof(v), "%s19%02u%02u%02u%03u", regions_pick[next() % 6],
                 50 + next() % 50, 1 + next() % 12, 1 + next() % 28,
                 next() % 1000);
        for (int i = 0; i < 17; i++) {
            sum += (v[i] - '0') * w[i];
        }
        v[17] = "10X98765432"[sum % 11];
        v[18] = '\0';
        return (size_t)snprintf(p, cap, "身份证号%s，请帮我查一下", v);
    case 2: {
        snprintf(v, sizeof(v), "622202%012u", next() % 1000000000u);
        for (int i = 0; i < 18; i++) {
            int d = v[17 - i] - '0';
            if (i % 2 == 0) {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
        }
        v[18] = (char)('0' + (10 - sum % 10) % 10);
        v[19] = '\0';
        return (size_t)snprintf(p, cap, "退款请打到卡号%s", v);
    }
    case 3:
        return (size_t)snprintf(p, cap, "邮箱user%u@example.com，材料发这里",
                                next() % 100000);
    case 4:
        return (size_t)snprintf(p, cap, "加我微信：lawyer_%u 详聊",
                                next() % 100000);
    case 5:
        return (size_t)snprintf(p, cap, "我住在北京市朝阳区建国路%u号",
                                1 + next() % 300);
    case 6:
        return (size_t)snprintf(p, cap, "肇事车辆车牌京A%05u", next() % 100000);
    default:
        return (size_t)snprintf(p, cap, "办公室电话010-6%07u",
                                next() % 10000000);
    }
}

/* Lines with one planted item each: the recall check of the run. */
static size_t planted;

static char *
make_corpus(size_t want, size_t *len)
{
    char *buf = malloc(want + 512);
    size_t n = 0;

    if (buf == NULL) {
        fprintf(stderr, "bench_pii: out of memory\n");
        exit(1);
    }
    while (n < want) {
        uint32_t r = next() % 100;
        size_t room = want + 512 - n;
        if (r < 4) {
            n += put_pii(buf + n, room);
            planted++;
        } else if (r < 20) {
            n += put_numeric(buf + n, room);
        } else {
            const char *s = chat[next() % (sizeof(chat) / sizeof(chat[0]))];
            size_t l = strlen(s);
            memcpy(buf + n, s, l);
            n += l;
        }
        buf[n++] = '\n';
    }
    *len = n;
    return buf;
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
count_one(void *arg, const struct lx_pii_finding *f)
{
    (void)f;
    (*(size_t *)arg)++;
    return true;
}

/* Comparable patterns: the same types, without the validators. */
static const char baseline_pattern[] =
    "(?<![0-9])1[3-9][0-9]{9}(?![0-9])"
    "|(?<![0-9])[1-6][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
    "(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9])"
    "|(?<![0-9])[3-6][0-9]{15,18}(?![0-9])"
    "|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}"
    "|(?<![0-9])0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}(?![0-9])"
    "|(?:微信|VX|vx|QQ|qq)[:：]?\\s*[A-Za-z0-9_-]{5,20}"
    "|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-"
    "Z0-9]{5,6}"
    "|(?:省|市|区|县)[^\\s，。]{1,20}?(?:路|街|道)[0-9]+号";

int
main(int argc, char **argv)
{
    const struct lx_asset *a = lx_asset_find("data/gbt2260/divisions.csv");
    struct lx_pii_regions *regions = lx_pii_regions_new();
    struct lx_pii_opts opts = {.regions = regions, .ref_days = 20600};
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 100, len, findings = 0,
           matches = 0;
    double best = 1e9, best_re = 1e9, mbs, mbs_re;
    pcre2_code *re;
    pcre2_match_data *md;
    int errcode;
    PCRE2_SIZE erroff;
    char *corpus;

    seed_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261129;
    if (a == NULL || mb == 0 ||
        lx_pii_regions_add_csv(regions, (const char *)a->data, a->len, NULL,
                               NULL) != LX_OK) {
        fprintf(stderr, "bench_pii: cannot load the division codes\n");
        return 1;
    }
    corpus = make_corpus(mb << 20, &len);

    for (int run = 0; run < 3; run++) {
        double t0 = now_s(), dt;
        findings = 0;
        lx_pii_scan(&opts, corpus, len, count_one, &findings);
        dt = now_s() - t0;
        best = dt < best ? dt : best;
    }
    mbs = (double)len / 1e6 / best;
    printf("{\"bench\":\"pii_scan\",\"engine\":\"lx_pii_scan\",\"threads\":1,"
           "\"bytes\":%zu,\"seconds\":%.3f,\"mb_per_s\":%.1f,"
           "\"findings\":%zu,\"planted\":%zu}\n",
           len, best, mbs, findings, planted);
    fflush(stdout);

    re = pcre2_compile((PCRE2_SPTR)baseline_pattern, PCRE2_ZERO_TERMINATED,
                       PCRE2_UTF | PCRE2_NO_UTF_CHECK, &errcode, &erroff, NULL);
    if (re == NULL || pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0) {
        fprintf(stderr, "bench_pii: the baseline pattern does not compile\n");
        return 1;
    }
    md = pcre2_match_data_create_from_pattern(re, NULL);
    for (int run = 0; run < 3; run++) {
        double t0 = now_s(), dt;
        PCRE2_SIZE off = 0;
        matches = 0;
        while (off < len) {
            int rc =
                pcre2_jit_match(re, (PCRE2_SPTR)corpus, len, off, 0, md, NULL);
            PCRE2_SIZE *ov;
            if (rc < 0) {
                break;
            }
            ov = pcre2_get_ovector_pointer(md);
            matches++;
            off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        }
        dt = now_s() - t0;
        best_re = dt < best_re ? dt : best_re;
    }
    mbs_re = (double)len / 1e6 / best_re;
    printf("{\"bench\":\"pii_scan\",\"engine\":\"pcre2_jit_alternation\","
           "\"threads\":1,\"bytes\":%zu,\"seconds\":%.3f,\"mb_per_s\":%.1f,"
           "\"matches\":%zu}\n",
           len, best_re, mbs_re, matches);
    printf("{\"bench\":\"pii_scan\",\"ratio_vs_pcre2\":%.2f,"
           "\"goal_mb_per_s\":200,\"goal_met\":%s}\n",
           mbs / mbs_re, mbs >= 200.0 ? "true" : "false");

    pcre2_match_data_free(md);
    pcre2_code_free(re);
    lx_pii_regions_free(regions);
    free(corpus);
    return 0;
}
