/*
 * bench/scan — conduct-scan throughput, single thread, one call per
 * message (bench/scan.sh runs it, then the npm comparison).
 *
 *   bench_scan [--mb N] [--out DIR]
 *
 * Generates a seeded corpus of Chinese lawyer-client chat (about N MB,
 * default 100; a few percent of the messages break a rule, so context
 * checks run), then measures:
 *   lexgate-pack         lx_scan_text() with the full embedded pack
 *                        (regexes, UTF-8 check, context checks, merge);
 *   vectorscan-literals  raw hs_scan() over a database of the pack's
 *                        plain literals alone (the literal alternatives
 *                        of its literal: and regex: lines).
 * With --out DIR it writes DIR/corpus.txt (one message a line) and
 * DIR/literals.txt (one literal a line) for bench/scan-npm.mjs, so both
 * runs see the same bytes. Prints one JSON object per measurement.
 */
#include "base/asset.h"
#include "base/mem.h"
#include "scan/scan.h"

#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const clean[] = {
    "您好，请问您的劳动合同是哪一年签的？",
    "能把借条的照片发一下吗",
    "根据您描述的情况，对方的行为可能构成违约",
    "离婚诉讼一般需要准备结婚证、身份证和财产清单",
    "我明天上午九点前给您回复",
    "您的案子目前处于一审阶段，开庭时间定在下个月",
    "请您先整理一下和公司的工资流水",
    "诉讼时效一般是三年，从您知道权利受损之日起计算",
    "您可以先申请劳动仲裁，仲裁是免费的",
    "这种情况建议先发律师函",
    "交通事故责任认定书拿到了吗？",
    "房屋买卖合同里有没有约定违约金？",
    "证据方面，聊天记录、转账记录和证人证言都可以",
    "工伤认定需要在事故发生后一年内申请",
    "好的，收到材料了，我仔细看一下",
    "抚养权的判定主要考虑孩子的利益",
    "您可以向法院申请财产保全",
    "调解不成的话，我们再考虑起诉",
    "借款合同的利息超过法定上限的部分不受保护",
    "您这个情况属于违法解除劳动合同，可以主张赔偿金",
    "判决生效后对方不履行的，可以申请强制执行",
    "请问您和房东之间有书面租赁合同吗？",
    "我先帮您梳理一下时间线",
    "公司拖欠工资的，可以要求支付经济补偿",
    "如果是夫妻共同债务，需要双方共同承担",
    "您的合同里有仲裁条款，需要先走仲裁",
    "物业费纠纷一般标的不大，可以走小额诉讼",
    "建议您先去医院做伤情鉴定",
    "二审需要在判决书送达之日起十五日内上诉",
    "我理解您的心情，这件事确实让人很难受",
    "竞业限制协议需要公司支付补偿金才有效",
    "我们不能保证胜诉，但会尽全力维护您的权益",
    "请把微信聊天记录导出来作为证据",
    "律师费是固定收费，合同里写明了",
    "对方说要找人上门，这属于威胁，您保留好聊天记录",
    "离婚财产分割一般以平均分割为原则",
    "这个案子的管辖法院应该是被告住所地法院",
    "公司单方面调岗降薪需要有合理理由",
    "拆迁补偿标准要看当地的政策文件",
    "网络名誉侵权可以要求删除并赔礼道歉",
    "合同约定的违约金过高，可以请求法院调整",
    "按照法律规定，婚前财产一般归个人所有",
    "好的",
    "收到，谢谢",
    "嗯嗯，明白了",
    "稍等，我查一下",
};

static const char *const bad[] = {
    "放心交给我，保证胜诉",      "加我微信吧，微信上聊方便",
    "你是不是脑子有问题",        "你再给差评试试，后果自负",
    "费用的事您先别管，案子办完再跟您算", "我是平台官方指定的律师",
    "我执业三十年，从来没有输过一场官司", "这种案子稳赢",
    "咱们私下签约，不走平台能省手续费",   "只收现金，不开收据",
    "这个案子法院那边我已经打过招呼了",   "我们这边还有一款理财产品，收益很高",
};

#define N_CLEAN (sizeof(clean) / sizeof(clean[0]))
#define N_BAD (sizeof(bad) / sizeof(bad[0]))

static uint64_t
next(uint64_t *s)
{
    /* xorshift64*: seeded, portable, good enough for a corpus */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static double
clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall and thread CPU time: on a shared machine the CPU figure is the
 * steadier one; both are printed. */
struct stopwatch {
    double wall, cpu;
};

static struct stopwatch
start_watch(void)
{
    return (struct stopwatch){clock_s(CLOCK_MONOTONIC),
                              clock_s(CLOCK_THREAD_CPUTIME_ID)};
}

struct corpus {
    char *bytes;
    size_t *off; /* message i is bytes[off[i] .. off[i+1]-1), minus '\n' */
    size_t n, len;
};

static void
generate(struct corpus *c, size_t target)
{
    uint64_t s = 0x1e7a7e5cULL; /* fixed seed: the same corpus every run */
    size_t cap = target + 4096, ocap = target / 40 + 16;

    c->bytes = lx_xmalloc(cap);
    c->off = lx_xmalloc(ocap * sizeof(size_t));
    c->n = c->len = 0;
    while (c->len < target) {
        int parts = 1 + (int)(next(&s) % 3);
        if (c->n + 2 >= ocap) {
            ocap *= 2;
            c->off = lx_xrealloc(c->off, ocap * sizeof(size_t));
        }
        c->off[c->n++] = c->len;
        for (int p = 0; p < parts; p++) {
            uint64_t r = next(&s);
            const char *f = (r % 100) < 3 ? bad[(r >> 8) % N_BAD]
                                          : clean[(r >> 8) % N_CLEAN];
            size_t fl = strlen(f);
            if (c->len + fl + 8 > cap) {
                cap *= 2;
                c->bytes = lx_xrealloc(c->bytes, cap);
            }
            if (p > 0) {
                memcpy(c->bytes + c->len, "。", 3);
                c->len += 3;
            }
            memcpy(c->bytes + c->len, f, fl);
            c->len += fl;
        }
        c->bytes[c->len++] = '\n';
    }
    c->off[c->n] = c->len;
}

static bool
is_meta(char ch)
{
    return strchr("[](){}.*+?\\^$|", ch) != NULL;
}

/* The plain literals of the pack: literal: values and the alternatives of
 * regex: lines that contain no regex syntax. */
static size_t
collect_literals(const struct lx_asset *a, size_t count, char ***out)
{
    char **lits = NULL;
    size_t n = 0, cap = 0;

    for (size_t i = 0; i < count; i++) {
        const char *p, *end;
        if (strncmp(a[i].name, "rules/", 6) != 0) {
            continue;
        }
        p = (const char *)a[i].data;
        end = p + a[i].len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *e = nl ? nl : end;
            bool lit = strncmp(p, "literal:", 8) == 0;
            if (lit || strncmp(p, "regex:", 6) == 0) {
                const char *q = p + (lit ? 8 : 6);
                while (q < e && *q == ' ') {
                    q++;
                }
                while (q < e) {
                    const char *bar = lit ? e : memchr(q, '|', (size_t)(e - q));
                    const char *pe = bar ? bar : e;
                    bool plain = pe - q >= 2;
                    for (const char *k = q; k < pe && plain && !lit; k++) {
                        plain = !is_meta(*k);
                    }
                    if (plain) {
                        if (n == cap) {
                            cap = cap ? cap * 2 : 64;
                            lits = lx_xrealloc(lits, cap * sizeof(char *));
                        }
                        lits[n] = lx_xmalloc((size_t)(pe - q) + 1);
                        memcpy(lits[n], q, (size_t)(pe - q));
                        lits[n][pe - q] = '\0';
                        n++;
                    }
                    q = pe + 1;
                }
            }
            p = e + 1;
        }
    }
    *out = lits;
    return n;
}

static int
count_hit(unsigned int id, unsigned long long from, unsigned long long to,
          unsigned int flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (*(size_t *)ctx)++;
    return 0;
}

static void
print_result(const char *impl, const struct corpus *c, struct stopwatch w,
             size_t flagged, const char *what, size_t patterns)
{
    size_t bytes = c->len - c->n; /* without the newlines */
    double wall = clock_s(CLOCK_MONOTONIC) - w.wall;
    double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - w.cpu;
    printf("{\"bench\":\"scan\",\"impl\":\"%s\",\"%s\":%zu,"
           "\"messages\":%zu,\"bytes\":%zu,\"seconds\":%.3f,"
           "\"mb_per_s\":%.1f,\"cpu_mb_per_s\":%.1f,\"hits\":%zu}\n",
           impl, what, patterns, c->n, bytes, wall,
           (double)bytes / 1e6 / wall, (double)bytes / 1e6 / cpu, flagged);
}

static int
write_file(const char *dir, const char *name, const char *data, size_t n)
{
    char path[4096];
    FILE *f;
    int w = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= sizeof(path) || (f = fopen(path, "wb")) == NULL) {
        fprintf(stderr, "bench_scan: cannot write %s\n", name);
        return 1;
    }
    if (fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "bench_scan: cannot write %s\n", name);
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    size_t mb = 100, count = 0, nsrc = 0, nlit, flagged = 0, hits = 0;
    const char *outdir = NULL;
    const struct lx_asset *a = lx_asset_all(&count);
    struct lx_scan_source src[64];
    struct lx_scan_pack *pack = NULL;
    struct lx_scan_scanner *sc = NULL;
    struct lx_scan_result res;
    struct lx_err err = {0};
    struct corpus c;
    char **lits;
    hs_database_t *db = NULL;
    hs_scratch_t *scratch = NULL;
    hs_compile_error_t *cerr = NULL;
    struct stopwatch t0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mb") == 0 && i + 1 < argc) {
            mb = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            outdir = argv[++i];
        } else {
            fprintf(stderr, "usage: bench_scan [--mb N] [--out DIR]\n");
            return 2;
        }
    }
    if (mb == 0 || mb > 4000) {
        fprintf(stderr, "bench_scan: --mb must be 1..4000\n");
        return 2;
    }
    for (size_t i = 0; i < count && nsrc < 64; i++) {
        size_t l = strlen(a[i].name);
        if (strncmp(a[i].name, "rules/", 6) == 0 && l > 6 &&
            strcmp(a[i].name + l - 6, ".rules") == 0) {
            src[nsrc++] = (struct lx_scan_source){
                a[i].name, (const char *)a[i].data, a[i].len};
        }
    }
    if (lx_scan_pack_compile(src, nsrc, &pack, &err) != LX_OK ||
        lx_scan_scanner_new(pack, &sc, &err) != LX_OK) {
        fprintf(stderr, "bench_scan: %s\n", lx_err_message(&err));
        return 1;
    }
    generate(&c, mb * 1000 * 1000);
    nlit = collect_literals(a, count, &lits);

    if (outdir != NULL) {
        struct corpus lc = {0};
        size_t ll = 0;
        for (size_t i = 0; i < nlit; i++) {
            ll += strlen(lits[i]) + 1;
        }
        lc.bytes = lx_xmalloc(ll + 1);
        ll = 0;
        for (size_t i = 0; i < nlit; i++) {
            size_t k = strlen(lits[i]);
            memcpy(lc.bytes + ll, lits[i], k);
            lc.bytes[ll + k] = '\n';
            ll += k + 1;
        }
        if (write_file(outdir, "corpus.txt", c.bytes, c.len) != 0 ||
            write_file(outdir, "literals.txt", lc.bytes, ll) != 0) {
            return 1;
        }
        free(lc.bytes);
    }

    /* 1. the full pack, one call per message */
    t0 = start_watch();
    for (size_t i = 0; i < c.n; i++) {
        size_t len = c.off[i + 1] - c.off[i] - 1;
        if (lx_scan_text(sc, c.bytes + c.off[i], len, NULL, &res, &err) !=
            LX_OK) {
            fprintf(stderr, "bench_scan: message %zu: %s\n", i,
                    lx_err_message(&err));
            return 1;
        }
        flagged += res.verdict != LX_SCAN_ALLOW;
    }
    print_result("lexgate-pack", &c, t0, flagged, "rules",
                 lx_scan_pack_rule_count(pack));

    /* 2. raw vectorscan over the literals alone */
    {
        unsigned *flags = lx_xcalloc(nlit, sizeof(unsigned));
        unsigned *ids = lx_xcalloc(nlit, sizeof(unsigned));
        for (size_t i = 0; i < nlit; i++) {
            ids[i] = (unsigned)i;
            flags[i] = HS_FLAG_UTF8;
        }
        /* plain literals contain no regex syntax, so compile them as is */
        if (hs_compile_multi((const char *const *)lits, flags, ids,
                             (unsigned)nlit, HS_MODE_BLOCK, NULL, &db,
                             &cerr) != HS_SUCCESS ||
            hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
            fprintf(stderr, "bench_scan: literal database failed\n");
            return 1;
        }
        free(flags);
        free(ids);
    }
    t0 = start_watch();
    for (size_t i = 0; i < c.n; i++) {
        size_t len = c.off[i + 1] - c.off[i] - 1;
        hs_scan(db, c.bytes + c.off[i], (unsigned)len, 0, scratch, count_hit,
                &hits);
    }
    print_result("vectorscan-literals", &c, t0, hits, "patterns", nlit);

    hs_free_scratch(scratch);
    hs_free_database(db);
    for (size_t i = 0; i < nlit; i++) {
        free(lits[i]);
    }
    free(lits);
    free(c.bytes);
    free(c.off);
    lx_scan_scanner_free(sc);
    lx_scan_pack_free(pack);
    return 0;
}
