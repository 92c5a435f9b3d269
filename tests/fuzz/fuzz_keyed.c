/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_keyed.c - the flat cgroup parsers of keyed.h: "key value" files (memory.stat, cpu.stat,
 * memory.events), single values, number lists (cpuacct.usage_percpu) and memory.numa_stat. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/keyed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_cb(void *ctx, const char *key, size_t key_len, uint64_t value)
{
    (void)value;
    assert(key_len > 0 && key[0] != '\n');
    (*(int *)ctx)++;
    return 0;
}

static void numa_cb(void *ctx, const char *key, size_t key_len, uint64_t node, uint64_t pages)
{
    (void)key;
    (void)key_len;
    (void)pages;
    assert(node <= 255);
    (*(int *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"cache", "rss", "total_inactive_file", "pgfault", "usage_usec", "max"};
    char *buf = malloc(size ? size : 1); /* exact size: ASan catches reads past the end */
    uint64_t v[6] = {0}, found = 0, one, list[8];
    int n = 0, m, lines = 0;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    m = cadv_keyed_parse(buf, size, keys, 6, v, &found);
    assert(m >= 0 && (found & ~UINT64_C(0x3f)) == 0);
    assert(__builtin_popcountll(found) <= m);
    assert(cadv_keyed_foreach(buf, size, count_cb, &n) == n && n >= m);
    (void)cadv_keyed_parse_value(buf, size, &one);
    m = cadv_keyed_parse_list(buf, size, list, 8);
    assert(m <= 8);
    m = cadv_numa_stat_parse(buf, size, numa_cb, &lines);
    assert(m >= 0 || m == -EBADMSG);
    free(buf);
    return 0;
}
