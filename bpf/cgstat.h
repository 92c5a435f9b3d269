/* SPDX-License-Identifier: Apache-2.0 */
/* cgstat.h - the record the cgroup iterator (cgstat.bpf.c) writes per cgroup into its mmapable array,
 * shared with the loader (src/collect/bpf.c). */
#pragma once

#ifndef __bpf__ /* the BPF side has the types from vmlinux.h */
#    include <linux/types.h>
#endif

#define CGSTAT_MAX_CPUS 512

enum {
    CGSTAT_HAS_CPU = 1,    /* cpu_ns: v1 cpuacct.usage (sum of the per-CPU cpuusage counters) */
    CGSTAT_HAS_MEM = 2,    /* mem_*: the v1 memory page counter (not for a root: its usage is global state) */
    CGSTAT_HAS_CPULIM = 4, /* cpu_shares, cpu_quota_us, cpu_period_us and cpu_nr_*, cpu_throttled_ns: the v1
                            * cpu controller (not a root) */
    CGSTAT_HAS_KMEM = 8,   /* mem_kmem: the v1 kmem page counter (kernels that still have it) */
    CGSTAT_HAS_BLKIO = 16, /* the v1 blkio controller's state is recorded (CGSTAT_BLKIO_IDLE) */
    CGSTAT_BLKIO_IDLE = 32, /* ... and the cgroup has no blkg (no I/O seen on any device): every blkio file
                             * lists no device */
    CGSTAT_HAS_PCPU = 64,   /* pcpu_at: the per-CPU cpuusage counters (cpuacct.usage_percpu, one per
                             * possible CPU) are in the pcpu array from there */
    CGSTAT_HAS_PSI = 128,   /* psi_times: the cgroup2 cgroup's per-CPU PSI state (walk_psi) */
    CGSTAT_PSI_STALL = 256, /* ... and a stall state (some or full of io, memory, cpu) was running on a CPU */
    CGSTAT_PSI_NONIDLE = 512, /* ... and a task of it was running, runnable or stalled on a CPU */
};

struct cgstat_rec {
    __u64 id;               /* cgroup id = inode number of the directory in its hierarchy */
    __u64 cpu_ns;           /* cpuacct.usage */
    __u64 mem_usage;        /* memory.usage_in_bytes */
    __u64 mem_max_usage;    /* memory.max_usage_in_bytes */
    __u64 mem_limit;        /* memory.limit_in_bytes */
    __u64 mem_failcnt;      /* memory.failcnt */
    __u64 mem_memsw_limit;  /* memory.memsw.limit_in_bytes (where swap accounting is on) */
    __u64 mem_soft_limit;   /* memory.soft_limit_in_bytes */
    __u64 cpu_shares;       /* cpu.shares */
    __u64 cpu_quota_us;     /* cpu.cfs_quota_us, 0 for its -1 (no quota) */
    __u64 cpu_period_us;    /* cpu.cfs_period_us */
    __u64 cpu_nr_periods;   /* cpu.stat nr_periods */
    __u64 cpu_nr_throttled; /* cpu.stat nr_throttled */
    __u64 cpu_throttled_ns; /* cpu.stat throttled_time */
    __u64 mem_kmem;         /* memory.kmem.usage_in_bytes */
    __u64 mem_oom_kill;     /* memory.oom_control oom_kill */
    __u32 flags;            /* CGSTAT_HAS_* */
    __u32 hier;             /* the pass's hierarchy number (set by the loader before each pass) */
    __u32 pcpu_at;          /* index of its first per-CPU value in the pcpu array (CGSTAT_HAS_PCPU) */
    __u32 reserved;
    __u64 psi_times; /* the sum over CPUs and stall states of the PSI per-CPU times: grows with
                      * any stall time a state change records */
};
