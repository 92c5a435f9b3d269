/* SPDX-License-Identifier: Apache-2.0 */
/* mountinfo.h - the /proc/<pid>/mountinfo parser (moby/sys/mountinfo's rules) and cAdvisor's
 * filesystem partitions built from a mountinfo (fs.processMounts). No I/O except the stat of btrfs
 * devices; no logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Cap for reading a whole mountinfo (a busy Kubernetes node stays far below it). */
#define CADV_MOUNTINFO_FILE_MAX (16u << 20)
/* Lines longer than this are skipped (Go's bufio.Scanner limit). */
#define CADV_MOUNTINFO_LINE_MAX (64u << 10)

struct cadv_mountinfo_entry {
    int id, parent;
    unsigned major, minor;
    const char *root;       /* unescaped; points into the parsed line */
    const char *mountpoint; /* unescaped */
    const char *options;
    const char *optional; /* optional fields joined by spaces; "" when none */
    const char *fstype;   /* unescaped */
    const char *source;   /* unescaped */
    const char *super_options;
};
/* Parses one mountinfo line of len bytes in place, as moby/sys/mountinfo does: fields split on
 * single spaces, octal escapes (\040) decoded, fields NUL-terminated. line[len] (its '\n' or NUL)
 * must be writable. Returns 0 or -EINVAL (the line may then be partly modified). Unlike cAdvisor,
 * `optional` holds all optional fields. */
int cadv_mountinfo_parse_line(char *line, size_t len, struct cadv_mountinfo_entry *ret);
typedef int (*cadv_mountinfo_cb)(const struct cadv_mountinfo_entry *e, void *userdata);
/* Calls cb for each well-formed line of buf, which is modified in place and must have one writable
 * byte past len (cadv_read_file_at's NUL); entries point into it and stay valid while buf lives.
 * Malformed and over-long lines are skipped. Stops when cb returns < 0 and returns that value; else
 * returns the number of lines skipped. */
int cadv_mountinfo_parse(char *buf, size_t len, cadv_mountinfo_cb cb, void *userdata);

/* cAdvisor's filesystem "partitions" (fs.processMounts plus the root label,
 * docs/compatibility.md#filesystems). */
struct cadv_fs_partition {
    char *source; /* the key: mount source, the mount point for tmpfs, "<source>_<maj>-<min>" for overlay */
    char *mountpoint;
    char *fstype;
    unsigned major, minor; /* btrfs on major 0: the real numbers, from stat under rootfd */
};
/* Whether one of cAdvisor's filesystem plugins claims fstype (zfs, btrfs, overlay, tmpfs, nfs*, ext*,
 * xfs and the other VFS types; devicemapper is left out: it needs dmsetup). */
bool cadv_mountinfo_fs_type_claimed(const char *fstype);
/* Builds the partitions of a mountinfo buffer (parsed in place, as cadv_mountinfo_parse, so
 * mountinfo[len] must be writable), in first-seen order (cAdvisor keeps
 * them in a Go map): claimed mounts, later mounts of a seen source skipped except tmpfs, then the
 * "/" mount under its raw source whatever its type. *ret is malloc'd (NULL when empty); free it
 * with cadv_mountinfo_partitions_free. */
void cadv_mountinfo_partitions(char *mountinfo, size_t len, int rootfd, struct cadv_fs_partition **ret,
                               size_t *ret_n);
void cadv_mountinfo_partitions_free(struct cadv_fs_partition *p, size_t n);
