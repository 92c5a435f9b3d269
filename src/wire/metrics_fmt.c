/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_fmt.c - Go-compatible number and string encodings of the Prometheus text format.
 *
 * Values: Go prints float64 with the shortest digits that round-trip, in %e form when the decimal
 * exponent is < -4 or >= 6 (the 'g' rule for "shortest"), e.g. 3.3554432e+07, 12.5, 1e-09. Most of our
 * values are integers or integers divided by 1e9/1e6, whose shortest digits are known without any
 * float printing (see fmt_scaled); the rest go through "%.*e" with 15, 16 and 17 digits and a strtod
 * round-trip check, which yields the same digits as Go's shortest algorithm. */
#include "wire/metrics_fmt.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

/* 2^53: integers below it are exact in a double. */
#define EXACT_INT_MAX (1ULL << 53)

/* Copies a literal with its NUL (out has room: CADV_PROM_VALUE_MAX); returns its length. */
static size_t lit(char *out, const char *s)
{
    size_t n = strlen(s);

    memcpy(out, s, n + 1);
    return n;
}

/* Lays out the decimal digits d[0..nd) (no trailing zeros, d[0] != '0'), whose value is
 * 0.d[0]d[1]... * 10^dp, the way Go's %g does for the shortest representation. */
static size_t layout(char *out, bool neg, const char *d, int nd, int dp)
{
    char *p = out;
    int exp = dp - 1;

    if (neg)
        *p++ = '-';
    if (exp < -4 || exp >= 6) {
        *p++ = d[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)(nd - 1));
            p += nd - 1;
        }
        *p++ = 'e';
        *p++ = exp < 0 ? '-' : '+';
        if (exp < 0)
            exp = -exp;
        if (exp >= 100) {
            *p++ = (char)('0' + exp / 100);
            exp %= 100;
        }
        *p++ = (char)('0' + exp / 10);
        *p++ = (char)('0' + exp % 10);
        return (size_t)(p - out);
    }
    if (dp <= 0) {
        *p++ = '0';
        *p++ = '.';
        for (int i = dp; i < 0; i++)
            *p++ = '0';
        memcpy(p, d, (size_t)nd);
        p += nd;
        return (size_t)(p - out);
    }
    for (int i = 0; i < dp; i++) {
        char c = '0';

        if (i < nd)
            c = d[i];
        *p++ = c;
    }
    if (nd > dp) {
        *p++ = '.';
        memcpy(p, d + dp, (size_t)(nd - dp));
        p += nd - dp;
    }
    return (size_t)(p - out);
}

/* Shortest round-trip digits of a finite, non-zero v via glibc's exact printf. */
static size_t fmt_generic(char *out, double v)
{
    char tmp[40], d[20];
    bool neg = v < 0;
    int nd = 0;
    long exp;
    const char *e;

    if (neg)
        v = -v;
    /* Subnormals carry fewer digits: search from one digit up for them. */
    for (int prec = v < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        (void)snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
    }
    e = strchr(tmp, 'e');
    for (const char *s = tmp; *s && s != e && nd < (int)sizeof(d); s++)
        if (*s >= '0' && *s <= '9')
            d[nd++] = *s;
    if (nd == 0 || !e) /* cannot happen for finite values; keep the output well-formed */
        return lit(out, "0");
    exp = strtol(e + 1, NULL, 10);
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    return layout(out, neg, d, nd, (int)exp + 1);
}

/* v / 10^pow10 for 0 < v < 2^53 has exactly the decimal digits of v shifted; when they are at most 15
 * after dropping trailing zeros, no shorter decimal rounds to the same double (15-digit decimals are
 * further apart than one ulp), so they are Go's shortest digits too. Returns 0 when that does not
 * hold (the caller then prints the double). */
static size_t fmt_exact(char *out, bool neg, uint64_t v, unsigned pow10)
{
    char d[24];
    int nd = 0, len;

    for (uint64_t x = v; x; x /= 10)
        d[nd++] = (char)('0' + x % 10);
    len = nd;
    for (int i = 0; i < nd / 2; i++) {
        char t = d[i];

        d[i] = d[nd - 1 - i];
        d[nd - 1 - i] = t;
    }
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    if (nd > 15)
        return 0;
    return layout(out, neg, d, nd, len - (int)pow10);
}

size_t cadv_prom_fmt_double(char *out, double v)
{
    size_t n;

    if (v == 0)
        return lit(out, "0");
    if (isnan(v))
        return lit(out, "NaN");
    if (isinf(v))
        return lit(out, v < 0 ? "-Inf" : "+Inf");
    if (fabs(v) < (double)EXACT_INT_MAX && v == (double)(int64_t)v &&
        (n = fmt_exact(out, v < 0, (uint64_t)fabs(v), 0)) > 0)
        return n;
    return fmt_generic(out, v);
}

static const double pow10_tab[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

size_t cadv_prom_fmt_scaled(char *out, uint64_t v, unsigned pow10)
{
    size_t n;

    if (pow10 > 18)
        pow10 = 18;
    if (v == 0)
        return lit(out, "0");
    if (v < EXACT_INT_MAX && (n = fmt_exact(out, false, v, pow10)) > 0)
        return n;
    return fmt_generic(out, (double)v / pow10_tab[pow10]);
}

size_t cadv_prom_fmt_i64(char *out, int64_t v)
{
    uint64_t m;
    size_t n;

    if (v >= 0)
        return cadv_prom_fmt_scaled(out, (uint64_t)v, 0);
    m = 0 - (uint64_t)v;
    if (m < EXACT_INT_MAX && (n = fmt_exact(out, true, m, 0)) > 0)
        return n;
    return fmt_generic(out, (double)v);
}

size_t cadv_prom_fmt_int(char *out, int64_t v)
{
    char tmp[24];
    size_t n = 0, len = 0;
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    return len;
}

/* Escapes \\, \n (and " when quote) and replaces each byte that is not part of valid UTF-8 by U+FFFD,
 * as the JSON side does: the text format must be UTF-8, and one bad cgroup name (mkdir $'x\xff')
 * made Prometheus reject the whole scrape. */
static void put_escaped(struct cadv_buf *b, const char *str, bool quote)
{
    const unsigned char *s = (const unsigned char *)str;
    const unsigned char *run = s;

    for (; *s; s++) {
        const char *rep;
        size_t rlen = 2;

        if (*s >= 0x80) {
            unsigned cp;
            size_t l = cadv_utf8_len(s, strnlen((const char *)s, 4), &cp);

            if (l > 0) {
                s += l - 1;
                continue;
            }
            rep = CADV_UTF8_REPLACEMENT;
            rlen = 3;
        } else if (*s == '\\')
            rep = "\\\\";
        else if (*s == '\n')
            rep = "\\n";
        else if (*s == '"' && quote)
            rep = "\\\"";
        else
            continue;
        cadv_buf_append(b, run, (size_t)(s - run));
        cadv_buf_append(b, rep, rlen);
        run = s + 1;
    }
    cadv_buf_append(b, run, (size_t)(s - run));
}

void cadv_prom_put_label_value(struct cadv_buf *b, const char *s)
{
    put_escaped(b, s, true);
}

void cadv_prom_put_help(struct cadv_buf *b, const char *s)
{
    put_escaped(b, s, false);
}

void cadv_prom_sanitize(char *s)
{
    for (; *s; s++) {
        char c = *s;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            *s = '_';
    }
}
