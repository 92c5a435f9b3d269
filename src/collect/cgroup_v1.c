/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup_v1.c - cgroup v1 readers (also the hybrid layout: v1 controllers plus cgroup2 PSI and
 * cpu.stat under <root>/unified/<name>). Mirrors libcontainer's fs stats as cAdvisor copies them
 * (docs/compatibility.md#cgroup-files): cpuacct.usage/stat/usage_percpu, cpu.stat CFS figures, memory.*
 * with the total_* keys under memory.use_hierarchy=1, the first blkio file group with entries,
 * pids.current/max, hugetlb.<size>.*, cpuset.memory_migrate, memory.numa_stat. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collect/cgroup_bpf.h"
#include "collect/cgroup_internal.h"
#include "collect/keyed.h"
#include "model/kinds.h"
#include "model/sample.h"
#include "model/spec.h"

/* USER_HZ: cpuacct.stat counts ticks of 1/100 s; libcontainer converts with ticks * 1e9 / 100. */
#define NS_PER_TICK 10000000ULL

struct blkio_file {
    const char *name;
    enum cadv_io_stat stat;
};

/* docs/compatibility.md#blkio / libcontainer blkio.go: groups tried in order; the first whose first file has
 * entries wins. Only the groups' first files are kept open from the start; the other files of a group
 * are added when it wins (an idle cgroup, where none has entries, keeps 3 files open, not 14). */
static const struct blkio_file blkio_files[] = {
        {"blkio.bfq.sectors_recursive", CADV_IO_SECTORS},
        {"blkio.bfq.io_service_time_recursive", CADV_IO_SERVICE_TIME},
        {"blkio.bfq.io_wait_time_recursive", CADV_IO_WAIT_TIME},
        {"blkio.bfq.io_merged_recursive", CADV_IO_MERGED},
        {"blkio.bfq.io_queued_recursive", CADV_IO_QUEUED},
        {"blkio.bfq.time_recursive", CADV_IO_TIME},
        {"blkio.bfq.io_serviced_recursive", CADV_IO_SERVICED},
        {"blkio.bfq.io_service_bytes_recursive", CADV_IO_SERVICE_BYTES},
        {"blkio.bfq.io_serviced_recursive", CADV_IO_SERVICED},
        {"blkio.bfq.io_service_bytes_recursive", CADV_IO_SERVICE_BYTES},
        {"blkio.sectors_recursive", CADV_IO_SECTORS},
        {"blkio.io_service_time_recursive", CADV_IO_SERVICE_TIME},
        {"blkio.io_wait_time_recursive", CADV_IO_WAIT_TIME},
        {"blkio.io_merged_recursive", CADV_IO_MERGED},
        {"blkio.io_queued_recursive", CADV_IO_QUEUED},
        {"blkio.time_recursive", CADV_IO_TIME},
        {"blkio.io_serviced_recursive", CADV_IO_SERVICED},
        {"blkio.io_service_bytes_recursive", CADV_IO_SERVICE_BYTES},
        {"blkio.throttle.io_serviced_recursive", CADV_IO_SERVICED},
        {"blkio.throttle.io_service_bytes_recursive", CADV_IO_SERVICE_BYTES},
        {"blkio.throttle.io_serviced", CADV_IO_SERVICED},
        {"blkio.throttle.io_service_bytes", CADV_IO_SERVICE_BYTES},
};
#define N_BLKIO (sizeof(blkio_files) / sizeof(blkio_files[0]))
static const unsigned blkio_groups[] = {0, 8, 10, 18, 20, N_BLKIO};
#define N_BLKIO_GROUPS (sizeof(blkio_groups) / sizeof(blkio_groups[0]) - 1)

enum {
    S_CPUACCT_USAGE,
    S_CPUACCT_STAT,
    S_CPUACCT_PERCPU,
    S_CPU_STAT,
    S_MEM_STAT,
    S_MEM_USAGE,
    S_MEM_MAX_USAGE,
    S_MEM_FAILCNT,
    S_MEM_KMEM,
    S_MEM_NUMA,
    S_MEM_OOM_CONTROL,
    S_PIDS_CURRENT,
    S_U_CPU_STAT,
    S_U_CPU_PSI,
    S_U_MEM_PSI,
    S_U_IO_PSI,
    S_BLKIO,
    _S_MAX = S_BLKIO + N_BLKIO,
};
_Static_assert(_S_MAX <= CADV_CG_MAX_FILES, "too many v1 file slots");

static int dir_of(const struct cadv_cgroup *cg, enum cadv_cg_ctl c)
{
    return cadv_cgroup__ctl_dir(cg, c);
}

/* Settings read_stats reports (read here, not every cycle). pids_max: pids.max as the spec read it,
 * or NULL to read it here. hierarchy: re-read memory.use_hierarchy (a spec refresh that took the
 * memory limits from the BPF pass does not: the pass needs a kernel of 6.1 or later, where the file
 * reads 1 for good, fixed since 5.11; the value read at setup stands). */
static bool v1_settings(struct cadv_cgroup *cg, const uint64_t *pids_max, bool hierarchy)
{
    bool gone = false;
    uint64_t max =
            pids_max ? *pids_max : cadv_cgroup__spec_u64(cg, dir_of(cg, CADV_CG_PIDS), "pids.max", &gone);

    if (hierarchy)
        cg->use_hierarchy =
                cadv_cgroup__spec_u64(cg, dir_of(cg, CADV_CG_MEMORY), "memory.use_hierarchy", &gone) == 1;
    cg->threads_max = max == UINT64_MAX ? 0 : max; /* libcontainer: "max" is 0, "no limit" */
    cg->memory_migrate = 0;
    if (cg->root->kinds & CADV_KIND_CPUSET) /* only the cpuset kind reports it */
        cg->memory_migrate =
                cadv_cgroup__spec_u64(cg, dir_of(cg, CADV_CG_CPUSET), "cpuset.memory_migrate", &gone);
    return !gone;
}

static void v1_setup(struct cadv_cgroup *cg)
{
    uint32_t k = cg->root->kinds;
    int acct = dir_of(cg, CADV_CG_CPUACCT), cpu = dir_of(cg, CADV_CG_CPU), mem = dir_of(cg, CADV_CG_MEMORY);
    int blk = dir_of(cg, CADV_CG_BLKIO), udir = cadv_cgroup__udir(cg);
    bool psi_bpf;

    cadv_cgroup_bpf_setup(cg);
    psi_bpf = cadv_cgroup_bpf_psi_served(cg);
    cadv_cgroup_bpf_file_add(cg, S_CPUACCT_USAGE, acct, "cpuacct.usage", CADV_BPF_CPU);
    /* Where the pass gives the usage, cpuacct.stat and the PSI files are read only when their figures
     * can have moved (v1_cpuacct, cadv_cgroup__psi_read): no fd is kept for them, which leaves the
     * budget to memory.stat, read at every detail read. */
    cadv_cgroup__file_add(cg, S_CPUACCT_STAT, acct, "cpuacct.stat", !cg->bpf_id[CADV_BPF_CPU]);
    cadv_cgroup_bpf_detail_file_add(cg, S_CPUACCT_PERCPU, k & CADV_KIND_PERCPU ? acct : -1,
                                    "cpuacct.usage_percpu", CADV_BPF_D_PERCPU);
    cadv_cgroup_bpf_detail_file_add(cg, S_CPU_STAT, cpu, "cpu.stat", CADV_BPF_D_CFS);
    cadv_cgroup__file_add(cg, S_MEM_STAT, mem, "memory.stat", true);
    cadv_cgroup_bpf_file_add(cg, S_MEM_USAGE, mem, "memory.usage_in_bytes", CADV_BPF_MEM);
    cadv_cgroup_bpf_file_add(cg, S_MEM_MAX_USAGE, mem, "memory.max_usage_in_bytes", CADV_BPF_MEM);
    cadv_cgroup_bpf_file_add(cg, S_MEM_FAILCNT, mem, "memory.failcnt", CADV_BPF_MEM);
    cadv_cgroup_bpf_detail_file_add(cg, S_MEM_KMEM, mem, "memory.kmem.usage_in_bytes", CADV_BPF_D_KMEM);
    cadv_cgroup__file_add(cg, S_MEM_NUMA, k & CADV_KIND_MEMORY_NUMA ? mem : -1, "memory.numa_stat", true);
    cadv_cgroup_bpf_detail_file_add(cg, S_MEM_OOM_CONTROL, mem, "memory.oom_control", CADV_BPF_D_OOM_KILL);
    cadv_cgroup__file_add(cg, S_PIDS_CURRENT, k & CADV_KIND_PROCESS ? dir_of(cg, CADV_CG_PIDS) : -1,
                          "pids.current", true);
    /* Hybrid: the cgroup2 mount has PSI, and cpu.stat usage when there is no cpuacct directory. */
    cadv_cgroup__file_add(cg, S_U_CPU_STAT, acct < 0 ? udir : -1, "cpu.stat", true);
    cadv_cgroup__file_add(cg, S_U_CPU_PSI, udir, "cpu.pressure", !psi_bpf);
    cadv_cgroup__file_add(cg, S_U_MEM_PSI, udir, "memory.pressure", !psi_bpf);
    cadv_cgroup__file_add(cg, S_U_IO_PSI, k & CADV_KIND_DISK_IO ? udir : -1, "io.pressure", !psi_bpf);
    /* Where the BPF pass tells an idle cgroup (no I/O: every file lists nothing), its files are read
     * only once it has I/O: no fd is kept for them until a group wins (blkio_choose). */
    for (unsigned g = 0; g < N_BLKIO_GROUPS; g++) {
        unsigned i = blkio_groups[g];

        cadv_cgroup__file_add(cg, S_BLKIO + i, blk, blkio_files[i].name, !cadv_cgroup_bpf_blkio_served(cg));
    }
    cg->blkio_group = -1;
    cg->blkio_probe = true;
    (void)v1_settings(cg, NULL, true);
    if (k & CADV_KIND_HUGETLB)
        cadv_cgroup__scan_hugetlb(cg, dir_of(cg, CADV_CG_HUGETLB), ".usage_in_bytes");
}

/* Reads a slot, mapping "absent" to *present = false. Returns 0 or a hard error. */
static int slot_read(struct cadv_cgroup *cg, unsigned slot, char *buf, size_t cap, size_t *len, bool *present)
{
    int r = cadv_cgroup__file_read(cg, slot, buf, cap, len);

    *present = r == 0;
    return r == -ENODATA ? 0 : r;
}

static int slot_u64(struct cadv_cgroup *cg, unsigned slot, uint64_t *v)
{
    int r = cadv_cgroup__file_u64(cg, slot, v);

    return r == -ENODATA ? 0 : r;
}

/* The hot counters (cgroup.h), read by both tiers: from the BPF snapshot when it serves cg, else
 * from their files. */
static int hot_cpu_total(struct cadv_cgroup *cg, struct cadv_sample *s)
{
    if (cadv_cgroup_bpf_cpu(cg, &s->c.cpu.total_ns))
        return 0;
    return slot_u64(cg, S_CPUACCT_USAGE, &s->c.cpu.total_ns);
}

static int hot_memory(struct cadv_cgroup *cg, struct cadv_memory_stats *m)
{
    int r;

    if (cadv_cgroup_bpf_mem(cg, &m->usage, &m->max_usage, &m->failcnt))
        return 0;
    if ((r = slot_u64(cg, S_MEM_USAGE, &m->usage)) < 0 ||
        (r = slot_u64(cg, S_MEM_MAX_USAGE, &m->max_usage)) < 0)
        return r;
    return slot_u64(cg, S_MEM_FAILCNT, &m->failcnt);
}

static int v1_cpuacct(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s, char *buf)
{
    static const char *const keys[] = {"user", "system"};
    uint64_t v[2] = {0, 0}, found;
    size_t len;
    bool ok;
    int r;

    if ((r = hot_cpu_total(cg, s)) < 0)
        return r;
    /* cpuacct.stat is cputime_adjust(user and system ticks, usage): once a read has brought the
     * cgroup's split up to its usage, the file prints the same until the usage grows. The usage was
     * read before the last read of the file and again now: the same value both times (a monotonic
     * counter) means it did not move in between, so the figures of that read stand. */
    if (cg->stat_known && s->c.cpu.total_ns == cg->stat_usage_ns) {
        s->c.cpu.user_ns = cg->stat_user_ns;
        s->c.cpu.system_ns = cg->stat_system_ns;
    } else {
        if ((r = slot_read(cg, S_CPUACCT_STAT, buf, CADV_CG_SMALL_BUF, &len, &ok)) < 0)
            return r;
        cg->stat_known = false;
        if (ok) {
            (void)cadv_keyed_parse(buf, len, keys, 2, v, &found);
            s->c.cpu.user_ns = v[0] * NS_PER_TICK;
            s->c.cpu.system_ns = v[1] * NS_PER_TICK;
            cg->stat_usage_ns = s->c.cpu.total_ns;
            cg->stat_user_ns = s->c.cpu.user_ns;
            cg->stat_system_ns = s->c.cpu.system_ns;
            cg->stat_known = (found & 3) == 3 && cg->files[S_CPUACCT_USAGE].fd != CADV_CG_FILE_ABSENT;
        }
    }
    if (!(kinds & CADV_KIND_PERCPU) || !s->percpu)
        return 0;
    if (cadv_cgroup_bpf_percpu(cg, s->percpu, CADV_MAX_PERCPU, &s->n_percpu))
        return 0; /* from the BPF snapshot */
    if ((r = slot_read(cg, S_CPUACCT_PERCPU, buf, CADV_CG_BIG_BUF, &len, &ok)) < 0)
        return r;
    if (ok) {
        int n = cadv_keyed_parse_list(buf, len, s->percpu, CADV_MAX_PERCPU);

        s->n_percpu = n > 0 ? (uint32_t)n : 0;
    }
    return 0;
}

static int v1_cpu(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s, char *buf)
{
    static const char *const cfs[] = {"nr_periods", "nr_throttled", "throttled_time"};
    static const char *const u[] = {"usage_usec", "user_usec", "system_usec"};
    uint64_t v[3] = {0, 0, 0}, found;
    size_t len;
    bool ok;
    int r;

    if ((r = v1_cpuacct(cg, kinds, s, buf)) < 0)
        return r;
    if (cadv_cgroup_bpf_cfs(cg, &s->c.cpu.periods, &s->c.cpu.throttled_periods, &s->c.cpu.throttled_ns))
        ok = false; /* from the BPF snapshot */
    else if ((r = slot_read(cg, S_CPU_STAT, buf, CADV_CG_SMALL_BUF, &len, &ok)) < 0)
        return r;
    if (ok) {
        (void)cadv_keyed_parse(buf, len, cfs, 3, v, &found);
        s->c.cpu.periods = v[0];
        s->c.cpu.throttled_periods = v[1];
        s->c.cpu.throttled_ns = v[2];
    }
    if ((r = slot_read(cg, S_U_CPU_STAT, buf, CADV_CG_SMALL_BUF, &len, &ok)) < 0)
        return r;
    if (ok && cadv_keyed_parse(buf, len, u, 3, v, &found) > 0) {
        s->c.cpu.total_ns = found & 1 ? v[0] * 1000 : 0;
        s->c.cpu.user_ns = found & 2 ? v[1] * 1000 : 0;
        s->c.cpu.system_ns = found & 4 ? v[2] * 1000 : 0;
    }
    r = cadv_cgroup__psi_read(cg, S_U_CPU_PSI, 0, &s->c.cpu.psi);
    if (r == 0)
        s->c.has |= CADV_HAS_CPU_PSI;
    return r == -ENODATA ? 0 : r;
}

enum {
    K_CACHE,
    K_RSS,
    K_SWAP,
    K_MAPPED,
    K_TCACHE,
    K_TRSS,
    K_TSWAP,
    K_TMAPPED,
    K_TACTIVE_FILE,
    K_TINACTIVE_FILE,
    K_PGFAULT,
    K_PGMAJFAULT,
    K_FILE_DIRTY,
    K_FILE_WRITEBACK,
    K_PGSCAN,
    K_PGSTEAL,
    K_REFAULT_FILE,
    K_REFAULT_ANON,
    _K_MAX,
};

static const char *const mem_keys[_K_MAX] = {
        "cache",
        "rss",
        "swap",
        "mapped_file",
        "total_cache",
        "total_rss",
        "total_swap",
        "total_mapped_file",
        "total_active_file",
        "total_inactive_file",
        "pgfault",
        "pgmajfault",
        "file_dirty",
        "file_writeback",
        "pgscan",
        "pgsteal",
        "workingset_refault_file",
        "workingset_refault_anon",
};

/* cAdvisor's setMemoryStats for cgroup v1 (the cgroup v2 keys are copied where a kernel has them). */
static void mem_from_stat(struct cadv_memory_stats *m, const uint64_t *v, uint64_t found, bool hier)
{
    int off = hier ? K_TCACHE - K_CACHE : 0;

    m->cache = v[K_CACHE + off];
    m->rss = v[K_RSS + off];
    m->swap = v[K_SWAP + off];
    m->mapped_file = v[K_MAPPED + off];
    m->total_active_file = v[K_TACTIVE_FILE];
    m->pgfault = v[K_PGFAULT];
    m->pgmajfault = v[K_PGMAJFAULT];
    m->file_dirty = v[K_FILE_DIRTY];
    m->file_writeback = v[K_FILE_WRITEBACK];
    m->pgscan = v[K_PGSCAN];
    m->pgsteal = v[K_PGSTEAL];
    m->workingset_refault_file = v[K_REFAULT_FILE];
    m->workingset_refault_anon = v[K_REFAULT_ANON];
    m->working_set = m->usage;
    if (found & (UINT64_C(1) << K_TINACTIVE_FILE)) {
        m->total_inactive_file = v[K_TINACTIVE_FILE];
        m->working_set = m->usage < m->total_inactive_file ? 0 : m->usage - m->total_inactive_file;
    }
}

struct numa_ctx {
    struct cadv_sample *s;
};

static void numa_cb(void *ctx, const char *key, size_t key_len, uint64_t node, uint64_t pages)
{
    static const char *const names[] = {"file",
                                        "anon",
                                        "unevictable",
                                        "hierarchical_file",
                                        "hierarchical_anon",
                                        "hierarchical_unevictable"};
    static const size_t offs[] = {
            offsetof(struct cadv_numa_entry, file),        offsetof(struct cadv_numa_entry, anon),
            offsetof(struct cadv_numa_entry, unevictable), offsetof(struct cadv_numa_entry, h_file),
            offsetof(struct cadv_numa_entry, h_anon),      offsetof(struct cadv_numa_entry, h_unevictable)};
    struct cadv_sample *s = ((struct numa_ctx *)ctx)->s;
    struct cadv_numa_entry *e = NULL;
    size_t k;

    for (k = 0; k < 6; k++)
        if (strlen(names[k]) == key_len && memcmp(names[k], key, key_len) == 0)
            break;
    if (k == 6)
        return;
    for (uint32_t i = 0; i < s->n_numa && !e; i++)
        if (s->numa[i].node == node)
            e = &s->numa[i];
    if (!e) {
        if (s->n_numa >= CADV_MAX_NUMA)
            return;
        e = &s->numa[s->n_numa++];
        memset(e, 0, sizeof(*e));
        e->node = node;
    }
    *(uint64_t *)(void *)((char *)e + offs[k]) = pages;
}

static int v1_numa(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf)
{
    struct numa_ctx ctx = {s};
    size_t len;
    bool ok;
    int r;

    if (!s->numa)
        return 0;
    if ((r = slot_read(cg, S_MEM_NUMA, buf, CADV_CG_BIG_BUF, &len, &ok)) < 0)
        return r;
    s->n_numa = 0;
    if (ok && cadv_numa_stat_parse(buf, len, numa_cb, &ctx) < 0)
        s->n_numa = 0;
    s->c.has |= CADV_HAS_NUMA;
    return 0;
}

/* memory.oom_control's oom_kill (Linux 4.13+): this cgroup's tasks killed by the OOM killer. */
static int v1_oom_kill(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf)
{
    static const char *const keys[] = {"oom_kill"};
    uint64_t v[1] = {0}, found = 0;
    size_t len;
    bool ok;
    int r;

    if (cadv_cgroup_bpf_oom_kill(cg, &v[0]))
        found = 1; /* from the BPF snapshot */
    else if ((r = slot_read(cg, S_MEM_OOM_CONTROL, buf, CADV_CG_SMALL_BUF, &len, &ok)) < 0 || !ok)
        return r;
    else
        (void)cadv_keyed_parse(buf, len, keys, 1, v, &found);
    if (found & 1) {
        s->c.memory.events_oom_kill = v[0];
        s->c.has |= CADV_HAS_OOM_KILL;
    }
    return 0;
}

static int v1_memory(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s, char *buf)
{
    struct cadv_memory_stats *m = &s->c.memory;
    uint64_t v[_K_MAX] = {0}, found;
    size_t len;
    bool ok;
    int r;

    r = cadv_cgroup__psi_read(cg, S_U_MEM_PSI, 1, &m->psi);
    if (r == 0)
        s->c.has |= CADV_HAS_MEMORY_PSI;
    else if (r != -ENODATA)
        return r;
    /* libcontainer skips the controller silently when memory.stat is missing. */
    if ((r = slot_read(cg, S_MEM_STAT, buf, CADV_CG_BIG_BUF, &len, &ok)) < 0 || !ok)
        return r;
    (void)cadv_keyed_parse(buf, len, mem_keys, _K_MAX, v, &found);
    if ((r = hot_memory(cg, m)) < 0)
        return r;
    if (!cadv_cgroup_bpf_kmem(cg, &m->kernel) && (r = slot_u64(cg, S_MEM_KMEM, &m->kernel)) < 0)
        return r;
    mem_from_stat(m, v, found, cg->use_hierarchy);
    if ((r = v1_oom_kill(cg, s, buf)) < 0)
        return r;
    if (kinds & CADV_KIND_MEMORY_NUMA)
        return v1_numa(cg, s, buf);
    return 0;
}

static int io_op(const char *op, size_t n)
{
    static const char *const ops[] = {"Read", "Write", "Sync", "Async", "Discard", "Total"};

    if (n == 0)
        return CADV_IO_OP_COUNT;
    for (int i = 0; i < 6; i++)
        if (strlen(ops[i]) == n && memcmp(ops[i], op, n) == 0)
            return i;
    return -1;
}

struct blkio_ctx {
    struct cadv_sample *s;
    enum cadv_io_stat stat;
};

static void blkio_cb(void *ctx, uint64_t major, uint64_t minor, const char *op, size_t op_len, uint64_t value)
{
    struct blkio_ctx *b = ctx;
    int o = io_op(op, op_len);

    if (o >= 0)
        cadv_cgroup__io_add(b->s, major, minor, b->stat, (enum cadv_io_op)o, value);
}

/* Adds blkio file i: 1 if it had entries, 0 if absent/empty/malformed, or -ENOENT. */
static int blkio_file(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf, unsigned i)
{
    struct blkio_ctx ctx = {s, blkio_files[i].stat};
    size_t len;
    int r = cadv_cgroup__file_read(cg, S_BLKIO + i, buf, CADV_CG_BIG_BUF, &len);

    if (r == -ENOENT)
        return r;
    if (r < 0 || cadv_blkio_parse(buf, len, NULL, NULL) <= 0)
        return 0;
    (void)cadv_blkio_parse(buf, len, blkio_cb, &ctx);
    return 1;
}

/* Makes g (or none, -1) the group in use: the files after its first one become slots (kept open
 * within the budget), those of the group it replaces are closed. Where the BPF pass serves the blkio
 * state, the first files are kept open only in the group in use (v1_setup). */
static void blkio_choose(struct cadv_cgroup *cg, int g)
{
    int old = cg->blkio_group, blk = dir_of(cg, CADV_CG_BLKIO);
    bool bpf = cadv_cgroup_bpf_blkio_served(cg);

    if (old == g)
        return;
    if (old >= 0) {
        if (bpf)
            cadv_cgroup__file_add(cg, S_BLKIO + blkio_groups[old], blk, blkio_files[blkio_groups[old]].name,
                                  false);
        for (unsigned i = blkio_groups[old] + 1; i < blkio_groups[old + 1]; i++)
            cadv_cgroup__file_add(cg, S_BLKIO + i, -1, NULL, false);
    }
    if (g >= 0)
        for (unsigned i = blkio_groups[g] + (bpf ? 0 : 1); i < blkio_groups[g + 1]; i++)
            cadv_cgroup__file_add(cg, S_BLKIO + i, blk, blkio_files[i].name, true);
    cg->blkio_group = g;
}

/* The files of group g after its first one (which had entries). */
static int blkio_rest(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf, int g)
{
    for (unsigned i = blkio_groups[g] + 1; i < blkio_groups[g + 1]; i++) {
        int r = blkio_file(cg, s, buf, i);

        if (r <= 0)
            return r; /* libcontainer stops at the first empty file of the chosen group */
    }
    return 0;
}

/* libcontainer tries every group's first file in order on each read. Here the group that won stays in
 * use while its first file has entries, and the full probe runs again when it empties and after each
 * spec refresh: a group earlier in the order that gains entries (bfq loaded later) is picked up
 * within a refresh period, and a cgroup in use reads only its group. */
static int v1_blkio(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf)
{
    int r = cadv_cgroup__psi_read(cg, S_U_IO_PSI, 2, &s->c.io_psi);

    if (r == 0)
        s->c.has |= CADV_HAS_IO_PSI;
    else if (r != -ENODATA)
        return r;
    s->c.has |= CADV_HAS_DISKIO;
    s->n_io = 0;
    if (cadv_cgroup_bpf_blkio_idle(cg)) {
        cg->blkio_probe = true; /* no blkg: every file lists nothing; its first I/O probes the groups */
        return 0;
    }
    if (cg->blkio_group >= 0 && !cg->blkio_probe) {
        r = blkio_file(cg, s, buf, blkio_groups[cg->blkio_group]);
        if (r < 0)
            return r;
        if (r > 0)
            return blkio_rest(cg, s, buf, cg->blkio_group);
    }
    cg->blkio_probe = false;
    for (unsigned g = 0; g < N_BLKIO_GROUPS; g++) {
        r = blkio_file(cg, s, buf, blkio_groups[g]);
        if (r < 0)
            return r;
        if (r == 0)
            continue; /* the first file has no entries: try the next group */
        blkio_choose(cg, (int)g);
        return blkio_rest(cg, s, buf, (int)g);
    }
    blkio_choose(cg, -1);
    return 0;
}

static int v1_hugetlb(struct cadv_cgroup *cg, struct cadv_sample *s)
{
    int dir = dir_of(cg, CADV_CG_HUGETLB);

    s->c.has |= CADV_HAS_HUGETLB;
    s->n_hugetlb = 0;
    for (unsigned i = 0; i < cg->n_huge && s->hugetlb; i++) {
        static const char *const suffix[] = {"usage_in_bytes", "max_usage_in_bytes", "failcnt"};
        struct cadv_hugetlb_entry e = {cadv_cgroup__pagesize_bytes(cg->huge[i].size), 0, 0, 0};
        uint64_t *dst[] = {&e.usage, &e.max_usage, &e.failcnt};
        int r = 0;

        for (int k = 0; k < 3 && r == 0; k++) {
            char name[64];

            (void)snprintf(name, sizeof(name), "hugetlb.%s%s.%s", cg->huge[i].size,
                           cg->huge[i].rsvd ? ".rsvd" : "", suffix[k]);
            r = cadv_cgroup__u64_at(cg, dir, name, dst[k]);
        }
        if (r == -ENOENT)
            return r;
        if (r == 0)
            s->hugetlb[s->n_hugetlb++] = e;
    }
    return 0;
}

static int v1_threads(struct cadv_cgroup *cg, struct cadv_sample *s)
{
    int r = cadv_cgroup__file_u64(cg, S_PIDS_CURRENT, &s->c.processes.threads_current);

    s->c.has |= CADV_HAS_PROCESSES;
    if (r == -ENODATA && dir_of(cg, CADV_CG_PIDS) >= 0) /* the root cgroup has no pids.current */
        r = cadv_cgroup__count_procs(cg, dir_of(cg, CADV_CG_PIDS), &s->c.processes.threads_current);
    s->c.processes.threads_max = cg->threads_max;
    return r == -ENODATA ? 0 : r;
}

static int v1_read_stats(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s)
{
    char buf[CADV_CG_BIG_BUF];
    int r;

    s->c.has |= CADV_HAS_CPU | CADV_HAS_MEMORY; /* always present, as in cAdvisor */
    cadv_cgroup__psi_begin(cg);
    if ((r = v1_cpu(cg, kinds, s, buf)) < 0 || (r = v1_memory(cg, kinds, s, buf)) < 0)
        return r;
    if ((kinds & CADV_KIND_DISK_IO) && (r = v1_blkio(cg, s, buf)) < 0)
        return r;
    if ((kinds & CADV_KIND_HUGETLB) && (r = v1_hugetlb(cg, s)) < 0)
        return r;
    if ((kinds & CADV_KIND_PROCESS) && (r = v1_threads(cg, s)) < 0)
        return r;
    if (kinds & CADV_KIND_CPUSET) {
        s->c.memory_migrate = cg->memory_migrate;
        s->c.has |= CADV_HAS_CPUSET;
    }
    return 0;
}

/* The hot tier (cgroup.h): from the BPF snapshot when it serves cg, else the same few files. The
 * hybrid's unified cpu.stat (no cpuacct directory) gives usage_usec. */
static int v1_read_hot(struct cadv_cgroup *cg, struct cadv_sample *s)
{
    static const char *const u[] = {"usage_usec"};
    struct cadv_memory_stats *m = &s->c.memory;
    char buf[CADV_CG_SMALL_BUF];
    uint64_t v[1] = {0}, found = 0;
    size_t len;
    bool ok;
    int r;

    if ((r = hot_cpu_total(cg, s)) < 0)
        return r;
    if ((r = slot_read(cg, S_U_CPU_STAT, buf, sizeof(buf), &len, &ok)) < 0)
        return r;
    if (ok && cadv_keyed_parse(buf, len, u, 1, v, &found) > 0 && (found & 1))
        s->c.cpu.total_ns = v[0] * 1000;
    return hot_memory(cg, m);
}

static void v1_spec_cpu(struct cadv_cgroup *cg, struct cadv_spec *spec, bool *gone)
{
    int cpu = dir_of(cg, CADV_CG_CPU), cpuset = dir_of(cg, CADV_CG_CPUSET);

    if (cpu >= 0) {
        spec->has_cpu = true;
        /* from the BPF pass where it serves them, else the files */
        if (!cadv_cgroup_bpf_cpu_limits(cg, &spec->cpu_limit, &spec->cpu_quota, &spec->cpu_period)) {
            spec->cpu_limit = cadv_cgroup__spec_u64(cg, cpu, "cpu.shares", gone);
            spec->cpu_period = cadv_cgroup__spec_u64(cg, cpu, "cpu.cfs_period_us", gone);
            spec->cpu_quota = cadv_cgroup__spec_u64(cg, cpu, "cpu.cfs_quota_us", gone); /* "-1" reads as 0 */
        }
    }
    if (cpuset >= 0) {
        char mask[sizeof(spec->cpu_mask)];
        size_t len = 0;
        int r = cadv_cgroup__read_at(cg, cpuset, "cpuset.cpus", mask, sizeof(mask), &len);

        if (r == -ENOENT)
            *gone = true;
        if (r < 0)
            len = 0;
        while (len > 0 && (mask[len - 1] == '\n' || mask[len - 1] == ' '))
            len--;
        mask[len] = '\0';
        spec->has_cpu = true;
        cadv_cgroup__set_mask(cg, spec, mask);
    }
}

static int v1_read_spec(struct cadv_cgroup *cg, struct cadv_spec *spec)
{
    int mem = dir_of(cg, CADV_CG_MEMORY), pids = dir_of(cg, CADV_CG_PIDS);
    bool gone = false, mem_bpf = false;
    uint64_t pids_max;

    v1_spec_cpu(cg, spec, &gone);
    if (mem >= 0) {
        spec->has_memory = true;
        mem_bpf = cadv_cgroup_bpf_mem_limits(cg, &spec->memory_limit, &spec->memory_swap_limit,
                                             &spec->memory_reservation);
        if (!mem_bpf) {
            spec->memory_limit = cadv_cgroup__spec_u64(cg, mem, "memory.limit_in_bytes", &gone);
            spec->memory_swap_limit = cadv_cgroup__spec_u64(cg, mem, "memory.memsw.limit_in_bytes", &gone);
            spec->memory_reservation = cadv_cgroup__spec_u64(cg, mem, "memory.soft_limit_in_bytes", &gone);
        }
    }
    spec->has_hugetlb = dir_of(cg, CADV_CG_HUGETLB) >= 0;
    pids_max = cadv_cgroup__spec_u64(cg, pids, "pids.max", &gone); /* 0 without a pids directory */
    if (pids >= 0) {
        spec->has_processes = true;
        spec->processes_limit = pids_max;
    }
    spec->has_diskio = dir_of(cg, CADV_CG_BLKIO) >= 0;
    cg->blkio_probe = true;
    if (!v1_settings(cg, &pids_max, !mem_bpf) || gone)
        return -ENOENT;
    if (cg->root->kinds & CADV_KIND_HUGETLB)
        cadv_cgroup__scan_hugetlb(cg, dir_of(cg, CADV_CG_HUGETLB), ".usage_in_bytes");
    return 0;
}

/* cAdvisor lists processes from the cpu hierarchy's cgroup.procs. */
static int v1_procs_dir(const struct cadv_cgroup *cg)
{
    static const enum cadv_cg_ctl order[] = {CADV_CG_CPU, CADV_CG_CPUACCT, CADV_CG_DEVICES, CADV_CG_MEMORY};

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (dir_of(cg, order[i]) >= 0)
            return dir_of(cg, order[i]);
    for (size_t i = 0; i < cg->root->n_hier; i++)
        if (cadv_cgroup__has_dir(cg, (int)i))
            return (int)i;
    return -1;
}

const struct cadv_cgroup_ops cadv_cgroup_v1_ops = {
        .name = "v1",
        .setup = v1_setup,
        .read_stats = v1_read_stats,
        .read_hot = v1_read_hot,
        .read_spec = v1_read_spec,
        .procs_dir = v1_procs_dir,
        .creation_marker = "cgroup.clone_children",
};
