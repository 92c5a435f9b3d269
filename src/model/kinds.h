/* SPDX-License-Identifier: Apache-2.0 */
/* kinds.h - cAdvisor's metric kinds (-disable_metrics / -enable_metrics) as a bitmask. Kinds act at
 * three levels: which cgroup v1 hierarchies are read, which fields enter a sample, which Prometheus
 * families exist (docs/compatibility.md#metric-kinds). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct cadv_buf;

enum cadv_kind {
    CADV_KIND_CPU = 1u << 0,
    CADV_KIND_SCHED = 1u << 1,
    CADV_KIND_PERCPU = 1u << 2,
    CADV_KIND_MEMORY = 1u << 3,
    CADV_KIND_MEMORY_NUMA = 1u << 4,
    CADV_KIND_CPU_LOAD = 1u << 5,
    CADV_KIND_DISK_IO = 1u << 6,
    CADV_KIND_DISK = 1u << 7,
    CADV_KIND_NETWORK = 1u << 8,
    CADV_KIND_TCP = 1u << 9,
    CADV_KIND_ADVTCP = 1u << 10,
    CADV_KIND_UDP = 1u << 11,
    CADV_KIND_APP = 1u << 12,
    CADV_KIND_PROCESS = 1u << 13,
    CADV_KIND_HUGETLB = 1u << 14,
    CADV_KIND_PERF_EVENT = 1u << 15,
    CADV_KIND_REFERENCED_MEMORY = 1u << 16,
    CADV_KIND_CPU_TOPOLOGY = 1u << 17,
    CADV_KIND_RESCTRL = 1u << 18,
    CADV_KIND_CPUSET = 1u << 19,
    CADV_KIND_OOM_EVENT = 1u << 20,
    CADV_KIND_PRESSURE = 1u << 21,
    CADV_KIND_ACCELERATOR = 1u << 22, /* cAdvisor <= v0.46 (NVIDIA GPUs, collect/nvml.h) */
};

#define CADV_KIND_ALL ((1u << 23) - 1)
/* cAdvisor's default -disable_metrics set. */
#define CADV_KIND_DEFAULT_DISABLED                                                                 \
    (CADV_KIND_ADVTCP | CADV_KIND_CPU_TOPOLOGY | CADV_KIND_CPUSET | CADV_KIND_HUGETLB |            \
     CADV_KIND_MEMORY_NUMA | CADV_KIND_PROCESS | CADV_KIND_REFERENCED_MEMORY | CADV_KIND_RESCTRL | \
     CADV_KIND_SCHED | CADV_KIND_TCP | CADV_KIND_UDP)
#define CADV_KIND_DEFAULT (CADV_KIND_ALL & ~CADV_KIND_DEFAULT_DISABLED)

/* Parses a comma list of kind names into *ret. "" gives 0. Returns 0, or -EINVAL with *ret_bad
 * pointing at the start of the first unknown name inside s. */
int cadv_kinds_parse(const char *s, uint32_t *ret, const char **ret_bad);
/* Appends the comma list of names in mask, in cAdvisor's order. */
void cadv_kinds_format(uint32_t mask, struct cadv_buf *out);
/* Name of a single kind bit, or NULL. */
const char *cadv_kind_name(uint32_t kind);
