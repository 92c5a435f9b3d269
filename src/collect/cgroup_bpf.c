/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup_bpf.c - the BPF collector (see cgroup_bpf.h): loads bpf/cgstat.bpf.c (CO-RE, skeleton from
 * bpftool), attaches one cgroup_iter link per v1 hierarchy root it serves (cpuacct, memory), runs a
 * pass when a reader finds the snapshot older than max_age (the housekeeping interval: one pass per
 * collection cycle, whatever the containers' jittered due times), and copies the records into an
 * immutable snapshot indexed by (hierarchy, cgroup id), published by pointer swap; lookups of a
 * fresh snapshot take no lock. Built without libbpf, every entry point reports "not built with BPF support"
 * and the file path is used. */
#include "collect/cgroup_bpf.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "collect/cgroup_internal.h"
#include "collect/keyed.h"
#include "core/fileio.h"
#include "core/log.h"

#ifdef CADV_HAVE_BPF
#    include <bpf/bpf.h>
#    include <bpf/btf.h>
#    include <bpf/libbpf.h>
#    include <dirent.h>
#    include <fcntl.h>
#    include <linux/magic.h>
#    include <stdarg.h>
#    include <stdlib.h>
#    include <sys/mman.h>
#    include <sys/statfs.h>
#    include <unistd.h>

#    include "cgstat.h"
/* bpftool's generated skeleton: a const-casting create function and the object as one long string. */
#    pragma GCC diagnostic push
#    pragma GCC diagnostic ignored "-Wcast-qual"
#    pragma GCC diagnostic ignored "-Woverlength-strings"
#    include "cgstat.skel.h"
#    pragma GCC diagnostic pop
#    include "core/timeutil.h"
#    include "core/xalloc.h"

/* Records per pass (every walked hierarchy together: 13,107 cgroups in each of five); cgroups beyond
 * it are read from their files, with one log line. The array map is resident in full once mapped
 * (the kernel maps its pages at mmap), so this is its cost in RSS: 65,536 x 152 bytes, 9.5 MiB. */
#    define MAX_RECS (1u << 16)
_Static_assert(sizeof(struct cgstat_rec) == 152, "the record size is in MAX_RECS's comment and the README");
/* Per-CPU values per pass (possible CPUs per cgroup of the cpuacct hierarchy: 131,072 cgroups of 2
 * CPUs, 4,096 of 64); cgroups beyond it read cpuacct.usage_percpu. Resident too: 2 MiB. */
#    define MAX_PCPU (1u << 18)

/* An immutable snapshot of one pass: its records and an open-addressing index sized to them. */
struct snap {
    atomic_long refs; /* see snap_get and snap_retire */
    size_t bytes;     /* allocated (a retired snapshot is reused by a pass that fits in it) */
    uint64_t taken_ns;
    size_t mask;     /* slots - 1 */
    uint32_t n;      /* records */
    uint32_t n_pcpu; /* per-CPU values */
    uint64_t *pcpu;  /* the per-CPU values (a record's pcpu_at indexes them) */
    uint32_t *slots; /* record index + 1, 0 empty */
    struct cgstat_rec recs[];
};

/* The published snapshot and its readers, in one word: pointer << CUR_SHIFT | readers that took it
 * (a split reference count: a reader takes the snapshot and a reference in one fetch_add, so the
 * hot path holds no lock; the pass that replaces it moves that count into the snapshot's refs). */
#    define CUR_SHIFT 16

static struct {
    pthread_mutex_t lock; /* the pass, start and stop; never taken by a lookup of a fresh snapshot */
    _Atomic(const struct cadv_cgroup_root *) served; /* the root while the BPF path is on, else NULL */
    _Atomic uint64_t cur;
    const struct cadv_cgroup_root *owner; /* the root loaded for, even after a failed pass */
    struct cgstat *skel;
    bool walk;                           /* the css walk (cgwalk) is loaded, else cgroup_iter (cgstat) */
    bool v2;                             /* the cpu hierarchy is cgroup2 (the root's only one) */
    uint64_t walk_id[CADV_BPF_N_H];      /* the mount root's cgroup id per hierarchy (0: not served) */
    int walk_hid[CADV_BPF_N_H];          /* v1 hierarchy ids (/proc/self/cgroup) */
    struct bpf_link *link[CADV_BPF_N_H]; /* cgroup_iter path */
    struct bpf_link *flush;              /* cgroup2: cgflush on the root */
    int cpulim_h;                        /* the hierarchy whose records have the cpu settings, or -1 */
    int blkio_h;                         /* the hierarchy whose records have the blkio state, or -1 */
    bool cpulim_ok, memlim_ok;           /* the limits passed the self-check: spec refreshes use them */
    bool cfs_ok, kmem_ok, oomkill_ok;    /* detail values that passed it: detail reads use them */
    bool blkio_ok;                       /* the blkio state passed it: idle cgroups skip their blkio files */
    bool percpu_ok;                      /* the per-CPU counters passed it: detail reads use them */
    bool psi_ok;                         /* the PSI state passed it: detail reads skip quiet PSI files */
    uint32_t ncpu;                       /* possible CPUs: per-CPU values per cgroup */
    bool overflow_logged;                /* a pass had more cgroups than records (said once) */
    bool memsw;                          /* swap accounting is on (memory.memsw.* files exist) */
    struct cgstat_rec *recs;             /* the mmapped array map */
    uint64_t *pcpu;                      /* the mmapped per-CPU array map */
    _Atomic(struct snap *) spare;        /* a retired snapshot's storage, for the next pass */
    size_t map_len, pcpu_len;
    uint64_t max_age_ns;
    _Atomic uint64_t pass_ns[CADV_BPF_N_H]; /* duration of the last pass per hierarchy (0: none) */
    _Atomic uint64_t locked_ns;             /* of which under cgroup_mutex, all hierarchies */
} st = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

static uint64_t key_hash(uint32_t h, uint64_t id)
{
    uint64_t x = (id ^ (uint64_t)h << 60) * 0x9E3779B97F4A7C15ULL; /* ids are inode numbers: far below 2^60 */

    return x ^ (x >> 29);
}

static const struct cgstat_rec *find(const struct snap *s, uint32_t h, uint64_t id)
{
    for (size_t i = key_hash(h, id) & s->mask;; i = (i + 1) & s->mask) {
        uint32_t k = s->slots[i];

        if (!k)
            return NULL;
        if (s->recs[k - 1].id == id && s->recs[k - 1].hier == h)
            return &s->recs[k - 1];
    }
}

/* The published snapshot with a reference (NULL: none), released by snap_put. */
static struct snap *snap_get(void)
{
    uint64_t w = atomic_fetch_add_explicit(&st.cur, 1, memory_order_acquire);

    return (struct snap *)(uintptr_t)(w >> CUR_SHIFT);
}

/* A snapshot nobody reads any more: kept as the spare (a pass then writes into memory already
 * paged in, not a fresh allocation of hundreds of KB faulted in page by page), or freed. */
static void snap_retire(struct snap *s)
{
    struct snap *expected = NULL;

    if (!atomic_compare_exchange_strong(&st.spare, &expected, s))
        free(s);
}

static void snap_put(struct snap *s)
{
    /* refs goes below 0 while s is published; its retirement adds the readers that took it. */
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        snap_retire(s);
}

/* Publishes s (or none) in place of the current snapshot, freed once its last reader is done. */
static void snap_publish(struct snap *s)
{
    uint64_t w = atomic_exchange_explicit(&st.cur, (uint64_t)(uintptr_t)s << CUR_SHIFT, memory_order_acq_rel);
    struct snap *old = (struct snap *)(uintptr_t)(w >> CUR_SHIFT);
    long taken = (long)(w & ((1u << CUR_SHIFT) - 1));

    if (old && atomic_fetch_add_explicit(&old->refs, taken, memory_order_acq_rel) == -taken)
        snap_retire(old);
}

/* Runs a cgroup_iter link to its end: one read() (the kernel's cgroup_iter cannot resume across
 * reads), under cgroup_mutex throughout. */
static int iter_run(struct bpf_link *link)
{
    char buf[64];
    ssize_t r;
    int fd = bpf_iter_create(bpf_link__fd(link));

    if (fd < 0)
        return -errno;
    while ((r = read(fd, buf, sizeof(buf))) > 0)
        ;
    r = r < 0 ? -errno : 0;
    close(fd);
    return (int)r;
}

/* One css walk of hierarchy h (BPF_PROG_RUN of cgwalk). */
static int walk_run(uint32_t h)
{
    struct bpf_test_run_opts o;

    memset(&o, 0, sizeof(o)); /* what LIBBPF_OPTS does, without its GNU statement expression */
    o.sz = sizeof(o);
    st.skel->bss->walk_id = st.walk_id[h];
    st.skel->bss->walk_v2 = st.v2 || h == CADV_BPF_PSI;
    st.skel->bss->walk_psi = h == CADV_BPF_PSI;
    st.skel->bss->walk_hid = st.walk_hid[h];
    st.skel->bss->walk_err = 0;
    if (bpf_prog_test_run_opts(bpf_program__fd(st.skel->progs.cgwalk), &o) < 0)
        return -errno;
    return st.skel->bss->walk_err ? -ENOENT : 0;
}

/* One pass over every hierarchy into a new snapshot, published. Lock held. */
static int run_pass(void)
{
    uint64_t locked = 0;
    uint32_t n, n_pcpu;
    size_t n_slots = 16, bytes;
    struct snap *s;

    st.skel->bss->n_recs = 0;
    st.skel->bss->n_pcpu = 0;
    st.skel->bss->overflow = 0;
    for (uint32_t h = 0; h < CADV_BPF_N_H; h++) {
        uint64_t t0 = cadv_mono_ns(), t1;
        int r = 0;

        if (st.walk ? !st.walk_id[h] : !st.link[h])
            continue;
        st.skel->bss->hier = h;
        if (st.walk) {
            if (st.flush && h == CADV_BPF_CPU)
                r = iter_run(st.flush);
            t1 = cadv_mono_ns();
            locked += t1 - t0;
            if (r == 0)
                r = walk_run(h);
        } else {
            r = iter_run(st.link[h]);
            t1 = cadv_mono_ns();
            locked += t1 - t0;
        }
        atomic_store_explicit(&st.pass_ns[h], cadv_mono_ns() - t0, memory_order_relaxed);
        if (r < 0)
            return r;
    }
    atomic_store_explicit(&st.locked_ns, locked, memory_order_relaxed);
    if (st.skel->bss->overflow && !st.overflow_logged) {
        st.overflow_logged = true;
        cadv_log(CADV_LOG_WARNING,
                 "BPF collector: more than %u cgroup records in a pass: %u cgroups are read from their "
                 "files",
                 MAX_RECS, st.skel->bss->overflow);
    }
    n = st.skel->bss->n_recs < MAX_RECS ? st.skel->bss->n_recs : MAX_RECS;
    n_pcpu = st.skel->bss->n_pcpu < MAX_PCPU ? st.skel->bss->n_pcpu : MAX_PCPU;
    while (n_slots < 2 * (size_t)n)
        n_slots *= 2;
    bytes = sizeof(*s) + n * sizeof(s->recs[0]) + n_pcpu * sizeof(uint64_t) + n_slots * sizeof(uint32_t);
    s = atomic_exchange(&st.spare, NULL);
    if (s && s->bytes < bytes) {
        free(s);
        s = NULL;
    }
    if (!s) {
        bytes += bytes / 8; /* room for a few more cgroups next time */
        s = cadv_xmalloc(bytes);
        s->bytes = bytes;
    }
    if ((uintptr_t)s >> (64 - CUR_SHIFT)) { /* not packable (no such user address on x86-64) */
        free(s);
        return -EOVERFLOW;
    }
    atomic_init(&s->refs, 0);
    s->taken_ns = cadv_mono_ns();
    s->mask = n_slots - 1;
    s->n = n;
    s->n_pcpu = n_pcpu;
    s->pcpu = (uint64_t *)(void *)&s->recs[n]; /* records are 8-byte multiples */
    s->slots = (uint32_t *)(void *)&s->pcpu[n_pcpu];
    memcpy(s->recs, st.recs, n * sizeof(s->recs[0]));
    memcpy(s->pcpu, st.pcpu, n_pcpu * sizeof(uint64_t));
    memset(s->slots, 0, n_slots * sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) {
        size_t j = key_hash(s->recs[i].hier, s->recs[i].id) & s->mask;

        while (s->slots[j])
            j = (j + 1) & s->mask;
        s->slots[j] = i + 1;
    }
    snap_publish(s);
    return 0;
}

/* A referenced snapshot no older than max_age, from the first lookup after it expired running the
 * pass (the others of the moment wait for it), or NULL (the BPF path is then off for good). */
static struct snap *fresh(const struct cadv_cgroup_root *root)
{
    struct snap *s;
    int r = 0;

    if (atomic_load_explicit(&st.served, memory_order_acquire) != root)
        return NULL;
    s = snap_get();
    if (s && cadv_mono_ns() - s->taken_ns < st.max_age_ns)
        return s;
    snap_put(s);
    pthread_mutex_lock(&st.lock);
    if (atomic_load_explicit(&st.served, memory_order_relaxed) == root) {
        s = snap_get();
        if (!s || cadv_mono_ns() - s->taken_ns >= st.max_age_ns) {
            snap_put(s);
            s = NULL;
            if ((r = run_pass()) == 0)
                s = snap_get();
        }
        if (r < 0) {
            atomic_store(&st.served, NULL);
            snap_publish(NULL);
        }
    } else
        s = NULL;
    pthread_mutex_unlock(&st.lock);
    if (r < 0)
        cadv_log_errno(CADV_LOG_WARNING, r,
                       "BPF collector: a cgroup_iter pass failed, reading cgroup files from now on");
    return s;
}

static uint64_t dir_ino(int dirfd, const char *rel)
{
    struct stat sb;

    return fstatat(dirfd, rel, &sb, 0) == 0 ? (uint64_t)sb.st_ino : 0;
}

/* Section offset of the per-CPU variable `name` (DATASEC .data..percpu of the kernel's BTF). */
static int percpu_offset(const struct btf *btf, const char *name, uint64_t *ret)
{
    int id = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
    const struct btf_type *sec;
    const struct btf_var_secinfo *vi;

    if (id < 0)
        return -ENOENT;
    sec = btf__type_by_id(btf, (uint32_t)id);
    vi = btf_var_secinfos(sec);
    for (int i = 0; i < btf_vlen(sec); i++, vi++) {
        const struct btf_type *v = btf__type_by_id(btf, vi->type);

        if (v && strcmp(btf__name_by_offset(btf, v->name_off), name) == 0) {
            *ret = vi->offset;
            return 0;
        }
    }
    return -ENOENT;
}

static int read_u64_at(int dirfd, const char *path, uint64_t *v)
{
    char buf[64];
    size_t len;
    int r = cadv_read_at(dirfd, path, buf, sizeof(buf), &len);

    return r < 0 ? r : cadv_keyed_parse_value(buf, len, v);
}

/* usage_usec of <dirfd>/<rel>/cpu.stat in ns. */
static int v2_usage_at(int dirfd, const char *rel, uint64_t *ns)
{
    static const char *const key[] = {"usage_usec"};
    char path[300], buf[512];
    uint64_t v[1], found = 0;
    size_t len;
    int r;

    (void)snprintf(path, sizeof(path), "%.280s/cpu.stat", rel);
    if ((r = cadv_read_at(dirfd, path, buf, sizeof(buf), &len)) < 0)
        return r;
    if (cadv_keyed_parse(buf, len, key, 1, v, &found) < 1 || !(found & 1))
        return -EPROTO;
    *ns = v[0] * 1000;
    return 0;
}

/* cgroup2: the first pass checked against the files: a child cgroup's usage lies between two reads
 * of its cpu.stat around the pass (none: nothing to check, the walk itself ran). */
static int self_check_v2(int fd, char *why, size_t cap)
{
    DIR *d = fdopendir(dup(fd));
    struct dirent *e;
    int r = 0;

    while (d && (e = readdir(d))) {
        const struct cgstat_rec *rec;
        uint64_t before = 0, after = 0;
        struct snap *s;

        if (e->d_type != DT_DIR || e->d_name[0] == '.' || v2_usage_at(fd, e->d_name, &before) < 0)
            continue;
        if ((r = run_pass()) < 0 || (r = v2_usage_at(fd, e->d_name, &after)) < 0)
            break;
        s = snap_get(); /* the lock is held: no other pass replaces it */
        rec = find(s, CADV_BPF_CPU, dir_ino(fd, e->d_name));
        if (!rec || !(rec->flags & CGSTAT_HAS_CPU) || rec->cpu_ns < before || rec->cpu_ns > after) {
            (void)snprintf(why, cap, "cpu.stat usage_usec check failed for %.100s (%llu not in [%llu, %llu])",
                           e->d_name, rec ? (unsigned long long)rec->cpu_ns : 0ULL,
                           (unsigned long long)before, (unsigned long long)after);
            r = -EPROTO;
        }
        snap_put(s);
        if (d)
            closedir(d);
        return r;
    }
    if (d)
        closedir(d);
    if (r == 0)
        r = run_pass();
    if (r < 0)
        (void)snprintf(why, cap, "first pass: %s", strerror(-r));
    return r;
}

/* The name of the first child cgroup of the hierarchy at fd, or false (none). */
static bool first_child(int fd, char *name, size_t cap)
{
    DIR *d = fdopendir(dup(fd));
    struct dirent *e;
    bool found = false;

    while (d && !found && (e = readdir(d)))
        if (e->d_type == DT_DIR && e->d_name[0] != '.' && strlen(e->d_name) < cap) {
            memcpy(name, e->d_name, strlen(e->d_name) + 1);
            found = true;
        }
    if (d)
        closedir(d);
    return found;
}

/* <child>/<file> as the spec reader takes it: a u64, "-1" (no quota) as 0, an absent file as 0. */
static uint64_t child_u64(int fd, const char *child, const char *file)
{
    char path[300], buf[64];
    uint64_t v = 0;
    size_t len;

    (void)snprintf(path, sizeof(path), "%.200s/%s", child, file);
    if (cadv_read_at(fd, path, buf, sizeof(buf), &len) < 0 || (len > 0 && buf[0] == '-'))
        return 0;
    return cadv_keyed_parse_value(buf, len, &v) < 0 ? 0 : v;
}

/* The limits of the first pass checked against a child cgroup's files (the memory child's memsw and
 * soft limits; the cpu child's shares, quota and period): each kind that differs is read from files
 * by spec refreshes, with one log line. Lock held; s is the first pass's snapshot. */
static void check_limits(const struct snap *s, int mem_fd, int cpu_fd)
{
    const struct cgstat_rec *rec;
    char child[256];

    st.memlim_ok = mem_fd >= 0;
    if (mem_fd >= 0 && first_child(mem_fd, child, sizeof(child))) {
        rec = find(s, CADV_BPF_MEM, dir_ino(mem_fd, child));
        if (rec && (rec->flags & CGSTAT_HAS_MEM) &&
            (rec->mem_soft_limit != child_u64(mem_fd, child, "memory.soft_limit_in_bytes") ||
             (st.memsw && rec->mem_memsw_limit != child_u64(mem_fd, child, "memory.memsw.limit_in_bytes")))) {
            st.memlim_ok = false;
            cadv_log(CADV_LOG_WARNING,
                     "BPF collector: memory limits of %s differ from its files: "
                     "reading them from files",
                     child);
        }
    }
    st.cpulim_ok = st.cpulim_h >= 0 && cpu_fd >= 0;
    if (st.cpulim_ok && first_child(cpu_fd, child, sizeof(child))) {
        rec = find(s, (uint32_t)st.cpulim_h, dir_ino(cpu_fd, child));
        if (!rec || !(rec->flags & CGSTAT_HAS_CPULIM) ||
            rec->cpu_shares != child_u64(cpu_fd, child, "cpu.shares") ||
            rec->cpu_quota_us != child_u64(cpu_fd, child, "cpu.cfs_quota_us") ||
            rec->cpu_period_us != child_u64(cpu_fd, child, "cpu.cfs_period_us")) {
            st.cpulim_ok = false;
            cadv_log(CADV_LOG_WARNING,
                     "BPF collector: cpu settings of %s differ from its files: "
                     "reading them from files",
                     child);
        }
    }
}

/* <dir>/<file> of the hierarchy at fd (dir NULL: its root): the values of keys, all found, or false. */
static bool keyed_at(int fd, const char *dir, const char *file, const char *const *keys, size_t n,
                     uint64_t *v)
{
    char path[300], buf[512];
    uint64_t found = 0;
    size_t len;

    (void)snprintf(path, sizeof(path), "%.200s/%s", dir ? dir : ".", file);
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
    if (cadv_read_at(fd, path, buf, sizeof(buf), &len) < 0)
        return false;
    if (n == 0) /* a single number */
        return cadv_keyed_parse_value(buf, len, v) == 0;
    (void)cadv_keyed_parse(buf, len, keys, n, v, &found);
    return found == (1ULL << n) - 1;
}

/* One detail kind of the start-up check: its file's values at a child before and after a pass
 * (child NULL: no child to check, only the file's presence at the root). */
struct detail_check {
    const char *file, *const *keys;
    size_t n;     /* keys (0: the file is one number) */
    bool counter; /* the values only grow: the pass's lie between the two reads; else (a gauge) the
                   * check holds only where the two reads agree, and is tried again otherwise */
    uint64_t before[3], after[3];
};

static bool detail_in(const struct detail_check *c, const uint64_t *got)
{
    for (size_t i = 0; i < (c->n ? c->n : 1); i++)
        if (got[i] < c->before[i] || got[i] > c->after[i])
            return false;
    return true;
}

/* The figures of detail kind k (0 cpu.stat, 1 kmem, 2 oom_kill) in rec, or false (not recorded). */
static bool detail_of(int k, const struct cgstat_rec *rec, uint64_t *got)
{
    switch (k) {
    case 0:
        got[0] = rec->cpu_nr_periods;
        got[1] = rec->cpu_nr_throttled;
        got[2] = rec->cpu_throttled_ns;
        return rec->flags & CGSTAT_HAS_CPULIM;
    case 1:
        got[0] = rec->mem_kmem;
        return rec->flags & CGSTAT_HAS_KMEM;
    default:
        got[0] = rec->mem_oom_kill;
        return rec->flags & CGSTAT_HAS_MEM;
    }
}

/* The detail values of the pass (cpu.stat's bandwidth statistics; memory.kmem.usage_in_bytes and
 * memory.oom_control's oom_kill) checked against a child cgroup's files around a pass: each kind that
 * differs, or cannot be checked, is read from files, with one log line; a kind whose file the
 * hierarchy lacks is read from files too (which find none), silently. Lock held. */
static void check_details(int mem_fd, int cpu_fd)
{
    static const char *const cfs_keys[] = {"nr_periods", "nr_throttled", "throttled_time"};
    static const char *const oom_keys[] = {"oom_kill"};
    struct detail_check c[3] = {{"cpu.stat", cfs_keys, 3, true, {0}, {0}},
                                {"memory.kmem.usage_in_bytes", NULL, 0, false, {0}, {0}},
                                {"memory.oom_control", oom_keys, 1, true, {0}, {0}}};
    int fd[3] = {st.cpulim_h >= 0 ? cpu_fd : -1, mem_fd, mem_fd};
    bool *ok[3] = {&st.cfs_ok, &st.kmem_ok, &st.oomkill_ok};
    char child[2][256];
    bool has_child[2];

    has_child[0] = fd[0] >= 0 && first_child(fd[0], child[0], sizeof(child[0]));
    has_child[1] = mem_fd >= 0 && first_child(mem_fd, child[1], sizeof(child[1]));
    for (int k = 0; k < 3; k++) {
        const char *ch = has_child[k == 0 ? 0 : 1] ? child[k == 0 ? 0 : 1] : NULL;
        struct detail_check *d = &c[k];
        int verdict = -1; /* 1 equal, 0 differs, -1 not checked */

        *ok[k] = false;
        if (fd[k] < 0 || !keyed_at(fd[k], ch, d->file, d->keys, d->n, d->before))
            continue;
        if (!ch) {
            *ok[k] = true; /* no child cgroup yet: nothing to compare */
            continue;
        }
        for (int attempt = 0; attempt < 3 && verdict < 0; attempt++) {
            const struct cgstat_rec *rec;
            uint64_t got[3] = {0, 0, 0};
            struct snap *s;

            if (attempt > 0 && !keyed_at(fd[k], ch, d->file, d->keys, d->n, d->before))
                break;
            if (run_pass() < 0 || !keyed_at(fd[k], ch, d->file, d->keys, d->n, d->after))
                break;
            if (!d->counter && memcmp(d->before, d->after, sizeof(d->before)) != 0)
                continue;   /* a gauge that moved meanwhile: no verdict */
            s = snap_get(); /* the lock is held: no other pass replaces it */
            rec = find(s, k == 0 ? (uint32_t)st.cpulim_h : CADV_BPF_MEM, dir_ino(fd[k], ch));
            verdict = rec && detail_of(k, rec, got) && detail_in(d, got);
            snap_put(s);
        }
        *ok[k] = verdict == 1;
        if (verdict != 1)
            cadv_log(CADV_LOG_WARNING, "BPF collector: %s of %s %s: reading it from files", d->file, ch,
                     verdict == 0 ? "differs from its file" : "could not be checked against its file");
    }
}

/* Whether <child>/blkio.throttle.io_serviced of the hierarchy at fd lists no device: 1, 0, or -1
 * (unreadable or malformed). */
static int blkio_listless(int fd, const char *child)
{
    char path[300], buf[4096];
    size_t len;
    int n;

    (void)snprintf(path, sizeof(path), "%.200s/blkio.throttle.io_serviced", child);
    if (cadv_read_at(fd, path, buf, sizeof(buf), &len) < 0 ||
        (n = cadv_blkio_parse(buf, len, NULL, NULL)) < 0)
        return -1;
    return n == 0;
}

/* The blkio state of the pass checked against the hierarchy's first children (up to 16): a cgroup the
 * pass finds without blkg must list no device in blkio.throttle.io_serviced (two equal reads around
 * the pass; a cgroup with blkgs may list none as well: then its files are read, nothing is lost).
 * Lock held. */
static void check_blkio(int blk_fd)
{
    enum {
        N = 16
    };
    char child[N][256];
    int before[N], n = 0, bad = -1;
    DIR *d;
    struct dirent *e;
    struct snap *s;

    st.blkio_ok = false;
    if (st.blkio_h < 0 || blk_fd < 0 || faccessat(blk_fd, "blkio.throttle.io_serviced", F_OK, 0) < 0)
        return;
    d = fdopendir(dup(blk_fd));
    while (d && n < N && (e = readdir(d)))
        if (e->d_type == DT_DIR && e->d_name[0] != '.' && strlen(e->d_name) < sizeof(child[0])) {
            memcpy(child[n], e->d_name, strlen(e->d_name) + 1);
            before[n] = blkio_listless(blk_fd, child[n]);
            n++;
        }
    if (d)
        closedir(d);
    if (n > 0 && run_pass() < 0) {
        cadv_log(CADV_LOG_WARNING,
                 "BPF collector: the blkio state could not be checked: reading blkio files");
        return;
    }
    s = snap_get(); /* the lock is held: no other pass replaces it */
    for (int i = 0; i < n && bad < 0; i++) {
        const struct cgstat_rec *rec = find(s, (uint32_t)st.blkio_h, dir_ino(blk_fd, child[i]));

        if (rec && (rec->flags & CGSTAT_HAS_BLKIO) && (rec->flags & CGSTAT_BLKIO_IDLE) && before[i] >= 0 &&
            before[i] == blkio_listless(blk_fd, child[i]) && before[i] == 0)
            bad = i;
    }
    snap_put(s);
    st.blkio_ok = bad < 0;
    if (bad >= 0)
        cadv_log(CADV_LOG_WARNING,
                 "BPF collector: %s lists block devices that the pass found no blkg for: reading blkio files",
                 child[bad]);
}

/* The per-CPU counters of the pass against the cpuacct root's cpuacct.usage_percpu read around a
 * pass: as many values, each between its two reads; else that file is read, with one log line. Lock
 * held. */
static void check_percpu(int cpu_fd)
{
    size_t cap = 32 * CGSTAT_MAX_CPUS, len = 0;
    char *buf = cadv_xmalloc(cap);
    uint64_t *before = cadv_xcalloc(2 * CGSTAT_MAX_CPUS, sizeof(uint64_t)), *after = before + CGSTAT_MAX_CPUS;
    int nb = -1, na = -1;
    const char *bad = "could not be checked against its file";

    st.percpu_ok = false;
    if (cadv_read_at(cpu_fd, "cpuacct.usage_percpu", buf, cap, &len) == 0)
        nb = cadv_keyed_parse_list(buf, len, before, CGSTAT_MAX_CPUS);
    if (nb > 0 && run_pass() == 0 && cadv_read_at(cpu_fd, "cpuacct.usage_percpu", buf, cap, &len) == 0)
        na = cadv_keyed_parse_list(buf, len, after, CGSTAT_MAX_CPUS);
    if (na > 0) {
        struct snap *s = snap_get(); /* the lock is held: no other pass replaces it */
        const struct cgstat_rec *rec = find(s, CADV_BPF_CPU, dir_ino(cpu_fd, "."));

        bad = "differs from its file";
        if (rec && (rec->flags & CGSTAT_HAS_PCPU) && na == nb && (uint32_t)na == st.ncpu &&
            rec->pcpu_at <= s->n_pcpu && st.ncpu <= s->n_pcpu - rec->pcpu_at) {
            const uint64_t *got = &s->pcpu[rec->pcpu_at];

            st.percpu_ok = true;
            for (int i = 0; i < na; i++)
                if (got[i] < before[i] || got[i] > after[i])
                    st.percpu_ok = false;
        }
        snap_put(s);
    }
    if (!st.percpu_ok && nb >= 0)
        cadv_log(CADV_LOG_WARNING, "BPF collector: cpuacct.usage_percpu %s: reading it from files", bad);
    free(before);
    free(buf);
}

/* The totals (some and full) of <child>/{cpu,memory,io}.pressure of the cgroup2 mount at fd, or false. */
static bool psi_totals_at(int fd, const char *child, uint64_t out[6])
{
    static const char *const file[3] = {"cpu.pressure", "memory.pressure", "io.pressure"};

    for (int k = 0; k < 3; k++) {
        char path[300], buf[512];
        struct cadv_psi p;
        size_t len = 0;

        (void)snprintf(path, sizeof(path), "%.200s/%s", child, file[k]);
        if (cadv_read_at(fd, path, buf, sizeof(buf), &len) < 0 || cadv_psi_parse(buf, len, &p) < 0)
            return false;
        out[2 * k] = p.some.total_us;
        out[2 * k + 1] = p.full.total_us;
    }
    return true;
}

/* This process's cgroup2 path ("0::/a/b" in /proc/self/cgroup) relative to the mount, or false (none,
 * or the root). */
static bool own_v2_cgroup(char *rel, size_t cap)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[512];
    bool found = false;

    while (f && !found && fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\n");

        line[n] = '\0';
        if (strncmp(line, "0::/", 4) == 0 && line[4] && n - 4 < cap) {
            memcpy(rel, line + 4, n - 3);
            found = true;
        }
    }
    if (f)
        (void)fclose(f);
    return found;
}

/* The PSI state of the pass (css walk path), against the pressure files of the cgroup2 mount's first
 * children (up to 16), read twice 20 ms apart between two passes: where both passes show the same
 * stall time and the second no stall running, the totals must not have moved; at least one child must
 * have its state in the pass. Its per-CPU pointers are found as the per-CPU counters', so those must
 * have passed their check; and where this process is in a cgroup of its own, that cgroup is running
 * (non-idle) at a pass it runs. Else PSI files are read at every detail read, with one log line. Lock
 * held. */
static void check_psi(int ufd)
{
    enum {
        N = 16
    };
    const struct timespec gap = {0, 20 * 1000 * 1000};
    char child[N][256], own[256];
    uint64_t before[N][6], after[N][6], stall[N];
    bool has[N], read_ok[N];
    uint64_t id = st.walk_id[CADV_BPF_PSI];
    const char *bad = NULL;
    int n = 0, with_state = 0;
    struct snap *s;
    DIR *d;
    struct dirent *e;

    st.psi_ok = false;
    if (!id)
        return;
    if (!st.percpu_ok)
        bad = "needs the per-CPU counters";
    d = bad ? NULL : fdopendir(dup(ufd));
    while (d && n < N && (e = readdir(d)))
        if (e->d_type == DT_DIR && e->d_name[0] != '.' && strlen(e->d_name) < sizeof(child[0]))
            memcpy(child[n++], e->d_name, strlen(e->d_name) + 1);
    if (d)
        closedir(d);
    if (!bad && run_pass() < 0)
        bad = "could not be checked";
    if (!bad) {
        s = snap_get(); /* the lock is held: no other pass replaces it */
        for (int i = 0; i < n; i++) {
            const struct cgstat_rec *rec = find(s, CADV_BPF_PSI, dir_ino(ufd, child[i]));

            has[i] = rec && (rec->flags & CGSTAT_HAS_PSI);
            stall[i] = has[i] ? rec->psi_times : 0;
            read_ok[i] = psi_totals_at(ufd, child[i], before[i]);
        }
        /* (where that cgroup is under this mount: not so in another cgroup namespace's view) */
        if (own_v2_cgroup(own, sizeof(own)) && dir_ino(ufd, own)) {
            const struct cgstat_rec *rec = find(s, CADV_BPF_PSI, dir_ino(ufd, own));

            if (!rec || !(rec->flags & CGSTAT_PSI_NONIDLE))
                bad = "does not show this process running";
        }
        snap_put(s);
    }
    (void)nanosleep(&gap, NULL);
    for (int i = 0; i < n && !bad; i++)
        read_ok[i] = read_ok[i] && psi_totals_at(ufd, child[i], after[i]);
    if (!bad && run_pass() < 0)
        bad = "could not be checked";
    if (!bad) {
        s = snap_get();
        for (int i = 0; i < n && !bad; i++) {
            const struct cgstat_rec *rec = find(s, CADV_BPF_PSI, dir_ino(ufd, child[i]));

            if (!has[i] || !rec || !(rec->flags & CGSTAT_HAS_PSI))
                continue;
            with_state++;
            if (read_ok[i] && rec->psi_times == stall[i] && !(rec->flags & CGSTAT_PSI_STALL) &&
                memcmp(before[i], after[i], sizeof(before[i])) != 0)
                bad = "differs from the files";
        }
        snap_put(s);
        if (!bad && with_state == 0)
            bad = "is missing";
    }
    st.psi_ok = !bad;
    if (bad) {
        st.walk_id[CADV_BPF_PSI] = 0; /* no walk whose records nobody reads */
        cadv_log(CADV_LOG_WARNING,
                 "BPF collector: the PSI state of the pass %s: reading PSI files at every "
                 "detail read",
                 bad);
    }
}

/* The first pass checked against the files: the cpuacct root's usage lies between two reads of
 * cpuacct.usage around the pass, and a memory child's limit and failcnt equal its files. */
static int self_check(int cpu_fd, int mem_fd, int lim_fd, int blk_fd, char *why, size_t cap)
{
    const struct cgstat_rec *rec;
    uint64_t before = 0, after = 0;
    struct snap *s = NULL;
    int r;

    if ((r = read_u64_at(cpu_fd, "cpuacct.usage", &before)) < 0 || (r = run_pass()) < 0 ||
        (r = read_u64_at(cpu_fd, "cpuacct.usage", &after)) < 0) {
        (void)snprintf(why, cap, "first pass: %s", strerror(-r));
        return r;
    }
    s = snap_get(); /* the lock is held: no other pass replaces it */
    if (!st.skel->bss->pcpu_ok) {
        (void)snprintf(why, cap, "per-CPU offsets not derivable from the run queues (step %u)",
                       st.skel->bss->pcpu_err);
        r = -ENOTSUP;
        goto out;
    }
    rec = find(s, CADV_BPF_CPU, dir_ino(cpu_fd, "."));
    if (!rec || !(rec->flags & CGSTAT_HAS_CPU) || rec->cpu_ns < before || rec->cpu_ns > after) {
        (void)snprintf(why, cap, "cpuacct.usage check failed (%llu not in [%llu, %llu])",
                       rec ? (unsigned long long)rec->cpu_ns : 0ULL, (unsigned long long)before,
                       (unsigned long long)after);
        r = -EPROTO;
        goto out;
    }
    if (mem_fd >= 0) {
        DIR *d = fdopendir(dup(mem_fd));
        struct dirent *e;

        while (d && (e = readdir(d)))
            if (e->d_type == DT_DIR && e->d_name[0] != '.')
                break;
        if (d && e) {
            char path[300];
            uint64_t limit = 0;

            (void)snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", e->d_name);
            rec = find(s, CADV_BPF_MEM, dir_ino(mem_fd, e->d_name));
            if (read_u64_at(mem_fd, path, &limit) == 0 &&
                (!rec || !(rec->flags & CGSTAT_HAS_MEM) || rec->mem_limit != limit)) {
                (void)snprintf(why, cap, "memory.limit_in_bytes check failed for %.100s", e->d_name);
                closedir(d);
                r = -EPROTO;
                goto out;
            }
        }
        if (d)
            closedir(d);
    }
    check_limits(s, mem_fd, lim_fd);
    snap_put(s); /* the detail check runs passes of its own */
    s = NULL;
    check_details(mem_fd, lim_fd);
    check_blkio(blk_fd);
    check_percpu(cpu_fd);
    check_psi(st.walk_id[CADV_BPF_PSI] ? st.owner->unified_fd : -1);
    r = 0;
out:
    snap_put(s);
    return r;
}

static bool is_cgroupfs(int fd)
{
    struct statfs sf;

    return fstatfs(fd, &sf) == 0 && (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC);
}

static int hier_fd(const struct cadv_cgroup_root *root, enum cadv_cg_ctl c)
{
    int h = root->ctl_hier[c];

    return h >= 0 && !root->hier[h].is_v2 ? root->hier[h].fd : -1;
}

static void unmap_records(void)
{
    if (st.recs)
        munmap(st.recs, st.map_len);
    if (st.pcpu)
        munmap(st.pcpu, st.pcpu_len);
    st.recs = NULL;
    st.pcpu = NULL;
}

static void teardown(void)
{
    for (int h = 0; h < CADV_BPF_N_H; h++) {
        bpf_link__destroy(st.link[h]);
        st.link[h] = NULL;
        atomic_store(&st.pass_ns[h], 0);
        st.walk_id[h] = 0;
    }
    bpf_link__destroy(st.flush);
    st.flush = NULL;
    atomic_store(&st.locked_ns, 0);
    st.walk = st.v2 = false;
    st.cpulim_h = -1;
    st.cpulim_ok = st.memlim_ok = st.memsw = false;
    st.cfs_ok = st.kmem_ok = st.oomkill_ok = st.blkio_ok = st.percpu_ok = st.psi_ok = st.overflow_logged =
            false;
    st.blkio_h = -1;
    unmap_records();
    cgstat__destroy(st.skel);
    st.skel = NULL;
    atomic_store(&st.served, NULL);
    snap_publish(NULL);
    free(atomic_exchange(&st.spare, NULL));
    st.owner = NULL;
}

/* The v1 hierarchy id of the hierarchy holding controller ctl, from /proc/self/cgroup ("4:memory:/x"). */
static int v1_hier_id(const char *ctl)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[512];
    int id = -1;

    while (f && id < 0 && fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *tok, *save = NULL;

        if (!c2)
            continue;
        *c2 = 0;
        for (tok = strtok_r(c1 + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if (strcmp(tok, ctl) == 0)
                id = (int)strtol(line, NULL, 10);
    }
    if (f)
        (void)fclose(f);
    return id;
}

/* Opens the BPF object with only the programs of one path autoloaded (walk: cgwalk, and cgflush on
 * cgroup2; else cgstat), its read-only data set, and loads it. */
static int open_load(bool walk, bool v2, uint32_t ncpu, uint64_t off_usage, uint64_t off_rq)
{
    int r;

    cgstat__destroy(st.skel);
    st.skel = cgstat__open();
    if (!st.skel)
        return -errno;
    (void)bpf_program__set_autoload(st.skel->progs.cgstat, !walk);
    (void)bpf_program__set_autoload(st.skel->progs.cgwalk, walk);
    (void)bpf_program__set_autoload(st.skel->progs.cgflush, walk && v2);
    st.skel->rodata->nr_cpus = ncpu;
    st.ncpu = ncpu;
    st.skel->rodata->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    st.skel->rodata->off_root_cpuusage = off_usage;
    st.skel->rodata->off_runqueues = off_rq;
    if ((r = bpf_map__set_max_entries(st.skel->maps.recs, MAX_RECS)) < 0 ||
        (r = bpf_map__set_max_entries(st.skel->maps.pcpu, MAX_PCPU)) < 0 || (r = cgstat__load(st.skel)) < 0) {
        cgstat__destroy(st.skel);
        st.skel = NULL;
    }
    return r;
}

/* The cgroup_iter links of the fallback path, one per v1 hierarchy fd (-1: none). */
/* Maps the loaded program's record and per-CPU arrays for reading. */
static int map_records(char *why, size_t cap)
{
    int r;

    st.map_len = (size_t)MAX_RECS * sizeof(struct cgstat_rec);
    st.pcpu_len = (size_t)MAX_PCPU * sizeof(uint64_t);
    st.recs = mmap(NULL, st.map_len, PROT_READ, MAP_SHARED, bpf_map__fd(st.skel->maps.recs), 0);
    st.pcpu = mmap(NULL, st.pcpu_len, PROT_READ, MAP_SHARED, bpf_map__fd(st.skel->maps.pcpu), 0);
    if (st.recs != MAP_FAILED && st.pcpu != MAP_FAILED)
        return 0;
    r = -errno;
    if (st.recs == MAP_FAILED)
        st.recs = NULL;
    if (st.pcpu == MAP_FAILED)
        st.pcpu = NULL;
    unmap_records();
    (void)snprintf(why, cap, "mmap of the record arrays: %s", strerror(-r));
    return r;
}

static int attach_iters(const int *fds, char *why, size_t cap)
{
    for (int h = 0; h < CADV_BPF_N_H; h++) {
        union bpf_iter_link_info li = {
                .cgroup = {.cgroup_fd = (uint32_t)fds[h],
                           .order = st.v2 ? BPF_CGROUP_ITER_SELF_ONLY : BPF_CGROUP_ITER_DESCENDANTS_PRE}};
        struct bpf_iter_attach_opts o;
        struct bpf_link *l;

        /* what LIBBPF_OPTS does, without its GNU statement expression (-Wpedantic) */
        memset(&o, 0, sizeof(o));
        o.sz = sizeof(o);
        o.link_info = &li;
        o.link_info_len = sizeof(li);
        if (fds[h] < 0)
            continue;
        l = bpf_program__attach_iter(st.v2 ? st.skel->progs.cgflush : st.skel->progs.cgstat, &o);
        if (!l) {
            int r = -errno;

            (void)snprintf(why, cap, "attaching cgroup_iter: %s", strerror(-r));
            return r;
        }
        if (st.v2)
            st.flush = l;
        else
            st.link[h] = l;
    }
    return 0;
}

/* The css walk path: hierarchy ids and start ids, then the first pass checked. */
static int setup_walk(const int *fds, int cpu_fd, int mem_fd, int lim_fd, int blk_fd, char *why, size_t cap)
{
    static const char *const ctl[CADV_BPF_N_H] = {"cpuacct", "memory", "cpu", "blkio", ""};

    for (int h = 0; h < CADV_BPF_N_H; h++) {
        if (fds[h] < 0)
            continue;
        st.walk_id[h] = dir_ino(fds[h], ".");
        st.walk_hid[h] = st.v2 || h == CADV_BPF_PSI ? 0 : v1_hier_id(ctl[h]);
        if (!st.walk_id[h] || (!st.v2 && h != CADV_BPF_PSI && st.walk_hid[h] <= 0)) {
            (void)snprintf(why, cap, "no %s hierarchy id in /proc/self/cgroup", ctl[h]);
            return -ENOENT;
        }
    }
    return st.v2 ? self_check_v2(cpu_fd, why, cap) : self_check(cpu_fd, mem_fd, lim_fd, blk_fd, why, cap);
}

/* The hierarchy (CADV_BPF_*) whose records hold v1 controller c: cpuacct's or memory's where c is
 * mounted with one of them, the cpu controller's own walk where that runs and holds c, else `own`, a
 * walk of c's hierarchy (its fd put in fds[own]); -1 where c has no cgroupfs hierarchy. *fd: c's
 * hierarchy fd, or -1. */
static int holder_of(const struct cadv_cgroup_root *root, enum cadv_cg_ctl c, int own, int mem_fd, int *fds,
                     int *fd)
{
    int hc = root->ctl_hier[c];

    *fd = -1;
    if (st.v2 || hc < 0)
        return -1;
    *fd = hier_fd(root, c);
    if (hc == root->ctl_hier[CADV_CG_CPUACCT])
        return CADV_BPF_CPU;
    if (mem_fd >= 0 && hc == root->ctl_hier[CADV_CG_MEMORY])
        return CADV_BPF_MEM;
    if (fds[CADV_BPF_CPUCTL] >= 0 && hc == root->ctl_hier[CADV_CG_CPU])
        return CADV_BPF_CPUCTL;
    if (*fd < 0 || !is_cgroupfs(*fd))
        return -1;
    fds[own] = *fd;
    return own;
}

static int load(struct cadv_cgroup_root *root, bool try_walk, char *why, size_t cap, char *walk_why,
                size_t walk_cap)
{
    int cpu_fd, mem_fd, lim_fd = -1, blk_fd = -1, fds[CADV_BPF_N_H] = {-1, -1, -1, -1, -1};
    struct btf *btf;
    uint64_t off_usage = 0, off_rq = 0;
    long ncpu = libbpf_num_possible_cpus();
    int r;

#    ifndef __x86_64__
    (void)snprintf(why, cap, "only x86-64 is supported");
    return -ENOTSUP;
#    endif
    st.v2 = root->mode == CADV_CGROUP_V2;
    cpu_fd = st.v2 ? root->hier[0].fd : hier_fd(root, CADV_CG_CPUACCT);
    mem_fd = st.v2 ? -1 : hier_fd(root, CADV_CG_MEMORY); /* cgroup2 memory: files (not yet here) */
    if (cpu_fd < 0) {
        (void)snprintf(why, cap, "needs the v1 cpuacct hierarchy or a cgroup2 root");
        return -ENOTSUP;
    }
    if (!is_cgroupfs(cpu_fd) || (mem_fd >= 0 && !is_cgroupfs(mem_fd))) {
        (void)snprintf(why, cap, "the cpuacct or memory directory is not a cgroup mount");
        return -ENOTSUP;
    }
    if (ncpu <= 0 || ncpu > CGSTAT_MAX_CPUS) {
        (void)snprintf(why, cap, "%ld possible CPUs", ncpu);
        return -ENOTSUP;
    }
    if (!st.v2) {
        btf = btf__load_vmlinux_btf();
        if (!btf) {
            (void)snprintf(why, cap, "no kernel BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno));
            return -ENOTSUP;
        }
        r = percpu_offset(btf, "root_cpuacct_cpuusage", &off_usage);
        if (r == 0)
            r = percpu_offset(btf, "runqueues", &off_rq);
        btf__free(btf);
        if (r < 0) {
            (void)snprintf(why, cap,
                           "per-CPU variables runqueues/root_cpuacct_cpuusage not in the kernel's BTF");
            return r;
        }
    }
    fds[CADV_BPF_CPU] = cpu_fd;
    fds[CADV_BPF_MEM] = mem_fd;
    /* The cpu controller's settings and statistics, and the blkio state, come from the records of
     * whichever walked hierarchy holds the controller, or from a walk of its own hierarchy. */
    st.cpulim_h = holder_of(root, CADV_CG_CPU, CADV_BPF_CPUCTL, mem_fd, fds, &lim_fd);
    st.blkio_h = holder_of(root, CADV_CG_BLKIO, CADV_BPF_BLKIO, mem_fd, fds, &blk_fd);
    st.memsw = mem_fd >= 0 && faccessat(mem_fd, "memory.memsw.limit_in_bytes", F_OK, 0) == 0;
    /* The hybrid's cgroup2 mount: its PSI state, on the css walk path (checked by check_psi). */
    fds[CADV_BPF_PSI] =
            !st.v2 && root->unified_fd >= 0 && is_cgroupfs(root->unified_fd) ? root->unified_fd : -1;
    /* The css walk (no cgroup_mutex) first; on v1 the cgroup_iter pass is the fallback. */
    r = try_walk ? open_load(true, st.v2, (uint32_t)ncpu, off_usage, off_rq) : -ECANCELED;
    if (r < 0)
        (void)snprintf(walk_why, walk_cap, "the css walk %s",
                       try_walk ? "does not load (verifier, kfuncs)" : "not asked for");
    if (r == 0) {
        st.walk = true;
        if ((r = map_records(why, cap)) < 0)
            return r;
        if (st.v2) {
            int one[CADV_BPF_N_H] = {cpu_fd, -1, -1, -1, -1};

            r = attach_iters(one, why, cap);
        }
        if (r == 0)
            r = setup_walk(fds, cpu_fd, mem_fd, lim_fd, blk_fd, walk_why, walk_cap);
        if (r == 0)
            return 0;
        if (st.v2) {
            if (walk_why[0])
                (void)snprintf(why, cap, "%s", walk_why);
            return r;
        }
        unmap_records();
        st.walk = false;
        for (int h = 0; h < CADV_BPF_N_H; h++)
            st.walk_id[h] = 0;
    }
    if (st.v2) {
        (void)snprintf(why, cap, "%s", walk_why);
        return r;
    }
    fds[CADV_BPF_PSI] = -1; /* the cgroup_iter path does not read it */
    if ((r = open_load(false, false, (uint32_t)ncpu, off_usage, off_rq)) < 0) {
        (void)snprintf(why, cap, "loading the BPF program (verifier, capability CAP_BPF+CAP_PERFMON): %s",
                       strerror(-r));
        return r;
    }
    if ((r = map_records(why, cap)) < 0)
        return r;
    if ((r = attach_iters(fds, why, cap)) < 0)
        return r;
    return self_check(cpu_fd, mem_fd, lim_fd, blk_fd, why, cap);
}

bool cadv_cgroup_bpf_built(void)
{
    return true;
}

void cadv_cgroup_bpf_pass_ns(uint64_t ns[CADV_BPF_N_H], uint64_t *locked_ns)
{
    for (int h = 0; h < CADV_BPF_N_H; h++)
        ns[h] = atomic_load_explicit(&st.pass_ns[h], memory_order_relaxed);
    *locked_ns = atomic_load_explicit(&st.locked_ns, memory_order_relaxed);
}

/* Which limits spec refreshes and which detail values detail reads take from the pass, for the start
 * line ("" or "; ..."). */
static const char *limits_note(char *buf, size_t cap)
{
    const char *what[] = {st.cpulim_ok ? "cpu limits" : NULL,    st.memlim_ok ? "memory limits" : NULL,
                          st.cfs_ok ? "cpu.stat" : NULL,         st.kmem_ok ? "kmem usage" : NULL,
                          st.oomkill_ok ? "oom_kill" : NULL,     st.blkio_ok ? "blkio state" : NULL,
                          st.percpu_ok ? "per-CPU usage" : NULL, st.psi_ok ? "PSI state" : NULL};
    size_t n = 0, len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
        if (what[i] && len < cap)
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", n++ ? ", " : "; ", what[i]);
    if (n && len < cap)
        (void)snprintf(buf + len, cap - len, " from the pass");
    return buf;
}

bool cadv_cgroup_bpf_start(struct cadv_cgroup_root *root, const char *mode, uint64_t max_age_ns)
{
    char why[256] = "", walk_why[256] = "", how[500], note[120];
    int r;

    if (!mode || strcmp(mode, "files") == 0)
        return false;
    pthread_mutex_lock(&st.lock);
    teardown();
    libbpf_set_print(silent_print);
    st.owner = root;
    st.max_age_ns = max_age_ns;
    r = load(root, strcmp(mode, "bpf-iter") != 0, why, sizeof(why), walk_why, sizeof(walk_why));
    if (r == 0)
        atomic_store(&st.served, root);
    if (r < 0) {
        teardown();
        pthread_mutex_unlock(&st.lock);
        cadv_log(CADV_LOG_WARNING, "BPF collector unavailable (%s%s%s): reading cgroup files", why,
                 walk_why[0] && strcmp(walk_why, why) != 0 ? "; " : "",
                 walk_why[0] && strcmp(walk_why, why) != 0 ? walk_why : "");
        return false;
    }
    if (st.v2)
        (void)snprintf(how, sizeof(how),
                       "css walks under RCU over the cgroup2 hierarchy (cpu.stat usage_usec; the rstat flush "
                       "before each holds cgroup_mutex)");
    else if (st.walk)
        (void)snprintf(how, sizeof(how),
                       "css walks under RCU (no cgroup_mutex) over the v1 cpuacct%s%s%s hierarchies%s%s",
                       st.walk_id[CADV_BPF_MEM] ? ", memory" : "", st.walk_id[CADV_BPF_CPUCTL] ? ", cpu" : "",
                       st.walk_id[CADV_BPF_BLKIO] ? ", blkio" : "",
                       st.walk_id[CADV_BPF_PSI] ? " and the cgroup2 mount" : "",
                       limits_note(note, sizeof(note)));
    else
        (void)snprintf(how, sizeof(how),
                       "cgroup_iter passes under cgroup_mutex over the v1 cpuacct%s%s%s hierarchies%s (%s)",
                       st.link[CADV_BPF_MEM] ? ", memory" : "", st.link[CADV_BPF_CPUCTL] ? ", cpu" : "",
                       st.link[CADV_BPF_BLKIO] ? ", blkio" : "", limits_note(note, sizeof(note)), walk_why);
    pthread_mutex_unlock(&st.lock);
    cadv_log(CADV_LOG_INFO, "BPF collector: %s, one pass per %llu ms at most", how,
             (unsigned long long)(max_age_ns / 1000000));
    return true;
}

void cadv_cgroup_bpf_stop(const struct cadv_cgroup_root *root)
{
    pthread_mutex_lock(&st.lock);
    if (st.owner == root)
        teardown();
    pthread_mutex_unlock(&st.lock);
}

bool cadv_cgroup_bpf_active(const struct cadv_cgroup_root *root)
{
    return root && atomic_load(&st.served) == root;
}

const char *cadv_cgroup_bpf_path(const struct cadv_cgroup_root *root)
{
    if (!cadv_cgroup_bpf_active(root))
        return NULL;
    return st.walk ? "walk" : "iter";
}

void cadv_cgroup_bpf_setup(struct cadv_cgroup *cg)
{
    static const enum cadv_cg_ctl ctl[CADV_BPF_N_H - 1] = {CADV_CG_CPUACCT, CADV_CG_MEMORY, CADV_CG_CPU,
                                                           CADV_CG_BLKIO};
    bool on = cadv_cgroup_bpf_active(cg->root);

    for (int h = 0; h < CADV_BPF_N_H; h++) {
        bool walked = on && (st.walk ? st.walk_id[h] != 0 : st.link[h] != NULL);
        int d = !walked ? -1 : h == CADV_BPF_PSI ? cadv_cgroup__udir(cg) : cadv_cgroup__ctl_dir(cg, ctl[h]);
        int fd = d < 0 ? -1 : h == CADV_BPF_PSI ? cg->root->unified_fd : cg->root->hier[d].fd;

        /* A root's memory usage is global state, not its page counter: left to the file. cgroup2
         * memory is not served (no host here to check it against its files). */
        cg->bpf_id[h] = fd >= 0 && !(h == CADV_BPF_MEM &&
                                     (cadv_cgroup__is_root(cg) || cg->root->mode == CADV_CGROUP_V2))
                                ? dir_ino(fd, cg->rel)
                                : 0;
    }
}

void cadv_cgroup_bpf_file_add(struct cadv_cgroup *cg, unsigned slot, int dir, const char *name, int h)
{
    if (!cg->bpf_id[h] || dir < 0) {
        cadv_cgroup__file_add(cg, slot, dir, name, true);
        return;
    }
    cadv_cgroup__file_add(cg, slot, -1, name, false); /* closes a kept fd; no probe */
    cg->files[slot].fd = CADV_CG_FILE_REOPEN;
    cg->files[slot].dir = dir;
}

/* A fresh snapshot, referenced (released by snap_put), and in *ret the record of cg in hierarchy h,
 * or NULL; NULL where no snapshot serves cg. */
static struct snap *lookup(struct cadv_cgroup *cg, uint32_t h, const struct cgstat_rec **ret)
{
    const struct cgstat_rec *rec;
    struct snap *s;
    uint32_t i;

    if (!cg->bpf_id[h] || !(s = fresh(cg->root)))
        return NULL;
    i = atomic_load_explicit(&cg->bpf_hint[h], memory_order_relaxed);
    if (i < s->n && s->recs[i].id == cg->bpf_id[h] && s->recs[i].hier == h)
        rec = &s->recs[i];
    else if ((rec = find(s, h, cg->bpf_id[h])))
        atomic_store_explicit(&cg->bpf_hint[h], (uint32_t)(rec - s->recs), memory_order_relaxed);
    *ret = rec;
    return s;
}

/* The record of cg in hierarchy h with flag, copied into *out. */
static bool get(struct cadv_cgroup *cg, uint32_t h, uint32_t flag, struct cgstat_rec *out)
{
    const struct cgstat_rec *rec = NULL;
    struct snap *s = lookup(cg, h, &rec);
    bool ok = false;

    if (!s)
        return false;
    if (rec && (rec->flags & flag)) {
        *out = *rec;
        ok = true;
    }
    snap_put(s);
    return ok;
}

bool cadv_cgroup_bpf_cpu(struct cadv_cgroup *cg, uint64_t *ns)
{
    struct cgstat_rec rec;

    if (!get(cg, CADV_BPF_CPU, CGSTAT_HAS_CPU, &rec))
        return false;
    *ns = rec.cpu_ns;
    return true;
}

bool cadv_cgroup_bpf_mem(struct cadv_cgroup *cg, uint64_t *usage, uint64_t *max_usage, uint64_t *failcnt)
{
    struct cgstat_rec rec;

    if (!get(cg, CADV_BPF_MEM, CGSTAT_HAS_MEM, &rec))
        return false;
    *usage = rec.mem_usage;
    *max_usage = rec.mem_max_usage;
    *failcnt = rec.mem_failcnt;
    return true;
}

/* The record of cg in the hierarchy that holds the cpu controller, where `checked` (a verdict of the
 * start-up check) allows it. cpulim_h and the verdicts are set before the path is served and kept
 * until it stops. */
static bool cpuctl_get(struct cadv_cgroup *cg, bool checked, struct cgstat_rec *rec)
{
    return checked && st.cpulim_h >= 0 && get(cg, (uint32_t)st.cpulim_h, CGSTAT_HAS_CPULIM, rec);
}

bool cadv_cgroup_bpf_cpu_limits(struct cadv_cgroup *cg, uint64_t *shares, uint64_t *quota_us,
                                uint64_t *period_us)
{
    struct cgstat_rec rec;

    if (!cpuctl_get(cg, st.cpulim_ok, &rec))
        return false;
    *shares = rec.cpu_shares;
    *quota_us = rec.cpu_quota_us;
    *period_us = rec.cpu_period_us;
    return true;
}

bool cadv_cgroup_bpf_mem_limits(struct cadv_cgroup *cg, uint64_t *limit, uint64_t *memsw, uint64_t *soft)
{
    struct cgstat_rec rec;

    if (!st.memlim_ok || !get(cg, CADV_BPF_MEM, CGSTAT_HAS_MEM, &rec))
        return false;
    *limit = rec.mem_limit;
    *memsw = st.memsw ? rec.mem_memsw_limit : 0;
    *soft = rec.mem_soft_limit;
    return true;
}

void cadv_cgroup_bpf_detail_file_add(struct cadv_cgroup *cg, unsigned slot, int dir, const char *name,
                                     enum cadv_bpf_detail what)
{
    /* The check's verdicts and cpulim_h are set before the path is served and kept until it stops. */
    int h = what == CADV_BPF_D_CFS      ? (st.cfs_ok ? st.cpulim_h : -1)
            : what == CADV_BPF_D_KMEM   ? (st.kmem_ok ? CADV_BPF_MEM : -1)
            : what == CADV_BPF_D_PERCPU ? (st.percpu_ok ? CADV_BPF_CPU : -1)
                                        : (st.oomkill_ok ? CADV_BPF_MEM : -1);

    /* A root's records carry none of them (its files differ: no quota, global state). */
    if (h < 0 || !cadv_cgroup_bpf_active(cg->root) || cadv_cgroup__is_root(cg))
        cadv_cgroup__file_add(cg, slot, dir, name, true);
    else
        cadv_cgroup_bpf_file_add(cg, slot, dir, name, h);
}

bool cadv_cgroup_bpf_cfs(struct cadv_cgroup *cg, uint64_t *periods, uint64_t *throttled,
                         uint64_t *throttled_ns)
{
    struct cgstat_rec rec;

    if (!cpuctl_get(cg, st.cfs_ok, &rec))
        return false;
    *periods = rec.cpu_nr_periods;
    *throttled = rec.cpu_nr_throttled;
    *throttled_ns = rec.cpu_throttled_ns;
    return true;
}

bool cadv_cgroup_bpf_kmem(struct cadv_cgroup *cg, uint64_t *bytes)
{
    struct cgstat_rec rec;

    if (!st.kmem_ok || !get(cg, CADV_BPF_MEM, CGSTAT_HAS_KMEM, &rec))
        return false;
    *bytes = rec.mem_kmem;
    return true;
}

bool cadv_cgroup_bpf_oom_kill(struct cadv_cgroup *cg, uint64_t *kills)
{
    struct cgstat_rec rec;

    if (!st.oomkill_ok || !get(cg, CADV_BPF_MEM, CGSTAT_HAS_MEM, &rec))
        return false;
    *kills = rec.mem_oom_kill;
    return true;
}

bool cadv_cgroup_bpf_blkio_idle(struct cadv_cgroup *cg)
{
    struct cgstat_rec rec;

    /* blkio_h and blkio_ok are set before the path is served and kept until it stops. */
    if (!st.blkio_ok || st.blkio_h < 0 || !get(cg, (uint32_t)st.blkio_h, CGSTAT_HAS_BLKIO, &rec))
        return false;
    return rec.flags & CGSTAT_BLKIO_IDLE;
}

bool cadv_cgroup_bpf_psi(struct cadv_cgroup *cg, uint64_t *stall_ns, bool *stalling)
{
    const struct cgstat_rec *rec = NULL;
    struct snap *s;
    bool ok = false;

    /* psi_ok is set before the path is served and kept until it stops. */
    if (!st.psi_ok || !(s = lookup(cg, CADV_BPF_PSI, &rec)))
        return false;
    if (rec && (rec->flags & CGSTAT_HAS_PSI)) {
        *stall_ns = rec->psi_times;
        *stalling = rec->flags & CGSTAT_PSI_STALL;
        ok = true;
    }
    snap_put(s);
    return ok;
}

bool cadv_cgroup_bpf_percpu(struct cadv_cgroup *cg, uint64_t *out, uint32_t cap, uint32_t *n)
{
    const struct cgstat_rec *rec = NULL;
    struct snap *s;
    bool ok = false;

    /* percpu_ok and ncpu are set before the path is served and kept until it stops; a root keeps
     * its file, as for the other detail values (cadv_cgroup_bpf_detail_file_add). */
    if (!st.percpu_ok || cadv_cgroup__is_root(cg) || !(s = lookup(cg, CADV_BPF_CPU, &rec)))
        return false;
    if (rec && (rec->flags & CGSTAT_HAS_PCPU) && rec->pcpu_at <= s->n_pcpu &&
        st.ncpu <= s->n_pcpu - rec->pcpu_at) {
        *n = st.ncpu < cap ? st.ncpu : cap;
        memcpy(out, &s->pcpu[rec->pcpu_at], *n * sizeof(uint64_t));
        ok = true;
    }
    snap_put(s);
    return ok;
}

bool cadv_cgroup_bpf_psi_served(const struct cadv_cgroup *cg)
{
    return st.psi_ok && cg->bpf_id[CADV_BPF_PSI] != 0 && cadv_cgroup_bpf_active(cg->root);
}

bool cadv_cgroup_bpf_blkio_served(const struct cadv_cgroup *cg)
{
    return st.blkio_ok && st.blkio_h >= 0 && cg->bpf_id[st.blkio_h] != 0 && cadv_cgroup_bpf_active(cg->root);
}

#else /* !CADV_HAVE_BPF */

bool cadv_cgroup_bpf_built(void)
{
    return false;
}

void cadv_cgroup_bpf_pass_ns(uint64_t ns[CADV_BPF_N_H], uint64_t *locked_ns)
{
    for (int h = 0; h < CADV_BPF_N_H; h++)
        ns[h] = 0;
    *locked_ns = 0;
}

bool cadv_cgroup_bpf_start(struct cadv_cgroup_root *root, const char *mode, uint64_t max_age_ns)
{
    (void)root;
    (void)max_age_ns;
    if (mode && strcmp(mode, "bpf") == 0)
        cadv_log(CADV_LOG_WARNING,
                 "BPF collector unavailable (not built with BPF support): reading cgroup files");
    return false;
}

void cadv_cgroup_bpf_stop(const struct cadv_cgroup_root *root)
{
    (void)root;
}

bool cadv_cgroup_bpf_active(const struct cadv_cgroup_root *root)
{
    (void)root;
    return false;
}

const char *cadv_cgroup_bpf_path(const struct cadv_cgroup_root *root)
{
    (void)root;
    return NULL;
}

void cadv_cgroup_bpf_setup(struct cadv_cgroup *cg)
{
    for (int h = 0; h < CADV_BPF_N_H; h++)
        cg->bpf_id[h] = 0;
}

void cadv_cgroup_bpf_file_add(struct cadv_cgroup *cg, unsigned slot, int dir, const char *name, int h)
{
    (void)h;
    cadv_cgroup__file_add(cg, slot, dir, name, true);
}

bool cadv_cgroup_bpf_cpu(struct cadv_cgroup *cg, uint64_t *ns)
{
    (void)cg;
    (void)ns;
    return false;
}

bool cadv_cgroup_bpf_mem(struct cadv_cgroup *cg, uint64_t *usage, uint64_t *max_usage, uint64_t *failcnt)
{
    (void)cg;
    (void)usage;
    (void)max_usage;
    (void)failcnt;
    return false;
}

bool cadv_cgroup_bpf_cpu_limits(struct cadv_cgroup *cg, uint64_t *shares, uint64_t *quota_us,
                                uint64_t *period_us)
{
    (void)cg;
    (void)shares;
    (void)quota_us;
    (void)period_us;
    return false;
}

bool cadv_cgroup_bpf_mem_limits(struct cadv_cgroup *cg, uint64_t *limit, uint64_t *memsw, uint64_t *soft)
{
    (void)cg;
    (void)limit;
    (void)memsw;
    (void)soft;
    return false;
}

void cadv_cgroup_bpf_detail_file_add(struct cadv_cgroup *cg, unsigned slot, int dir, const char *name,
                                     enum cadv_bpf_detail what)
{
    (void)what;
    cadv_cgroup__file_add(cg, slot, dir, name, true);
}

bool cadv_cgroup_bpf_cfs(struct cadv_cgroup *cg, uint64_t *periods, uint64_t *throttled,
                         uint64_t *throttled_ns)
{
    (void)cg;
    (void)periods;
    (void)throttled;
    (void)throttled_ns;
    return false;
}

bool cadv_cgroup_bpf_kmem(struct cadv_cgroup *cg, uint64_t *bytes)
{
    (void)cg;
    (void)bytes;
    return false;
}

bool cadv_cgroup_bpf_oom_kill(struct cadv_cgroup *cg, uint64_t *kills)
{
    (void)cg;
    (void)kills;
    return false;
}

bool cadv_cgroup_bpf_blkio_idle(struct cadv_cgroup *cg)
{
    (void)cg;
    return false;
}

bool cadv_cgroup_bpf_psi_served(const struct cadv_cgroup *cg)
{
    (void)cg;
    return false;
}

bool cadv_cgroup_bpf_blkio_served(const struct cadv_cgroup *cg)
{
    (void)cg;
    return false;
}

bool cadv_cgroup_bpf_psi(struct cadv_cgroup *cg, uint64_t *stall_ns, bool *stalling)
{
    (void)cg;
    (void)stall_ns;
    (void)stalling;
    return false;
}

bool cadv_cgroup_bpf_percpu(struct cadv_cgroup *cg, uint64_t *out, uint32_t cap, uint32_t *n)
{
    (void)cg;
    (void)out;
    (void)cap;
    (void)n;
    return false;
}

#endif
