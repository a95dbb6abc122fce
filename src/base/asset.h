/*
 * asset — read-only files embedded in the binary at build time.
 *
 * tools/embed-assets turns the files under data/ and rules/ (and the web
 * console later) into one generated C file, so `lexgate pii`, `scan` and
 * `calendar` work with no file system access and no ../shared. Names are
 * paths relative to the source tree, e.g. "data/cn-holidays/cn-holidays.csv".
 */
#ifndef LX_BASE_ASSET_H
#define LX_BASE_ASSET_H

#include <stddef.h>

struct lx_asset {
    const char *name;
    const unsigned char *data; /* NUL-terminated; len excludes the NUL */
    size_t len;
};

/* The asset called 'name', or NULL. */
const struct lx_asset *lx_asset_find(const char *name);

/* All assets, for listing; *count gets their number. */
const struct lx_asset *lx_asset_all(size_t *count);

#endif /* LX_BASE_ASSET_H */
