/* SPDX-License-Identifier: Apache-2.0 */
/* test_metrics_fmt.c - Prometheus text encodings as the Go client writes them: shortest 'g' values
 * (table of Go's outputs and a randomised round-trip/shortness check), escaping, label sanitising. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "wire/metrics_fmt.h"

static const char *fmtd(double v)
{
    static char buf[64];

    buf[cadv_prom_fmt_double(buf, v)] = '\0';
    return buf;
}

static const char *fmts(uint64_t v, unsigned p)
{
    static char buf[64];

    buf[cadv_prom_fmt_scaled(buf, v, p)] = '\0';
    return buf;
}

Test(metrics_fmt, go_strconv_g_shortest)
{
    /* Expected strings are Go's strconv.FormatFloat(v, 'g', -1, 64) (and expfmt's shortcuts). */
    static const struct {
        double v;
        const char *want;
    } cases[] = {
            {0, "0"},
            {-0.0, "0"},
            {1, "1"},
            {-1, "-1"},
            {12.5, "12.5"},
            {100000, "100000"},
            {1e6, "1e+06"},
            {33554432, "3.3554432e+07"},
            {1795820309, "1.795820309e+09"},
            {0.1, "0.1"},
            {7e-9, "7e-09"},
            {0.0001, "0.0001"},
            {0.000123, "0.000123"},
            {1.2247e-05, "1.2247e-05"},
            {193.394969145, "193.394969145"},
            {2.70553174016e+11, "2.70553174016e+11"},
            {1e21, "1e+21"},
            {1e100, "1e+100"},
            {5e-324, "5e-324"},
            {18446744073709551615.0, "1.8446744073709552e+19"},
            {0.30000000000000004, "0.30000000000000004"},
            {123456789012345678.0, "1.2345678901234568e+17"},
            {-2000, "-2000"},
            {NAN, "NaN"},
            {INFINITY, "+Inf"},
            {-INFINITY, "-Inf"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_str_eq(fmtd(cases[i].v), cases[i].want, "case %zu", i);
    cr_expect_str_eq(fmts(2533526968, 9), "2.533526968");
    cr_expect_str_eq(fmts(7, 9), "7e-09");
    cr_expect_str_eq(fmts(1500, 9), "1.5e-06");
    cr_expect_str_eq(fmts(1000000000, 9), "1");
    cr_expect_str_eq(fmts(1724314000, 9), "1.724314");
    cr_expect_str_eq(fmts(1500000, 6), "1.5");
    cr_expect_str_eq(fmts(8388608, 0), "8.388608e+06");
    cr_expect_str_eq(fmts(UINT64_MAX, 0), "1.8446744073709552e+19");
    cr_expect_str_eq(fmts(1234567890123456789ULL, 9), "1.2345678901234567e+09");
    {
        char b[64];

        b[cadv_prom_fmt_i64(b, -1)] = '\0';
        cr_expect_str_eq(b, "-1");
        b[cadv_prom_fmt_int(b, 1795820307731LL)] = '\0';
        cr_expect_str_eq(b, "1795820307731");
    }
}

/* Reference: the fewest significant digits (1..17) whose %e form reads back as v. */
static int ref_digits(double v)
{
    char tmp[64];

    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof(tmp), "%.*e", p - 1, v);
        if (strtod(tmp, NULL) == v)
            return p;
    }
    return 17;
}

static int sig_digits(const char *s)
{
    int n = 0;
    bool lead = true;
    const char *e = strpbrk(s, "e");
    int last_nz = 0;

    for (const char *p = s; *p && p != e; p++) {
        if (*p < '0' || *p > '9')
            continue;
        if (lead && *p == '0')
            continue;
        lead = false;
        n++;
        if (*p != '0')
            last_nz = n;
    }
    return last_nz;
}

Test(metrics_fmt, shortest_round_trip_random)
{
    uint64_t x = 88172645463325252ULL;

    for (int i = 0; i < 20000; i++) {
        double v;
        const char *s;
        char *end;
        int exp10;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        switch (i % 4) {
        case 0:
            v = (double)(x % 100000000000000ULL) / 1e9;
            break;
        case 1:
            v = (double)(x >> 11) * 0x1p-53 * pow(10, (double)((int)(x % 40) - 20));
            break;
        case 2:
            v = (double)x;
            break;
        default:
            v = (double)(x % 100000) / 1e6;
            break;
        }
        if (v == 0)
            continue;
        s = fmtd(v);
        cr_assert_eq(strtod(s, &end), v, "%s does not read back as %.17g", s, v);
        cr_assert_eq(*end, '\0');
        cr_assert_eq(sig_digits(s), ref_digits(v), "%s is not the shortest for %.17g", s, v);
        exp10 = (int)floor(log10(fabs(v)));
        cr_assert_eq(strchr(s, 'e') != NULL, exp10 < -4 || exp10 >= 6, "%s: wrong notation", s);
        if (i % 4 == 0 || i % 4 == 3) {
            uint64_t n = i % 4 == 0 ? x % 100000000000000ULL : x % 100000;
            char a[64];

            strcpy(a, fmtd((double)n / (i % 4 == 0 ? 1e9 : 1e6)));
            cr_assert_str_eq(fmts(n, i % 4 == 0 ? 9 : 6), a);
        }
    }
}

Test(metrics_fmt, escaping_and_sanitising)
{
    struct cadv_buf b;
    char name[] = "com.example/foo-bar:9";

    cadv_buf_init(&b, 0);
    cadv_prom_put_label_value(&b, "a\"b\\c\nd");
    cr_expect_str_eq(b.data, "a\\\"b\\\\c\\nd");
    cadv_buf_clear(&b);
    cadv_prom_put_help(&b, "x\"y\\z\n");
    cr_expect_str_eq(b.data, "x\"y\\\\z\\n");
    /* Label values must be UTF-8: each invalid byte becomes U+FFFD (a cgroup named $'x\xff' broke
     * every scrape); valid multi-byte text passes through. */
    cadv_buf_clear(&b);
    cadv_prom_put_label_value(&b, "/x\xff");
    cr_expect_str_eq(b.data, "/x\xef\xbf\xbd");
    cadv_buf_clear(&b);
    cadv_prom_put_label_value(&b, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
    cr_expect_str_eq(b.data, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
    cadv_buf_clear(&b);
    /* Truncated sequence, overlong form, surrogate, lone continuation byte, next to escapes. */
    cadv_prom_put_label_value(&b, "\xe2\x82\"\xc0\xaf\xed\xa0\x80\x80\n\xf0\x9f\x90");
    cr_expect_str_eq(
            b.data, "\xef\xbf\xbd\xef\xbf\xbd\\\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                    "\xef\xbf\xbd\\n\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    cadv_buf_done(&b);
    cadv_prom_sanitize(name);
    cr_expect_str_eq(name, "com_example_foo_bar_9");
}
