/* SPDX-License-Identifier: Apache-2.0 */
/* sysfs.h - readers of small sysfs (and proc) attribute files and directories, as cAdvisor's
 * lib/utils/sysfs reads them (Go's TrimSpace, Atoi, Sscanf and ReadDir rules), and parsers of the
 * kernel's cpu lists ("0-3,8") and masks ("000000ff"). Reads go through core/fileio.h; no logging.
 * The parsers take (buf, len) without relying on NUL-termination. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many entries are listed per directory. */
#define CADV_SYSFS_DIR_MAX 65536u

/* Trims s in place as Go's strings.TrimSpace (ASCII white space). */
void cadv_sysfs_trim(char *s);
/* Reads a small file (cap bytes incl. the NUL) and trims it. Returns 0 or -errno/-EFBIG. */
int cadv_sysfs_read_trimmed(int dirfd, const char *path, char *buf, size_t cap);
/* strconv.Atoi of the trimmed file. Returns 0, -EINVAL or the read's -errno. */
int cadv_sysfs_read_atoi(int dirfd, const char *path, int *ret);
/* fmt.Sscanf(file, "%d"), rejecting negatives if want_unsigned. Returns 0, -EINVAL or -errno. */
int cadv_sysfs_read_scan(int dirfd, const char *path, bool want_unsigned, int64_t *ret);

struct cadv_name_list {
    char **v; /* malloc'd names */
    size_t n;
};
typedef bool (*cadv_name_filter)(const char *name, const char *arg);
/* Entries of dirfd/path except "." and "..", kept when keep(name, arg) (or all when keep is NULL),
 * byte-sorted like Go's os.ReadDir and filepath.Glob, at most CADV_SYSFS_DIR_MAX. Returns 0 or
 * -errno; *ret is written only on success. */
int cadv_sysfs_list_dir(int dirfd, const char *path, cadv_name_filter keep, const char *arg,
                        struct cadv_name_list *ret);
/* Frees the names; the list may be reused. Accepts a zeroed list. */
void cadv_name_list_done(struct cadv_name_list *l);
/* Go's fmt.Sscanf("%d"): skips leading blanks, an optional sign, then decimal digits; trailing text
 * is ignored. *ret_used (optional) is the number of bytes consumed. Returns 0, -EINVAL, -ERANGE. */
int cadv_sysfs_scan_i64(const char *s, size_t len, int64_t *ret, size_t *ret_used);

/* Whether cpu is listed in a kernel cpu list ("0-3,8,10-11\n"), as cAdvisor's isCPUOnline (which
 * stops at the first match). Returns 1, 0, or -EINVAL for a malformed list. */
int cadv_sysfs_cpulist_contains(const char *buf, size_t len, unsigned cpu);
/* Number of CPUs in a kernel cpumask ("00000000,000000ff\n"). Returns it, or -EINVAL. */
int cadv_sysfs_cpumask_weight(const char *buf, size_t len);
