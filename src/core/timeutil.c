/* SPDX-License-Identifier: Apache-2.0 */
/* timeutil.c - clocks and Go-compatible RFC3339 formatting/parsing. */
#include "core/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t cadv_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * CADV_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t cadv_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * CADV_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

size_t cadv_format_rfc3339(uint64_t ns, char *buf, size_t size)
{
    time_t secs = (time_t)(ns / CADV_NS_PER_SEC);
    unsigned frac = (unsigned)(ns % CADV_NS_PER_SEC);
    struct tm tm;
    size_t n;
    int w;

    if (ns == 0) {
        w = snprintf(buf, size, "0001-01-01T00:00:00Z");
        return w > 0 ? (size_t)w : 0;
    }
    localtime_r(&secs, &tm);
    n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac && n + 11 < size) {
        char f[11];
        int len = 9;

        (void)snprintf(f, sizeof(f), ".%09u", frac); /* frac < 1e9: always fits */
        while (f[len] == '0')
            len--;
        memcpy(buf + n, f, (size_t)len + 1);
        n += (size_t)len + 1;
        buf[n] = '\0';
    }
    if (tm.tm_gmtoff == 0) {
        w = snprintf(buf + n, size - n, "Z");
    } else {
        long off = tm.tm_gmtoff;
        char sign = off < 0 ? '-' : '+';

        if (off < 0)
            off = -off;
        w = snprintf(buf + n, size - n, "%c%02ld:%02ld", sign, off / 3600, (off / 60) % 60);
    }
    return n + (w > 0 ? (size_t)w : 0);
}

static int digits(const char **p, int n, int *ret)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -EINVAL;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *ret = v;
    return 0;
}

int cadv_parse_rfc3339(const char *s, uint64_t *ret_ns)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0;
    uint64_t frac = 0, scale = CADV_NS_PER_SEC;
    struct tm tm = {0};
    long offset = 0;
    time_t t;

    if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 || *s++ != '-' ||
        digits(&s, 2, &d) < 0)
        return -EINVAL;
    if (*s != 'T' && *s != 't')
        return -EINVAL;
    s++;
    if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0 || *s++ != ':' ||
        digits(&s, 2, &sec) < 0)
        return -EINVAL;
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return -EINVAL;
        while (isdigit((unsigned char)*s)) {
            if (scale > 1) {
                scale /= 10;
                frac += (uint64_t)(*s - '0') * scale;
            }
            s++;
        }
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s++ == '-' ? -1 : 1;

        if (digits(&s, 2, &oh) < 0 || *s++ != ':' || digits(&s, 2, &om) < 0)
            return -EINVAL;
        offset = sign * (oh * 3600L + om * 60L);
    } else {
        return -EINVAL;
    }
    if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm) - offset;
    if (t < 0)
        return -EINVAL;
    *ret_ns = (uint64_t)t * CADV_NS_PER_SEC + frac;
    return 0;
}
