/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup_bpf.h - the BPF collector (-collector=bpf|auto): one pass per interval reads every v1
 * cgroup's cpuacct usage, memory page counters, limits and OOM kill count, and cpu controller
 * settings and bandwidth statistics, and on the hybrid each cgroup2 cgroup's PSI state; or every
 * cgroup2 cgroup's cpu.stat usage_usec
 * (bpf/cgstat.bpf.c), into an mmapped array; the readers take those values from the snapshot and read
 * the files for the rest. A pass is an open-coded css walk under RCU run by BPF_PROG_RUN (no
 * cgroup_mutex), or on v1 where that does not load, a cgroup_iter pass (under cgroup_mutex). Any failure to
 * start (not built with BPF support, no BTF, verifier, capability, layout) leaves the file path with
 * one log line; a pass that fails later switches back to files for good, with one log line. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct cadv_cgroup;
struct cadv_cgroup_root;

/* The hierarchies the BPF path serves (index of cadv_cgroup.bpf_id). */
enum {
    CADV_BPF_CPU,    /* cpuacct (and cpu where mounted with it) */
    CADV_BPF_MEM,    /* memory */
    CADV_BPF_CPUCTL, /* cpu, where it has a hierarchy of its own (for its limits and cpu.stat) */
    CADV_BPF_BLKIO,  /* blkio, where it has a hierarchy of its own (whether a cgroup has I/O) */
    CADV_BPF_PSI,    /* the hybrid's cgroup2 mount (each cgroup's PSI state, cadv_cgroup_bpf_psi) */
    CADV_BPF_N_H
};

/* True when this binary was built with libbpf and the BPF object. */
bool cadv_cgroup_bpf_built(void);
/* Duration of the last pass per hierarchy (CADV_BPF_*), 0 where none ran, and how much of the whole
 * pass held the kernel's global cgroup_mutex (which stalls every cgroup mkdir/rmdir): the cgroup2
 * rstat flush on the css-walk path, everything on the cgroup_iter path. For bench/mkdir_latency. */
void cadv_cgroup_bpf_pass_ns(uint64_t ns[CADV_BPF_N_H], uint64_t *locked_ns);
/* Starts the BPF collector for root if mode ("files", "bpf", "auto"; NULL is files) asks for it
 * ("bpf-iter", for tests and bench/mkdir_latency: the v1 cgroup_iter path, not the css walk).
 * max_age_ns: a snapshot older than this is refreshed by the next lookup (one pass serves every
 * container read within it: the housekeeping interval gives one pass per collection cycle). Returns true if
 * the BPF path is in use. One process-wide instance. */
bool cadv_cgroup_bpf_start(struct cadv_cgroup_root *root, const char *mode, uint64_t max_age_ns);
/* Stops it if it serves root. */
void cadv_cgroup_bpf_stop(const struct cadv_cgroup_root *root);
/* True while the BPF path serves root's cgroups. */
bool cadv_cgroup_bpf_active(const struct cadv_cgroup_root *root);
/* The pass in use for root: "walk" (css walk under RCU), "iter" (cgroup_iter under cgroup_mutex), or
 * NULL (files). */
const char *cadv_cgroup_bpf_path(const struct cadv_cgroup_root *root);

/* For the v1 reader: records the cgroup's directory ids (inode numbers) while the BPF path serves its
 * root (0 otherwise, and for a root's memory); called by its setup before the file slots. */
void cadv_cgroup_bpf_setup(struct cadv_cgroup *cg);
/* Registers the file slot of a value the BPF path replaces in hierarchy h (CADV_BPF_*): while it
 * serves cg the slot holds no fd (opened on each read, which only a lookup miss or a failed pass
 * makes), else it is a kept-open slot like any other. */
void cadv_cgroup_bpf_file_add(struct cadv_cgroup *cg, unsigned slot, int dir, const char *name, int h);
/* cpuacct.usage of cg from the snapshot: true and *ns set, or false (read the file). */
bool cadv_cgroup_bpf_cpu(struct cadv_cgroup *cg, uint64_t *ns);
/* memory.usage_in_bytes, max_usage_in_bytes and failcnt of cg: true and all three set, or false. */
bool cadv_cgroup_bpf_mem(struct cadv_cgroup *cg, uint64_t *usage, uint64_t *max_usage, uint64_t *failcnt);
/* The spec's limits, for a spec refresh without files (v1, not a root): cpu.shares, cpu.cfs_quota_us (0
 * for -1) and cpu.cfs_period_us; memory.limit_in_bytes, memory.memsw.limit_in_bytes (0 where the kernel
 * has no swap accounting, as the file reader gives) and memory.soft_limit_in_bytes. True and all set,
 * or false (read the files). */
bool cadv_cgroup_bpf_cpu_limits(struct cadv_cgroup *cg, uint64_t *shares, uint64_t *quota_us,
                                uint64_t *period_us);
bool cadv_cgroup_bpf_mem_limits(struct cadv_cgroup *cg, uint64_t *limit, uint64_t *memsw, uint64_t *soft);

/* Detail values the pass carries besides the hot counters (v1, not a root), each used only where the
 * start-up check found it equal to its file at a child cgroup (else read from files, with a log line). */
enum cadv_bpf_detail {
    CADV_BPF_D_CFS,      /* cpu.stat nr_periods, nr_throttled, throttled_time */
    CADV_BPF_D_KMEM,     /* memory.kmem.usage_in_bytes */
    CADV_BPF_D_OOM_KILL, /* memory.oom_control oom_kill */
    CADV_BPF_D_PERCPU,   /* cpuacct.usage_percpu */
};
/* Registers the file slot of detail value `what`: like cadv_cgroup_bpf_file_add where the pass
 * carries it, else a kept-open slot. */
void cadv_cgroup_bpf_detail_file_add(struct cadv_cgroup *cg, unsigned slot, int dir, const char *name,
                                     enum cadv_bpf_detail what);
/* From the snapshot: true and every output set, or false (read the file). */
bool cadv_cgroup_bpf_cfs(struct cadv_cgroup *cg, uint64_t *periods, uint64_t *throttled,
                         uint64_t *throttled_ns);
bool cadv_cgroup_bpf_kmem(struct cadv_cgroup *cg, uint64_t *bytes);
bool cadv_cgroup_bpf_oom_kill(struct cadv_cgroup *cg, uint64_t *kills);
/* cpuacct.usage_percpu: its counters (one per possible CPU) into out[0..cap), *n of them. */
bool cadv_cgroup_bpf_percpu(struct cadv_cgroup *cg, uint64_t *out, uint32_t cap, uint32_t *n);
/* True when the snapshot says cg has no blkg (no I/O on any device yet): its blkio files list no device
 * and need not be read; false (read them) otherwise or when unknown. */
bool cadv_cgroup_bpf_blkio_idle(struct cadv_cgroup *cg);
/* The hybrid's PSI state of cg from the snapshot (css walk path, where the start-up check passed):
 * true, *stall_ns the sum over CPUs of its PSI stall times as the kernel records them, and *stalling
 * whether a stall state was running at the pass; false (unknown) otherwise. The pressure files' totals
 * cannot have moved between two passes with the same *stall_ns where the second has no stall running
 * (bpf/cgstat.bpf.c psi_state). */
bool cadv_cgroup_bpf_psi(struct cadv_cgroup *cg, uint64_t *stall_ns, bool *stalling);
/* True when the passes carry cg's PSI state: its PSI files are read only while they move, and need no
 * fd kept open. */
bool cadv_cgroup_bpf_psi_served(const struct cadv_cgroup *cg);
/* True when the passes carry cg's blkio state (cadv_cgroup_bpf_blkio_idle can answer for it): its blkio
 * files are then read only once it has I/O, and need no fd kept open while it has none. */
bool cadv_cgroup_bpf_blkio_served(const struct cadv_cgroup *cg);
