/* SPDX-License-Identifier: Apache-2.0 */
/* test_keyed.c - the cgroup file parsers: flat keyed, nested keyed (io.stat), v1 blkio, PSI, number
 * lists and numa_stat, including malformed and unterminated input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/keyed.h"
#include "model/sample.h"

/* Copies s without its NUL into an exact-size heap block, so reading past len is caught by ASan. */
static char *dup_exact(const char *s, size_t *len)
{
    char *p;

    *len = strlen(s);
    p = malloc(*len ? *len : 1);
    memcpy(p, s, *len);
    return p;
}

Test(keyed, value)
{
    uint64_t v = 7;

    cr_expect_eq(cadv_keyed_parse_value("123\n", 4, &v), 0);
    cr_expect_eq(v, 123);
    cr_expect_eq(cadv_keyed_parse_value("max\n", 4, &v), 0);
    cr_expect_eq(v, UINT64_MAX);
    cr_expect_eq(cadv_keyed_parse_value("-1\n", 3, &v), 0);
    cr_expect_eq(v, 0, "negative numbers read as 0 (libcontainer ParseUint)");
    v = 7;
    cr_expect_eq(cadv_keyed_parse_value("12a", 3, &v), -EINVAL);
    cr_expect_eq(cadv_keyed_parse_value("", 0, &v), -EINVAL);
    cr_expect_eq(cadv_keyed_parse_value("99999999999999999999", 20, &v), -EINVAL);
    cr_expect_eq(v, 7, "out-param untouched on failure");
    cr_expect_eq(cadv_keyed_parse_value("42 trailing", 2, &v), 0, "only len bytes are read");
    cr_expect_eq(v, 42);
}

Test(keyed, table)
{
    static const char *const keys[] = {"cache", "rss", "total_cache", "pgfault", "absent"};
    size_t len;
    char *buf = dup_exact("cache 100\nrss 200\nrss_huge 5\ntotal_cache 300\nbad\n noval\nneg -4\n"
                          "pgfault 77\ncache_x 1\nmalformed 12x\npgfault_extra 9",
                          &len);
    uint64_t v[5] = {0, 0, 0, 0, 555}, found = 0;

    cr_expect_eq(cadv_keyed_parse(buf, len, keys, 5, v, &found), 4);
    cr_expect_eq(v[0], 100);
    cr_expect_eq(v[1], 200);
    cr_expect_eq(v[2], 300);
    cr_expect_eq(v[3], 77);
    cr_expect_eq(v[4], 555, "absent keys keep their value");
    cr_expect_eq(found, 0xfu);
    free(buf);
}

static int stop_cb(void *ctx, const char *key, size_t key_len, uint64_t value)
{
    int *n = ctx;

    (void)key;
    (void)key_len;
    (void)value;
    return ++*n == 2 ? -ECANCELED : 0;
}

Test(keyed, foreach_stops_and_truncation)
{
    int n = 0;
    const char *s = "a 1\nb 2\nc 3\n";
    static const char *const keys[] = {"b"};
    uint64_t v = 0, found = 0;

    cr_expect_eq(cadv_keyed_foreach(s, strlen(s), stop_cb, &n), -ECANCELED);
    cr_expect_eq(n, 2);
    /* Truncated in the middle of "b 2": the partial line "b" has no value. */
    cr_expect_eq(cadv_keyed_parse(s, 5, keys, 1, &v, &found), 0);
    cr_expect_eq(found, 0);
    cr_expect_eq(cadv_keyed_parse(s, 7, keys, 1, &v, &found), 1);
    cr_expect_eq(v, 2);
}

struct nested_rec {
    int n;
    uint64_t major[16], minor[16], value[16];
    char key[16][16];
};

static void nested_cb(void *ctx, uint64_t major, uint64_t minor, const char *key, size_t key_len,
                      uint64_t value)
{
    struct nested_rec *r = ctx;

    cr_assert_lt(r->n, 16);
    cr_assert_lt(key_len, 16);
    r->major[r->n] = major;
    r->minor[r->n] = minor;
    r->value[r->n] = value;
    memcpy(r->key[r->n], key, key_len);
    r->key[r->n][key_len] = '\0';
    r->n++;
}

Test(keyed, nested)
{
    struct nested_rec r = {0};
    size_t len;
    char *buf =
            dup_exact("8:0 rbytes=1 wbytes=2\nbogus line=1\n253:1 cost.usage=10 noeq x=-1 y=3\n8:x rbytes=5\n"
                      "259:0 rios=4",
                      &len);

    cr_expect_eq(cadv_nested_keyed_parse(buf, len, nested_cb, &r), 3);
    cr_assert_eq(r.n, 5);
    cr_expect_eq(r.major[0], 8);
    cr_expect_eq(r.minor[0], 0);
    cr_expect_str_eq(r.key[0], "rbytes");
    cr_expect_eq(r.value[0], 1);
    cr_expect_str_eq(r.key[1], "wbytes");
    cr_expect_eq(r.value[1], 2);
    cr_expect_eq(r.major[2], 253);
    cr_expect_eq(r.minor[2], 1);
    cr_expect_str_eq(r.key[2], "cost.usage");
    cr_expect_eq(r.value[2], 10);
    cr_expect_str_eq(r.key[3], "y");
    cr_expect_eq(r.value[3], 3);
    cr_expect_eq(r.major[4], 259);
    cr_expect_str_eq(r.key[4], "rios");
    cr_expect_eq(r.value[4], 4);
    free(buf);
}

struct blkio_rec {
    int n;
    uint64_t major[8], minor[8], value[8];
    char op[8][16];
};

static void blkio_cb(void *ctx, uint64_t major, uint64_t minor, const char *op, size_t op_len, uint64_t value)
{
    struct blkio_rec *r = ctx;

    cr_assert_lt(r->n, 8);
    r->major[r->n] = major;
    r->minor[r->n] = minor;
    r->value[r->n] = value;
    memcpy(r->op[r->n], op, op_len);
    r->op[r->n][op_len] = '\0';
    r->n++;
}

Test(keyed, blkio)
{
    struct blkio_rec r = {0};
    const char *ok = "8:0 Read 10\n8:0 Write 20\n8:16 Total 30\nTotal 60\n";
    const char *count = "8:0 6144\n8:16 8\n";

    cr_expect_eq(cadv_blkio_parse(ok, strlen(ok), NULL, NULL), 3);
    cr_expect_eq(cadv_blkio_parse(ok, strlen(ok), blkio_cb, &r), 3);
    cr_expect_str_eq(r.op[0], "Read");
    cr_expect_eq(r.value[1], 20);
    cr_expect_eq(r.minor[2], 16);
    cr_expect_str_eq(r.op[2], "Total");
    memset(&r, 0, sizeof(r));
    cr_expect_eq(cadv_blkio_parse(count, strlen(count), blkio_cb, &r), 2);
    cr_expect_str_eq(r.op[0], "", "no op column: Count");
    cr_expect_eq(r.value[0], 6144);
    cr_expect_eq(cadv_blkio_parse("Total 0\n", 8, NULL, NULL), 0,
                 "a file with only the total has no entries");
    cr_expect_eq(cadv_blkio_parse("", 0, NULL, NULL), 0);
    cr_expect_eq(cadv_blkio_parse("8:0\n", 4, NULL, NULL), -EBADMSG);
    cr_expect_eq(cadv_blkio_parse("8:0 Read x\n", 11, NULL, NULL), -EBADMSG);
    cr_expect_eq(cadv_blkio_parse("8:0 Read 1 2\n", 13, NULL, NULL), -EBADMSG);
    cr_expect_eq(cadv_blkio_parse("Foo 1\n", 6, NULL, NULL), -EBADMSG);
}

Test(keyed, psi)
{
    struct cadv_psi p, keep = {.some = {.total_us = 99}};
    const char *s = "some avg10=1.25 avg60=0.50 avg300=10.1 total=123456\n"
                    "full avg10=0.75 avg60=0.25 avg300=0.05 total=65432\n";

    cr_assert_eq(cadv_psi_parse(s, strlen(s), &p), 0);
    cr_expect_eq(p.some.avg10_centi, 125);
    cr_expect_eq(p.some.avg60_centi, 50);
    cr_expect_eq(p.some.avg300_centi, 1010);
    cr_expect_eq(p.some.total_us, 123456);
    cr_expect_eq(p.full.avg10_centi, 75);
    cr_expect_eq(p.full.avg60_centi, 25);
    cr_expect_eq(p.full.avg300_centi, 5);
    cr_expect_eq(p.full.total_us, 65432);
    /* "some" only (cpu.pressure on old kernels); full stays zero. */
    cr_assert_eq(cadv_psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n", 47, &p), 0);
    cr_expect_eq(p.some.total_us, 5);
    cr_expect_eq(p.full.total_us, 0);
    p = keep;
    cr_expect_eq(cadv_psi_parse("some avg10=x total=1\n", 21, &p), -EBADMSG);
    cr_expect_eq(cadv_psi_parse("some avg10\n", 11, &p), -EBADMSG);
    cr_expect_eq(cadv_psi_parse("full total=-1\n", 14, &p), -EBADMSG);
    cr_expect_eq(cadv_psi_parse("some avg300=0.\0161 total=1\n", 25, &p), -EBADMSG,
                 "control byte in a fraction");
    cr_expect_eq(p.some.total_us, 99, "untouched on failure");
}

Test(keyed, list)
{
    uint64_t v[3] = {0};

    cr_expect_eq(cadv_keyed_parse_list("3000000000 2432109876 \n", 23, v, 3), 2);
    cr_expect_eq(v[0], 3000000000u);
    cr_expect_eq(v[1], 2432109876u);
    cr_expect_eq(cadv_keyed_parse_list("1 2 3 4 5", 9, v, 3), 3, "extra values are dropped");
    cr_expect_eq(v[2], 3);
    cr_expect_eq(cadv_keyed_parse_list("1 x", 3, v, 3), -EBADMSG);
    cr_expect_eq(cadv_keyed_parse_list("", 0, v, 3), 0);
}

struct numa_rec {
    int n;
    char key[8][32];
    uint64_t node[8], pages[8];
};

static void numa_cb(void *ctx, const char *key, size_t key_len, uint64_t node, uint64_t pages)
{
    struct numa_rec *r = ctx;

    cr_assert_lt(r->n, 8);
    memcpy(r->key[r->n], key, key_len);
    r->key[r->n][key_len] = '\0';
    r->node[r->n] = node;
    r->pages[r->n] = pages;
    r->n++;
}

Test(keyed, numa)
{
    struct numa_rec r = {0};
    const char *s = "file=5120 N0=4096 N1=1024\nnuma_locality 0 0\nhierarchical_anon=18 N0=14 N1=4\n";

    cr_expect_eq(cadv_numa_stat_parse(s, strlen(s), numa_cb, &r), 2);
    cr_assert_eq(r.n, 4);
    cr_expect_str_eq(r.key[0], "file");
    cr_expect_eq(r.node[1], 1);
    cr_expect_eq(r.pages[1], 1024);
    cr_expect_str_eq(r.key[3], "hierarchical_anon");
    cr_expect_eq(r.pages[3], 4);
    cr_expect_eq(cadv_numa_stat_parse("file=1 X0=1\n", 12, numa_cb, &r), -EBADMSG);
    cr_expect_eq(cadv_numa_stat_parse("file=1 N0\n", 10, numa_cb, &r), -EBADMSG);
}
