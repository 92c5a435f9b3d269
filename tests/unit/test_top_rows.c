/* SPDX-License-Identifier: Apache-2.0 */
/* test_top_rows.c - cadvtop's rows from v2.1 and v2.0 stats answers: names from aliases, CPU % from
 * the samples' own timestamps, limits (unlimited: the machine's memory), network and block I/O totals,
 * pids, sorting, formatting and bad input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "rows.h"

#define MIB (INT64_C(1) << 20)

static const char v21[] =
        "{\"/docker/abc\":{\"spec\":{\"aliases\":[\"web\",\"abc\"],\"memory\":{\"limit\":268435456}},"
        "\"stats\":["
        "{\"timestamp\":\"2026-11-27T22:58:27.5Z\",\"cpu\":{\"usage\":{\"total\":1000000000}},"
        "\"memory\":{\"usage\":1048576}},"
        "{\"timestamp\":\"2026-11-27T22:58:28.5Z\",\"cpu\":{\"usage\":{\"total\":1500000000}},"
        "\"memory\":{\"usage\":2097152},"
        "\"network\":{\"interfaces\":[{\"name\":\"eth0\",\"rx_bytes\":100,\"tx_bytes\":7},"
        "{\"name\":\"eth1\",\"rx_bytes\":20,\"tx_bytes\":3}]},"
        "\"diskio\":{\"io_service_bytes\":[{\"major\":8,\"stats\":{\"Read\":4096,\"Write\":8192}}]},"
        "\"processes\":{\"process_count\":2,\"threads_current\":3}}]},"
        "\"/raw\":{\"spec\":{\"memory\":{\"limit\":9223372036854771712}},\"stats\":["
        "{\"timestamp\":\"2026-11-27T23:58:28+01:00\",\"cpu\":{\"usage\":{\"total\":5}}}]}}";

static struct top_row *find(struct top_table *t, const char *container)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->rows[i].container, container) == 0)
            return &t->rows[i];
    return NULL;
}

Test(top_rows, v21_answer)
{
    struct top_table t;
    char why[128];
    struct top_row *w, *r;

    cr_assert_eq(top_table_parse(v21, strlen(v21), NULL, 0, 1024 * MIB, &t, why, sizeof(why)), 0, "%s", why);
    cr_assert_eq(t.n, 2);
    w = find(&t, "/docker/abc");
    r = find(&t, "/raw");
    cr_assert(w && r);
    cr_expect_str_eq(w->name, "web");
    cr_expect_float_eq(w->cpu_pct, 50.0, 1e-9); /* 0.5 s of CPU over 1 s of sample time */
    cr_expect_eq(w->mem_bytes, 2 * MIB);
    cr_expect_eq(w->mem_limit, 256 * MIB);
    cr_expect_eq(w->rx_bytes, 120);
    cr_expect_eq(w->tx_bytes, 10);
    cr_expect_eq(w->read_bytes, 4096);
    cr_expect_eq(w->wr_bytes, 8192);
    cr_expect_eq(w->pids, 3);
    cr_expect_str_eq(r->name, "/raw");
    cr_expect_lt(r->cpu_pct, 0); /* one sample: unknown */
    cr_expect_lt(r->mem_bytes, 0);
    cr_expect_eq(r->mem_limit, 1024 * MIB); /* unlimited: the machine's memory */
    cr_expect_lt(r->rx_bytes, 0);
    cr_expect_lt(r->pids, 0);
    top_table_sort(&t, TOP_SORT_NAME, false);
    cr_expect_str_eq(t.rows[0].name, "/raw");
    top_table_sort(&t, TOP_SORT_CPU, false);
    cr_expect_str_eq(t.rows[0].name, "web");
    top_table_sort(&t, TOP_SORT_CPU, true); /* unknowns stay last */
    cr_expect_str_eq(t.rows[0].name, "web");
    top_table_done(&t);
}

Test(top_rows, v20_answer_with_specs_apart)
{
    static const char stats[] =
            "{\"/a\":[{\"timestamp\":\"2026-11-27T22:58:27Z\",\"has_cpu\":true,"
            "\"cpu\":{\"usage\":{\"total\":0}},\"has_memory\":false,\"memory\":{\"usage\":5}},"
            "{\"timestamp\":\"2026-11-27T22:58:29Z\",\"has_cpu\":true,"
            "\"cpu\":{\"usage\":{\"total\":4000000000}},\"has_memory\":true,"
            "\"memory\":{\"usage\":7},\"has_network\":false,\"network\":{\"interfaces\":[]}}]}";
    static const char spec[] = "{\"/a\":{\"aliases\":[\"db\"],\"memory\":{\"limit\":1000}}}";
    struct top_table t;
    char why[128];

    cr_assert_eq(top_table_parse(stats, strlen(stats), spec, strlen(spec), 0, &t, why, sizeof(why)), 0);
    cr_assert_eq(t.n, 1);
    cr_expect_str_eq(t.rows[0].name, "db");
    cr_expect_float_eq(t.rows[0].cpu_pct, 200.0, 1e-9); /* 4 s over 2 s: two CPUs */
    cr_expect_eq(t.rows[0].mem_bytes, 7);
    cr_expect_eq(t.rows[0].mem_limit, 1000);
    cr_expect_lt(t.rows[0].rx_bytes, 0); /* has_network false */
    top_table_done(&t);
}

Test(top_rows, bad_input_is_an_error_or_skipped)
{
    static const char *const bad[] = {"", "[1]", "{\"/a\":", "null"};
    static const char odd[] = "{\"/a\":5,\"/b\":{\"stats\":7},\"/c\":[{\"timestamp\":\"junk\",\"cpu\":1}]}";
    struct top_table t;
    char why[128];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(top_table_parse(bad[i], strlen(bad[i]), NULL, 0, 0, &t, why, sizeof(why)), -EINVAL, "%s",
                     bad[i]);
    cr_assert_eq(top_table_parse(odd, strlen(odd), "[", 1, 0, &t, why, sizeof(why)), 0);
    cr_expect_eq(t.n, 1);
    cr_expect_lt(t.rows[0].cpu_pct, 0);
    top_table_done(&t);
}

Test(top_rows, formatting)
{
    char buf[256];
    struct top_row r = {.name = "web",
                        .container = "/docker/abc",
                        .cpu_pct = 12.345,
                        .mem_bytes = 3 * MIB / 2,
                        .mem_limit = 256 * MIB,
                        .rx_bytes = 1023,
                        .tx_bytes = -1,
                        .read_bytes = 0,
                        .wr_bytes = 0,
                        .pids = 4};

    top_bytes_format(-1, buf, sizeof(buf));
    cr_expect_str_eq(buf, "-");
    top_bytes_format(1536, buf, sizeof(buf));
    cr_expect_str_eq(buf, "1.5KiB");
    top_row_format(&r, buf, sizeof(buf), 5, false);
    cr_expect_str_eq(buf, "web     12.35     1.5MiB / 256.0MiB     0.59      1023B / -                  0B / "
                          "0B              4");
    top_row_format(&r, buf, sizeof(buf), 3, true);
    cr_expect(strstr(buf, " 1572864 / 268435456 ") != NULL, "%s", buf);
    cr_expect_eq(top_sort_parse("io"), TOP_SORT_IO);
    cr_expect_eq(top_sort_parse("bogus"), -1);
}
