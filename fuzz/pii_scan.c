/* fuzz target: PII detection and masking (pii/) on arbitrary bytes. */
#include "base/asset.h"
#include "base/buf.h"
#include "pii/pii.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
    size_t len;
    size_t last_end;
};

static bool
on_finding(void *arg, const struct lx_pii_finding *f)
{
    struct check *c = arg;

    /* In order, in bounds, never empty, never overlapping. */
    if (f->start >= f->end || f->end > c->len || f->start < c->last_end) {
        __builtin_trap();
    }
    c->last_end = f->end;
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lx_pii_regions *regions;
    struct lx_pii_opts opts;
    struct check c = {size, 0};
    struct lx_buf out = LX_BUF_INIT(16 * size + 64);

    if (regions == NULL) {
        const struct lx_asset *a = lx_asset_find("data/gbt2260/divisions.csv");
        regions = lx_pii_regions_new();
        if (a == NULL || lx_pii_regions_add_csv(regions, (const char *)a->data,
                                                a->len, NULL, NULL) != LX_OK) {
            abort();
        }
    }
    opts.regions = regions;
    opts.ref_days = 20000;
    lx_pii_scan(&opts, (const char *)data, size, on_finding, &c);
    if (lx_pii_mask_text(&opts, (const char *)data, size, &out, NULL, NULL) !=
        LX_OK) {
        __builtin_trap();
    }
    lx_buf_release(&out);
    return 0;
}
