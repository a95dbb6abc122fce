/* fuzz target: the conduct scanner (scan/) over the embedded rule pack. */
#include "base/asset.h"
#include "scan/scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lx_scan_pack *pack;
    static struct lx_scan_scanner *scanner;
    struct lx_scan_result res;

    if (pack == NULL) {
        struct lx_scan_source src[32];
        size_t n = 0, count;
        const struct lx_asset *all = lx_asset_all(&count);

        for (size_t i = 0; i < count && n < 32; i++) {
            size_t l = strlen(all[i].name);
            if (strncmp(all[i].name, "rules/", 6) == 0 && l > 6 &&
                strcmp(all[i].name + l - 6, ".rules") == 0) {
                src[n++] = (struct lx_scan_source){
                    all[i].name, (const char *)all[i].data, all[i].len};
            }
        }
        if (lx_scan_pack_compile(src, n, &pack, NULL) != LX_OK ||
            lx_scan_scanner_new(pack, &scanner, NULL) != LX_OK) {
            abort();
        }
    }
    if (lx_scan_text(scanner, (const char *)data, size, NULL, &res, NULL) ==
        LX_OK) {
        for (size_t i = 0; i < res.n_findings; i++) {
            if (res.findings[i].start >= res.findings[i].end ||
                res.findings[i].end > size) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
