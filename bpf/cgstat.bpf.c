/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* cgstat.bpf.c - one cgroup_iter pass (DESCENDANTS_PRE from a v1 hierarchy root) writes one record per
 * cgroup into the mmapable array `recs`: cpuacct usage, the memory page counters, limits and OOM kill
 * count, and the cpu controller's settings and bandwidth statistics, read exactly as the kernel's
 * cpuacct.usage, memory.usage_in_bytes, memory.max_usage_in_bytes, memory.limit_in_bytes,
 * memory.failcnt, memory.memsw.limit_in_bytes, memory.soft_limit_in_bytes,
 * memory.kmem.usage_in_bytes, memory.oom_control (oom_kill), cpu.shares, cpu.cfs_quota_us,
 * cpu.cfs_period_us and cpu.stat (nr_periods, nr_throttled, throttled_time) files compute them,
 * and whether the blkio files list any device; the per-CPU counters of cpuacct.usage_percpu go into a
 * second mmapable array, `pcpu`. Nothing is printed to the seq file.
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

/* Fields are read by direct loads of BTF-typed pointers (CO-RE relocated, fault-safe loads the verifier
 * inlines), not by bpf_probe_read_kernel calls, which cost a helper call each; a controller's state is
 * reached from its css by bpf_rdonly_cast (the css is its first member). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define AS(css, type) ((type *)bpf_rdonly_cast((css), bpf_core_type_id_kernel(type)))

const volatile __u32 nr_cpus = 1;
const volatile __u64 page_size = 4096;
const volatile __u64 off_root_cpuusage = 0; /* section offset of root_cpuacct_cpuusage */
const volatile __u64 off_runqueues = 0;     /* section offset of runqueues */

__u32 hier = 0; /* set by the loader before each pass */
/* The css walk (cgwalk): where it starts, set by the loader before each run. */
__u64 walk_id = 0;  /* id of the cgroup whose subtree is recorded (the mount root's inode) */
__u32 walk_v2 = 0;  /* 1: the cgroup2 hierarchy (walk_id found by bpf_cgroup_from_id) */
__s32 walk_hid = 0; /* v1: the hierarchy id (/proc/self/cgroup), its root found from this task */
__u32 walk_psi = 0; /* 1: the records carry the cgroup2 PSI state (the hybrid's unified walk) */
__u32 walk_err = 0; /* why the last walk failed (for the loader's log line) */
__u32 n_recs = 0;   /* records written (reset by the loader) */
__u32 n_pcpu = 0;   /* per-CPU values written (reset by the loader) */
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

/* nr_cpus values per cgroup of the cpuacct hierarchy, from its record's pcpu_at; a cgroup that finds no
 * room has no CGSTAT_HAS_PCPU (its file is read). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(map_flags, BPF_F_MMAPABLE);
    __uint(max_entries, 1); /* sized by the loader */
    __type(key, __u32);
    __type(value, __u64);
} pcpu SEC(".maps");

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

/* cpuacct.usage (the sum of the per-CPU counters) into r->cpu_ns; each counter, as cpuacct.usage_percpu
 * prints it, into the pcpu array where it has room (CGSTAT_HAS_PCPU). */
static int cpu_usage(struct cgroup *cgrp, struct cgstat_rec *r)
{
    struct cgroup_subsys_state *css =
            cgrp->subsys[bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id)];
    unsigned long p;
    __u64 sum = 0;
    __u32 i, at = n_pcpu, stored = 0;

    if (!css || !pcpu_ok)
        return -1;
    p = (unsigned long)AS(css, struct cpuacct)->cpuusage;
    for (i = 0; i < CGSTAT_MAX_CPUS && i < nr_cpus; i++) {
        __u32 k = at + i;
        __u64 v = 0, *slot;

        if (bpf_probe_read_kernel(&v, sizeof(v), (void *)(p + (unsigned long)pcpu_off[i])))
            return -1;
        sum += v;
        slot = bpf_map_lookup_elem(&pcpu, &k);
        if (slot) {
            *slot = v;
            stored++;
        }
    }
    r->cpu_ns = sum;
    if (stored == nr_cpus) {
        r->pcpu_at = at;
        r->flags |= CGSTAT_HAS_PCPU;
        n_pcpu = at + stored;
    }
    return 0;
}

static int mem_counters(struct cgroup *cgrp, struct cgstat_rec *r)
{
    struct cgroup_subsys_state *css =
            cgrp->subsys[bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)];
    struct mem_cgroup *mc;

    if (!css || cgrp->level == 0)
        return -1;
    mc = AS(css, struct mem_cgroup);
    r->mem_usage = (__u64)mc->memory.usage.counter * page_size;
    r->mem_max_usage = (__u64)mc->memory.watermark * page_size;
    r->mem_limit = (__u64)mc->memory.max * page_size;
    r->mem_failcnt = mc->memory.failcnt;
    r->mem_memsw_limit = (__u64)mc->memsw.max * page_size;
    r->mem_soft_limit = (__u64)mc->soft_limit * page_size;
    r->mem_oom_kill =
            (__u64)mc->memory_events[bpf_core_enum_value(enum memcg_memory_event, MEMCG_OOM_KILL)].counter;
    if (bpf_core_field_exists(mc->kmem)) {
        r->mem_kmem = (__u64)mc->kmem.usage.counter * page_size;
        r->flags |= CGSTAT_HAS_KMEM;
    }
    return 0;
}

/* The v1 cpu controller's settings, as its files print them: cpu.shares is scale_load_down(shares)
 * (64-bit kernels keep 10 more bits of resolution; a nonzero weight reads at least 2),
 * cpu.cfs_quota_us the quota in us (RUNTIME_INF, all ones, prints -1: 0 here, as the file reader
 * takes it), cpu.cfs_period_us the period in us. Not for a root (its files differ: no quota). */
static int cpu_limits(struct cgroup *cgrp, struct cgstat_rec *r)
{
    struct cgroup_subsys_state *css = cgrp->subsys[bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id)];
    struct task_group *tg;
    __u64 shares, quota;

    if (!css || cgrp->level == 0)
        return -1;
    tg = AS(css, struct task_group);
    shares = tg->shares;
    if (shares) {
        shares >>= 10;
        if (shares < 2)
            shares = 2;
    }
    quota = tg->cfs_bandwidth.quota;
    r->cpu_shares = shares;
    r->cpu_quota_us = quota == ~0ULL ? 0 : quota / 1000;
    r->cpu_period_us = (__u64)tg->cfs_bandwidth.period / 1000;
    /* cpu.stat: the bandwidth statistics as printed (ints and a u64), read without its lock as the
     * file's show function does. */
    r->cpu_nr_periods = (__u64)tg->cfs_bandwidth.nr_periods;
    r->cpu_nr_throttled = (__u64)tg->cfs_bandwidth.nr_throttled;
    r->cpu_throttled_ns = tg->cfs_bandwidth.throttled_time;
    return 0;
}

/* The v1 blkio controller: whether the cgroup has any blkg. Its files (blkcg_print_blkgs) print one
 * block per blkg on the cgroup's list, created by its (or a descendant's) first I/O on a device and
 * kept until the cgroup or the device goes, so with none they list no device. */
static int blkio_state(struct cgroup *cgrp, struct cgstat_rec *r)
{
    struct cgroup_subsys_state *css = cgrp->subsys[bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id)];

    if (!css)
        return -1;
    if (!AS(css, struct blkcg)->blkg_list.first)
        r->flags |= CGSTAT_BLKIO_IDLE;
    return 0;
}

/* cgroup2 cpu.stat usage_usec (in ns, truncated to whole microseconds as the file is): the base
 * stat's sum_exec_runtime, flushed by cgflush before the walk. Not for the root (its cpu.stat sums
 * the per-CPU kernel statistics instead). */
static int cpu_usage_v2(struct cgroup *cgrp, __u64 *ret)
{
    if (cgrp->level == 0)
        return -1;
    *ret = cgrp->bstat.cputime.sum_exec_runtime / 1000 * 1000;
    return 0;
}

/* The PSI state of a cgroup2 cgroup, for the loader to tell when its pressure files cannot have moved:
 * the OR of its per-CPU state masks and the sum of its per-CPU stall times (every state below
 * PSI_NONIDLE). A stall state's time is added to `times` when the state ends on that CPU
 * (psi_group_change), and the files' totals grow only by those times and the running stall states
 * (collect_percpu_times), so with the same sum at two passes and no stall state running at the
 * second, every total is the same in between. Per-CPU pointers as cpu_usage's. A cgroup without a
 * psi group of its own (the root, whose files show the system's) gets no state. */
static int psi_state(struct cgroup *cgrp, struct cgstat_rec *r)
{
    __u32 nonidle = bpf_core_enum_value(enum psi_states, PSI_NONIDLE);
    struct psi_group *g;
    unsigned long p;
    __u64 sum = 0;
    __u32 mask = 0, t[16], i, k, sz;

    if (!pcpu_ok || !bpf_core_field_exists(cgrp->psi) || nonidle >= 16)
        return -1;
    g = cgrp->psi;
    if (!g)
        return -1;
    sz = bpf_core_field_size(((struct psi_group_cpu *)0)->times);
    /* read as a number (the per-CPU pointer is an offset, not a pointer to follow) */
    if (bpf_core_read(&p, sizeof(p), &g->pcpu) || !p || sz > sizeof(t))
        return -1;
    /* each CPU's copy by helper reads, which fail (no record) where a direct load would give zeros */
    for (i = 0; i < CGSTAT_MAX_CPUS && i < nr_cpus; i++) {
        struct psi_group_cpu *c = (struct psi_group_cpu *)(p + (unsigned long)pcpu_off[i]);
        __u32 m = 0;

        if (bpf_core_read(&m, sizeof(m), &c->state_mask) || bpf_core_read(t, sz, &c->times))
            return -1;
        mask |= m;
        for (k = 0; k < 16 && k < sz / 4 && k < nonidle; k++)
            sum += t[k];
    }
    r->psi_times = sum;
    if (mask & ((1u << nonidle) - 1))
        r->flags |= CGSTAT_PSI_STALL;
    if (mask & (1u << nonidle))
        r->flags |= CGSTAT_PSI_NONIDLE;
    return 0;
}

/* One record for cgrp (the loader runs one pass at a time). */
static void record(struct cgroup *cgrp)
{
    struct cgstat_rec *r;
    __u32 idx = n_recs++;

    r = bpf_map_lookup_elem(&recs, &idx);
    if (!r) {
        overflow++;
        return;
    }
    r->id = cgrp->kn->id;
    r->hier = hier;
    r->flags = 0;
    if (walk_psi) {
        if (psi_state(cgrp, r) == 0)
            r->flags |= CGSTAT_HAS_PSI;
        return;
    }
    if (walk_v2) {
        if (cpu_usage_v2(cgrp, &r->cpu_ns) == 0)
            r->flags |= CGSTAT_HAS_CPU;
        return;
    }
    if (cpu_usage(cgrp, r) == 0)
        r->flags |= CGSTAT_HAS_CPU;
    if (mem_counters(cgrp, r) == 0)
        r->flags |= CGSTAT_HAS_MEM;
    if (cpu_limits(cgrp, r) == 0)
        r->flags |= CGSTAT_HAS_CPULIM;
    if (blkio_state(cgrp, r) == 0)
        r->flags |= CGSTAT_HAS_BLKIO;
}

/* The fallback path: a cgroup_iter pass (DESCENDANTS_PRE from the attached v1 root), run by read()
 * under the kernel's global cgroup_mutex, which stalls every cgroup mkdir/rmdir meanwhile. */
SEC("iter/cgroup")
int cgstat(struct bpf_iter__cgroup *ctx)
{
    struct cgroup *cgrp = ctx->cgroup;

    if (!cgrp)
        return 0;
    if (!pcpu_ok && hier == 0 && BPF_CORE_READ(cgrp, level) == 0)
        pcpu_setup(cgrp);
    record(cgrp);
    return 0;
}

extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern struct cgroup *bpf_task_get_cgroup1(struct task_struct *task, int hierarchy_id) __ksym;
extern struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern int bpf_iter_css_new(struct bpf_iter_css *it, struct cgroup_subsys_state *start,
                            unsigned int flags) __ksym;
extern struct cgroup_subsys_state *bpf_iter_css_next(struct bpf_iter_css *it) __ksym;
extern void bpf_iter_css_destroy(struct bpf_iter_css *it) __ksym;
extern void css_rstat_flush(struct cgroup_subsys_state *css) __ksym;

/* The hierarchy's level-0 cgroup, referenced: from walk_id on cgroup2, else the root of this task's
 * cgroup in hierarchy walk_hid (bpf_cgroup_from_id only knows cgroup2 ids). */
static struct cgroup *walk_root(void)
{
    struct cgroup *cg, *root;

    if (walk_v2)
        return bpf_cgroup_from_id(walk_id);
    cg = bpf_task_get_cgroup1(bpf_get_current_task_btf(), walk_hid);
    if (!cg)
        return NULL;
    root = bpf_cgroup_ancestor(cg, 0);
    bpf_cgroup_release(cg);
    return root;
}

/* The main path: one BPF_PROG_RUN walks the hierarchy with the open-coded css iterator under RCU,
 * which takes no cgroup_mutex (mkdir/rmdir go on meanwhile: a cgroup created during the walk may or
 * may not be seen, one removed is skipped or seen for the last time). Records walk_id's subtree: in
 * pre-order it is the contiguous run of deeper cgroups that follows it. */
SEC("syscall")
int cgwalk(void *ctx)
{
    struct cgroup_subsys_state *pos;
    struct bpf_iter_css it;
    struct cgroup *root;
    int start_level = -1;

    (void)ctx;
    root = walk_root();
    if (!root) {
        walk_err = 1;
        return 1;
    }
    if (!walk_v2 && hier == 0 && !pcpu_ok)
        pcpu_setup(root);
    bpf_rcu_read_lock();
    bpf_iter_css_new(&it, &root->self, BPF_CGROUP_ITER_DESCENDANTS_PRE);
    while ((pos = bpf_iter_css_next(&it))) {
        struct cgroup *c = pos->cgroup;
        int level = c->level;

        if (start_level < 0) {
            if (c->kn->id != walk_id)
                continue;
            start_level = level;
        } else if (level <= start_level)
            break;
        record(c);
    }
    bpf_iter_css_destroy(&it);
    bpf_rcu_read_unlock();
    bpf_cgroup_release(root);
    walk_err = start_level < 0 ? 2 : 0;
    return 0;
}

/* cgroup2: flushes the base statistics (cpu.stat) of the attached cgroup's subtree, as reading its
 * cpu.stat does, before cgwalk reads them. A cgroup_iter (SELF_ONLY: one cgroup) because the flush
 * kfunc is sleepable and offered to tracing programs only; it holds cgroup_mutex for the flush. */
SEC("iter.s/cgroup")
int cgflush(struct bpf_iter__cgroup *ctx)
{
    struct cgroup *cgrp = ctx->cgroup;

    if (cgrp)
        css_rstat_flush(&cgrp->self);
    return 0;
}
