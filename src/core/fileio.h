/* SPDX-License-Identifier: Apache-2.0 */
/* fileio.h - bounded reads of small kernel files into caller buffers. No allocation.
 * Errors are negative errno; -ENOENT/-ENODEV on a cgroup file means the cgroup is gone. */
#pragma once

#include <stddef.h>

/* Reads dirfd/path (openat, O_CLOEXEC) into buf (cap bytes incl. the NUL). On success *ret_len is the
 * length read and buf is NUL-terminated. Returns 0, -EFBIG if the file does not fit, or -errno. */
int cadv_read_at(int dirfd, const char *path, char *buf, size_t cap, size_t *ret_len);
/* Like cadv_read_at on an already-open fd, reading from offset 0 with pread. A short read is taken as
 * the end of the file (true of regular files and of the kernel's seq_file/kernfs files). */
int cadv_pread_all(int fd, char *buf, size_t cap, size_t *ret_len);
