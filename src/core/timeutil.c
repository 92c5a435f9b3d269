/* SPDX-License-Identifier: Apache-2.0 */
/* timeutil.c - clocks and Go-compatible RFC3339 formatting/parsing. */
#include "core/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
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

static bool leap_year(int y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int y, int mo)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return mo == 2 && leap_year(y) ? 29 : days[mo - 1];
}

/* Days from 1970-01-01 to y-mo-d of the proleptic Gregorian calendar (H. Hinnant's days_from_civil);
 * valid for every year 0000-9999, no libc time_t limits involved. */
static int64_t days_from_civil(int y, int mo, int d)
{
    int64_t yy = y - (mo <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

/* The fraction after the seconds: "." and at least one digit; digits past nanoseconds are dropped. */
static int fraction(const char **p, uint32_t *ret_ns)
{
    const char *s = *p;
    uint32_t frac = 0, scale = (uint32_t)CADV_NS_PER_SEC;

    if (*s != '.')
        return 0;
    s++;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    while (isdigit((unsigned char)*s)) {
        if (scale > 1) {
            scale /= 10;
            frac += (uint32_t)(*s - '0') * scale;
        }
        s++;
    }
    *p = s;
    *ret_ns = frac;
    return 0;
}

/* "Z" or "+hh:mm"/"-hh:mm" (hours 0-23, minutes 0-59, as Go checks), then the end of the string. */
static int zone(const char *s, int64_t *ret_offset_s)
{
    int oh, om, sign;

    if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
        *ret_offset_s = 0;
        return 0;
    }
    if (*s != '+' && *s != '-')
        return -EINVAL;
    sign = *s++ == '-' ? -1 : 1;
    if (digits(&s, 2, &oh) < 0 || *s++ != ':' || digits(&s, 2, &om) < 0 || *s != '\0' || oh > 23 || om > 59)
        return -EINVAL;
    *ret_offset_s = sign * (oh * 3600L + om * 60L);
    return 0;
}

int cadv_parse_rfc3339_sec(const char *s, int64_t *ret_sec, uint32_t *ret_nsec)
{
    int y, mo, d, h, mi, sec;
    uint32_t frac = 0;
    int64_t offset;

    if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 || *s++ != '-' ||
        digits(&s, 2, &d) < 0)
        return -EINVAL;
    if (*s != 'T' && *s != 't')
        return -EINVAL;
    s++;
    if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0 || *s++ != ':' ||
        digits(&s, 2, &sec) < 0)
        return -EINVAL;
    if (fraction(&s, &frac) < 0 || zone(s, &offset) < 0)
        return -EINVAL;
    /* Go's ranges: no leap second, the day checked against its month. */
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
        return -EINVAL;
    *ret_sec = days_from_civil(y, mo, d) * 86400 + h * 3600L + mi * 60L + sec - offset;
    *ret_nsec = frac;
    return 0;
}

int cadv_parse_rfc3339(const char *s, uint64_t *ret_ns)
{
    uint32_t nsec;
    int64_t sec;
    int r = cadv_parse_rfc3339_sec(s, &sec, &nsec);

    if (r < 0)
        return r;
    if (sec < 0 || (uint64_t)sec > (UINT64_MAX - nsec) / CADV_NS_PER_SEC)
        return -ERANGE;
    *ret_ns = (uint64_t)sec * CADV_NS_PER_SEC + nsec;
    return 0;
}
