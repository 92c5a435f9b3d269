/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_blkio.c - the cgroup v1 blkio parser ("8:0 Read 123", "8:0 123", "Total 123"). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/keyed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    const char *buf;
    size_t size;
    int n;
};

static void entry_cb(void *p, uint64_t major, uint64_t minor, const char *op, size_t op_len, uint64_t value)
{
    struct ctx *c = p;

    (void)major;
    (void)minor;
    (void)value;
    assert(op_len == 0 || (op >= c->buf && op + op_len <= c->buf + c->size));
    c->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    struct ctx c = {buf, size, 0};
    int counted, parsed;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    counted = cadv_blkio_parse(buf, size, NULL, NULL);
    parsed = cadv_blkio_parse(buf, size, entry_cb, &c);
    /* Validation and parsing agree; a well-formed file reports every entry it passed on. */
    assert(counted == parsed);
    assert(parsed == -EBADMSG || parsed == c.n);
    free(buf);
    return 0;
}
