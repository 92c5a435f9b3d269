/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_diskstats.c - /proc/diskstats. Invariants: no crash or out-of-bounds read; parsed lines keep
 * 11..CADV_DISKSTATS_MAX_FIELDS fields and a blank-free name, and format back to a line that parses
 * to the same entry; the whole-file walker only hands out wanted device names. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/diskstats.h"
#include "core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_wanted(const struct cadv_diskstats_entry *e, void *userdata)
{
    (void)userdata;
    if (!cadv_diskstats_name_wanted(e->name) || e->n_fields < 11)
        abort();
    return 0;
}

static void check_line(const char *line, size_t len)
{
    struct cadv_diskstats_entry e, again;
    struct cadv_buf b;

    if (cadv_diskstats_parse_line(line, len, &e) != 0)
        return;
    if (e.n_fields < 11 || e.n_fields > CADV_DISKSTATS_MAX_FIELDS || !e.name[0] ||
        strpbrk(e.name, " \t\n\r\v\f"))
        abort();
    cadv_buf_init(&b, 0);
    cadv_buf_printf(&b, "%4u %7u %s", e.major, e.minor, e.name);
    for (unsigned i = 0; i < e.n_fields; i++)
        cadv_buf_printf(&b, " %" PRIu64, e.fields[i]);
    if (cadv_diskstats_parse_line(b.data, b.len, &again) != 0 || again.major != e.major ||
        again.minor != e.minor || strcmp(again.name, e.name) != 0 || again.n_fields != e.n_fields ||
        memcmp(again.fields, e.fields, sizeof(e.fields)) != 0)
        abort();
    cadv_buf_done(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    size_t pos = 0;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    (void)cadv_diskstats_parse(buf, size, check_wanted, NULL);
    while (pos < size) {
        const char *nl = memchr(buf + pos, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : size - pos;

        check_line(buf + pos, n);
        pos += n + 1;
    }
    free(buf);
    return 0;
}
