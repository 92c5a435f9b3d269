/* SPDX-License-Identifier: Apache-2.0 */
/* fields.h - the flat figures cAdvisor's stdout, statsd and influxdb drivers write for one sample,
 * each with its stdout key ("cpu_usage_per_cpu.3") and its InfluxDB measurement and tags
 * ("cpu_usage_per_cpu", instance=3). Parts a sample lacks are skipped (cAdvisor's nil checks).
 * Thread-safe (no state). */
#pragma once

#include <stdint.h>

struct cadv_sample;

enum {
    CADV_KV_NO_INFLUX = 1u << 0, /* stdout/statsd only (legacy alias or fs_summary) */
    CADV_KV_LOAD = 1u << 1,      /* the load average: statsd names it cpu_load_average */
};

struct cadv_export_kv {
    const char *key;         /* stdout key */
    const char *measurement; /* InfluxDB measurement */
    const char *tag_key[2];  /* NULL when unused; tag keys in sorted order */
    const char *tag_value[2];
    uint64_t value;
    unsigned flags;
};

typedef void (*cadv_export_kv_cb)(void *arg, const struct cadv_export_kv *kv);

void cadv_export_fields(const struct cadv_sample *s, cadv_export_kv_cb fn, void *arg);
