/* SPDX-License-Identifier: Apache-2.0 */
/* ui_assets.h - the web UI's files, embedded at build time by scripts/embed-ui (from ui/ and the
 * npm packages of package.json). */
#pragma once

#include <stddef.h>

struct cadv_ui_asset {
    const char *name;         /* file name, e.g. "cadv.js" */
    const char *content_type; /* from the extension */
    const unsigned char *data;
    size_t data_len;
    const unsigned char *gz; /* the same bytes gzip-compressed */
    size_t gz_len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct cadv_ui_asset cadv_ui_assets[];
