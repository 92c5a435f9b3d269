/* SPDX-License-Identifier: Apache-2.0 */
/* fields.c - cAdvisor's flat per-sample figures (fields.h), in the order its drivers build them. */
#include "export/fields.h"

#include <stdbool.h>
#include <stdio.h>

#include "model/sample.h"

struct emit {
    cadv_export_kv_cb fn;
    void *arg;
};

static void put(const struct emit *e, const char *key, const char *meas, uint64_t v, unsigned flags)
{
    struct cadv_export_kv kv = {.key = key, .measurement = meas, .value = v, .flags = flags};

    e->fn(e->arg, &kv);
}

static void put_tagged(const struct emit *e, const char *key, const char *meas, const char *k0,
                       const char *v0, const char *k1, const char *v1, uint64_t v)
{
    struct cadv_export_kv kv = {
            .key = key, .measurement = meas, .tag_key = {k0, k1}, .tag_value = {v0, v1}, .value = v};

    e->fn(e->arg, &kv);
}

static void cpu(const struct emit *e, const struct cadv_sample *s)
{
    char key[48], idx[16];

    put(e, "cpu_usage_total", "cpu_usage_total", s->c.cpu.total_ns, 0);
    put(e, "cpu_cumulative_usage", "cpu_cumulative_usage", s->c.cpu.total_ns, CADV_KV_NO_INFLUX);
    put(e, "cpu_usage_system", "cpu_usage_system", s->c.cpu.system_ns, 0);
    put(e, "cpu_usage_user", "cpu_usage_user", s->c.cpu.user_ns, 0);
    for (uint32_t i = 0; i < s->n_percpu; i++) {
        (void)snprintf(key, sizeof(key), "cpu_usage_per_cpu.%u", i);
        (void)snprintf(idx, sizeof(idx), "%u", i);
        put_tagged(e, key, "cpu_usage_per_cpu", "instance", idx, NULL, NULL, s->percpu[i]);
    }
    /* Go's uint64(int32) of the x1000 load average. */
    put(e, "load_average", "load_average", (uint64_t)(int64_t)(int32_t)(uint32_t)s->c.cpu.load_average,
        CADV_KV_LOAD);
}

static void memory(const struct emit *e, const struct cadv_sample *s)
{
    const struct cadv_memory_stats *m = &s->c.memory;

    put(e, "memory_usage", "memory_usage", m->usage, 0);
    put(e, "memory_max_usage", "memory_max_usage", m->max_usage, 0);
    put(e, "memory_cache", "memory_cache", m->cache, 0);
    put(e, "memory_rss", "memory_rss", m->rss, 0);
    put(e, "memory_swap", "memory_swap", m->swap, 0);
    put(e, "memory_mapped_file", "memory_mapped_file", m->mapped_file, 0);
    put(e, "memory_working_set", "memory_working_set", m->working_set, 0);
    put(e, "memory_total_active_file", "memory_total_active_file", m->total_active_file, 0);
    put(e, "memory_total_inactive_file", "memory_total_inactive_file", m->total_inactive_file, 0);
    put(e, "memory_failcnt", "memory_failcnt", m->failcnt, 0);
    /* cAdvisor's influxdb driver shares one tag map between these four points, so all carry the last
     * tags; cadv tags each correctly (README, deliberate differences). */
    put_tagged(e, "memory_failure.container.pgfault", "memory_failure", "failure_type", "pgfault", "scope",
               "container", m->pgfault);
    put_tagged(e, "memory_failure.container.pgmajfault", "memory_failure", "failure_type", "pgmajfault",
               "scope", "container", m->pgmajfault);
    put_tagged(e, "memory_failure.hierarchical.pgfault", "memory_failure", "failure_type", "pgfault", "scope",
               "hierarchical", m->pgfault);
    put_tagged(e, "memory_failure.hierarchical.pgmajfault", "memory_failure", "failure_type", "pgmajfault",
               "scope", "hierarchical", m->pgmajfault);
}

static void hugetlb(const struct emit *e, const struct cadv_sample *s)
{
    static const char *const names[3] = {"hugetlb_usage", "hugetlb_max_usage", "hugetlb_failcnt"};

    for (uint32_t i = 0; i < s->n_hugetlb; i++) {
        const struct cadv_hugetlb_entry *h = &s->hugetlb[i];
        const uint64_t v[3] = {h->usage, h->max_usage, h->failcnt};
        char size[32], key[64];

        cadv_hugetlb_size_text(h->pagesize_bytes, size, sizeof(size));
        for (int k = 0; k < 3; k++) {
            (void)snprintf(key, sizeof(key), "%s.%s", names[k], size);
            put_tagged(e, key, names[k], "page_size", size, NULL, NULL, v[k]);
        }
    }
}

static void filesystems(const struct emit *e, const struct cadv_sample *s)
{
    uint64_t limit = 0, usage = 0;
    char key[160];

    for (uint32_t i = 0; i < s->n_fs; i++) {
        const struct cadv_fs_stats *f = &s->fs[i];

        limit += f->capacity;
        usage += f->usage;
        (void)snprintf(key, sizeof(key), "%.128s.fs_limit", f->device);
        put_tagged(e, key, "fs_limit", "device", f->device, "type", "limit", f->capacity);
        (void)snprintf(key, sizeof(key), "%.128s.fs_usage", f->device);
        put_tagged(e, key, "fs_usage", "device", f->device, "type", "usage", f->usage);
    }
    put(e, "fs_summary.fs_limit", "fs_limit", limit, CADV_KV_NO_INFLUX);
    put(e, "fs_summary.fs_usage", "fs_usage", usage, CADV_KV_NO_INFLUX);
}

void cadv_export_fields(const struct cadv_sample *s, cadv_export_kv_cb fn, void *arg)
{
    const struct emit e = {.fn = fn, .arg = arg};

    if (s->c.has & CADV_HAS_CPU)
        cpu(&e, s);
    /* ContainerStats.Network embeds the first interface's figures. */
    if ((s->c.has & CADV_HAS_NETWORK) && s->n_ifaces > 0) {
        put(&e, "rx_bytes", "rx_bytes", s->ifaces[0].rx_bytes, 0);
        put(&e, "rx_errors", "rx_errors", s->ifaces[0].rx_errors, 0);
        put(&e, "tx_bytes", "tx_bytes", s->ifaces[0].tx_bytes, 0);
        put(&e, "tx_errors", "tx_errors", s->ifaces[0].tx_errors, 0);
    }
    put(&e, "referenced_memory", "referenced_memory", s->c.referenced_memory, 0);
    if ((s->c.has & CADV_HAS_FILESYSTEM) && s->n_fs > 0)
        filesystems(&e, s);
    if (s->c.has & CADV_HAS_MEMORY)
        memory(&e, s);
    if ((s->c.has & CADV_HAS_HUGETLB) && s->n_hugetlb > 0)
        hugetlb(&e, s);
}
