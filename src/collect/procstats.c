/* SPDX-License-Identifier: Apache-2.0 */
/* procstats.c - process, fd and socket counts with a per-container socket cache (see procstats.h). */
#include "collect/procstats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/parse.h"
#include "core/xalloc.h"
#include "model/sample.h"

/* Bounds: entries of one fd directory read per process per call; limits file size. */
#define FD_MAX     (1u << 20)
#define LIMITS_MAX 4096
#define DENTS_BUF  8192

struct proc_entry {
    uint32_t pid;
    uint64_t ino;     /* inode of /proc/<pid>/fd: a reused pid gets another */
    uint64_t fds;     /* fd count at the last socket scan */
    uint64_t sockets; /* sockets at the last socket scan */
    unsigned age;     /* calls since the last socket scan */
};

struct cadv_procstats_cache {
    struct proc_entry *cur, *next; /* cur sorted by pid */
    size_t n_cur, cap;
    unsigned rescan_every;
};

struct cadv_procstats_cache *cadv_procstats_cache_new(unsigned rescan_every)
{
    struct cadv_procstats_cache *c = cadv_xcalloc(1, sizeof(*c));

    c->rescan_every = rescan_every ? rescan_every : CADV_PROCSTATS_RESCAN_EVERY;
    return c;
}

struct cadv_procstats_cache *cadv_procstats_cache_free(struct cadv_procstats_cache *c)
{
    if (c) {
        free(c->cur);
        free(c->next);
        free(c);
    }
    return NULL;
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Counts the fds of an open /proc/<pid>/fd directory with getdents64 (no readdir: it allocates),
 * and, if want_sockets, readlinks each to count "socket:[...]" targets. */
static int count_fds(int dfd, bool want_sockets, uint64_t *ret_fds, uint64_t *ret_sockets)
{
    union {
        char b[DENTS_BUF];
        struct linux_dirent64 align;
    } buf;
    uint64_t fds = 0, sockets = 0;

    for (;;) {
        long n = syscall(SYS_getdents64, dfd, buf.b, sizeof(buf.b));

        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            const struct linux_dirent64 *d = (const struct linux_dirent64 *)(const void *)(buf.b + off);
            char target[8];

            if (d->d_reclen == 0)
                return -EIO;
            off += d->d_reclen;
            if (d->d_name[0] == '.')
                continue;
            fds++;
            /* readlinkat truncates to the buffer: the first 7 bytes decide "socket:" */
            if (want_sockets && readlinkat(dfd, d->d_name, target, sizeof(target)) >= 7 &&
                memcmp(target, "socket:", 7) == 0)
                sockets++;
        }
        if (fds >= FD_MAX)
            break;
    }
    *ret_fds = fds;
    *ret_sockets = sockets;
    return 0;
}

static const struct proc_entry *find(const struct cadv_procstats_cache *c, uint32_t pid)
{
    size_t lo = 0, hi = c->n_cur;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (c->cur[mid].pid == pid)
            return &c->cur[mid];
        if (c->cur[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
    uint32_t x = ((const struct proc_entry *)a)->pid, y = ((const struct proc_entry *)b)->pid;

    return (x > y) - (x < y);
}

/* One process: its fd count now, and its socket count (cached unless a rescan is due). Returns false
 * when the process is gone or unreadable (it counts as a process without fds). */
static bool one_process(int proc_dirfd, struct cadv_procstats_cache *c, uint32_t pid, struct proc_entry *out)
{
    const struct proc_entry *old = find(c, pid);
    char path[32];
    uint64_t fds, sockets;
    struct stat st;
    bool rescan;
    int dfd;

    (void)snprintf(path, sizeof(path), "%u/fd", pid);
    dfd = openat(proc_dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return false;
    if (fstat(dfd, &st) < 0 || count_fds(dfd, false, &fds, &sockets) < 0) {
        close(dfd);
        return false;
    }
    rescan = !old || old->ino != (uint64_t)st.st_ino || old->fds != fds || old->age + 1 >= c->rescan_every;
    if (rescan) {
        if (lseek(dfd, 0, SEEK_SET) < 0 || count_fds(dfd, true, &fds, &sockets) < 0) {
            close(dfd);
            return false;
        }
        *out = (struct proc_entry){.pid = pid, .ino = (uint64_t)st.st_ino, .fds = fds, .sockets = sockets};
    } else {
        *out = *old;
        out->age++;
    }
    close(dfd);
    return true;
}

static void fill_ulimit(int proc_dirfd, uint64_t root_pid, struct cadv_process_stats *ret)
{
    char path[40], buf[LIMITS_MAX];
    int64_t soft, hard;
    size_t len;

    ret->has_ulimit = 0;
    if (root_pid == 0 || root_pid > 0xffffffffu)
        return;
    (void)snprintf(path, sizeof(path), "%llu/limits", (unsigned long long)root_pid);
    if (cadv_read_at(proc_dirfd, path, buf, sizeof(buf), &len) < 0)
        return;
    if (cadv_procstats_parse_limits(buf, len, &soft, &hard) < 0)
        return;
    ret->has_ulimit = 1;
    ret->ulimit_soft = (uint64_t)soft;
    ret->ulimit_hard = (uint64_t)hard;
}

int cadv_procstats_read(int proc_dirfd, const uint32_t *pids, size_t n, uint64_t root_pid,
                        struct cadv_procstats_cache *c, struct cadv_process_stats *ret)
{
    uint64_t fds = 0, sockets = 0;
    size_t kept = 0;
    struct proc_entry *tmp;

    if (!c || (n && !pids))
        return -EINVAL;
    if (n > c->cap) {
        free(c->next);
        c->next = cadv_xcalloc(n, sizeof(*c->next));
        c->cur = cadv_xrealloc(c->cur, n * sizeof(*c->cur));
        c->cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        struct proc_entry e;

        if (!one_process(proc_dirfd, c, pids[i], &e))
            continue;
        fds += e.fds;
        sockets += e.sockets;
        c->next[kept++] = e;
    }
    qsort(c->next, kept, sizeof(*c->next), cmp_pid);
    tmp = c->cur;
    c->cur = c->next;
    c->next = tmp;
    c->n_cur = kept;
    ret->process_count = n;
    ret->fd_count = fds;
    ret->socket_count = sockets;
    fill_ulimit(proc_dirfd, root_pid, ret);
    return 0;
}

/* Go's strconv.ParseInt, else "unlimited" (any case) = -1. */
static int parse_ulimit(const char *s, size_t n, int64_t *ret)
{
    if (cadv_parse_i64n(s, n, ret) == 0)
        return 0;
    if (n == 9 && strncasecmp(s, "unlimited", 9) == 0) {
        *ret = -1;
        return 0;
    }
    return -EINVAL;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* "Max open files            1024                 1048576              files": after the prefix,
 * exactly three whitespace-separated fields, soft and hard first. */
static int parse_open_files_line(const char *s, size_t n, int64_t *ret_soft, int64_t *ret_hard)
{
    const char *f[3];
    size_t fl[3], k = 0, i = 0;
    int64_t soft, hard;

    while (i < n) {
        while (i < n && is_space(s[i]))
            i++;
        if (i >= n)
            break;
        if (k == 3)
            return -EINVAL;
        f[k] = s + i;
        while (i < n && !is_space(s[i]))
            i++;
        fl[k] = (size_t)(s + i - f[k]);
        k++;
    }
    if (k != 3 || parse_ulimit(f[0], fl[0], &soft) < 0 || parse_ulimit(f[1], fl[1], &hard) < 0)
        return -EINVAL;
    *ret_soft = soft;
    *ret_hard = hard;
    return 0;
}

int cadv_procstats_parse_limits(const char *buf, size_t len, int64_t *ret_soft, int64_t *ret_hard)
{
    static const char prefix[] = "Max open files";
    const size_t pl = sizeof(prefix) - 1;
    size_t start = 0;

    while (start < len) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;

        if (end - start >= pl && memcmp(buf + start, prefix, pl) == 0 &&
            parse_open_files_line(buf + start + pl, end - start - pl, ret_soft, ret_hard) == 0)
            return 0;
        start = end + 1;
    }
    return -ENOENT;
}
