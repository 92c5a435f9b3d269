/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* cgstat.bpf.c - one cgroup_iter pass (DESCENDANTS_PRE from a v1 hierarchy root) writes one record per
 * cgroup into the mmapable array `recs`: cpuacct usage and the memory page counter, read exactly as the
 * kernel's cpuacct.usage, memory.usage_in_bytes, memory.max_usage_in_bytes, memory.limit_in_bytes and
 * memory.failcnt files compute them. Nothing is printed to the seq file.
 *
 * Per-CPU pointers: this kernel's BTF has no per-CPU type tags and no data symbols in kallsyms, so
 * bpf_per_cpu_ptr cannot be used. The per-CPU offset of CPU i is derived instead from a task group's
 * run queues: rq(i) = tg->cfs_rq[i]->rq is the per-CPU variable `runqueues` of CPU i,
 * whose per-CPU-section address is root_cpuacct.cpuusage (= &root_cpuacct_cpuusage) minus that
 * variable's section offset plus runqueues' section offset (both from the DATASEC in BTF, given by the
 * loader). The loader checks the result against the root's cpuacct.usage before it trusts a figure. */
/* vmlinux.h first: it defines the types the libbpf headers and cgstat.h use. */
/* clang-format off */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "cgstat.h"
/* clang-format on */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 nr_cpus = 1;
const volatile __u64 page_size = 4096;
const volatile __u64 off_root_cpuusage = 0; /* section offset of root_cpuacct_cpuusage */
const volatile __u64 off_runqueues = 0;     /* section offset of runqueues */

__u32 hier = 0;     /* set by the loader before each pass */
__u32 n_recs = 0;   /* records written (reset by the loader) */
__u32 overflow = 0; /* records that did not fit */
__u32 pcpu_ok = 0;  /* pcpu_off is filled */
__u32 pcpu_err = 0; /* why not: the failed step (for the loader's log line) */
long pcpu_off[CGSTAT_MAX_CPUS];

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(map_flags, BPF_F_MMAPABLE);
    __uint(max_entries, 1); /* sized by the loader */
    __type(key, __u32);
    __type(value, struct cgstat_rec);
} recs SEC(".maps");

/* Fills pcpu_off from the root cgroup's cpuacct state and the current task's task group (any task
 * group has one cfs_rq per CPU, each pointing to its CPU's run queue). */
static void pcpu_setup(struct cgroup *cgrp)
{
    struct cgroup_subsys_state *acct_css;
    struct task_struct *task = bpf_get_current_task_btf();
    struct cfs_rq **cfs;
    unsigned long base;
    __u32 i;

    acct_css = BPF_CORE_READ(cgrp, subsys[bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id)]);
    if (!acct_css) {
        pcpu_err = 1;
        return;
    }
    cfs = BPF_CORE_READ(task, sched_task_group, cfs_rq);
    if (!cfs) {
        pcpu_err = 2;
        return;
    }
    base = (unsigned long)BPF_CORE_READ((struct cpuacct *)acct_css, cpuusage) - off_root_cpuusage +
           off_runqueues;
    for (i = 0; i < CGSTAT_MAX_CPUS && i < nr_cpus; i++) {
        struct cfs_rq *c = NULL;
        struct rq *rq;

        if (bpf_probe_read_kernel(&c, sizeof(c), &cfs[i]) || !c) {
            pcpu_err = 3;
            return;
        }
        rq = BPF_CORE_READ(c, rq);
        if (!rq || BPF_CORE_READ(rq, cpu) != (int)i) {
            pcpu_err = 4;
            return;
        }
        pcpu_off[i] = (long)((unsigned long)rq - base);
    }
    pcpu_ok = 1;
}

static int cpu_usage(struct cgroup *cgrp, __u64 *ret)
{
    struct cgroup_subsys_state *css =
            BPF_CORE_READ(cgrp, subsys[bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id)]);
    unsigned long p;
    __u64 sum = 0;
    __u32 i;

    if (!css || !pcpu_ok)
        return -1;
    p = (unsigned long)BPF_CORE_READ((struct cpuacct *)css, cpuusage);
    for (i = 0; i < CGSTAT_MAX_CPUS && i < nr_cpus; i++) {
        __u64 v = 0;

        if (bpf_probe_read_kernel(&v, sizeof(v), (void *)(p + (unsigned long)pcpu_off[i])))
            return -1;
        sum += v;
    }
    *ret = sum;
    return 0;
}

static int mem_counters(struct cgroup *cgrp, struct cgstat_rec *r)
{
    struct cgroup_subsys_state *css =
            BPF_CORE_READ(cgrp, subsys[bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)]);
    struct mem_cgroup *mc = (struct mem_cgroup *)css;

    if (!css || BPF_CORE_READ(cgrp, level) == 0)
        return -1;
    r->mem_usage = (__u64)BPF_CORE_READ(mc, memory.usage.counter) * page_size;
    r->mem_max_usage = (__u64)BPF_CORE_READ(mc, memory.watermark) * page_size;
    r->mem_limit = (__u64)BPF_CORE_READ(mc, memory.max) * page_size;
    r->mem_failcnt = BPF_CORE_READ(mc, memory.failcnt);
    return 0;
}

SEC("iter/cgroup")
int cgstat(struct bpf_iter__cgroup *ctx)
{
    struct cgroup *cgrp = ctx->cgroup;
    struct cgstat_rec *r;
    __u32 idx;

    if (!cgrp)
        return 0;
    if (!pcpu_ok && hier == 0 && BPF_CORE_READ(cgrp, level) == 0)
        pcpu_setup(cgrp);
    idx = n_recs++; /* one pass at a time: the iterator runs under the cgroup mutex */
    r = bpf_map_lookup_elem(&recs, &idx);
    if (!r) {
        overflow++;
        return 0;
    }
    r->id = BPF_CORE_READ(cgrp, kn, id);
    r->hier = hier;
    r->flags = 0;
    if (cpu_usage(cgrp, &r->cpu_ns) == 0)
        r->flags |= CGSTAT_HAS_CPU;
    if (mem_counters(cgrp, r) == 0)
        r->flags |= CGSTAT_HAS_MEM;
    return 0;
}
