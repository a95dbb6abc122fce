/* fuzz target: SHA-256 on SHA-NI against libsodium (crypto/sha256.c).
 * The first two bytes choose where the rest is split between the two input
 * parts; both implementations must agree. Without SHA-NI only libsodium
 * runs, which checks nothing but that it does not crash. */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char a[LX_CRYPTO_SHA256_BYTES], b[LX_CRYPTO_SHA256_BYTES];
    size_t cut;

    if (size < 2) {
        return 0;
    }
    cut = ((size_t)data[0] << 8 | data[1]) % (size - 1);
    data += 2;
    size -= 2;
    crypto__sha256_by(CRYPTO__SHA256_SODIUM, data, size, NULL, 0, a);
    if (crypto__sha256_has(CRYPTO__SHA256_NI)) {
        crypto__sha256_by(CRYPTO__SHA256_NI, data, cut, data + cut, size - cut,
                          b);
        if (memcmp(a, b, sizeof(a)) != 0) {
            __builtin_trap();
        }
    }
    return 0;
}
