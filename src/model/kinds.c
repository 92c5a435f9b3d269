/* SPDX-License-Identifier: Apache-2.0 */
/* kinds.c - metric kind names. */
#include "model/kinds.h"

#include <errno.h>
#include <string.h>

#include "core/buf.h"

static const struct {
    const char *name;
    uint32_t bit;
} kind_names[] = {
        {"cpu", CADV_KIND_CPU},
        {"sched", CADV_KIND_SCHED},
        {"percpu", CADV_KIND_PERCPU},
        {"memory", CADV_KIND_MEMORY},
        {"memory_numa", CADV_KIND_MEMORY_NUMA},
        {"cpuLoad", CADV_KIND_CPU_LOAD},
        {"diskIO", CADV_KIND_DISK_IO},
        {"disk", CADV_KIND_DISK},
        {"network", CADV_KIND_NETWORK},
        {"tcp", CADV_KIND_TCP},
        {"advtcp", CADV_KIND_ADVTCP},
        {"udp", CADV_KIND_UDP},
        {"accelerator", CADV_KIND_ACCELERATOR},
        {"app", CADV_KIND_APP},
        {"process", CADV_KIND_PROCESS},
        {"hugetlb", CADV_KIND_HUGETLB},
        {"perf_event", CADV_KIND_PERF_EVENT},
        {"referenced_memory", CADV_KIND_REFERENCED_MEMORY},
        {"cpu_topology", CADV_KIND_CPU_TOPOLOGY},
        {"resctrl", CADV_KIND_RESCTRL},
        {"cpuset", CADV_KIND_CPUSET},
        {"oom_event", CADV_KIND_OOM_EVENT},
        {"pressure", CADV_KIND_PRESSURE},
};

#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

int cadv_kinds_parse(const char *s, uint32_t *ret, const char **ret_bad)
{
    uint32_t mask = 0;

    while (*s) {
        size_t n = strcspn(s, ",");
        bool found = false;

        for (size_t i = 0; i < N_KINDS; i++)
            if (strlen(kind_names[i].name) == n && memcmp(kind_names[i].name, s, n) == 0) {
                mask |= kind_names[i].bit;
                found = true;
                break;
            }
        if (!found && n > 0) {
            if (ret_bad)
                *ret_bad = s;
            return -EINVAL;
        }
        s += n;
        if (*s == ',')
            s++;
    }
    *ret = mask;
    return 0;
}

void cadv_kinds_format(uint32_t mask, struct cadv_buf *out)
{
    bool first = true;

    for (size_t i = 0; i < N_KINDS; i++)
        if (mask & kind_names[i].bit) {
            if (!first)
                cadv_buf_putc(out, ',');
            cadv_buf_puts(out, kind_names[i].name);
            first = false;
        }
}

const char *cadv_kind_name(uint32_t kind)
{
    for (size_t i = 0; i < N_KINDS; i++)
        if (kind_names[i].bit == kind)
            return kind_names[i].name;
    return NULL;
}
