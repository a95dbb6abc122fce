/* fuzz target: the strict JSON decoder (base/json). */
#include "base/json.h"

#include <jansson.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_t *j = NULL;
    struct lx_err err = {0};

    if (lx_json_parse((const char *)data, size, NULL, &j, &err) == LX_OK) {
        json_decref(j);
    }
    return 0;
}
