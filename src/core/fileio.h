/* SPDX-License-Identifier: Apache-2.0 */
/* fileio.h - the one way cadv reads kernel files (/proc, /sys, cgroupfs): whole-file readers and a
 * line iterator, all bounded. Nothing here logs.
 *
 * Contract, shared by every reader below (like systemd's read_virtual_file_at):
 * - Reading goes on until read() returns 0. A kernel seq_file hands out about a page per read()
 *   however large the request (/proc/self/mountinfo, /proc/net/tcp, /proc/diskstats, /proc/stat on a
 *   big host), so a short read is NOT the end of the file. (Only cadv_pread_all takes that shortcut,
 *   for files known to hold one record.)
 * - EINTR is retried.
 * - Every read is capped. A file larger than the cap, or one that grows past it while being read, is
 *   -EFBIG, never a silently truncated copy. A file that grows within the cap is read to its end.
 * - A vanished file is -ENOENT: ENOENT, ENODEV (a kernfs file of a removed cgroup) and ESRCH (a
 *   /proc/<pid> file of a reaped process) from openat or read().
 * - Other failures are the -errno of openat/read. Out-parameters are written only on success.
 * Paths are opened with openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Reads dirfd/path whole into buf (cap bytes, the terminating NUL included). On success buf is
 * NUL-terminated and *ret_len is the length read. Returns 0, -EFBIG (more than cap - 1 bytes),
 * -EINVAL (cap 0), -ENOENT or -errno. */
int cadv_read_at(int dirfd, const char *path, char *buf, size_t cap, size_t *ret_len);
/* Reads dirfd/path whole into a malloc'd, NUL-terminated buffer (*ret, the caller frees) of at most
 * max bytes (the NUL not counted). *ret_len is optional. Returns 0, -EFBIG, -ENOENT or -errno. */
int cadv_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
/* Like cadv_read_at on an already-open fd, reading from offset 0 with pread. The exception to "read
 * until EOF": a short read is taken as the end, which saves a pread per file per cycle. Only for
 * files whose whole content is one record written in one go (cgroup attribute files such as
 * memory.stat or cpu.stat, /proc/<pid>/stat); never for multi-record seq files. */
int cadv_pread_all(int fd, char *buf, size_t cap, size_t *ret_len);

/* A line iterator over a file read in chunks through a caller's buffer (no allocation, any file
 * size), or over an in-memory buffer. Lines end at '\n' (not included); the last one may lack it; a
 * '\r' is kept. A line longer than the limit (cap - 1 bytes for a file read through a buffer of cap
 * bytes, max_line for memory) is reported once as -EBADMSG; calling cadv_lines_next again skips the rest of
 * it and goes on. Fields are private. */
struct cadv_lines {
    int fd;          /* -1 for an in-memory buffer */
    const char *mem; /* in-memory input */
    char *buf;       /* the file's chunk buffer (borrowed) */
    size_t cap;      /* file: size of buf; memory: max_line */
    size_t start, end;
    bool eof, skipping;
    int err; /* sticky: a read error */
};

/* Opens dirfd/path and iterates over its lines through buf (cap bytes: lines of up to cap - 1
 * bytes; it must outlive the iterator). Returns 0, -EINVAL (cap < 2), -ENOENT or -errno (*it
 * untouched). */
int cadv_lines_open_at(struct cadv_lines *it, int dirfd, const char *path, char *buf, size_t cap);
/* Iterates over the lines of an open fd, which the iterator owns from now on (cadv_lines_done closes
 * it), read from its current offset through buf (cap > 1 bytes). */
void cadv_lines_init_fd(struct cadv_lines *it, int fd, char *buf, size_t cap);
/* Iterates over the lines of data[0..len) (borrowed, no NUL needed); lines longer than max_line are
 * -EBADMSG as in a file (SIZE_MAX: no limit). */
void cadv_lines_init_mem(struct cadv_lines *it, const char *data, size_t len, size_t max_line);
/* The next line: *ret_line (not NUL-terminated, valid until the next call) and *ret_len. Returns 1,
 * 0 at the end, -EBADMSG for an over-long line (see above), -ENOENT (the file vanished) or -errno.
 * After 0 or an error other than -EBADMSG it keeps returning the same. */
int cadv_lines_next(struct cadv_lines *it, const char **ret_line, size_t *ret_len);
/* Closes the file, if any. Accepts an iterator that was done already. */
void cadv_lines_done(struct cadv_lines *it);
