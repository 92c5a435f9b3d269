/* SPDX-License-Identifier: Apache-2.0 */
/* diskstats.h - the /proc/diskstats parser, as cAdvisor reads it for filesystem I/O counters. No I/O,
 * no logging; takes (buf, len) without relying on NUL-termination. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fields after the device name kept from a /proc/diskstats line (kernel 5.5+ writes 17). */
#define CADV_DISKSTATS_MAX_FIELDS 20u

struct cadv_diskstats_entry {
    unsigned major, minor;
    char name[64];
    uint64_t fields[CADV_DISKSTATS_MAX_FIELDS]; /* reads, reads merged, sectors read, read ms, ... */
    unsigned n_fields;                          /* 11 .. CADV_DISKSTATS_MAX_FIELDS */
};
/* Parses one /proc/diskstats line ("   8       0 sda 1 2 3 ..."). Returns 0, or -EINVAL when it
 * has fewer than 11 statistics or a field is not a number (cAdvisor rejects such files). */
int cadv_diskstats_parse_line(const char *line, size_t len, struct cadv_diskstats_entry *ret);
typedef int (*cadv_diskstats_cb)(const struct cadv_diskstats_entry *e, void *userdata);
/* Calls cb for each line that parses and whose name cadv_diskstats_name_wanted accepts.
 * Returns 0, -EINVAL on the first malformed wanted line, or cb's negative value. */
int cadv_diskstats_parse(const char *buf, size_t len, cadv_diskstats_cb cb, void *userdata);
/* cAdvisor's `^(?:(?:s|v|xv)d[a-z]+\d*|dm-\d+)$`: the devices whose stats feed filesystems. */
bool cadv_diskstats_name_wanted(const char *name);
