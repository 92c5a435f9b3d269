/* SPDX-License-Identifier: Apache-2.0 */
/* fileio.c - bounded reads of kernel files (see fileio.h for the contract). */
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"

#define FIRST_CHUNK 4096u

/* An error as the contract reports it: a vanished cgroup or process is -ENOENT (openat of a file
 * under the /proc/<pid> directory of a reaped process fails with ESRCH, not ENOENT). */
static int read_error(int e)
{
    return e == ENODEV || e == ESRCH ? -ENOENT : -e;
}

static int open_at(int dirfd, const char *path)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    return fd < 0 ? read_error(errno) : fd;
}

/* read() that retries EINTR. Returns the count or a contract error. */
static ssize_t read_retry(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(fd, buf, n);

        if (r >= 0)
            return r;
        if (errno != EINTR)
            return read_error(errno);
    }
}

/* Reads fd to EOF into *buf (*cap bytes, of which one is kept for the NUL). With grow, *buf is a
 * malloc'd buffer doubled as needed while the content stays within max; without, it is fixed and
 * max is *cap - 1. Returns 0 with *ret_len, -EFBIG or an error. */
static int read_to_eof(int fd, char **buf, size_t *cap, bool grow, size_t max, size_t *ret_len)
{
    size_t len = 0;

    for (;;) {
        ssize_t n;

        if (len == *cap - 1) {
            char c;

            if (!grow || len >= max) {
                /* Full: one more byte tells whether the file really ends here. */
                n = read_retry(fd, &c, 1);
                if (n < 0)
                    return (int)n;
                if (n > 0)
                    return -EFBIG;
                break;
            }
            *cap = *cap - 1 > max / 2 ? max + 1 : *cap * 2; /* at most max + 1, no overflow */
            *buf = cadv_xrealloc(*buf, *cap);
        }
        n = read_retry(fd, *buf + len, *cap - 1 - len);
        if (n < 0)
            return (int)n;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    (*buf)[len] = '\0';
    *ret_len = len;
    return 0;
}

int cadv_read_at(int dirfd, const char *path, char *buf, size_t cap, size_t *ret_len)
{
    size_t c = cap;
    int fd, r;

    if (cap == 0)
        return -EINVAL;
    fd = open_at(dirfd, path);
    if (fd < 0)
        return fd;
    r = read_to_eof(fd, &buf, &c, false, cap - 1, ret_len);
    close(fd);
    return r;
}

int cadv_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
    size_t cap = max < FIRST_CHUNK ? max + 1 : FIRST_CHUNK, len;
    char *buf;
    int fd, r;

    if (max == SIZE_MAX)
        return -EINVAL;
    fd = open_at(dirfd, path);
    if (fd < 0)
        return fd;
    buf = cadv_xmalloc(cap);
    r = read_to_eof(fd, &buf, &cap, true, max, &len);
    close(fd);
    if (r < 0) {
        free(buf);
        return r;
    }
    *ret = buf;
    if (ret_len)
        *ret_len = len;
    return 0;
}

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
            return read_error(errno);
        }
        if (n == 0)
            break;
        len += (size_t)n;
        /* Kernel seq_file and kernfs files fill the whole request unless they reached the end or
         * a page (a multi-record file, which the header excludes), so a short read is the end. */
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

/* ---- lines ---- */

int cadv_lines_open_at(struct cadv_lines *it, int dirfd, const char *path, char *buf, size_t cap)
{
    int fd;

    if (cap < 2)
        return -EINVAL;
    fd = open_at(dirfd, path);
    if (fd < 0)
        return fd;
    cadv_lines_init_fd(it, fd, buf, cap);
    return 0;
}

void cadv_lines_init_fd(struct cadv_lines *it, int fd, char *buf, size_t cap)
{
    *it = (struct cadv_lines){.fd = fd, .buf = buf, .cap = cap};
}

void cadv_lines_init_mem(struct cadv_lines *it, const char *data, size_t len, size_t max_line)
{
    *it = (struct cadv_lines){.fd = -1, .mem = data, .cap = max_line, .end = len, .eof = true};
}

/* The next line of in-memory input. */
static int next_mem(struct cadv_lines *it, const char **ret_line, size_t *ret_len)
{
    while (it->start < it->end) {
        const char *s = it->mem + it->start, *nl = memchr(s, '\n', it->end - it->start);
        size_t n = nl ? (size_t)(nl - s) : it->end - it->start;

        it->start += n + (nl ? 1 : 0);
        if (n > it->cap)
            return -EBADMSG; /* skipped whole: the next call goes on after it */
        *ret_line = s;
        *ret_len = n;
        return 1;
    }
    return 0;
}

/* Reads more of the file into buf after the unread bytes. Returns 0, or -EBADMSG when a line fills
 * the buffer (its bytes are dropped and the rest of it will be skipped), or an error. */
static int fill(struct cadv_lines *it)
{
    ssize_t n;

    if (it->start > 0) {
        memmove(it->buf, it->buf + it->start, it->end - it->start);
        it->end -= it->start;
        it->start = 0;
    }
    if (it->end == it->cap) {
        bool report = !it->skipping;

        it->end = 0;
        it->skipping = true;
        if (report)
            return -EBADMSG;
    }
    n = read_retry(it->fd, it->buf + it->end, it->cap - it->end);
    if (n < 0)
        return it->err = (int)n;
    if (n == 0)
        it->eof = true;
    it->end += (size_t)n;
    return 0;
}

int cadv_lines_next(struct cadv_lines *it, const char **ret_line, size_t *ret_len)
{
    if (it->fd < 0)
        return it->mem ? next_mem(it, ret_line, ret_len) : 0;
    for (;;) {
        char *s = it->buf + it->start, *nl;
        size_t avail = it->end - it->start;
        int r;

        if (it->err < 0)
            return it->err;
        nl = avail ? memchr(s, '\n', avail) : NULL;
        if (nl || (it->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - s) : avail;
            bool skipped = it->skipping;

            it->start += n + (nl ? 1 : 0);
            it->skipping = false;
            if (skipped)
                continue; /* the tail of an over-long line */
            *ret_line = s;
            *ret_len = n;
            return 1;
        }
        if (it->eof)
            return 0;
        r = fill(it);
        if (r < 0)
            return r;
    }
}

void cadv_lines_done(struct cadv_lines *it)
{
    if (it->fd >= 0)
        close(it->fd);
    it->fd = -1;
    it->mem = NULL;
}
