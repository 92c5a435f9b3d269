/* SPDX-License-Identifier: Apache-2.0 */
/* procfs.h - bounded parsers of the /proc text files behind the machine info and the process
 * metrics: /proc/cpuinfo, /proc/meminfo (and sysfs node meminfo), /proc/stat's btime and os-release.
 * They reproduce cAdvisor's regular expressions and Go scanning rules. No I/O except
 * cadv_procfs_read_btime (through core/fileio.h); no logging. Every parser takes (buf, len) without
 * relying on NUL-termination and never reads outside it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Cap for whole-file reads of cpuinfo, meminfo and stat (a host with thousands of CPUs stays far
 * below it). */
#define CADV_PROCFS_FILE_MAX (16u << 20)
/* At most this many distinct ids are counted per cpuinfo key. */
#define CADV_CPUINFO_MAX_IDS 65536u

/* The `btime` line of /proc/stat (boot time, seconds since the epoch). The file has a line per CPU
 * and a long `intr` line before btime: hundreds of CPUs make it far larger than a page. Returns 0, or
 * -ENOENT when there is no well-formed btime line. */
int cadv_procfs_parse_btime(const char *buf, size_t len, uint64_t *ret);
/* Reads proc_dirfd/stat whole (at most CADV_PROCFS_FILE_MAX) and parses its btime. Returns 0, -ENOENT,
 * -EFBIG or the read's -errno. */
int cadv_procfs_read_btime(int proc_dirfd, uint64_t *ret);

struct cadv_cpuinfo {
    char vendor_id[64]; /* first `vendor_id\s*:\s*(\w+)` match; "" when none */
    bool has_mhz;       /* a `(cpu MHz|CPU MHz|clock)\s*:\s*([0-9]+\.[0-9]+)` match was found */
    double mhz;         /* its value */
    /* Distinct values of `^core id : N`, `^physical id : N`, `^book id : N`, `^drawer id : N` lines. */
    unsigned core_ids, physical_ids, book_ids, drawer_ids;
};
/* Parses /proc/cpuinfo. Always succeeds on any input (fields it cannot find stay empty/zero). */
void cadv_procfs_parse_cpuinfo(const char *buf, size_t len, struct cadv_cpuinfo *ret);

/* Finds the first `<key>:\s*([0-9]+) kB` in /proc/meminfo or a sysfs node meminfo ("Node 0
 * MemTotal: ...") and writes the value in bytes. Returns 0, -ENOENT or -ERANGE. */
int cadv_procfs_meminfo_bytes(const char *buf, size_t len, const char *key, uint64_t *ret_bytes);

/* os-release PRETTY_NAME as cAdvisor reads it: the first `PRETTY_NAME=(.*)` match with surrounding
 * '"' trimmed, or "Linux" when there is none. Writes a NUL-terminated, possibly truncated copy. */
void cadv_procfs_os_pretty_name(const char *buf, size_t len, char *ret, size_t cap);
