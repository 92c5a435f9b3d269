/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_nested_keyed.c - the nested keyed parser of io.stat ("8:0 rbytes=1 wbytes=2 ..."). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/keyed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    const char *buf;
    size_t size;
    int pairs;
};

static void pair_cb(void *p, uint64_t major, uint64_t minor, const char *key, size_t key_len, uint64_t value)
{
    struct ctx *c = p;

    (void)major;
    (void)minor;
    (void)value;
    assert(key_len > 0 && key >= c->buf && key + key_len <= c->buf + c->size);
    assert(memchr(key, '=', key_len) == NULL);
    c->pairs++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    struct ctx c = {buf, size, 0};
    int lines;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    lines = cadv_nested_keyed_parse(buf, size, pair_cb, &c);
    assert(lines >= 0 && (lines > 0 || c.pairs == 0));
    free(buf);
    return 0;
}
