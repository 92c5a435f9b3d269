/* SPDX-License-Identifier: Apache-2.0 */
/* sysfs.c - readers of small sysfs (and proc) attribute files and directories, and parsers of the
 * kernel's cpu lists and masks (see sysfs.h). */
#include "collect/sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/parse.h"
#include "core/xalloc.h"

/* Go's strings.TrimSpace for ASCII. */
static bool is_trim_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void trim_span(const char **s, size_t *len)
{
    while (*len > 0 && is_trim_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_trim_space((*s)[*len - 1]))
        (*len)--;
}

void cadv_sysfs_trim(char *s)
{
    size_t a = 0, n = strlen(s);

    while (n > 0 && strchr(" \t\n\v\f\r", s[n - 1]))
        n--;
    while (a < n && strchr(" \t\n\v\f\r", s[a]))
        a++;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

/* Reads dirfd/path and trims it as Go's strings.TrimSpace. */
int cadv_sysfs_read_trimmed(int dirfd, const char *path, char *buf, size_t cap)
{
    size_t len;
    int r = cadv_read_at(dirfd, path, buf, cap, &len);

    if (r < 0)
        return r;
    cadv_sysfs_trim(buf);
    return 0;
}

/* strconv.Atoi of the trimmed file. */
int cadv_sysfs_read_atoi(int dirfd, const char *path, int *ret)
{
    char buf[64];
    int64_t v;
    int r = cadv_sysfs_read_trimmed(dirfd, path, buf, sizeof(buf));

    if (r < 0)
        return r;
    if (cadv_parse_i64(buf, &v) < 0 || v < INT_MIN || v > INT_MAX)
        return -EINVAL;
    *ret = (int)v;
    return 0;
}

/* fmt.Sscanf(file, "%d") into a signed or (want_unsigned) unsigned integer. */
int cadv_sysfs_read_scan(int dirfd, const char *path, bool want_unsigned, int64_t *ret)
{
    char buf[64];
    size_t len;
    int64_t v;
    int r = cadv_read_at(dirfd, path, buf, sizeof(buf), &len);

    if (r < 0)
        return r;
    if (cadv_sysfs_scan_i64(buf, len, &v, NULL) < 0 || (want_unsigned && v < 0))
        return -EINVAL;
    *ret = v;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cadv_name_list_done(struct cadv_name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (struct cadv_name_list){0};
}

/* Entries of dirfd/path (byte-sorted, as Go's ReadDir and Glob), filtered by keep(name, arg). */
int cadv_sysfs_list_dir(int dirfd, const char *path, cadv_name_filter keep, const char *arg,
                        struct cadv_name_list *ret)
{
    struct cadv_name_list l = {0};
    size_t cap = 0;
    struct dirent *e;
    DIR *d;
    int fd;

    fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    d = fdopendir(fd);
    if (!d) {
        int r = -errno;

        close(fd);
        return r;
    }
    while ((e = readdir(d)) && l.n < CADV_SYSFS_DIR_MAX) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (keep && !keep(e->d_name, arg))
            continue;
        cadv_xgrow((void **)&l.v, &cap, l.n + 1, sizeof(*l.v));
        l.v[l.n++] = cadv_xstrdup(e->d_name);
    }
    closedir(d);
    if (l.n > 0)
        qsort(l.v, l.n, sizeof(*l.v), cmp_str);
    *ret = l;
    return 0;
}

int cadv_sysfs_scan_i64(const char *s, size_t len, int64_t *ret, size_t *ret_used)
{
    size_t i = 0, start;
    uint64_t mag = 0;
    bool neg = false;

    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f'))
        i++;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    start = i;
    for (; i < len && is_digit(s[i]); i++) {
        unsigned d = (unsigned)(s[i] - '0');

        if (mag > (UINT64_MAX - d) / 10)
            return -ERANGE;
        mag = mag * 10 + d;
    }
    if (i == start)
        return -EINVAL;
    if (mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        return -ERANGE;
    *ret = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    if (ret_used)
        *ret_used = i;
    return 0;
}

/* ---- cpu lists and masks ---- */

/* strconv.ParseUint(s, 10, 16). */
static int parse_u16(const char *s, size_t n, unsigned *ret)
{
    uint64_t v;

    if (n == 0 || *s == '+' || cadv_parse_u64n(s, n, &v) < 0 || v > 65535)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

int cadv_sysfs_cpulist_contains(const char *buf, size_t len, unsigned cpu)
{
    const char *s = buf;
    size_t n = len;

    if (len == 0)
        return -EINVAL;
    trim_span(&s, &n);
    cpu &= 0xffff; /* cAdvisor compares uint16 ids */
    for (size_t pos = 0; pos <= n;) {
        const char *comma = memchr(s + pos, ',', n - pos);
        size_t seg = comma ? (size_t)(comma - (s + pos)) : n - pos;
        const char *p = s + pos, *d1 = memchr(p, '-', seg);
        unsigned lo, hi;

        if (d1) {
            size_t l1 = (size_t)(d1 - p), l2 = seg - l1 - 1;

            if (memchr(d1 + 1, '-', l2))
                return -EINVAL;
            if (parse_u16(p, l1, &lo) < 0 || parse_u16(d1 + 1, l2, &hi) < 0 || lo > hi)
                return -EINVAL;
        } else {
            if (parse_u16(p, seg, &lo) < 0)
                return -EINVAL;
            hi = lo;
        }
        if (cpu >= lo && cpu <= hi)
            return 1;
        pos += seg + 1;
    }
    return 0;
}

int cadv_sysfs_cpumask_weight(const char *buf, size_t len)
{
    int count = 0;

    for (size_t pos = 0; pos <= len;) {
        const char *comma = memchr(buf + pos, ',', len - pos);
        size_t seg = comma ? (size_t)(comma - (buf + pos)) : len - pos;
        const char *p = buf + pos;
        size_t n = seg;
        uint64_t v = 0;

        trim_span(&p, &n);
        if (n == 0)
            return -EINVAL;
        while (n > 1 && *p == '0') {
            p++;
            n--;
        }
        if (n > 16)
            return -EINVAL;
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            unsigned d;

            if (is_digit(c))
                d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                d = (unsigned)(c - 'A' + 10);
            else
                return -EINVAL;
            v = v << 4 | d;
        }
        count += __builtin_popcountll(v);
        pos += seg + 1;
    }
    return count;
}
