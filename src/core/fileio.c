/* SPDX-License-Identifier: Apache-2.0 */
/* fileio.c - bounded reads of small kernel files. */
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "core/parse.h"

int cadv_pread_all(int fd, char *buf, size_t cap, size_t *ret_len)
{
    size_t len = 0;

    if (cap == 0)
        return -EINVAL;
    for (;;) {
        ssize_t n = pread(fd, buf + len, cap - 1 - len, (off_t)len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        /* Kernel seq_file and kernfs files fill the whole request unless they reached the end, so a
         * short read is the end: this saves the second pread per file per cycle. */
        if ((size_t)n < cap - 1 - (len - (size_t)n))
            break;
        if (len == cap - 1) {
            char c;

            n = pread(fd, &c, 1, (off_t)len);
            if (n > 0)
                return -EFBIG;
            break;
        }
    }
    buf[len] = '\0';
    *ret_len = len;
    return 0;
}

int cadv_read_at(int dirfd, const char *path, char *buf, size_t cap, size_t *ret_len)
{
    int fd, r;

    fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    r = cadv_pread_all(fd, buf, cap, ret_len);
    close(fd);
    return r;
}
