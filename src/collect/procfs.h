/* SPDX-License-Identifier: Apache-2.0 */
/* procfs.h - bounded parsers of the small kernel text files behind the machine info and the
 * filesystem inventory: /proc/cpuinfo, /proc/meminfo (and sysfs node meminfo), /proc/self/mountinfo,
 * /proc/diskstats, os-release, and sysfs cpu lists and masks. They reproduce cAdvisor's regular
 * expressions and Go scanning rules. No I/O except cadv_procfs_read_file; no logging. Every parser
 * takes (buf, len) without relying on NUL-termination and never reads outside it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default cap for whole-file reads (mountinfo of a busy Kubernetes node stays far below it). */
#define CADV_PROCFS_FILE_MAX      (16u << 20)
/* Lines longer than this are skipped by the line-based parsers (Go's bufio.Scanner limit). */
#define CADV_PROCFS_LINE_MAX      (64u << 10)
/* At most this many distinct ids are counted per cpuinfo key. */
#define CADV_CPUINFO_MAX_IDS      65536u
/* Fields after the device name kept from a /proc/diskstats line (kernel 5.5+ writes 17). */
#define CADV_DISKSTATS_MAX_FIELDS 20u

/* Reads dirfd/path whole into a malloc'd, NUL-terminated buffer (caller frees). Returns 0, -EFBIG
 * if the file is larger than max bytes, or -errno. */
int cadv_procfs_read_file(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* The `btime` line of /proc/stat (boot time, seconds since the epoch). The file has a line per CPU
 * and a long `intr` line before btime: hundreds of CPUs make it far larger than a page. Returns 0, or
 * -ENOENT when there is no well-formed btime line. */
int cadv_procfs_parse_btime(const char *buf, size_t len, uint64_t *ret);
/* Reads proc_dirfd/stat whole (at most CADV_PROCFS_FILE_MAX) and parses its btime. Returns 0, -ENOENT,
 * -EFBIG or the read's -errno. */
int cadv_procfs_read_btime(int proc_dirfd, uint64_t *ret);

/* At most this many entries are listed per directory. */
#define CADV_PROCFS_DIR_MAX 65536u

struct statvfs;

/* Trims s in place as Go's strings.TrimSpace (ASCII white space). */
void cadv_procfs_trim(char *s);
/* Reads a small file (cap bytes incl. the NUL) and trims it. Returns 0 or -errno/-EFBIG. */
int cadv_procfs_read_trimmed(int dirfd, const char *path, char *buf, size_t cap);
/* strconv.Atoi of the trimmed file. Returns 0, -EINVAL or the read's -errno. */
int cadv_procfs_read_atoi(int dirfd, const char *path, int *ret);
/* fmt.Sscanf(file, "%d"), rejecting negatives if want_unsigned. Returns 0, -EINVAL or -errno. */
int cadv_procfs_read_scan(int dirfd, const char *path, bool want_unsigned, int64_t *ret);

struct cadv_name_list {
    char **v; /* malloc'd names */
    size_t n;
};
typedef bool (*cadv_name_filter)(const char *name, const char *arg);
/* Entries of dirfd/path except "." and "..", kept when keep(name, arg) (or all when keep is NULL),
 * byte-sorted like Go's os.ReadDir and filepath.Glob, at most CADV_PROCFS_DIR_MAX. Returns 0 or
 * -errno; *ret is written only on success. */
int cadv_procfs_list_dir(int dirfd, const char *path, cadv_name_filter keep, const char *arg,
                         struct cadv_name_list *ret);
/* Frees the names; the list may be reused. Accepts a zeroed list. */
void cadv_name_list_done(struct cadv_name_list *l);
/* fstatvfs of dirfd/path (opened O_PATH, following symlinks) done on a helper thread and waited for
 * at most timeout_ns, as cAdvisor's 2 s statfs timeout, so a hung NFS server cannot stall the caller
 * (the thread is then left to finish on its own). Returns 0, -ETIMEDOUT or -errno. */
int cadv_procfs_statvfs_at(int dirfd, const char *path, uint64_t timeout_ns, struct statvfs *ret);

/* Go's fmt.Sscanf("%d"): skips leading blanks, an optional sign, then decimal digits; trailing text
 * is ignored. *ret_used (optional) is the number of bytes consumed. Returns 0, -EINVAL, -ERANGE. */
int cadv_procfs_scan_i64(const char *s, size_t len, int64_t *ret, size_t *ret_used);

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
int cadv_procfs_parse_mountinfo_line(char *line, size_t len, struct cadv_mountinfo_entry *ret);
typedef int (*cadv_mountinfo_cb)(const struct cadv_mountinfo_entry *e, void *userdata);
/* Calls cb for each well-formed line of buf, which is modified in place and must have one writable
 * byte past len (cadv_procfs_read_file's NUL); entries point into it and stay valid while buf lives.
 * Malformed and over-long lines are skipped. Stops when cb returns < 0 and returns that value; else
 * returns the number of lines skipped. */
int cadv_procfs_parse_mountinfo(char *buf, size_t len, cadv_mountinfo_cb cb, void *userdata);

struct cadv_diskstats_entry {
    unsigned major, minor;
    char name[64];
    uint64_t fields[CADV_DISKSTATS_MAX_FIELDS]; /* reads, reads merged, sectors read, read ms, ... */
    unsigned n_fields;                          /* 11 .. CADV_DISKSTATS_MAX_FIELDS */
};
/* Parses one /proc/diskstats line ("   8       0 sda 1 2 3 ..."). Returns 0, or -EINVAL when it
 * has fewer than 11 statistics or a field is not a number (cAdvisor rejects such files). */
int cadv_procfs_parse_diskstats_line(const char *line, size_t len, struct cadv_diskstats_entry *ret);
typedef int (*cadv_diskstats_cb)(const struct cadv_diskstats_entry *e, void *userdata);
/* Calls cb for each line that parses and whose name cadv_procfs_diskstats_name_wanted accepts.
 * Returns 0, -EINVAL on the first malformed wanted line, or cb's negative value. */
int cadv_procfs_parse_diskstats(const char *buf, size_t len, cadv_diskstats_cb cb, void *userdata);
/* cAdvisor's `^(?:(?:s|v|xv)d[a-z]+\d*|dm-\d+)$`: the devices whose stats feed filesystems. */
bool cadv_procfs_diskstats_name_wanted(const char *name);

/* os-release PRETTY_NAME as cAdvisor reads it: the first `PRETTY_NAME=(.*)` match with surrounding
 * '"' trimmed, or "Linux" when there is none. Writes a NUL-terminated, possibly truncated copy. */
void cadv_procfs_os_pretty_name(const char *buf, size_t len, char *ret, size_t cap);

/* Whether cpu is listed in a kernel cpu list ("0-3,8,10-11\n"), as cAdvisor's isCPUOnline (which
 * stops at the first match). Returns 1, 0, or -EINVAL for a malformed list. */
int cadv_procfs_cpulist_contains(const char *buf, size_t len, unsigned cpu);
/* Number of CPUs in a kernel cpumask ("00000000,000000ff\n"). Returns it, or -EINVAL. */
int cadv_procfs_cpumask_weight(const char *buf, size_t len);

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
bool cadv_procfs_fs_type_claimed(const char *fstype);
/* Builds the partitions of a mountinfo buffer (parsed in place, as cadv_procfs_parse_mountinfo, so
 * mountinfo[len] must be writable), in first-seen order (cAdvisor keeps
 * them in a Go map): claimed mounts, later mounts of a seen source skipped except tmpfs, then the
 * "/" mount under its raw source whatever its type. *ret is malloc'd (NULL when empty); free it
 * with cadv_procfs_fs_partitions_free. */
void cadv_procfs_fs_partitions(char *mountinfo, size_t len, int rootfd, struct cadv_fs_partition **ret,
                               size_t *ret_n);
void cadv_procfs_fs_partitions_free(struct cadv_fs_partition *p, size_t n);
