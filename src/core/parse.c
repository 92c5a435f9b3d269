/* SPDX-License-Identifier: Apache-2.0 */
/* parse.c - checked, locale-independent number, duration and boolean parsers. */
#include "core/parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

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
        {"ns", 1ULL},       {"us", 1000ULL},      {"\xc2\xb5s", 1000ULL}, {"\xce\xbcs", 1000ULL},
        {"ms", 1000000ULL}, {"s", 1000000000ULL}, {"m", 60000000000ULL},  {"h", 3600000000000ULL},
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

/* Go's leadingInt: [0-9]* as a uint64 no larger than 1<<63. */
static int leading_int(const char **s, uint64_t *ret)
{
    uint64_t x = 0;

    for (; **s >= '0' && **s <= '9'; (*s)++) {
        if (x > (UINT64_C(1) << 63) / 10)
            return -ERANGE;
        x = x * 10 + (uint64_t)(**s - '0');
        if (x > UINT64_C(1) << 63)
            return -ERANGE;
    }
    *ret = x;
    return 0;
}

/* Go's leadingFraction: [0-9]* as x / scale, dropping digits that no longer fit. */
static uint64_t leading_fraction(const char **s, double *scale)
{
    uint64_t x = 0;
    bool overflow = false;

    *scale = 1;
    for (; **s >= '0' && **s <= '9'; (*s)++) {
        uint64_t y;

        if (overflow)
            continue;
        if (x > ((UINT64_C(1) << 63) - 1) / 10) {
            overflow = true;
            continue;
        }
        y = x * 10 + (uint64_t)(**s - '0');
        if (y > UINT64_C(1) << 63) {
            overflow = true;
            continue;
        }
        x = y;
        *scale *= 10;
    }
    return x;
}

/* A port of Go's time.ParseDuration (integer arithmetic, so that every value Go's Duration.String()
 * prints parses back exactly). Overflow gives -ERANGE, any other error -EINVAL. */
int cadv_parse_duration(const char *s, int64_t *ret_ns)
{
    uint64_t d = 0;
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
        const char *p0 = s;
        uint64_t v, f = 0, unit;
        double scale = 1;
        bool pre, post = false;
        size_t ulen = 0;

        if (!(*s == '.' || (*s >= '0' && *s <= '9')))
            return -EINVAL;
        if (leading_int(&s, &v) < 0)
            return -ERANGE;
        pre = s != p0;
        if (*s == '.') {
            const char *p1 = ++s;

            f = leading_fraction(&s, &scale);
            post = s != p1;
        }
        if (!pre && !post)
            return -EINVAL;
        while (s[ulen] && s[ulen] != '.' && !(s[ulen] >= '0' && s[ulen] <= '9'))
            ulen++;
        if (ulen == 0 || unit_of(s, ulen, &unit) < 0)
            return -EINVAL;
        s += ulen;
        if (v > (UINT64_C(1) << 63) / unit)
            return -ERANGE;
        v *= unit;
        if (f > 0) {
            /* float64 is needed to be nanosecond accurate for fractions of hours (Go's comment). */
            v += (uint64_t)((double)f * ((double)unit / scale));
            if (v > UINT64_C(1) << 63)
                return -ERANGE;
        }
        d += v;
        if (d > UINT64_C(1) << 63)
            return -ERANGE;
    }
    if (!neg && d > (uint64_t)INT64_MAX)
        return -ERANGE;
    *ret_ns = neg ? (int64_t)(0 - d) : (int64_t)d;
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

/* ---- Go's strconv (ParseInt, ParseUint, ParseFloat), as Go's flag package uses them ---- */

static char lower_ascii(char c)
{
    return (char)(c | ('x' - 'X'));
}

/* strconv's underscoreOK: '_' only between digits, or between a base prefix and a digit. */
static bool underscore_ok(const char *s)
{
    char saw = '^';
    bool hex = false;
    size_t i = 0, n;

    if (*s == '-' || *s == '+')
        s++;
    n = strlen(s);
    if (n >= 2 && s[0] == '0' &&
        (lower_ascii(s[1]) == 'b' || lower_ascii(s[1]) == 'o' || lower_ascii(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower_ascii(s[1]) == 'x';
    }
    for (; i < n; i++) {
        if ((s[i] >= '0' && s[i] <= '9') || (hex && lower_ascii(s[i]) >= 'a' && lower_ascii(s[i]) <= 'f')) {
            saw = '0';
            continue;
        }
        if (s[i] == '_') {
            if (saw != '0')
                return false;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return false;
        saw = '!';
    }
    return saw != '_';
}

/* strconv.ParseUint(s, base, bits) for base 0 or 10. Returns 0, -EINVAL or -ERANGE. */
int cadv_parse_go_uint(const char *s, int base, unsigned bits, uint64_t *ret)
{
    const char *s0 = s;
    uint64_t max = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1, v = 0;
    unsigned b = (unsigned)base;
    bool underscores = false;

    if (!*s)
        return -EINVAL;
    if (base == 0) {
        b = 10;
        if (s[0] == '0') {
            char c = '\0';

            if (strlen(s) >= 3)
                c = lower_ascii(s[1]);

            b = c == 'b' ? 2 : c == 'o' ? 8 : c == 'x' ? 16 : 8;
            s += (c == 'b' || c == 'o' || c == 'x') ? 2 : 1;
        }
    }
    for (; *s; s++) {
        unsigned d;

        if (*s == '_' && base == 0) {
            underscores = true;
            continue;
        }
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (lower_ascii(*s) >= 'a' && lower_ascii(*s) <= 'z')
            d = (unsigned)(lower_ascii(*s) - 'a') + 10;
        else
            return -EINVAL;
        if (d >= b)
            return -EINVAL;
        if (v > (max - d) / b)
            return -ERANGE;
        v = v * b + d;
    }
    if (underscores && !underscore_ok(s0))
        return -EINVAL;
    *ret = v;
    return 0;
}

/* strconv.ParseInt(s, base, bits). */
int cadv_parse_go_int(const char *s, int base, unsigned bits, int64_t *ret)
{
    uint64_t u, cutoff = UINT64_C(1) << (bits - 1);
    bool neg = false;
    int r;

    if (!*s)
        return -EINVAL;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    r = cadv_parse_go_uint(s, base, bits, &u);
    if (r == -ERANGE || (r == 0 && (neg ? u > cutoff : u >= cutoff)))
        return -ERANGE;
    if (r < 0)
        return r;
    *ret = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 0;
}

/* Length of the common prefix of s and the lower-case word w, ignoring case. */
static size_t prefix_nocase(const char *s, const char *w)
{
    size_t n = 0;

    while (s[n] && w[n] && lower_ascii(s[n]) == w[n])
        n++;
    return n;
}

/* strconv's special(): [+-]inf, [+-]infinity, nan (any case), the whole string. */
static bool go_float_special(const char *s, double *ret)
{
    double sign = 1;
    size_t n;

    if (*s == '+' || *s == '-') {
        sign = *s++ == '-' ? -1 : 1;
    } else if (lower_ascii(*s) == 'n') {
        if (prefix_nocase(s, "nan") == 3 && s[3] == '\0') {
            *ret = NAN;
            return true;
        }
        return false;
    }
    n = prefix_nocase(s, "infinity");
    if ((n == 3 || n == 8) && s[n] == '\0') {
        *ret = sign * INFINITY;
        return true;
    }
    return false;
}

/* Skips digits (hex ones too when hex) and '_' from *i; returns whether a digit was seen. */
static bool skip_digits(const char *s, size_t *i, bool hex, bool *underscores)
{
    bool any = false;

    for (;; (*i)++) {
        char c = s[*i];

        if (c == '_')
            *underscores = true;
        else if ((c >= '0' && c <= '9') || (hex && lower_ascii(c) >= 'a' && lower_ascii(c) <= 'f'))
            any = true;
        else
            return any;
    }
}

/* strconv.ParseFloat(s, 64): Go's syntax is checked here (decimal or hex with a 'p' exponent,
 * '_' separators), then strtod (locale "C", cadv never calls setlocale) converts. */
int cadv_parse_go_float(const char *s, double *ret)
{
    size_t i = 0, n = strlen(s);
    bool hex = false, underscores = false, digits;
    char *clean, *end;
    double v;

    if (go_float_special(s, ret))
        return 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    if (i + 2 < n && s[i] == '0' && lower_ascii(s[i + 1]) == 'x') {
        hex = true;
        i += 2;
    }
    digits = skip_digits(s, &i, hex, &underscores);
    if (s[i] == '.') {
        i++;
        digits |= skip_digits(s, &i, hex, &underscores);
    }
    if (!digits)
        return -EINVAL;
    if (s[i] && lower_ascii(s[i]) == (hex ? 'p' : 'e')) {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        if (!(s[i] >= '0' && s[i] <= '9') || !skip_digits(s, &i, false, &underscores))
            return -EINVAL;
    } else if (hex) {
        return -EINVAL; /* a hex mantissa needs an exponent */
    }
    if (i != n || (underscores && !underscore_ok(s)))
        return -EINVAL;
    clean = cadv_xmalloc(n + 1);
    for (i = 0, n = 0; s[i]; i++)
        if (s[i] != '_')
            clean[n++] = s[i];
    clean[n] = '\0';
    errno = 0;
    v = strtod(clean, &end);
    free(clean);
    if (errno == ERANGE && isinf(v))
        return -ERANGE;
    *ret = v;
    return 0;
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
