/* fuzz target: ISO 8601 parsing and formatting (base/time). */
#include "base/time.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ms, ms2;
    int off;
    char out[48];

    if (lx_time_parse_iso((const char *)data, size, &ms, &off, NULL) == LX_OK) {
        size_t n = lx_time_format(ms, off, true, out, sizeof(out));
        /* What we print must parse back to the same instant. */
        if (lx_time_parse_iso(out, n, &ms2, NULL, NULL) != LX_OK ||
            ms2 != ms) {
            __builtin_trap();
        }
    }
    return 0;
}
