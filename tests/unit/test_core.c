/* SPDX-License-Identifier: Apache-2.0 */
/* test_core.c - core helpers: buffers, JSON writer (Go compatibility), parsers, time formatting. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "model/kinds.h"
#include "model/sample.h"

static char *fmt_float(double v)
{
    struct cadv_buf b;

    cadv_buf_init(&b, 0);
    cadv_format_go_float(&b, v);
    return cadv_buf_steal(&b, NULL);
}

Test(json, go_float_format)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
            {0, "0"},
            {1, "1"},
            {0.5, "0.5"},
            {1.5e-7, "1.5e-07"},
            {1e21, "1e+21"},
            {123456789, "123456789"},
            {0.1, "0.1"},
            {2.5e20, "250000000000000000000"},
            {-3.25, "-3.25"},
            {1e-6, "0.000001"},
            {33554432, "33554432"},
            {0.000123, "0.000123"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = fmt_float(cases[i].v);

        cr_expect_str_eq(s, cases[i].want, "%g", cases[i].v);
        free(s);
    }
}

Test(json, escaping_and_commas)
{
    struct cadv_buf b;
    struct cadv_json w;

    cadv_buf_init(&b, 0);
    cadv_json_init(&w, &b);
    cadv_json_obj_begin(&w);
    cadv_json_kstr(&w, "a", "<x>&\"\n\x01");
    cadv_json_key(&w, "l");
    cadv_json_arr_begin(&w);
    cadv_json_u64(&w, 18446744073709551615ULL);
    cadv_json_i64(&w, -5);
    cadv_json_bool(&w, true);
    cadv_json_arr_end(&w);
    cadv_json_kstr(&w, "bad", "\xff");
    cadv_json_obj_end(&w);
    cr_expect_str_eq(b.data,
                     "{\"a\":\"\\u003cx\\u003e\\u0026\\\"\\n\\u0001\",\"l\":[18446744073709551615,-5,true],"
                     "\"bad\":\"\\ufffd\"}");
    cadv_buf_done(&b);
}

Test(json, zero_time)
{
    char buf[64];

    cadv_format_rfc3339(0, buf, sizeof(buf));
    cr_expect_str_eq(buf, "0001-01-01T00:00:00Z");
}

Test(time, rfc3339_round_trip)
{
    uint64_t ns;
    char buf[64];

    setenv("TZ", "UTC", 1);
    cr_assert_eq(cadv_parse_rfc3339("2026-07-20T10:11:12.1234Z", &ns), 0);
    cadv_format_rfc3339(ns, buf, sizeof(buf));
    cr_expect_str_eq(buf, "2026-07-20T10:11:12.1234Z");
    cr_assert_eq(cadv_parse_rfc3339("2026-07-20T12:11:12+02:00", &ns), 0);
    cadv_format_rfc3339(ns, buf, sizeof(buf));
    cr_expect_str_eq(buf, "2026-07-20T10:11:12Z");
    cr_expect_eq(cadv_parse_rfc3339("2026-07-20 10:11:12Z", &ns), -EINVAL);
    cr_expect_eq(cadv_parse_rfc3339("garbage", &ns), -EINVAL);
    /* valid RFC 3339 outside uint64_t nanoseconds */
    cr_expect_eq(cadv_parse_rfc3339("0001-01-01T00:00:00Z", &ns), -ERANGE);
    cr_expect_eq(cadv_parse_rfc3339("2600-01-01T00:00:00Z", &ns), -ERANGE);
}

Test(time, rfc3339_full_range)
{
    static const struct {
        const char *s;
        int64_t sec;
        uint32_t nsec;
    } good[] = {
            {"0001-01-01T00:00:00Z", CADV_GO_ZERO_TIME_SEC, 0},
            {"0000-01-01T00:00:00Z", -62167219200LL, 0},
            {"1969-12-31T23:59:59.999999999Z", -1, 999999999},
            {"1970-01-01T00:00:00Z", 0, 0},
            {"1970-01-01T01:00:00+01:00", 0, 0},
            {"1969-12-31T19:00:00-05:00", 0, 0},
            {"1900-03-01T00:00:00Z", -2203891200LL, 0},
            {"2000-02-29T00:00:00z", 951782400, 0},
            {"2026-07-20t10:11:12.5Z", 1784542272, 500000000},
            {"9999-12-31T23:59:59Z", 253402300799LL, 0},
            {"2026-01-01T00:00:00.1234567899Z", 1767225600, 123456789},
    };
    static const char *const bad[] = {
            "2026-02-29T00:00:00Z",      "1900-02-29T00:00:00Z",      "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",      "2026-00-01T00:00:00Z",      "2026-01-00T00:00:00Z",
            "2026-01-01T24:00:00Z",      "2026-01-01T00:60:00Z",      "2026-01-01T00:00:60Z",
            "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+01:60", "2026-01-01T00:00:00+0100",
            "2026-01-01T00:00:00",       "2026-01-01T00:00:00.Z",     "2026-01-01T00:00:00ZZ",
            "-001-01-01T00:00:00Z",      "26-01-01T00:00:00Z",        "",
    };
    uint32_t nsec;
    int64_t sec;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cr_assert_eq(cadv_parse_rfc3339_sec(good[i].s, &sec, &nsec), 0, "%s", good[i].s);
        cr_expect_eq(sec, good[i].sec, "%s: %lld", good[i].s, (long long)sec);
        cr_expect_eq(nsec, good[i].nsec, "%s: %u", good[i].s, nsec);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(cadv_parse_rfc3339_sec(bad[i], &sec, &nsec), -EINVAL, "%s", bad[i]);
}

Test(parse, numbers)
{
    uint64_t u;
    int64_t i;

    cr_expect_eq(cadv_parse_u64("18446744073709551615", &u), 0);
    cr_expect_eq(u, UINT64_MAX);
    cr_expect_eq(cadv_parse_u64("18446744073709551616", &u), -ERANGE);
    cr_expect_eq(cadv_parse_u64("12a", &u), -EINVAL);
    cr_expect_eq(cadv_parse_u64("", &u), -EINVAL);
    cr_expect_eq(cadv_parse_i64("-9223372036854775808", &i), 0);
    cr_expect_eq(i, INT64_MIN);
    cr_expect_eq(cadv_parse_i64("9223372036854775808", &i), -ERANGE);
}

Test(parse, go_durations)
{
    int64_t ns;
    struct cadv_buf b;

    cr_expect_eq(cadv_parse_duration("1m30s", &ns), 0);
    cr_expect_eq(ns, 90LL * 1000000000LL);
    cr_expect_eq(cadv_parse_duration("1.5h", &ns), 0);
    cr_expect_eq(ns, 5400LL * 1000000000LL);
    cr_expect_eq(cadv_parse_duration("300ms", &ns), 0);
    cr_expect_eq(ns, 300000000LL);
    cr_expect_eq(cadv_parse_duration("0", &ns), 0);
    cr_expect_eq(ns, 0);
    cr_expect_eq(cadv_parse_duration("10", &ns), -EINVAL);
    cr_expect_eq(cadv_parse_duration("1x", &ns), -EINVAL);
    cr_expect_eq(cadv_parse_duration("", &ns), -EINVAL);
    cadv_buf_init(&b, 0);
    cadv_format_duration(&b, 60LL * 1000000000LL);
    cadv_buf_putc(&b, ' ');
    cadv_format_duration(&b, 1500000000LL);
    cadv_buf_putc(&b, ' ');
    cadv_format_duration(&b, 3723LL * 1000000000LL);
    cadv_buf_putc(&b, ' ');
    cadv_format_duration(&b, 300000000LL);
    cr_expect_str_eq(b.data, "1m0s 1.5s 1h2m3s 300ms");
    cadv_buf_done(&b);
}

Test(parse, go_bools)
{
    bool v;

    cr_expect_eq(cadv_parse_bool("True", &v), 0);
    cr_expect(v);
    cr_expect_eq(cadv_parse_bool("0", &v), 0);
    cr_expect(!v);
    cr_expect_eq(cadv_parse_bool("yes", &v), -EINVAL);
}

Test(kinds, parse_and_format)
{
    uint32_t k;
    const char *bad = NULL;
    struct cadv_buf b;

    cr_expect_eq(cadv_kinds_parse("cpu,memory,accelerator", &k, &bad), 0);
    cr_expect_eq(k, CADV_KIND_CPU | CADV_KIND_MEMORY | CADV_KIND_ACCELERATOR);
    cr_expect_eq(cadv_kinds_parse("cpu,bogus", &k, &bad), -EINVAL);
    cr_expect_str_eq(bad, "bogus");
    cadv_buf_init(&b, 0);
    cadv_kinds_format(CADV_KIND_DEFAULT_DISABLED, &b);
    cr_expect_str_eq(b.data,
                     "sched,memory_numa,tcp,advtcp,udp,process,hugetlb,referenced_memory,cpu_topology,"
                     "resctrl,cpuset");
    cadv_buf_done(&b);
}

Test(sample, pack_round_trip)
{
    struct cadv_sample s, u;
    struct cadv_buf b;

    cadv_sample_init_scratch(&s);
    cadv_sample_init(&u);
    s.c.timestamp_ns = 1768900000123456789ULL;
    s.c.cpu.total_ns = 123456789;
    s.c.memory.usage = 64ULL << 20;
    s.n_percpu = 2;
    s.percpu[0] = 5;
    s.percpu[1] = UINT64_MAX;
    s.n_io = 1;
    s.io[0].major = 8;
    s.io[0].opmask = 3;
    s.io[0].v[0] = 4096;
    s.n_ifaces = 1;
    strcpy(s.ifaces[0].name, "eth0");
    s.ifaces[0].tx_bytes = 99;
    s.net->tcp_adv[3] = (uint64_t)-1;
    cadv_buf_init(&b, 0);
    cadv_sample_pack(&s, &b);
    cr_expect_lt(b.len, 400u);
    cr_assert_eq(cadv_sample_unpack((const uint8_t *)b.data, b.len, &u), 0);
    cr_expect(cadv_sample_stats_equal(&s, &u));
    cr_expect_eq(u.c.timestamp_ns, s.c.timestamp_ns);
    cr_expect_str_eq(u.ifaces[0].name, "eth0");
    cr_expect_eq(u.percpu[1], UINT64_MAX);
    cr_expect_eq(cadv_sample_unpack((const uint8_t *)b.data, b.len - 1, &u), -EBADMSG);
    u.c.memory.usage++;
    cr_expect(!cadv_sample_stats_equal(&s, &u));
    cadv_buf_done(&b);
    cadv_sample_done(&s);
    cadv_sample_done(&u);
}
