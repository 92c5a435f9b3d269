/* SPDX-License-Identifier: Apache-2.0 */
/* test_export.c - the storage driver list check, the flat figures cAdvisor's stdout/statsd/influxdb
 * drivers write for a sample, and the JSON record of its redis/elasticsearch/kafka drivers. The
 * delivery itself (queues, retries, backends) is tested black-box in tests/integration/test_export.py
 * against real servers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "export/detail.h"
#include "export/export.h"
#include "export/fields.h"
#include "export/post.h"
#include "model/sample.h"

static int check(const char *list, char *err, size_t size)
{
    FILE *f = fmemopen(err, size, "w");
    int r = cadv_export_check(list, f);

    fclose(f);
    return r;
}

Test(export, driver_list)
{
    char err[512] = "";

    cr_expect_eq(check("", err, sizeof(err)), 0);
    cr_expect_eq(check("stdout", err, sizeof(err)), 0);
    cr_expect_eq(check(" influxdb , redis,statsd,,kafka,elasticsearch ", err, sizeof(err)), 0);
    cr_expect_eq(check("stdout,nope", err, sizeof(err)), -EINVAL);
    cr_expect(strstr(err, "unknown storage driver 'nope'; known drivers: stdout, statsd"), "%s", err);
    cr_expect_eq(check("redis,redis", err, sizeof(err)), -EINVAL);
    cr_expect(strstr(err, "'redis' is listed twice"), "%s", err);
    cr_expect_eq(check("bigquery", err, sizeof(err)), -EINVAL);
    cr_expect(strstr(err, "'bigquery' is not supported") && strstr(err, "influxdb"), "%s", err);
    cr_expect_eq(check("stdoutx", err, sizeof(err)), -EINVAL);
}

static void fill(struct cadv_sample *s)
{
    cadv_sample_init_scratch(s);
    s->c.timestamp_ns = 1700000000123456789ull;
    s->c.has = CADV_HAS_CPU | CADV_HAS_MEMORY | CADV_HAS_NETWORK | CADV_HAS_FILESYSTEM | CADV_HAS_HUGETLB;
    s->c.cpu.total_ns = 300;
    s->c.cpu.user_ns = 200;
    s->c.cpu.system_ns = 100;
    s->c.cpu.load_average = 1500;
    s->n_percpu = 2;
    s->percpu[0] = 120;
    s->percpu[1] = 180;
    s->c.memory.usage = 4096;
    s->c.memory.pgfault = 7;
    s->c.memory.pgmajfault = 1;
    s->n_ifaces = 2;
    snprintf(s->ifaces[0].name, sizeof(s->ifaces[0].name), "eth0");
    s->ifaces[0].rx_bytes = 11;
    s->ifaces[1].rx_bytes = 99; /* only the first interface is ContainerStats.Network's */
    s->n_fs = 2;
    snprintf(s->fs[0].device, sizeof(s->fs[0].device), "/dev/sda1");
    s->fs[0].capacity = 1000;
    s->fs[0].usage = 10;
    snprintf(s->fs[1].device, sizeof(s->fs[1].device), "/dev/sdb");
    s->fs[1].capacity = 500;
    s->fs[1].usage = 5;
    s->n_hugetlb = 1;
    s->hugetlb[0].pagesize_bytes = 2u << 20;
    s->hugetlb[0].usage = 4;
    s->n_io = s->n_numa = 0;
    s->net = NULL;
}

static void collect(void *arg, const struct cadv_export_kv *kv)
{
    struct cadv_buf *b = arg;

    cadv_buf_printf(b, "%s=%llu|%s", kv->key, (unsigned long long)kv->value,
                    (kv->flags & CADV_KV_NO_INFLUX) ? "-" : kv->measurement);
    for (int i = 0; i < 2; i++)
        if (kv->tag_key[i])
            cadv_buf_printf(b, ",%s=%s", kv->tag_key[i], kv->tag_value[i]);
    cadv_buf_putc(b, '\n');
}

Test(export, fields)
{
    struct cadv_sample s;
    struct cadv_buf b;

    fill(&s);
    cadv_buf_init(&b, 0);
    cadv_export_fields(&s, collect, &b);
    cr_expect(strstr(b.data, "cpu_usage_total=300|cpu_usage_total\n"), "%s", b.data);
    cr_expect(strstr(b.data, "cpu_cumulative_usage=300|-\n"));
    cr_expect(strstr(b.data, "cpu_usage_per_cpu.1=180|cpu_usage_per_cpu,instance=1\n"));
    cr_expect(strstr(b.data, "load_average=1500|load_average\n"));
    cr_expect(strstr(b.data, "rx_bytes=11|rx_bytes\n"));
    cr_expect(strstr(b.data, "/dev/sda1.fs_limit=1000|fs_limit,device=/dev/sda1,type=limit\n"));
    cr_expect(strstr(b.data, "fs_summary.fs_usage=15|-\n"));
    cr_expect(strstr(b.data, "memory_failure.container.pgmajfault=1|memory_failure,failure_type=pgmajfault,"
                             "scope=container\n"));
    cr_expect(strstr(b.data, "hugetlb_usage.2MB=4|hugetlb_usage,page_size=2MB\n"));
    cr_expect(strstr(b.data, "referenced_memory=0|referenced_memory\n"));
    cadv_buf_done(&b);

    /* Parts not collected are left out (cAdvisor's nil checks). */
    s.c.has = CADV_HAS_MEMORY;
    cadv_buf_init(&b, 0);
    cadv_export_fields(&s, collect, &b);
    cr_expect_null(strstr(b.data, "cpu_"));
    cr_expect_null(strstr(b.data, "rx_bytes"));
    cr_expect(strstr(b.data, "memory_usage=4096|memory_usage\n"));
    cadv_buf_done(&b);
    cadv_sample_done(&s);
}

Test(export, detail_records)
{
    struct cadv_sample s;
    struct cadv_buf b;
    struct cadv_export_record rec = {.name = "web", .cgroup_name = "/docker/abc", .id = "abc"};
    json_t *j;
    const char *key;
    json_t *v;
    const char *keys_us[] = {"timestamp", "machine_name", "container_Name", "container_stats"};
    const char *keys_kafka[] = {"timestamp", "machine_name", "container_Name", "container_Id",
                                "container_stats"};
    size_t i = 0;

    fill(&s);
    rec.s = &s;
    cadv_buf_init(&b, 0);
    cadv_export_detail_json(&b, CADV_DETAIL_MICROS, "node1", &rec);
    j = json_loads(b.data, JSON_PRESERVE_ORDER, NULL);
    cr_assert_not_null(j, "%s", b.data);
    json_object_foreach(j, key, v) cr_expect_str_eq(key, keys_us[i++]);
    cr_expect_eq(json_integer_value(json_object_get(j, "timestamp")), 1700000000123456);
    cr_expect_str_eq(json_string_value(json_object_get(j, "container_Name")), "web");
    cr_expect_eq(json_integer_value(json_object_get(
                         json_object_get(json_object_get(j, "container_stats"), "memory"), "usage")),
                 4096);
    json_decref(j);

    cadv_buf_clear(&b);
    cadv_export_detail_json(&b, CADV_DETAIL_KAFKA, "", &rec);
    j = json_loads(b.data, JSON_PRESERVE_ORDER, NULL);
    cr_assert_not_null(j, "%s", b.data);
    i = 0;
    json_object_foreach(j, key, v)
    {
        if (i == 1) /* machine_name is omitted when empty (omitempty) */
            i++;
        cr_expect_str_eq(key, keys_kafka[i++]);
    }
    cr_expect(json_is_string(json_object_get(j, "timestamp")));
    json_decref(j);
    cadv_buf_done(&b);
    cadv_sample_done(&s);
}

/* The status classification shared by the HTTP drivers (post.h): the first rule that holds the status
 * decides; a status no rule holds is -EIO with the batch kept; no answer passes through. */
Test(export, post_status_rules)
{
    static const struct cadv_export_status rules[] = {
            {200, 299, 0, true, false, NULL},
            {429, 429, -EIO, false, false, NULL},
            {404, 404, -ENOENT, false, false, "database 'db' not found"},
            {400, 499, -EBADMSG, true, true, "X refused the batch"},
            {500, 500, -EACCES, false, false, NULL},
    };
    const size_t n = sizeof(rules) / sizeof(rules[0]);
    struct cadv_buf resp;
    char err[256] = "untouched";
    bool drop = true;

    cadv_buf_init(&resp, 0);
    cadv_buf_puts(&resp, "the answer");
    cr_expect_eq(cadv_export_post_status(204, rules, n, "X", &resp, &drop, err, sizeof(err)), 0);
    cr_expect(drop);
    cr_expect_str_eq(err, "untouched");
    cr_expect_eq(cadv_export_post_status(429, rules, n, "X", &resp, &drop, err, sizeof(err)), -EIO);
    cr_expect_not(drop);
    cr_expect_str_eq(err, "X answered HTTP 429: the answer");
    cr_expect_eq(cadv_export_post_status(404, rules, n, "X", &resp, &drop, err, sizeof(err)), -ENOENT);
    cr_expect_str_eq(err, "database 'db' not found: the answer");
    cr_expect_eq(cadv_export_post_status(418, rules, n, "X", &resp, &drop, err, sizeof(err)), -EBADMSG);
    cr_expect(drop);
    cr_expect_str_eq(err, "X refused the batch (HTTP 418): the answer");
    cr_expect_eq(cadv_export_post_status(500, rules, n, "X", &resp, &drop, err, sizeof(err)), -EACCES);
    cr_expect_not(drop);
    cr_expect_str_eq(err, "X answered HTTP 500: the answer");
    cr_expect_eq(cadv_export_post_status(302, rules, n, "X", &resp, &drop, err, sizeof(err)), -EIO);
    cr_expect_not(drop);
    cr_expect_str_eq(err, "X answered HTTP 302: the answer");
    snprintf(err, sizeof(err), "connection refused");
    drop = true;
    cr_expect_eq(cadv_export_post_status(-ECONNREFUSED, rules, n, "X", &resp, &drop, err, sizeof(err)),
                 -ECONNREFUSED);
    cr_expect_not(drop);
    cr_expect_str_eq(err, "connection refused");
    cadv_buf_done(&resp);
}
