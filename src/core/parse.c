/* SPDX-License-Identifier: Apache-2.0 */
/* parse.c - checked, locale-independent number, duration and boolean parsers. */
#include "core/parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

int cadv_parse_u64n(const char *s, size_t n, uint64_t *ret)
{
    uint64_t v = 0;
    size_t i = 0;

    if (n > 0 && s[0] == '+')
        i++;
    if (i >= n)
        return -EINVAL;
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';

        if (d > 9)
            return -EINVAL;
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *ret = v;
    return 0;
}

int cadv_parse_i64n(const char *s, size_t n, int64_t *ret)
{
    uint64_t v;
    bool neg = n > 0 && s[0] == '-';
    int r;

    if (neg && n > 1 && s[1] == '+')
        return -EINVAL;
    r = cadv_parse_u64n(s + neg, n - neg, &v);
    if (r < 0)
        return r;
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return -ERANGE;
    *ret = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int cadv_parse_u64(const char *s, uint64_t *ret)
{
    return cadv_parse_u64n(s, strlen(s), ret);
}

int cadv_parse_i64(const char *s, int64_t *ret)
{
    return cadv_parse_i64n(s, strlen(s), ret);
}

int cadv_parse_double(const char *s, double *ret)
{
    char *end;
    double v;

    /* strtod honours the locale's decimal point; cadv never calls setlocale, so it is "C". */
    if (!*s || strchr(s, ' '))
        return -EINVAL;
    errno = 0;
    v = strtod(s, &end);
    if (*end != '\0')
        return -EINVAL;
    if (errno == ERANGE)
        return -ERANGE;
    *ret = v;
    return 0;
}

static const struct {
    const char *name;
    uint64_t ns;
} units[] = {
        {"ns", 1ULL},         {"us", 1000ULL},          {"\xc2\xb5s", 1000ULL}, {"\xce\xbcs", 1000ULL},
        {"ms", 1000000ULL},   {"s", 1000000000ULL},     {"m", 60000000000ULL},  {"h", 3600000000000ULL},
};

static int unit_of(const char *s, size_t n, uint64_t *ret)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strlen(units[i].name) == n && memcmp(units[i].name, s, n) == 0) {
            *ret = units[i].ns;
            return 0;
        }
    return -EINVAL;
}

int cadv_parse_duration(const char *s, int64_t *ret_ns)
{
    long double total = 0;
    bool neg = false;

    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (strcmp(s, "0") == 0) {
        *ret_ns = 0;
        return 0;
    }
    if (!*s)
        return -EINVAL;
    while (*s) {
        long double v = 0, scale = 1;
        bool any = false;
        uint64_t unit;
        size_t ulen = 0;

        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (*s++ - '0');
            any = true;
        }
        if (*s == '.') {
            s++;
            while (*s >= '0' && *s <= '9') {
                scale /= 10;
                v += (*s++ - '0') * scale;
                any = true;
            }
        }
        if (!any)
            return -EINVAL;
        while (s[ulen] && !(s[ulen] >= '0' && s[ulen] <= '9') && s[ulen] != '.')
            ulen++;
        if (ulen == 0 || unit_of(s, ulen, &unit) < 0)
            return -EINVAL;
        s += ulen;
        total += v * (long double)unit;
        if (total > (long double)INT64_MAX)
            return -ERANGE;
    }
    *ret_ns = neg ? -(int64_t)total : (int64_t)total;
    return 0;
}

int cadv_parse_bool(const char *s, bool *ret)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};

    for (size_t i = 0; i < 6; i++) {
        if (strcmp(s, t[i]) == 0) {
            *ret = true;
            return 0;
        }
        if (strcmp(s, f[i]) == 0) {
            *ret = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* Appends v/10^prec with trailing fractional zeros dropped, as Go's fmtFrac/fmtInt do. */
static void put_frac(struct cadv_buf *out, uint64_t v, int prec)
{
    char tmp[32];
    int n = 0, i;
    bool printed = false;
    uint64_t pow = 1;

    for (i = 0; i < prec; i++)
        pow *= 10;
    cadv_buf_put_u64(out, v / pow);
    v %= pow;
    for (i = 0; i < prec; i++) {
        int d = (int)(v % 10);

        v /= 10;
        if (d != 0 || printed) {
            printed = true;
            tmp[n++] = (char)('0' + d);
        }
    }
    if (!printed)
        return;
    cadv_buf_putc(out, '.');
    while (n > 0)
        cadv_buf_putc(out, tmp[--n]);
}

void cadv_format_duration(struct cadv_buf *out, int64_t ns)
{
    uint64_t u = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;

    if (ns < 0)
        cadv_buf_putc(out, '-');
    if (u == 0) {
        cadv_buf_puts(out, "0s");
        return;
    }
    if (u < 1000000000ULL) {
        if (u < 1000ULL) {
            put_frac(out, u, 0);
            cadv_buf_puts(out, "ns");
        } else if (u < 1000000ULL) {
            put_frac(out, u, 3);
            cadv_buf_puts(out, "\xc2\xb5s");
        } else {
            put_frac(out, u, 6);
            cadv_buf_puts(out, "ms");
        }
        return;
    }
    if (u >= 3600000000000ULL) {
        cadv_buf_put_u64(out, u / 3600000000000ULL);
        cadv_buf_putc(out, 'h');
        u %= 3600000000000ULL;
        cadv_buf_put_u64(out, u / 60000000000ULL);
        cadv_buf_putc(out, 'm');
        u %= 60000000000ULL;
    } else if (u >= 60000000000ULL) {
        cadv_buf_put_u64(out, u / 60000000000ULL);
        cadv_buf_putc(out, 'm');
        u %= 60000000000ULL;
    }
    put_frac(out, u, 9);
    cadv_buf_putc(out, 's');
}
