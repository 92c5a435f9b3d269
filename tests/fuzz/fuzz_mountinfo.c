/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_mountinfo.c - /proc/self/mountinfo and the filesystem partitions built from it. Invariants:
 * no crash, leak or out-of-bounds access; every parsed entry, escaped and formatted back into a
 * mountinfo line, parses to the same entry; partition keys are unique. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/mountinfo.h"
#include "core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_escaped(struct cadv_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
            cadv_buf_printf(b, "\\%03o", (unsigned char)*s);
        else
            cadv_buf_putc(b, *s);
    }
}

static bool same(const struct cadv_mountinfo_entry *a, const struct cadv_mountinfo_entry *b)
{
    return a->id == b->id && a->parent == b->parent && a->major == b->major && a->minor == b->minor &&
           !strcmp(a->root, b->root) && !strcmp(a->mountpoint, b->mountpoint) &&
           !strcmp(a->options, b->options) && !strcmp(a->optional, b->optional) &&
           !strcmp(a->fstype, b->fstype) && !strcmp(a->source, b->source) &&
           !strcmp(a->super_options, b->super_options);
}

static int round_trip(const struct cadv_mountinfo_entry *e, void *userdata)
{
    struct cadv_mountinfo_entry again;
    struct cadv_buf b;

    (void)userdata;
    /* Raw fields come back verbatim only if they hold no separator of their own. */
    if (strchr(e->options, ' ') || strchr(e->super_options, ' ') || strchr(e->optional, '\n'))
        abort();
    cadv_buf_init(&b, 0);
    cadv_buf_printf(&b, "%d %d %u:%u ", e->id < 0 ? 0 : e->id, e->parent < 0 ? 0 : e->parent, e->major,
                    e->minor);
    put_escaped(&b, e->root);
    cadv_buf_putc(&b, ' ');
    put_escaped(&b, e->mountpoint);
    cadv_buf_printf(&b, " %s ", e->options);
    if (*e->optional)
        cadv_buf_printf(&b, "%s ", e->optional);
    cadv_buf_puts(&b, "- ");
    put_escaped(&b, e->fstype);
    cadv_buf_putc(&b, ' ');
    put_escaped(&b, e->source);
    cadv_buf_printf(&b, " %s", e->super_options);
    if (e->id >= 0 && e->parent >= 0 && !strstr(e->optional, " - ") && strcmp(e->optional, "-") != 0 &&
        strncmp(e->optional, "- ", 2) != 0) {
        if (cadv_mountinfo_parse_line(b.data, b.len, &again) != 0 || !same(e, &again))
            abort();
    }
    cadv_buf_done(&b);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cadv_fs_partition *parts;
    char *buf = malloc(size + 1), *copy;
    size_t n;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    copy = malloc(size + 1);
    if (copy)
        memcpy(copy, data, size);
    if (cadv_mountinfo_parse(buf, size, round_trip, NULL) < 0)
        abort();
    if (copy) {
        cadv_mountinfo_partitions(copy, size, -1, &parts, &n);
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (strcmp(parts[i].source, parts[j].source) == 0)
                    abort();
        cadv_mountinfo_partitions_free(parts, n);
        free(copy);
    }
    free(buf);
    return 0;
}
