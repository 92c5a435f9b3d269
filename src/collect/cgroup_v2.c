/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup_v2.c - pure cgroup v2 readers. Mirrors libcontainer's fs2 stats as cAdvisor copies them
 * (docs/compatibility.md#cgroup-files): cpu.stat (usage, CFS, bursts), memory.current/peak/swap.current
 * and memory.stat (file, anon, file_mapped, ...), memory.events, io.stat, *.pressure, pids.*,
 * hugetlb.<size>.current/events; spec from cpu.weight (-> shares), cpu.max, cpuset.cpus.effective,
 * memory.max/min/swap.max and pids.max. The unified directory is always read in full; the kinds
 * only decide which parts enter the sample. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collect/cgroup_bpf.h"
#include "collect/cgroup_internal.h"
#include "collect/keyed.h"
#include "model/kinds.h"
#include "model/sample.h"
#include "model/spec.h"

enum {
    S_CPU_STAT,
    S_CPU_PSI,
    S_MEM_STAT,
    S_MEM_CURRENT,
    S_MEM_PEAK,
    S_MEM_SWAP,
    S_MEM_EVENTS,
    S_MEM_EVENTS_LOCAL,
    S_MEM_PSI,
    S_IO_STAT,
    S_IO_PSI,
    S_PIDS_CURRENT,
    _S_MAX,
};
_Static_assert(_S_MAX <= CADV_CG_MAX_FILES, "too many v2 file slots");

/* The cgroup's one directory (id 0, the v2 root's only hierarchy). */
static int udir(const struct cadv_cgroup *cg)
{
    return cadv_cgroup__has_dir(cg, 0) ? 0 : -1;
}

/* pids_max: pids.max as the spec read it, or NULL to read it here. */
static bool v2_settings(struct cadv_cgroup *cg, const uint64_t *pids_max)
{
    bool gone = false;
    uint64_t max = pids_max ? *pids_max : cadv_cgroup__spec_u64(cg, udir(cg), "pids.max", &gone);

    cg->threads_max = max == UINT64_MAX ? 0 : max; /* libcontainer: "max" is 0, "no limit" */
    cg->memory_migrate = 0;                        /* no such file on cgroup v2 */
    cg->use_hierarchy = true;
    return !gone;
}

static void v2_setup(struct cadv_cgroup *cg)
{
    uint32_t k = cg->root->kinds;
    int d = udir(cg);

    cadv_cgroup_bpf_setup(cg);
    cadv_cgroup__file_add(cg, S_CPU_STAT, d, "cpu.stat", true);
    cadv_cgroup__file_add(cg, S_CPU_PSI, d, "cpu.pressure", true);
    cadv_cgroup__file_add(cg, S_MEM_STAT, d, "memory.stat", true);
    cadv_cgroup__file_add(cg, S_MEM_CURRENT, d, "memory.current", true);
    cadv_cgroup__file_add(cg, S_MEM_PEAK, d, "memory.peak", true);
    cadv_cgroup__file_add(cg, S_MEM_SWAP, d, "memory.swap.current", true);
    cadv_cgroup__file_add(cg, S_MEM_EVENTS, d, "memory.events", true);
    cadv_cgroup__file_add(cg, S_MEM_EVENTS_LOCAL, d, "memory.events.local", true);
    cadv_cgroup__file_add(cg, S_MEM_PSI, d, "memory.pressure", true);
    cadv_cgroup__file_add(cg, S_IO_STAT, k & CADV_KIND_DISK_IO ? d : -1, "io.stat", true);
    cadv_cgroup__file_add(cg, S_IO_PSI, k & CADV_KIND_DISK_IO ? d : -1, "io.pressure", true);
    cadv_cgroup__file_add(cg, S_PIDS_CURRENT, k & CADV_KIND_PROCESS ? d : -1, "pids.current", true);
    (void)v2_settings(cg, NULL);
    if (k & CADV_KIND_HUGETLB)
        cadv_cgroup__scan_hugetlb(cg, d, ".current");
}

static int slot_read(struct cadv_cgroup *cg, unsigned slot, char *buf, size_t cap, size_t *len, bool *present)
{
    int r = cadv_cgroup__file_read(cg, slot, buf, cap, len);

    *present = r == 0;
    return r == -ENODATA ? 0 : r;
}

static int slot_u64(struct cadv_cgroup *cg, unsigned slot, uint64_t *v, bool *present)
{
    int r = cadv_cgroup__file_u64(cg, slot, v);

    *present = r == 0;
    return r == -ENODATA ? 0 : r;
}

static int psi(struct cadv_cgroup *cg, unsigned slot, struct cadv_psi *dst, uint64_t *has, uint64_t bit)
{
    int r = cadv_cgroup__file_psi(cg, slot, dst);

    if (r == 0)
        *has |= bit;
    return r == -ENODATA ? 0 : r;
}

static int v2_cpu(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf)
{
    static const char *const keys[] = {"usage_usec",   "user_usec",      "system_usec", "nr_periods",
                                       "nr_throttled", "throttled_usec", "nr_bursts",   "burst_usec"};
    struct cadv_cpu_stats *c = &s->c.cpu;
    uint64_t v[8] = {0}, found = 0;
    size_t len;
    bool ok;
    int r;

    if ((r = slot_read(cg, S_CPU_STAT, buf, CADV_CG_SMALL_BUF, &len, &ok)) < 0)
        return r;
    if (ok)
        (void)cadv_keyed_parse(buf, len, keys, 8, v, &found);
    c->total_ns = v[0] * 1000;
    (void)cadv_cgroup_bpf_cpu(cg, &c->total_ns); /* usage_usec from the BPF pass where it serves cg */
    c->user_ns = v[1] * 1000;
    c->system_ns = v[2] * 1000;
    c->periods = v[3];
    c->throttled_periods = v[4];
    c->throttled_ns = v[5] * 1000;
    c->burst_periods = v[6];
    c->burst_ns = v[7] * 1000;
    if (found & (1u << 6))
        s->c.has |= CADV_HAS_BURST;
    return psi(cg, S_CPU_PSI, &c->psi, &s->c.has, CADV_HAS_CPU_PSI);
}

enum {
    K_ANON,
    K_FILE,
    K_FILE_MAPPED,
    K_ACTIVE_FILE,
    K_INACTIVE_FILE,
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
        "anon",
        "file",
        "file_mapped",
        "active_file",
        "inactive_file",
        "pgfault",
        "pgmajfault",
        "file_dirty",
        "file_writeback",
        "pgscan",
        "pgsteal",
        "workingset_refault_file",
        "workingset_refault_anon",
};

/* cAdvisor's setMemoryStats for cgroup v2. */
static void mem_from_stat(struct cadv_memory_stats *m, const uint64_t *v, uint64_t found)
{
    m->cache = v[K_FILE];
    m->rss = v[K_ANON];
    m->mapped_file = v[K_FILE_MAPPED];
    m->total_active_file = v[K_ACTIVE_FILE];
    m->pgfault = v[K_PGFAULT];
    m->pgmajfault = v[K_PGMAJFAULT];
    m->file_dirty = v[K_FILE_DIRTY];
    m->file_writeback = v[K_FILE_WRITEBACK];
    m->pgscan = v[K_PGSCAN];
    m->pgsteal = v[K_PGSTEAL];
    m->workingset_refault_file = v[K_REFAULT_FILE];
    m->workingset_refault_anon = v[K_REFAULT_ANON];
    m->working_set = m->usage;
    if (found & (UINT64_C(1) << K_INACTIVE_FILE)) {
        m->total_inactive_file = v[K_INACTIVE_FILE];
        m->working_set = m->usage < m->total_inactive_file ? 0 : m->usage - m->total_inactive_file;
    }
}

static int v2_events(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf)
{
    static const char *const keys[] = {"high", "max", "oom", "oom_kill"};
    struct cadv_memory_stats *m = &s->c.memory;
    uint64_t v[4] = {0}, found;
    size_t len;
    bool ok;
    int r;

    if ((r = slot_read(cg, S_MEM_EVENTS, buf, CADV_CG_SMALL_BUF, &len, &ok)) < 0 || !ok)
        return r;
    (void)cadv_keyed_parse(buf, len, keys, 4, v, &found);
    m->events_high = v[0];
    m->events_max = v[1];
    m->events_oom = v[2];
    m->events_oom_kill = v[3];
    s->c.has |= CADV_HAS_MEMORY_EVENTS;
    /* memory.events counts descendants too (unless mounted memory_localevents); the OOM source
     * needs this cgroup's own kills: memory.events.local (Linux 5.2+). */
    if ((r = slot_read(cg, S_MEM_EVENTS_LOCAL, buf, CADV_CG_SMALL_BUF, &len, &ok)) < 0 || !ok)
        return r;
    (void)cadv_keyed_parse(buf, len, keys + 3, 1, v + 3, &found);
    if (found & 1) {
        m->events_oom_kill = v[3];
        s->c.has |= CADV_HAS_OOM_KILL;
    }
    return 0;
}

static int v2_memory(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf)
{
    struct cadv_memory_stats *m = &s->c.memory;
    uint64_t v[_K_MAX] = {0}, found = 0;
    size_t len;
    bool ok, cur;
    int r;

    if ((r = psi(cg, S_MEM_PSI, &m->psi, &s->c.has, CADV_HAS_MEMORY_PSI)) < 0 ||
        (r = v2_events(cg, s, buf)) < 0)
        return r;
    if ((r = slot_read(cg, S_MEM_STAT, buf, CADV_CG_BIG_BUF, &len, &ok)) < 0)
        return r;
    if (!ok)
        return 0; /* memory controller not enabled here */
    (void)cadv_keyed_parse(buf, len, mem_keys, _K_MAX, v, &found);
    if ((r = slot_u64(cg, S_MEM_CURRENT, &m->usage, &cur)) < 0 ||
        (r = slot_u64(cg, S_MEM_PEAK, &m->max_usage, &ok)) < 0 ||
        (r = slot_u64(cg, S_MEM_SWAP, &m->swap, &ok)) < 0)
        return r;
    if (!cur && cadv_cgroup__is_root(cg))
        m->usage = v[K_ANON] + v[K_FILE]; /* the root has no memory.current (docs/compatibility.md#memory) */
    mem_from_stat(m, v, found);
    return 0;
}

struct io_ctx {
    struct cadv_sample *s;
};

static bool key_is(const char *key, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(key, lit, n) == 0;
}

/* libcontainer's statIo mapping onto the v1 tables (docs/compatibility.md#blkio). */
static void io_cb(void *ctx, uint64_t major, uint64_t minor, const char *key, size_t n, uint64_t value)
{
    static const struct {
        const char *key;
        enum cadv_io_stat stat;
        enum cadv_io_op op;
    } map[] = {
            {"rbytes", CADV_IO_SERVICE_BYTES, CADV_IO_OP_READ},
            {"wbytes", CADV_IO_SERVICE_BYTES, CADV_IO_OP_WRITE},
            {"rios", CADV_IO_SERVICED, CADV_IO_OP_READ},
            {"wios", CADV_IO_SERVICED, CADV_IO_OP_WRITE},
            {"cost.usage", CADV_IO_COST_USAGE, CADV_IO_OP_COUNT},
            {"cost.wait", CADV_IO_COST_WAIT, CADV_IO_OP_COUNT},
            {"cost.indebt", CADV_IO_COST_INDEBT, CADV_IO_OP_COUNT},
            {"cost.indelay", CADV_IO_COST_INDELAY, CADV_IO_OP_COUNT},
    };
    struct io_ctx *io = ctx;

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (key_is(key, n, map[i].key)) {
            cadv_cgroup__io_add(io->s, major, minor, map[i].stat, map[i].op, value);
            return;
        }
}

static int v2_io(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf)
{
    struct io_ctx ctx = {s};
    size_t len;
    bool ok;
    int r;

    s->c.has |= CADV_HAS_DISKIO;
    s->n_io = 0;
    if ((r = psi(cg, S_IO_PSI, &s->c.io_psi, &s->c.has, CADV_HAS_IO_PSI)) < 0)
        return r;
    if ((r = slot_read(cg, S_IO_STAT, buf, CADV_CG_BIG_BUF, &len, &ok)) < 0)
        return r;
    if (ok && s->io)
        (void)cadv_nested_keyed_parse(buf, len, io_cb, &ctx);
    return 0;
}

/* libcontainer's statHugeTlb: usage from hugetlb.<size>[.rsvd].current, failcnt from the "max" key
 * of hugetlb.<size>.events; no max_usage on v2. */
static int v2_hugetlb(struct cadv_cgroup *cg, struct cadv_sample *s, char *buf)
{
    static const char *const keys[] = {"max"};
    int d = udir(cg);

    s->c.has |= CADV_HAS_HUGETLB;
    s->n_hugetlb = 0;
    for (unsigned i = 0; i < cg->n_huge && s->hugetlb; i++) {
        struct cadv_hugetlb_entry e = {cadv_cgroup__pagesize_bytes(cg->huge[i].size), 0, 0, 0};
        uint64_t found;
        char name[64];
        size_t len;
        int r;

        (void)snprintf(name, sizeof(name), "hugetlb.%s%s.current", cg->huge[i].size,
                       cg->huge[i].rsvd ? ".rsvd" : "");
        r = cadv_cgroup__u64_at(cg, d, name, &e.usage);
        if (r == 0) {
            (void)snprintf(name, sizeof(name), "hugetlb.%s.events", cg->huge[i].size);
            r = cadv_cgroup__read_at(cg, d, name, buf, CADV_CG_SMALL_BUF, &len);
            if (r == 0)
                (void)cadv_keyed_parse(buf, len, keys, 1, &e.failcnt, &found);
        }
        if (r == -ENOENT)
            return r;
        if (r == 0)
            s->hugetlb[s->n_hugetlb++] = e;
    }
    return 0;
}

/* pids.current, or the line count of cgroup.procs where the pids files are absent (root). */
static int v2_threads(struct cadv_cgroup *cg, struct cadv_sample *s)
{
    bool ok;
    int r = slot_u64(cg, S_PIDS_CURRENT, &s->c.processes.threads_current, &ok);

    s->c.has |= CADV_HAS_PROCESSES;
    if (r < 0)
        return r;
    s->c.processes.threads_max = cg->threads_max;
    if (ok)
        return 0;
    s->c.processes.threads_max = 0;
    r = cadv_cgroup__count_procs(cg, udir(cg), &s->c.processes.threads_current);
    return r == -ENODATA ? 0 : r;
}

/* The hot tier (cgroup.h): usage_usec of cpu.stat, memory.current and memory.peak (the root has
 * no memory.current: its usage, a memory.stat sum, stays as carried). */
static int v2_read_hot(struct cadv_cgroup *cg, struct cadv_sample *s)
{
    static const char *const u[] = {"usage_usec"};
    struct cadv_memory_stats *m = &s->c.memory;
    char buf[CADV_CG_SMALL_BUF];
    uint64_t v[1] = {0}, found = 0;
    size_t len;
    bool ok;
    int r;

    if ((r = slot_read(cg, S_CPU_STAT, buf, sizeof(buf), &len, &ok)) < 0)
        return r;
    if (ok && cadv_keyed_parse(buf, len, u, 1, v, &found) > 0 && (found & 1))
        s->c.cpu.total_ns = v[0] * 1000;
    if ((r = slot_u64(cg, S_MEM_CURRENT, &m->usage, &ok)) < 0)
        return r;
    return slot_u64(cg, S_MEM_PEAK, &m->max_usage, &ok);
}

static int v2_read_stats(struct cadv_cgroup *cg, uint32_t kinds, struct cadv_sample *s)
{
    char buf[CADV_CG_BIG_BUF];
    int r;

    s->c.has |= CADV_HAS_CPU | CADV_HAS_MEMORY; /* always present, as in cAdvisor */
    if ((r = v2_cpu(cg, s, buf)) < 0 || (r = v2_memory(cg, s, buf)) < 0)
        return r;
    if ((kinds & CADV_KIND_DISK_IO) && (r = v2_io(cg, s, buf)) < 0)
        return r;
    if ((kinds & CADV_KIND_HUGETLB) && (r = v2_hugetlb(cg, s, buf)) < 0)
        return r;
    if ((kinds & CADV_KIND_PROCESS) && (r = v2_threads(cg, s)) < 0)
        return r;
    if (kinds & CADV_KIND_CPUSET) {
        s->c.memory_migrate = 0;
        s->c.has |= CADV_HAS_CPUSET;
    }
    return 0;
}

/* cAdvisor's parseUint64String: "max" is UINT64_MAX, junk 0. */
static uint64_t parse_limit(const char *s, size_t n)
{
    uint64_t v;

    return cadv_keyed_parse_value(s, n, &v) == 0 ? v : 0;
}

/* cpu.weight w in [1, 10000] -> shares 2 + (w - 1) * 262142 / 9999; cpu.max "<quota|max> <period>". */
static void v2_spec_cpu(struct cadv_cgroup *cg, struct cadv_spec *spec, bool *gone)
{
    uint64_t w = cadv_cgroup__spec_u64(cg, udir(cg), "cpu.weight", gone);
    char buf[128];
    size_t len = 0;
    int r;

    spec->has_cpu = true;
    if (w >= 1 && w <= 10000)
        spec->cpu_limit = 2 + (w - 1) * 262142 / 9999;
    r = cadv_cgroup__read_at(cg, udir(cg), "cpu.max", buf, sizeof(buf), &len);
    if (r == -ENOENT)
        *gone = true;
    if (r == 0) {
        const char *sp = memchr(buf, ' ', len);

        if (sp) {
            size_t ql = (size_t)(sp - buf);

            if (!(ql == 3 && memcmp(buf, "max", 3) == 0))
                spec->cpu_quota = parse_limit(buf, ql);
            spec->cpu_period = parse_limit(sp + 1, len - ql - 1);
        }
    }
    r = cadv_cgroup__read_at(cg, udir(cg), "cpuset.cpus.effective", buf, sizeof(buf), &len);
    if (r == -ENOENT)
        *gone = true;
    if (r < 0)
        len = 0;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        len--;
    buf[len] = '\0';
    cadv_cgroup__set_mask(cg, spec, buf);
}

static bool exists_in(const struct cadv_cgroup *cg, int dir, const char *name)
{
    int fd = cadv_cgroup__open_in(cg, dir, name, O_PATH);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static int v2_read_spec(struct cadv_cgroup *cg, struct cadv_spec *spec)
{
    int d = udir(cg);
    bool gone = false;

    v2_spec_cpu(cg, spec, &gone);
    if (exists_in(cg, d, "memory.max")) {
        spec->has_memory = true;
        spec->memory_reservation = cadv_cgroup__spec_u64(cg, d, "memory.min", &gone);
        spec->memory_limit = cadv_cgroup__spec_u64(cg, d, "memory.max", &gone);
        spec->memory_swap_limit = cadv_cgroup__spec_u64(cg, d, "memory.swap.max", &gone);
    }
    spec->has_hugetlb = false; /* cAdvisor: only a v1 hugetlb path sets it */
    spec->has_processes = true;
    spec->processes_limit = cadv_cgroup__spec_u64(cg, d, "pids.max", &gone);
    spec->has_diskio = true;
    if (!v2_settings(cg, &spec->processes_limit) || gone)
        return -ENOENT;
    if (cg->root->kinds & CADV_KIND_HUGETLB)
        cadv_cgroup__scan_hugetlb(cg, d, ".current");
    return 0;
}

static int v2_procs_dir(const struct cadv_cgroup *cg)
{
    return udir(cg);
}

const struct cadv_cgroup_ops cadv_cgroup_v2_ops = {
        .name = "v2",
        .setup = v2_setup,
        .read_stats = v2_read_stats,
        .read_hot = v2_read_hot,
        .read_spec = v2_read_spec,
        .procs_dir = v2_procs_dir,
        .creation_marker = "cgroup.events",
};
